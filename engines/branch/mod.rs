// SPDX-License-Identifier: GPL-2.0

//! Branch trace: the taken branches of a task, for the last branches
//! before a crash (a ring that overwrites) or for coverage and profiling
//! (a guaranteed flow, where the task waits for its reader), the two uses
//! seed 003 names.
//!
//! The backend is software: the engine single-steps the task and judges
//! each step with the kernel's instruction decoder, so it works wherever
//! the architecture can single-step, QEMU's TCG included.
//!
//! - `ring`: the pure rules (which step was a branch, how each mode keeps
//!   records), with their KUnit tests;
//! - `engine`: the engine, stepping its task and filling its buffer;
//! - `charge`: the buffer's charge to its owner's `RLIMIT_MEMLOCK`;
//! - `trace`: starting a trace on a task, for both ways in;
//! - `device`: `/dev/utrace-branch`, one trace per open file;
//! - `capi`: the same trace for kernel code (`<linux/utrace.h>`);
//! - `ptrace`: the same trace for a ptrace tracer (`PTRACE_BTS_*`);
//! - `helpers.c`: the instruction decoder and the locked-memory count.

mod capi;
mod charge;
pub(crate) mod device;
mod engine;
pub(crate) mod ptrace;
mod ring;
mod trace;

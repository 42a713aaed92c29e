// SPDX-License-Identifier: GPL-2.0

//! ptrace-compat: ptrace's additions for tracers that virtualize.
//!
//! - **ptrace in the engine order** lives in engine-core (the registry
//!   reports ptrace's syscall stops at the place its attach time gives it);
//! - **PTRACE_SYSVM** (skip-exit / skip-call bits in the addr of resume
//!   requests) is plain C in the patched `kernel/ptrace.c`, with the
//!   skips in the entry code: the generic one's `entry-common.h` (x86_64)
//!   and arm64's own (patch 0031). On another architecture without
//!   generic entry the request answers and the bits do nothing;
//! - **PTRACE_MULTI** and the CHARDATA requests are here: `multi` holds
//!   the batch rules as pure functions, `request` runs them on the tracee;
//! - **PTRACE_BTS_*** reach the same hook, which hands them to the branch
//!   trace's engine (`engines/branch/ptrace.rs`).
//!
//! `Documentation/ptrace-multi.md` is the user-space manual.

mod multi;
mod request;

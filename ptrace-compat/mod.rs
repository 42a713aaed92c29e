// SPDX-License-Identifier: GPL-2.0

//! ptrace-compat: ptrace's additions for tracers that virtualize.
//!
//! - **ptrace in the engine order** lives in engine-core (the registry
//!   reports ptrace's syscall stops at the place its attach time gives it);
//! - **PTRACE_SYSVM** (skip-exit / skip-call bits in the addr of resume
//!   requests) is plain C in the patched `kernel/ptrace.c` and
//!   `entry-common.h`: it works wherever the generic entry code runs;
//! - **PTRACE_MULTI** and the CHARDATA requests are here: `multi` holds
//!   the batch rules as pure functions, `request` runs them on the tracee.
//!
//! `Documentation/ptrace-multi.md` is the user-space manual.

mod multi;
mod request;

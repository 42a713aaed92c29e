// SPDX-License-Identifier: GPL-2.0

//! utrace-rs: stackable in-kernel tracing engines for Linux, in Rust.
//!
//! The crate root only gathers the components, each in its own folder:
//!
//! - `engine-core/`: the per-task engine registry, the reporting order and
//!   the hooks the patched kernel calls;
//! - `engines/`: the strace and VM engines, the `/dev/utrace` control
//!   device, and the test engines behind `/dev/utrace-test`;
//! - `ptrace-compat/`: PTRACE_MULTI and the CHARDATA requests (ptrace's
//!   place in the engine order is engine-core's, PTRACE_SYSVM is C);
//! - `capi/`: the C engine API (`struct utrace_engine_ops`), exported to
//!   C code and modules.
//!
//! `Documentation/design.md` in the repository describes the design.

use kernel::prelude::*;

#[path = "engine-core/mod.rs"]
pub mod engine_core;

#[path = "engines/mod.rs"]
mod engines;

#[path = "ptrace-compat/mod.rs"]
mod ptrace_compat;

#[path = "capi/mod.rs"]
mod capi;

module! {
    type: Utrace,
    name: "utrace",
    authors: ["utrace-rs developers"],
    description: "Stackable in-kernel tracing engines",
    license: "GPL",
}

/// What utrace-rs sets up at boot: its devices.
struct Utrace {
    _devices: engines::Devices,
}

impl kernel::Module for Utrace {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        #[cfg(CONFIG_UPROBES)]
        engine_core::init_probes();
        Ok(Self {
            _devices: engines::Devices::register()?,
        })
    }
}

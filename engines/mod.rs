// SPDX-License-Identifier: GPL-2.0

//! Engines built on engine-core, and the devices that attach them.
//!
//! - `strace`: one strace(1)-style line per syscall;
//! - `vm`: a partial virtual machine (identity, uname, path redirection);
//! - `control`: `/dev/utrace`, attaching the two to processes;
//! - `session`: the engines of one control file, children's included;
//! - `channel`: `/dev/utrace-channel`, engines a user-space monitor
//!   answers for;
//! - `branch`: `/dev/utrace-branch`, the branches a task takes;
//! - `test_engine` / `test_device`: the recording and rewriting test
//!   engines the in-guest engine-core tests attach through
//!   `/dev/utrace-test` (CONFIG_UTRACE_TEST_DEVICE).

// The uapi structure wrappers the devices share: first, so that the
// macro is defined for the modules after it.
#[macro_use]
mod uapi;

pub(crate) mod branch;
mod channel;
mod control;
mod session;
pub(crate) mod strace;
#[cfg(CONFIG_UTRACE_TEST_DEVICE)]
pub(crate) mod test_device;
#[cfg(CONFIG_UTRACE_TEST_DEVICE)]
mod test_engine;
pub(crate) mod vm;

use kernel::miscdevice::{MiscDeviceOptions, MiscDeviceRegistration};
use kernel::prelude::*;

/// The misc devices utrace-rs registers at boot.
pub(crate) struct Devices {
    _control: Pin<KBox<MiscDeviceRegistration<control::ControlFile>>>,
    _channel: Pin<KBox<MiscDeviceRegistration<channel::ChannelFile>>>,
    _branch: Pin<KBox<MiscDeviceRegistration<branch::device::BranchFile>>>,
    #[cfg(CONFIG_UTRACE_TEST_DEVICE)]
    _test: Pin<KBox<MiscDeviceRegistration<test_device::TestFile>>>,
}

impl Devices {
    /// Registers the devices.
    pub(crate) fn register() -> Result<Self> {
        Ok(Self {
            _control: KBox::pin_init(
                MiscDeviceRegistration::register(MiscDeviceOptions { name: c"utrace" }),
                GFP_KERNEL,
            )?,
            _channel: KBox::pin_init(
                MiscDeviceRegistration::register(MiscDeviceOptions {
                    name: c"utrace-channel",
                }),
                GFP_KERNEL,
            )?,
            _branch: KBox::pin_init(
                MiscDeviceRegistration::register(MiscDeviceOptions {
                    name: c"utrace-branch",
                }),
                GFP_KERNEL,
            )?,
            #[cfg(CONFIG_UTRACE_TEST_DEVICE)]
            _test: KBox::pin_init(
                MiscDeviceRegistration::register(MiscDeviceOptions {
                    name: c"utrace-test",
                }),
                GFP_KERNEL,
            )?,
        })
    }
}

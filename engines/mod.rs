// SPDX-License-Identifier: GPL-2.0

//! Engines built on engine-core, and the devices that attach them.
//!
//! - `strace`: one strace(1)-style line per syscall;
//! - `vm`: a partial virtual machine (identity, uname, path redirection);
//! - `control`: `/dev/utrace`, attaching the two to processes;
//! - `session`: the engines of one control file, children's included;
//! - `channel`: `/dev/utrace-channel`, engines a user-space monitor
//!   answers for;
//! - `test_engine` / `test_device`: the recording and rewriting test
//!   engines the in-guest engine-core tests attach through
//!   `/dev/utrace-test` (CONFIG_UTRACE_TEST_DEVICE).

mod channel;
mod control;
mod session;
pub(crate) mod strace;
#[cfg(CONFIG_UTRACE_TEST_DEVICE)]
pub(crate) mod test_device;
#[cfg(CONFIG_UTRACE_TEST_DEVICE)]
mod test_engine;
pub(crate) mod vm;

use crate::engine_core::CloneReport;
use kernel::bindings;
use kernel::miscdevice::{MiscDeviceOptions, MiscDeviceRegistration};
use kernel::prelude::*;

/// Kills the child `clone` reports, which its parent's `engine` (its kind,
/// for the log) could not follow (`e`): outside the engine, it would
/// escape it by forking. The kernel log says so, rate-limited: any user
/// can make this fail at every fork (a file's engines all in use) and
/// would flood it otherwise.
pub(crate) fn kill_unfollowed_child(clone: &CloneReport<'_>, engine: &str, why: &str, e: Error) {
    clone.kill_child();
    // SAFETY: the helper only uses its own static rate-limit state.
    if unsafe { bindings::utrace_helper_vm_follow_warn_ratelimit() } {
        pr_warn!(
            "utrace {}: child {} killed: it could not be {} (errno {})\n",
            engine,
            clone.child().pid(),
            why,
            -e.to_errno()
        );
    }
}

/// The misc devices utrace-rs registers at boot.
pub(crate) struct Devices {
    _control: Pin<KBox<MiscDeviceRegistration<control::ControlFile>>>,
    _channel: Pin<KBox<MiscDeviceRegistration<channel::ChannelFile>>>,
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

// SPDX-License-Identifier: GPL-2.0

//! Engines built on engine-core.
//!
//! - `test_engine` / `test_device`: the recording and rewriting test
//!   engines the in-guest engine-core tests attach through
//!   `/dev/utrace-test` (CONFIG_UTRACE_TEST_DEVICE).

pub(crate) mod test_device;
mod test_engine;

use kernel::miscdevice::{MiscDeviceOptions, MiscDeviceRegistration};
use kernel::prelude::*;

/// The misc devices utrace-rs registers at boot.
pub(crate) struct Devices {
    _test: Pin<KBox<MiscDeviceRegistration<test_device::TestFile>>>,
}

impl Devices {
    /// Registers the devices.
    pub(crate) fn register() -> Result<Self> {
        let test = KBox::pin_init(
            MiscDeviceRegistration::register(MiscDeviceOptions {
                name: c"utrace-test",
            }),
            GFP_KERNEL,
        )?;
        Ok(Self { _test: test })
    }
}

// SPDX-License-Identifier: GPL-2.0

//! The engines' uapi structures as Rust reads and writes them: each comes
//! from its C header (`<linux/utrace.h>`, `<linux/utrace_branch.h>`)
//! through the bindings, never typed twice, and is wrapped by
//! [`uapi_wrapper!`] for `UserSlice` reads and writes.

/// Declares `$name`, a uapi structure from the bindings wrapped so that it
/// may be read from and written to user memory (as Binder wraps its uapi
/// types), with a build-time check that it has no padding.
macro_rules! uapi_wrapper {
    ($(#[$doc:meta])* $vis:vis $name:ident($uapi:ident) { $($field:ident),* $(,)? }) => {
        $(#[$doc])*
        #[repr(transparent)]
        #[derive(Clone, Copy, Default)]
        $vis struct $name($vis kernel::bindings::$uapi);

        // The structure has no padding: its size is the sum of the sizes of
        // the fields listed, as bindgen types them (a field left out of the
        // list fails the check too).
        const _: () = {
            // SAFETY: an all-zero bit pattern is a valid value of a
            // structure of integers.
            let zero: kernel::bindings::$uapi = unsafe { core::mem::zeroed() };
            assert!(core::mem::size_of::<kernel::bindings::$uapi>() == 0 $(+ core::mem::size_of_val(&zero.$field))*);
        };

        // SAFETY: `repr(transparent)` over a `repr(C)` structure of integers
        // without padding (checked above): any bytes are a valid value.
        unsafe impl kernel::transmute::FromBytes for $name {}
        // SAFETY: as above, every byte of a value is initialised.
        unsafe impl kernel::transmute::AsBytes for $name {}

        impl core::ops::Deref for $name {
            type Target = kernel::bindings::$uapi;
            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }

        impl core::ops::DerefMut for $name {
            fn deref_mut(&mut self) -> &mut Self::Target {
                &mut self.0
            }
        }
    };
}

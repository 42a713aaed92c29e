// SPDX-License-Identifier: GPL-2.0

//! A monitor's reply to an event, decoded into what the engine does.
//!
//! Pure: the rules of `struct utrace_channel_reply` (which action and
//! which changes each kind of event takes) are checked here, before the
//! reply reaches the waiting task, so that a refused reply changes
//! nothing.

use crate::engine_core::SYSCALL_ARGS;
use kernel::bindings;
use kernel::prelude::*;

/// Which side of a syscall an event reports.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Side {
    /// Before the call runs: it may be changed or aborted.
    Entry,
    /// After it ran (or was aborted): its result may be changed.
    Exit,
}

impl Side {
    /// `enum utrace_channel_kind`.
    pub(crate) fn to_uapi(self) -> u32 {
        match self {
            Side::Entry => bindings::utrace_channel_kind_UTRACE_CHANNEL_SYSCALL_ENTRY,
            Side::Exit => bindings::utrace_channel_kind_UTRACE_CHANNEL_SYSCALL_EXIT,
        }
    }
}

const CONTINUE: u32 = bindings::utrace_channel_action_UTRACE_CHANNEL_CONTINUE;
const ABORT: u32 = bindings::utrace_channel_action_UTRACE_CHANNEL_ABORT;
const SET_NR: u32 = bindings::UTRACE_CHANNEL_SET_NR;
const SET_ARGS: u32 = bindings::UTRACE_CHANNEL_SET_ARGS;
const SET_RESULT: u32 = bindings::UTRACE_CHANNEL_SET_RESULT;
const WANT_EXIT: u32 = bindings::UTRACE_CHANNEL_WANT_EXIT;

/// What the engine does with the event, as the monitor decided.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct Decision {
    /// Entry: the call is not run and returns this.
    pub(crate) abort: Option<i64>,
    /// Entry: the call's new number.
    pub(crate) nr: Option<i64>,
    /// The call's new arguments.
    pub(crate) args: Option<[u64; SYSCALL_ARGS]>,
    /// Exit: the call's new result.
    pub(crate) result: Option<i64>,
    /// Entry: report this call's exit.
    pub(crate) want_exit: bool,
}

/// Decodes `reply` to an event of `side`: `EINVAL` for an unknown action
/// or flag, or one the side does not take (an abort or a new number at
/// exit, a result at entry, a new number with an abort).
pub(crate) fn decode(side: Side, reply: &bindings::utrace_channel_reply) -> Result<Decision> {
    let flags = reply.flags;
    if flags & !(SET_NR | SET_ARGS | SET_RESULT | WANT_EXIT) != 0 {
        return Err(EINVAL);
    }
    let abort = match reply.action {
        CONTINUE => false,
        ABORT => true,
        _ => return Err(EINVAL),
    };
    let entry_only = abort || flags & (SET_NR | WANT_EXIT) != 0;
    match side {
        Side::Entry if flags & SET_RESULT != 0 => return Err(EINVAL),
        Side::Entry if abort && flags & SET_NR != 0 => return Err(EINVAL),
        Side::Exit if entry_only => return Err(EINVAL),
        _ => {}
    }
    Ok(Decision {
        abort: abort.then_some(reply.result),
        nr: (flags & SET_NR != 0).then_some(reply.nr),
        args: (flags & SET_ARGS != 0).then_some(reply.args),
        result: (flags & SET_RESULT != 0).then_some(reply.result),
        want_exit: flags & WANT_EXIT != 0,
    })
}

#[cfg(CONFIG_UTRACE_KUNIT_TEST)]
#[kunit_tests(utrace_channel_reply)]
mod tests {
    use super::*;

    fn reply(action: u32, flags: u32) -> bindings::utrace_channel_reply {
        bindings::utrace_channel_reply {
            id: 7,
            action,
            flags,
            nr: 39,
            args: [1, 2, 3, 4, 5, 6],
            result: -38,
        }
    }

    #[test]
    fn continue_changes_nothing() {
        for side in [Side::Entry, Side::Exit] {
            assert_eq!(decode(side, &reply(CONTINUE, 0)), Ok(Decision::default()));
        }
    }

    #[test]
    fn abort_at_entry_returns_the_result() {
        let d = decode(Side::Entry, &reply(ABORT, WANT_EXIT | SET_ARGS)).unwrap();
        assert_eq!(d.abort, Some(-38));
        assert_eq!(d.args, Some([1, 2, 3, 4, 5, 6]));
        assert!(d.want_exit);
        assert_eq!((d.nr, d.result), (None, None));
    }

    #[test]
    fn entry_changes_number_and_arguments() {
        let d = decode(Side::Entry, &reply(CONTINUE, SET_NR | SET_ARGS)).unwrap();
        assert_eq!(d.nr, Some(39));
        assert_eq!(d.args, Some([1, 2, 3, 4, 5, 6]));
        assert_eq!((d.abort, d.want_exit), (None, false));
    }

    #[test]
    fn exit_changes_result_and_arguments() {
        let d = decode(Side::Exit, &reply(CONTINUE, SET_RESULT | SET_ARGS)).unwrap();
        assert_eq!(d.result, Some(-38));
        assert_eq!(d.args, Some([1, 2, 3, 4, 5, 6]));
    }

    #[test]
    fn what_a_side_does_not_take_is_refused() {
        assert_eq!(
            decode(Side::Entry, &reply(CONTINUE, SET_RESULT)),
            Err(EINVAL)
        );
        assert_eq!(decode(Side::Entry, &reply(ABORT, SET_NR)), Err(EINVAL));
        assert_eq!(decode(Side::Exit, &reply(ABORT, 0)), Err(EINVAL));
        assert_eq!(decode(Side::Exit, &reply(CONTINUE, SET_NR)), Err(EINVAL));
        assert_eq!(decode(Side::Exit, &reply(CONTINUE, WANT_EXIT)), Err(EINVAL));
    }

    #[test]
    fn unknown_actions_and_flags_are_refused() {
        for side in [Side::Entry, Side::Exit] {
            assert_eq!(decode(side, &reply(2, 0)), Err(EINVAL));
            assert_eq!(decode(side, &reply(u32::MAX, 0)), Err(EINVAL));
            assert_eq!(decode(side, &reply(CONTINUE, 1 << 4)), Err(EINVAL));
            assert_eq!(decode(side, &reply(CONTINUE, 1 << 31)), Err(EINVAL));
        }
    }
}

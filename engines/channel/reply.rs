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

/// What an event reports.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    /// A syscall before it runs: it may be changed or aborted.
    Entry,
    /// A syscall after it ran (or was aborted): its result may be changed.
    Exit,
    /// A clone, before the child runs: only acknowledged.
    Clone,
    /// An exec that went through: only acknowledged.
    Exec,
    /// The task's exit: its code may be changed.
    TaskExit,
}

impl Kind {
    /// `enum utrace_channel_kind`.
    pub(crate) fn to_uapi(self) -> u32 {
        match self {
            Kind::Entry => bindings::utrace_channel_kind_UTRACE_CHANNEL_SYSCALL_ENTRY,
            Kind::Exit => bindings::utrace_channel_kind_UTRACE_CHANNEL_SYSCALL_EXIT,
            Kind::Clone => bindings::utrace_channel_kind_UTRACE_CHANNEL_CLONE,
            Kind::Exec => bindings::utrace_channel_kind_UTRACE_CHANNEL_EXEC,
            Kind::TaskExit => bindings::utrace_channel_kind_UTRACE_CHANNEL_TASK_EXIT,
        }
    }

    /// The kind of a `kind` value this file wrote (`None` for another).
    pub(crate) fn from_uapi(kind: u32) -> Option<Kind> {
        [
            Kind::Entry,
            Kind::Exit,
            Kind::Clone,
            Kind::Exec,
            Kind::TaskExit,
        ]
        .into_iter()
        .find(|k| k.to_uapi() == kind)
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
    /// The answer is the descriptor a `UTRACE_CHANNEL_ADDFD_SEND`
    /// installed (not a reply).
    pub(crate) sent: bool,
}

/// Decodes `reply` to an event of `kind`: `EINVAL` for an unknown action
/// or flag, or one the kind does not take: at syscall entry no result
/// (and no new number with an abort); at syscall exit no abort, number or
/// exit request; at a task's exit only a result; a clone or an exec is
/// only acknowledged.
pub(crate) fn decode(kind: Kind, reply: &bindings::utrace_channel_reply) -> Result<Decision> {
    let flags = reply.flags;
    if flags & !(SET_NR | SET_ARGS | SET_RESULT | WANT_EXIT) != 0 {
        return Err(EINVAL);
    }
    let abort = match reply.action {
        CONTINUE => false,
        ABORT => true,
        _ => return Err(EINVAL),
    };
    let allowed = match kind {
        Kind::Entry if abort && flags & SET_NR != 0 => return Err(EINVAL),
        Kind::Entry => SET_NR | SET_ARGS | WANT_EXIT,
        Kind::Exit => SET_ARGS | SET_RESULT,
        Kind::TaskExit => SET_RESULT,
        Kind::Clone | Kind::Exec => 0,
    };
    if flags & !allowed != 0 || (abort && kind != Kind::Entry) {
        return Err(EINVAL);
    }
    Ok(Decision {
        abort: abort.then_some(reply.result),
        nr: (flags & SET_NR != 0).then_some(reply.nr),
        args: (flags & SET_ARGS != 0).then_some(reply.args),
        result: (flags & SET_RESULT != 0).then_some(reply.result),
        want_exit: flags & WANT_EXIT != 0,
        sent: false,
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
        for kind in ALL {
            assert_eq!(decode(kind, &reply(CONTINUE, 0)), Ok(Decision::default()));
        }
    }

    #[test]
    fn abort_at_entry_returns_the_result() {
        let d = decode(Kind::Entry, &reply(ABORT, WANT_EXIT | SET_ARGS)).unwrap();
        assert_eq!(d.abort, Some(-38));
        assert_eq!(d.args, Some([1, 2, 3, 4, 5, 6]));
        assert!(d.want_exit);
        assert_eq!((d.nr, d.result), (None, None));
    }

    #[test]
    fn entry_changes_number_and_arguments() {
        let d = decode(Kind::Entry, &reply(CONTINUE, SET_NR | SET_ARGS)).unwrap();
        assert_eq!(d.nr, Some(39));
        assert_eq!(d.args, Some([1, 2, 3, 4, 5, 6]));
        assert_eq!((d.abort, d.want_exit), (None, false));
    }

    #[test]
    fn exit_changes_result_and_arguments() {
        let d = decode(Kind::Exit, &reply(CONTINUE, SET_RESULT | SET_ARGS)).unwrap();
        assert_eq!(d.result, Some(-38));
        assert_eq!(d.args, Some([1, 2, 3, 4, 5, 6]));
    }

    #[test]
    fn what_a_side_does_not_take_is_refused() {
        assert_eq!(
            decode(Kind::Entry, &reply(CONTINUE, SET_RESULT)),
            Err(EINVAL)
        );
        assert_eq!(decode(Kind::Entry, &reply(ABORT, SET_NR)), Err(EINVAL));
        assert_eq!(decode(Kind::Exit, &reply(ABORT, 0)), Err(EINVAL));
        assert_eq!(decode(Kind::Exit, &reply(CONTINUE, SET_NR)), Err(EINVAL));
        assert_eq!(decode(Kind::Exit, &reply(CONTINUE, WANT_EXIT)), Err(EINVAL));
    }

    const ALL: [Kind; 5] = [
        Kind::Entry,
        Kind::Exit,
        Kind::Clone,
        Kind::Exec,
        Kind::TaskExit,
    ];

    #[test]
    fn task_events_take_what_they_can_use() {
        for kind in [Kind::Clone, Kind::Exec] {
            assert_eq!(decode(kind, &reply(CONTINUE, 0)), Ok(Decision::default()));
            for flag in [SET_NR, SET_ARGS, SET_RESULT, WANT_EXIT] {
                assert_eq!(decode(kind, &reply(CONTINUE, flag)), Err(EINVAL));
            }
            assert_eq!(decode(kind, &reply(ABORT, 0)), Err(EINVAL));
        }
        let d = decode(Kind::TaskExit, &reply(CONTINUE, SET_RESULT)).unwrap();
        assert_eq!(d.result, Some(-38));
        assert_eq!(
            decode(Kind::TaskExit, &reply(CONTINUE, SET_ARGS)),
            Err(EINVAL)
        );
        assert_eq!(decode(Kind::TaskExit, &reply(ABORT, 0)), Err(EINVAL));
    }

    #[test]
    fn kinds_round_trip() {
        for kind in ALL {
            assert_eq!(Kind::from_uapi(kind.to_uapi()), Some(kind));
        }
        assert_eq!(Kind::from_uapi(0), None);
        assert_eq!(Kind::from_uapi(6), None);
    }

    #[test]
    fn unknown_actions_and_flags_are_refused() {
        for kind in ALL {
            assert_eq!(decode(kind, &reply(2, 0)), Err(EINVAL));
            assert_eq!(decode(kind, &reply(u32::MAX, 0)), Err(EINVAL));
            assert_eq!(decode(kind, &reply(CONTINUE, 1 << 4)), Err(EINVAL));
            assert_eq!(decode(kind, &reply(CONTINUE, 1 << 31)), Err(EINVAL));
        }
    }
}

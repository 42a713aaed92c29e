// SPDX-License-Identifier: GPL-2.0

//! Syscall decoding for the strace engine, as strace(1) shows it (x86_64).
//!
//! The calls and the arguments strace shows for each are declared in
//! [`super::syscalls`]; the tables of this file are the constants strace
//! names and the errno names with their glibc `strerror` messages
//! ([`errno_info`]). The
//! functions render one argument ([`write_arg`]), a user string or buffer
//! already copied in by the caller ([`write_string`]) and the ` = result`
//! part of a line ([`write_result`]).
//!
//! Everything here is pure: no locks, no user memory access, no
//! allocation; text goes to a caller-provided [`core::fmt::Write`], so the
//! engine can format straight into its fixed-size line.

use super::socket;
use super::syscalls::{nr, signature};
use crate::engine_core::SigInfoFields;
use core::fmt::Write;
use kernel::bindings;
// Only the KUnit suite at the bottom needs the prelude (`#[kunit_tests]`).
#[cfg(CONFIG_UTRACE_KUNIT_TEST)]
use kernel::prelude::*;

/// How one syscall argument is shown.
// ia32's kinds are declared by ia32's table alone, which arm64 has not.
#[cfg_attr(not(CONFIG_X86_64), allow(dead_code))]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ArgKind {
    /// A signed decimal `int` (the low 32 bits of the register).
    Int,
    /// A 16-bit user or group id (ia32's `setuid`, `setgid`), as the
    /// kernel takes it: the low 16 bits, 0xffff being -1.
    Uid16,
    /// An unsigned decimal (`size_t`, a count).
    UInt,
    /// An unsigned value in hexadecimal, `0x...` (`0` when zero).
    Hex,
    /// A user pointer: `NULL` or `0x...`.
    Ptr,
    /// A file descriptor (an `int`), in decimal.
    Fd,
    /// A directory file descriptor: `AT_FDCWD` or a decimal fd.
    DirFd,
    /// A NUL-terminated user string, written by the caller through
    /// [`write_string`]; [`write_arg`] shows its address.
    Path,
    /// A buffer whose contents the caller shows through [`write_string`]
    /// when it has them (`write`); [`write_arg`] shows its address.
    Buf,
    /// A buffer the call reads data into (`read`): an output, shown at
    /// exit through [`write_string`] as the data the call got;
    /// [`write_arg`] shows its address.
    OutBuf,
    /// A `struct stat` the call fills: an output, shown at exit through
    /// [`write_stat`]; [`write_arg`] shows its address.
    StatBuf,
    /// A clock (`CLOCK_MONOTONIC`), decimal when it has no name.
    ClockId,
    /// A `struct timespec` the call fills: an output, shown at exit
    /// through [`write_timespec`]; [`write_arg`] shows its address.
    TimespecOut,
    /// A resource limit's resource (`RLIMIT_STACK`), decimal otherwise.
    Resource,
    /// A `struct rlimit64` the call reads, shown at entry through
    /// [`write_rlimit`]; [`write_arg`] shows its address.
    RlimitIn,
    /// A `struct rlimit64` the call fills: an output, shown at exit
    /// through [`write_rlimit`]; [`write_arg`] shows its address.
    RlimitOut,
    /// `getrandom` flags (`GRND_NONBLOCK`), or `0`.
    GrndFlags,
    /// A NULL-terminated array of user strings (`execve`'s argv), shown
    /// by the engine as `["a", "b"]`; [`write_arg`] shows its address.
    Argv,
    /// `execve`'s envp: its address and a count, `0x... /* 5 vars */`,
    /// through [`write_envp`]; [`write_arg`] shows its address.
    Envp,
    /// `open` flags: the access mode, then the other flags
    /// (`O_RDONLY|O_CREAT|O_CLOEXEC`).
    OpenFlags,
    /// A file mode in octal, as C's `%#03o` (`0644`, `022`, `000`).
    Mode,
    /// An `access` mode: `F_OK` or `R_OK|W_OK|X_OK`.
    AccessMode,
    /// Generic `*at` flags (`AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH`), or `0`.
    AtFlags,
    /// A signal number (`SIGKILL`), decimal when it has no name.
    Signal,
    /// An `lseek` origin (`SEEK_SET` ... `SEEK_HOLE`), decimal otherwise.
    Whence,
    /// A signed 64-bit decimal (`off_t`, `loff_t`).
    Long,
    /// `O_*` flags without an access mode (`dup3`, `pipe2`), or `0`.
    FileFlags,
    /// `faccessat2` flags (`AT_EACCESS`, which shares its value with
    /// `AT_REMOVEDIR`), or `0`.
    FaccessatFlags,
    /// `statx` flags: the sync type (`AT_STATX_SYNC_AS_STAT` when zero),
    /// then the generic `*at` flags.
    StatxFlags,
    /// A `statx` mask (`STATX_BASIC_STATS|STATX_BTIME` is `STATX_ALL`).
    StatxMask,
    /// The `struct statx` a call fills: shown at exit, as strace
    /// abbreviates it, `{stx_mask=..., stx_attributes=0,
    /// stx_mode=S_IFREG|0644, stx_size=21, ...}`.
    StatxBuf,
    /// The `how` of `rt_sigprocmask` (`SIG_BLOCK`, `SIG_UNBLOCK`,
    /// `SIG_SETMASK`).
    SigprocmaskHow,
    /// An `fcntl` command (`F_GETFD`, `F_SETFL`, ...).
    FcntlCmd,
    /// The `struct iovec` array a call reads (`writev`), its count the
    /// next argument: `[{iov_base="hello", iov_len=5}, ...]`.
    IovIn,
    /// The `struct iovec` array a call fills (`readv`), its count the next
    /// argument: shown at exit, the bytes it returned across the buffers.
    IovOut,
    /// An ia32 `fcntl` or `fcntl64` command: also `F_GETLK64`,
    /// `F_SETLK64` and `F_SETLKW64` (`struct flock64`), which the x86_64
    /// call does not have.
    FcntlCmd64,
    /// Memory protections: `PROT_NONE`, or `PROT_READ|PROT_WRITE`.
    Prot,
    /// `mmap` flags: the mapping type, then the flags
    /// (`MAP_PRIVATE|MAP_ANONYMOUS`).
    MmapFlags,
    /// An `arch_prctl` code (`ARCH_SET_FS`), else `0x3001 /* ARCH_??? */`.
    ArchPrctlCode,
    /// A `prctl` option (`PR_GET_NAME`), else `0x59616d61 /* PR_??? */`.
    PrctlOption,
    /// A NUL-terminated string the call writes (`prctl(PR_GET_NAME)`):
    /// an output, shown at exit through [`write_string`]; [`write_arg`]
    /// shows its address.
    StrOut,
    /// Bytes the call writes that are data, not text (`getrandom`): an
    /// output, shown at exit through [`write_hex_string`]; [`write_arg`]
    /// shows its address.
    BytesOut,
    /// An `ioctl` request (`TCGETS`), in hex when it has no name here.
    IoctlCmd,
    /// The directory entries `getdents64` wrote: an output, shown at exit
    /// as their address and count through [`write_dirents`].
    DirentsOut,
    /// The group ids `getgroups` wrote: an output, shown at exit through
    /// [`write_ids`].
    GidsOut,
    /// `utimensat`'s two times, shown at entry through [`write_utimes`];
    /// [`write_arg`] shows its address.
    UtimesIn,
    /// A `struct sigaction` the call reads, shown at entry through
    /// [`write_sigaction`]; [`write_arg`] shows its address.
    SigactionIn,
    /// A `struct sigaction` the call fills: an output, shown at exit.
    SigactionOut,
    /// A signal set the call reads, shown at entry through
    /// [`write_sigset`]; [`write_arg`] shows its address.
    SigsetIn,
    /// A signal set the call fills: an output, shown at exit.
    SigsetOut,
    /// The status `wait4` wrote: an output, shown at exit through
    /// [`write_wait_status`].
    WaitStatusOut,
    /// `wait4` options (`WNOHANG`), or `0`.
    WaitOptions,
    /// A `struct timespec` the call reads, shown at entry through
    /// [`write_timespec`]; [`write_arg`] shows its address.
    TimespecIn,
    /// `clock_nanosleep` flags: `TIMER_ABSTIME`, or `0`.
    TimerFlags,
    /// An address family (`AF_INET`), else `0x3039 /* AF_??? */`.
    SockFamily,
    /// A socket type and its flags (`SOCK_STREAM|SOCK_CLOEXEC`).
    SockType,
    /// `accept4` flags (`SOCK_CLOEXEC|SOCK_NONBLOCK`), or `0`.
    SockFlags,
    /// `socket`'s protocol, named by the family in the first argument
    /// (`IPPROTO_UDP`, `NETLINK_ROUTE`); [`write_arg`] writes the number.
    SockProtocol,
    /// `send*` and `recv*` flags (`MSG_DONTWAIT|MSG_NOSIGNAL`), or `0`.
    MsgFlags,
    /// `shutdown`'s `how` (`SHUT_WR`).
    ShutdownHow,
    /// A socket option level (`SOL_SOCKET`).
    SockLevel,
    /// A socket option, named by the level in the second argument
    /// (`SO_REUSEADDR`, `TCP_NODELAY`); [`write_arg`] writes the number.
    SockOption,
    /// A socket address the call reads (`connect`), its length the next
    /// argument: shown at entry, `{sa_family=AF_UNIX, sun_path="..."}`;
    /// [`write_arg`] shows its address.
    SockaddrIn,
    /// A socket address the call fills (`accept`), its length's address
    /// the next argument: an output, shown at exit with the bytes the
    /// kernel copied (the smaller of the length given and the one set);
    /// [`write_arg`] shows its address.
    SockaddrOut,
    /// The address of a socket address's or an option's length, which the
    /// call reads and then sets: shown at exit as `[in]` or
    /// `[in => out]`, `in` read at entry; [`write_arg`] shows its address.
    SockLenInOut,
    /// A socket option's value the call reads (`setsockopt`), its length
    /// the next argument: `[1]` for an `int`; [`write_arg`] shows its
    /// address.
    SockoptIn,
    /// A socket option's value the call fills (`getsockopt`), its
    /// length's address the next argument: an output, `[1]` for an `int`;
    /// [`write_arg`] shows its address.
    SockoptOut,
    /// The `struct user_msghdr` `sendmsg` reads: shown at entry, its name,
    /// data and control messages decoded; [`write_arg`] shows its address.
    MsghdrIn,
    /// The `struct user_msghdr` `recvmsg` fills: an output, shown at exit
    /// with the data received and the name's length as `in => out`;
    /// [`write_arg`] shows its address.
    MsghdrOut,
    /// ia32's `struct stat64` the call fills (`stat64`, `fstatat64`): an
    /// output, shown at exit as [`ArgKind::StatBuf`] is.
    Stat64Buf,
    /// ia32's `struct compat_iovec` array a call reads (`writev`), its
    /// count the next argument, shown as [`ArgKind::IovIn`] is.
    Iov32In,
    /// ia32's `struct compat_iovec` array a call fills (`readv`): an
    /// output, shown as [`ArgKind::IovOut`] is.
    Iov32Out,
    /// ia32's 32-bit `struct old_timespec32` the call reads
    /// (`nanosleep`), shown as [`ArgKind::TimespecIn`] is.
    Timespec32In,
    /// ia32's `struct old_timespec32` the call fills (`clock_gettime`):
    /// an output, shown as [`ArgKind::TimespecOut`] is.
    Timespec32Out,
    /// ia32's `execve` argv, an array of 32-bit pointers, shown as
    /// [`ArgKind::Argv`] is.
    Argv32,
    /// ia32's `execve` envp, an array of 32-bit pointers, shown as
    /// [`ArgKind::Envp`] is.
    Envp32,
    /// ia32's `struct compat_sigaction` the call reads (`rt_sigaction`),
    /// shown as [`ArgKind::SigactionIn`] is.
    Sigaction32In,
    /// ia32's `struct compat_sigaction` the call fills: an output, shown
    /// as [`ArgKind::SigactionOut`] is.
    Sigaction32Out,
    /// ia32's `struct compat_rlimit` the call fills (`ugetrlimit`): an
    /// output, shown through [`write_rlimit32`].
    Rlimit32Out,
    /// The `struct termios` an `ioctl` reads (`TCSETS`), shown through
    /// [`write_termios`]; [`write_arg`] shows its address.
    TermiosIn,
    /// The `struct termios` an `ioctl` fills (`TCGETS`): an output.
    TermiosOut,
    /// The `struct winsize` an `ioctl` reads (`TIOCSWINSZ`), shown through
    /// [`write_winsize`]; [`write_arg`] shows its address.
    WinsizeIn,
    /// The `struct winsize` an `ioctl` fills (`TIOCGWINSZ`): an output.
    WinsizeOut,
    /// An `int` an `ioctl` reads through its address (`FIONBIO`): `[1]`;
    /// [`write_arg`] shows its address.
    IntIn,
    /// An `int` an `ioctl` fills (`FIONREAD`, `TIOCGPGRP`): an output,
    /// `[5]`.
    IntOut,
    /// `TCFLSH`'s queue: `TCIFLUSH`, `TCOFLUSH`, `TCIOFLUSH`.
    FlushQueue,
    /// The two descriptors `socketpair` (or `pipe`) fills: an output,
    /// shown at exit as `[3, 4]`; [`write_arg`] shows its address.
    FdPairOut,
}

/// What the return value means, for rendering `= ...`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum RetKind {
    /// A signed decimal.
    Int,
    /// An address, in hexadecimal (`mmap`, `brk`).
    Hex,
    /// The call does not return (`exit`, `exit_group`): `= ?`.
    NoReturn,
    /// A file mode, in octal as [`ArgKind::Mode`] (`umask`).
    Mode,
}

/// Number of syscall arguments on x86_64.
const MAX_ARGS: usize = 6;

/// Return values in `-MAX_ERRNO..=-1` are errors.
const MAX_ERRNO: i64 = 4095;

// `open` flags, as the architecture's uapi headers give them (arm64
// overrides asm-generic's O_DIRECTORY, O_NOFOLLOW, O_DIRECT and
// O_LARGEFILE; x86 does not).
use bindings::{
    __O_SYNC, __O_TMPFILE, FASYNC, O_ACCMODE, O_APPEND, O_CLOEXEC, O_CREAT, O_DIRECT, O_DIRECTORY,
    O_DSYNC, O_EMPTYPATH, O_EXCL, O_LARGEFILE, O_NOATIME, O_NOCTTY, O_NOFOLLOW, O_NONBLOCK, O_PATH,
    O_RDWR, O_SYNC, O_TMPFILE, O_TRUNC, O_WRONLY,
};

/// A flag value and its name. A name is shown when all of its bits are set,
/// and it then takes them: a combined flag listed before its parts hides
/// them.
pub(crate) type Flag = (u32, &'static str);

/// `open` flags other than the access mode, in the order strace shows
/// them.
static OPEN_FLAGS: [Flag; 20] = [
    (O_CREAT, "O_CREAT"),
    (O_EXCL, "O_EXCL"),
    (O_NOCTTY, "O_NOCTTY"),
    (O_TRUNC, "O_TRUNC"),
    (O_APPEND, "O_APPEND"),
    (O_NONBLOCK, "O_NONBLOCK"),
    (O_SYNC, "O_SYNC"),
    (__O_SYNC, "__O_SYNC"),
    (O_DSYNC, "O_DSYNC"),
    (O_DIRECT, "O_DIRECT"),
    (O_LARGEFILE, "O_LARGEFILE"),
    (O_NOFOLLOW, "O_NOFOLLOW"),
    (O_NOATIME, "O_NOATIME"),
    (O_CLOEXEC, "O_CLOEXEC"),
    (O_PATH, "O_PATH"),
    (O_TMPFILE, "O_TMPFILE"),
    (__O_TMPFILE, "__O_TMPFILE"),
    (O_DIRECTORY, "O_DIRECTORY"),
    (FASYNC, "FASYNC"),
    (O_EMPTYPATH, "O_EMPTYPATH"),
];

/// Generic `*at` flags (include/uapi/linux/fcntl.h), in strace's order.
/// `0x200` is per syscall; like strace, the generic set calls it
/// `AT_REMOVEDIR` (`unlinkat`).
static AT_FLAGS: [Flag; 7] = [
    (0x100, "AT_SYMLINK_NOFOLLOW"),
    (0x200, "AT_REMOVEDIR"),
    (0x400, "AT_SYMLINK_FOLLOW"),
    (0x800, "AT_NO_AUTOMOUNT"),
    (0x1000, "AT_EMPTY_PATH"),
    (0x8000, "AT_RECURSIVE"),
    (0x10000, "AT_EXECVE_CHECK"),
];

/// `faccessat2` flags.
static FACCESSAT_FLAGS: [Flag; 3] = [
    (0x100, "AT_SYMLINK_NOFOLLOW"),
    (0x200, "AT_EACCESS"),
    (0x1000, "AT_EMPTY_PATH"),
];

/// `AT_STATX_SYNC_TYPE`: the bits of the `statx` sync type.
const AT_STATX_SYNC_TYPE: u32 = 0x6000;

/// The non-zero `statx` sync types.
static STATX_SYNC_FLAGS: [Flag; 2] = [
    (0x2000, "AT_STATX_FORCE_SYNC"),
    (0x4000, "AT_STATX_DONT_SYNC"),
];

/// `access` modes (`F_OK` is zero).
static ACCESS_MODES: [Flag; 3] = [(4, "R_OK"), (2, "W_OK"), (1, "X_OK")];

/// x86_64 signal names, `SIGHUP` (1) to `SIGSYS` (31)
/// (arch/x86/include/uapi/asm/signal.h).
static SIGNALS: [&str; 31] = [
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGILL",
    "SIGTRAP",
    "SIGABRT",
    "SIGBUS",
    "SIGFPE",
    "SIGKILL",
    "SIGUSR1",
    "SIGSEGV",
    "SIGUSR2",
    "SIGPIPE",
    "SIGALRM",
    "SIGTERM",
    "SIGSTKFLT",
    "SIGCHLD",
    "SIGCONT",
    "SIGSTOP",
    "SIGTSTP",
    "SIGTTIN",
    "SIGTTOU",
    "SIGURG",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGVTALRM",
    "SIGPROF",
    "SIGWINCH",
    "SIGIO",
    "SIGPWR",
    "SIGSYS",
];

/// The first real-time signal on x86_64 (`SIGRTMIN` as the kernel has it).
const SIGRTMIN: i32 = 32;
/// The last real-time signal (`_NSIG`).
const SIGRTMAX: i32 = 64;

/// `lseek` origins, by value.
static WHENCE: [&str; 5] = ["SEEK_SET", "SEEK_CUR", "SEEK_END", "SEEK_DATA", "SEEK_HOLE"];

/// `rt_sigprocmask` actions, by value.
static SIGPROCMASK_HOW: [&str; 3] = ["SIG_BLOCK", "SIG_UNBLOCK", "SIG_SETMASK"];

/// Base of the Linux-specific `fcntl` commands.
const F_LINUX_SPECIFIC_BASE: i32 = 1024;

/// `fcntl` commands valid on x86_64 (asm-generic/fcntl.h, linux/fcntl.h).
static FCNTL_CMDS: [(i32, &str); 35] = [
    (0, "F_DUPFD"),
    (1, "F_GETFD"),
    (2, "F_SETFD"),
    (3, "F_GETFL"),
    (4, "F_SETFL"),
    (5, "F_GETLK"),
    (6, "F_SETLK"),
    (7, "F_SETLKW"),
    (8, "F_SETOWN"),
    (9, "F_GETOWN"),
    (10, "F_SETSIG"),
    (11, "F_GETSIG"),
    (15, "F_SETOWN_EX"),
    (16, "F_GETOWN_EX"),
    (17, "F_GETOWNER_UIDS"),
    (36, "F_OFD_GETLK"),
    (37, "F_OFD_SETLK"),
    (38, "F_OFD_SETLKW"),
    (F_LINUX_SPECIFIC_BASE, "F_SETLEASE"),
    (F_LINUX_SPECIFIC_BASE + 1, "F_GETLEASE"),
    (F_LINUX_SPECIFIC_BASE + 2, "F_NOTIFY"),
    (F_LINUX_SPECIFIC_BASE + 3, "F_DUPFD_QUERY"),
    (F_LINUX_SPECIFIC_BASE + 4, "F_CREATED_QUERY"),
    (F_LINUX_SPECIFIC_BASE + 5, "F_CANCELLK"),
    (F_LINUX_SPECIFIC_BASE + 6, "F_DUPFD_CLOEXEC"),
    (F_LINUX_SPECIFIC_BASE + 7, "F_SETPIPE_SZ"),
    (F_LINUX_SPECIFIC_BASE + 8, "F_GETPIPE_SZ"),
    (F_LINUX_SPECIFIC_BASE + 9, "F_ADD_SEALS"),
    (F_LINUX_SPECIFIC_BASE + 10, "F_GET_SEALS"),
    (F_LINUX_SPECIFIC_BASE + 11, "F_GET_RW_HINT"),
    (F_LINUX_SPECIFIC_BASE + 12, "F_SET_RW_HINT"),
    (F_LINUX_SPECIFIC_BASE + 13, "F_GET_FILE_RW_HINT"),
    (F_LINUX_SPECIFIC_BASE + 14, "F_SET_FILE_RW_HINT"),
    (F_LINUX_SPECIFIC_BASE + 15, "F_GETDELEG"),
    (F_LINUX_SPECIFIC_BASE + 16, "F_SETDELEG"),
];

/// `fcntl` commands that take no third argument (strace shows two).
static FCNTL_NO_ARG: [i32; 8] = [
    1,                          // F_GETFD
    3,                          // F_GETFL
    9,                          // F_GETOWN
    11,                         // F_GETSIG
    F_LINUX_SPECIFIC_BASE + 1,  // F_GETLEASE
    F_LINUX_SPECIFIC_BASE + 4,  // F_CREATED_QUERY
    F_LINUX_SPECIFIC_BASE + 8,  // F_GETPIPE_SZ
    F_LINUX_SPECIFIC_BASE + 10, // F_GET_SEALS
];

/// How each argument of this call of `nr` is shown: its signature's
/// kinds, or for `prctl` those of its option (`prctl(PR_SET_NAME,
/// "name")`, `prctl(PR_GET_NAME, "name")` with the name read at exit).
/// `None` for a syscall without a signature.
pub(crate) fn arg_kinds(nr: i64, args: &[u64; 6]) -> Option<&'static [ArgKind]> {
    use ArgKind::*;
    if nr == nr::PRCTL {
        return Some(match args[0] as u32 {
            bindings::PR_SET_NAME => &[PrctlOption, Path],
            bindings::PR_GET_NAME => &[PrctlOption, StrOut],
            bindings::PR_SET_PDEATHSIG => &[PrctlOption, Signal],
            _ => &[PrctlOption, Hex, Hex, Hex, Hex],
        });
    }
    if nr == nr::IOCTL {
        return Some(ioctl_kinds(args[1] as u32));
    }
    signature(nr).map(|s| s.args)
}

/// `ioctl`'s arguments for `request`, as strace shows them: the structure
/// or `int` of the requests named here, none for those that take no
/// argument, else the third argument in hex.
pub(crate) fn ioctl_kinds(request: u32) -> &'static [ArgKind] {
    use ArgKind::*;
    match request {
        bindings::TCGETS => &[Fd, IoctlCmd, TermiosOut],
        bindings::TCSETS | bindings::TCSETSW | bindings::TCSETSF => &[Fd, IoctlCmd, TermiosIn],
        bindings::TIOCGWINSZ => &[Fd, IoctlCmd, WinsizeOut],
        bindings::TIOCSWINSZ => &[Fd, IoctlCmd, WinsizeIn],
        bindings::TIOCGPGRP | bindings::TIOCGSID | bindings::FIONREAD | bindings::TIOCOUTQ => {
            &[Fd, IoctlCmd, IntOut]
        }
        bindings::TIOCSPGRP | bindings::FIONBIO | bindings::FIOASYNC => &[Fd, IoctlCmd, IntIn],
        bindings::TCFLSH => &[Fd, IoctlCmd, FlushQueue],
        bindings::TIOCSCTTY | bindings::TCSBRK => &[Fd, IoctlCmd, Int],
        bindings::TIOCNOTTY | bindings::FIONCLEX | bindings::FIOCLEX => &[Fd, IoctlCmd],
        _ => &[Fd, IoctlCmd, Hex],
    }
}

/// The return kind of syscall `nr` ([`RetKind::Int`] if unknown).
pub(crate) fn ret_kind(nr: i64) -> RetKind {
    match nr {
        nr::MMAP | nr::BRK | nr::MREMAP | nr::SHMAT => RetKind::Hex,
        nr::EXIT | nr::EXIT_GROUP => RetKind::NoReturn,
        nr::UMASK => RetKind::Mode,
        _ => RetKind::Int,
    }
}

/// How many arguments of syscall `nr` to print, given their values.
///
/// `open` and `openat` show their mode only when the flags create a file
/// (`O_CREAT` or `O_TMPFILE`), and `fcntl` shows no third argument for the
/// commands that take none. Otherwise it is the length of the signature, or
/// all six arguments for a syscall without one.
pub(crate) fn shown_args(nr: i64, args: &[u64; 6]) -> usize {
    shown_args_of(nr, args, arg_kinds(nr, args))
}

/// [`shown_args`], with the call's [`arg_kinds`] already looked up.
pub(crate) fn shown_args_of(nr: i64, args: &[u64; 6], kinds: Option<&[ArgKind]>) -> usize {
    let creates = |flags: u64| (flags as u32) & (O_CREAT | __O_TMPFILE) != 0;
    match nr {
        #[cfg(CONFIG_X86_64)]
        nr::OPEN if !creates(args[1]) => 2,
        nr::OPENAT if !creates(args[2]) => 3,
        nr::FCNTL if FCNTL_NO_ARG.contains(&(args[1] as i32)) => 2,
        _ => kinds.map_or(MAX_ARGS, |k| k.len()),
    }
}

/// errno symbolic name and `strerror` text, e.g. `2` ->
/// `Some(("ENOENT", "No such file or directory"))`; `None` outside
/// `EPERM..=EHWPOISON` and for the unused numbers 41 and 58.
pub(crate) fn errno_info(errno: i32) -> Option<(&'static str, &'static str)> {
    let i = usize::try_from(errno).ok()?.checked_sub(1)?;
    match ERRNOS.get(i) {
        Some(&(name, text)) if !name.is_empty() => Some((name, text)),
        _ => None,
    }
}

/// Writes one argument (not [`ArgKind::Path`] or [`ArgKind::Buf`]: the
/// caller writes their contents with [`write_string`]; given here, their
/// address is shown).
pub(crate) fn write_arg(out: &mut impl Write, kind: ArgKind, value: u64) -> core::fmt::Result {
    // `int`-typed arguments live in the low 32 bits of the register.
    let int = value as i32;
    let uint = value as u32;
    match kind {
        ArgKind::Int | ArgKind::Fd => write!(out, "{int}"),
        ArgKind::Uid16 => match value as u16 {
            u16::MAX => out.write_str("-1"),
            id => write!(out, "{id}"),
        },
        ArgKind::UInt => write!(out, "{value}"),
        ArgKind::Long => write!(out, "{}", value as i64),
        ArgKind::Hex => write_hex(out, value),
        ArgKind::Ptr
        | ArgKind::Path
        | ArgKind::Buf
        | ArgKind::OutBuf
        | ArgKind::StatBuf
        | ArgKind::StatxBuf
        | ArgKind::TimespecOut
        | ArgKind::RlimitIn
        | ArgKind::RlimitOut
        | ArgKind::Argv
        | ArgKind::Envp
        | ArgKind::StrOut
        | ArgKind::BytesOut
        | ArgKind::DirentsOut
        | ArgKind::GidsOut
        | ArgKind::UtimesIn
        | ArgKind::SigactionIn
        | ArgKind::SigactionOut
        | ArgKind::SigsetIn
        | ArgKind::SigsetOut
        | ArgKind::WaitStatusOut
        | ArgKind::IovIn
        | ArgKind::IovOut
        | ArgKind::TimespecIn
        | ArgKind::SockaddrIn
        | ArgKind::SockaddrOut
        | ArgKind::SockLenInOut
        | ArgKind::SockoptIn
        | ArgKind::SockoptOut
        | ArgKind::MsghdrIn
        | ArgKind::MsghdrOut
        | ArgKind::FdPairOut
        | ArgKind::Stat64Buf
        | ArgKind::Iov32In
        | ArgKind::Iov32Out
        | ArgKind::Timespec32In
        | ArgKind::Timespec32Out
        | ArgKind::Argv32
        | ArgKind::Envp32
        | ArgKind::Sigaction32In
        | ArgKind::Sigaction32Out
        | ArgKind::Rlimit32Out
        | ArgKind::TermiosIn
        | ArgKind::TermiosOut
        | ArgKind::WinsizeIn
        | ArgKind::WinsizeOut
        | ArgKind::IntIn
        | ArgKind::IntOut => write_ptr(out, value),
        // The whole register, as strace reads it.
        ArgKind::FlushQueue => match FLUSH_QUEUES.iter().find(|&&(v, _)| u64::from(v) == value) {
            Some(&(_, name)) => out.write_str(name),
            None => write!(out, "{value:#x} /* TC??? */"),
        },
        ArgKind::TimerFlags => write_flags(out, uint, &TIMER_FLAGS, false),
        // A request is an `unsigned int`: the low 32 bits.
        ArgKind::IoctlCmd => match IOCTLS.iter().find(|&&(v, _)| v == uint) {
            Some(&(_, name)) => out.write_str(name),
            None => write_ioc(out, uint),
        },
        ArgKind::WaitOptions => write_flags(out, uint, &WAIT_OPTIONS, false),
        ArgKind::ClockId => write_value_name(out, int, &CLOCKS),
        ArgKind::Resource => write_code_name(out, uint, &RESOURCES, "RLIMIT"),
        ArgKind::GrndFlags => write_flags(out, uint, &GRND_FLAGS, false),
        ArgKind::DirFd if int == AT_FDCWD => out.write_str("AT_FDCWD"),
        ArgKind::DirFd => write!(out, "{int}"),
        ArgKind::OpenFlags => write_open_flags(out, uint),
        ArgKind::FileFlags => write_flags(out, uint, &OPEN_FLAGS, false),
        ArgKind::Mode => write_mode(out, uint),
        ArgKind::AccessMode if uint == 0 => out.write_str("F_OK"),
        ArgKind::AccessMode => write_flags(out, uint, &ACCESS_MODES, false),
        ArgKind::AtFlags => write_flags(out, uint, &AT_FLAGS, false),
        ArgKind::FaccessatFlags => write_flags(out, uint, &FACCESSAT_FLAGS, false),
        ArgKind::StatxFlags => write_statx_flags(out, uint),
        ArgKind::StatxMask => write_flags_or(out, uint, &STATX_MASKS, "STATX_???"),
        ArgKind::Signal => write_signal(out, int),
        ArgKind::Whence => write_named(out, int, &WHENCE),
        ArgKind::SigprocmaskHow => write_named(out, int, &SIGPROCMASK_HOW),
        ArgKind::FcntlCmd => write_value_name(out, int, &FCNTL_CMDS),
        ArgKind::FcntlCmd64 => match FCNTL_CMDS_64
            .iter()
            .find(|&&(v, _)| i64::from(v) == i64::from(int))
        {
            Some(&(_, name)) => out.write_str(name),
            None => write_value_name(out, int, &FCNTL_CMDS),
        },
        ArgKind::Prot if uint == bindings::PROT_NONE => out.write_str("PROT_NONE"),
        ArgKind::Prot => write_flags(out, uint, &PROT_FLAGS, false),
        ArgKind::MmapFlags => write_mmap_flags(out, uint),
        ArgKind::ArchPrctlCode => write_code_name(out, uint, &ARCH_PRCTL_CODES, "ARCH"),
        ArgKind::PrctlOption => write_code_name(out, uint, &PRCTL_OPTIONS, "PR"),
        ArgKind::SockFamily => socket::write_family(out, uint),
        ArgKind::SockType => socket::write_sock_type(out, uint),
        ArgKind::SockFlags => socket::write_sock_flags(out, uint),
        ArgKind::SockProtocol | ArgKind::SockOption => write!(out, "{uint}"),
        ArgKind::MsgFlags => socket::write_msg_flags(out, uint),
        ArgKind::ShutdownHow => socket::write_shutdown_how(out, uint),
        ArgKind::SockLevel => socket::write_level(out, uint),
    }
}

/// Writes an `ioctl` request without a name here as strace writes one it
/// does not know, by its fields: `_IOC(_IOC_READ|_IOC_WRITE, 0x5a, 0x99,
/// 0x4)`.
fn write_ioc(out: &mut impl Write, request: u32) -> core::fmt::Result {
    let field = |shift, mask| (request >> shift) & mask;
    let dir = field(bindings::_IOC_DIRSHIFT, bindings::_IOC_DIRMASK);
    let dir = match (
        dir & bindings::_IOC_READ != 0,
        dir & bindings::_IOC_WRITE != 0,
    ) {
        (false, false) => "_IOC_NONE",
        (true, false) => "_IOC_READ",
        (false, true) => "_IOC_WRITE",
        (true, true) => "_IOC_READ|_IOC_WRITE",
    };
    write!(out, "_IOC({dir}, ")?;
    write_hex(
        out,
        field(bindings::_IOC_TYPESHIFT, bindings::_IOC_TYPEMASK).into(),
    )?;
    out.write_str(", ")?;
    write_hex(
        out,
        field(bindings::_IOC_NRSHIFT, bindings::_IOC_NRMASK).into(),
    )?;
    out.write_str(", ")?;
    write_hex(
        out,
        field(bindings::_IOC_SIZESHIFT, bindings::_IOC_SIZEMASK).into(),
    )?;
    out.write_str(")")
}

/// `AT_FDCWD`: the dirfd meaning the current directory.
const AT_FDCWD: i32 = -100;

/// Writes `value` as C's `%#lx`: `0`, or `0x` and hex digits.
fn write_hex(out: &mut impl Write, value: u64) -> core::fmt::Result {
    if value == 0 {
        out.write_str("0")
    } else {
        write!(out, "{value:#x}")
    }
}

/// Writes a user pointer: `NULL` or `0x...`.
fn write_ptr(out: &mut impl Write, value: u64) -> core::fmt::Result {
    if value == 0 {
        out.write_str("NULL")
    } else {
        write!(out, "{value:#x}")
    }
}

impl ArgKind {
    /// Whether the call writes the argument's memory: shown at exit.
    pub(crate) fn is_output(self) -> bool {
        matches!(
            self,
            ArgKind::OutBuf
                | ArgKind::StatBuf
                | ArgKind::StatxBuf
                | ArgKind::TimespecOut
                | ArgKind::RlimitOut
                | ArgKind::StrOut
                | ArgKind::BytesOut
                | ArgKind::DirentsOut
                | ArgKind::GidsOut
                | ArgKind::SigactionOut
                | ArgKind::SigsetOut
                | ArgKind::WaitStatusOut
                | ArgKind::IovOut
                | ArgKind::SockaddrOut
                | ArgKind::SockoptOut
                | ArgKind::MsghdrOut
                | ArgKind::FdPairOut
                | ArgKind::Stat64Buf
                | ArgKind::Iov32Out
                | ArgKind::Timespec32Out
                | ArgKind::Sigaction32Out
                | ArgKind::Rlimit32Out
                | ArgKind::TermiosOut
                | ArgKind::WinsizeOut
                | ArgKind::IntOut
        )
    }

    /// Whether the argument's layout depends on the call that takes it,
    /// not on its ABI alone: a `timespec` or `rlimit` (ia32 has calls of
    /// 32-bit fields and calls of 64-bit ones), ia32's `struct stat64`
    /// (its `stat` takes `struct compat_stat`), group ids (ia32 has 16-bit
    /// and 32-bit ones). A 32-bit ABI's table declares one only where the
    /// call's name says which form it is (checked at build time,
    /// [`super::syscalls`]).
    pub(crate) const fn is_sized_by_the_call(self) -> bool {
        matches!(
            self,
            ArgKind::TimespecIn
                | ArgKind::TimespecOut
                | ArgKind::UtimesIn
                | ArgKind::RlimitIn
                | ArgKind::RlimitOut
                | ArgKind::Stat64Buf
                | ArgKind::GidsOut
        )
    }

    /// Whether the argument is laid out as ia32 lays it out (32-bit
    /// pointers, `long`s and `time_t`s): declared by ia32's table only
    /// (checked at build time), with its buffers and structures read in
    /// their ia32 layouts from the bindings (`struct stat64`,
    /// `struct compat_iovec`, `struct old_timespec32`,
    /// `struct compat_sigaction`).
    pub(crate) const fn is_ia32_layout(self) -> bool {
        matches!(
            self,
            ArgKind::Stat64Buf
                | ArgKind::Iov32In
                | ArgKind::Iov32Out
                | ArgKind::Timespec32In
                | ArgKind::Timespec32Out
                | ArgKind::Argv32
                | ArgKind::Envp32
                | ArgKind::Sigaction32In
                | ArgKind::Sigaction32Out
                | ArgKind::Rlimit32Out
        )
    }

    /// Whether the argument shows the same in every ABI: a number, a flag
    /// set or a path, read without any layout of the ABI's. (`mmap`'s
    /// flags too: the kernel ignores `MAP_32BIT` from a 32-bit call, but
    /// strace names it there as well. Not a 64-bit `Long`: a 32-bit ABI
    /// splits it.) The kinds read the
    /// register zero-extended, as engines see an ia32 argument: a
    /// `long` parameter, which the kernel sign-extends, must be `Int`. A syscall
    /// table of another ABI than the kernel's declares only these (its
    /// structures, pointer arrays and 64-bit halves are laid out otherwise).
    pub(crate) const fn is_abi_neutral(self) -> bool {
        matches!(
            self,
            ArgKind::Int
                | ArgKind::Uid16
                | ArgKind::UInt
                | ArgKind::Hex
                | ArgKind::Ptr
                | ArgKind::Fd
                | ArgKind::DirFd
                | ArgKind::Path
                | ArgKind::OpenFlags
                | ArgKind::Mode
                | ArgKind::AccessMode
                | ArgKind::AtFlags
                | ArgKind::Signal
                | ArgKind::Whence
                | ArgKind::FileFlags
                | ArgKind::FcntlCmd
                // Declared by the ia32 table only.
                | ArgKind::FcntlCmd64
                | ArgKind::Prot
                | ArgKind::GrndFlags
                | ArgKind::ClockId
                | ArgKind::TimerFlags
                | ArgKind::MmapFlags
                | ArgKind::Resource
                // The ioctls named here encode no size (checked below).
                | ArgKind::IoctlCmd
                | ArgKind::FlushQueue
        )
    }

    /// Whether a 32-bit ABI's call that takes the same arguments as a
    /// native call, laid out the same, shows them as the native call does:
    /// the [`is_abi_neutral`](Self::is_abi_neutral) kinds, byte buffers and
    /// strings, and the structures whose layout has no pointer and no
    /// `long` (`struct statx`, `struct linux_dirent64`, socket addresses,
    /// an `int` option or `struct linger`, `int[2]`, `gid_t` arrays, 64-bit
    /// signal sets, and, in the calls that take them so (`*_time64`,
    /// `prlimit64`), `struct __kernel_timespec` and `struct rlimit64`).
    /// Their addresses are 32-bit values, zero-extended as engines see an
    /// ia32 argument: read as a native address. An ABI's table names a
    /// native twin only for such a call ([`super::syscalls`], checked at
    /// build time); it does not for one that takes the 32-bit `timespec`
    /// or `rlimit`.
    pub(crate) const fn is_layout_free(self) -> bool {
        self.is_abi_neutral()
            || matches!(
                self,
                ArgKind::Buf
                    | ArgKind::OutBuf
                    | ArgKind::StrOut
                    | ArgKind::BytesOut
                    | ArgKind::DirentsOut
                    | ArgKind::GidsOut
                    | ArgKind::StatxFlags
                    | ArgKind::StatxMask
                    | ArgKind::StatxBuf
                    | ArgKind::FaccessatFlags
                    | ArgKind::TimespecIn
                    | ArgKind::TimespecOut
                    | ArgKind::UtimesIn
                    | ArgKind::Resource
                    | ArgKind::RlimitIn
                    | ArgKind::RlimitOut
                    | ArgKind::SigprocmaskHow
                    | ArgKind::SigsetIn
                    | ArgKind::SigsetOut
                    | ArgKind::WaitStatusOut
                    | ArgKind::WaitOptions
                    | ArgKind::PrctlOption
                    | ArgKind::FdPairOut
                    | ArgKind::SockFamily
                    | ArgKind::SockType
                    | ArgKind::SockFlags
                    | ArgKind::SockProtocol
                    | ArgKind::MsgFlags
                    | ArgKind::ShutdownHow
                    | ArgKind::SockLevel
                    | ArgKind::SockOption
                    | ArgKind::SockaddrIn
                    | ArgKind::SockaddrOut
                    | ArgKind::SockLenInOut
                    | ArgKind::SockoptIn
                    | ArgKind::SockoptOut
                    // `struct termios` (32-bit flags, bytes) and
                    // `struct winsize` (16-bit fields), an `int`.
                    | ArgKind::TermiosIn
                    | ArgKind::TermiosOut
                    | ArgKind::WinsizeIn
                    | ArgKind::WinsizeOut
                    | ArgKind::IntIn
                    | ArgKind::IntOut
            )
    }
}

/// `[(value, "NAME"), ...]` for constants of the C headers, each named as
/// it is spelled there: the values come from bindgen, never typed here.
macro_rules! named_constants {
    ($($name:ident),* $(,)?) => {
        [$((bindings::$name, stringify!($name))),*]
    };
    // Names the headers give user space only, with their values made of
    // named constants, first.
    ($(($value:expr, $label:literal)),+ ; $($name:ident),* $(,)?) => {
        [$(($value, $label),)+ $((bindings::$name, stringify!($name))),*]
    };
}
pub(crate) use named_constants;

/// The commands only 32-bit `fcntl` calls have (asm-generic/fcntl.h).
static FCNTL_CMDS_64: [(u32, &str); 3] = named_constants!(F_GETLK64, F_SETLK64, F_SETLKW64);

/// Clocks, as `clock_gettime` takes them.
const CLOCKS: [Flag; 11] = named_constants![
    CLOCK_REALTIME,
    CLOCK_MONOTONIC,
    CLOCK_PROCESS_CPUTIME_ID,
    CLOCK_THREAD_CPUTIME_ID,
    CLOCK_MONOTONIC_RAW,
    CLOCK_REALTIME_COARSE,
    CLOCK_MONOTONIC_COARSE,
    CLOCK_BOOTTIME,
    CLOCK_REALTIME_ALARM,
    CLOCK_BOOTTIME_ALARM,
    CLOCK_TAI,
];

/// Resource limits.
const RESOURCES: [Flag; 16] = named_constants![
    RLIMIT_CPU,
    RLIMIT_FSIZE,
    RLIMIT_DATA,
    RLIMIT_STACK,
    RLIMIT_CORE,
    RLIMIT_RSS,
    RLIMIT_NPROC,
    RLIMIT_NOFILE,
    RLIMIT_MEMLOCK,
    RLIMIT_AS,
    RLIMIT_LOCKS,
    RLIMIT_SIGPENDING,
    RLIMIT_MSGQUEUE,
    RLIMIT_NICE,
    RLIMIT_RTPRIO,
    RLIMIT_RTTIME,
];

/// `statx` masks, in strace's order: `STATX_ALL` (a name only user space
/// has, `#ifndef __KERNEL__` in the header) before the basic stats and the
/// single bits, so that a mask is named by its largest parts first.
const STATX_MASKS: [Flag; 19] = named_constants![
    (bindings::STATX_BASIC_STATS | bindings::STATX_BTIME, "STATX_ALL");
    STATX_BASIC_STATS,
    STATX_TYPE,
    STATX_MODE,
    STATX_NLINK,
    STATX_UID,
    STATX_GID,
    STATX_ATIME,
    STATX_MTIME,
    STATX_CTIME,
    STATX_INO,
    STATX_SIZE,
    STATX_BLOCKS,
    STATX_BTIME,
    STATX_MNT_ID,
    STATX_DIOALIGN,
    STATX_MNT_ID_UNIQUE,
    STATX_SUBVOL,
    STATX_WRITE_ATOMIC,
];

/// `statx` attributes, in strace's order (every one in the low 32 bits).
const STATX_ATTRS: [Flag; 10] = named_constants![
    STATX_ATTR_COMPRESSED,
    STATX_ATTR_IMMUTABLE,
    STATX_ATTR_APPEND,
    STATX_ATTR_NODUMP,
    STATX_ATTR_ENCRYPTED,
    STATX_ATTR_AUTOMOUNT,
    STATX_ATTR_MOUNT_ROOT,
    STATX_ATTR_VERITY,
    STATX_ATTR_DAX,
    STATX_ATTR_WRITE_ATOMIC,
];

/// `getrandom` flags.
const GRND_FLAGS: [Flag; 3] = named_constants![GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE];

/// Memory protections, in strace's order.
const PROT_FLAGS: [Flag; 6] = named_constants![
    PROT_READ,
    PROT_WRITE,
    PROT_EXEC,
    PROT_SEM,
    PROT_GROWSDOWN,
    PROT_GROWSUP,
];

/// `mmap`'s mapping types, the values of its `MAP_TYPE` bits.
const MMAP_TYPES: [Flag; 4] =
    named_constants![MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE, MAP_DROPPABLE];

/// `mmap` flags besides the type, in strace's order (by value).
const MMAP_FLAGS: [Flag; 15] = named_constants![
    MAP_FIXED,
    MAP_ANONYMOUS,
    MAP_32BIT,
    MAP_GROWSDOWN,
    MAP_DENYWRITE,
    MAP_EXECUTABLE,
    MAP_LOCKED,
    MAP_NORESERVE,
    MAP_POPULATE,
    MAP_NONBLOCK,
    MAP_STACK,
    MAP_HUGETLB,
    MAP_SYNC,
    MAP_FIXED_NOREPLACE,
    MAP_UNINITIALIZED,
];

/// `arch_prctl` codes (x86; arm64 has no `arch_prctl`).
#[cfg(not(CONFIG_X86_64))]
const ARCH_PRCTL_CODES: [Flag; 0] = [];
/// `arch_prctl` codes (x86).
#[cfg(CONFIG_X86_64)]
const ARCH_PRCTL_CODES: [Flag; 23] = named_constants![
    ARCH_SET_GS,
    ARCH_SET_FS,
    ARCH_GET_FS,
    ARCH_GET_GS,
    ARCH_GET_CPUID,
    ARCH_SET_CPUID,
    ARCH_GET_XCOMP_SUPP,
    ARCH_GET_XCOMP_PERM,
    ARCH_REQ_XCOMP_PERM,
    ARCH_GET_XCOMP_GUEST_PERM,
    ARCH_REQ_XCOMP_GUEST_PERM,
    ARCH_MAP_VDSO_X32,
    ARCH_MAP_VDSO_32,
    ARCH_MAP_VDSO_64,
    ARCH_GET_UNTAG_MASK,
    ARCH_ENABLE_TAGGED_ADDR,
    ARCH_GET_MAX_TAG_BITS,
    ARCH_FORCE_TAGGED_SVA,
    ARCH_SHSTK_ENABLE,
    ARCH_SHSTK_DISABLE,
    ARCH_SHSTK_LOCK,
    ARCH_SHSTK_UNLOCK,
    ARCH_SHSTK_STATUS,
];

/// `prctl` options.
const PRCTL_OPTIONS: [Flag; 34] = named_constants![
    PR_SET_PDEATHSIG,
    PR_GET_PDEATHSIG,
    PR_GET_DUMPABLE,
    PR_SET_DUMPABLE,
    PR_GET_UNALIGN,
    PR_SET_UNALIGN,
    PR_GET_KEEPCAPS,
    PR_SET_KEEPCAPS,
    PR_GET_FPEMU,
    PR_SET_FPEMU,
    PR_GET_FPEXC,
    PR_SET_FPEXC,
    PR_GET_TIMING,
    PR_SET_TIMING,
    PR_SET_NAME,
    PR_GET_NAME,
    PR_GET_ENDIAN,
    PR_SET_ENDIAN,
    PR_GET_SECCOMP,
    PR_SET_SECCOMP,
    PR_CAPBSET_READ,
    PR_CAPBSET_DROP,
    PR_GET_TSC,
    PR_SET_TSC,
    PR_GET_SECUREBITS,
    PR_SET_SECUREBITS,
    PR_SET_TIMERSLACK,
    PR_GET_TIMERSLACK,
    PR_SET_PTRACER,
    PR_SET_CHILD_SUBREAPER,
    PR_GET_CHILD_SUBREAPER,
    PR_SET_NO_NEW_PRIVS,
    PR_GET_NO_NEW_PRIVS,
    PR_CAP_AMBIENT,
];

/// `ioctl` requests of terminals and files.
const IOCTLS: [Flag; 19] = named_constants![
    // strace names the OSS sequencer's requests of the same numbers too.
    (bindings::TCSETS, "SNDCTL_TMR_START or TCSETS"),
    (bindings::TCSETSW, "SNDCTL_TMR_STOP or TCSETSW"),
    (bindings::TCSETSF, "SNDCTL_TMR_CONTINUE or TCSETSF");
    TCGETS, TCSBRK, TCFLSH, TIOCSCTTY, TIOCGPGRP, TIOCSPGRP, TIOCOUTQ, TIOCGWINSZ, TIOCSWINSZ, FIONREAD,
    TIOCNOTTY, TIOCGSID, FIONBIO, FIONCLEX, FIOCLEX, FIOASYNC,
];

/// `TCFLSH`'s queues.
const FLUSH_QUEUES: [Flag; 3] = named_constants![TCIFLUSH, TCOFLUSH, TCIOFLUSH];

/// `c_iflag`'s flags, in strace's order.
const TERM_IFLAGS: [Flag; 15] = named_constants![
    IGNBRK, BRKINT, IGNPAR, PARMRK, INPCK, ISTRIP, INLCR, IGNCR, ICRNL, IUCLC, IXON, IXANY, IXOFF,
    IMAXBEL, IUTF8,
];

/// `c_oflag`'s flags after its delay fields, in strace's order.
const TERM_OFLAGS: [Flag; 8] =
    named_constants![OPOST, OLCUC, ONLCR, OCRNL, ONOCR, ONLRET, OFILL, OFDEL];

/// `c_oflag`'s delay fields: each mask and its values' names, in strace's
/// order (`TAB3` is `XTABS`).
const TERM_DELAYS: [(u32, &[Flag]); 6] = [
    (bindings::NLDLY, &named_constants![NL0, NL1]),
    (bindings::CRDLY, &named_constants![CR0, CR1, CR2, CR3]),
    (bindings::TABDLY, &named_constants![TAB0, TAB1, TAB2, XTABS]),
    (bindings::BSDLY, &named_constants![BS0, BS1]),
    (bindings::VTDLY, &named_constants![VT0, VT1]),
    (bindings::FFDLY, &named_constants![FF0, FF1]),
];

/// The speeds of `c_cflag`'s `CBAUD` field.
const BAUDS: [Flag; 32] = named_constants![
    B0, B50, B75, B110, B134, B150, B200, B300, B600, B1200, B1800, B2400, B4800, B9600, B19200,
    B38400, BOTHER, B57600, B115200, B230400, B460800, B500000, B576000, B921600, B1000000,
    B1152000, B1500000, B2000000, B2500000, B3000000, B3500000, B4000000,
];

/// `c_cflag`'s character sizes.
const CHAR_SIZES: [Flag; 4] = named_constants![CS5, CS6, CS7, CS8];

/// `c_cflag`'s flags after its fields, in strace's order.
const TERM_CFLAGS: [Flag; 8] =
    named_constants![CSTOPB, CREAD, PARENB, PARODD, HUPCL, CLOCAL, CMSPAR, CRTSCTS];

/// `c_lflag`'s flags, in strace's order.
const TERM_LFLAGS: [Flag; 16] = named_constants![
    ISIG, ICANON, XCASE, ECHO, ECHOE, ECHOK, ECHONL, NOFLSH, IEXTEN, ECHOCTL, ECHOPRT, ECHOKE,
    FLUSHO, PENDIN, TOSTOP, EXTPROC,
];

// Each of them is a plain number, no argument size encoded in it (its
// `_IOC_SIZE` bits zero): the same request in ia32, which is why
// [`ArgKind::IoctlCmd`] is ABI-neutral. A request whose size differs in
// ia32 must not be added to this table.
const _: () = {
    let mut i = 0;
    while i < IOCTLS.len() {
        assert!((IOCTLS[i].0 >> bindings::_IOC_SIZESHIFT) & bindings::_IOC_SIZEMASK == 0);
        i += 1;
    }
};

/// `clock_nanosleep` flags.
const TIMER_FLAGS: [Flag; 1] = named_constants![TIMER_ABSTIME];

/// `wait4` options, in strace's order.
const WAIT_OPTIONS: [Flag; 8] = named_constants![
    WNOHANG,
    WUNTRACED,
    WEXITED,
    WCONTINUED,
    WNOWAIT,
    __WNOTHREAD,
    __WALL,
    __WCLONE,
];

/// `sigaction` flags, in strace's order.
const SA_FLAGS: [Flag; 9] = named_constants![
    SA_RESTORER,
    SA_ONSTACK,
    SA_RESTART,
    SA_NODEFER,
    SA_RESETHAND,
    SA_SIGINFO,
    SA_NOCLDSTOP,
    SA_NOCLDWAIT,
    SA_UNSUPPORTED,
];

/// `clone` flags besides the exit signal, in strace's order (by value).
const CLONE_FLAGS: [Flag; 24] = named_constants![
    CLONE_VM,
    CLONE_FS,
    CLONE_FILES,
    CLONE_SIGHAND,
    CLONE_PIDFD,
    CLONE_PTRACE,
    CLONE_VFORK,
    CLONE_PARENT,
    CLONE_THREAD,
    CLONE_NEWNS,
    CLONE_SYSVSEM,
    CLONE_SETTLS,
    CLONE_PARENT_SETTID,
    CLONE_CHILD_CLEARTID,
    CLONE_DETACHED,
    CLONE_UNTRACED,
    CLONE_CHILD_SETTID,
    CLONE_NEWCGROUP,
    CLONE_NEWUTS,
    CLONE_NEWIPC,
    CLONE_NEWUSER,
    CLONE_NEWPID,
    CLONE_NEWNET,
    CLONE_IO,
];

/// Writes `clone`'s arguments as strace names them (x86_64 order: flags,
/// stack, parent_tid, child_tid, tls): `child_stack=NULL,
/// flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD,
/// child_tidptr=0x...`, the pointers only when the flags use them.
pub(crate) fn write_clone(out: &mut impl Write, args: &[u64; 6]) -> core::fmt::Result {
    let flags = args[0];
    let has = |bits: u32| flags & u64::from(bits) != 0;
    out.write_str("child_stack=")?;
    write_ptr(out, args[1])?;
    out.write_str(", flags=")?;
    let signal = (flags & u64::from(bindings::CSIGNAL)) as i32;
    let rest = (flags as u32) & !bindings::CSIGNAL;
    if rest != 0 || signal == 0 {
        write_flags(out, rest, &CLONE_FLAGS, false)?;
    }
    if signal != 0 {
        if rest != 0 {
            out.write_str("|")?;
        }
        write_signal(out, signal)?;
    }
    if has(bindings::CLONE_PARENT_SETTID) {
        out.write_str(", parent_tid=")?;
        write_ptr(out, args[2])?;
    }
    if has(bindings::CLONE_CHILD_SETTID | bindings::CLONE_CHILD_CLEARTID) {
        out.write_str(", child_tidptr=")?;
        write_ptr(out, args[3])?;
    }
    if has(bindings::CLONE_SETTLS) {
        out.write_str(", tls=")?;
        write_ptr(out, args[4])?;
    }
    Ok(())
}

/// Writes a signal set as strace does: `[INT CHLD]`, `[]`, and when two
/// thirds or more of the 64 signals are in it, those that are not:
/// `~[RTMIN RT_1]`.
pub(crate) fn write_sigset(out: &mut impl Write, mask: u64) -> core::fmt::Result {
    let mask = if mask.count_ones() >= 64 * 2 / 3 {
        out.write_str("~")?;
        !mask
    } else {
        mask
    };
    let mut sep = "[";
    for bit in 0..64 {
        if mask & (1u64 << bit) != 0 {
            out.write_str(sep)?;
            sep = " ";
            let sig = bit + 1;
            match SIGNALS.get(bit as usize) {
                Some(name) => out.write_str(name.trim_start_matches("SIG"))?,
                None if sig == SIGRTMIN => out.write_str("RTMIN")?,
                None => write!(out, "RT_{}", sig - SIGRTMIN)?,
            }
        }
    }
    if sep == "[" {
        out.write_str("[")?;
    }
    out.write_str("]")
}

/// Writes a `struct sigaction`: `{sa_handler=SIG_DFL, sa_mask=[],
/// sa_flags=0}`, with `sa_restorer=` when `SA_RESTORER` is set.
pub(crate) fn write_sigaction(
    out: &mut impl Write,
    handler: u64,
    flags: u64,
    restorer: u64,
    mask: u64,
) -> core::fmt::Result {
    out.write_str("{sa_handler=")?;
    match handler {
        0 => out.write_str("SIG_DFL")?,
        1 => out.write_str("SIG_IGN")?,
        _ => write_hex(out, handler)?,
    }
    out.write_str(", sa_mask=")?;
    write_sigset(out, mask)?;
    out.write_str(", sa_flags=")?;
    write_flags(out, flags as u32, &SA_FLAGS, false)?;
    if flags & u64::from(bindings::SA_RESTORER) != 0 {
        out.write_str(", sa_restorer=")?;
        write_ptr(out, restorer)?;
    }
    out.write_str("}")
}

/// Writes a `wait` status as strace does:
/// `[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`,
/// `[{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}]`.
pub(crate) fn write_wait_status(out: &mut impl Write, status: i32) -> core::fmt::Result {
    let sig = status & 0x7f;
    out.write_str("[{")?;
    if sig == 0 {
        write!(
            out,
            "WIFEXITED(s) && WEXITSTATUS(s) == {}",
            (status >> 8) & 0xff
        )?;
    } else if sig == 0x7f {
        out.write_str("WIFSTOPPED(s) && WSTOPSIG(s) == ")?;
        write_signal(out, (status >> 8) & 0xff)?;
    } else if status == 0xffff {
        out.write_str("WIFCONTINUED(s)")?;
    } else {
        out.write_str("WIFSIGNALED(s) && WTERMSIG(s) == ")?;
        write_signal(out, sig)?;
        if status & 0x80 != 0 {
            out.write_str(" && WCOREDUMP(s)")?;
        }
    }
    out.write_str("}]")
}

/// Writes `getdents64`'s buffer: its address and how many entries the
/// call wrote there, `0x55d0c8a2e2c0 /* 4 entries */`.
pub(crate) fn write_dirents(out: &mut impl Write, addr: u64, entries: usize) -> core::fmt::Result {
    write_ptr(out, addr)?;
    write!(out, " /* {entries} entries */")
}

/// Writes ids as strace writes an array of them: `[0, 10]`, `...` after
/// the `shown` first of `total`.
pub(crate) fn write_ids(out: &mut impl Write, ids: &[u32], total: usize) -> core::fmt::Result {
    out.write_str("[")?;
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        write!(out, "{id}")?;
    }
    if total > ids.len() {
        out.write_str(if ids.is_empty() { "..." } else { ", ..." })?;
    }
    out.write_str("]")
}

/// Writes `utimensat`'s two times: `[UTIME_NOW, UTIME_NOW]`, or
/// `[{tv_sec=1, tv_nsec=0}, UTIME_OMIT]`. (strace adds the date of a
/// time as a comment; this does not.)
pub(crate) fn write_utimes(out: &mut impl Write, times: [(i64, i64); 2]) -> core::fmt::Result {
    out.write_str("[")?;
    for (i, &(sec, nsec)) in times.iter().enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        match nsec {
            n if n == i64::from(bindings::UTIME_NOW) => out.write_str("UTIME_NOW")?,
            n if n == i64::from(bindings::UTIME_OMIT) => out.write_str("UTIME_OMIT")?,
            _ => write_timespec(out, sec, nsec as u64)?,
        }
    }
    out.write_str("]")
}

/// Writes `mmap` flags: the mapping type, then the other flags.
fn write_mmap_flags(out: &mut impl Write, flags: u32) -> core::fmt::Result {
    let kind = flags & bindings::MAP_TYPE;
    match MMAP_TYPES.iter().find(|&&(v, _)| v == kind) {
        Some(&(_, name)) => out.write_str(name)?,
        None => write!(out, "{kind:#x} /* MAP_??? */")?,
    }
    write_flags(out, flags & !bindings::MAP_TYPE, &MMAP_FLAGS, true)
}

/// Writes the name `table` gives the code `value`, else as strace writes
/// a code it does not know: `0x3001 /* ARCH_??? */` for `prefix` `ARCH`.
pub(crate) fn write_code_name(
    out: &mut impl Write,
    value: u32,
    table: &[Flag],
    prefix: &str,
) -> core::fmt::Result {
    match table.iter().find(|&&(v, _)| v == value) {
        Some(&(_, name)) => out.write_str(name),
        None => write!(out, "{value:#x} /* {prefix}_??? */"),
    }
}

/// Writes the name `table` gives `value`, else `value` in decimal.
fn write_value_name<T: Copy + Into<i64>>(
    out: &mut impl Write,
    value: i32,
    table: &[(T, &str)],
) -> core::fmt::Result {
    match table.iter().find(|&&(v, _)| v.into() == i64::from(value)) {
        Some(&(_, name)) => out.write_str(name),
        None => write!(out, "{value}"),
    }
}

/// Writes `execve`'s envp as strace does: its address and how many
/// strings it holds, `0x7ffd1f4c1a28 /* 5 vars */` (`NULL` alone).
pub(crate) fn write_envp(out: &mut impl Write, addr: u64, vars: usize) -> core::fmt::Result {
    write_ptr(out, addr)?;
    if addr != 0 {
        let s = if vars == 1 { "" } else { "s" };
        write!(out, " /* {vars} var{s} */")?;
    }
    Ok(())
}

/// Writes a `struct timespec` as strace does: `{tv_sec=1, tv_nsec=2}`.
///
/// The nanoseconds are unsigned, as strace writes them (`tv_nsec=4294967295`
/// for a 32-bit -1).
pub(crate) fn write_timespec(out: &mut impl Write, sec: i64, nsec: u64) -> core::fmt::Result {
    write!(out, "{{tv_sec={sec}, tv_nsec={nsec}}}")
}

/// Writes one limit of a `struct rlimit64` as strace does:
/// `RLIM64_INFINITY`, `8192*1024` for a multiple of 1024 above 1024, else
/// decimal (`1024`, `1000`).
fn write_limit(out: &mut impl Write, value: u64) -> core::fmt::Result {
    if value == u64::MAX {
        out.write_str("RLIM64_INFINITY")
    } else if value > 1024 && value % 1024 == 0 {
        write!(out, "{}*1024", value / 1024)
    } else {
        write!(out, "{value}")
    }
}

/// Writes a flag set of a `struct termios` as strace 6.1 does: the names,
/// the unknown bits in hex, nothing at all for none.
fn write_term_flags(out: &mut impl Write, value: u32, table: &[Flag]) -> core::fmt::Result {
    match value {
        0 => Ok(()),
        v => write_flags(out, v, table, false),
    }
}

/// Writes the name `table` gives a field's value `value`, else the value
/// in hex.
fn write_field(out: &mut impl Write, value: u32, table: &[Flag]) -> core::fmt::Result {
    match table.iter().find(|&&(v, _)| v == value) {
        Some(&(_, name)) => out.write_str(name),
        None => write!(out, "{value:#x}"),
    }
}

/// Writes a `struct termios` as strace 6.1 abbreviates it:
/// `{c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR,
/// c_cflag=B38400|CS8|CREAD, c_lflag=ISIG|ICANON|ECHO, ...}`. Its
/// quirks are strace's: a flag set of none is empty (`c_iflag=`), and the
/// fields of `c_oflag` and `c_cflag` each end with `|`, flags or not
/// (`c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|`).
pub(crate) fn write_termios(
    out: &mut impl Write,
    iflag: u32,
    oflag: u32,
    cflag: u32,
    lflag: u32,
) -> core::fmt::Result {
    out.write_str("{c_iflag=")?;
    write_term_flags(out, iflag, &TERM_IFLAGS)?;
    out.write_str(", c_oflag=")?;
    let mut delays = 0;
    for &(mask, names) in &TERM_DELAYS {
        write_field(out, oflag & mask, names)?;
        out.write_str("|")?;
        delays |= mask;
    }
    write_term_flags(out, oflag & !delays, &TERM_OFLAGS)?;
    out.write_str(", c_cflag=")?;
    write_field(out, cflag & bindings::CBAUD, &BAUDS)?;
    out.write_str("|")?;
    let input = (cflag & bindings::CIBAUD) >> bindings::IBSHIFT;
    if input != 0 {
        write_field(out, input, &BAUDS)?;
        out.write_str("<<IBSHIFT|")?;
    }
    write_field(out, cflag & bindings::CSIZE, &CHAR_SIZES)?;
    out.write_str("|")?;
    let fields = bindings::CBAUD | bindings::CIBAUD | bindings::CSIZE;
    write_term_flags(out, cflag & !fields, &TERM_CFLAGS)?;
    out.write_str(", c_lflag=")?;
    write_term_flags(out, lflag, &TERM_LFLAGS)?;
    out.write_str(", ...}")
}

/// Writes a `struct winsize`: `{ws_row=24, ws_col=80, ws_xpixel=0,
/// ws_ypixel=0}`.
pub(crate) fn write_winsize(out: &mut impl Write, size: [u16; 4]) -> core::fmt::Result {
    let [row, col, x, y] = size;
    write!(
        out,
        "{{ws_row={row}, ws_col={col}, ws_xpixel={x}, ws_ypixel={y}}}"
    )
}

/// Writes ia32's `struct compat_rlimit` (32-bit limits) as strace shows a
/// 32-bit process's: `RLIM_INFINITY` for all ones, `8192*1024`, `1024`.
pub(crate) fn write_rlimit32(out: &mut impl Write, cur: u32, max: u32) -> core::fmt::Result {
    out.write_str("{rlim_cur=")?;
    write_limit32(out, cur)?;
    out.write_str(", rlim_max=")?;
    write_limit32(out, max)?;
    out.write_str("}")
}

/// One limit of [`write_rlimit32`].
fn write_limit32(out: &mut impl Write, value: u32) -> core::fmt::Result {
    match value {
        u32::MAX => out.write_str("RLIM_INFINITY"),
        v => write_limit(out, v.into()),
    }
}

/// Writes a `struct rlimit64` as strace does:
/// `{rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}`.
pub(crate) fn write_rlimit(out: &mut impl Write, cur: u64, max: u64) -> core::fmt::Result {
    out.write_str("{rlim_cur=")?;
    write_limit(out, cur)?;
    out.write_str(", rlim_max=")?;
    write_limit(out, max)?;
    out.write_str("}")
}

/// `S_IFMT`, and the file types of `st_mode` strace names.
const S_IFMT: u32 = 0o170000;
const S_IFCHR: u32 = 0o020000;
const S_IFBLK: u32 = 0o060000;
const FILE_TYPES: [(u32, &str); 7] = [
    (0o140000, "S_IFSOCK"),
    (0o120000, "S_IFLNK"),
    (0o100000, "S_IFREG"),
    (S_IFBLK, "S_IFBLK"),
    (0o040000, "S_IFDIR"),
    (S_IFCHR, "S_IFCHR"),
    (0o010000, "S_IFIFO"),
];
/// The mode bits strace names after the file type.
const MODE_BITS: [(u32, &str); 3] = [
    (0o4000, "S_ISUID"),
    (0o2000, "S_ISGID"),
    (0o1000, "S_ISVTX"),
];

/// The major and minor numbers of a device number as `stat` gives it
/// (glibc's `major()` and `minor()`).
pub(crate) fn dev_major_minor(dev: u64) -> (u64, u64) {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & 0xffff_ff00);
    (major, minor)
}

/// Writes a `struct stat` as strace abbreviates it:
/// `{st_mode=S_IFREG|0644, st_size=21, ...}`, or for a device
/// `{st_mode=S_IFCHR|0620, st_rdev=makedev(0x88, 0), ...}`.
pub(crate) fn write_stat(
    out: &mut impl Write,
    mode: u32,
    size: i64,
    rdev: u64,
) -> core::fmt::Result {
    out.write_str("{st_mode=")?;
    write_symbolic_mode(out, mode)?;
    let file_type = mode & S_IFMT;
    if file_type == S_IFCHR || file_type == S_IFBLK {
        let (major, minor) = dev_major_minor(rdev);
        out.write_str(", st_rdev=makedev(")?;
        write_hex(out, major)?;
        out.write_str(", ")?;
        write_hex(out, minor)?;
        out.write_str(")")?;
    } else {
        // Unsigned, as strace prints it.
        write!(out, ", st_size={}", size as u64)?;
    }
    out.write_str(", ...}")
}

/// Writes a file's mode as strace's `print_symbolic_mode_t()`: the file
/// type, the set-id and sticky bits, then the permissions in octal
/// (`S_IFREG|S_ISUID|0755`). An unknown file type shows the whole mode in
/// octal; no type shows the bits alone.
fn write_symbolic_mode(out: &mut impl Write, mode: u32) -> core::fmt::Result {
    match FILE_TYPES.iter().find(|&&(t, _)| t == mode & S_IFMT) {
        None if mode & S_IFMT != 0 => write_mode(out, mode),
        known => {
            if let Some(&(_, name)) = known {
                write!(out, "{name}|")?;
            }
            for &(bit, name) in &MODE_BITS {
                if mode & bit != 0 {
                    write!(out, "{name}|")?;
                }
            }
            write_mode(out, mode & 0o777)
        }
    }
}

/// Writes a `struct statx` as strace abbreviates it:
/// `{stx_mask=STATX_BASIC_STATS|STATX_MNT_ID, stx_attributes=0,
/// stx_mode=S_IFREG|0644, stx_size=21, ...}`.
pub(crate) fn write_statx(
    out: &mut impl Write,
    mask: u32,
    attributes: u64,
    mode: u16,
    size: u64,
) -> core::fmt::Result {
    out.write_str("{stx_mask=")?;
    write_flags_or(out, mask, &STATX_MASKS, "STATX_???")?;
    out.write_str(", stx_attributes=")?;
    write_flags_or(out, attributes, &STATX_ATTRS, "STATX_ATTR_???")?;
    out.write_str(", stx_mode=")?;
    write_symbolic_mode(out, u32::from(mode))?;
    write!(out, ", stx_size={size}, ...}}")
}

/// Writes a mode as C's `%#03o`: `000`, `007`, `022`, `0644`.
fn write_mode(out: &mut impl Write, mode: u32) -> core::fmt::Result {
    match mode {
        0 => out.write_str("000"),
        1..=7 => write!(out, "00{mode:o}"),
        _ => write!(out, "0{mode:o}"),
    }
}

/// Writes the names of the flags of `table` set in `value`, in table
/// order and joined by `|`, then the bits left over in hex. With `after`,
/// something was written before: every part is preceded by `|`, and nothing
/// is written when `value` is zero; otherwise a zero `value` is `0`.
fn write_flags(
    out: &mut impl Write,
    value: impl Into<u64>,
    table: &[Flag],
    after: bool,
) -> core::fmt::Result {
    let mut rest: u64 = value.into();
    let mut sep = after;
    for &(bits, name) in table {
        let bits = u64::from(bits);
        if bits != 0 && rest & bits == bits {
            if sep {
                out.write_str("|")?;
            }
            out.write_str(name)?;
            sep = true;
            rest &= !bits;
        }
    }
    if rest != 0 {
        if sep {
            out.write_str("|")?;
        }
        write!(out, "{rest:#x}")
    } else if !sep {
        out.write_str("0")
    } else {
        Ok(())
    }
}

/// [`write_flags`] as strace's `printflags()` with a default name: bits
/// that none of `table`'s names cover are written in hex followed by
/// `/* unknown */` (`0x80000000 /* STATX_???  */`), when nothing is named.
pub(crate) fn write_flags_or(
    out: &mut impl Write,
    value: impl Into<u64>,
    table: &[Flag],
    unknown: &str,
) -> core::fmt::Result {
    let value: u64 = value.into();
    let named = table.iter().any(|&(bits, _)| {
        let bits = u64::from(bits);
        bits != 0 && value & bits == bits
    });
    if value != 0 && !named {
        return write!(out, "{value:#x} /* {unknown} */");
    }
    write_flags(out, value, table, false)
}

/// Writes `open` flags: the access mode, then the other flags.
fn write_open_flags(out: &mut impl Write, flags: u32) -> core::fmt::Result {
    out.write_str(match flags & O_ACCMODE {
        0 => "O_RDONLY",
        O_WRONLY => "O_WRONLY",
        O_RDWR => "O_RDWR",
        _ => "O_ACCMODE",
    })?;
    write_flags(out, flags & !O_ACCMODE, &OPEN_FLAGS, true)
}

/// Writes `statx` flags: the sync type, then the generic `*at` flags.
fn write_statx_flags(out: &mut impl Write, flags: u32) -> core::fmt::Result {
    let sync = flags & AT_STATX_SYNC_TYPE;
    if sync == 0 {
        out.write_str("AT_STATX_SYNC_AS_STAT")?;
    } else {
        write_flags(out, sync, &STATX_SYNC_FLAGS, false)?;
    }
    write_flags(out, flags & !AT_STATX_SYNC_TYPE, &AT_FLAGS, true)
}

/// `si_code` values every signal may carry (include/uapi/asm-generic/siginfo.h).
static SI_CODES: [(i32, &str); 9] = [
    (0, "SI_USER"),
    (0x80, "SI_KERNEL"),
    (-1, "SI_QUEUE"),
    (-2, "SI_TIMER"),
    (-3, "SI_MESGQ"),
    (-4, "SI_ASYNCIO"),
    (-5, "SI_SIGIO"),
    (-6, "SI_TKILL"),
    (-7, "SI_DETHREAD"),
];

/// `si_code` values of one signal, from 1 up (the same header).
fn si_codes_of(signo: i32) -> &'static [&'static str] {
    match signo {
        4 => &[
            "ILL_ILLOPC",
            "ILL_ILLOPN",
            "ILL_ILLADR",
            "ILL_ILLTRP",
            "ILL_PRVOPC",
        ],
        5 => &[
            "TRAP_BRKPT",
            "TRAP_TRACE",
            "TRAP_BRANCH",
            "TRAP_HWBKPT",
            "TRAP_UNK",
        ],
        7 => &["BUS_ADRALN", "BUS_ADRERR", "BUS_OBJERR"],
        8 => &[
            "FPE_INTDIV",
            "FPE_INTOVF",
            "FPE_FLTDIV",
            "FPE_FLTOVF",
            "FPE_FLTUND",
        ],
        11 => &["SEGV_MAPERR", "SEGV_ACCERR", "SEGV_BNDERR", "SEGV_PKUERR"],
        17 => &[
            "CLD_EXITED",
            "CLD_KILLED",
            "CLD_DUMPED",
            "CLD_TRAPPED",
            "CLD_STOPPED",
            "CLD_CONTINUED",
        ],
        _ => &[],
    }
}

/// Writes strace's line for a signal the task takes:
/// `--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=42, si_uid=0} ---`,
/// with the siginfo fields strace shows for that signal and code when
/// `fields` has them: the sender of a signal sent by a process, the child
/// and its status and times for `SIGCHLD`, the address of a fault.
/// (`SI_QUEUE`'s value is not shown.)
pub(crate) fn write_signal_line(
    out: &mut impl Write,
    signo: i32,
    code: i32,
    fields: Option<&SigInfoFields>,
) -> core::fmt::Result {
    out.write_str("--- ")?;
    write_signal(out, signo)?;
    out.write_str(" {si_signo=")?;
    write_signal(out, signo)?;
    out.write_str(", si_code=")?;
    let own = usize::try_from(code)
        .ok()
        .and_then(|c| c.checked_sub(1))
        .and_then(|i| si_codes_of(signo).get(i));
    match SI_CODES.iter().find(|(c, _)| *c == code) {
        Some((_, name)) => out.write_str(name)?,
        None => match own {
            Some(name) => out.write_str(name)?,
            None => write!(out, "{code}")?,
        },
    }
    if let Some(f) = fields {
        write_signal_fields(out, signo, code, f)?;
    }
    out.write_str("} ---")
}

/// The siginfo fields of [`write_signal_line`], after the code.
fn write_signal_fields(
    out: &mut impl Write,
    signo: i32,
    code: i32,
    f: &SigInfoFields,
) -> core::fmt::Result {
    const SIGILL: i32 = bindings::SIGILL as i32;
    const SIGFPE: i32 = bindings::SIGFPE as i32;
    const SIGSEGV: i32 = bindings::SIGSEGV as i32;
    const SIGBUS: i32 = bindings::SIGBUS as i32;
    const SIGCHLD: i32 = bindings::SIGCHLD as i32;
    const SI_USER: i32 = bindings::SI_USER as i32;
    let from_kernel = code > 0;
    match signo {
        _ if code == SI_USER || code == bindings::SI_TKILL || code == bindings::SI_QUEUE => {
            write!(out, ", si_pid={}, si_uid={}", f.pid, f.uid)
        }
        // The kernel's CLD_* codes (siginfo_layout()'s SIL_CHLD).
        SIGCHLD if (1..=bindings::CLD_CONTINUED as i32).contains(&code) => {
            write!(out, ", si_pid={}, si_uid={}, si_status=", f.pid, f.uid)?;
            if code == bindings::CLD_EXITED as i32 {
                write!(out, "{}", f.status)?;
            } else {
                write_signal(out, f.status)?;
            }
            out.write_str(", si_utime=")?;
            write_clock_ticks(out, f.utime)?;
            out.write_str(", si_stime=")?;
            write_clock_ticks(out, f.stime)
        }
        SIGILL | SIGFPE | SIGSEGV | SIGBUS if from_kernel => {
            out.write_str(", si_addr=")?;
            write_ptr(out, f.addr)
        }
        _ => Ok(()),
    }
}

/// Writes a time in clock ticks as strace does: `4 /* 0.04 s */`, `0`.
fn write_clock_ticks(out: &mut impl Write, ticks: i64) -> core::fmt::Result {
    let hz = i64::from(bindings::USER_HZ);
    write!(out, "{ticks}")?;
    if ticks > 0 {
        write!(out, " /* {}.{:02} s */", ticks / hz, ticks % hz * 100 / hz)?;
    }
    Ok(())
}

/// Writes strace's line for the end of a task, from the kernel's exit code
/// (`status << 8`, or a signal number with 0x80 for a core dump):
/// `+++ exited with 3 +++`, `+++ killed by SIGTERM +++`.
pub(crate) fn write_exit_line(out: &mut impl Write, code: i64) -> core::fmt::Result {
    let sig = (code & 0x7f) as i32;
    if sig == 0 {
        return write!(out, "+++ exited with {} +++", (code >> 8) & 0xff);
    }
    out.write_str("+++ killed by ")?;
    write_signal(out, sig)?;
    if code & 0x80 != 0 {
        out.write_str(" (core dumped)")?;
    }
    out.write_str(" +++")
}

/// Writes a signal: its name, `SIGRTMIN` or `SIGRT_<n>` for real-time
/// signals, the number otherwise.
fn write_signal(out: &mut impl Write, sig: i32) -> core::fmt::Result {
    let name = usize::try_from(sig)
        .ok()
        .and_then(|s| s.checked_sub(1))
        .and_then(|i| SIGNALS.get(i));
    match name {
        Some(name) => out.write_str(name),
        None if sig == SIGRTMIN => out.write_str("SIGRTMIN"),
        None if sig > SIGRTMIN && sig <= SIGRTMAX => write!(out, "SIGRT_{}", sig - SIGRTMIN),
        None => write!(out, "{sig}"),
    }
}

/// Writes the name `names[value]`, or `value` in decimal.
fn write_named(out: &mut impl Write, value: i32, names: &[&str]) -> core::fmt::Result {
    match usize::try_from(value).ok().and_then(|i| names.get(i)) {
        Some(name) => out.write_str(name),
        None => write!(out, "{value}"),
    }
}

/// Writes user bytes the way strace quotes strings: `"..."` with C escapes
/// (`\"`, `\\`, `\f`, `\n`, `\r`, `\t`, `\v`) and octal ones for the other
/// bytes outside printable ASCII (`\0`, `\33`, and three digits when an
/// octal digit follows, `\0001`), then `...` after the closing quote when
/// `truncated`.
///
/// The caller cuts the bytes to its string limit (strace's `-s`) and says
/// whether there was more.
pub(crate) fn write_string(
    out: &mut impl Write,
    bytes: &[u8],
    truncated: bool,
) -> core::fmt::Result {
    out.write_str("\"")?;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => out.write_str("\\\"")?,
            b'\\' => out.write_str("\\\\")?,
            0x0c => out.write_str("\\f")?,
            b'\n' => out.write_str("\\n")?,
            b'\r' => out.write_str("\\r")?,
            b'\t' => out.write_str("\\t")?,
            0x0b => out.write_str("\\v")?,
            b' '..=b'~' => out.write_char(char::from(b))?,
            _ if matches!(bytes.get(i + 1), Some(b'0'..=b'7')) => write!(out, "\\{b:03o}")?,
            _ => write!(out, "\\{b:o}")?,
        }
    }
    out.write_str("\"")?;
    if truncated {
        out.write_str("...")?;
    }
    Ok(())
}

/// How many leading bytes of `bytes` [`write_string`] can write in
/// `budget` bytes of text, quotes and a closing `...` included.
pub(crate) fn string_fit(bytes: &[u8], budget: usize) -> usize {
    let mut used = 5; // "" and ...
    for (i, &b) in bytes.iter().enumerate() {
        let width = match b {
            b'"' | b'\\' | 0x0c | b'\n' | b'\r' | b'\t' | 0x0b => 2,
            b' '..=b'~' => 1,
            _ if matches!(bytes.get(i + 1), Some(b'0'..=b'7')) => 4,
            // `\` and the octal digits of the byte.
            _ => match b {
                0..=0o7 => 2,
                0o10..=0o77 => 3,
                _ => 4,
            },
        };
        used += width;
        if used > budget {
            return i;
        }
    }
    bytes.len()
}

/// Writes bytes that are data, not text, as strace writes them
/// (`getrandom`'s): `"\x53\x15"`, every byte in hex, then `...` when
/// `truncated`.
pub(crate) fn write_hex_string(
    out: &mut impl Write,
    bytes: &[u8],
    truncated: bool,
) -> core::fmt::Result {
    out.write_str("\"")?;
    for b in bytes {
        write!(out, "\\x{b:02x}")?;
    }
    out.write_str(if truncated { "\"..." } else { "\"" })
}

/// Writes the result part after the call: ` = 3`,
/// ` = -1 ENOENT (No such file or directory)`, ` = ?` ([`RetKind::NoReturn`]),
/// ` = 0x7f...` ([`RetKind::Hex`]).
///
/// A value in `-4095..=-1` is an error, shown as `-1`, the errno name and
/// its message; an errno without a name gives ` = -1 Unknown error 530`.
pub(crate) fn write_result(out: &mut impl Write, nr: i64, ret: i64) -> core::fmt::Result {
    let kind = ret_kind(nr);
    if kind == RetKind::NoReturn {
        return out.write_str(" = ?");
    }
    if (-MAX_ERRNO..=-1).contains(&ret) {
        let errno = -ret;
        // The kernel's restart codes: the call did not finish, and will be
        // restarted or fail with EINTR once the signal is handled.
        if let Some(&(_, name, text)) = RESTARTS.iter().find(|&&(e, _, _)| i64::from(e) == errno) {
            return write!(out, " = ? {name} ({text})");
        }
        return match i32::try_from(errno).ok().and_then(errno_info) {
            Some((name, text)) => write!(out, " = -1 {name} ({text})"),
            None => write!(out, " = -1 Unknown error {errno}"),
        };
    }
    match kind {
        RetKind::Mode => {
            out.write_str(" = ")?;
            write_mode(out, ret as u32)
        }
        RetKind::Hex => {
            out.write_str(" = ")?;
            write_hex(out, ret as u64)
        }
        _ => write!(out, " = {ret}"),
    }
}

/// The kernel-internal restart codes a syscall's exit can show, with
/// strace's names and messages; the values from the C headers.
static RESTARTS: [(u32, &str, &str); 4] = [
    (
        bindings::ERESTARTSYS,
        "ERESTARTSYS",
        "To be restarted if SA_RESTART is set",
    ),
    (
        bindings::ERESTARTNOINTR,
        "ERESTARTNOINTR",
        "To be restarted",
    ),
    (
        bindings::ERESTARTNOHAND,
        "ERESTARTNOHAND",
        "To be restarted if no handler",
    ),
    (
        bindings::ERESTART_RESTARTBLOCK,
        "ERESTART_RESTARTBLOCK",
        "Interrupted by signal",
    ),
];

/// errno names and glibc `strerror` messages, for errno 1 to 133
/// (include/uapi/asm-generic/errno-base.h, errno.h); 41 and 58 are unused.
static ERRNOS: [(&str, &str); 133] = [
    ("EPERM", "Operation not permitted"),
    ("ENOENT", "No such file or directory"),
    ("ESRCH", "No such process"),
    ("EINTR", "Interrupted system call"),
    ("EIO", "Input/output error"),
    ("ENXIO", "No such device or address"),
    ("E2BIG", "Argument list too long"),
    ("ENOEXEC", "Exec format error"),
    ("EBADF", "Bad file descriptor"),
    ("ECHILD", "No child processes"),
    ("EAGAIN", "Resource temporarily unavailable"),
    ("ENOMEM", "Cannot allocate memory"),
    ("EACCES", "Permission denied"),
    ("EFAULT", "Bad address"),
    ("ENOTBLK", "Block device required"),
    ("EBUSY", "Device or resource busy"),
    ("EEXIST", "File exists"),
    ("EXDEV", "Invalid cross-device link"),
    ("ENODEV", "No such device"),
    ("ENOTDIR", "Not a directory"),
    ("EISDIR", "Is a directory"),
    ("EINVAL", "Invalid argument"),
    ("ENFILE", "Too many open files in system"),
    ("EMFILE", "Too many open files"),
    ("ENOTTY", "Inappropriate ioctl for device"),
    ("ETXTBSY", "Text file busy"),
    ("EFBIG", "File too large"),
    ("ENOSPC", "No space left on device"),
    ("ESPIPE", "Illegal seek"),
    ("EROFS", "Read-only file system"),
    ("EMLINK", "Too many links"),
    ("EPIPE", "Broken pipe"),
    ("EDOM", "Numerical argument out of domain"),
    ("ERANGE", "Numerical result out of range"),
    ("EDEADLK", "Resource deadlock avoided"),
    ("ENAMETOOLONG", "File name too long"),
    ("ENOLCK", "No locks available"),
    ("ENOSYS", "Function not implemented"),
    ("ENOTEMPTY", "Directory not empty"),
    ("ELOOP", "Too many levels of symbolic links"),
    ("", ""), // 41: unused
    ("ENOMSG", "No message of desired type"),
    ("EIDRM", "Identifier removed"),
    ("ECHRNG", "Channel number out of range"),
    ("EL2NSYNC", "Level 2 not synchronized"),
    ("EL3HLT", "Level 3 halted"),
    ("EL3RST", "Level 3 reset"),
    ("ELNRNG", "Link number out of range"),
    ("EUNATCH", "Protocol driver not attached"),
    ("ENOCSI", "No CSI structure available"),
    ("EL2HLT", "Level 2 halted"),
    ("EBADE", "Invalid exchange"),
    ("EBADR", "Invalid request descriptor"),
    ("EXFULL", "Exchange full"),
    ("ENOANO", "No anode"),
    ("EBADRQC", "Invalid request code"),
    ("EBADSLT", "Invalid slot"),
    ("", ""), // 58: unused
    ("EBFONT", "Bad font file format"),
    ("ENOSTR", "Device not a stream"),
    ("ENODATA", "No data available"),
    ("ETIME", "Timer expired"),
    ("ENOSR", "Out of streams resources"),
    ("ENONET", "Machine is not on the network"),
    ("ENOPKG", "Package not installed"),
    ("EREMOTE", "Object is remote"),
    ("ENOLINK", "Link has been severed"),
    ("EADV", "Advertise error"),
    ("ESRMNT", "Srmount error"),
    ("ECOMM", "Communication error on send"),
    ("EPROTO", "Protocol error"),
    ("EMULTIHOP", "Multihop attempted"),
    ("EDOTDOT", "RFS specific error"),
    ("EBADMSG", "Bad message"),
    ("EOVERFLOW", "Value too large for defined data type"),
    ("ENOTUNIQ", "Name not unique on network"),
    ("EBADFD", "File descriptor in bad state"),
    ("EREMCHG", "Remote address changed"),
    ("ELIBACC", "Can not access a needed shared library"),
    ("ELIBBAD", "Accessing a corrupted shared library"),
    ("ELIBSCN", ".lib section in a.out corrupted"),
    ("ELIBMAX", "Attempting to link in too many shared libraries"),
    ("ELIBEXEC", "Cannot exec a shared library directly"),
    (
        "EILSEQ",
        "Invalid or incomplete multibyte or wide character",
    ),
    ("ERESTART", "Interrupted system call should be restarted"),
    ("ESTRPIPE", "Streams pipe error"),
    ("EUSERS", "Too many users"),
    ("ENOTSOCK", "Socket operation on non-socket"),
    ("EDESTADDRREQ", "Destination address required"),
    ("EMSGSIZE", "Message too long"),
    ("EPROTOTYPE", "Protocol wrong type for socket"),
    ("ENOPROTOOPT", "Protocol not available"),
    ("EPROTONOSUPPORT", "Protocol not supported"),
    ("ESOCKTNOSUPPORT", "Socket type not supported"),
    ("EOPNOTSUPP", "Operation not supported"),
    ("EPFNOSUPPORT", "Protocol family not supported"),
    ("EAFNOSUPPORT", "Address family not supported by protocol"),
    ("EADDRINUSE", "Address already in use"),
    ("EADDRNOTAVAIL", "Cannot assign requested address"),
    ("ENETDOWN", "Network is down"),
    ("ENETUNREACH", "Network is unreachable"),
    ("ENETRESET", "Network dropped connection on reset"),
    ("ECONNABORTED", "Software caused connection abort"),
    ("ECONNRESET", "Connection reset by peer"),
    ("ENOBUFS", "No buffer space available"),
    ("EISCONN", "Transport endpoint is already connected"),
    ("ENOTCONN", "Transport endpoint is not connected"),
    ("ESHUTDOWN", "Cannot send after transport endpoint shutdown"),
    ("ETOOMANYREFS", "Too many references: cannot splice"),
    ("ETIMEDOUT", "Connection timed out"),
    ("ECONNREFUSED", "Connection refused"),
    ("EHOSTDOWN", "Host is down"),
    ("EHOSTUNREACH", "No route to host"),
    ("EALREADY", "Operation already in progress"),
    ("EINPROGRESS", "Operation now in progress"),
    ("ESTALE", "Stale file handle"),
    ("EUCLEAN", "Structure needs cleaning"),
    ("ENOTNAM", "Not a XENIX named type file"),
    ("ENAVAIL", "No XENIX semaphores available"),
    ("EISNAM", "Is a named type file"),
    ("EREMOTEIO", "Remote I/O error"),
    ("EDQUOT", "Disk quota exceeded"),
    ("ENOMEDIUM", "No medium found"),
    ("EMEDIUMTYPE", "Wrong medium type"),
    ("ECANCELED", "Operation canceled"),
    ("ENOKEY", "Required key not available"),
    ("EKEYEXPIRED", "Key has expired"),
    ("EKEYREVOKED", "Key has been revoked"),
    ("EKEYREJECTED", "Key was rejected by service"),
    ("EOWNERDEAD", "Owner died"),
    ("ENOTRECOVERABLE", "State not recoverable"),
    ("ERFKILL", "Operation not possible due to RF-kill"),
    ("EHWPOISON", "Memory page has hardware error"),
];

#[cfg(CONFIG_UTRACE_KUNIT_TEST)]
#[kunit_tests(utrace_strace_decode)]
mod tests {
    use super::super::line::Line;
    use super::super::syscalls::syscall_nr;
    use super::*;

    /// The native number of the call `name`; -1 (no call) for one the
    /// architecture lacks, so that a case of it fails.
    fn nr_of(name: &str) -> i64 {
        syscall_nr(name).unwrap_or(-1)
    }

    /// A fixed buffer implementing `core::fmt::Write` for the tests.
    struct Buf {
        data: [u8; 256],
        len: usize,
    }

    impl Buf {
        fn new() -> Self {
            Self {
                data: [0; 256],
                len: 0,
            }
        }

        fn as_str(&self) -> &str {
            self.data
                .get(..self.len)
                .and_then(|b| core::str::from_utf8(b).ok())
                .unwrap_or("<invalid utf-8>")
        }
    }

    impl core::fmt::Write for Buf {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            let end = self.len.checked_add(s.len()).ok_or(core::fmt::Error)?;
            let dst = self.data.get_mut(self.len..end).ok_or(core::fmt::Error)?;
            dst.copy_from_slice(s.as_bytes());
            self.len = end;
            Ok(())
        }
    }

    /// One argument, rendered.
    fn arg(kind: ArgKind, value: u64) -> Buf {
        let mut b = Buf::new();
        if write_arg(&mut b, kind, value).is_err() {
            b.len = 0;
        }
        b
    }

    /// A result, rendered.
    fn result(nr: i64, ret: i64) -> Buf {
        let mut b = Buf::new();
        if write_result(&mut b, nr, ret).is_err() {
            b.len = 0;
        }
        b
    }

    /// A quoted string, rendered.
    fn string(bytes: &[u8], truncated: bool) -> Buf {
        let mut b = Buf::new();
        if write_string(&mut b, bytes, truncated).is_err() {
            b.len = 0;
        }
        b
    }

    /// `-n` as a register value.
    fn neg(n: i64) -> u64 {
        (-n) as u64
    }

    /// `openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 3`, built as the engine
    /// builds its lines.
    fn openat_line(b: &mut Buf) -> core::fmt::Result {
        let args = [neg(100), 0x5000, 0, 0, 0, 0];
        let sig = signature(nr_of("openat")).ok_or(core::fmt::Error)?;
        b.write_str(sig.name)?;
        b.write_str("(")?;
        let shown = shown_args(nr_of("openat"), &args);
        for (i, (&kind, &value)) in sig.args.iter().zip(args.iter()).take(shown).enumerate() {
            if i > 0 {
                b.write_str(", ")?;
            }
            match kind {
                ArgKind::Path => write_string(b, b"/etc/hostname", false)?,
                _ => write_arg(b, kind, value)?,
            }
        }
        b.write_str(")")?;
        write_result(b, 257, 3)
    }

    #[test]
    fn open_flags() {
        let f = |v: u32| arg(ArgKind::OpenFlags, u64::from(v));
        assert_eq!(f(0).as_str(), "O_RDONLY");
        assert_eq!(f(O_CLOEXEC).as_str(), "O_RDONLY|O_CLOEXEC");
        assert_eq!(
            f(O_WRONLY | O_CREAT | O_TRUNC).as_str(),
            "O_WRONLY|O_CREAT|O_TRUNC"
        );
        assert_eq!(
            f(O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC).as_str(),
            "O_RDWR|O_CREAT|O_EXCL|O_CLOEXEC"
        );
        assert_eq!(
            f(O_NONBLOCK | O_CLOEXEC | O_DIRECTORY).as_str(),
            "O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY"
        );
        assert_eq!(f(0x241).as_str(), "O_WRONLY|O_CREAT|O_TRUNC");
        assert_eq!(f(0x80042).as_str(), "O_RDWR|O_CREAT|O_CLOEXEC");
        assert_eq!(
            f(O_WRONLY | O_APPEND | O_LARGEFILE).as_str(),
            "O_WRONLY|O_APPEND|O_LARGEFILE"
        );
        assert_eq!(f(3).as_str(), "O_ACCMODE");
    }

    #[test]
    fn open_flags_combined_and_unknown() {
        let f = |v: u32| arg(ArgKind::OpenFlags, u64::from(v));
        // O_TMPFILE includes O_DIRECTORY, O_SYNC includes O_DSYNC.
        assert_eq!(f(O_RDWR | O_TMPFILE).as_str(), "O_RDWR|O_TMPFILE");
        // Raw values as programs pass them: arm64 moves O_DIRECTORY (and so
        // O_TMPFILE), O_NOFOLLOW, O_DIRECT and O_LARGEFILE.
        let arm64 = cfg!(CONFIG_ARM64);
        let tmpfile_rdwr: u32 = if arm64 { 0x404002 } else { 0x410002 };
        assert_eq!(f(tmpfile_rdwr).as_str(), "O_RDWR|O_TMPFILE");
        let bit14 = if arm64 {
            "O_RDONLY|O_DIRECTORY"
        } else {
            "O_RDONLY|O_DIRECT"
        };
        assert_eq!(f(0x4000).as_str(), bit14);
        assert_eq!(f(O_WRONLY | O_SYNC).as_str(), "O_WRONLY|O_SYNC");
        assert_eq!(f(O_WRONLY | O_DSYNC).as_str(), "O_WRONLY|O_DSYNC");
        assert_eq!(
            f(O_PATH | O_NOFOLLOW).as_str(),
            "O_RDONLY|O_NOFOLLOW|O_PATH"
        );
        assert_eq!(f(FASYNC | O_DIRECT).as_str(), "O_RDONLY|O_DIRECT|FASYNC");
        // Bit 5 is unused: shown as a leftover.
        assert_eq!(f(O_CREAT | 0x20).as_str(), "O_RDONLY|O_CREAT|0x20");
        // Only the low 32 bits are the `int` flags.
        assert_eq!(
            arg(ArgKind::OpenFlags, 0xdead_0000_0000_0000).as_str(),
            "O_RDONLY"
        );
        // Without an access mode (dup3, pipe2).
        assert_eq!(arg(ArgKind::FileFlags, 0).as_str(), "0");
        assert_eq!(arg(ArgKind::FileFlags, 0x80000).as_str(), "O_CLOEXEC");
        assert_eq!(
            arg(ArgKind::FileFlags, 0x80800).as_str(),
            "O_NONBLOCK|O_CLOEXEC"
        );
    }

    #[test]
    fn numbers_and_pointers() {
        assert_eq!(arg(ArgKind::Int, u64::MAX).as_str(), "-1");
        assert_eq!(arg(ArgKind::Int, 0x1_0000_0005).as_str(), "5");
        assert_eq!(arg(ArgKind::Fd, 1).as_str(), "1");
        assert_eq!(arg(ArgKind::Fd, neg(1)).as_str(), "-1");
        assert_eq!(arg(ArgKind::UInt, 4096).as_str(), "4096");
        assert_eq!(
            arg(ArgKind::UInt, u64::MAX).as_str(),
            "18446744073709551615"
        );
        assert_eq!(arg(ArgKind::Long, neg(1)).as_str(), "-1");
        assert_eq!(arg(ArgKind::Hex, 0).as_str(), "0");
        assert_eq!(arg(ArgKind::Hex, 0x1f).as_str(), "0x1f");
        assert_eq!(arg(ArgKind::Ptr, 0).as_str(), "NULL");
        assert_eq!(arg(ArgKind::Ptr, 0x7ffd1234).as_str(), "0x7ffd1234");
        assert_eq!(arg(ArgKind::Path, 0x4000).as_str(), "0x4000");
        assert_eq!(arg(ArgKind::Buf, 0).as_str(), "NULL");
        assert_eq!(arg(ArgKind::StatBuf, 0x1000).as_str(), "0x1000");
    }

    #[test]
    fn dirfd() {
        assert_eq!(arg(ArgKind::DirFd, neg(100)).as_str(), "AT_FDCWD");
        assert_eq!(arg(ArgKind::DirFd, 0xffff_ff9c).as_str(), "AT_FDCWD");
        assert_eq!(arg(ArgKind::DirFd, 3).as_str(), "3");
        assert_eq!(arg(ArgKind::DirFd, neg(1)).as_str(), "-1");
    }

    #[test]
    fn strings() {
        assert_eq!(
            string(b"/etc/hostname", false).as_str(),
            "\"/etc/hostname\""
        );
        assert_eq!(string(b"hello\n", false).as_str(), r#""hello\n""#);
        assert_eq!(string(b"", false).as_str(), r#""""#);
        assert_eq!(string(b"abc", true).as_str(), r#""abc"..."#);
        assert_eq!(
            string(b"a\"b\\c\td\r\x0b\x0c", false).as_str(),
            r#""a\"b\\c\td\r\v\f""#
        );
        // Octal: as short as possible, three digits before an octal digit.
        assert_eq!(
            string(b"\x1b[0m\x001\x00\x7f\xff8", true).as_str(),
            r#""\33[0m\0001\0\177\3778"..."#
        );
        assert_eq!(string(b"\x01\x07", false).as_str(), r#""\1\7""#);
    }

    #[test]
    fn results() {
        let openat = 257;
        assert_eq!(result(openat, 3).as_str(), " = 3");
        assert_eq!(result(openat, 0).as_str(), " = 0");
        assert_eq!(
            result(openat, -2).as_str(),
            " = -1 ENOENT (No such file or directory)"
        );
        assert_eq!(
            result(openat, -13).as_str(),
            " = -1 EACCES (Permission denied)"
        );
        assert_eq!(
            result(nr_of("setuid"), -1).as_str(),
            " = -1 EPERM (Operation not permitted)"
        );
        assert_eq!(result(openat, -530).as_str(), " = -1 Unknown error 530");
        assert_eq!(result(openat, -41).as_str(), " = -1 Unknown error 41");
        assert_eq!(result(openat, -4095).as_str(), " = -1 Unknown error 4095");
        // Below -4095 a value is not an error.
        assert_eq!(result(openat, -4096).as_str(), " = -4096");
        assert_eq!(result(nr_of("exit_group"), 0).as_str(), " = ?");
        assert_eq!(result(nr_of("exit"), 0).as_str(), " = ?");
        assert_eq!(
            result(nr_of("mmap"), 0x7f12_3456_7000).as_str(),
            " = 0x7f1234567000"
        );
        assert_eq!(
            result(nr_of("mmap"), -12).as_str(),
            " = -1 ENOMEM (Cannot allocate memory)"
        );
        assert_eq!(
            result(nr_of("brk"), 0x5555_5555_a000).as_str(),
            " = 0x55555555a000"
        );
        assert_eq!(result(9999, 7).as_str(), " = 7");
    }

    #[test]
    fn errnos() {
        assert_eq!(errno_info(1), Some(("EPERM", "Operation not permitted")));
        assert_eq!(errno_info(2), Some(("ENOENT", "No such file or directory")));
        assert_eq!(
            errno_info(11),
            Some(("EAGAIN", "Resource temporarily unavailable"))
        );
        assert_eq!(
            errno_info(35),
            Some(("EDEADLK", "Resource deadlock avoided"))
        );
        assert_eq!(
            errno_info(95),
            Some(("EOPNOTSUPP", "Operation not supported"))
        );
        assert_eq!(
            errno_info(133),
            Some(("EHWPOISON", "Memory page has hardware error"))
        );
        assert_eq!(errno_info(0), None);
        assert_eq!(errno_info(-2), None);
        assert_eq!(errno_info(41), None);
        assert_eq!(errno_info(58), None);
        assert_eq!(errno_info(134), None);
        assert_eq!(errno_info(i32::MIN), None);
        assert_eq!(errno_info(i32::MAX), None);
    }

    #[test]
    fn memory_and_process_constants_as_strace_shows_them() {
        assert_eq!(arg(ArgKind::Prot, 0).as_str(), "PROT_NONE");
        assert_eq!(arg(ArgKind::Prot, 3).as_str(), "PROT_READ|PROT_WRITE");
        assert_eq!(arg(ArgKind::Prot, 5).as_str(), "PROT_READ|PROT_EXEC");
        assert_eq!(
            arg(ArgKind::MmapFlags, 0x22).as_str(),
            "MAP_PRIVATE|MAP_ANONYMOUS"
        );
        assert_eq!(
            arg(ArgKind::MmapFlags, 0x812).as_str(),
            "MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE"
        );
        assert_eq!(arg(ArgKind::MmapFlags, 0x1).as_str(), "MAP_SHARED");
        assert_eq!(arg(ArgKind::MmapFlags, 0xf).as_str(), "0xf /* MAP_??? */");
        // arch_prctl is x86's; arm64 names no code.
        #[cfg(CONFIG_X86_64)]
        assert_eq!(arg(ArgKind::ArchPrctlCode, 0x1002).as_str(), "ARCH_SET_FS");
        assert_eq!(
            arg(ArgKind::ArchPrctlCode, 0x3001).as_str(),
            "0x3001 /* ARCH_??? */"
        );
        assert_eq!(arg(ArgKind::PrctlOption, 16).as_str(), "PR_GET_NAME");
        assert_eq!(
            arg(ArgKind::PrctlOption, 0x1234).as_str(),
            "0x1234 /* PR_??? */"
        );
        assert_eq!(arg(ArgKind::IoctlCmd, 0x5401).as_str(), "TCGETS");
        assert_eq!(arg(ArgKind::IoctlCmd, 0x5413).as_str(), "TIOCGWINSZ");
        assert_eq!(
            arg(ArgKind::IoctlCmd, 0xc0de).as_str(),
            "_IOC(_IOC_NONE, 0xc0, 0xde, 0)"
        );
        assert_eq!(arg(ArgKind::WaitOptions, 0).as_str(), "0");
        assert_eq!(arg(ArgKind::WaitOptions, 1).as_str(), "WNOHANG");
        assert_eq!(arg(ArgKind::TimerFlags, 0).as_str(), "0");
        assert_eq!(arg(ArgKind::TimerFlags, 1).as_str(), "TIMER_ABSTIME");
        assert_eq!(result(nr_of("umask"), 0o22).as_str(), " = 022");
        assert_eq!(result(nr_of("umask"), 0).as_str(), " = 000");
        // prctl's arguments follow its option.
        let prctl =
            |option: u64| arg_kinds(nr_of("prctl"), &[option, 0, 0, 0, 0, 0]).map(|k| k.len());
        assert_eq!(prctl(16), Some(2));
        assert_eq!(prctl(15), Some(2));
        assert_eq!(prctl(38), Some(5));
        assert!(arg_kinds(nr_of("prctl"), &[16, 0, 0, 0, 0, 0])
            .is_some_and(|k| k[1] == ArgKind::StrOut));
        assert!(
            arg_kinds(nr_of("prctl"), &[15, 0, 0, 0, 0, 0]).is_some_and(|k| k[1] == ArgKind::Path)
        );
        assert_eq!(shown_args(nr_of("prctl"), &[16, 0, 0, 0, 0, 0]), 2);
    }

    #[test]
    fn signals_sets_and_statuses_as_strace_shows_them() {
        let set = |mask: u64| {
            let mut b = Buf::new();
            assert!(write_sigset(&mut b, mask).is_ok());
            b
        };
        assert_eq!(set(0).as_str(), "[]");
        assert_eq!(set(0b110).as_str(), "[INT QUIT]");
        assert_eq!(set(1 << 16).as_str(), "[CHLD]");
        assert_eq!(set(!(3u64 << 31)).as_str(), "~[RTMIN RT_1]");
        assert_eq!(set(u64::MAX).as_str(), "~[]");
        // Two thirds of 64 is 42: 41 signals are listed as they are.
        assert!(set((1u64 << 41) - 1).as_str().starts_with("[HUP INT "));
        assert!(set((1u64 << 42) - 1).as_str().starts_with("~[RT_11 "));
        let mut b = Buf::new();
        assert!(write_sigaction(&mut b, 0, 0, 0, 0).is_ok());
        assert_eq!(b.as_str(), "{sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}");
        let mut b = Buf::new();
        let flags = u64::from(bindings::SA_RESTORER | bindings::SA_RESTART);
        assert!(write_sigaction(&mut b, 0x401000, flags, 0x402000, !(3u64 << 31)).is_ok());
        assert_eq!(
            b.as_str(),
            "{sa_handler=0x401000, sa_mask=~[RTMIN RT_1], sa_flags=SA_RESTORER|SA_RESTART, \
             sa_restorer=0x402000}"
        );
        let status = |s: i32| {
            let mut b = Buf::new();
            assert!(write_wait_status(&mut b, s).is_ok());
            b
        };
        assert_eq!(
            status(0).as_str(),
            "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]"
        );
        assert_eq!(
            status(3 << 8).as_str(),
            "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}]"
        );
        assert_eq!(
            status(9).as_str(),
            "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}]"
        );
        assert_eq!(
            status(0x8b).as_str(),
            "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}]"
        );
        assert_eq!(
            status(0x137f).as_str(),
            "[{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}]"
        );
        let mut b = Buf::new();
        let flags = u64::from(bindings::CLONE_CHILD_CLEARTID | bindings::CLONE_CHILD_SETTID) | 17;
        assert!(write_clone(&mut b, &[flags, 0, 0, 0x7f00, 0, 0]).is_ok());
        assert_eq!(
            b.as_str(),
            "child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, \
             child_tidptr=0x7f00"
        );
        let mut b = Buf::new();
        let flags = u64::from(bindings::CLONE_VM | bindings::CLONE_VFORK) | 17;
        assert!(write_clone(&mut b, &[flags, 0x7ff0, 0, 0, 0, 0]).is_ok());
        assert_eq!(
            b.as_str(),
            "child_stack=0x7ff0, flags=CLONE_VM|CLONE_VFORK|SIGCHLD"
        );
    }

    #[test]
    fn output_arrays_as_strace_shows_them() {
        let mut b = Buf::new();
        assert!(write_dirents(&mut b, 0x1000, 4).is_ok());
        assert_eq!(b.as_str(), "0x1000 /* 4 entries */");
        let mut b = Buf::new();
        assert!(write_ids(&mut b, &[0, 10], 2).is_ok());
        assert_eq!(b.as_str(), "[0, 10]");
        let mut b = Buf::new();
        assert!(write_ids(&mut b, &[], 0).is_ok());
        assert_eq!(b.as_str(), "[]");
        let mut b = Buf::new();
        assert!(write_ids(&mut b, &[1], 3).is_ok());
        assert_eq!(b.as_str(), "[1, ...]");
        let now = i64::from(bindings::UTIME_NOW);
        let omit = i64::from(bindings::UTIME_OMIT);
        let mut b = Buf::new();
        assert!(write_utimes(&mut b, [(0, now), (0, now)]).is_ok());
        assert_eq!(b.as_str(), "[UTIME_NOW, UTIME_NOW]");
        let mut b = Buf::new();
        assert!(write_utimes(&mut b, [(1, 2), (0, omit)]).is_ok());
        assert_eq!(b.as_str(), "[{tv_sec=1, tv_nsec=2}, UTIME_OMIT]");
        let mut b = Buf::new();
        assert!(write_hex_string(&mut b, &[0x53, 0x15, b'a'], false).is_ok());
        assert_eq!(b.as_str(), r#""\x53\x15\x61""#);
        let mut b = Buf::new();
        assert!(write_hex_string(&mut b, &[0], true).is_ok());
        assert_eq!(b.as_str(), r#""\x00"..."#);
    }

    #[test]
    fn strings_fit_their_room() {
        let quoted = |bytes: &[u8], budget: usize| {
            let n = string_fit(bytes, budget);
            let mut b = Buf::new();
            assert!(write_string(&mut b, &bytes[..n], n < bytes.len()).is_ok());
            assert!(b.len <= budget);
            n
        };
        assert_eq!(quoted(b"/etc/hostname", 100), 13);
        assert_eq!(quoted(b"/etc/hostname", 10), 5);
        assert_eq!(quoted(&[0xff; 40], 50), 11);
        assert_eq!(quoted(b"\n\t\x01\x01", 9), 2);
        assert_eq!(quoted(b"\x0012", 10), 2);
        assert_eq!(quoted(b"", 2), 0);
    }

    #[test]
    fn results_aligned_as_strace_does() {
        use super::super::line::Line;
        use super::super::render::RESULT_COLUMN;
        let aligned = |call: &str, prefix: &str| {
            let mut line = Line::new();
            line.put_fmt(format_args!("{prefix}{call}"));
            line.pad_to(RESULT_COLUMN);
            assert!(write_result(&mut line, 39, 0).is_ok());
            line.finish();
            line.as_bytes().iter().position(|&c| c == b'=')
        };
        // strace: `brk(NULL)` then spaces, `= ` at column 40.
        assert_eq!(aligned("getpid()", ""), Some(40));
        assert_eq!(aligned("getpid()", "[pid 42] "), Some(40));
        // A longer call: one space.
        let long = "openat(AT_FDCWD, \"/etc/hostname\", O_RDONLY)";
        assert_eq!(aligned(long, ""), Some(long.len() + 1));
        let exactly = "getrandom(0x7ffc01020304, 8, 0x1234567)";
        assert_eq!(exactly.len(), RESULT_COLUMN);
        assert_eq!(aligned(exactly, ""), Some(RESULT_COLUMN + 1));
    }

    #[test]
    fn signatures_of_calls() {
        let openat = signature(nr_of("openat"));
        assert_eq!(openat.map(|s| s.name), Some("openat"));
        assert_eq!(
            openat.map(|s| s.args),
            Some(
                &[
                    ArgKind::DirFd,
                    ArgKind::Path,
                    ArgKind::OpenFlags,
                    ArgKind::Mode
                ][..]
            )
        );
        let getuid = signature(nr_of("getuid"));
        assert_eq!(getuid.map(|s| s.name), Some("getuid"));
        assert_eq!(getuid.map(|s| s.args.len()), Some(0));
        assert_eq!(
            signature(nr_of("write")).map(|s| s.args.get(1).copied()),
            Some(Some(ArgKind::Buf))
        );
        // read's buffer and stat's structure are outputs, write's is not.
        assert!(signature(nr_of("read")).is_some_and(|s| s.args[1].is_output()));
        assert!(signature(nr_of("newfstatat")).is_some_and(|s| s.args[2] == ArgKind::StatBuf));
        assert!(!ArgKind::Buf.is_output());
        assert_eq!(
            signature(nr_of("kill")).map(|s| s.args.get(1).copied()),
            Some(Some(ArgKind::Signal))
        );
        assert!(signature(400).is_none());
        assert!(signature(-1).is_none());
        assert_eq!(ret_kind(nr_of("mmap")), RetKind::Hex);
        assert_eq!(ret_kind(nr_of("brk")), RetKind::Hex);
        assert_eq!(ret_kind(nr_of("exit_group")), RetKind::NoReturn);
        assert_eq!(ret_kind(nr_of("exit")), RetKind::NoReturn);
        assert_eq!(ret_kind(nr_of("read")), RetKind::Int);
        assert_eq!(ret_kind(-1), RetKind::Int);
    }

    #[test]
    fn shown_argument_count() {
        let at = |flags: u32| [neg(100), 0x1000, u64::from(flags), 0o644, 0, 0];
        assert_eq!(shown_args(nr_of("openat"), &at(0)), 3);
        assert_eq!(
            shown_args(nr_of("openat"), &at(O_WRONLY | O_CREAT | O_TRUNC)),
            4
        );
        assert_eq!(shown_args(nr_of("openat"), &at(O_RDWR | O_TMPFILE)), 4);
        assert_eq!(shown_args(nr_of("openat"), &at(O_DIRECTORY)), 3);
        // x86_64's open; arm64 has only openat.
        #[cfg(CONFIG_X86_64)]
        {
            assert_eq!(shown_args(nr_of("open"), &[0x1000, 0, 0, 0, 0, 0]), 2);
            assert_eq!(
                shown_args(nr_of("open"), &[0x1000, u64::from(O_CREAT), 0o600, 0, 0, 0]),
                3
            );
        }
        assert_eq!(shown_args(nr_of("getuid"), &[0; 6]), 0);
        assert_eq!(shown_args(nr_of("mmap"), &[0; 6]), 6);
        assert_eq!(shown_args(nr_of("read"), &[3, 0x1000, 4096, 0, 0, 0]), 3);
        // fcntl(3, F_GETFL) but fcntl(3, F_SETFD, 0x1).
        assert_eq!(shown_args(nr_of("fcntl"), &[3, 3, 0, 0, 0, 0]), 2);
        assert_eq!(shown_args(nr_of("fcntl"), &[3, 2, 1, 0, 0, 0]), 3);
        // Unknown syscalls show all six.
        assert_eq!(shown_args(400, &[0; 6]), 6);
    }

    #[test]
    fn access_modes() {
        assert_eq!(arg(ArgKind::AccessMode, 0).as_str(), "F_OK");
        assert_eq!(arg(ArgKind::AccessMode, 4).as_str(), "R_OK");
        assert_eq!(arg(ArgKind::AccessMode, 1).as_str(), "X_OK");
        assert_eq!(arg(ArgKind::AccessMode, 6).as_str(), "R_OK|W_OK");
        assert_eq!(arg(ArgKind::AccessMode, 7).as_str(), "R_OK|W_OK|X_OK");
        assert_eq!(arg(ArgKind::AccessMode, 0xa).as_str(), "W_OK|0x8");
        assert_eq!(arg(ArgKind::AccessMode, 0x10).as_str(), "0x10");
    }

    #[test]
    fn modes() {
        assert_eq!(arg(ArgKind::Mode, 0o644).as_str(), "0644");
        assert_eq!(arg(ArgKind::Mode, 0o755).as_str(), "0755");
        assert_eq!(arg(ArgKind::Mode, 0o1777).as_str(), "01777");
        assert_eq!(arg(ArgKind::Mode, 0o22).as_str(), "022");
        assert_eq!(arg(ArgKind::Mode, 0o7).as_str(), "007");
        assert_eq!(arg(ArgKind::Mode, 0).as_str(), "000");
    }

    #[test]
    fn whence_how_and_fcntl() {
        assert_eq!(arg(ArgKind::Whence, 0).as_str(), "SEEK_SET");
        assert_eq!(arg(ArgKind::Whence, 1).as_str(), "SEEK_CUR");
        assert_eq!(arg(ArgKind::Whence, 2).as_str(), "SEEK_END");
        assert_eq!(arg(ArgKind::Whence, 3).as_str(), "SEEK_DATA");
        assert_eq!(arg(ArgKind::Whence, 4).as_str(), "SEEK_HOLE");
        assert_eq!(arg(ArgKind::Whence, 5).as_str(), "5");
        assert_eq!(arg(ArgKind::SigprocmaskHow, 0).as_str(), "SIG_BLOCK");
        assert_eq!(arg(ArgKind::SigprocmaskHow, 2).as_str(), "SIG_SETMASK");
        assert_eq!(arg(ArgKind::SigprocmaskHow, 3).as_str(), "3");
        assert_eq!(arg(ArgKind::FcntlCmd, 1).as_str(), "F_GETFD");
        assert_eq!(arg(ArgKind::FcntlCmd, 1030).as_str(), "F_DUPFD_CLOEXEC");
        assert_eq!(arg(ArgKind::FcntlCmd, 1040).as_str(), "F_SETDELEG");
        assert_eq!(arg(ArgKind::FcntlCmd, 12345).as_str(), "12345");
        // Issue 21: ia32's flock64 commands, named in ia32 calls only.
        assert_eq!(arg(ArgKind::FcntlCmd64, 12).as_str(), "F_GETLK64");
        assert_eq!(arg(ArgKind::FcntlCmd64, 14).as_str(), "F_SETLKW64");
        assert_eq!(arg(ArgKind::FcntlCmd64, 5).as_str(), "F_GETLK");
        assert_eq!(arg(ArgKind::FcntlCmd64, 1030).as_str(), "F_DUPFD_CLOEXEC");
        assert_eq!(arg(ArgKind::FcntlCmd, 12).as_str(), "12");
    }

    #[test]
    fn signals() {
        assert_eq!(arg(ArgKind::Signal, 1).as_str(), "SIGHUP");
        assert_eq!(arg(ArgKind::Signal, 9).as_str(), "SIGKILL");
        assert_eq!(arg(ArgKind::Signal, 17).as_str(), "SIGCHLD");
        assert_eq!(arg(ArgKind::Signal, 31).as_str(), "SIGSYS");
        assert_eq!(arg(ArgKind::Signal, 0).as_str(), "0");
        assert_eq!(arg(ArgKind::Signal, 32).as_str(), "SIGRTMIN");
        assert_eq!(arg(ArgKind::Signal, 34).as_str(), "SIGRT_2");
        assert_eq!(arg(ArgKind::Signal, 64).as_str(), "SIGRT_32");
        assert_eq!(arg(ArgKind::Signal, 65).as_str(), "65");
        assert_eq!(arg(ArgKind::Signal, neg(1)).as_str(), "-1");
    }

    #[test]
    fn at_flags() {
        assert_eq!(arg(ArgKind::AtFlags, 0).as_str(), "0");
        assert_eq!(arg(ArgKind::AtFlags, 0x100).as_str(), "AT_SYMLINK_NOFOLLOW");
        assert_eq!(
            arg(ArgKind::AtFlags, 0x1100).as_str(),
            "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH"
        );
        assert_eq!(arg(ArgKind::AtFlags, 0x200).as_str(), "AT_REMOVEDIR");
        assert_eq!(
            arg(ArgKind::AtFlags, 0x1_0001).as_str(),
            "AT_EXECVE_CHECK|0x1"
        );
        assert_eq!(arg(ArgKind::FaccessatFlags, 0x200).as_str(), "AT_EACCESS");
        assert_eq!(arg(ArgKind::FaccessatFlags, 0).as_str(), "0");
        assert_eq!(
            arg(ArgKind::StatxFlags, 0).as_str(),
            "AT_STATX_SYNC_AS_STAT"
        );
        assert_eq!(
            arg(ArgKind::StatxFlags, 0x100).as_str(),
            "AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW"
        );
        assert_eq!(
            arg(ArgKind::StatxFlags, 0x5000).as_str(),
            "AT_STATX_DONT_SYNC|AT_EMPTY_PATH"
        );
    }

    #[test]
    fn whole_lines() {
        let mut b = Buf::new();
        assert!(openat_line(&mut b).is_ok());
        assert_eq!(
            b.as_str(),
            r#"openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 3"#
        );
        let mut b = Buf::new();
        assert!(write_string(&mut b, b"hello\n", false).is_ok());
        assert!(write_result(&mut b, nr_of("write"), 6).is_ok());
        assert_eq!(b.as_str(), r#""hello\n" = 6"#);
    }

    #[test]
    fn signal_and_exit_lines() {
        let line = |signo, code| {
            let mut b = Buf::new();
            assert!(write_signal_line(&mut b, signo, code, None).is_ok());
            b
        };
        let with = |signo, code, f: SigInfoFields| {
            let mut b = Buf::new();
            assert!(write_signal_line(&mut b, signo, code, Some(&f)).is_ok());
            b
        };
        let f = SigInfoFields {
            pid: 42,
            uid: 1000,
            status: 3,
            utime: 0,
            stime: 4,
            addr: 0x10,
        };
        assert_eq!(
            with(10, 0, f).as_str(),
            "--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=42, si_uid=1000} ---"
        );
        assert_eq!(
            with(17, 1, f).as_str(),
            "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=42, si_uid=1000, \
             si_status=3, si_utime=0, si_stime=4 /* 0.04 s */} ---"
        );
        let killed = SigInfoFields {
            status: 9,
            utime: 123,
            ..f
        };
        assert_eq!(
            with(17, 2, killed).as_str(),
            "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=42, si_uid=1000, \
             si_status=SIGKILL, si_utime=123 /* 1.23 s */, si_stime=4 /* 0.04 s */} ---"
        );
        assert_eq!(
            with(11, 1, f).as_str(),
            "--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x10} ---"
        );
        assert_eq!(
            with(5, 2, f).as_str(),
            "--- SIGTRAP {si_signo=SIGTRAP, si_code=TRAP_TRACE} ---"
        );
        // A SIGCHLD a task sent with a code of its own: no child fields.
        assert_eq!(
            with(17, 42, f).as_str(),
            "--- SIGCHLD {si_signo=SIGCHLD, si_code=42} ---"
        );
        let forged = SigInfoFields { utime: -1, ..f };
        assert!(with(17, 1, forged)
            .as_str()
            .contains("si_utime=-1, si_stime="));
        assert_eq!(
            line(10, -6).as_str(),
            "--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL} ---"
        );
        assert_eq!(
            line(17, 1).as_str(),
            "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED} ---"
        );
        assert_eq!(
            line(5, 2).as_str(),
            "--- SIGTRAP {si_signo=SIGTRAP, si_code=TRAP_TRACE} ---"
        );
        assert_eq!(
            line(15, 0).as_str(),
            "--- SIGTERM {si_signo=SIGTERM, si_code=SI_USER} ---"
        );
        assert_eq!(
            line(10, 42).as_str(),
            "--- SIGUSR1 {si_signo=SIGUSR1, si_code=42} ---"
        );
        let exit = |code| {
            let mut b = Buf::new();
            assert!(write_exit_line(&mut b, code).is_ok());
            b
        };
        assert_eq!(exit(3 << 8).as_str(), "+++ exited with 3 +++");
        assert_eq!(exit(0).as_str(), "+++ exited with 0 +++");
        assert_eq!(exit(15).as_str(), "+++ killed by SIGTERM +++");
        assert_eq!(
            exit(0x80 | 11).as_str(),
            "+++ killed by SIGSEGV (core dumped) +++"
        );
    }

    fn stat(mode: u32, size: i64, rdev: u64) -> Buf {
        let mut b = Buf::new();
        write_stat(&mut b, mode, size, rdev).unwrap();
        b
    }

    fn statx(mask: u32, attributes: u64, mode: u16, size: u64) -> Buf {
        let mut b = Buf::new();
        write_statx(&mut b, mask, attributes, mode, size).unwrap();
        b
    }

    #[test]
    fn statx_as_strace_abbreviates_it() {
        // The basic stats, the mount id, and a regular file.
        assert_eq!(
            statx(0x17ff, 0, 0o100644, 25).as_str(),
            "{stx_mask=STATX_BASIC_STATS|STATX_MNT_ID, stx_attributes=0, \
             stx_mode=S_IFREG|0644, stx_size=25, ...}"
        );
        // The birth time too: STATX_ALL; a mount root; a directory.
        assert_eq!(
            statx(0x1fff, 0x2000, 0o041777, 60).as_str(),
            "{stx_mask=STATX_ALL|STATX_MNT_ID, stx_attributes=STATX_ATTR_MOUNT_ROOT, \
             stx_mode=S_IFDIR|S_ISVTX|0777, stx_size=60, ...}"
        );
        // Bits without a name: after the names, or alone with a comment;
        // an attribute above 32 bits.
        assert_eq!(
            statx(0x8000_0200, 1 << 63, 0o600, 0).as_str(),
            "{stx_mask=STATX_SIZE|0x80000000, \
             stx_attributes=0x8000000000000000 /* STATX_ATTR_??? */, \
             stx_mode=0600, stx_size=0, ...}"
        );
        assert_eq!(
            statx(0x8000_0000, 0x10 | 1 << 63, 0o100755, 1).as_str(),
            "{stx_mask=0x80000000 /* STATX_??? */, \
             stx_attributes=STATX_ATTR_IMMUTABLE|0x8000000000000000, \
             stx_mode=S_IFREG|0755, stx_size=1, ...}"
        );
        // The mask argument of the call.
        assert_eq!(arg(ArgKind::StatxMask, 0x200).as_str(), "STATX_SIZE");
        assert_eq!(arg(ArgKind::StatxMask, 0xfff).as_str(), "STATX_ALL");
        assert_eq!(arg(ArgKind::StatxMask, 0).as_str(), "0");
    }

    #[test]
    fn stat_as_strace_abbreviates_it() {
        // Strace's own lines, for a file, a directory, a device.
        assert_eq!(
            stat(0o100644, 21, 0).as_str(),
            "{st_mode=S_IFREG|0644, st_size=21, ...}"
        );
        assert_eq!(
            stat(0o041777, 4096, 0).as_str(),
            "{st_mode=S_IFDIR|S_ISVTX|0777, st_size=4096, ...}"
        );
        // /dev/pts/0: 136, 0 (new_encode_dev); /dev/null: 1, 3.
        assert_eq!(
            stat(0o020620, 0, 136 << 8).as_str(),
            "{st_mode=S_IFCHR|0620, st_rdev=makedev(0x88, 0), ...}"
        );
        assert_eq!(
            stat(0o020666, 0, (1 << 8) | 3).as_str(),
            "{st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}"
        );
        // Large numbers: the bits above the old 8/8 split.
        assert_eq!(
            dev_major_minor((0x123 << 8) | (0x45 << 20) | 0x67),
            (0x123, 0x4567)
        );
        assert_eq!(
            stat(0o104755, 8, 0).as_str(),
            "{st_mode=S_IFREG|S_ISUID|0755, st_size=8, ...}"
        );
        // Anonymous inodes (eventfd, epoll...): no file type.
        assert_eq!(stat(0o600, 0, 0).as_str(), "{st_mode=0600, st_size=0, ...}");
        assert_eq!(
            stat(0o4755, 0, 0).as_str(),
            "{st_mode=S_ISUID|0755, st_size=0, ...}"
        );
        // No such file type: the whole mode in octal.
        assert_eq!(
            stat(0o70644, 0, 0).as_str(),
            "{st_mode=070644, st_size=0, ...}"
        );
        // Only the kernel's 32 bits of a device number make the minor.
        assert_eq!(dev_major_minor(1 << 44), (1 << 12, 0));
    }

    #[test]
    fn clocks_limits_and_times_as_strace_shows_them() {
        assert_eq!(arg(ArgKind::ClockId, 1).as_str(), "CLOCK_MONOTONIC");
        assert_eq!(arg(ArgKind::ClockId, 11).as_str(), "CLOCK_TAI");
        assert_eq!(arg(ArgKind::ClockId, 10).as_str(), "10");
        assert_eq!(arg(ArgKind::Resource, 3).as_str(), "RLIMIT_STACK");
        // An unknown resource as strace writes it.
        assert_eq!(arg(ArgKind::Resource, 99).as_str(), "0x63 /* RLIMIT_??? */");
        assert_eq!(arg(ArgKind::GrndFlags, 1).as_str(), "GRND_NONBLOCK");
        assert_eq!(arg(ArgKind::GrndFlags, 0).as_str(), "0");
        assert_eq!(arg(ArgKind::RlimitIn, 0).as_str(), "NULL");
        let mut b = Buf::new();
        write_rlimit(&mut b, 8192 * 1024, u64::MAX).unwrap();
        assert_eq!(b.as_str(), "{rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}");
        let mut b = Buf::new();
        write_rlimit(&mut b, 1000, 0).unwrap();
        assert_eq!(b.as_str(), "{rlim_cur=1000, rlim_max=0}");
        // 1024 itself is written plain (the oracle: `ulimit -n` 1024).
        let mut b = Buf::new();
        write_rlimit(&mut b, 1024, 2048).unwrap();
        assert_eq!(b.as_str(), "{rlim_cur=1024, rlim_max=2*1024}");
        // termios, as strace 6.1 wrote them (guest_strace_oracle has a
        // terminal's): a terminal's defaults; every flag and unknown bits;
        // fields without flags (its trailing `|`); input speed; BOTHER.
        // Longer than a `Buf`: in a line, as the engine writes them.
        let termios = |i, o, c, l| {
            let mut line = Line::new();
            let _ = write_termios(&mut line, i, o, c, l);
            line
        };
        let b = termios(0o400 | 0o2000, 0o1 | 0o4, 0o17 | 0o60 | 0o200, 0o105073);
        assert_eq!(
            b.as_bytes(),
            b"{c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR, \
             c_cflag=B38400|CS8|CREAD, \
             c_lflag=ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE, ...}"
        );
        let cflag = bindings::B9600
            | bindings::CS7
            | bindings::CSTOPB
            | bindings::CREAD
            | bindings::PARENB
            | bindings::PARODD
            | bindings::HUPCL
            | bindings::CLOCAL
            | bindings::CRTSCTS
            | bindings::CMSPAR;
        let b = termios(0xffff, 0xffff, cflag, 0x1ffff);
        assert_eq!(
            b.as_bytes(),
            b"{c_iflag=IGNBRK|BRKINT|IGNPAR|PARMRK|INPCK|ISTRIP|INLCR|IGNCR|ICRNL|IUCLC|IXON|\
             IXANY|IXOFF|IMAXBEL|IUTF8|0x8000, \
             c_oflag=NL1|CR3|XTABS|BS1|VT1|FF1|OPOST|OLCUC|ONLCR|OCRNL|ONOCR|ONLRET|OFILL|OFDEL, \
             c_cflag=B9600|CS7|CSTOPB|CREAD|PARENB|PARODD|HUPCL|CLOCAL|CMSPAR|CRTSCTS, \
             c_lflag=ISIG|ICANON|XCASE|ECHO|ECHOE|ECHOK|ECHONL|NOFLSH|IEXTEN|ECHOCTL|ECHOPRT|\
             ECHOKE|FLUSHO|PENDIN|TOSTOP|EXTPROC|0x2000, ...}"
        );
        let oflag = bindings::NL1 | bindings::CR2 | bindings::TAB3;
        let oflag = oflag | bindings::BS1 | bindings::VT1 | bindings::FF1;
        let cflag = bindings::B4000000 | bindings::CS5 | (bindings::B300 << bindings::IBSHIFT);
        let b = termios(0, oflag, cflag, 0);
        assert_eq!(
            b.as_bytes(),
            b"{c_iflag=, c_oflag=NL1|CR2|XTABS|BS1|VT1|FF1|, \
             c_cflag=B4000000|B300<<IBSHIFT|CS5|, c_lflag=, ...}"
        );
        let b = termios(
            0,
            bindings::CR1 | bindings::TAB1,
            bindings::BOTHER | bindings::CS6,
            0,
        );
        assert_eq!(
            b.as_bytes(),
            b"{c_iflag=, c_oflag=NL0|CR1|TAB1|BS0|VT0|FF0|, c_cflag=BOTHER|CS6|, c_lflag=, ...}"
        );
        let mut b = Buf::new();
        write_winsize(&mut b, [24, 80, 1, 2]).unwrap();
        assert_eq!(
            b.as_str(),
            "{ws_row=24, ws_col=80, ws_xpixel=1, ws_ypixel=2}"
        );
        // ioctl's arguments by request, as strace shows them.
        assert_eq!(ioctl_kinds(bindings::TCGETS)[2], ArgKind::TermiosOut);
        assert_eq!(ioctl_kinds(bindings::FIOCLEX).len(), 2);
        assert_eq!(ioctl_kinds(0x1234)[2], ArgKind::Hex);
        assert_eq!(
            arg(ArgKind::IoctlCmd, 0x5402).as_str(),
            "SNDCTL_TMR_START or TCSETS"
        );
        assert_eq!(arg(ArgKind::FlushQueue, 0).as_str(), "TCIFLUSH");
        // An unknown queue, the whole register (review).
        assert_eq!(arg(ArgKind::FlushQueue, 7).as_str(), "0x7 /* TC??? */");
        assert_eq!(
            arg(ArgKind::FlushQueue, 1 << 32).as_str(),
            "0x100000000 /* TC??? */"
        );
        // Unknown requests by their fields, of the low 32 bits (review).
        assert_eq!(
            arg(ArgKind::IoctlCmd, 0x1_0000_1234).as_str(),
            "_IOC(_IOC_NONE, 0x12, 0x34, 0)"
        );
        assert_eq!(
            arg(ArgKind::IoctlCmd, 0xc004_5a99).as_str(),
            "_IOC(_IOC_READ|_IOC_WRITE, 0x5a, 0x99, 0x4)"
        );
        assert_eq!(arg(ArgKind::IoctlCmd, 0x5409).as_str(), "TCSBRK");
        // Every request's kinds read the same in ia32 (ioctl is a twin).
        for &(request, _) in &IOCTLS {
            assert!(ioctl_kinds(request).iter().all(|k| k.is_layout_free()));
        }
        // ia32's 32-bit limits: its own infinity.
        let mut b = Buf::new();
        write_rlimit32(&mut b, 8192 * 1024, u32::MAX).unwrap();
        assert_eq!(b.as_str(), "{rlim_cur=8192*1024, rlim_max=RLIM_INFINITY}");
        let mut b = Buf::new();
        write_timespec(&mut b, 12, 345).unwrap();
        assert_eq!(b.as_str(), "{tv_sec=12, tv_nsec=345}");
        assert!(signature(nr_of("clock_gettime")).is_some_and(|s| s.args[1].is_output()));
        assert!(signature(nr_of("prlimit64"))
            .is_some_and(|s| !s.args[2].is_output() && s.args[3].is_output()));
    }

    #[test]
    fn restart_codes_as_strace_shows_them() {
        assert_eq!(
            result(nr_of("read"), -512).as_str(),
            " = ? ERESTARTSYS (To be restarted if SA_RESTART is set)"
        );
        assert_eq!(
            result(nr_of("nanosleep"), -516).as_str(),
            " = ? ERESTART_RESTARTBLOCK (Interrupted by signal)"
        );
        assert_eq!(
            result(nr_of("read"), -517).as_str(),
            " = -1 Unknown error 517"
        );
    }

    #[test]
    fn envp_as_strace_shows_it() {
        let mut b = Buf::new();
        write_envp(&mut b, 0x7ffd_1f4c_1a28, 5).unwrap();
        assert_eq!(b.as_str(), "0x7ffd1f4c1a28 /* 5 vars */");
        let mut b = Buf::new();
        write_envp(&mut b, 0x1000, 1).unwrap();
        assert_eq!(b.as_str(), "0x1000 /* 1 var */");
        let mut b = Buf::new();
        write_envp(&mut b, 0, 0).unwrap();
        assert_eq!(b.as_str(), "NULL");
        assert_eq!(arg(ArgKind::Argv, 0).as_str(), "NULL");
    }
}

// SPDX-License-Identifier: GPL-2.0

//! The x86_64 syscall table: every call's number, its name, and how strace
//! shows its arguments, declared once.
//!
//! One line per call of `arch/x86/entry/syscalls/syscall_64.tbl` (its
//! `common` and `64` lines), in number order: `name(kinds...)` for a call
//! the strace engine decodes, a bare `name` for one it shows with raw
//! arguments. The number is `__NR_name` from `asm/unistd_64.h`, through
//! bindgen; the name is the identifier. The VM engine's rules name calls
//! through the same table ([`syscall_nr`]).

use super::decode::ArgKind;
use kernel::bindings;
// Only the KUnit suite at the bottom needs the prelude (`#[kunit_tests]`).
#[cfg(CONFIG_UTRACE_KUNIT_TEST)]
use kernel::prelude::*;

/// One syscall of the table.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Syscall {
    /// Its x86_64 number.
    pub(crate) nr: i64,
    /// Its name, as in `syscall_64.tbl`.
    pub(crate) name: &'static str,
    /// How each shown argument is rendered, in order (at most six); `None`
    /// for a call strace shows with raw arguments here.
    pub(crate) args: Option<&'static [ArgKind]>,
}

/// The syscalls strace decodes: a name and the arguments shown.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Signature {
    /// The syscall's name, as in `syscall_64.tbl`.
    pub(crate) name: &'static str,
    /// How each shown argument is rendered, in order (at most six).
    pub(crate) args: &'static [ArgKind],
}

/// Builds [`SYSCALLS`] from one line per call (see the module doc).
macro_rules! syscall_table {
    ($($name:ident $(($($kind:ident),*))?),* $(,)?) => {
        ::kernel::macros::paste! {
            /// Every x86_64 syscall, sorted by number (checked at build time).
            pub(crate) const SYSCALLS: &[Syscall] = &[$(
                Syscall {
                    nr: bindings::[<__NR_ $name>] as i64,
                    name: stringify!($name),
                    args: syscall_table!(@args $(($($kind),*))?),
                },
            )*];
        }
    };
    (@args) => { None };
    (@args ($($kind:ident),*)) => { Some(&[$(ArgKind::$kind),*]) };
}

syscall_table! {
    read(Fd, OutBuf, UInt),
    write(Fd, Buf, UInt),
    open(Path, OpenFlags, Mode),
    close(Fd),
    stat(Path, StatBuf),
    fstat(Fd, StatBuf),
    lstat(Path, StatBuf),
    poll(Ptr, UInt, Int),
    lseek(Fd, Long, Whence),
    mmap(Ptr, UInt, Prot, MmapFlags, Fd, Hex),
    mprotect(Ptr, UInt, Prot),
    munmap(Ptr, UInt),
    brk(Ptr),
    rt_sigaction(Signal, SigactionIn, SigactionOut, UInt),
    rt_sigprocmask(SigprocmaskHow, SigsetIn, SigsetOut, UInt),
    rt_sigreturn(),
    ioctl(Fd, IoctlCmd, Hex),
    pread64(Fd, OutBuf, UInt, Long),
    pwrite64(Fd, Buf, UInt, Long),
    readv(Fd, Ptr, Int),
    writev(Fd, Ptr, Int),
    access(Path, AccessMode),
    pipe(Ptr),
    select(Int, Ptr, Ptr, Ptr, Ptr),
    sched_yield(),
    mremap(Ptr, UInt, UInt, Hex, Ptr),
    msync(Ptr, UInt, Hex),
    mincore,
    madvise(Ptr, UInt, Int),
    shmget,
    shmat,
    shmctl,
    dup(Fd),
    dup2(Fd, Fd),
    pause(),
    nanosleep(TimespecIn, Ptr),
    getitimer(Int, Ptr),
    alarm(UInt),
    setitimer(Int, Ptr, Ptr),
    getpid(),
    sendfile(Fd, Fd, Ptr, UInt),
    socket(Int, Int, Int),
    connect(Fd, Ptr, Int),
    accept(Fd, Ptr, Ptr),
    sendto(Fd, Buf, UInt, Hex, Ptr, Int),
    recvfrom(Fd, Buf, UInt, Hex, Ptr, Ptr),
    sendmsg(Fd, Ptr, Hex),
    recvmsg(Fd, Ptr, Hex),
    shutdown(Fd, Int),
    bind(Fd, Ptr, Int),
    listen(Fd, Int),
    getsockname(Fd, Ptr, Ptr),
    getpeername(Fd, Ptr, Ptr),
    socketpair(Int, Int, Int, Ptr),
    setsockopt(Fd, Int, Int, Ptr, Int),
    getsockopt(Fd, Int, Int, Ptr, Ptr),
    clone(Hex, Ptr, Ptr, Ptr, Hex),
    fork(),
    vfork(),
    execve(Path, Argv, Envp),
    exit(Int),
    wait4(Int, WaitStatusOut, WaitOptions, Ptr),
    kill(Int, Signal),
    uname(Ptr),
    semget,
    semop,
    semctl,
    shmdt,
    msgget,
    msgsnd,
    msgrcv,
    msgctl,
    fcntl(Fd, FcntlCmd, Hex),
    flock(Fd, Int),
    fsync(Fd),
    fdatasync(Fd),
    truncate(Path, Long),
    ftruncate(Fd, Long),
    getdents(Fd, Ptr, UInt),
    getcwd(StrOut, UInt),
    chdir(Path),
    fchdir(Fd),
    rename(Path, Path),
    mkdir(Path, Mode),
    rmdir(Path),
    creat(Path, Mode),
    link(Path, Path),
    unlink(Path),
    symlink(Path, Path),
    readlink(Path, OutBuf, UInt),
    chmod(Path, Mode),
    fchmod(Fd, Mode),
    chown(Path, Int, Int),
    fchown(Fd, Int, Int),
    lchown(Path, Int, Int),
    umask(Mode),
    gettimeofday(Ptr, Ptr),
    getrlimit(Int, Ptr),
    getrusage(Int, Ptr),
    sysinfo(Ptr),
    times(Ptr),
    ptrace(Int, Int, Hex, Hex),
    getuid(),
    syslog,
    getgid(),
    setuid(Int),
    setgid(Int),
    geteuid(),
    getegid(),
    setpgid(Int, Int),
    getppid(),
    getpgrp(),
    setsid(),
    setreuid(Int, Int),
    setregid(Int, Int),
    getgroups(Int, GidsOut),
    setgroups(Int, Ptr),
    setresuid(Int, Int, Int),
    getresuid(Ptr, Ptr, Ptr),
    setresgid(Int, Int, Int),
    getresgid(Ptr, Ptr, Ptr),
    getpgid(Int),
    setfsuid,
    setfsgid,
    getsid(Int),
    capget,
    capset,
    rt_sigpending(Ptr, UInt),
    rt_sigtimedwait,
    rt_sigqueueinfo,
    rt_sigsuspend(Ptr, UInt),
    sigaltstack(Ptr, Ptr),
    utime,
    mknod(Path, Mode, Hex),
    uselib,
    personality,
    ustat,
    statfs(Path, Ptr),
    fstatfs(Fd, Ptr),
    sysfs,
    getpriority(Int, Int),
    setpriority(Int, Int, Int),
    sched_setparam,
    sched_getparam,
    sched_setscheduler,
    sched_getscheduler,
    sched_get_priority_max,
    sched_get_priority_min,
    sched_rr_get_interval,
    mlock,
    munlock,
    mlockall,
    munlockall,
    vhangup,
    modify_ldt,
    pivot_root,
    _sysctl,
    prctl(PrctlOption, Hex, Hex, Hex, Hex),
    arch_prctl(ArchPrctlCode, Hex),
    adjtimex,
    setrlimit(Int, Ptr),
    chroot(Path),
    sync(),
    acct,
    settimeofday,
    mount(Path, Path, Path, Hex, Ptr),
    umount2(Path, Hex),
    swapon,
    swapoff,
    reboot,
    sethostname,
    setdomainname,
    iopl,
    ioperm,
    create_module,
    init_module,
    delete_module,
    get_kernel_syms,
    query_module,
    quotactl,
    nfsservctl,
    getpmsg,
    putpmsg,
    afs_syscall,
    tuxcall,
    security,
    gettid(),
    readahead,
    setxattr,
    lsetxattr,
    fsetxattr,
    getxattr,
    lgetxattr,
    fgetxattr,
    listxattr,
    llistxattr,
    flistxattr,
    removexattr,
    lremovexattr,
    fremovexattr,
    tkill(Int, Signal),
    time(Ptr),
    futex(Ptr, Int, Int, Ptr, Ptr, Int),
    sched_setaffinity(Int, UInt, Ptr),
    sched_getaffinity(Int, UInt, Ptr),
    set_thread_area,
    io_setup,
    io_destroy,
    io_getevents,
    io_submit,
    io_cancel,
    get_thread_area,
    lookup_dcookie,
    epoll_create,
    epoll_ctl_old,
    epoll_wait_old,
    remap_file_pages,
    getdents64(Fd, DirentsOut, UInt),
    set_tid_address(Ptr),
    restart_syscall(),
    semtimedop,
    fadvise64,
    timer_create,
    timer_settime,
    timer_gettime,
    timer_getoverrun,
    timer_delete,
    clock_settime,
    clock_gettime(ClockId, TimespecOut),
    clock_getres(Int, Ptr),
    clock_nanosleep(ClockId, TimerFlags, TimespecIn, Ptr),
    exit_group(Int),
    epoll_wait(Fd, Ptr, Int, Int),
    epoll_ctl(Fd, Int, Fd, Ptr),
    tgkill(Int, Int, Signal),
    utimes,
    vserver,
    mbind,
    set_mempolicy,
    get_mempolicy,
    mq_open,
    mq_unlink,
    mq_timedsend,
    mq_timedreceive,
    mq_notify,
    mq_getsetattr,
    kexec_load,
    waitid(Int, Int, Ptr, Int, Ptr),
    add_key,
    request_key,
    keyctl,
    ioprio_set,
    ioprio_get,
    inotify_init(),
    inotify_add_watch(Fd, Path, Hex),
    inotify_rm_watch,
    migrate_pages,
    openat(DirFd, Path, OpenFlags, Mode),
    mkdirat(DirFd, Path, Mode),
    mknodat(DirFd, Path, Mode, Hex),
    fchownat(DirFd, Path, Int, Int, AtFlags),
    futimesat,
    newfstatat(DirFd, Path, StatBuf, AtFlags),
    unlinkat(DirFd, Path, AtFlags),
    renameat(DirFd, Path, DirFd, Path),
    linkat(DirFd, Path, DirFd, Path, AtFlags),
    symlinkat(Path, DirFd, Path),
    readlinkat(DirFd, Path, OutBuf, UInt),
    fchmodat(DirFd, Path, Mode),
    faccessat(DirFd, Path, AccessMode),
    pselect6(Int, Ptr, Ptr, Ptr, Ptr, Ptr),
    ppoll(Ptr, UInt, Ptr, Ptr, UInt),
    unshare(Hex),
    set_robust_list(Ptr, UInt),
    get_robust_list(Int, Ptr, Ptr),
    splice,
    tee,
    sync_file_range,
    vmsplice,
    move_pages,
    utimensat(DirFd, Path, UtimesIn, AtFlags),
    epoll_pwait(Fd, Ptr, Int, Int, Ptr, UInt),
    signalfd,
    timerfd_create,
    eventfd(UInt),
    fallocate(Fd, Int, Long, Long),
    timerfd_settime,
    timerfd_gettime,
    accept4(Fd, Ptr, Ptr, Hex),
    signalfd4,
    eventfd2(UInt, Hex),
    epoll_create1(Hex),
    dup3(Fd, Fd, FileFlags),
    pipe2(Ptr, FileFlags),
    inotify_init1(Hex),
    preadv,
    pwritev,
    rt_tgsigqueueinfo,
    perf_event_open,
    recvmmsg,
    fanotify_init,
    fanotify_mark,
    prlimit64(Int, Resource, RlimitIn, RlimitOut),
    name_to_handle_at,
    open_by_handle_at,
    clock_adjtime,
    syncfs(Fd),
    sendmmsg,
    setns(Fd, Hex),
    getcpu(Ptr, Ptr, Ptr),
    process_vm_readv,
    process_vm_writev,
    kcmp,
    finit_module,
    sched_setattr,
    sched_getattr,
    renameat2(DirFd, Path, DirFd, Path, Hex),
    seccomp(UInt, Hex, Ptr),
    getrandom(BytesOut, UInt, GrndFlags),
    memfd_create(Path, Hex),
    kexec_file_load,
    bpf,
    execveat(DirFd, Path, Argv, Envp, AtFlags),
    userfaultfd,
    membarrier(Int, Hex, Int),
    mlock2,
    copy_file_range(Fd, Ptr, Fd, Ptr, UInt, Hex),
    preadv2,
    pwritev2,
    pkey_mprotect,
    pkey_alloc,
    pkey_free,
    statx(DirFd, Path, StatxFlags, Hex, Ptr),
    io_pgetevents,
    rseq(Ptr, Hex, Hex, Hex),
    uretprobe,
    uprobe,
    pidfd_send_signal(Fd, Signal, Ptr, Hex),
    io_uring_setup,
    io_uring_enter,
    io_uring_register,
    open_tree,
    move_mount,
    fsopen,
    fsconfig,
    fsmount,
    fspick,
    pidfd_open(Int, Hex),
    clone3(Ptr, UInt),
    close_range(UInt, UInt, Hex),
    openat2(DirFd, Path, Ptr, UInt),
    pidfd_getfd(Fd, Int, Hex),
    faccessat2(DirFd, Path, AccessMode, FaccessatFlags),
    process_madvise,
    epoll_pwait2(Fd, Ptr, Int, Ptr, Ptr, UInt),
    mount_setattr,
    quotactl_fd,
    landlock_create_ruleset,
    landlock_add_rule,
    landlock_restrict_self,
    memfd_secret,
    process_mrelease,
    futex_waitv,
    set_mempolicy_home_node,
    cachestat,
    fchmodat2(DirFd, Path, Mode, AtFlags),
    map_shadow_stack,
    futex_wake,
    futex_wait,
    futex_requeue,
    statmount,
    listmount,
    lsm_get_self_attr,
    lsm_set_self_attr,
    lsm_list_modules,
    mseal,
    setxattrat,
    getxattrat,
    listxattrat,
    removexattrat,
    open_tree_attr,
    file_getattr,
    file_setattr,
    listns,
    rseq_slice_yield,
}

// The lookups index by number: a table out of order is a build error.
// So is a kernel with a call past the table's last (`__NR_syscalls` is one
// past the highest number): a new syscall must be added here.
const _: () = {
    let mut i = 1;
    while i < SYSCALLS.len() {
        assert!(SYSCALLS[i - 1].nr < SYSCALLS[i].nr);
        i += 1;
    }
    assert!(SYSCALLS[SYSCALLS.len() - 1].nr + 1 == bindings::__NR_syscalls as i64);
};

/// The numbers the engines name in their code, from `asm/unistd_64.h`.
pub(crate) mod nr {
    use kernel::bindings;

    /// `write`.
    pub(crate) const WRITE: i64 = bindings::__NR_write as i64;
    /// `open`.
    pub(crate) const OPEN: i64 = bindings::__NR_open as i64;
    /// `mmap`.
    pub(crate) const MMAP: i64 = bindings::__NR_mmap as i64;
    /// `brk`.
    pub(crate) const BRK: i64 = bindings::__NR_brk as i64;
    /// `rt_sigreturn`.
    pub(crate) const RT_SIGRETURN: i64 = bindings::__NR_rt_sigreturn as i64;
    /// `mremap`.
    pub(crate) const MREMAP: i64 = bindings::__NR_mremap as i64;
    /// `shmat`.
    pub(crate) const SHMAT: i64 = bindings::__NR_shmat as i64;
    /// `clone`.
    pub(crate) const CLONE: i64 = bindings::__NR_clone as i64;
    /// `execve`.
    pub(crate) const EXECVE: i64 = bindings::__NR_execve as i64;
    /// `exit`.
    pub(crate) const EXIT: i64 = bindings::__NR_exit as i64;
    /// `uname`.
    pub(crate) const UNAME: i64 = bindings::__NR_uname as i64;
    /// `fcntl`.
    pub(crate) const FCNTL: i64 = bindings::__NR_fcntl as i64;
    /// `umask`.
    pub(crate) const UMASK: i64 = bindings::__NR_umask as i64;
    /// `prctl`.
    pub(crate) const PRCTL: i64 = bindings::__NR_prctl as i64;
    /// `exit_group`.
    pub(crate) const EXIT_GROUP: i64 = bindings::__NR_exit_group as i64;
    /// `openat`.
    pub(crate) const OPENAT: i64 = bindings::__NR_openat as i64;
    /// `execveat`.
    pub(crate) const EXECVEAT: i64 = bindings::__NR_execveat as i64;
}

/// One past the highest syscall number (the build checks it against the
/// table's last entry, above).
const NR_SYSCALLS: usize = bindings::__NR_syscalls as usize;

/// Marks a number of [`BY_NR`] that is no syscall of the table.
const NO_SYSCALL: u16 = u16::MAX;

/// [`SYSCALLS`]' index of each number: the strace engine looks calls up
/// several times per syscall, in the traced task, so a lookup is one load
/// (a binary search over the table was 4% of a traced getpid's time).
static BY_NR: [u16; NR_SYSCALLS] = {
    let mut by_nr = [NO_SYSCALL; NR_SYSCALLS];
    let mut i = 0;
    while i < SYSCALLS.len() {
        // In range: the numbers are sorted and the last is below
        // `NR_SYSCALLS` (the assertions above); the index fits (the
        // assertion below).
        by_nr[SYSCALLS[i].nr as usize] = i as u16;
        i += 1;
    }
    by_nr
};
const _: () = assert!(SYSCALLS.len() < NO_SYSCALL as usize);

/// The table's entry for `nr`, if it is an x86_64 syscall.
pub(crate) fn syscall(nr: i64) -> Option<&'static Syscall> {
    let i = *BY_NR.get(usize::try_from(nr).ok()?)?;
    SYSCALLS.get(usize::from(i))
}

/// x86_64 only: the signature of syscall `nr`, or `None` if it is not a
/// syscall or strace shows it with raw arguments here.
pub(crate) fn signature(nr: i64) -> Option<Signature> {
    let s = syscall(nr)?;
    Some(Signature {
        name: s.name,
        args: s.args?,
    })
}

/// x86_64 syscall name for every number in `syscall_64.tbl` (`common` and
/// `64` lines), `None` otherwise.
pub(crate) fn syscall_name(nr: i64) -> Option<&'static str> {
    syscall(nr).map(|s| s.name)
}

/// The x86_64 number of a syscall by name (`"getuid"` -> 102).
pub(crate) fn syscall_nr(name: &str) -> Option<i64> {
    SYSCALLS.iter().find(|s| s.name == name).map(|s| s.nr)
}

#[cfg(CONFIG_UTRACE_KUNIT_TEST)]
#[kunit_tests(utrace_syscall_table)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers() {
        assert_eq!(syscall_name(0), Some("read"));
        assert_eq!(syscall_name(102), Some("getuid"));
        assert_eq!(syscall_name(231), Some("exit_group"));
        assert_eq!(syscall_name(334), Some("rseq"));
        assert_eq!(syscall_name(424), Some("pidfd_send_signal"));
        assert_eq!(syscall_name(471), Some("rseq_slice_yield"));
        // Holes in the numbering, and numbers no call has.
        assert_eq!(syscall_name(400), None);
        assert_eq!(syscall_name(512), None);
        assert_eq!(syscall_name(-1), None);
        assert_eq!(syscall_name(i64::MAX), None);
        assert_eq!(syscall_nr("getuid"), Some(102));
        assert_eq!(syscall_nr("read"), Some(0));
        assert_eq!(syscall_nr("openat"), Some(257));
        assert_eq!(syscall_nr("rseq_slice_yield"), Some(471));
        assert_eq!(syscall_nr("nosuchcall"), None);
        assert_eq!(syscall_nr(""), None);
        assert_eq!(syscall_nr("GETUID"), None);
    }

    #[test]
    fn the_table_is_whole_and_consistent() {
        // Every `common` and `64` line of syscall_64.tbl, each once.
        assert_eq!(SYSCALLS.len(), 385);
        assert!(SYSCALLS
            .iter()
            .all(|s| syscall_nr(s.name) == Some(s.nr) && syscall_name(s.nr) == Some(s.name)));
        assert!(SYSCALLS.iter().all(|s| s.args.is_none_or(|a| a.len() <= 6)));
        assert!(SYSCALLS.iter().filter(|s| s.args.is_some()).count() >= 70);
        // The numbers the engines name are the calls they mean.
        assert_eq!(syscall_name(nr::WRITE), Some("write"));
        assert_eq!(syscall_name(nr::UNAME), Some("uname"));
        assert_eq!(syscall_name(nr::EXECVE), Some("execve"));
        assert_eq!(syscall_name(nr::EXECVEAT), Some("execveat"));
        assert_eq!(syscall_name(nr::CLONE), Some("clone"));
        assert_eq!(syscall_name(nr::RT_SIGRETURN), Some("rt_sigreturn"));
        assert_eq!(syscall_name(nr::PRCTL), Some("prctl"));
    }

    #[test]
    fn every_call_is_found_by_its_number() {
        for s in SYSCALLS {
            assert_eq!(syscall(s.nr).map(|found| found.name), Some(s.name));
        }
        // Every other number below the end is a hole.
        let holes = (0..NR_SYSCALLS as i64)
            .filter(|&n| syscall(n).is_none())
            .count();
        assert_eq!(holes, NR_SYSCALLS - SYSCALLS.len());
        assert!(syscall(NR_SYSCALLS as i64).is_none());
    }

    #[test]
    fn signatures_only_for_decoded_calls() {
        assert_eq!(signature(102).map(|s| s.name), Some("getuid"));
        assert_eq!(signature(102).map(|s| s.args.len()), Some(0));
        // A call in the table that strace shows raw here has no signature.
        let raw = SYSCALLS.iter().find(|s| s.args.is_none());
        assert!(raw.is_some_and(|s| signature(s.nr).is_none() && syscall_name(s.nr).is_some()));
        assert!(signature(400).is_none());
        assert!(signature(-1).is_none());
    }
}

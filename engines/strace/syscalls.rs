// SPDX-License-Identifier: GPL-2.0

//! The syscall tables, one per ABI: every call's number, its name, and how
//! strace shows its arguments, each declared once by [`syscall_table!`].
//!
//! - the native one ([`SYSCALLS`]): one line per call of
//!   `arch/x86/entry/syscalls/syscall_64.tbl` (its `common` and `64`
//!   lines), numbers `__NR_name` from the kernel's `asm/unistd.h`. arm64's
//!   calls (`scripts/syscall.tbl`'s 64-bit ones) are x86_64's but the old
//!   forms `openat` and the like replaced; those x86_64 alone has are marked
//!   `#[cfg(CONFIG_X86_64)]`, so that on arm64 the same declaration, with
//!   arm64's numbers, is arm64's table;
//! - ia32 ([`SYSCALLS_IA32`]): one line per call of `syscall_32.tbl`, the
//!   calls of 32-bit programs and of `int $0x80` on a 64-bit kernel,
//!   numbers `__NR_ia32_name` from `asm/unistd_32_ia32.h`.
//!
//! In x86_64's number order: `name(kinds...)` for a call the strace engine
//! decodes, a bare `name` for one it shows with raw arguments. The numbers
//! come through bindgen; the name is the identifier. The VM engine's rules
//! name calls, and find them in each ABI's table by name ([`Abi::nr_of`]);
//! the `Path` kinds say which argument its `redirect` rewrites.
//!
//! The ia32 table declares only kinds whose rendering does not depend on
//! the ABI's layouts ([`ArgKind::is_abi_neutral`], checked at build time),
//! or names a native twin, `read(=)`, `clock_gettime64(= clock_gettime)`:
//! a call taking the same arguments laid out the same
//! ([`ArgKind::is_layout_free`], checked too), decoded as that native call,
//! entry and exit, buffers and results included. Its other calls' buffers,
//! structures and pointer arrays are shown as addresses.

use super::decode::ArgKind;
use kernel::bindings;
// Only the KUnit suite at the bottom needs the prelude (`#[kunit_tests]`).
#[cfg(CONFIG_UTRACE_KUNIT_TEST)]
use kernel::prelude::*;

/// One syscall of the table.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Syscall {
    /// Its number in its table's ABI.
    pub(crate) nr: i64,
    /// Its name, as in its ABI's `syscall_*.tbl`.
    pub(crate) name: &'static str,
    /// How each shown argument is rendered, in order (at most six); `None`
    /// for a call strace shows with raw arguments here.
    pub(crate) args: Option<&'static [ArgKind]>,
    /// In another ABI's table, the native call this one is decoded as: one
    /// that takes the same arguments with the same meaning, none of them
    /// laid out otherwise ([`ArgKind::is_layout_free`]), such as ia32's
    /// `read` (native `read`) or `clock_gettime64` (native
    /// `clock_gettime`). `args` are then the native call's.
    pub(crate) twin: Option<i64>,
}

/// The syscalls strace decodes: a name and the arguments shown.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Signature {
    /// The syscall's name, as in `syscall_64.tbl`.
    pub(crate) name: &'static str,
    /// How each shown argument is rendered, in order (at most six).
    pub(crate) args: &'static [ArgKind],
}

/// Builds a table from one line per call (see the module doc): `$table`
/// is its name, `$prefix` the prefix of its numbers' names in the
/// bindings. In another ABI's table, `name(=)` declares a call decoded as
/// the native call of the same name, `name(= native)` as `native`
/// ([`Syscall::twin`]).
macro_rules! syscall_table {
    (
        $(#[$doc:meta])* $table:ident, $prefix:ident,
        { $($(#[$attr:meta])* $name:ident $(($($spec:tt)*))?),* $(,)? }
    ) => {
        ::kernel::macros::paste! {
            $(#[$doc])*
            pub(crate) const $table: &[Syscall] = &[$(
                $(#[$attr])*
                Syscall {
                    nr: bindings::[<$prefix $name>] as i64,
                    name: stringify!($name),
                    args: syscall_table!(@args $name $(($($spec)*))?),
                    twin: syscall_table!(@twin $name $(($($spec)*))?),
                },
            )*];
        }
    };
    (@args $name:ident) => { None };
    (@args $name:ident (= $($native:ident)?)) => {
        native_args(syscall_table!(@twin $name (= $($native)?)))
    };
    (@args $name:ident ($($kind:ident),*)) => { Some(&[$(ArgKind::$kind),*]) };
    (@twin $name:ident (=)) => {
        ::kernel::macros::paste! { Some(bindings::[<__NR_ $name>] as i64) }
    };
    (@twin $name:ident (= $native:ident)) => {
        ::kernel::macros::paste! { Some(bindings::[<__NR_ $native>] as i64) }
    };
    (@twin $name:ident $($rest:tt)*) => { None };
}

/// The native table's arguments of its call `twin` (a build error if it has
/// none: a twin is a call the native table decodes).
#[cfg(CONFIG_X86_64)]
const fn native_args(twin: Option<i64>) -> Option<&'static [ArgKind]> {
    let Some(nr) = twin else {
        panic!("no twin");
    };
    let mut i = 0;
    while i < SYSCALLS.len() {
        if SYSCALLS[i].nr == nr {
            assert!(SYSCALLS[i].args.is_some());
            return SYSCALLS[i].args;
        }
        i += 1;
    }
    panic!("the twin is no native call");
}

syscall_table! {
    /// Every x86_64 syscall, sorted by number (checked at build time on
    /// x86_64), and every arm64 one.
    SYSCALLS, __NR_, {
    read(Fd, OutBuf, UInt),
    write(Fd, Buf, UInt),
    #[cfg(CONFIG_X86_64)] open(Path, OpenFlags, Mode),
    close(Fd),
    #[cfg(CONFIG_X86_64)] stat(Path, StatBuf),
    fstat(Fd, StatBuf),
    #[cfg(CONFIG_X86_64)] lstat(Path, StatBuf),
    #[cfg(CONFIG_X86_64)] poll(Ptr, UInt, Int),
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
    readv(Fd, IovOut, Int),
    writev(Fd, IovIn, Int),
    #[cfg(CONFIG_X86_64)] access(Path, AccessMode),
    #[cfg(CONFIG_X86_64)] pipe(FdPairOut),
    #[cfg(CONFIG_X86_64)] select(Int, Ptr, Ptr, Ptr, Ptr),
    sched_yield(),
    mremap(Ptr, UInt, UInt, Hex, Ptr),
    msync(Ptr, UInt, Hex),
    mincore,
    madvise(Ptr, UInt, Int),
    shmget,
    shmat,
    shmctl,
    dup(Fd),
    #[cfg(CONFIG_X86_64)] dup2(Fd, Fd),
    #[cfg(CONFIG_X86_64)] pause(),
    nanosleep(TimespecIn, Ptr),
    getitimer(Int, Ptr),
    #[cfg(CONFIG_X86_64)] alarm(UInt),
    setitimer(Int, Ptr, Ptr),
    getpid(),
    sendfile(Fd, Fd, Ptr, UInt),
    socket(SockFamily, SockType, SockProtocol),
    connect(Fd, SockaddrIn, Int),
    accept(Fd, SockaddrOut, SockLenInOut),
    sendto(Fd, Buf, UInt, MsgFlags, SockaddrIn, Int),
    recvfrom(Fd, OutBuf, UInt, MsgFlags, SockaddrOut, SockLenInOut),
    sendmsg(Fd, MsghdrIn, MsgFlags),
    recvmsg(Fd, MsghdrOut, MsgFlags),
    shutdown(Fd, ShutdownHow),
    bind(Fd, SockaddrIn, Int),
    listen(Fd, Int),
    getsockname(Fd, SockaddrOut, SockLenInOut),
    getpeername(Fd, SockaddrOut, SockLenInOut),
    socketpair(SockFamily, SockType, Int, FdPairOut),
    setsockopt(Fd, SockLevel, SockOption, SockoptIn, Int),
    getsockopt(Fd, SockLevel, SockOption, SockoptOut, SockLenInOut),
    clone(Hex, Ptr, Ptr, Ptr, Hex),
    #[cfg(CONFIG_X86_64)] fork(),
    #[cfg(CONFIG_X86_64)] vfork(),
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
    #[cfg(CONFIG_X86_64)] getdents(Fd, Ptr, UInt),
    getcwd(StrOut, UInt),
    chdir(Path),
    fchdir(Fd),
    #[cfg(CONFIG_X86_64)] rename(Path, Path),
    #[cfg(CONFIG_X86_64)] mkdir(Path, Mode),
    #[cfg(CONFIG_X86_64)] rmdir(Path),
    #[cfg(CONFIG_X86_64)] creat(Path, Mode),
    #[cfg(CONFIG_X86_64)] link(Path, Path),
    #[cfg(CONFIG_X86_64)] unlink(Path),
    #[cfg(CONFIG_X86_64)] symlink(Path, Path),
    #[cfg(CONFIG_X86_64)] readlink(Path, OutBuf, UInt),
    #[cfg(CONFIG_X86_64)] chmod(Path, Mode),
    fchmod(Fd, Mode),
    #[cfg(CONFIG_X86_64)] chown(Path, Int, Int),
    fchown(Fd, Int, Int),
    #[cfg(CONFIG_X86_64)] lchown(Path, Int, Int),
    umask(Mode),
    gettimeofday(Ptr, Ptr),
    getrlimit(Resource, RlimitOut),
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
    #[cfg(CONFIG_X86_64)] getpgrp(),
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
    #[cfg(CONFIG_X86_64)] utime,
    #[cfg(CONFIG_X86_64)] mknod(Path, Mode, Hex),
    #[cfg(CONFIG_X86_64)] uselib,
    personality,
    #[cfg(CONFIG_X86_64)] ustat,
    statfs(Path, Ptr),
    fstatfs(Fd, Ptr),
    #[cfg(CONFIG_X86_64)] sysfs,
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
    #[cfg(CONFIG_X86_64)] modify_ldt,
    pivot_root,
    #[cfg(CONFIG_X86_64)] _sysctl,
    prctl(PrctlOption, Hex, Hex, Hex, Hex),
    #[cfg(CONFIG_X86_64)] arch_prctl(ArchPrctlCode, Hex),
    adjtimex,
    setrlimit(Resource, RlimitIn),
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
    #[cfg(CONFIG_X86_64)] iopl,
    #[cfg(CONFIG_X86_64)] ioperm,
    #[cfg(CONFIG_X86_64)] create_module,
    init_module,
    delete_module,
    #[cfg(CONFIG_X86_64)] get_kernel_syms,
    #[cfg(CONFIG_X86_64)] query_module,
    quotactl,
    nfsservctl,
    #[cfg(CONFIG_X86_64)] getpmsg,
    #[cfg(CONFIG_X86_64)] putpmsg,
    #[cfg(CONFIG_X86_64)] afs_syscall,
    #[cfg(CONFIG_X86_64)] tuxcall,
    #[cfg(CONFIG_X86_64)] security,
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
    #[cfg(CONFIG_X86_64)] time(Ptr),
    futex(Ptr, Int, Int, Ptr, Ptr, Int),
    sched_setaffinity(Int, UInt, Ptr),
    sched_getaffinity(Int, UInt, Ptr),
    #[cfg(CONFIG_X86_64)] set_thread_area,
    io_setup,
    io_destroy,
    io_getevents,
    io_submit,
    io_cancel,
    #[cfg(CONFIG_X86_64)] get_thread_area,
    lookup_dcookie,
    #[cfg(CONFIG_X86_64)] epoll_create,
    #[cfg(CONFIG_X86_64)] epoll_ctl_old,
    #[cfg(CONFIG_X86_64)] epoll_wait_old,
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
    #[cfg(CONFIG_X86_64)] epoll_wait(Fd, Ptr, Int, Int),
    epoll_ctl(Fd, Int, Fd, Ptr),
    tgkill(Int, Int, Signal),
    #[cfg(CONFIG_X86_64)] utimes,
    #[cfg(CONFIG_X86_64)] vserver,
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
    #[cfg(CONFIG_X86_64)] inotify_init(),
    inotify_add_watch(Fd, Path, Hex),
    inotify_rm_watch,
    migrate_pages,
    openat(DirFd, Path, OpenFlags, Mode),
    mkdirat(DirFd, Path, Mode),
    mknodat(DirFd, Path, Mode, Hex),
    fchownat(DirFd, Path, Int, Int, AtFlags),
    #[cfg(CONFIG_X86_64)] futimesat,
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
    #[cfg(CONFIG_X86_64)] signalfd,
    timerfd_create,
    #[cfg(CONFIG_X86_64)] eventfd(UInt),
    fallocate(Fd, Int, Long, Long),
    timerfd_settime,
    timerfd_gettime,
    accept4(Fd, SockaddrOut, SockLenInOut, SockFlags),
    signalfd4,
    eventfd2(UInt, Hex),
    epoll_create1(Hex),
    dup3(Fd, Fd, FileFlags),
    pipe2(FdPairOut, FileFlags),
    inotify_init1(Hex),
    preadv(Fd, IovOut, Int, Long),
    pwritev(Fd, IovIn, Int, Long),
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
    statx(DirFd, Path, StatxFlags, StatxMask, StatxBuf),
    io_pgetevents,
    rseq(Ptr, Hex, Hex, Hex),
    #[cfg(CONFIG_X86_64)] uretprobe,
    #[cfg(CONFIG_X86_64)] uprobe,
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
}}

#[cfg(CONFIG_X86_64)]
syscall_table! {
    /// Every ia32 syscall but `break`, sorted by number (checked at build
    /// time).
    SYSCALLS_IA32, __NR_ia32_, {
    restart_syscall(),
    exit(Int),
    fork(),
    read(=),
    write(=),
    open(=),
    close(Fd),
    waitpid,
    creat(Path, Mode),
    link(Path, Path),
    unlink(Path),
    execve(Path, Argv32, Envp32),
    chdir(Path),
    time,
    mknod,
    chmod(Path, Mode),
    lchown,
    // 17 `break`: never implemented, and a Rust keyword.
    oldstat(Path, Ptr),
    lseek(Fd, Int, Whence),
    getpid(),
    mount,
    umount,
    setuid(Uid16),
    getuid(),
    stime,
    ptrace,
    alarm(UInt),
    oldfstat,
    pause(),
    utime,
    stty,
    gtty,
    access(Path, AccessMode),
    nice,
    ftime,
    sync(),
    kill(Int, Signal),
    rename(Path, Path),
    mkdir(Path, Mode),
    rmdir(Path),
    dup(Fd),
    pipe(=),
    times,
    prof,
    brk(=),
    setgid(Uid16),
    getgid(),
    signal,
    geteuid(),
    getegid(),
    acct,
    umount2,
    lock,
    ioctl(=),
    fcntl(Fd, FcntlCmd64, Hex),
    mpx,
    setpgid(Int, Int),
    ulimit,
    oldolduname,
    umask(=),
    chroot(Path),
    ustat,
    dup2(Fd, Fd),
    getppid(),
    getpgrp(),
    setsid(),
    sigaction,
    sgetmask,
    ssetmask,
    setreuid,
    setregid,
    sigsuspend,
    sigpending,
    sethostname,
    setrlimit,
    getrlimit(Resource, Rlimit32Out),
    getrusage,
    gettimeofday,
    settimeofday,
    getgroups,
    setgroups,
    select,
    symlink(Path, Path),
    oldlstat(Path, Ptr),
    readlink(=),
    uselib,
    swapon,
    reboot,
    readdir,
    mmap,
    munmap(Ptr, UInt),
    truncate(Path, Int),
    ftruncate(Fd, Int),
    fchmod(Fd, Mode),
    fchown,
    getpriority(Int, Int),
    setpriority,
    profil,
    statfs,
    fstatfs,
    ioperm,
    socketcall,
    syslog,
    setitimer,
    getitimer,
    stat(Path, Ptr),
    lstat(Path, Ptr),
    fstat,
    olduname,
    iopl,
    vhangup,
    idle,
    vm86old,
    wait4(=),
    swapoff,
    sysinfo,
    ipc,
    fsync(Fd),
    sigreturn,
    clone,
    setdomainname,
    uname(=),
    modify_ldt,
    adjtimex,
    mprotect(Ptr, UInt, Prot),
    sigprocmask,
    create_module,
    init_module,
    delete_module,
    get_kernel_syms,
    quotactl,
    getpgid(Int),
    fchdir(Fd),
    bdflush,
    sysfs,
    personality,
    afs_syscall,
    setfsuid,
    setfsgid,
    _llseek,
    getdents,
    _newselect,
    flock(Fd, Int),
    msync,
    readv(Fd, Iov32Out, UInt),
    writev(Fd, Iov32In, UInt),
    getsid(Int),
    fdatasync(Fd),
    _sysctl,
    mlock,
    munlock,
    mlockall,
    munlockall,
    sched_setparam,
    sched_getparam,
    sched_setscheduler,
    sched_getscheduler,
    sched_yield(),
    sched_get_priority_max,
    sched_get_priority_min,
    sched_rr_get_interval,
    nanosleep(Timespec32In, Ptr),
    mremap,
    setresuid,
    getresuid,
    vm86,
    query_module,
    poll,
    nfsservctl,
    setresgid,
    getresgid,
    prctl(=),
    rt_sigreturn,
    rt_sigaction(Signal, Sigaction32In, Sigaction32Out, UInt),
    rt_sigprocmask(=),
    rt_sigpending,
    rt_sigtimedwait,
    rt_sigqueueinfo,
    rt_sigsuspend,
    pread64,
    pwrite64,
    chown,
    getcwd(=),
    capget,
    capset,
    sigaltstack,
    sendfile,
    getpmsg,
    putpmsg,
    vfork(),
    ugetrlimit(Resource, Rlimit32Out),
    mmap2(Ptr, UInt, Prot, MmapFlags, Fd, Hex),
    truncate64,
    ftruncate64,
    stat64(Path, Stat64Buf),
    lstat64(Path, Stat64Buf),
    fstat64(Fd, Stat64Buf),
    lchown32,
    getuid32(),
    getgid32(),
    geteuid32(),
    getegid32(),
    setreuid32,
    setregid32,
    getgroups32(= getgroups),
    setgroups32,
    fchown32,
    setresuid32,
    getresuid32,
    setresgid32,
    getresgid32,
    chown32,
    setuid32(Int),
    setgid32(Int),
    setfsuid32,
    setfsgid32,
    pivot_root,
    mincore,
    madvise(Ptr, UInt, Int),
    getdents64(=),
    fcntl64(Fd, FcntlCmd64, Hex),
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
    sendfile64,
    futex,
    sched_setaffinity,
    sched_getaffinity,
    set_thread_area,
    get_thread_area,
    io_setup,
    io_destroy,
    io_getevents,
    io_submit,
    io_cancel,
    fadvise64,
    exit_group(Int),
    lookup_dcookie,
    epoll_create,
    epoll_ctl,
    epoll_wait,
    remap_file_pages,
    set_tid_address(Ptr),
    timer_create,
    timer_settime,
    timer_gettime,
    timer_getoverrun,
    timer_delete,
    clock_settime,
    clock_gettime(ClockId, Timespec32Out),
    clock_getres,
    clock_nanosleep(ClockId, TimerFlags, Timespec32In, Ptr),
    statfs64,
    fstatfs64,
    tgkill(Int, Int, Signal),
    utimes,
    fadvise64_64,
    vserver,
    mbind,
    get_mempolicy,
    set_mempolicy,
    mq_open,
    mq_unlink,
    mq_timedsend,
    mq_timedreceive,
    mq_notify,
    mq_getsetattr,
    kexec_load,
    waitid,
    add_key,
    request_key,
    keyctl,
    ioprio_set,
    ioprio_get,
    inotify_init,
    inotify_add_watch,
    inotify_rm_watch,
    migrate_pages,
    openat(=),
    mkdirat(DirFd, Path, Mode),
    mknodat,
    fchownat,
    futimesat,
    fstatat64(DirFd, Path, Stat64Buf, AtFlags),
    unlinkat(DirFd, Path, Hex),
    renameat(DirFd, Path, DirFd, Path),
    linkat(DirFd, Path, DirFd, Path, AtFlags),
    symlinkat(Path, DirFd, Path),
    readlinkat(=),
    fchmodat(DirFd, Path, Mode),
    faccessat(DirFd, Path, AccessMode),
    pselect6,
    ppoll,
    unshare,
    set_robust_list,
    get_robust_list,
    splice,
    sync_file_range,
    tee,
    vmsplice,
    move_pages,
    getcpu,
    epoll_pwait,
    utimensat,
    signalfd,
    timerfd_create,
    eventfd,
    fallocate,
    timerfd_settime,
    timerfd_gettime,
    signalfd4,
    eventfd2,
    epoll_create1,
    dup3(Fd, Fd, FileFlags),
    pipe2(=),
    inotify_init1,
    preadv,
    pwritev,
    rt_tgsigqueueinfo,
    perf_event_open,
    recvmmsg,
    fanotify_init,
    fanotify_mark,
    prlimit64(=),
    name_to_handle_at,
    open_by_handle_at,
    clock_adjtime,
    syncfs,
    sendmmsg,
    setns,
    process_vm_readv,
    process_vm_writev,
    kcmp,
    finit_module,
    sched_setattr,
    sched_getattr,
    renameat2,
    seccomp,
    getrandom(=),
    memfd_create,
    bpf,
    execveat(DirFd, Path, Argv32, Envp32, AtFlags),
    socket(=),
    socketpair(=),
    bind(=),
    connect(=),
    listen(=),
    accept4(=),
    getsockopt(=),
    setsockopt(=),
    getsockname(=),
    getpeername(=),
    sendto(=),
    sendmsg,
    recvfrom(=),
    recvmsg,
    shutdown(=),
    userfaultfd,
    membarrier,
    mlock2,
    copy_file_range,
    preadv2,
    pwritev2,
    pkey_mprotect,
    pkey_alloc,
    pkey_free,
    statx(=),
    arch_prctl,
    io_pgetevents,
    rseq,
    semget,
    semctl,
    shmget,
    shmctl,
    shmat,
    shmdt,
    msgget,
    msgsnd,
    msgrcv,
    msgctl,
    clock_gettime64(= clock_gettime),
    clock_settime64,
    clock_adjtime64,
    clock_getres_time64,
    clock_nanosleep_time64(= clock_nanosleep),
    timer_gettime64,
    timer_settime64,
    timerfd_gettime64,
    timerfd_settime64,
    utimensat_time64(= utimensat),
    pselect6_time64,
    ppoll_time64,
    io_pgetevents_time64,
    recvmmsg_time64,
    mq_timedsend_time64,
    mq_timedreceive_time64,
    semtimedop_time64,
    rt_sigtimedwait_time64,
    futex_time64,
    sched_rr_get_interval_time64,
    pidfd_send_signal,
    io_uring_setup,
    io_uring_enter,
    io_uring_register,
    open_tree,
    move_mount,
    fsopen,
    fsconfig,
    fsmount,
    fspick,
    pidfd_open,
    clone3,
    close_range(Fd, Fd, Hex),
    openat2(DirFd, Path, Ptr, UInt),
    pidfd_getfd,
    faccessat2(=),
    process_madvise,
    epoll_pwait2,
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
    fchmodat2,
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
}}

/// Checks a table at build time: a table out of order is a build error
/// where its ABI's numbers follow the declaration's order (`sorted`: x86's
/// tables), and so is a kernel with a call past the table's highest (`end`
/// is one past the highest number: a new syscall must be added here); one
/// number twice fails [`by_nr`], which indexes every table. `foreign` is set for another ABI's table (ia32's, the
/// only one): its kinds must be ABI-neutral or in ia32's layouts, those of
/// a call decoded as its native twin layout-free, and the twin none whose
/// decoding reads more than its arguments (`clone`'s order,
/// `rt_sigreturn`'s frame). The native table names no twin and no kind
/// in ia32's layouts.
const fn check_table(table: &[Syscall], end: i64, sorted: bool, foreign: bool) {
    let mut highest = -1;
    let mut i = 0;
    while i < table.len() {
        assert!(!sorted || i == 0 || table[i - 1].nr < table[i].nr);
        if table[i].nr > highest {
            highest = table[i].nr;
        }
        let twin = table[i].twin;
        assert!(foreign || twin.is_none());
        if let Some(nr) = twin {
            assert!(nr != nr::CLONE && nr != nr::RT_SIGRETURN);
        }
        assert!(!foreign || widths_fit(table[i]));
        if let Some(kinds) = table[i].args {
            let mut k = 0;
            while k < kinds.len() {
                assert!(match (foreign, twin) {
                    (false, _) => !kinds[k].is_ia32_layout(),
                    (true, Some(_)) => kinds[k].is_layout_free(),
                    (true, None) => kinds[k].is_abi_neutral() || kinds[k].is_ia32_layout(),
                });
                k += 1;
            }
        }
        i += 1;
    }
    assert!(highest + 1 == end);
}
/// Whether `name` ends with `suffix`.
const fn ends_with(name: &str, suffix: &str) -> bool {
    let (name, suffix) = (name.as_bytes(), suffix.as_bytes());
    if name.len() < suffix.len() {
        return false;
    }
    let mut i = 0;
    while i < suffix.len() {
        if name[name.len() - suffix.len() + i] != suffix[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether a 32-bit ABI's call declares a kind whose layout depends on the
/// call ([`ArgKind::is_sized_by_the_call`]) only where its name says which
/// form it takes: a `timespec` or `rlimit` of 64-bit fields, or ia32's
/// `struct stat64`, in a call named `*64` (`clock_gettime64`,
/// `utimensat_time64`, `prlimit64`, `fstatat64`: the 32-bit forms,
/// `clock_gettime`, `utimensat`, `getrlimit`, `stat`, take 32-bit fields);
/// 32-bit group ids in a call named `*32` (`getgroups32`; ia32's
/// `getgroups` takes 16-bit ones). Checked at build time.
const fn widths_fit(call: Syscall) -> bool {
    let Some(kinds) = call.args else {
        return true;
    };
    let mut k = 0;
    while k < kinds.len() {
        let fits = match kinds[k] {
            kind if !kind.is_sized_by_the_call() => true,
            ArgKind::GidsOut => ends_with(call.name, "32"),
            _ => ends_with(call.name, "64"),
        };
        if !fits {
            return false;
        }
        k += 1;
    }
    true
}

const _: () = check_table(
    SYSCALLS,
    bindings::__NR_syscalls as i64,
    cfg!(CONFIG_X86_64),
    false,
);
#[cfg(CONFIG_X86_64)]
const _: () = check_table(
    SYSCALLS_IA32,
    bindings::__NR_ia32_syscalls as i64,
    true,
    true,
);

/// The numbers the engines name in their code, from `asm/unistd_64.h`.
pub(crate) mod nr {
    use kernel::bindings;

    /// `read`.
    pub(crate) const READ: i64 = bindings::__NR_read as i64;
    /// `write`.
    pub(crate) const WRITE: i64 = bindings::__NR_write as i64;
    /// `open` (x86_64 only: arm64 has only `openat`).
    #[cfg(CONFIG_X86_64)]
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
    /// `ioctl`.
    pub(crate) const IOCTL: i64 = bindings::__NR_ioctl as i64;
    /// `getsockopt`.
    pub(crate) const GETSOCKOPT: i64 = bindings::__NR_getsockopt as i64;
    /// `exit_group`.
    pub(crate) const EXIT_GROUP: i64 = bindings::__NR_exit_group as i64;
    /// `openat`.
    pub(crate) const OPENAT: i64 = bindings::__NR_openat as i64;
    /// `execveat`.
    pub(crate) const EXECVEAT: i64 = bindings::__NR_execveat as i64;
}

/// The ia32 numbers [`ForeignAbi`] names, from `asm/unistd_32_ia32.h`.
#[cfg(CONFIG_X86_64)]
mod ia32 {
    use kernel::bindings;

    pub(super) const EXIT: i64 = bindings::__NR_ia32_exit as i64;
    pub(super) const EXECVE: i64 = bindings::__NR_ia32_execve as i64;
    pub(super) const FCNTL: i64 = bindings::__NR_ia32_fcntl as i64;
    pub(super) const FCNTL64: i64 = bindings::__NR_ia32_fcntl64 as i64;
    pub(super) const EXIT_GROUP: i64 = bindings::__NR_ia32_exit_group as i64;
    pub(super) const EXECVEAT: i64 = bindings::__NR_ia32_execveat as i64;
    pub(super) const UNAME: i64 = bindings::__NR_ia32_uname as i64;
    pub(super) const MMAP: i64 = bindings::__NR_ia32_mmap as i64;
    pub(super) const MMAP2: i64 = bindings::__NR_ia32_mmap2 as i64;
}

/// One past the highest syscall number (the build checks it against the
/// table's last entry, above).
const NR_SYSCALLS: usize = bindings::__NR_syscalls as usize;
/// The same for ia32.
#[cfg(CONFIG_X86_64)]
const NR_SYSCALLS_IA32: usize = bindings::__NR_ia32_syscalls as usize;

/// Marks a number of a `by_nr` index that is no syscall of the table.
const NO_SYSCALL: u16 = u16::MAX;

/// `table`'s index of each number below `N`: the strace engine looks calls
/// up several times per syscall, in the traced task, so a lookup is one
/// load (a binary search over the table was 4% of a traced getpid's time).
/// Built at compile time: a number twice in the table fails the build.
const fn by_nr<const N: usize>(table: &[Syscall]) -> [u16; N] {
    assert!(table.len() < NO_SYSCALL as usize);
    let mut by_nr = [NO_SYSCALL; N];
    let mut i = 0;
    while i < table.len() {
        // In range: the numbers are below `N` (`check_table`'s highest);
        // the index fits (the assertion above).
        assert!(by_nr[table[i].nr as usize] == NO_SYSCALL);
        by_nr[table[i].nr as usize] = i as u16;
        i += 1;
    }
    by_nr
}

static BY_NR: [u16; NR_SYSCALLS] = by_nr(SYSCALLS);
#[cfg(CONFIG_X86_64)]
static BY_NR_IA32: [u16; NR_SYSCALLS_IA32] = by_nr(SYSCALLS_IA32);

/// `table`'s entry for `nr`, through its index `by_nr`.
fn lookup(table: &'static [Syscall], by_nr: &[u16], nr: i64) -> Option<&'static Syscall> {
    let i = *by_nr.get(usize::try_from(nr).ok()?)?;
    table.get(usize::from(i))
}

/// The table's entry for `nr`, if it is an x86_64 syscall.
pub(crate) fn syscall(nr: i64) -> Option<&'static Syscall> {
    lookup(SYSCALLS, &BY_NR, nr)
}

/// Whether call `nr` of a call's ABI (native, or `arch` otherwise) is an
/// exec (`execve`, `execveat`): its exit, when it works, comes with the new
/// program's numbers, maybe another ABI's.
pub(crate) fn is_exec(native: bool, arch: u32, nr: i64) -> bool {
    if native {
        matches!(nr, nr::EXECVE | nr::EXECVEAT)
    } else {
        ForeignAbi::of(arch).is_some_and(|abi| abi.is_exec(nr))
    }
}

/// The native call whose result kind shows the result of call `nr` of a
/// call's ABI (native, or `arch` otherwise): itself, or another ABI's call's
/// native twin; -1 (no call: a plain number) for one without a twin.
pub(crate) fn decode_as(native: bool, arch: u32, nr: i64) -> i64 {
    if native {
        nr
    } else {
        ForeignAbi::of(arch)
            .and_then(|abi| abi.twin(nr).or_else(|| abi.result_as(nr)))
            .unwrap_or(-1)
    }
}

/// The table a call's number and arguments are read in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Abi {
    /// The kernel's own: x86_64.
    Native,
    /// Another ABI that has a table here.
    Foreign(ForeignAbi),
}

impl Abi {
    /// The ABI of a call (native or not, and its `AUDIT_ARCH_*` value);
    /// `None` for one without a table here (x32), whose numbers nothing
    /// here describes.
    pub(crate) fn of(native: bool, arch: u32) -> Option<Abi> {
        match native {
            true => Some(Abi::Native),
            false => ForeignAbi::of(arch).map(Abi::Foreign),
        }
    }

    /// The ABI's table.
    pub(crate) fn table(self) -> &'static [Syscall] {
        match self {
            Abi::Native => SYSCALLS,
            #[cfg(CONFIG_X86_64)]
            Abi::Foreign(ForeignAbi::Ia32) => SYSCALLS_IA32,
        }
    }

    /// The number of the ABI's call named `name`, if it has one.
    pub(crate) fn nr_of(self, name: &str) -> Option<i64> {
        self.table().iter().find(|s| s.name == name).map(|s| s.nr)
    }

    /// The number of the ABI's `uname` (`struct new_utsname`).
    pub(crate) fn uname(self) -> i64 {
        match self {
            Abi::Native => nr::UNAME,
            #[cfg(CONFIG_X86_64)]
            Abi::Foreign(ForeignAbi::Ia32) => ia32::UNAME,
        }
    }
}

/// A syscall ABI other than the kernel's own that has a table here.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ForeignAbi {
    /// ia32 on x86_64: 32-bit programs, and `int $0x80` from any.
    #[cfg(CONFIG_X86_64)]
    Ia32,
}

// On arm64 no ABI but the native one has a table: `ForeignAbi` has no
// value, and these methods, which cannot be called, use no argument.
#[cfg_attr(not(CONFIG_X86_64), allow(unused_variables))]
impl ForeignAbi {
    /// The ABI of a call whose arch (its `AUDIT_ARCH_*` value) is `arch`,
    /// if it is not the native one and has a table.
    pub(crate) fn of(arch: u32) -> Option<ForeignAbi> {
        #[cfg(CONFIG_X86_64)]
        if arch == bindings::AUDIT_ARCH_I386 {
            return Some(ForeignAbi::Ia32);
        }
        // arm64's compat ABI (AArch32) has no table yet.
        let _ = arch;
        None
    }

    /// How strace's lines name the ABI: `[ia32] getuid32() = 0`.
    pub(crate) fn label(self) -> &'static str {
        match self {
            #[cfg(CONFIG_X86_64)]
            ForeignAbi::Ia32 => "ia32",
        }
    }

    /// The ABI's entry for `nr`, if it is one of its calls.
    pub(crate) fn syscall(self, nr: i64) -> Option<&'static Syscall> {
        match self {
            #[cfg(CONFIG_X86_64)]
            ForeignAbi::Ia32 => lookup(SYSCALLS_IA32, &BY_NR_IA32, nr),
        }
    }

    /// Whether the ABI's call `nr` is an exec (`execve`, `execveat`): its
    /// exit, when it works, comes with the new program's numbers.
    pub(crate) fn is_exec(self, nr: i64) -> bool {
        match self {
            #[cfg(CONFIG_X86_64)]
            ForeignAbi::Ia32 => matches!(nr, ia32::EXECVE | ia32::EXECVEAT),
        }
    }

    /// The native call the ABI's call `nr` is decoded as, entry and exit,
    /// if it has one ([`Syscall::twin`]).
    pub(crate) fn twin(self, nr: i64) -> Option<i64> {
        self.syscall(nr).and_then(|s| s.twin)
    }

    /// For a call without a [`twin`](Self::twin) whose result is shown as
    /// a native call's: ia32's `mmap2` and `mmap` (its old form, one
    /// pointer to its arguments) return an address, in hex as `mmap`'s.
    pub(crate) fn result_as(self, nr: i64) -> Option<i64> {
        match self {
            #[cfg(CONFIG_X86_64)]
            ForeignAbi::Ia32 => matches!(nr, ia32::MMAP | ia32::MMAP2).then_some(nr::MMAP),
        }
    }

    /// For a call without a [`twin`](Self::twin) whose shown arguments
    /// depend on their values ([`super::decode::shown_args`]: `fcntl`'s
    /// third argument), the x86_64 call that takes its arguments with the
    /// same meaning for that rule.
    pub(crate) fn native_twin(self, nr: i64) -> Option<i64> {
        match self {
            #[cfg(CONFIG_X86_64)]
            ForeignAbi::Ia32 => match nr {
                ia32::FCNTL | ia32::FCNTL64 => Some(nr::FCNTL),
                _ => None,
            },
        }
    }

    /// Whether the ABI's call `nr` never returns when it works (`exit`,
    /// `exit_group`): its line is written at entry, with ` = ?`.
    pub(crate) fn no_return(self, nr: i64) -> bool {
        match self {
            #[cfg(CONFIG_X86_64)]
            ForeignAbi::Ia32 => matches!(nr, ia32::EXIT | ia32::EXIT_GROUP),
        }
    }
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
    Abi::Native.nr_of(name)
}

#[cfg(CONFIG_UTRACE_KUNIT_TEST)]
#[kunit_tests(utrace_syscall_table)]
mod tests {
    use super::*;

    #[cfg(CONFIG_ARM64)]
    #[test]
    fn names_and_numbers_of_arm64() {
        // asm-generic's numbers, x86_64's declaration.
        assert_eq!(syscall_name(63), Some("read"));
        assert_eq!(syscall_name(174), Some("getuid"));
        assert_eq!(syscall_name(102), Some("getitimer"));
        assert_eq!(syscall_name(79), Some("newfstatat"));
        assert_eq!(syscall_name(471), Some("rseq_slice_yield"));
        assert_eq!(syscall_name(472), None);
        assert_eq!(syscall_nr("openat"), Some(56));
        assert_eq!(syscall_nr("uname"), Some(160));
        // The old forms are x86_64's alone.
        assert_eq!(syscall_nr("open"), None);
        assert_eq!(syscall_nr("stat"), None);
        assert_eq!(syscall_nr("arch_prctl"), None);
    }

    #[cfg(CONFIG_X86_64)]
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
        // Every `common` and `64` line of syscall_64.tbl, each once; on
        // arm64, its 327 calls, which are x86_64's but 58.
        assert_eq!(SYSCALLS.len(), if cfg!(CONFIG_X86_64) { 385 } else { 327 });
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

    #[cfg(CONFIG_X86_64)]
    #[test]
    fn the_ia32_table_is_its_own() {
        let ia32 = |nr| ForeignAbi::Ia32.syscall(nr).map(|s| s.name);
        // Every line of syscall_32.tbl but `break` (17), each once.
        assert_eq!(SYSCALLS_IA32.len(), 460);
        assert_eq!(ia32(24), Some("getuid"));
        assert_eq!(ia32(199), Some("getuid32"));
        assert_eq!(ia32(5), Some("open"));
        assert_eq!(ia32(102), Some("socketcall"));
        assert_eq!(ia32(252), Some("exit_group"));
        assert_eq!(ia32(471), Some("rseq_slice_yield"));
        assert_eq!(ia32(17), None);
        assert_eq!(ia32(472), None);
        assert_eq!(ia32(-1), None);
        // The same number is another call in each ABI.
        assert_eq!(syscall_name(24), Some("sched_yield"));
        for s in SYSCALLS_IA32 {
            assert_eq!(ForeignAbi::Ia32.syscall(s.nr).map(|f| f.name), Some(s.name));
            // A call with a twin has the twin's arguments, each laid out
            // the same; the others only ABI-neutral ones or ia32's layouts.
            match s.twin {
                Some(twin) => {
                    assert_eq!(s.args, syscall(twin).and_then(|n| n.args));
                    assert!(s.args.is_some_and(|a| a.iter().all(|k| k.is_layout_free())));
                }
                None => assert!(s.args.is_none_or(|a| {
                    a.len() <= 6 && a.iter().all(|k| k.is_abi_neutral() || k.is_ia32_layout())
                })),
            }
        }
        // Twins: by name, or named; none for a call laid out otherwise.
        let twin = |nr| ForeignAbi::Ia32.twin(nr).and_then(syscall_name);
        assert_eq!(twin(3), Some("read"));
        assert_eq!(twin(403), Some("clock_gettime"));
        assert_eq!(twin(205), Some("getgroups"));
        assert_eq!(twin(265), None);
        assert_eq!(twin(195), None);
        assert_eq!(twin(120), None);
        assert!(SYSCALLS_IA32.iter().filter(|s| s.twin.is_some()).count() >= 30);
        // A kind sized by the call only where the name says its form:
        // ia32's utimensat takes 32-bit times, its getgroups 16-bit ids.
        let ia32_call = |name, args: &'static [ArgKind]| Syscall {
            nr: 0,
            name,
            args: Some(args),
            twin: None,
        };
        let utimes = &[
            ArgKind::DirFd,
            ArgKind::Path,
            ArgKind::UtimesIn,
            ArgKind::AtFlags,
        ];
        let gids = &[ArgKind::Int, ArgKind::GidsOut];
        assert!(!widths_fit(ia32_call("utimensat", utimes)));
        assert!(widths_fit(ia32_call("utimensat_time64", utimes)));
        assert!(!widths_fit(ia32_call("getgroups", gids)));
        assert!(widths_fit(ia32_call("getgroups32", gids)));
        assert!(!widths_fit(ia32_call(
            "stat",
            &[ArgKind::Path, ArgKind::Stat64Buf]
        )));
        assert!(widths_fit(ia32_call(
            "write",
            &[ArgKind::Fd, ArgKind::Buf, ArgKind::UInt]
        )));
        // Results: brk's and umask's through their twins, mmap2's in hex.
        assert_eq!(twin(45), Some("brk"));
        assert_eq!(twin(60), Some("umask"));
        let i386 = bindings::AUDIT_ARCH_I386;
        assert_eq!(decode_as(false, i386, 192), nr::MMAP);
        assert_eq!(decode_as(false, i386, 90), nr::MMAP);
        assert_eq!(decode_as(false, i386, 195), -1);
        assert_eq!(decode_as(false, 0, 3), -1);
        // ia32's layouts are ia32's own; stat64 and execve read in them.
        assert!(SYSCALLS
            .iter()
            .all(|s| s.args.is_none_or(|a| !a.iter().any(|k| k.is_ia32_layout()))));
        let kinds = |nr| ForeignAbi::Ia32.syscall(nr).and_then(|s| s.args);
        assert_eq!(kinds(195), Some(&[ArgKind::Path, ArgKind::Stat64Buf][..]));
        assert!(kinds(11).is_some_and(|a| a[1] == ArgKind::Argv32));
        assert!(SYSCALLS_IA32.iter().filter(|s| s.args.is_some()).count() >= 80);
        assert!(ForeignAbi::Ia32.no_return(1) && ForeignAbi::Ia32.no_return(252));
        assert!(!ForeignAbi::Ia32.no_return(231) && !ForeignAbi::Ia32.no_return(11));
        assert_eq!(
            ForeignAbi::of(bindings::AUDIT_ARCH_I386),
            Some(ForeignAbi::Ia32)
        );
        assert_eq!(ForeignAbi::of(bindings::AUDIT_ARCH_X86_64), None);
    }

    #[test]
    fn signatures_only_for_decoded_calls() {
        let getuid = nr(bindings::__NR_getuid);
        assert_eq!(signature(getuid).map(|s| s.name), Some("getuid"));
        assert_eq!(signature(getuid).map(|s| s.args.len()), Some(0));
        // A call in the table that strace shows raw here has no signature.
        let raw = SYSCALLS.iter().find(|s| s.args.is_none());
        assert!(raw.is_some_and(|s| signature(s.nr).is_none() && syscall_name(s.nr).is_some()));
        assert!(signature(400).is_none());
        assert!(signature(-1).is_none());
    }

    fn nr(n: u32) -> i64 {
        i64::from(n)
    }
}

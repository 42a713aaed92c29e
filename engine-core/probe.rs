// SPDX-License-Identifier: GPL-2.0

//! Breakpoint events: uprobes that report to engines.
//!
//! An engine subscribes, through its handle ([`EngineHandle::probe`]), to an
//! instruction in a file (an offset, as uprobes take it) on one side
//! ([`ProbeKind`]): the instruction itself, or the return from the function
//! it starts. A subscription is for the attachment's task only and lasts
//! until its [`ProbeSubscription`] is dropped; the engine hears of hits
//! while it is attached and asks for [`Events::BREAKPOINT`].
//!
//! # Mechanism
//!
//! A [`Probe`] is one kernel uprobe consumer for one (inode, offset),
//! shared by every subscription to it, whatever the engine or the task; the
//! table of probes is [`PROBES`]. The consumer's
//!
//! - filter puts the breakpoint only in the address spaces of subscribed
//!   tasks (the uprobes core asks it when the probe is registered or
//!   applied, and when the file is mapped, by exec too): other processes
//!   that map the file run untouched;
//! - handler runs in the task that hit the breakpoint. For a subscribed
//!   task it reports the hit to the task's subscribed engines, in attach
//!   order ([`Registry::report_breakpoint`]); another thread of the same
//!   address space goes on unreported and unstopped. It has the kernel
//!   hijack the return address only for a task with a return subscription.
//!
//! Other consumers of the same uprobe (perf, tracefs, BPF) see every hit
//! as well: the uprobes core calls each of them.
//!
//! # Locking and lifetime
//!
//! [`PROBES`], a mutex, serialises subscribing and unsubscribing: the
//! table, each probe's registration, and every change to a probe's
//! subscriber list. The list itself is behind the probe's spinlock, which
//! the handler and the filter take (the filter runs under mmap locks and
//! must not sleep); a writer builds a new list outside it and swaps it in.
//!
//! A probe stays registered while it is in the table. Dropping a
//! [`ProbeSubscription`] takes it out of the probe's list at once (no
//! report from then on) and queues the probe's work item, which, under
//! `PROBES`, takes the breakpoint out of the address spaces no
//! subscription wants any more, or, with none left, takes the probe out
//! of the table, unregisters it, waits for `uprobe_unregister_sync()`,
//! after which no handler of it runs, and only then lets it go: the
//! handler's `container_of` always finds a live probe. A drop takes
//! neither `PROBES` nor waits for handlers: it may come anywhere, in a
//! `report_breakpoint` callback too. Subscribing may wait for handlers (a
//! registration the uprobes core fails syncs, `PROBES` held): not from
//! `report_breakpoint`, which runs in a tasks-trace RCU read section that
//! the wait would deadlock on, nor with a lock held that such a callback
//! takes.
//!
//! [`EngineHandle::probe`]: super::EngineHandle::probe
//! [`Events::BREAKPOINT`]: super::Events::BREAKPOINT
//! [`Registry::report_breakpoint`]: super::registry::Registry::report_breakpoint

use super::policy::check_probe_subscription;
use super::registry::Attachment;
use super::report::{BreakpointReport, ProbeKind, ProbeSite};
use super::task;
use kernel::bindings;
use kernel::error::from_err_ptr;
use kernel::ffi::{c_int, c_ulong};
use kernel::fs::LocalFile;
use kernel::prelude::*;
use kernel::sync::aref::ARef;
use kernel::sync::lock::GlobalGuard;
use kernel::sync::{Arc, GlobalLockedBy, SpinLock};
use kernel::task::Task;
use kernel::types::Opaque;
use kernel::workqueue::{self, impl_has_work, new_work, Work, WorkItem};

kernel::sync::global_lock! {
    // SAFETY: initialised by `probe::init()`, from the module's init,
    // before user space can reach a handle.
    unsafe(uninit) static PROBES: Mutex<KVec<Arc<Probe>>> = KVec::new();
}

/// Initialises the probe table; called once, at boot.
pub(crate) fn init() {
    // SAFETY: called once, from the module's init, before any use.
    unsafe { PROBES.init() };
}

/// One subscription: an attachment's, for its task, to one side of a
/// probe.
#[derive(Clone)]
struct Sub {
    att: Arc<Attachment>,
    task: ARef<Task>,
    kind: ProbeKind,
    /// The address where an engine stopped the task at this probe's entry:
    /// the task hits the breakpoint there again when it goes on, and that
    /// hit is let through unreported (0: none). Only the task sets and
    /// clears it, under `Probe::subs`.
    resume_at: u64,
}

impl Sub {
    fn is(&self, att: &Attachment, kind: ProbeKind) -> bool {
        core::ptr::eq(&*self.att, att) && self.kind == kind
    }
}

/// One kernel uprobe consumer, for one (inode, offset), shared by every
/// subscription to it (module documentation).
///
/// # Invariants
///
/// `path` holds a reference (`path_get`) to the probed file's path, put
/// when the probe is freed; `inode` is its real inode.
/// `consumer` is registered with the kernel from the registration in
/// [`subscribe`] until the probe leaves the table; the probe is freed only
/// after the `uprobe_unregister_sync()` that follows.
#[pin_data(PinnedDrop)]
pub(crate) struct Probe {
    /// The kernel's consumer: its callbacks find the probe by
    /// `container_of`.
    #[pin]
    consumer: Opaque<bindings::uprobe_consumer>,
    site: ProbeSite,
    /// The probed file's path, held (mount and dentry) while the probe
    /// lives: the uprobes core takes no reference.
    #[pin]
    path: Opaque<bindings::path>,
    /// Its inode (the real one under an overlay), alive with `path`.
    inode: *mut bindings::inode,
    /// The kernel's uprobe, once registered.
    uprobe: GlobalLockedBy<*mut bindings::uprobe, PROBES>,
    /// The subscriptions, in no order.
    #[pin]
    subs: SpinLock<KVec<Sub>>,
    /// Brings the breakpoints and the registration in line with the
    /// subscriptions after one is dropped (`PROBES` is not taken by the
    /// drop itself).
    #[pin]
    tidy: Work<Probe>,
}

// SAFETY: the raw pointers are the inode (referenced, shared by design)
// and the kernel's uprobe, which the kernel's API lets any thread use;
// the rest is behind locks or immutable.
unsafe impl Send for Probe {}
// SAFETY: as above: shared access goes through `subs`' lock, `PROBES`, or
// the kernel's own locking.
unsafe impl Sync for Probe {}

impl_has_work! {
    impl HasWork<Self> for Probe { self.tidy }
}

impl WorkItem for Probe {
    type Pointer = Arc<Probe>;

    /// After a subscription was dropped: takes the breakpoint out of the
    /// address spaces no subscription wants any more, or, with none left,
    /// takes the probe out of the table, unregisters it, waits until no
    /// handler of it runs and lets it go.
    fn run(this: Arc<Probe>) {
        let mut table = PROBES.lock();
        let Some(i) = table.iter().position(|p| Arc::ptr_eq(p, &this)) else {
            // Gone already (a tidy queued earlier saw it empty).
            return;
        };
        let uprobe = *this.uprobe.as_ref(&table);
        if !this.subs.lock().is_empty() {
            // On failure the breakpoint stays where it was, and goes at
            // its next hit (the handler answers "remove" where the filter
            // agrees).
            // SAFETY: registered, in the table (type invariant).
            let _ = unsafe { bindings::uprobe_apply(uprobe, this.consumer(), false) };
            return;
        }
        let gone = table.remove(i).ok();
        // SAFETY: registered until now; unregistered once, here, as it
        // leaves the table. Does not wait for handlers.
        unsafe { bindings::uprobe_unregister_nosync(uprobe, this.consumer()) };
        drop(table);
        // No handler of it runs from now on: it may go (the table's
        // reference, and this work's).
        // SAFETY: no precondition; it sleeps, in a work item.
        unsafe { bindings::uprobe_unregister_sync() };
        drop(gone);
    }
}

#[pinned_drop]
impl PinnedDrop for Probe {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: the reference taken in `Probe::new` (type invariant).
        unsafe { bindings::utrace_helper_probe_release(self.path.get()) };
    }
}

impl Probe {
    /// A probe of `site` in `file`, whose probe inode is `inode`, not
    /// registered yet.
    fn new(
        file: &LocalFile,
        inode: *mut bindings::inode,
        site: ProbeSite,
    ) -> impl PinInit<Self, Error> + '_ {
        let consumer = bindings::uprobe_consumer {
            handler: Some(probe_handler),
            ret_handler: Some(probe_ret_handler),
            filter: Some(probe_filter),
            ..Default::default()
        };
        // INVARIANT: the path is taken once every field is in place, so
        // that the probe's drop puts it; the consumer is registered later,
        // by `subscribe`.
        try_pin_init!(Self {
            consumer: Opaque::new(consumer),
            site,
            path: Opaque::uninit(),
            inode,
            uprobe: GlobalLockedBy::new(core::ptr::null_mut()),
            subs <- kernel::new_spinlock!(KVec::new(), "utrace_probe::subs"),
            tidy <- new_work!("utrace_probe::tidy"),
        })
        .pin_chain(move |probe| {
            // SAFETY: `file` is a live file; `path` is ours to fill.
            unsafe { bindings::utrace_helper_probe_hold(file.as_ptr(), probe.path.get()) };
            Ok(())
        })
    }

    /// The probe whose consumer is `uc`.
    ///
    /// # Safety
    ///
    /// `uc` is the `consumer` of a live `Probe`.
    unsafe fn from_consumer<'a>(uc: *mut bindings::uprobe_consumer) -> &'a Probe {
        let uc = uc.cast::<Opaque<bindings::uprobe_consumer>>();
        // SAFETY: per the contract, `uc` is the `consumer` field of a live
        // `Probe` (`Opaque` is transparent), which outlives the callback.
        unsafe { &*kernel::container_of!(uc, Probe, consumer) }
    }

    /// Which sides `task` subscribed to: (entry, return).
    fn sides_of(&self, task: &Task) -> (bool, bool) {
        let subs = self.subs.lock();
        let mut sides = (false, false);
        // A detached engine's subscription, held until dropped, reports
        // nothing and puts no breakpoint anywhere.
        let live = subs
            .iter()
            .filter(|s| s.task.as_ptr() == task.as_ptr() && !s.att.is_detached());
        for s in live {
            match s.kind {
                ProbeKind::Entry => sides.0 = true,
                ProbeKind::Return => sides.1 = true,
            }
        }
        sides
    }

    /// Whether the hit of `task` at `ip` is the one it goes on with after
    /// a stop at this breakpoint; forgets the stop in any case (a task that
    /// was sent elsewhere does not skip a later hit).
    fn take_resume(&self, task: &Task, ip: u64) -> bool {
        let mut subs = self.subs.lock();
        let mut resumed = false;
        for s in subs.iter_mut().filter(|s| s.task.as_ptr() == task.as_ptr()) {
            resumed |= s.resume_at == ip;
            s.resume_at = 0;
        }
        resumed
    }

    /// `task` stopped at this breakpoint, at `ip`: its next hit there is
    /// its going on.
    fn mark_resume(&self, task: &Task, ip: u64) {
        let mut subs = self.subs.lock();
        for s in subs.iter_mut().filter(|s| s.task.as_ptr() == task.as_ptr()) {
            s.resume_at = ip;
        }
    }

    /// Whether `att` subscribed to the `kind` side.
    fn subscribed(&self, att: &Attachment, kind: ProbeKind) -> bool {
        self.subs.lock().iter().any(|s| s.is(att, kind))
    }

    /// How many subscriptions `att` holds here, and whether one is to the
    /// `kind` side.
    fn held_by(&self, att: &Attachment, kind: ProbeKind) -> (usize, bool) {
        let subs = self.subs.lock();
        let mine = subs.iter().filter(|s| core::ptr::eq(&*s.att, att));
        mine.fold((0, false), |(n, dup), s| (n + 1, dup || s.kind == kind))
    }

    /// Adds `sub` to the list; writers are serialised by `PROBES` (whose
    /// guard the caller shows).
    fn add(&self, _table: &GlobalGuard<PROBES>, sub: Sub) -> Result {
        let len = self.subs.lock().len();
        let mut new = KVec::with_capacity(len + 1, GFP_KERNEL_ACCOUNT)?;
        let old = {
            let mut subs = self.subs.lock();
            // At most `len` long: only `PROBES` holders add to it (a drop
            // may have removed one meanwhile). Within capacity, the
            // pushes cannot fail.
            for s in subs.iter() {
                let _ = new.push_within_capacity(s.clone());
            }
            let _ = new.push_within_capacity(sub);
            core::mem::replace(&mut *subs, new)
        };
        // The old list's references go with the lock released.
        drop(old);
        Ok(())
    }

    /// Takes `att`'s `kind` subscription out of the list, if it is there;
    /// returns it, to be dropped with the lock released.
    fn remove(&self, att: &Attachment, kind: ProbeKind) -> Option<Sub> {
        let mut subs = self.subs.lock();
        let i = subs.iter().position(|s| s.is(att, kind))?;
        subs.remove(i).ok()
    }

    fn consumer(&self) -> *mut bindings::uprobe_consumer {
        self.consumer.get()
    }
}

impl ProbeSite {
    /// The probe at `offset` in `file`.
    pub fn of(file: &LocalFile, offset: u64) -> ProbeSite {
        // SAFETY: `file` is a live file; its inode lives as long.
        let inode = unsafe { bindings::utrace_helper_probe_inode(file.as_ptr()) };
        // SAFETY: as above; an inode's superblock outlives it.
        let (dev, ino) = unsafe { ((*(*inode).i_sb).s_dev, (*inode).i_ino) };
        ProbeSite {
            dev,
            inode: ino,
            offset,
        }
    }
}

/// The errno a subscription's failure gives: the uprobes core's own,
/// but the kernel-internal ones of an instruction it cannot probe
/// (`ENOTSUPP`, `ENOEXEC`), which are `EINVAL`.
fn user_errno(e: Error) -> Error {
    const ENOTSUPP: i32 = bindings::ENOTSUPP as i32;
    const ENOEXEC: i32 = bindings::ENOEXEC as i32;
    match -e.to_errno() {
        ENOTSUPP | ENOEXEC => EINVAL,
        _ => e,
    }
}

/// Subscribes `att`'s engine, for `task` (the attachment's), to the `kind`
/// side of the instruction at `offset` in `file`: registers the probe if
/// it is new, else has the kernel put the breakpoint in the task's
/// address space. `EBADF` if `file` is not open for reading; `EEXIST`,
/// `ENOSPC` as [`check_probe_subscription`]; the uprobes core's errors
/// (`EINVAL` for an offset past the end of the file, an instruction it
/// cannot probe...).
pub(crate) fn subscribe(
    att: &Arc<Attachment>,
    task: ARef<Task>,
    file: &LocalFile,
    offset: u64,
    kind: ProbeKind,
) -> Result<ProbeSubscription> {
    // SAFETY: `file` is a live file.
    if !unsafe { bindings::utrace_helper_file_readable(file.as_ptr()) } {
        return Err(EBADF);
    }
    // SAFETY: `file` is a live file; its inode lives as long.
    let inode = unsafe { bindings::utrace_helper_probe_inode(file.as_ptr()) };
    let site = ProbeSite::of(file, offset);
    let pos = bindings::loff_t::try_from(offset).map_err(|_| EINVAL)?;
    let mut table = PROBES.lock();
    let (held, duplicate) = table
        .iter()
        .map(|p| {
            let (n, dup) = p.held_by(att, kind);
            (n, dup && p.inode == inode && p.site.offset == offset)
        })
        .fold((0, false), |(n, d), (m, e)| (n + m, d || e));
    check_probe_subscription(held, duplicate)?;
    let sub = Sub {
        att: att.clone(),
        task,
        kind,
        resume_at: 0,
    };
    let existing = table
        .iter()
        .find(|p| p.inode == inode && p.site.offset == offset)
        .cloned();
    let probe = match existing {
        Some(probe) => {
            probe.add(&table, sub)?;
            let uprobe = *probe.uprobe.as_ref(&table);
            // SAFETY: `uprobe` and the consumer are registered (the probe
            // is in the table: type invariant of `Probe`).
            let r = unsafe { bindings::uprobe_apply(uprobe, probe.consumer(), true) };
            if r != 0 {
                let sub = probe.remove(att, kind);
                drop(table);
                drop(sub);
                return Err(user_errno(Error::from_errno(r)));
            }
            probe
        }
        None => {
            table.reserve(1, GFP_KERNEL_ACCOUNT)?;
            let probe = Arc::pin_init(Probe::new(file, inode, site), GFP_KERNEL_ACCOUNT)?;
            // The subscription first: the filter approves the task's
            // address space as the registration walks the file's mappings.
            probe.add(&table, sub)?;
            // SAFETY: `inode` is referenced by the probe; the consumer is
            // pinned in it and lives until after its unregistration
            // (type invariant of `Probe`).
            let uprobe =
                from_err_ptr(unsafe { bindings::uprobe_register(inode, pos, 0, probe.consumer()) })
                    .map_err(user_errno)?;
            *probe.uprobe.as_mut(&mut table) = uprobe;
            // Within the capacity reserved above.
            let _ = table.push_within_capacity(probe.clone());
            probe
        }
    };
    Ok(ProbeSubscription {
        probe,
        att: att.clone(),
        kind,
    })
}

/// A breakpoint subscription (see the module documentation): the engine
/// of its attachment hears of the task's hits of its probe while this
/// lives. Dropping it unsubscribes, at once for the reports; the kernel
/// lets the probe go a moment later, once no handler of it runs.
pub struct ProbeSubscription {
    probe: Arc<Probe>,
    att: Arc<Attachment>,
    kind: ProbeKind,
}

impl ProbeSubscription {
    /// The probe subscribed to.
    pub fn site(&self) -> ProbeSite {
        self.probe.site
    }

    /// The side subscribed to.
    pub fn kind(&self) -> ProbeKind {
        self.kind
    }
}

impl Drop for ProbeSubscription {
    fn drop(&mut self) {
        // No report from now on; the rest under `PROBES`, in a work item:
        // a drop never waits for that lock, whose holder may be waiting
        // for the handlers (a failed registration syncs), one of which may
        // be the caller.
        let sub = self.probe.remove(&self.att, self.kind);
        drop(sub);
        // Already queued: that run sees this change too.
        let _ = workqueue::system().enqueue(self.probe.clone());
    }
}

/// Reports a hit of `probe` on its `kind` side in `function`, to the
/// current task's engines that subscribed to it. Returns whether an engine
/// stopped the task.
///
/// # Safety
///
/// `regs` is the current task's user register frame (the handler's).
unsafe fn report_hit(
    probe: &Probe,
    kind: ProbeKind,
    function: u64,
    regs: *mut bindings::pt_regs,
) -> bool {
    task::with_current_registry(|task, registry| {
        // SAFETY: `regs` is current's frame, per this function's contract,
        // which nothing else touches during the report.
        let mut hit = unsafe { BreakpointReport::new(probe.site, kind, function, regs) };
        registry.report_breakpoint(task, &mut hit, |att| probe.subscribed(att, kind))
    })
    .unwrap_or(false)
}

/// The consumer's `handler`: the current task hit the breakpoint.
///
/// A task an engine stops at an entry must not stop here (the handler
/// runs in a tasks-trace RCU read section) nor on its way back to user
/// mode with the probed instruction copied out of line and set to be
/// stepped there (a debugger would see and step the copy; stopped
/// threads would hold the address space's few copy slots). So the
/// handler has the uprobes core send it back to the breakpoint
/// (`UPROBE_HANDLER_RESTART`): it parks before user mode, at the probed
/// address, and when it goes on hits the breakpoint again, a hit that
/// is let through unreported.
///
/// # Safety
///
/// `uc` is the consumer of a registered `Probe`; `regs` is the current
/// task's user register frame. (The uprobes core calls it so.)
unsafe extern "C" fn probe_handler(
    uc: *mut bindings::uprobe_consumer,
    regs: *mut bindings::pt_regs,
    _data: *mut u64,
) -> c_int {
    // SAFETY: a registered consumer is a live probe's (type invariant of
    // `Probe`: freed only after the unregistration's wait).
    let probe = unsafe { Probe::from_consumer(uc) };
    let current: &Task = kernel::current!();
    let (entry, ret) = probe.sides_of(current);
    if !entry && !ret {
        // No subscription for this task: the kernel takes the breakpoint
        // out of its address space if the filter agrees (no other task
        // sharing it subscribed).
        return bindings::UPROBE_HANDLER_REMOVE as c_int;
    }
    if entry {
        // SAFETY: `regs` is current's frame.
        let ip = unsafe { bindings::utrace_helper_instruction_pointer(regs) } as u64;
        // The hit the task goes on with after a stop here runs the
        // instruction; any other is reported.
        let stopped = !probe.take_resume(current, ip) && {
            // SAFETY: `regs` is current's frame.
            unsafe { report_hit(probe, ProbeKind::Entry, ip, regs) }
        };
        if stopped {
            probe.mark_resume(current, ip);
            // Back to the breakpoint; the return is taken at the next hit.
            return (bindings::UPROBE_HANDLER_RESTART | bindings::UPROBE_HANDLER_IGNORE) as c_int;
        }
    }
    match ret {
        // Have the kernel call `probe_ret_handler` at the return.
        true => 0,
        false => bindings::UPROBE_HANDLER_IGNORE as c_int,
    }
}

/// The consumer's `ret_handler`: the function at `func` returns, in the
/// current task, which asked for it at the entry.
///
/// # Safety
///
/// As [`probe_handler`].
unsafe extern "C" fn probe_ret_handler(
    uc: *mut bindings::uprobe_consumer,
    func: c_ulong,
    regs: *mut bindings::pt_regs,
    _data: *mut u64,
) -> c_int {
    // SAFETY: as in `probe_handler`.
    let probe = unsafe { Probe::from_consumer(uc) };
    // Subscribed at the entry; maybe not any more.
    if probe.sides_of(kernel::current!()).1 {
        // SAFETY: `regs` is current's frame.
        unsafe { report_hit(probe, ProbeKind::Return, func as u64, regs) };
    }
    0
}

/// The consumer's `filter`: whether the breakpoint belongs in `mm`, the
/// address space of a subscribed task.
///
/// # Safety
///
/// `uc` is the consumer of a registered `Probe`; `mm` a live address space.
unsafe extern "C" fn probe_filter(
    uc: *mut bindings::uprobe_consumer,
    mm: *mut bindings::mm_struct,
) -> bool {
    // SAFETY: as in `probe_handler`.
    let probe = unsafe { Probe::from_consumer(uc) };
    let subs = probe.subs.lock();
    subs.iter()
        // A detached engine's subscription puts no breakpoint anywhere (a
        // program its task execs, a setuid one say, is left alone).
        .filter(|s| !s.att.is_detached())
        // SAFETY: `s.task` is referenced; its `mm` is compared, never
        // dereferenced.
        .any(|s| unsafe { bindings::utrace_helper_task_mm_is(s.task.as_ptr(), mm) })
}

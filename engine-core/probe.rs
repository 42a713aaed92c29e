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
//! A probe stays registered while it is in the table. Its last subscriber
//! gone, it leaves the table and is unregistered without waiting; a work
//! item then waits for `uprobe_unregister_sync()`, after which no handler
//! of it runs, and only then lets the probe go: the handler's
//! `container_of` always finds a live probe. Unsubscribing never waits
//! for handlers: a [`ProbeSubscription`] may be dropped anywhere, in a
//! `report_breakpoint` callback too. Subscribing may (a registration the
//! uprobes core fails waits for them): not from `report_breakpoint`,
//! which runs in a tasks-trace RCU read section that the wait would
//! deadlock on.
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
/// `inode` holds a reference (`ihold`), put when the probe is freed.
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
    inode: *mut bindings::inode,
    /// The kernel's uprobe, once registered.
    uprobe: GlobalLockedBy<*mut bindings::uprobe, PROBES>,
    /// The subscriptions, in no order.
    #[pin]
    subs: SpinLock<KVec<Sub>>,
    /// Waits for the handlers to end, then lets the probe go.
    #[pin]
    release: Work<Probe>,
}

// SAFETY: the raw pointers are the inode (referenced, shared by design)
// and the kernel's uprobe, which the kernel's API lets any thread use;
// the rest is behind locks or immutable.
unsafe impl Send for Probe {}
// SAFETY: as above: shared access goes through `subs`' lock, `PROBES`, or
// the kernel's own locking.
unsafe impl Sync for Probe {}

impl_has_work! {
    impl HasWork<Self> for Probe { self.release }
}

impl WorkItem for Probe {
    type Pointer = Arc<Probe>;

    fn run(this: Arc<Probe>) {
        // The consumer is unregistered (`unsubscribe`); from now on no
        // handler of it runs, and `this` may go.
        // SAFETY: no precondition; it sleeps, in a work item.
        unsafe { bindings::uprobe_unregister_sync() };
        drop(this);
    }
}

#[pinned_drop]
impl PinnedDrop for Probe {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: the reference taken in `Probe::new` (type invariant).
        unsafe { bindings::iput(self.inode) };
    }
}

impl Probe {
    /// A probe of `offset` in `inode`, not registered yet.
    fn new(inode: *mut bindings::inode, site: ProbeSite) -> impl PinInit<Self, Error> {
        let consumer = bindings::uprobe_consumer {
            handler: Some(probe_handler),
            ret_handler: Some(probe_ret_handler),
            filter: Some(probe_filter),
            ..Default::default()
        };
        // INVARIANT: the reference is taken once every field is in place,
        // so that the probe's drop puts it; the consumer is registered
        // later, by `subscribe`.
        try_pin_init!(Self {
            consumer: Opaque::new(consumer),
            site,
            inode,
            uprobe: GlobalLockedBy::new(core::ptr::null_mut()),
            subs <- kernel::new_spinlock!(KVec::new(), "utrace_probe::subs"),
            release <- new_work!("utrace_probe::release"),
        })
        .pin_chain(move |_| {
            // SAFETY: `inode` is a live file's inode (the caller's).
            unsafe { bindings::ihold(inode) };
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
        for s in subs.iter().filter(|s| s.task.as_ptr() == task.as_ptr()) {
            match s.kind {
                ProbeKind::Entry => sides.0 = true,
                ProbeKind::Return => sides.1 = true,
            }
        }
        sides
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
            // Still `len` long: only `PROBES` holders change it. Within
            // capacity, the pushes cannot fail.
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
    /// returns it, to be dropped with the lock released, and whether the
    /// list is empty now.
    fn remove(
        &self,
        _table: &GlobalGuard<PROBES>,
        att: &Attachment,
        kind: ProbeKind,
    ) -> (Option<Sub>, bool) {
        let mut subs = self.subs.lock();
        let sub = subs
            .iter()
            .position(|s| s.is(att, kind))
            .and_then(|i| subs.remove(i).ok());
        (sub, subs.is_empty())
    }

    fn consumer(&self) -> *mut bindings::uprobe_consumer {
        self.consumer.get()
    }
}

impl ProbeSite {
    /// The probe at `offset` in `file`.
    pub fn of(file: &LocalFile, offset: u64) -> ProbeSite {
        // SAFETY: `file` is a live file; its inode lives as long.
        let inode = unsafe { bindings::utrace_helper_file_inode(file.as_ptr()) };
        ProbeSite {
            // SAFETY: as above.
            inode: unsafe { (*inode).i_ino },
            offset,
        }
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
    let inode = unsafe { bindings::utrace_helper_file_inode(file.as_ptr()) };
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
                let (sub, _) = probe.remove(&table, att, kind);
                drop(table);
                drop(sub);
                return Err(Error::from_errno(r));
            }
            probe
        }
        None => {
            table.reserve(1, GFP_KERNEL_ACCOUNT)?;
            let probe = Arc::pin_init(Probe::new(inode, site), GFP_KERNEL_ACCOUNT)?;
            // The subscription first: the filter approves the task's
            // address space as the registration walks the file's mappings.
            probe.add(&table, sub)?;
            // SAFETY: `inode` is referenced by the probe; the consumer is
            // pinned in it and lives until after its unregistration
            // (type invariant of `Probe`).
            let uprobe = from_err_ptr(unsafe {
                bindings::uprobe_register(inode, pos, 0, probe.consumer())
            })?;
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
        let probe = &self.probe;
        let mut table = PROBES.lock();
        let (sub, empty) = probe.remove(&table, &self.att, self.kind);
        let uprobe = *probe.uprobe.as_ref(&table);
        if !empty {
            // Others still subscribe: take the breakpoint out of the
            // address spaces no subscription wants any more. On failure
            // it stays where it was, and goes at its next hit (the
            // handler answers "remove" where the filter agrees).
            // SAFETY: registered, in the table (type invariant of `Probe`).
            let _ = unsafe { bindings::uprobe_apply(uprobe, probe.consumer(), false) };
        } else if let Some(i) = table.iter().position(|p| Arc::ptr_eq(p, probe)) {
            let gone = table.remove(i).ok();
            // SAFETY: registered until now; unregistered once, here, as
            // it leaves the table. Does not wait for handlers.
            unsafe { bindings::uprobe_unregister_nosync(uprobe, probe.consumer()) };
            if let Some(gone) = gone {
                // The work item waits for the handlers, then lets go.
                let _ = workqueue::system().enqueue(gone);
            }
        }
        drop(table);
        drop(sub);
    }
}

/// Reports a hit of `probe` on its `kind` side in `function`, to the
/// current task's engines that subscribed to it.
///
/// # Safety
///
/// `regs` is the current task's user register frame (the handler's).
unsafe fn report_hit(probe: &Probe, kind: ProbeKind, function: u64, regs: *mut bindings::pt_regs) {
    task::with_current_registry(|task, registry| {
        // SAFETY: `regs` is current's frame, per this function's contract,
        // which nothing else touches during the report.
        let mut hit = unsafe { BreakpointReport::new(probe.site, kind, function, regs) };
        registry.report_breakpoint(task, &mut hit, |att| probe.subscribed(att, kind));
    });
}

/// The consumer's `handler`: the current task hit the breakpoint.
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
    let (entry, ret) = probe.sides_of(kernel::current!());
    if !entry && !ret {
        // No subscription for this task: the kernel takes the breakpoint
        // out of its address space if the filter agrees (no other task
        // sharing it subscribed).
        return bindings::UPROBE_HANDLER_REMOVE as c_int;
    }
    if entry {
        // SAFETY: `regs` is current's frame.
        let ip = unsafe { bindings::utrace_helper_instruction_pointer(regs) } as u64;
        // SAFETY: as above.
        unsafe { report_hit(probe, ProbeKind::Entry, ip, regs) };
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
        // SAFETY: `s.task` is referenced; its `mm` is compared, never
        // dereferenced.
        .any(|s| unsafe { bindings::utrace_helper_task_mm_is(s.task.as_ptr(), mm) })
}

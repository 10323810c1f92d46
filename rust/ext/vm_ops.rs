// SPDX-License-Identifier: GPL-2.0

//! Virtual memory operations: `struct vm_operations_struct` and `struct vm_fault`.
//!
//! C header: [`include/linux/mm.h`](srctree/include/linux/mm.h).
//!
//! A driver implements [`VmOperations`] on a type of its own (often a
//! marker: the data the callbacks work on is an `Arc` of [`VmOperations::Data`]) and
//! installs it on a mapping from its `->mmap_prepare` with
//! [`VmaDesc::install`]. The kernel then calls back into the driver
//! from the page-fault path:
//!
//! - `->fault` from `__do_fault()` (via `do_read_fault()`, `do_cow_fault()`
//!   or `do_shared_fault()`), with a [`VmFault`];
//! - `->map_pages` from `do_fault_around()`, under `rcu_read_lock()`, with a
//!   [`MapPagesFault`], which offers only what may run in atomic context;
//! - `->page_mkwrite` from `do_page_mkwrite()` (via `do_shared_fault()` or
//!   `wp_page_shared()`), with a [`MkwriteFault`], unless the table was
//!   installed without it ([`VmaDesc::install_without_write_notify`]);
//! - `->huge_fault`, on a kernel with transparent huge pages, from
//!   `create_huge_pmd()` (an empty PMD) and `wp_huge_pmd()` (a store to a
//!   PMD mapped read-only), with a [`HugeFault`].
//!
//! Each view of `struct vm_fault` carries an invariant lifetime `'a` that
//! names one callback invocation, and every value a callback may return
//! ([`Faulted`], [`MappedAround`], [`Mkwrite`], [`HugeFaulted`]) carries
//! the same `'a`, so a
//! callback can only return what was made from its own fault: a page checked
//! against this fault's file and offset, the PTEs mapped for this fault's
//! range. Return values become `VM_FAULT_*` bits only in the trampolines.
//!
//! Installing is stateless, as `->mmap_prepare` must be
//! (`Documentation/filesystems/mmap_prepare.rst`): it only fills the
//! descriptor. The reference on the data that a VMA holds is taken by
//! `vm_ops->mapped`, which the kernel calls once the mapping exists and was
//! not merged into a neighbour (a merged range uses its neighbour's data),
//! and given back by `->close`.

use super::{
    ffi,
    folio::{
        Folio,
        FolioGuard,
        LockedView, //
    },
    print::pr_err_ratelimited,
    readahead::{
        AccessHint,
        ReadaheadFile, //
    },
};
use core::{
    ffi::{
        c_uint,
        c_void, //
    },
    marker::PhantomData,
    ptr::NonNull, //
};
use kernel::{
    bindings,
    error::VTABLE_DEFAULT_ERROR,
    prelude::*,
    sync::{
        aref::ARef,
        Arc,
        ArcBorrow, //
    },
    types::ForeignOwnable, //
};

kernel::impl_flags!(
    /// `vmf->flags`: a set of [`FaultFlag`]s (`enum fault_flag`).
    #[derive(Clone, Copy, Default, PartialEq, Eq)]
    pub(crate) struct FaultFlags(u32);

    /// One `FAULT_FLAG_*` of `enum fault_flag`.
    #[derive(Clone, Copy, PartialEq, Eq)]
    pub(crate) enum FaultFlag {
        /// The access was a store.
        Write = bindings::fault_flag_FAULT_FLAG_WRITE,
        /// `do_page_mkwrite()` is making an existing PTE writable.
        Mkwrite = bindings::fault_flag_FAULT_FLAG_MKWRITE,
        /// The handler may drop the fault lock and ask for a retry.
        AllowRetry = bindings::fault_flag_FAULT_FLAG_ALLOW_RETRY,
        /// Ask for a retry without waiting.
        RetryNowait = bindings::fault_flag_FAULT_FLAG_RETRY_NOWAIT,
        /// The task can be killed while waiting.
        Killable = bindings::fault_flag_FAULT_FLAG_KILLABLE,
        /// This is a retry.
        Tried = bindings::fault_flag_FAULT_FLAG_TRIED,
        /// The fault came from user space.
        User = bindings::fault_flag_FAULT_FLAG_USER,
        /// The fault is for another task's mm (e.g. `access_process_vm`).
        Remote = bindings::fault_flag_FAULT_FLAG_REMOTE,
        /// An instruction fetch.
        Instruction = bindings::fault_flag_FAULT_FLAG_INSTRUCTION,
        /// Interruptible by non-fatal signals.
        Interruptible = bindings::fault_flag_FAULT_FLAG_INTERRUPTIBLE,
        /// Unshare a COW page.
        Unshare = bindings::fault_flag_FAULT_FLAG_UNSHARE,
        /// `vmf->orig_pte` is valid.
        OrigPteValid = bindings::fault_flag_FAULT_FLAG_ORIG_PTE_VALID,
        /// Handled under the per-VMA lock, not `mmap_lock`.
        VmaLock = bindings::fault_flag_FAULT_FLAG_VMA_LOCK,
    }
);

/// `vm_fault_t`: the `VM_FAULT_*` bits a callback returned to the kernel.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct VmFaultBits(u32);

impl VmFaultBits {
    /// The raw bits.
    pub(crate) fn bits(self) -> u32 {
        self.0
    }
}

/// A fault that cannot be served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FaultError {
    /// `VM_FAULT_SIGBUS`: e.g. an offset past the end of the object.
    SigBus,
    /// `VM_FAULT_OOM`: no memory for the page.
    Oom,
    /// `VM_FAULT_HWPOISON`: the page was lost to a memory error; the
    /// kernel sends `SIGBUS` with `BUS_MCEERR_AR`.
    HwPoison,
}

impl FaultError {
    /// The `VM_FAULT_*` bit.
    pub(crate) fn bits(self) -> VmFaultBits {
        VmFaultBits(match self {
            FaultError::SigBus => bindings::vm_fault_reason_VM_FAULT_SIGBUS,
            FaultError::Oom => bindings::vm_fault_reason_VM_FAULT_OOM,
            FaultError::HwPoison => bindings::vm_fault_reason_VM_FAULT_HWPOISON,
        })
    }
}

impl From<Error> for FaultError {
    /// `vmf_error()`: ENOMEM becomes OOM, anything else SIGBUS; and
    /// EHWPOISON, a page lost to a memory error, HWPOISON.
    fn from(e: Error) -> Self {
        if e == ENOMEM {
            FaultError::Oom
        } else if e == EHWPOISON {
            FaultError::HwPoison
        } else {
            FaultError::SigBus
        }
    }
}

/// The `VM_FAULT_*` bits of a callback's result.
pub(crate) fn result_bits<T>(
    r: &Result<T, FaultError>,
    ok: impl Fn(&T) -> VmFaultBits,
) -> VmFaultBits {
    match r {
        Ok(v) => ok(v),
        Err(e) => e.bits(),
    }
}

/// Makes `'a` invariant: a value branded with one callback's `'a` cannot
/// stand for another's, and no `'a` can be widened to `'static`.
type Brand<'a> = PhantomData<fn(&'a ()) -> &'a ()>;

/// The `struct vm_fault` of one callback.
///
/// # Invariants
///
/// `ptr` is the `vm_fault` the kernel passed to the callback running now;
/// the fault path holds the mmap lock or the VMA lock for all of `'a`.
#[derive(Clone, Copy)]
struct RawFault<'a> {
    ptr: NonNull<bindings::vm_fault>,
    _brand: Brand<'a>,
}

impl<'a> RawFault<'a> {
    /// # Safety
    ///
    /// `vmf` is the `vm_fault` of the callback that is running, and `'a`
    /// does not outlive that callback.
    unsafe fn new(vmf: *mut bindings::vm_fault) -> Self {
        Self {
            // SAFETY: The kernel passes a valid, hence non-null, `vmf`.
            ptr: unsafe { NonNull::new_unchecked(vmf) },
            _brand: PhantomData,
        }
    }

    fn raw(self) -> *mut bindings::vm_fault {
        self.ptr.as_ptr()
    }

    fn pgoff(self) -> usize {
        // SAFETY: The const fields of a live `vm_fault` are set before any
        // callback and never change.
        unsafe { (*self.raw()).__bindgen_anon_1.pgoff }
    }

    fn address(self) -> usize {
        // SAFETY: As for `pgoff`.
        unsafe { (*self.raw()).__bindgen_anon_1.address }
    }

    fn flags(self) -> FaultFlags {
        // SAFETY: `flags` is only changed by the faulting thread, which is
        // the one running this callback.
        FaultFlags(unsafe { (*self.raw()).flags })
    }

    fn vma_ptr(self) -> *mut bindings::vm_area_struct {
        // SAFETY: As for `pgoff`.
        unsafe { (*self.raw()).__bindgen_anon_1.vma }
    }

    /// What the VMA allows of a PMD-sized folio at this fault.
    fn pmd_hint(self) -> PmdHint {
        #[cfg(CONFIG_TRANSPARENT_HUGEPAGE)]
        {
            let vma = self.vma_ptr();
            // SAFETY: The VMA is live and locked while the view exists; the
            // helpers read its flags, range and offset, and its mm's flags.
            let (advice, suits) = unsafe {
                (
                    ffi::pcc_vma_huge_advice(vma),
                    ffi::pcc_vma_suits_pmd(vma, self.address()),
                )
            };
            match advice {
                a if a < 0 || !suits => PmdHint::Unsuitable,
                0 => PmdHint::Allowed,
                _ => PmdHint::Advised,
            }
        }
        #[cfg(not(CONFIG_TRANSPARENT_HUGEPAGE))]
        PmdHint::Unsuitable
    }

    /// Whether the VMA is a shared mapping (`VM_SHARED`): a store to it
    /// writes the file's pages, not copies.
    #[cfg_attr(not(CONFIG_TRANSPARENT_HUGEPAGE), allow(dead_code))]
    fn is_shared(self) -> bool {
        // SAFETY: As for `pmd_hint`.
        unsafe { ffi::pcc_vma_is_shared(self.vma_ptr()) }
    }

    /// `vma->vm_file->f_mapping`: the page cache this fault maps from.
    fn file_mapping(self) -> *mut bindings::address_space {
        // SAFETY: `vm_file` of a VMA with our `vm_ops` is the file that was
        // mapped (set before `->mmap`), alive as long as the VMA; its
        // `f_mapping` is set at open and not changed afterwards.
        unsafe { (*(*self.vma_ptr()).vm_file).f_mapping }
    }
}

macro_rules! common_accessors {
    () => {
        /// Page offset of the access in the mapped file (`vmf->pgoff`).
        pub(crate) fn pgoff(&self) -> usize {
            self.raw.pgoff()
        }

        address_and_flags!();
    };
}

macro_rules! address_and_flags {
    () => {
        /// Faulting user address, page aligned (`vmf->address`).
        pub(crate) fn address(&self) -> usize {
            self.raw.address()
        }

        /// `vmf->flags`.
        pub(crate) fn flags(&self) -> FaultFlags {
            self.raw.flags()
        }
    };
}

/// What a VMA allows of a PMD-sized folio at a fault's offset, as
/// `shmem_allowable_huge_orders()` and `thp_vma_suitable_order()` read it.
/// What a driver allocates is its own policy; this is what the mapping
/// can take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PmdHint {
    /// None here: a kernel without transparent huge pages,
    /// `MADV_NOHUGEPAGE` or `PR_SET_THP_DISABLE`, or a VMA that does not
    /// cover the PMD-aligned range around the address at a file offset
    /// aligned as the address is (a PMD could never map the folio).
    Unsuitable,
    /// A PMD could map it; nothing asked for one.
    Allowed,
    /// A PMD could map it, and `MADV_HUGEPAGE` asked for one.
    Advised,
}

/// `struct vm_fault` inside `->fault`: process context, may sleep.
///
/// # Invariants
///
/// `raw` is the fault of the `->fault` call running now, which lasts `'a`.
pub(crate) struct VmFault<'a> {
    raw: RawFault<'a>,
    state: &'a FaultState,
}

/// What a `->fault` call did with the fault lock, for the trampoline to read
/// once the callback has returned.
///
/// # Invariants
///
/// `pinned` is null, or one reference on the VMA's data taken by `pin`
/// before the fault lock was released, given back by `unpin` once.
struct FaultState {
    released: core::cell::Cell<bool>,
    pinned: core::cell::Cell<*mut c_void>,
    /// The VMA's file, pinned (`get_file`) with the data: it holds the
    /// module (`f_op->owner`) and the driver's file state, as
    /// `filemap_fault`'s `fpin` does, so that neither can go while the
    /// callback still runs after the VMA went.
    file: core::cell::Cell<*mut bindings::file>,
    pin: unsafe fn(*mut bindings::vm_area_struct) -> *mut c_void,
    unpin: unsafe fn(*mut c_void),
}

impl Drop for FaultState {
    #[inline]
    fn drop(&mut self) {
        let pinned = self.pinned.get();
        if !pinned.is_null() {
            // SAFETY: The reference `pin` took (type invariant), once.
            unsafe { (self.unpin)(pinned) };
        }
        let file = self.file.get();
        if !file.is_null() {
            // SAFETY: The reference `get_file` took, once, after
            // the data's. If it is the last, `fput` defers the release
            // (and the module reference it drops) to task work, which runs
            // when this task returns to user space, after this code: the
            // module's text outlives the call. Only a kernel thread's last
            // `fput` is handed to another thread (`delayed_fput_work`),
            // which could drop the module's last reference while this one
            // still runs here: a kernel thread never releases the fault
            // lock ([`VmFault::may_release_fault_lock`]), so never gets here.
            unsafe { bindings::fput(file) };
        }
    }
}

/// Whether [`VmFault::lock_folio_or_retry`] got the lock.
pub(crate) enum LockOrRetry<'a> {
    /// The folio is locked; the fault goes on with its view.
    Locked(VmFault<'a>, FolioGuard<ARef<Folio>>),
    /// The fault must be retried: return [`Retry::faulted`].
    Retry(Retry<'a>),
}

/// Whether [`VmFault::release_for_io`] released the fault lock.
pub(crate) enum ForIo<'a> {
    /// Released: do the I/O, then return [`Retry::faulted`]; the kernel
    /// comes back with `FAULT_FLAG_TRIED` and finds what the I/O brought.
    Released(Retry<'a>),
    /// Kept (the flags allow no retry that may wait, or a kernel thread):
    /// do the I/O under it, and the fault goes on with its view.
    Held(VmFault<'a>),
}

/// The fault ends in `VM_FAULT_RETRY`, and the kernel retries it.
///
/// Made only by [`VmFault`] methods that consume the view. When the fault
/// lock was released (the mmap lock or the per-VMA lock:
/// `release_fault_lock()`), the VMA may already be unmapped and freed;
/// with the view gone, nothing reaches it. The callback's data stays alive
/// until the callback returns (a reference taken before the release, as
/// `filemap_fault` pins the file).
pub(crate) struct Retry<'a> {
    _brand: Brand<'a>,
}

impl<'a> Retry<'a> {
    /// The result of `->fault`: `VM_FAULT_RETRY`, and `VM_FAULT_MAJOR` if
    /// this call started I/O (the kernel counts the completed fault as
    /// major either way: `mm_account_fault`).
    pub(crate) fn faulted(self, major: bool) -> Faulted<'a> {
        Faulted {
            page: Outcome::Retry { major },
            _brand: PhantomData,
        }
    }
}

impl<'a> VmFault<'a> {
    common_accessors!();

    /// What the VMA allows of a PMD-sized folio at this fault, for a
    /// driver deciding how large a folio to allocate (`shmem_fault`'s
    /// `shmem_allowable_huge_orders`); `finish_fault()` maps one by a PMD
    /// (`do_set_pmd`) when it is suitable.
    pub(crate) fn pmd_hint(&self) -> PmdHint {
        self.raw.pmd_hint()
    }

    /// Lock `folio`, or give up the fault lock and retry, as the kernel's
    /// `folio_lock_or_retry()` / `__folio_lock_or_retry()` do for
    /// `filemap_fault`:
    ///
    /// - free: locked at once;
    /// - `FAULT_FLAG_ALLOW_RETRY` and `FAULT_FLAG_RETRY_NOWAIT`: retry, the
    ///   fault lock kept, on any attempt (as `lock_folio_maybe_drop_mmap()`);
    /// - first attempt with `FAULT_FLAG_ALLOW_RETRY`: release the fault
    ///   lock, wait (killably with `FAULT_FLAG_KILLABLE`) until the folio is
    ///   unlocked, retry: the kernel comes back with `FAULT_FLAG_TRIED`;
    /// - otherwise sleep for the lock, killably with `FAULT_FLAG_KILLABLE`;
    ///   a fatal signal releases the fault lock and retries, and the
    ///   kernel's fault handler then sees the signal;
    /// - in a kernel thread, after the `RETRY_NOWAIT` case, sleep for the
    ///   lock and never release the fault lock (see
    ///   [`VmFault::may_release_fault_lock`]).
    ///
    /// The view is consumed whenever the fault lock may be gone.
    pub(crate) fn lock_folio_or_retry(self, folio: ARef<Folio>) -> LockOrRetry<'a> {
        let folio = match FolioGuard::try_new(folio) {
            Ok(locked) => return LockOrRetry::Locked(self, locked),
            Err(folio) => folio,
        };
        let flags = self.flags();
        let killable = flags.contains(FaultFlag::Killable);
        // lock_folio_maybe_drop_mmap(): `RETRY_NOWAIT` never waits, on any
        // attempt (GUP's FOLL_NOWAIT and FOLL_TRIED can come together).
        if flags.contains(FaultFlag::AllowRetry) && flags.contains(FaultFlag::RetryNowait) {
            return LockOrRetry::Retry(Retry {
                _brand: PhantomData,
            });
        }
        // A kernel thread sleeps for the lock with the fault lock held.
        if !Self::may_release_fault_lock() {
            return LockOrRetry::Locked(self, FolioGuard::new(folio));
        }
        // fault_flag_allow_retry_first()
        if flags.contains(FaultFlag::AllowRetry) && !flags.contains(FaultFlag::Tried) {
            return LockOrRetry::Retry(self.release_and_wait(&folio));
        }
        if !killable {
            return LockOrRetry::Locked(self, FolioGuard::new(folio));
        }
        match FolioGuard::new_killable(folio) {
            Ok(locked) => LockOrRetry::Locked(self, locked),
            Err(_) => LockOrRetry::Retry(self.release_fault_lock()),
        }
    }

    /// The faulting file, for the readahead this fault may start; it stays
    /// valid for the whole call, whether or not the fault lock is released
    /// later (releasing it pins the file first).
    pub(crate) fn file(&self) -> ReadaheadFile<'a> {
        let vma = self.raw.vma_ptr();
        // SAFETY: The VMA is live and locked (the view exists); the
        // helper reads its flags.
        let hint = match unsafe { ffi::pcc_vma_access_hint(vma) } {
            2 => AccessHint::Random,
            1 => AccessHint::Sequential,
            _ => AccessHint::Normal,
        };
        // SAFETY: As above: `vm_file` of a VMA with our `vm_ops` is the
        // mapped file, never null.
        let file = unsafe { NonNull::new_unchecked((*vma).vm_file) };
        // SAFETY: The file of this `->fault` call's VMA: live while the
        // fault lock is held, and pinned by `release_fault_lock` before the
        // lock is released, until the call returns (`FaultState`).
        unsafe { ReadaheadFile::new(file, hint) }
    }

    /// `maybe_unlock_mmap_for_io()`: before I/O the fault does itself (a
    /// read into a folio it just added and holds locked), release the
    /// fault lock when the flags allow a retry that may wait (first attempt
    /// with `FAULT_FLAG_ALLOW_RETRY`, no `FAULT_FLAG_RETRY_NOWAIT`) and the
    /// task is not a kernel thread ([`VmFault::may_release_fault_lock`]),
    /// as `filemap_fault` does before `do_sync_mmap_readahead` reads. The
    /// fault then retries however fast the I/O was (`filemap_fault`: `if
    /// (fpin) goto out_retry`), so a fault that did I/O ends in one retry.
    pub(crate) fn release_for_io(self) -> ForIo<'a> {
        let flags = self.flags();
        if flags.contains(FaultFlag::AllowRetry)
            && !flags.contains(FaultFlag::Tried)
            && !flags.contains(FaultFlag::RetryNowait)
            && Self::may_release_fault_lock()
        {
            return ForIo::Released(self.release_fault_lock());
        }
        ForIo::Held(self)
    }

    /// Whether this fault may release its lock to wait: not in a kernel
    /// thread (a fault from `kthread_use_mm` and a user copy, or from GUP
    /// in a kworker). Released, the lock no longer keeps the VMA and its
    /// file, so the callback pins the file until it returns; the last
    /// `fput` of a kernel thread runs on another thread
    /// (`__fput_deferred` queues `delayed_fput_work`), which could drop the
    /// module's last reference (`fops_put` in `__fput`) while the callback's
    /// epilogue still runs in module text. A user task's runs as task work
    /// on its return to user space, after the callback; an io-wq or vhost
    /// worker (not `PF_KTHREAD`) runs its task work later on the same
    /// thread (`io_run_task_work`, or at exit), also after. A kernel thread
    /// therefore sleeps for the folio lock with the fault lock held, as a
    /// fault without `FAULT_FLAG_ALLOW_RETRY` does, and never killably
    /// (a fatal signal would have to release the lock).
    fn may_release_fault_lock() -> bool {
        // SAFETY: Reads the current task's flags.
        !unsafe { ffi::pcc_current_is_kthread() }
    }

    /// Release the fault lock, then wait until `folio` is unlocked,
    /// killably with `FAULT_FLAG_KILLABLE` (a fatal signal ends the wait;
    /// the kernel's fault handler sees it on return).
    fn release_and_wait(self, folio: &Folio) -> Retry<'a> {
        let killable = self.flags().contains(FaultFlag::Killable);
        let retry = self.release_fault_lock();
        if killable {
            let _ = folio.wait_locked_killable();
        } else {
            folio.wait_locked();
        }
        retry
    }

    /// `release_fault_lock()`: after it, the VMA and the `vm_fault` are not
    /// ours to touch, which consuming the view enforces.
    fn release_fault_lock(self) -> Retry<'a> {
        let vma = self.raw.vma_ptr();
        // SAFETY: The VMA is live and locked until the release below; `pin`
        // takes a reference on its data that `FaultState` gives back after
        // the callback returned.
        self.state.pinned.set(unsafe { (self.state.pin)(vma) });
        // SAFETY: As above; a file VMA's `vm_file` is live while the VMA
        // is: `filemap_fault`'s `fpin`, the file pinned across the release.
        self.state
            .file
            .set(unsafe { bindings::get_file((*vma).vm_file) });
        self.state.released.set(true);
        // SAFETY: We are in `->fault` holding the lock `vmf->flags` names,
        // released once: the view is consumed.
        unsafe { ffi::pcc_release_fault_lock(self.raw.raw()) };
        Retry {
            _brand: PhantomData,
        }
    }

    /// The page for this fault, mirroring the checks of `filemap_fault()`
    /// before it hands a folio back: it must belong to this file's page
    /// cache (a folio truncated meanwhile gives [`Faulted::no_page`]: the
    /// access is retried, as `filemap_fault()` retries its lookup), hold
    /// this fault's offset, and be uptodate (else `SIGBUS`, as after a read
    /// error). The reference and the lock pass to the kernel
    /// (`VM_FAULT_LOCKED`); `major` adds `VM_FAULT_MAJOR`. The tests read
    /// the folio once: a [`LockedView`] the caller read under the lock,
    /// or one read here of the guard given.
    #[inline(always)]
    pub(crate) fn page(
        &self,
        folio: impl Into<LockedView<ARef<Folio>>>,
        major: bool,
    ) -> Result<Faulted<'a>, FaultError> {
        let folio = folio.into();
        let now = folio.now();
        let mapping = now.mapping_ptr();
        if mapping.is_null() {
            return Ok(self.no_page());
        }
        let pgoff = self.pgoff();
        // `file_page` is `None` when the folio does not hold `pgoff`.
        let page = match now.file_page(pgoff) {
            Some(page) if mapping == self.raw.file_mapping() => page,
            _ => return Err(wrong_folio(pgoff)),
        };
        if !now.is_uptodate() {
            return Err(FaultError::SigBus);
        }
        let folio = folio.into_guard();
        // INVARIANT: `page` is `folio_file_page(folio, vmf->pgoff)`.
        Ok(Faulted {
            page: Outcome::Page(FaultedPage { folio, page, major }),
            _brand: PhantomData,
        })
    }

    /// `VM_FAULT_NOPAGE`: nothing to map now; the access is retried.
    /// Private: the kernel retries such a fault at once, so a driver that
    /// returned it for a page it cannot provide would livelock the access.
    /// Only [`VmFault::page`] returns it, for a folio truncated since the
    /// driver found it (the retry then finds the page anew, as
    /// `filemap_fault` retries its lookup).
    fn no_page(&self) -> Faulted<'a> {
        Faulted {
            page: Outcome::NoPage,
            _brand: PhantomData,
        }
    }
}

/// What `->fault` hands back; made only by [`VmFault::page`] or
/// [`Retry::faulted`] of the same call.
pub(crate) struct Faulted<'a> {
    page: Outcome,
    _brand: Brand<'a>,
}

enum Outcome {
    Page(FaultedPage),
    NoPage,
    Retry { major: bool },
}

/// # Invariants
///
/// `folio` is locked, uptodate, in the faulting file's page cache, and
/// `page` is its page for the fault's `pgoff` (`folio_file_page`).
struct FaultedPage {
    folio: FolioGuard<ARef<Folio>>,
    page: *mut bindings::page,
    major: bool,
}

impl Faulted<'_> {
    /// The `VM_FAULT_*` bits this result becomes.
    pub(crate) fn bits(&self) -> VmFaultBits {
        let major = |m: bool| {
            if m {
                bindings::vm_fault_reason_VM_FAULT_MAJOR
            } else {
                0
            }
        };
        VmFaultBits(match self.page {
            Outcome::Page(FaultedPage { major: m, .. }) => {
                bindings::vm_fault_reason_VM_FAULT_LOCKED | major(m)
            }
            Outcome::NoPage => bindings::vm_fault_reason_VM_FAULT_NOPAGE,
            Outcome::Retry { major: m } => bindings::vm_fault_reason_VM_FAULT_RETRY | major(m),
        })
    }
}

/// `struct vm_fault` inside `->page_mkwrite`: process context, may sleep;
/// the page is about to become writable in a shared mapping.
///
/// # Invariants
///
/// `raw` is the fault of the `->page_mkwrite` call running now, which lasts
/// `'a`; `folio` is `page_folio(vmf->page)`, referenced by the fault path
/// for all of `'a`.
pub(crate) struct MkwriteFault<'a> {
    raw: RawFault<'a>,
    folio: &'a Folio,
}

impl<'a> MkwriteFault<'a> {
    common_accessors!();

    /// What `filemap_page_mkwrite()` does, in one step, so that no part
    /// can be forgotten: lock the folio; check that it still belongs to
    /// this file's page cache ([`Mkwrite::NoPage`] if it was truncated
    /// meanwhile: the access is retried); mark it dirty
    /// (`folio_mark_dirty`), so that writeback cannot clean it before the
    /// PTE is writable; wait for a writeback in flight (`folio_wait_stable`),
    /// so that no store changes a page while it is being written. Then
    /// [`Mkwrite::Locked`]: return it, and the kernel makes the PTE
    /// writable and unlocks the folio. Consumes the view: the folio is
    /// locked once.
    pub(crate) fn lock(self) -> Mkwrite<'a> {
        let guard = self.folio.lock();
        // One read for both tests (`FolioNow`), true for as long as the
        // lock is held: truncation takes the lock, and so does the start
        // of a writeback (one in flight may end meanwhile, which
        // `wait_stable` then finds).
        let now = guard.now();
        if now.mapping_ptr() != self.raw.file_mapping() {
            return Mkwrite::NoPage;
        }
        let writeback = now.is_writeback();
        guard.mark_dirty();
        if writeback {
            guard.wait_stable();
        }
        Mkwrite::Locked(MkwriteLocked {
            guard,
            _brand: PhantomData,
        })
    }
}

/// The folio of a `->page_mkwrite` call, locked, checked and dirtied by
/// [`MkwriteFault::lock`].
pub(crate) struct MkwriteLocked<'a> {
    guard: FolioGuard<&'a Folio>,
    _brand: Brand<'a>,
}

impl<'a> core::ops::Deref for MkwriteLocked<'a> {
    type Target = FolioGuard<&'a Folio>;

    fn deref(&self) -> &Self::Target {
        &self.guard
    }
}

/// What `->page_mkwrite` hands back.
pub(crate) enum Mkwrite<'a> {
    /// `VM_FAULT_LOCKED`: this call's folio, locked and still in the file's
    /// page cache; the kernel makes the PTE writable, marks the folio dirty
    /// and unlocks it.
    Locked(MkwriteLocked<'a>),
    /// `VM_FAULT_NOPAGE`: the folio was truncated meanwhile; retry.
    NoPage,
}

impl Mkwrite<'_> {
    /// The `VM_FAULT_*` bits this result becomes.
    pub(crate) fn bits(&self) -> VmFaultBits {
        VmFaultBits(match self {
            Mkwrite::Locked(_) => bindings::vm_fault_reason_VM_FAULT_LOCKED,
            Mkwrite::NoPage => bindings::vm_fault_reason_VM_FAULT_NOPAGE,
        })
    }
}

// Without transparent huge pages the table has no `->huge_fault`: the
// types below are built, never used.
/// `struct vm_fault` inside `->huge_fault` for a PMD: process context, may
/// sleep, the fault lock held for the whole call (a huge fault has no
/// retry). The kernel calls it from `create_huge_pmd()` when the PMD is
/// empty and the VMA may take a huge page (`thp_vma_allowable_order`: the
/// global switch `always`, or `madvise` with `MADV_HUGEPAGE`), and from
/// `wp_huge_pmd()` for a store to a PMD mapped read-only in a shared
/// mapping, whatever the switch. Consumed by [`Self::map_pmd`] or
/// [`Self::fallback`].
///
/// # Invariants
///
/// `raw` is the fault of the `->huge_fault` call running now, for a PMD
/// (`order == HPAGE_PMD_ORDER`), which lasts `'a`.
#[cfg_attr(not(CONFIG_TRANSPARENT_HUGEPAGE), allow(dead_code))]
pub(crate) struct HugeFault<'a> {
    raw: RawFault<'a>,
}

#[cfg_attr(not(CONFIG_TRANSPARENT_HUGEPAGE), allow(dead_code))]
impl<'a> HugeFault<'a> {
    common_accessors!();

    /// Pages a PMD maps (`HPAGE_PMD_NR`).
    pub(crate) fn nr_pages(&self) -> usize {
        super::mm::pmd_pages()
    }

    /// The file offset of the PMD's first page: the index a folio must
    /// have to be mapped by it.
    pub(crate) fn pmd_pgoff(&self) -> usize {
        self.pgoff() & !(self.nr_pages() - 1)
    }

    /// What the VMA allows of a PMD-sized folio here, for a driver that
    /// allocates one on a miss (as [`VmFault::pmd_hint`]).
    pub(crate) fn pmd_hint(&self) -> PmdHint {
        self.raw.pmd_hint()
    }

    /// `VM_FAULT_FALLBACK`: the kernel handles the fault at PTE level
    /// (`handle_pte_fault`: `->map_pages`, `->fault`, `->page_mkwrite`);
    /// from `wp_huge_pmd` it splits the PMD first.
    pub(crate) fn fallback(self) -> HugeFaulted<'a> {
        HugeFaulted {
            outcome: HugeOutcome::Fallback,
            _brand: PhantomData,
        }
    }

    /// Map `folio` by the fault's PMD, as `do_set_pmd()` maps a folio from
    /// `finish_fault()`, with `vmf_insert_folio_pmd()`, which takes its own
    /// reference for the mapping (rmap, RSS), and unlock it.
    ///
    /// The checks `filemap_fault()` and `do_set_pmd()` make come first:
    /// - a folio truncated meanwhile (no mapping): [`HugeFaulted`] says
    ///   `VM_FAULT_NOPAGE`, and the access is retried;
    /// - a folio of another file, or not at [`Self::pmd_pgoff`]: `SIGBUS`,
    ///   a driver's error, logged;
    /// - not uptodate: `SIGBUS`, as after a failed read;
    /// - not PMD-sized, a store to a private mapping (copied at PTE level),
    ///   THP disabled for the VMA, the VMA not covering the aligned range at
    ///   an aligned offset, a poisoned page in it, a folio past the file's
    ///   size, a PMD that is a page table or maps another folio: fall back.
    ///
    /// A store (`FAULT_FLAG_WRITE`) marks the whole folio dirty and waits
    /// for a writeback in flight before the PMD becomes writable, as
    /// `filemap_page_mkwrite()` does for one PTE: writeback cannot clean it
    /// before the store, and no store changes it while it is written.
    pub(crate) fn map_pmd(
        self,
        folio: FolioGuard<ARef<Folio>>,
    ) -> Result<HugeFaulted<'a>, FaultError> {
        // One read for the three tests (`FolioNow`).
        let now = folio.now();
        let mapping = now.mapping_ptr();
        if mapping.is_null() {
            return Ok(HugeFaulted {
                outcome: HugeOutcome::NoPage,
                _brand: PhantomData,
            });
        }
        let pgoff = self.pmd_pgoff();
        if mapping != self.raw.file_mapping() || now.index() != pgoff {
            pr_err!("->huge_fault at page offset {pgoff} got a folio of another file or offset\n");
            return Err(FaultError::SigBus);
        }
        if !now.is_uptodate() {
            return Err(FaultError::SigBus);
        }
        let write = self.flags().contains(FaultFlag::Write);
        if (write && !self.raw.is_shared()) || !self.suits(&folio) {
            return Ok(self.fallback());
        }
        // Dirtied once it is known to be mapped, but for the PMD itself
        // (`insert`'s last check), so that a fallback leaves no clean folio
        // dirty.
        if write {
            folio.mark_dirty();
            folio.wait_stable();
        }
        Ok(self.insert(folio, write))
    }

    /// `do_set_pmd()`'s checks of the VMA and the folio (THP not disabled
    /// for the VMA, the VMA covering the aligned range at an aligned
    /// offset, PMD-sized, no poisoned page, nothing past `i_size`).
    #[cfg(CONFIG_TRANSPARENT_HUGEPAGE)]
    fn suits(&self, folio: &FolioGuard<ARef<Folio>>) -> bool {
        // SAFETY: We are in `->huge_fault` (type invariant), the fault lock
        // held: the VMA is live; `folio` is locked (the guard) and in this
        // file's page cache (checked by `map_pmd`), so its mapping and host
        // are live.
        unsafe { ffi::pcc_vmf_pmd_suits(self.raw.raw(), folio.as_ptr()) }
    }

    #[cfg(not(CONFIG_TRANSPARENT_HUGEPAGE))]
    fn suits(&self, _folio: &FolioGuard<ARef<Folio>>) -> bool {
        false
    }

    #[cfg(CONFIG_TRANSPARENT_HUGEPAGE)]
    fn insert(self, folio: FolioGuard<ARef<Folio>>, write: bool) -> HugeFaulted<'a> {
        // SAFETY: We are in `->huge_fault` for a PMD (type invariant), the
        // fault lock held; `folio` is locked (the guard), of this file at
        // the PMD's offset, uptodate, and suits the PMD (checked by
        // `map_pmd`). The helper checks the PMD and takes the mapping's own
        // reference if it maps it.
        let bits = unsafe { ffi::pcc_vmf_insert_folio_pmd(self.raw.raw(), folio.as_ptr(), write) };
        drop(folio);
        HugeFaulted {
            outcome: if bits == bindings::vm_fault_reason_VM_FAULT_FALLBACK {
                HugeOutcome::Fallback
            } else {
                HugeOutcome::Inserted(bits)
            },
            _brand: PhantomData,
        }
    }

    #[cfg(not(CONFIG_TRANSPARENT_HUGEPAGE))]
    fn insert(self, _folio: FolioGuard<ARef<Folio>>, _write: bool) -> HugeFaulted<'a> {
        self.fallback()
    }
}

/// What `->huge_fault` hands back; made only from the same call's
/// [`HugeFault`].
#[cfg_attr(not(CONFIG_TRANSPARENT_HUGEPAGE), allow(dead_code))]
pub(crate) struct HugeFaulted<'a> {
    outcome: HugeOutcome,
    _brand: Brand<'a>,
}

#[cfg_attr(not(CONFIG_TRANSPARENT_HUGEPAGE), allow(dead_code))]
enum HugeOutcome {
    /// `vmf_insert_folio_pmd()`'s result: `VM_FAULT_NOPAGE` (mapped, or
    /// mapped meanwhile by another fault), or an error.
    Inserted(u32),
    Fallback,
    NoPage,
}

#[cfg_attr(not(CONFIG_TRANSPARENT_HUGEPAGE), allow(dead_code))]
impl HugeFaulted<'_> {
    /// Whether the call ended in a PMD (or found one mapped meanwhile).
    pub(crate) fn is_mapped(&self) -> bool {
        matches!(self.outcome, HugeOutcome::Inserted(b) if b == bindings::vm_fault_reason_VM_FAULT_NOPAGE)
    }

    /// Whether the call fell back to PTEs.
    pub(crate) fn is_fallback(&self) -> bool {
        matches!(self.outcome, HugeOutcome::Fallback)
    }

    /// The `VM_FAULT_*` bits this result becomes.
    pub(crate) fn bits(&self) -> VmFaultBits {
        VmFaultBits(match self.outcome {
            HugeOutcome::Inserted(bits) => bits,
            HugeOutcome::Fallback => bindings::vm_fault_reason_VM_FAULT_FALLBACK,
            HugeOutcome::NoPage => bindings::vm_fault_reason_VM_FAULT_NOPAGE,
        })
    }
}

/// `struct vm_fault` inside `->map_pages`: atomic context (RCU read lock),
/// so it offers only what cannot sleep, and only the range the kernel
/// computed (`do_fault_around()` clamps it to the VMA and to one page
/// table). Consumed by [`Self::map_cached_pages`].
///
/// # Invariants
///
/// `raw` is the fault of the `->map_pages` call running now, which lasts
/// `'a`; `start..=end` are the page offsets the kernel passed with it.
pub(crate) struct MapPagesFault<'a> {
    raw: RawFault<'a>,
    start: usize,
    end: usize,
}

impl<'a> MapPagesFault<'a> {
    address_and_flags!();

    /// First page offset of the fault-around window.
    pub(crate) fn start_pgoff(&self) -> usize {
        self.start
    }

    /// Last page offset of the fault-around window (inclusive).
    pub(crate) fn end_pgoff(&self) -> usize {
        self.end
    }

    /// `filemap_map_pages()` over the kernel's window: map the uptodate,
    /// unlocked folios of the file's page cache whose PTEs are empty.
    /// Never allocates, never sleeps.
    ///
    /// The PTE count is the growth of the mm's file RSS across the call
    /// as this CPU sees it, which `filemap_map_pages()` raises by exactly
    /// the PTEs it sets: exact for a single-threaded process when nothing
    /// else changes its RSS meanwhile; approximate otherwise (another
    /// thread of the same mm, reclaim of its other pages), never negative.
    pub(crate) fn map_cached_pages(self) -> MappedAround<'a> {
        let mut ptes: kernel::ffi::c_ulong = 0;
        // SAFETY: We are in `->map_pages` (type invariant), the context
        // `filemap_map_pages` is written for, with this `vmf` and the range
        // the kernel computed for it; `ptes` is ours to write.
        let ret = unsafe {
            ffi::pcc_filemap_map_pages_counted(self.raw.raw(), self.start, self.end, &mut ptes)
        };
        MappedAround {
            ret,
            ptes: ptes as usize,
            _brand: PhantomData,
        }
    }
}

/// What `->map_pages` did; made only from the same call's
/// [`MapPagesFault`].
pub(crate) struct MappedAround<'a> {
    ret: u32,
    ptes: usize,
    _brand: Brand<'a>,
}

impl MappedAround<'_> {
    /// PTEs installed by this call.
    pub(crate) fn ptes(&self) -> usize {
        self.ptes
    }

    /// The bits returned to `do_fault_around()`: `VM_FAULT_NOPAGE` when the
    /// faulting address itself got mapped (no `->fault` call follows).
    pub(crate) fn bits(&self) -> VmFaultBits {
        VmFaultBits(self.ret)
    }
}

/// A type all of whose `&self` methods may run in atomic context (under
/// `rcu_read_lock()`, with preemption disabled): none sleeps, takes a
/// sleeping lock or allocates with `GFP_KERNEL`. What `->map_pages` gets of
/// the driver's data ([`VmOperations::Around`]). It keeps the sleeping
/// parts of the driver's own data out of `->map_pages`' reach; it does not
/// make the driver's `around` and `map_pages` code itself atomic (a global
/// mutex or `fsleep` there still compiles, and `DEBUG_ATOMIC_SLEEP` still
/// reports it).
///
/// # Safety
///
/// No `&self` method of the type (nor of what it derefs to) may sleep.
pub(crate) unsafe trait AtomicContext: Sync {}

// SAFETY: Nothing.
unsafe impl AtomicContext for () {}
// SAFETY: Each part is `AtomicContext`.
unsafe impl<A: AtomicContext, B: AtomicContext> AtomicContext for (A, B) {}
// SAFETY: Each element is `AtomicContext`.
unsafe impl<T: AtomicContext, const N: usize> AtomicContext for [T; N] {}

/// The data of a VMA, as callbacks see it.
pub(crate) type Borrowed<'b, T> = ArcBorrow<'b, <T as VmOperations>::Data>;

/// The reference a VMA holds on its data.
type Owned<T> = Arc<<T as VmOperations>::Data>;

/// Callbacks of a `vm_operations_struct`. One C table per implementing
/// type, with `->map_pages` and `->page_mkwrite` only if implemented
/// (`HAS_MAP_PAGES`, `HAS_PAGE_MKWRITE`); a driver that wants a choice
/// (e.g. fault-around on or off) implements two types and installs one.
/// A second table per type leaves `->page_mkwrite` out
/// ([`VmaDesc::install_without_write_notify`]).
///
/// # Examples
///
/// A zero-filled page cache that serves every fault from its mapping
/// (`Cache` owns a [`super::mapping::PageCacheInode`] and counts
/// fault-around in an [`super::counter::EventCounter`]):
///
/// ```
/// struct Ops;
///
/// #[vtable]
/// impl VmOperations for Ops {
///     type Data = Cache;
///     type Around = EventCounter;
///
///     fn fault<'a>(c: Borrowed<'_, Self>, vmf: VmFault<'a>) -> Result<Faulted<'a>, FaultError> {
///         let new = c.inode.alloc_folio()?;
///         let folio = c.inode.lock_for_add().add_locked(new, vmf.pgoff())?;
///         folio.zero_fill();
///         vmf.page(folio, false)
///     }
///
///     fn around<'c>(c: &'c Borrowed<'_, Self>) -> &'c EventCounter {
///         &c.map_pages_calls
///     }
///
///     fn map_pages<'a>(calls: &EventCounter, vmf: MapPagesFault<'a>) -> MappedAround<'a> {
///         calls.inc();
///         vmf.map_cached_pages()
///     }
///
///     fn page_mkwrite<'a>(_c: Borrowed<'_, Self>, vmf: MkwriteFault<'a>) -> Result<Mkwrite<'a>, FaultError> {
///         Ok(vmf.lock())
///     }
/// }
/// ```
///
/// Kbuild's rustdoc targets are in-tree only, so this example is not
/// compiled; `rust/sound/00_correct_use_compiles.rs` makes the same
/// calls and `make sound` builds it.
#[vtable]
pub(crate) trait VmOperations: Sized + 'static {
    /// The data the callbacks work on. `vm_private_data` holds an
    /// `Arc` of it, which VMAs copied from one (fork, split, `mremap`)
    /// share; a reference taken from a borrow (before the fault lock is
    /// released, in `->mapped`) is of the same allocation, so the borrow a
    /// callback holds stays valid.
    type Data: Send + Sync + 'static;

    /// `->fault`: provide the page for `vmf.pgoff()`.
    fn fault<'a>(data: Borrowed<'_, Self>, vmf: VmFault<'a>) -> Result<Faulted<'a>, FaultError>;

    /// What `->map_pages` gets of the data: it runs under
    /// `rcu_read_lock()` (atomic context), so only a part that is safe there
    /// ([`AtomicContext`]: counters, not the driver's locks), projected from
    /// the data by [`VmOperations::around`].
    type Around: AtomicContext;

    /// The part of the data `->map_pages` gets: a field of it, nothing
    /// more (this too runs under `rcu_read_lock()`).
    fn around<'c>(_data: &'c Borrowed<'_, Self>) -> &'c Self::Around {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `->map_pages`: map what is already cached in the kernel's window,
    /// in atomic context (fault-around).
    fn map_pages<'a>(_around: &Self::Around, _vmf: MapPagesFault<'a>) -> MappedAround<'a> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `->page_mkwrite`: `vmf->page` is about to become writable in a
    /// shared mapping.
    fn page_mkwrite<'a>(
        _data: Borrowed<'_, Self>,
        _vmf: MkwriteFault<'a>,
    ) -> Result<Mkwrite<'a>, FaultError> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `->huge_fault` for a PMD: map a PMD-sized folio by one PMD
    /// ([`HugeFault::map_pmd`]), or fall back to PTEs. Installed only on a
    /// kernel with transparent huge pages; other orders (a PUD) fall back
    /// without a call.
    fn huge_fault<'a>(
        _data: Borrowed<'_, Self>,
        _vmf: HugeFault<'a>,
    ) -> Result<HugeFaulted<'a>, FaultError> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// `struct vm_area_desc` inside `->mmap_prepare`: a mapping about to be
/// made of a file whose `private_data` holds an `Arc<D>`.
///
/// # Invariants
///
/// `raw` is the descriptor of the `->mmap_prepare` call running now, which
/// lasts `'a`, for a mapping of a file whose `private_data` holds an
/// `Arc<D>` (from `Arc::into_foreign`) until the file is released;
/// `desc->vm_file` is that file (nothing here changes it).
pub(crate) struct VmaDesc<'a, D> {
    raw: NonNull<bindings::vm_area_desc>,
    _p: PhantomData<(&'a mut bindings::vm_area_desc, Arc<D>)>,
}

impl<'a, D> VmaDesc<'a, D> {
    /// # Safety
    ///
    /// `raw` is the descriptor of the `->mmap_prepare` call running now,
    /// `'a` does not outlive it, and the file mapped (`desc->vm_file`) holds
    /// an `Arc<D>` in `private_data` until it is released.
    pub(super) unsafe fn from_raw(raw: *mut bindings::vm_area_desc) -> Self {
        // INVARIANT: as the caller promises.
        Self {
            // SAFETY: The kernel passes a valid, hence non-null, descriptor.
            raw: unsafe { NonNull::new_unchecked(raw) },
            _p: PhantomData,
        }
    }

    /// The file page offset the mapping starts at (`desc->pgoff`).
    pub(crate) fn pgoff(&self) -> usize {
        // SAFETY: The descriptor is live and ours for the call.
        unsafe { (*self.raw.as_ptr()).pgoff }
    }

    /// Make the mapping use `T`'s callbacks, with the file's data as the
    /// VMA's data (`desc->vm_ops`). Nothing else changes: the reference the
    /// VMA holds on the data is taken by `->mapped` once the mapping is
    /// made (not if it fails, nor if the kernel merges it into a
    /// neighbour, which keeps its own), so a failed or merged `mmap` leaves
    /// nothing behind.
    ///
    /// # Examples
    ///
    /// From a misc device's `mmap_prepare` (its files hold an `Arc<Cache>`):
    ///
    /// ```
    /// fn mmap_prepare(c: ArcBorrow<'_, Cache>, _f: &File, desc: &mut VmaDesc<'_, Cache>) -> Result {
    ///     if desc.pgoff() >= c.pages {
    ///         return Err(EINVAL);
    ///     }
    ///     desc.install::<Ops>();
    ///     Ok(())
    /// }
    /// ```
    pub(crate) fn install<T: VmOperations<Data = D>>(&mut self) {
        self.set_vm_ops(VmOpsTable::<T>::build());
    }

    /// As [`Self::install`], without `T`'s `->page_mkwrite`: the mapping
    /// is not told of a first store to a page. The kernel then maps a
    /// shared writable mapping's pages writable from the start, as it maps
    /// shmem's, unless the file's bdi writes back, soft-dirty or uffd-wp
    /// tracks the mapping (`vma_wants_writenotify()`): a store to a page
    /// mapped read-only is then made writable by `wp_page_shared()`
    /// without a call. A page whose PTE a store dirtied is marked dirty
    /// when the kernel learns of it: a write fault that maps it
    /// (`fault_dirty_shared_page()`), the PTE's unmapping
    /// (`zap_present_ptes()`), or a writeback that write-protects it with
    /// `folio_mkclean()` and carries the dirty bit over, as
    /// `folio_clear_dirty_for_io()` does.
    pub(crate) fn install_without_write_notify<T: VmOperations<Data = D>>(&mut self) {
        self.set_vm_ops(VmOpsTable::<T>::build_without_write_notify());
    }

    fn set_vm_ops(&mut self, ops: &'static bindings::vm_operations_struct) {
        // SAFETY: The descriptor is ours for the call; `vm_ops` and
        // `private_data` are its write-only fields. `private_data` stays
        // null until `->mapped` stores the VMA's reference.
        unsafe {
            (*self.raw.as_ptr()).vm_ops = ops;
            (*self.raw.as_ptr()).private_data = core::ptr::null_mut();
        }
    }
}

struct VmOpsTable<T>(PhantomData<T>);

impl<T: VmOperations> VmOpsTable<T> {
    /// # Safety
    ///
    /// `data` is a `vm_private_data` set by `mapped` (or `open`) for `T`,
    /// whose reference the caller gives up.
    unsafe fn release_data(data: *mut c_void) {
        // SAFETY: The caller gives back the reference `install` stored.
        drop(unsafe { Owned::<T>::from_foreign(data) });
    }

    /// One more reference on the VMA's data, as a foreign pointer.
    ///
    /// # Safety
    ///
    /// `vma` was set up by `mapped` for `T` and is live for the call.
    unsafe fn pin_data(vma: *mut bindings::vm_area_struct) -> *mut c_void {
        // SAFETY: As the caller promises.
        Owned::<T>::from(unsafe { Self::data(vma) }).into_foreign()
    }

    /// # Safety
    ///
    /// `vma` was set up by `mapped` (or `open`) with this `T` and is alive
    /// for `'b`.
    unsafe fn data<'b>(vma: *mut bindings::vm_area_struct) -> Borrowed<'b, T> {
        // SAFETY: `vm_private_data` holds a reference for as long as the VMA
        // exists (see `mapped`, `open`, `close`), which covers `'b`: no
        // fault can reach the VMA before `mapped` ran (`__mmap_region`
        // write-locks the new VMA, `vma_start_write`, before inserting it,
        // and holds the mmap lock for writing until after `mapped`).
        unsafe { Owned::<T>::borrow((*vma).vm_private_data) }
    }

    /// # Safety
    ///
    /// Called by the kernel with a new VMA copied from one of ours.
    unsafe extern "C" fn open(vma: *mut bindings::vm_area_struct) {
        // SAFETY: The copy shares the original's `vm_private_data`, which
        // holds a live reference for the duration of this call.
        let extra = Owned::<T>::from(unsafe { Self::data(vma) });
        // SAFETY: The new VMA owns the extra reference from now on.
        unsafe { (*vma).vm_private_data = extra.into_foreign() };
    }

    /// # Safety
    ///
    /// Called by `call_vma_mapped()` for a new VMA that `T`'s table was
    /// installed on by [`VmaDesc::install`], with its file, under the mmap
    /// lock held for writing.
    unsafe extern "C" fn mapped(
        _start: usize,
        _end: usize,
        _pgoff: usize,
        file: *const bindings::file,
        vm_private_data: *mut *mut c_void,
    ) -> c_int {
        // SAFETY: `file` is the file mapped (the new VMA holds it), whose
        // `private_data` holds an `Arc<T::Data>` until it is released (the
        // `VmaDesc` invariant `install` was called under).
        let data = unsafe { Owned::<T>::borrow((*file).private_data) };
        let own = Owned::<T>::from(data);
        // SAFETY: `vm_private_data` is the output the kernel stores in the
        // VMA; the VMA owns the reference from now on, until `->close`.
        unsafe { *vm_private_data = own.into_foreign() };
        0
    }

    /// # Safety
    ///
    /// Called by the kernel once, when one of our VMAs goes away.
    unsafe extern "C" fn close(vma: *mut bindings::vm_area_struct) {
        // SAFETY: The VMA is live for the call.
        let data = unsafe { (*vma).vm_private_data };
        // A VMA that went before `->mapped` ran (the kernel unmaps one
        // whose `->mapped` or `mmap_action` failed) holds no reference.
        if data.is_null() {
            return;
        }
        // SAFETY: This VMA owned one reference (see `mapped` and `open`),
        // given back here; the field is not used again.
        unsafe { Self::release_data(data) };
    }

    /// # Safety
    ///
    /// Called by `__do_fault()` with a live `vmf` of one of our VMAs.
    unsafe extern "C" fn fault(vmf: *mut bindings::vm_fault) -> bindings::vm_fault_t {
        // SAFETY: `vmf` is live for this call, and so is its VMA.
        let raw = unsafe { RawFault::new(vmf) };
        // SAFETY: The VMA was set up by `mapped` for `T`.
        let data = unsafe { Self::data(raw.vma_ptr()) };
        let state = FaultState {
            released: core::cell::Cell::new(false),
            pinned: core::cell::Cell::new(core::ptr::null_mut()),
            file: core::cell::Cell::new(core::ptr::null_mut()),
            pin: Self::pin_data,
            unpin: Self::release_data,
        };
        let r = T::fault(data, VmFault { raw, state: &state });
        let bits = result_bits(&r, Faulted::bits).0;
        if state.released.get() {
            // The fault lock is gone: only `VM_FAULT_RETRY` may be returned
            // (`Retry` is the only result a callback can build then; an
            // error it returned instead is turned into a retry). Whatever
            // it holds is dropped here, and the data reference taken before
            // the release is given back when `state` goes.
            let major = bits & bindings::vm_fault_reason_VM_FAULT_MAJOR;
            return bindings::vm_fault_reason_VM_FAULT_RETRY | major;
        }
        if let Ok(Faulted {
            page: Outcome::Page(FaultedPage { folio, page, .. }),
            ..
        }) = r
        {
            // SAFETY: `vmf->page` is the out-parameter of `->fault`; `page`
            // is the page of this fault's offset in a locked, uptodate folio
            // of the file (`FaultedPage` invariant), whose reference and
            // lock pass to the kernel, as `VM_FAULT_LOCKED` in `bits` says.
            unsafe { (*vmf).page = page };
            ARef::into_raw(folio.into_kernel());
        }
        bits
    }

    /// # Safety
    ///
    /// Called by `do_fault_around()` with a live `vmf`, under RCU.
    unsafe extern "C" fn map_pages(
        vmf: *mut bindings::vm_fault,
        start: usize,
        end: usize,
    ) -> bindings::vm_fault_t {
        // SAFETY: `vmf` is live for this call, and so is its VMA.
        let raw = unsafe { RawFault::new(vmf) };
        // SAFETY: The VMA was set up by `mapped` for `T`.
        let data = unsafe { Self::data(raw.vma_ptr()) };
        // INVARIANT: the kernel's own range for this call.
        T::map_pages(T::around(&data), MapPagesFault { raw, start, end })
            .bits()
            .0
    }

    /// # Safety
    ///
    /// Called by `do_page_mkwrite()` with a live `vmf` whose `page` is
    /// referenced.
    unsafe extern "C" fn page_mkwrite(vmf: *mut bindings::vm_fault) -> bindings::vm_fault_t {
        // SAFETY: `vmf` is live for this call, and so is its VMA.
        let raw = unsafe { RawFault::new(vmf) };
        // SAFETY: The VMA was set up by `mapped` for `T`.
        let data = unsafe { Self::data(raw.vma_ptr()) };
        // SAFETY: `do_page_mkwrite()` passes the page it holds a reference
        // on for the whole call (`vmf->page`, never null there), and so its
        // folio.
        let folio = unsafe { Folio::from_raw(ffi::pcc_page_folio((*vmf).page)) };
        let r = T::page_mkwrite(data, MkwriteFault { raw, folio });
        let bits = result_bits(&r, Mkwrite::bits).0;
        if let Ok(Mkwrite::Locked(locked)) = r {
            // The lock passes to the kernel, as `VM_FAULT_LOCKED` in `bits`
            // says.
            locked.guard.into_kernel();
        }
        bits
    }

    /// # Safety
    ///
    /// Called by `create_huge_pmd()` or `wp_huge_pmd()` with a live `vmf`
    /// of one of our VMAs, the fault lock held.
    #[cfg(CONFIG_TRANSPARENT_HUGEPAGE)]
    unsafe extern "C" fn huge_fault(
        vmf: *mut bindings::vm_fault,
        order: c_uint,
    ) -> bindings::vm_fault_t {
        // Only a PMD: pcc's page cache holds no folio larger
        // (`MAX_PAGECACHE_ORDER` is below PUD order), and a PUD call would
        // need a view of its own.
        if order as usize != super::mm::pmd_order() {
            return bindings::vm_fault_reason_VM_FAULT_FALLBACK;
        }
        // SAFETY: `vmf` is live for this call, and so is its VMA.
        let raw = unsafe { RawFault::new(vmf) };
        // SAFETY: The VMA was set up by `mapped` for `T`.
        let data = unsafe { Self::data(raw.vma_ptr()) };
        // INVARIANT: a PMD-order call, checked above.
        let r = T::huge_fault(data, HugeFault { raw });
        result_bits(&r, HugeFaulted::bits).0
    }

    #[cfg(CONFIG_TRANSPARENT_HUGEPAGE)]
    const HUGE_FAULT: Option<
        unsafe extern "C" fn(*mut bindings::vm_fault, c_uint) -> bindings::vm_fault_t,
    > = if T::HAS_HUGE_FAULT {
        Some(Self::huge_fault)
    } else {
        None
    };

    #[cfg(not(CONFIG_TRANSPARENT_HUGEPAGE))]
    const HUGE_FAULT: Option<
        unsafe extern "C" fn(*mut bindings::vm_fault, c_uint) -> bindings::vm_fault_t,
    > = None;

    const VTABLE: bindings::vm_operations_struct = bindings::vm_operations_struct {
        open: Some(Self::open),
        close: Some(Self::close),
        mapped: Some(Self::mapped),
        fault: Some(Self::fault),
        map_pages: if T::HAS_MAP_PAGES {
            Some(Self::map_pages)
        } else {
            None
        },
        page_mkwrite: if T::HAS_PAGE_MKWRITE {
            Some(Self::page_mkwrite)
        } else {
            None
        },
        huge_fault: Self::HUGE_FAULT,
        ..pin_init::zeroed()
    };

    /// [`Self::VTABLE`] without `->page_mkwrite`.
    const VTABLE_WITHOUT_WRITE_NOTIFY: bindings::vm_operations_struct =
        bindings::vm_operations_struct {
            page_mkwrite: None,
            ..Self::VTABLE
        };

    const fn build() -> &'static bindings::vm_operations_struct {
        &Self::VTABLE
    }

    const fn build_without_write_notify() -> &'static bindings::vm_operations_struct {
        &Self::VTABLE_WITHOUT_WRITE_NOTIFY
    }
}

/// `->fault` returned a folio that does not hold its page: a driver's bug,
/// said (rate-limited) out of the fault's hot path.
#[cold]
#[inline(never)]
fn wrong_folio(pgoff: usize) -> FaultError {
    pr_err_ratelimited!(
        "->fault at page offset {pgoff} returned a folio of another file or offset\n"
    );
    FaultError::SigBus
}

// SPDX-License-Identifier: GPL-2.0

//! Virtual memory operations: `struct vm_operations_struct` and `struct vm_fault`.
//!
//! C header: [`include/linux/mm.h`](srctree/include/linux/mm.h).
//!
//! A driver implements [`VmOperations`] and installs it on a new VMA from its
//! `mmap` with [`install`]. The kernel then calls back into the driver from
//! the page-fault path:
//!
//! - `->fault` from `__do_fault()` (via `do_read_fault()`, `do_cow_fault()`
//!   or `do_shared_fault()`), with a [`VmFault`] valid for the call only;
//! - `->map_pages` from `do_fault_around()`, under `rcu_read_lock()`, with a
//!   [`MapPagesFault`], which only offers what may run in atomic context;
//! - `->page_mkwrite` from `do_page_mkwrite()` (via `do_shared_fault()` or
//!   `wp_page_shared()`), before a shared page becomes writable.
//!
//! Return values are typed ([`Faulted`], [`Mkwrite`], [`FaultError`],
//! [`MappedAround`]) and turned into `VM_FAULT_*` bits only here.
//!
//! The data passed to [`install`] is an `Arc<T>` kept in `vm_private_data`;
//! `->open` (fork, split, mremap) takes a reference for the new VMA and
//! `->close` drops it, so the data lives as long as any VMA using it.

use super::{
    ffi,
    folio::{
        Folio,
        FolioGuard,
        Locked,
        LockedFolioRef, //
    },
};
use core::marker::PhantomData;
use kernel::{
    bindings,
    error::VTABLE_DEFAULT_ERROR,
    mm::virt::{
        VmaNew,
        VmaRef, //
    },
    prelude::*,
    sync::Arc,
    types::{
        ForeignOwnable,
        Opaque, //
    },
};

/// `enum fault_flag`: why and how a fault is being handled.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct FaultFlags(u32);

macro_rules! fault_flags {
    ($($(#[$m:meta])* $name:ident = $c:ident;)*) => {
        impl FaultFlags {
            $($(#[$m])* pub(crate) const $name: FaultFlags = FaultFlags(bindings::$c as u32);)*
        }
    };
}

fault_flags! {
    /// The access was a store.
    WRITE = fault_flag_FAULT_FLAG_WRITE;
    /// `do_page_mkwrite()` is making an existing PTE writable.
    MKWRITE = fault_flag_FAULT_FLAG_MKWRITE;
    /// The handler may drop the lock and ask for a retry.
    ALLOW_RETRY = fault_flag_FAULT_FLAG_ALLOW_RETRY;
    /// Retry without waiting.
    RETRY_NOWAIT = fault_flag_FAULT_FLAG_RETRY_NOWAIT;
    /// The task can be killed while waiting.
    KILLABLE = fault_flag_FAULT_FLAG_KILLABLE;
    /// This is a retry.
    TRIED = fault_flag_FAULT_FLAG_TRIED;
    /// The fault came from user space.
    USER = fault_flag_FAULT_FLAG_USER;
    /// The fault is for another task's mm (e.g. `access_process_vm`).
    REMOTE = fault_flag_FAULT_FLAG_REMOTE;
    /// An instruction fetch.
    INSTRUCTION = fault_flag_FAULT_FLAG_INSTRUCTION;
    /// Interruptible by non-fatal signals.
    INTERRUPTIBLE = fault_flag_FAULT_FLAG_INTERRUPTIBLE;
    /// Unshare a COW page.
    UNSHARE = fault_flag_FAULT_FLAG_UNSHARE;
    /// `vmf->orig_pte` is valid.
    ORIG_PTE_VALID = fault_flag_FAULT_FLAG_ORIG_PTE_VALID;
    /// Handled under the per-VMA lock, not `mmap_lock`.
    VMA_LOCK = fault_flag_FAULT_FLAG_VMA_LOCK;
}

impl FaultFlags {
    /// Whether every flag of `other` is set.
    pub(crate) fn contains(self, other: FaultFlags) -> bool {
        self.0 & other.0 == other.0
    }

    pub(crate) fn bits(self) -> u32 {
        self.0
    }
}

/// The `VM_FAULT_*` bits a callback returned (named in trace output).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct VmFaultBits(pub(crate) u32);

/// A fault that cannot be served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FaultError {
    /// `VM_FAULT_SIGBUS`: e.g. an offset past the end of the object.
    SigBus,
    /// `VM_FAULT_SIGSEGV`.
    SigSegv,
    /// `VM_FAULT_OOM`: no memory for the page.
    Oom,
}

impl FaultError {
    pub(crate) fn bits(self) -> VmFaultBits {
        VmFaultBits(match self {
            FaultError::SigBus => bindings::vm_fault_reason_VM_FAULT_SIGBUS,
            FaultError::SigSegv => bindings::vm_fault_reason_VM_FAULT_SIGSEGV,
            FaultError::Oom => bindings::vm_fault_reason_VM_FAULT_OOM,
        })
    }
}

impl From<Error> for FaultError {
    /// `vmf_error()`: ENOMEM becomes OOM, anything else SIGBUS.
    fn from(e: Error) -> Self {
        if e == ENOMEM {
            FaultError::Oom
        } else {
            FaultError::SigBus
        }
    }
}

/// What `->fault` hands back.
pub(crate) enum Faulted {
    /// `vmf->page` = this folio's page, with its reference and its lock:
    /// `VM_FAULT_LOCKED`, plus `VM_FAULT_MAJOR` if `major`.
    Page { folio: LockedFolioRef, major: bool },
    /// `VM_FAULT_NOPAGE`: nothing to map now (e.g. lost a race with
    /// truncation); the access is retried.
    NoPage,
}

impl Faulted {
    pub(crate) fn bits(&self) -> VmFaultBits {
        VmFaultBits(match self {
            Faulted::Page { major: false, .. } => bindings::vm_fault_reason_VM_FAULT_LOCKED,
            Faulted::Page { major: true, .. } => {
                bindings::vm_fault_reason_VM_FAULT_LOCKED | bindings::vm_fault_reason_VM_FAULT_MAJOR
            }
            Faulted::NoPage => bindings::vm_fault_reason_VM_FAULT_NOPAGE,
        })
    }
}

/// What `->page_mkwrite` hands back.
pub(crate) enum Mkwrite<'a> {
    /// `VM_FAULT_LOCKED`: the faulting folio, locked; the kernel makes the
    /// PTE writable, marks the folio dirty and unlocks it.
    Locked(FolioGuard<'a>),
    /// `VM_FAULT_NOPAGE`: the folio was truncated meanwhile; retry.
    NoPage,
}

impl Mkwrite<'_> {
    pub(crate) fn bits(&self) -> VmFaultBits {
        VmFaultBits(match self {
            Mkwrite::Locked(_) => bindings::vm_fault_reason_VM_FAULT_LOCKED,
            Mkwrite::NoPage => bindings::vm_fault_reason_VM_FAULT_NOPAGE,
        })
    }
}

/// The `VM_FAULT_*` bits of a fault callback's result.
pub(crate) fn result_bits<T>(
    r: &Result<T, FaultError>,
    ok: impl Fn(&T) -> VmFaultBits,
) -> VmFaultBits {
    match r {
        Ok(v) => ok(v),
        Err(e) => e.bits(),
    }
}

/// What `->map_pages` did: the result of `filemap_map_pages()`.
#[derive(Clone, Copy)]
pub(crate) struct MappedAround {
    ret: u32,
    ptes: usize,
}

impl MappedAround {
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

/// Common accessors of `struct vm_fault`.
///
/// # Invariants
///
/// `self.0` is the `vm_fault` the kernel passed to the running callback.
#[repr(transparent)]
struct RawFault(Opaque<bindings::vm_fault>);

impl RawFault {
    fn raw(&self) -> *mut bindings::vm_fault {
        self.0.get()
    }

    fn pgoff(&self) -> usize {
        // SAFETY: The const fields of a live `vm_fault` are set before any
        // callback and never change.
        unsafe { (*self.raw()).__bindgen_anon_1.pgoff }
    }

    fn address(&self) -> usize {
        // SAFETY: As for `pgoff`.
        unsafe { (*self.raw()).__bindgen_anon_1.address }
    }

    fn flags(&self) -> FaultFlags {
        // SAFETY: `flags` is only changed by the faulting thread, which is
        // the one running this callback.
        FaultFlags(unsafe { (*self.raw()).flags })
    }

    fn vma(&self) -> &VmaRef {
        // SAFETY: The fault path holds the mmap lock or the VMA lock for the
        // whole callback, which outlives `&self`.
        unsafe { VmaRef::from_raw((*self.raw()).__bindgen_anon_1.vma) }
    }
}

/// `struct vm_fault` inside `->fault` or `->page_mkwrite` (process context,
/// may sleep).
///
/// # Invariants
///
/// Valid only for the callback it was given to: its lifetime `'a` ends
/// when the callback returns.
#[repr(transparent)]
pub(crate) struct VmFault<'a>(RawFault, PhantomData<&'a ()>);

/// `struct vm_fault` inside `->map_pages`: atomic context (RCU read lock),
/// so it offers only what cannot sleep.
#[repr(transparent)]
pub(crate) struct MapPagesFault<'a>(RawFault, PhantomData<&'a ()>);

macro_rules! fault_accessors {
    ($t:ident) => {
        impl<'a> $t<'a> {
            /// # Safety
            ///
            /// `vmf` must be the `vm_fault` of the callback that is running,
            /// and the reference must not outlive it.
            unsafe fn from_raw(vmf: *mut bindings::vm_fault) -> &'a Self {
                // SAFETY: Transparent wrapper; validity is the caller's promise.
                unsafe { &*vmf.cast() }
            }

            /// Page offset of the access in the mapped object (`vmf->pgoff`).
            pub(crate) fn pgoff(&self) -> usize {
                self.0.pgoff()
            }

            /// Faulting user address, page aligned (`vmf->address`).
            pub(crate) fn address(&self) -> usize {
                self.0.address()
            }

            /// `vmf->flags`.
            pub(crate) fn flags(&self) -> FaultFlags {
                self.0.flags()
            }

            /// The VMA, under the lock the fault path holds.
            pub(crate) fn vma(&self) -> &VmaRef {
                self.0.vma()
            }
        }
    };
}
fault_accessors!(VmFault);
fault_accessors!(MapPagesFault);

impl VmFault<'_> {
    /// The folio `->page_mkwrite` is asked about (`page_folio(vmf->page)`);
    /// `None` in `->fault`, where the handler provides the page.
    pub(crate) fn folio(&self) -> Option<&Folio> {
        // SAFETY: `vmf->page` is either null or a page the fault path holds
        // a reference on for the whole callback.
        let page = unsafe { (*self.0.raw()).page };
        if page.is_null() {
            return None;
        }
        // SAFETY: `page` is live (see above), and so is its folio.
        Some(unsafe { Folio::from_raw(ffi::pcc_page_folio(page)) })
    }
}

impl MapPagesFault<'_> {
    /// `filemap_map_pages()`: map the uptodate, unlocked folios of the
    /// file's page cache in `[start, end]` whose PTEs are empty. Never
    /// allocates, never sleeps.
    ///
    /// The PTE count is the growth of the mm's file RSS across the call,
    /// which `filemap_map_pages()` raises by exactly the PTEs it sets; a
    /// concurrent fault of another thread of the same mm would be counted
    /// too.
    pub(crate) fn map_cached_pages(&self, start: usize, end: usize) -> MappedAround {
        let vmf = self.0.raw();
        let mm = self.vma().mm().as_raw();
        // SAFETY: `mm` is live while its VMA is locked; the sum takes a raw
        // spinlock only, allowed under RCU.
        let before = unsafe { ffi::pcc_mm_file_rss(mm) };
        // SAFETY: We are in `->map_pages`, the context `filemap_map_pages`
        // is written for, with this `vmf`.
        let ret = unsafe { bindings::filemap_map_pages(vmf, start, end) };
        // SAFETY: As above.
        let after = unsafe { ffi::pcc_mm_file_rss(mm) };
        MappedAround {
            ret,
            ptes: after.saturating_sub(before) as usize,
        }
    }
}

/// The page offset a VMA maps its start at (`vma->vm_pgoff`).
pub(crate) fn vma_pgoff(vma: &VmaRef) -> usize {
    // SAFETY: `vm_pgoff` is stable under the lock a `VmaRef` stands for.
    unsafe { (*vma.as_ptr()).vm_pgoff }
}

/// Callbacks of a `vm_operations_struct`, on the data given to [`install`].
#[vtable]
pub(crate) trait VmOperations: Send + Sync + Sized + 'static {
    /// `->fault`: provide the page for `vmf.pgoff()`.
    fn fault(&self, vmf: &VmFault<'_>) -> Result<Faulted, FaultError>;

    /// `->map_pages`: map what is already cached in `[start, end]`, in
    /// atomic context (fault-around).
    fn map_pages(&self, _vmf: &MapPagesFault<'_>, _start: usize, _end: usize) -> MappedAround {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `->page_mkwrite`: the page `vmf.folio()` is about to become
    /// writable in a shared mapping.
    fn page_mkwrite<'a>(&self, _vmf: &'a VmFault<'a>) -> Result<Mkwrite<'a>, FaultError> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// Whether the installed table has `->map_pages` (fault-around).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultAround {
    Enabled,
    Disabled,
}

/// Make `vma` use `T`'s callbacks with `data`. Called from `mmap`.
pub(crate) fn install<T: VmOperations>(vma: &VmaNew, data: Arc<T>, around: FaultAround) {
    let table: &'static bindings::vm_operations_struct = match around {
        FaultAround::Enabled => &VmOpsTable::<T>::WITH_MAP_PAGES,
        FaultAround::Disabled => &VmOpsTable::<T>::WITHOUT_MAP_PAGES,
    };
    let raw = vma.as_ptr();
    // SAFETY: The VMA is being set up in `->mmap` (what `VmaNew` stands
    // for), so nothing else reads these fields yet; `vm_private_data` is
    // null there and now owns one reference, dropped by `->close`.
    unsafe {
        (*raw).vm_ops = table;
        (*raw).vm_private_data = data.into_foreign();
    }
}

struct VmOpsTable<T>(PhantomData<T>);

impl<T: VmOperations> VmOpsTable<T> {
    /// # Safety
    ///
    /// `vma` must have been set up by [`install`] with this `T`.
    unsafe fn data<'a>(vma: *mut bindings::vm_area_struct) -> &'a T {
        // SAFETY: `vm_private_data` holds a reference to an `Arc<T>` for as
        // long as the VMA exists (see `install`, `open`, `close`), which
        // covers every callback.
        let b = unsafe { <Arc<T> as ForeignOwnable>::borrow((*vma).vm_private_data) };
        // SAFETY: The `Arc` outlives the callback, hence `'a`.
        unsafe { &*core::ptr::from_ref::<T>(&b) }
    }

    /// # Safety
    ///
    /// Called by the kernel with a new VMA copied from one of ours.
    unsafe extern "C" fn open(vma: *mut bindings::vm_area_struct) {
        // SAFETY: The copy shares the original's `vm_private_data`, which
        // holds a live reference.
        let b = unsafe { <Arc<T> as ForeignOwnable>::borrow((*vma).vm_private_data) };
        let extra: Arc<T> = b.into();
        // SAFETY: The new VMA owns the extra reference from now on (it is
        // the same pointer value).
        unsafe { (*vma).vm_private_data = extra.into_foreign() };
    }

    /// # Safety
    ///
    /// Called by the kernel once, when one of our VMAs goes away.
    unsafe extern "C" fn close(vma: *mut bindings::vm_area_struct) {
        // SAFETY: This VMA owned one reference (see `install` and `open`),
        // given back here; the field is not used again.
        drop(unsafe { <Arc<T> as ForeignOwnable>::from_foreign((*vma).vm_private_data) });
    }

    /// # Safety
    ///
    /// Called by `__do_fault()` with a live `vmf` of one of our VMAs.
    unsafe extern "C" fn fault(vmf: *mut bindings::vm_fault) -> bindings::vm_fault_t {
        // SAFETY: `vmf` is live for this call.
        let f = unsafe { VmFault::from_raw(vmf) };
        // SAFETY: The VMA was set up by `install`.
        let data = unsafe { Self::data(f.vma().as_ptr()) };
        let r = data.fault(f);
        let bits = result_bits(&r, Faulted::bits).0;
        if let Ok(Faulted::Page { folio, .. }) = r {
            // SAFETY: `vmf->page` is the out-parameter of `->fault`; the
            // reference and the lock pass to the kernel, as `VM_FAULT_LOCKED`
            // in `bits` says.
            unsafe { (*vmf).page = folio.into_raw_page() };
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
        // SAFETY: `vmf` is live for this call.
        let f = unsafe { MapPagesFault::from_raw(vmf) };
        // SAFETY: The VMA was set up by `install`.
        let data = unsafe { Self::data(f.vma().as_ptr()) };
        data.map_pages(f, start, end).bits().0
    }

    /// # Safety
    ///
    /// Called by `do_page_mkwrite()` with a live `vmf` whose `page` is
    /// referenced.
    unsafe extern "C" fn page_mkwrite(vmf: *mut bindings::vm_fault) -> bindings::vm_fault_t {
        // SAFETY: `vmf` is live for this call.
        let f = unsafe { VmFault::from_raw(vmf) };
        // SAFETY: The VMA was set up by `install`.
        let data = unsafe { Self::data(f.vma().as_ptr()) };
        let r = data.page_mkwrite(f);
        let bits = result_bits(&r, Mkwrite::bits).0;
        if let Ok(Mkwrite::Locked(guard)) = r {
            if f.folio().map(Folio::as_ptr) != Some(guard.locked_folio().as_ptr()) {
                // The driver locked some other folio: a bug. Unlock it
                // (drop) and fail this access rather than corrupt state.
                drop(guard);
                pr_err!("page_mkwrite returned a folio other than vmf->page\n");
                return FaultError::SigBus.bits().0;
            }
            // The lock passes to the kernel, as `VM_FAULT_LOCKED` in `bits`
            // says.
            guard.into_kernel();
        }
        bits
    }

    const WITH_MAP_PAGES: bindings::vm_operations_struct = bindings::vm_operations_struct {
        open: Some(Self::open),
        close: Some(Self::close),
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
        ..pin_init::zeroed()
    };

    const WITHOUT_MAP_PAGES: bindings::vm_operations_struct = bindings::vm_operations_struct {
        map_pages: None,
        ..Self::WITH_MAP_PAGES
    };
}

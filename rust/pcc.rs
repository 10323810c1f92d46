// SPDX-License-Identifier: GPL-2.0

//! pcc: a misc device whose mappings take the real page-fault path into Rust.
//!
//! `/dev/pcc` is a fixed-size page cache shared by every process that opens
//! it. Its `mmap` installs a `vm_operations_struct` implemented in Rust
//! (`fault`, `map_pages`, `page_mkwrite`), so every access to a mapping goes
//! through the kernel's fault path into [`cache`]. See `README.md`.
//!
//! Layout: [`ext`] holds the abstractions over C (all of pcc's `unsafe`);
//! the driver is safe Rust (`#[forbid(unsafe_code)]`): [`cache`] (the page
//! cache and its callbacks), [`device`] (the file operations and ioctls),
//! [`store`] (the backing store's format and I/O) and [`uapi`] (the ABI's
//! structs).

use kernel::{
    prelude::*,
    sync::Arc, //
};

mod ext;

#[forbid(unsafe_code)]
mod cache;
#[forbid(unsafe_code)]
mod device;
#[forbid(unsafe_code)]
mod store;
#[forbid(unsafe_code)]
mod uapi;

use cache::{
    Huge,
    PageCache, //
};
use ext::{
    memory_failure::MemoryFailureHandler,
    misc::SharedMiscRegistration,
    params,
    print::Dec,
    readahead::ReadPagesHandler,
    writeback::WritebackHandler, //
};
use store::Store;

/// The largest `size_pages` (Documentation/abi.md): 4 GiB of 4 KiB pages,
/// the store's bitmap for it 128 KiB.
const MAX_SIZE_PAGES: usize = 1 << 20;

module! {
    type: PccModule,
    name: "pcc",
    authors: ["pcc developers"],
    description: "Page-cache device: the kernel's page-fault path, visible and testable",
    license: "GPL",
}

#[pin_data(PinnedDrop)]
struct PccModule {
    #[pin]
    misc: SharedMiscRegistration<PageCache>,
    cache: Arc<PageCache>,
    _mm_callbacks: Option<MmCallbacks>,
}

fn new_cache() -> Result<Arc<PageCache>> {
    let pages = params::size_pages();
    let around = params::fault_around();
    let delay = params::io_delay_us();
    if pages == 0 || pages > MAX_SIZE_PAGES as u64 {
        pr_err!(
            "size_pages={} is out of range 1..={MAX_SIZE_PAGES} (EINVAL)\n",
            Dec(pages)
        );
        return Err(EINVAL);
    }
    let backing = params::backing();
    let write_notify = params::write_notify();
    // A store's bdi writes back, and the kernel then write-protects a
    // shared mapping's pages whatever its callbacks (vma_wants_writenotify).
    if !write_notify && !backing.is_empty() {
        pr_err!("write_notify=0 is for a cache without a store: backing= was given (EINVAL)\n");
        return Err(EINVAL);
    }
    let store = if backing.is_empty() {
        None
    } else {
        Some(Store::open(backing, pages as usize, delay)?)
    };
    // As tmpfs's size=: half of RAM unless asked otherwise.
    let limit = match params::cache_pages() {
        0 => (ext::mm::totalram_pages() / 2).max(1),
        n => usize::try_from(n).map_err(|_| EINVAL)?,
    };
    let huge = Huge::from_param(params::huge());
    // As shmem refuses its huge= option on a machine without them.
    if huge != Huge::Never && !ext::mm::has_transparent_hugepage() {
        pr_err!(
            "huge={}: this kernel or machine cannot map page cache by PMDs (no transparent huge pages) (EINVAL)\n",
            huge.name()
        );
        return Err(EINVAL);
    }
    let cache = PageCache::new(pages as usize, around, write_notify, limit, huge, store)?;
    pr_info!(
        "/dev/pcc: {} pages, fault_around={around}, write_notify={write_notify}, huge={}, backing={backing:?}, io_delay_us={delay}, at most {limit} in memory\n",
        Dec(pages),
        huge.name()
    );
    Ok(cache)
}

/// What memory management calls into the cache, besides the fault path:
/// registered with the cache, unregistered when dropped.
struct MmCallbacks {
    /// With a store: what the flusher and `sync(2)` call to write dirty
    /// pages to the store, and what the kernel's readahead calls to read
    /// pages from it.
    _writeback: Option<WritebackHandler<PageCache>>,
    _readahead: Option<ReadPagesHandler<PageCache>>,
    /// What memory failure calls to take a poisoned page out of the cache.
    _memory_failure: MemoryFailureHandler<PageCache>,
}

/// The cache, with its callbacks registered.
fn new_cache_with_callbacks() -> Result<(Arc<PageCache>, MmCallbacks)> {
    let cache = new_cache()?;
    let (writeback, readahead) = if cache.has_store() {
        (
            Some(WritebackHandler::register(cache.clone())?),
            Some(ReadPagesHandler::register(cache.clone())?),
        )
    } else {
        (None, None)
    };
    let memory_failure = MemoryFailureHandler::register(cache.clone())?;
    Ok((
        cache,
        MmCallbacks {
            _writeback: writeback,
            _readahead: readahead,
            _memory_failure: memory_failure,
        },
    ))
}

impl kernel::InPlaceModule for PccModule {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        let (cache, callbacks) = match new_cache_with_callbacks() {
            Ok((cache, callbacks)) => (Ok(cache), Some(callbacks)),
            Err(e) => (Err(e), None),
        };
        try_pin_init!(Self {
            misc <- SharedMiscRegistration::register(c"pcc", cache.clone()?),
            cache: cache?,
            _mm_callbacks: callbacks,
        })
    }
}

#[pinned_drop]
impl PinnedDrop for PccModule {
    /// Unloading writes every dirty page to the store, as unmounting a
    /// filesystem does.
    fn drop(self: Pin<&mut Self>) {
        if self.cache.has_store() {
            let done = self.cache.writeback();
            if done.pages > 0 {
                pr_info!("unload: {} dirty pages written to the store\n", done.pages);
            }
            match done.error {
                Some(e) if done.failed > 0 => pr_err!(
                    "unload: {} dirty pages could not be written to the store (errno {}): their data is lost\n",
                    done.failed,
                    e.to_errno()
                ),
                // Only the bitmap: the next load reads those pages as holes.
                Some(e) => pr_err!(
                    "unload: the store's bitmap could not be saved (errno {}): pages written since the last writeback read as zeros after a reload\n",
                    e.to_errno()
                ),
                None => {}
            }
        }
    }
}

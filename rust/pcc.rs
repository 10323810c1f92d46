// SPDX-License-Identifier: GPL-2.0

//! pcc: a misc device whose mappings take the real page-fault path into Rust.
//!
//! `/dev/pcc` is a fixed-size page cache shared by every process that opens
//! it. Its `mmap` installs a `vm_operations_struct` implemented in Rust
//! (`fault`, `map_pages`, `page_mkwrite`), so every access to a mapping goes
//! through the kernel's fault path into [`cache`]. See `README.md`.
//!
//! Layout: [`ext`] holds the abstractions over C (all of pcc's `unsafe`);
//! [`cache`] and [`device`] are the driver, in safe Rust.

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
mod uapi;

use cache::PageCache;
use ext::misc::SharedMiscRegistration;

/// More would make the slot table alone larger than 8 MiB.
const MAX_SIZE_PAGES: u64 = 1 << 20;

module! {
    type: PccModule,
    name: "pcc",
    authors: ["pcc developers"],
    description: "Page-cache device: the arm64 page-fault path, visible and testable",
    license: "GPL",
    params: {
        size_pages: u64 {
            default: 4096,
            description: "Capacity of /dev/pcc in pages (1 to 1048576)",
        },
        fault_around: bool {
            default: true,
            description: "Provide ->map_pages, so read faults map cached neighbours",
        },
    },
}

#[pin_data]
struct PccModule {
    #[pin]
    _misc: SharedMiscRegistration<PageCache>,
}

fn new_cache() -> Result<Arc<PageCache>> {
    let pages = module_parameters::size_pages.value();
    let around = module_parameters::fault_around.value();
    if pages == 0 || pages > MAX_SIZE_PAGES {
        pr_err!("size_pages={pages} is out of range 1..={MAX_SIZE_PAGES} (EINVAL)\n");
        return Err(EINVAL);
    }
    let cache = PageCache::new(pages as usize, around)?;
    pr_info!("/dev/pcc: {pages} pages, fault_around={around}\n");
    Ok(cache)
}

impl kernel::InPlaceModule for PccModule {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            _misc <- SharedMiscRegistration::register(c"pcc", new_cache()?),
        })
    }
}

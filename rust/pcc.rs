// SPDX-License-Identifier: GPL-2.0

//! pcc: a misc device whose mappings take the real page-fault path into Rust.
//!
//! `/dev/pcc` is registered through [`kernel::miscdevice`].

use kernel::{
    fs::File,
    miscdevice::{
        MiscDevice,
        MiscDeviceOptions,
        MiscDeviceRegistration, //
    },
    prelude::*,
};

module! {
    type: PccModule,
    name: "pcc",
    authors: ["pcc developers"],
    description: "Page-cache device: the arm64 page-fault path, visible and testable",
    license: "GPL",
}

#[pin_data]
struct PccModule {
    #[pin]
    _misc: MiscDeviceRegistration<PccFile>,
}

impl kernel::InPlaceModule for PccModule {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        pr_info!("registering /dev/pcc\n");
        try_pin_init!(Self {
            _misc <- MiscDeviceRegistration::register(MiscDeviceOptions { name: c"pcc" }),
        })
    }
}

struct PccFile;

#[vtable]
impl MiscDevice for PccFile {
    type Ptr = KBox<Self>;

    fn open(_file: &File, _misc: &MiscDeviceRegistration<Self>) -> Result<KBox<Self>> {
        Ok(KBox::new(PccFile, GFP_KERNEL)?)
    }
}

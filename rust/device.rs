// SPDX-License-Identifier: GPL-2.0

//! `/dev/pcc`'s file operations: every open file shares the device's
//! [`PageCache`].

use crate::{
    cache::PageCache,
    ext::{
        misc::SharedMiscDevice,
        vm_ops::{
            self,
            FaultAround, //
        },
    },
    uapi::{
        PCC_IOC_GET_SIZE,
        PCC_IOC_GET_STATS,
        PCC_IOC_RESET,
        PCC_IOC_WRITEBACK, //
    },
};
use kernel::{
    fs::{
        File,
        Kiocb, //
    },
    iov::{
        IovIterDest,
        IovIterSource, //
    },
    miscdevice::{
        MiscDevice,
        MiscDeviceRegistration, //
    },
    mm::virt::VmaNew,
    prelude::*,
    sync::{
        Arc,
        ArcBorrow, //
    },
    uaccess::{
        UserPtr,
        UserSlice, //
    },
};

#[vtable]
impl MiscDevice for PageCache {
    type Ptr = Arc<PageCache>;

    /// Never called: `SharedMiscRegistration` installs `open_shared`.
    fn open(_file: &File, _misc: &MiscDeviceRegistration<Self>) -> Result<Arc<PageCache>> {
        Err(ENODEV)
    }

    fn mmap(cache: ArcBorrow<'_, PageCache>, _file: &File, vma: &VmaNew) -> Result {
        let pgoff = vm_ops::vma_pgoff(vma);
        if pgoff >= cache.capacity_pages() {
            pr_info!(
                "mmap at page offset {pgoff} refused: the device holds {} pages (EINVAL)\n",
                cache.capacity_pages()
            );
            return Err(EINVAL);
        }
        let around = if cache.fault_around() {
            FaultAround::Enabled
        } else {
            FaultAround::Disabled
        };
        vm_ops::install(vma, cache.into(), around);
        Ok(())
    }

    fn read_iter(mut kiocb: Kiocb<'_, Self::Ptr>, iov: &mut IovIterDest<'_>) -> Result<usize> {
        let cache = kiocb.file();
        cache.read(kiocb.ki_pos_mut(), iov)
    }

    fn write_iter(mut kiocb: Kiocb<'_, Self::Ptr>, iov: &mut IovIterSource<'_>) -> Result<usize> {
        let cache = kiocb.file();
        cache.write(kiocb.ki_pos_mut(), iov)
    }

    fn ioctl(cache: ArcBorrow<'_, PageCache>, _file: &File, cmd: u32, arg: usize) -> Result<isize> {
        match cmd {
            PCC_IOC_GET_STATS => {
                let fields = cache.stats().as_array();
                let mut w = UserSlice::new(UserPtr::from_addr(arg), size_of_val(&fields)).writer();
                for v in &fields {
                    w.write(v)?;
                }
                Ok(0)
            }
            PCC_IOC_GET_SIZE => {
                let mut w = UserSlice::new(UserPtr::from_addr(arg), size_of::<u64>()).writer();
                w.write(&cache.capacity_bytes())?;
                Ok(0)
            }
            PCC_IOC_WRITEBACK => Ok(cache.writeback() as isize),
            PCC_IOC_RESET => {
                cache.reset();
                Ok(0)
            }
            _ => Err(ENOTTY),
        }
    }
}

impl SharedMiscDevice for PageCache {
    type Shared = PageCache;

    fn open_shared(file: &File, cache: &Arc<PageCache>) -> Result<Arc<PageCache>> {
        cache.inode().attach(file);
        Ok(cache.clone())
    }
}

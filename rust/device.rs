// SPDX-License-Identifier: GPL-2.0

//! `/dev/pcc`'s file operations: every open file shares the device's
//! [`PageCache`].

use crate::{
    cache::{
        HugeWithFaultAround,
        HugeWithoutFaultAround,
        PageCache,
        Pass,
        WithFaultAround,
        WithoutFaultAround, //
    },
    ext::{
        mapping::PageCacheInode,
        misc::SharedMiscDevice,
        print::pr_info_ratelimited,
        readahead::ReadaheadFile,
        vm_ops::{
            VmOperations,
            VmaDesc, //
        },
    },
    uapi::{
        PCC_IOC_EVICT,
        PCC_IOC_GET_HUGE_STATS,
        PCC_IOC_GET_IO_STATS,
        PCC_IOC_GET_SIZE,
        PCC_IOC_GET_STATS,
        PCC_IOC_RESET,
        PCC_IOC_WRITEBACK, //
    },
};
use kernel::{
    fs::{
        file::flags,
        File,
        Kiocb, //
    },
    iov::{
        IovIterDest,
        IovIterSource, //
    },
    page::PAGE_SHIFT,
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
impl SharedMiscDevice for PageCache {
    /// Mappings of 2 MiB or more start at a 2 MiB boundary (with the file
    /// offset), whatever `huge=` says, as a file on tmpfs or ext4 does.
    const PMD_ALIGNED: bool = true;

    fn page_cache(&self) -> &PageCacheInode {
        self.inode()
    }

    /// A mapping must start below capacity; this runs before the kernel
    /// merges a new range into a neighbour, so no mapping starts past it.
    /// Like a file's, a mapping may reach past capacity (by its length, or
    /// grown by `mremap`): an access there gets `SIGBUS` (`->fault`), as
    /// past the end of a file on tmpfs or ext4.
    fn mmap_prepare(
        cache: ArcBorrow<'_, PageCache>,
        _file: &File,
        desc: &mut VmaDesc<'_, PageCache>,
    ) -> Result {
        let pgoff = desc.pgoff();
        if pgoff >= cache.capacity_pages() {
            pr_info_ratelimited!(
                "mmap at page offset {pgoff} refused: the device holds {} pages (EINVAL)\n",
                cache.capacity_pages()
            );
            return Err(EINVAL);
        }
        match (cache.fault_around(), cache.huge_faults()) {
            (true, false) => install::<WithFaultAround>(&cache, desc),
            (false, false) => install::<WithoutFaultAround>(&cache, desc),
            (true, true) => install::<HugeWithFaultAround>(&cache, desc),
            (false, true) => install::<HugeWithoutFaultAround>(&cache, desc),
        }
        Ok(())
    }

    fn read_iter(mut kiocb: Kiocb<'_, Arc<PageCache>>, iov: &mut IovIterDest<'_>) -> Result<usize> {
        let cache = kiocb.file();
        let file = ReadaheadFile::of_kiocb(&kiocb);
        cache.read(&file, kiocb.ki_pos_mut(), iov)
    }

    fn write_iter(
        mut kiocb: Kiocb<'_, Arc<PageCache>>,
        iov: &mut IovIterSource<'_>,
    ) -> Result<usize> {
        let cache = kiocb.file();
        cache.write(kiocb.ki_pos_mut(), iov)
    }

    /// `fsync`, `fdatasync` and `msync(MS_SYNC)`: [`PageCache::sync`] of
    /// the pages of bytes `start..=end` (`fsync(2)` asks for the whole
    /// file, `msync` for the range it was given), as
    /// `file_write_and_wait_range` writes a range.
    fn fsync(
        cache: ArcBorrow<'_, PageCache>,
        _file: &File,
        start: i64,
        end: i64,
        _datasync: bool,
    ) -> Result {
        let page = |pos: i64| usize::try_from(pos.max(0) >> PAGE_SHIFT).unwrap_or(usize::MAX);
        cache.sync(Pass::range(page(start), page(end)))
    }

    /// Reading (stats, size) needs any open file; what changes the cache
    /// (writeback, reset, evict) needs one open for writing, else `EBADF`,
    /// as a `write()` to a read-only file gets.
    fn ioctl(cache: ArcBorrow<'_, PageCache>, file: &File, cmd: u32, arg: usize) -> Result<isize> {
        let changes = matches!(cmd, PCC_IOC_WRITEBACK | PCC_IOC_RESET | PCC_IOC_EVICT);
        if changes && file.flags() & flags::O_ACCMODE == flags::O_RDONLY {
            pr_info_ratelimited!(
                "ioctl {cmd:#x} refused: the file is not open for writing (EBADF)\n"
            );
            return Err(EBADF);
        }
        match cmd {
            PCC_IOC_GET_STATS => write_u64s(arg, &cache.stats().as_array()),
            PCC_IOC_GET_IO_STATS => write_u64s(arg, &cache.io_stats().as_array()),
            PCC_IOC_GET_HUGE_STATS => write_u64s(arg, &cache.huge_stats().as_array()),
            PCC_IOC_EVICT => Ok(cache.evict_all() as isize),
            PCC_IOC_GET_SIZE => {
                let mut w = UserSlice::new(UserPtr::from_addr(arg), size_of::<u64>()).writer();
                w.write(&cache.capacity_bytes())?;
                Ok(0)
            }
            // A store write error fails the call (the pages stay dirty),
            // as `fsync` reports one.
            PCC_IOC_WRITEBACK => {
                let done = cache.writeback();
                match done.error {
                    Some(e) => Err(e),
                    None => Ok(done.pages as isize),
                }
            }
            PCC_IOC_RESET => {
                cache.reset();
                Ok(0)
            }
            _ => Err(ENOTTY),
        }
    }
}

/// Install `T`'s callbacks on a new mapping, with `->page_mkwrite` or
/// without it as `write_notify=` says.
fn install<T: VmOperations<Data = PageCache>>(
    cache: &PageCache,
    desc: &mut VmaDesc<'_, PageCache>,
) {
    if cache.write_notify() {
        desc.install::<T>();
    } else {
        desc.install_without_write_notify::<T>();
    }
}

/// Copy `fields` to user space at `arg`, as a struct of `__u64`s.
fn write_u64s(arg: usize, fields: &[u64]) -> Result<isize> {
    let mut w = UserSlice::new(UserPtr::from_addr(arg), size_of_val(fields)).writer();
    for v in fields {
        w.write(v)?;
    }
    Ok(0)
}

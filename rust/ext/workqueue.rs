// SPDX-License-Identifier: GPL-2.0

//! A workqueue a driver owns, for I/O that may run on the reclaim path.
//!
//! C header: [`include/linux/workqueue.h`](srctree/include/linux/workqueue.h).
//!
//! [`kernel::workqueue`] offers the system's queues and [`Queue`] for a raw
//! one; this allocates and destroys a queue of the driver's own.

use super::ffi;
use core::{
    ops::Deref,
    ptr::NonNull, //
};
use kernel::{
    bindings,
    prelude::*,
    workqueue::Queue, //
};

/// A workqueue of the driver's own (`alloc_workqueue`, unbound, with a
/// rescuer as I/O on the reclaim path needs). Dropping it runs every queued
/// item to the end and frees it (`destroy_workqueue`), so no item outlives
/// the module whose code it runs.
pub(crate) struct IoQueue {
    wq: NonNull<bindings::workqueue_struct>,
}

// SAFETY: A workqueue may be used and destroyed from any thread.
unsafe impl Send for IoQueue {}
// SAFETY: Queueing is safe concurrently.
unsafe impl Sync for IoQueue {}

impl IoQueue {
    pub(crate) fn new(name: &CStr) -> Result<Self> {
        // SAFETY: `name` is a NUL-terminated string, copied by the call.
        let wq = unsafe { ffi::pcc_alloc_io_workqueue(name.as_char_ptr()) };
        Ok(Self {
            wq: NonNull::new(wq).ok_or(ENOMEM)?,
        })
    }
}

impl Deref for IoQueue {
    type Target = Queue;

    fn deref(&self) -> &Queue {
        // SAFETY: The workqueue lives until `self` is dropped, which the
        // borrow cannot outlive.
        unsafe { Queue::from_raw(self.wq.as_ptr()) }
    }
}

impl Drop for IoQueue {
    fn drop(&mut self) {
        // SAFETY: Allocated by `new`, destroyed once; it drains first.
        unsafe { bindings::destroy_workqueue(self.wq.as_ptr()) };
    }
}

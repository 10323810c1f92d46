// SPDX-License-Identifier: GPL-2.0

//! pcc's abstractions over kernel C APIs that upstream Rust (7.3) lacks.
//!
//! Every `unsafe` block of pcc lives below this module; the driver
//! ([`crate::cache`], [`crate::device`], [`crate::store`], [`crate::uapi`])
//! is safe Rust, each module compiled with `#[forbid(unsafe_code)]`.

pub(crate) mod counter;
pub(crate) mod ffi;
pub(crate) mod folio;
pub(crate) mod inject;
pub(crate) mod kernel_file;
pub(crate) mod mapping;
pub(crate) mod memory_failure;
pub(crate) mod misc;
pub(crate) mod mm;
pub(crate) mod params;
pub(crate) mod print;
pub(crate) mod readahead;
pub(crate) mod trace;
pub(crate) mod vm_ops;
pub(crate) mod writeback;

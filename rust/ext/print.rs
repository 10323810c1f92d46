// SPDX-License-Identifier: GPL-2.0

//! Rate-limited printing: `pr_info_ratelimited` and `pr_err_ratelimited`,
//! on one rate limit for all of the module's runtime messages.
//!
//! C header: [`include/linux/ratelimit.h`](srctree/include/linux/ratelimit.h).

use super::ffi;

/// Whether a rate-limited message may be printed now (`__ratelimit` on
/// one state for the whole module: 10 lines per 5 s, as
/// `pr_info_ratelimited`).
pub(crate) fn ratelimit() -> bool {
    // SAFETY: Takes the rate limit's own spinlock only.
    unsafe { ffi::pcc_ratelimit() }
}

/// `pr_info!`, rate-limited by [`ratelimit`]: for messages that requests
/// from user space can repeat at will.
macro_rules! pr_info_ratelimited {
    ($($arg:tt)*) => {
        if $crate::ext::print::ratelimit() {
            ::kernel::pr_info!($($arg)*);
        }
    };
}

/// `pr_err!`, rate-limited by [`ratelimit`].
macro_rules! pr_err_ratelimited {
    ($($arg:tt)*) => {
        if $crate::ext::print::ratelimit() {
            ::kernel::pr_err!($($arg)*);
        }
    };
}

pub(crate) use pr_err_ratelimited;
pub(crate) use pr_info_ratelimited;

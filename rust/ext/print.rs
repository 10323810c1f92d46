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

/// A `u64` printed in decimal on every architecture: `{}` of `Dec(n)`.
///
/// core prints a `u64` of 10000 or more by dividing it by 10000, which on
/// 32-bit ARM is a call to `__aeabi_uldivmod`; the kernel's Rust build turns
/// that call into a panic (`rust/compiler_builtins.rs`: "`u64`
/// division/modulo should not be used"). `Dec` prints a value that fits in
/// `usize` as core does, and a larger one by long division in 16-bit limbs,
/// which needs only 32-bit divisions.
pub(crate) struct Dec(pub(crate) u64);

impl kernel::fmt::Display for Dec {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        if let Ok(n) = usize::try_from(self.0) {
            return core::fmt::Display::fmt(&n, f);
        }
        let v = self.0;
        let mut limbs = [
            (v >> 48) as u32,
            (v >> 32) as u32 & 0xffff,
            (v >> 16) as u32 & 0xffff,
            v as u32 & 0xffff,
        ];
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        loop {
            // One division by 10 of the whole number, most significant limb
            // first: each step divides at most 9 * 2^16 + 0xffff.
            let mut rem = 0u32;
            for l in limbs.iter_mut() {
                let cur = (rem << 16) | *l;
                *l = cur / 10;
                rem = cur % 10;
            }
            start -= 1;
            digits[start] = b'0' + rem as u8;
            if limbs.iter().all(|&l| l == 0) || start == 0 {
                break;
            }
        }
        // Only ASCII digits were written.
        let s = core::str::from_utf8(&digits[start..]).map_err(|_| kernel::fmt::Error)?;
        f.pad_integral(true, "", s)
    }
}

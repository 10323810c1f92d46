// SPDX-License-Identifier: GPL-2.0
//! The folio lock guard unlocks the folio its handle derefs to. A handle
//! of the driver's own could deref to one folio when locked and another
//! when dropped, unlocking a folio nobody locked; only `&Folio` and
//! `ARef<Folio>` are handles (the trait is sealed).
// expect: the trait bound `Flip<'_>: FolioRef` is not satisfied

use crate::ext::folio::{
    Folio,
    FolioGuard, //
};
use core::{
    ops::Deref,
    sync::atomic::{
        AtomicBool,
        Ordering, //
    },
};

pub(crate) struct Flip<'a> {
    a: &'a Folio,
    b: &'a Folio,
    flipped: AtomicBool,
}

impl Deref for Flip<'_> {
    type Target = Folio;

    fn deref(&self) -> &Folio {
        if self.flipped.swap(true, Ordering::Relaxed) {
            self.b
        } else {
            self.a
        }
    }
}

pub(crate) fn lock_one_unlock_other(a: &Folio, b: &Folio) {
    let _guard = FolioGuard::new(Flip {
        a,
        b,
        flipped: AtomicBool::new(false),
    });
}

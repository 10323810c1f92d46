// SPDX-License-Identifier: GPL-2.0
//! `->map_pages` runs under `rcu_read_lock()`: a mutex taken there sleeps
//! in atomic context. It gets only the part of the data that is
//! `AtomicContext` (counters), never the whole of it.
// expect: error\[E0277\]: the trait bound `Lock<u64, MutexBackend>: AtomicContext` is not satisfied

use crate::ext::vm_ops::{
    Borrowed,
    FaultError,
    Faulted,
    MapPagesFault,
    MappedAround,
    VmFault,
    VmOperations, //
};
use kernel::{
    prelude::*,
    sync::Mutex,
};

pub(crate) struct Sleeps;

#[vtable]
impl VmOperations for Sleeps {
    type Data = Mutex<u64>;
    type Around = Mutex<u64>;

    fn fault<'a>(_data: Borrowed<'_, Self>, _vmf: VmFault<'a>) -> Result<Faulted<'a>, FaultError> {
        Err(FaultError::SigBus)
    }

    fn around<'c>(data: &'c Borrowed<'_, Self>) -> &'c Mutex<u64> {
        data
    }

    fn map_pages<'a>(count: &Mutex<u64>, vmf: MapPagesFault<'a>) -> MappedAround<'a> {
        *count.lock() += 1;
        vmf.map_cached_pages()
    }
}

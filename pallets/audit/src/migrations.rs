//! Storage migrations of pallet-audit, each under the [`StorageVersion`] it leads to.
//!
//! - **v1** (spec 106): the open disputes of each settle epoch move from one bounded list per
//!   epoch (`OpenDisputes`, at most 128) to a set without a cap ([`OpenClaims`] with its
//!   [`OpenCount`]), since claims now hold bonds instead. Claims opened before the upgrade hold
//!   no bond: their disputes end as before, with nothing to return or forfeit.

use polkadot_sdk::frame_support::{
	pallet_prelude::*,
	storage_alias,
	traits::{GetStorageVersion, StorageVersion},
	weights::Weight,
};

use crate::*;

/// The storage version this code writes.
pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

/// The open disputes as storage version 0 kept them.
#[storage_alias]
pub type OpenDisputes<T: Config> =
	StorageMap<Pallet<T>, Twox64Concat, EpochIndex, BoundedVec<Hash32, ConstU32<128>>, ValueQuery>;

/// Moves storage version 0's open disputes into the set; returns the weight used.
pub fn migrate<T: Config>() -> Weight {
	let db = T::DbWeight::get();
	if Pallet::<T>::on_chain_storage_version() >= STORAGE_VERSION {
		return db.reads(1);
	}
	let (mut reads, mut writes) = (1u64, 1u64);
	for (epoch, open) in OpenDisputes::<T>::drain() {
		reads += 1;
		writes += 1;
		for id in open {
			if OpenClaims::<T>::get(epoch, id).is_none() {
				OpenClaims::<T>::insert(epoch, id, ());
				OpenCount::<T>::mutate(epoch, |n| n.saturating_inc());
				writes += 2;
			}
		}
	}
	STORAGE_VERSION.put::<Pallet<T>>();
	db.reads_writes(reads, writes)
}

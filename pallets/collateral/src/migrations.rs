//! Storage migrations of pallet-collateral, each under the [`StorageVersion`] it leads to.
//!
//! - **v1** (spec 106): [`CollateralParams`] gains `instance_slash` and `instance_slash_cap`
//!   (missed audits and silent jurors are charged per instance). Parameters stored by an
//!   earlier runtime are read as they were and completed with the defaults, once.

use codec::{DecodeAll, Encode};
use polkadot_sdk::frame_support::{
	traits::{Get, GetStorageVersion, StorageVersion},
	weights::Weight,
};

use crate::*;

/// The storage version this code writes.
pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

/// `bytes` as parameters of storage version 0 or 1, completed with the defaults.
pub fn params_from_any<T: Config>(bytes: &[u8]) -> Option<CollateralParams<BalanceOf<T>>> {
	if let Ok(p) = CollateralParams::<BalanceOf<T>>::decode_all(&mut &bytes[..]) {
		return Some(p);
	}
	let v0 = CollateralParamsV0::<BalanceOf<T>>::decode_all(&mut &bytes[..]).ok()?;
	let defaults = CollateralParams::<BalanceOf<T>>::gonka_defaults();
	Some(CollateralParams {
		min_host_bond: v0.min_host_bond,
		unbonding_epochs: v0.unbonding_epochs,
		jail_epochs: v0.jail_epochs,
		fraud_slash: v0.fraud_slash,
		downtime_slash: v0.downtime_slash,
		lazy_validation_slash: v0.lazy_validation_slash,
		silent_seat_slash: v0.silent_seat_slash,
		refuted_claim_slash: v0.refuted_claim_slash,
		confirmers_share: v0.confirmers_share,
		base_weight_ratio: v0.base_weight_ratio,
		collateral_per_weight_unit: v0.collateral_per_weight_unit,
		grace_epochs: v0.grace_epochs,
		..defaults
	})
}

/// Runs every migration the stored version still needs; returns the weight used.
pub fn migrate<T: Config>() -> Weight {
	let db = T::DbWeight::get();
	if Pallet::<T>::on_chain_storage_version() >= STORAGE_VERSION {
		return db.reads(1);
	}
	let key = Params::<T>::hashed_key();
	let mut writes = 1;
	if let Some(bytes) = polkadot_sdk::sp_io::storage::get(&key) {
		if let Some(params) = params_from_any::<T>(&bytes) {
			polkadot_sdk::sp_io::storage::set(&key, &params.encode());
			writes += 1;
		}
	}
	STORAGE_VERSION.put::<Pallet<T>>();
	db.reads_writes(2, writes)
}

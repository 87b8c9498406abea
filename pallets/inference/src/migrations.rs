//! Storage migrations of pallet-inference, each under the [`StorageVersion`] it leads to (as
//! pallet-balances keeps its own).
//!
//! - **v1** (spec 106): [`InferenceParams`] gains `min_missed` and `service_deposit`. Parameters stored by any earlier
//!   spec — with `energy_dispute_epochs` (storage version 0, spec 105) or without it (spec 104
//!   and older) — are read as they were and completed with the defaults, so governance's
//!   settings survive the upgrade instead of failing to decode.

use codec::{Decode, DecodeAll, Encode};
use polkadot_sdk::frame_support::{
	traits::{GetStorageVersion, StorageVersion},
	weights::Weight,
};

use crate::*;

/// The storage version this code writes.
pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

/// `bytes` as parameters of any stored layout, completed with the defaults.
pub fn params_from_any<Balance: Decode + From<u64>>(
	bytes: &[u8],
) -> Option<InferenceParams<Balance>> {
	let defaults = InferenceParams::<Balance>::defaults();
	if let Ok(p) = InferenceParams::<Balance>::decode_all(&mut &bytes[..]) {
		return Some(p);
	}
	if let Ok(v0) = InferenceParamsV0::<Balance>::decode_all(&mut &bytes[..]) {
		return Some(InferenceParams {
			community_fee_share: v0.community_fee_share,
			max_price: v0.max_price,
			ticket_lifetime: v0.ticket_lifetime,
			audit_window_epochs: v0.audit_window_epochs,
			utilization_window: v0.utilization_window,
			block_seconds: v0.block_seconds,
			energy_dispute_epochs: v0.energy_dispute_epochs,
			..defaults
		});
	}
	let old = OldInferenceParams::<Balance>::decode_all(&mut &bytes[..]).ok()?;
	Some(InferenceParams {
		community_fee_share: old.community_fee_share,
		max_price: old.max_price,
		ticket_lifetime: old.ticket_lifetime,
		audit_window_epochs: old.audit_window_epochs,
		utilization_window: old.utilization_window,
		block_seconds: old.block_seconds,
		..defaults
	})
}

/// Runs every migration the stored version still needs; returns the weight used.
pub fn migrate<T: Config>() -> Weight {
	let db = T::DbWeight::get();
	let on_chain = Pallet::<T>::on_chain_storage_version();
	if on_chain >= STORAGE_VERSION {
		return db.reads(1);
	}
	let key = Params::<T>::hashed_key();
	let mut writes = 1;
	if let Some(bytes) = polkadot_sdk::sp_io::storage::get(&key) {
		match params_from_any::<BalanceOf<T>>(&bytes) {
			Some(params) => {
				polkadot_sdk::sp_io::storage::set(&key, &params.encode());
				writes += 1;
			}
			None => log_undecodable(),
		}
	}
	STORAGE_VERSION.put::<Pallet<T>>();
	db.reads_writes(2, writes)
}

fn log_undecodable() {
	polkadot_sdk::sp_runtime::print(
		"pallet-inference: stored parameters match no known layout; left as they are",
	);
}

//! Storage migrations: parameters of every earlier layout survive an upgrade, once.

use polkadot_sdk::frame_support::{
	storage::unhashed,
	traits::{GetStorageVersion, Hooks, StorageVersion},
};

use super::*;
use crate::migrations::STORAGE_VERSION;

/// Stores `old` as the raw parameters of a chain at storage version 0.
fn stored_at_version_0(old: &impl codec::Encode) {
	unhashed::put_raw(&Params::<Test>::hashed_key(), &old.encode());
	StorageVersion::new(0).put::<Inference>();
	assert_eq!(Params::<Test>::get(), None, "an old layout does not decode as the new one");
}

#[test]
fn a_new_chain_starts_at_the_current_storage_version() {
	ExtBuilder::default().build().execute_with(|| {
		assert_eq!(Inference::on_chain_storage_version(), STORAGE_VERSION);
	});
}

#[test]
fn parameters_stored_before_energy_disputes_survive_the_upgrade() {
	ExtBuilder::default().build().execute_with(|| {
		let old = OldInferenceParams {
			community_fee_share: polkadot_sdk::sp_runtime::Perbill::from_percent(35),
			max_price: 77u128,
			ticket_lifetime: 9,
			audit_window_epochs: 2,
			utilization_window: 5,
			block_seconds: 3,
		};
		stored_at_version_0(&old);
		Inference::on_runtime_upgrade();
		let params = Params::<Test>::get().expect("translated");
		assert_eq!((params.max_price, params.ticket_lifetime, params.block_seconds), (77, 9, 3));
		assert_eq!(params.community_fee_share, old.community_fee_share);
		assert_eq!((params.energy_dispute_epochs, params.min_missed), (30, 10));
		assert_eq!(Inference::on_chain_storage_version(), STORAGE_VERSION);
		// Run again, nothing changes.
		Inference::on_runtime_upgrade();
		assert_eq!(Params::<Test>::get(), Some(params));
	});
}

#[test]
fn parameters_of_storage_version_0_gain_min_missed_and_keep_the_rest() {
	ExtBuilder::default().build().execute_with(|| {
		let v0 = InferenceParamsV0 {
			community_fee_share: polkadot_sdk::sp_runtime::Perbill::from_percent(10),
			max_price: 5_000u128,
			ticket_lifetime: 50,
			audit_window_epochs: 1,
			utilization_window: 10,
			block_seconds: 6,
			energy_dispute_epochs: 7,
		};
		stored_at_version_0(&v0);
		Inference::on_runtime_upgrade();
		let params = Params::<Test>::get().expect("translated");
		assert_eq!(
			(params.max_price, params.ticket_lifetime, params.energy_dispute_epochs),
			(5_000, 50, 7)
		);
		assert_eq!(params.min_missed, crate::types::DEFAULT_MIN_MISSED);
		assert_eq!(Inference::on_chain_storage_version(), STORAGE_VERSION);
	});
}

//! Carbon certificates wired through the real runtime (docs/protocol.md §9): the dev genesis
//! (built by the WASM runtime) makes the certificates' collection, owned by pallet-carbon, with
//! the energy figures of both PoW shapes; the call filter refuses pallet-nfts' own burn on that
//! collection only, also inside a batch.

use crate::common;

use polkadot_sdk::{
	frame_support::traits::{tokens::nonfungibles_v2::Inspect, Contains},
	frame_system, pallet_nfts, pallet_utility,
	sp_keyring::Sr25519Keyring,
};
use sprint_runtime::{
	configs::BaseCallFilter, AccountId, Carbon, Nfts, Runtime, RuntimeCall, RuntimeOrigin,
};

fn burn(collection: u32) -> RuntimeCall {
	RuntimeCall::Nfts(pallet_nfts::Call::burn { collection, item: 0 })
}

#[test]
fn genesis_makes_the_collection_and_sets_the_energy_figures() {
	common::genesis_of("development").execute_with(|| {
		let collection = pallet_carbon::CertificateCollection::<Runtime>::get().expect("made");
		assert_eq!(collection, 0);
		assert_eq!(
			<Nfts as Inspect<AccountId>>::collection_owner(&collection),
			Some(Carbon::account_id())
		);
		assert_eq!(pallet_nfts::NextCollectionId::<Runtime>::get(), Some(1));
		// Each certificate holds its host's item deposit (docs/protocol.md §9, revision 4).
		let config = pallet_nfts::CollectionConfigOf::<Runtime>::get(collection).expect("made");
		assert!(config.is_setting_enabled(pallet_nfts::CollectionSetting::DepositRequired));
		use polkadot_sdk::frame_support::traits::GetStorageVersion;
		assert_eq!(Carbon::on_chain_storage_version(), 1);
		let production = pallet_poc::ModelShape::PRODUCTION;
		assert_eq!(
			pallet_carbon::EnergyPerNonce::<Runtime>::get(production),
			Some(700_000_000_000 / 5_899)
		);
		assert!(pallet_carbon::EnergyPerNonce::<Runtime>::get(pallet_poc::ModelShape::DEV)
			.is_some_and(|nj| nj >= 1));
	});
}

#[test]
fn the_call_filter_refuses_burning_a_certificate_with_pallet_nfts() {
	common::genesis_of("development").execute_with(|| {
		common::start_block_one();
		assert!(!BaseCallFilter::contains(&burn(0)), "the certificates' collection");
		assert!(BaseCallFilter::contains(&burn(1)), "anyone's own collection");
		let retire = RuntimeCall::Carbon(pallet_carbon::Call::retire { certificate: 0 });
		assert!(BaseCallFilter::contains(&retire));

		// Dispatched by a signed origin, directly or in a batch, it is filtered.
		use polkadot_sdk::sp_runtime::traits::Dispatchable;
		let alice = RuntimeOrigin::signed(Sr25519Keyring::Alice.to_account_id());
		let error = burn(0).dispatch(alice.clone()).expect_err("filtered");
		assert_eq!(error.error, frame_system::Error::<Runtime>::CallFiltered.into());
		let batch = RuntimeCall::Utility(pallet_utility::Call::batch_all { calls: vec![burn(0)] });
		let error = batch.dispatch(alice).expect_err("filtered inside");
		assert_eq!(error.error, frame_system::Error::<Runtime>::CallFiltered.into());
	});
}

//! Weights of pallet-collateral's calls.
//!
//! NOT YET GENERATED: hand estimates from the storage each call touches (ledger, hold, account)
//! with a generous compute allowance, until benchmarks exist and `make bench` generates this file
//! (issue #3).

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{traits::Get, weights::Weight};

/// Weight functions of pallet-collateral.
pub trait WeightInfo {
	fn deposit() -> Weight;
	fn request_unbond() -> Weight;
	fn withdraw_unbonded() -> Weight;
}

/// Weights for a runtime, from its database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn deposit() -> Weight {
		Weight::from_parts(60_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn request_unbond() -> Weight {
		Weight::from_parts(40_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn withdraw_unbonded() -> Weight {
		Weight::from_parts(60_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
}

/// For tests.
impl WeightInfo for () {
	fn deposit() -> Weight {
		Weight::from_parts(60_000_000, 8_000)
	}
	fn request_unbond() -> Weight {
		Weight::from_parts(40_000_000, 4_000)
	}
	fn withdraw_unbonded() -> Weight {
		Weight::from_parts(60_000_000, 8_000)
	}
}

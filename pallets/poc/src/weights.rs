//! Weights of pallet-poc's calls.
//!
//! NOT YET GENERATED: hand estimates from the storage each call touches, with a generous compute
//! allowance, until benchmarks exist and `make bench` generates this file (issue #3).

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{traits::Get, weights::Weight};

/// Weight functions of pallet-poc.
pub trait WeightInfo {
	fn register_host() -> Weight;
	fn deregister_host() -> Weight;
	fn commit_secret() -> Weight;
	fn commit() -> Weight;
}

/// Weights for a runtime, from its database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_host() -> Weight {
		Weight::from_parts(80_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	fn deregister_host() -> Weight {
		Weight::from_parts(60_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn commit_secret() -> Weight {
		Weight::from_parts(30_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn commit() -> Weight {
		Weight::from_parts(40_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(8))
			.saturating_add(T::DbWeight::get().writes(2))
	}
}

/// For tests.
impl WeightInfo for () {
	fn register_host() -> Weight {
		Weight::from_parts(80_000_000, 10_000)
	}
	fn deregister_host() -> Weight {
		Weight::from_parts(60_000_000, 10_000)
	}
	fn commit_secret() -> Weight {
		Weight::from_parts(30_000_000, 4_000)
	}
	fn commit() -> Weight {
		Weight::from_parts(40_000_000, 6_000)
	}
}

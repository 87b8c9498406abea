//! Weights of pallet-emission's calls.
//!
//! NOT YET GENERATED: these are hand estimates from the storage each call touches (one ledger
//! read and write, two account reads and writes for the transfer) with a generous compute
//! allowance, until `make bench` runs `benchmarking.rs` through `sprint-node benchmark pallet`
//! and overwrites this file (issue #3).

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{traits::Get, weights::Weight};

/// Weight functions of pallet-emission.
pub trait WeightInfo {
	/// `claim_rewards` with a full ledger (1,000 buckets).
	fn claim_rewards() -> Weight;
	/// One `credit_reward` by the PoC tally, into a full ledger.
	fn credit_reward() -> Weight;
	/// One `slash_unvested` over a full ledger.
	fn slash_unvested() -> Weight;
}

/// Weights for a runtime, from its database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn claim_rewards() -> Weight {
		Weight::from_parts(150_000_000, 30_000)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn credit_reward() -> Weight {
		Weight::from_parts(150_000_000, 30_000)
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	fn slash_unvested() -> Weight {
		Weight::from_parts(150_000_000, 30_000)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(2))
	}
}

/// For tests.
impl WeightInfo for () {
	fn claim_rewards() -> Weight {
		Weight::from_parts(150_000_000, 30_000)
	}
	fn credit_reward() -> Weight {
		Weight::from_parts(150_000_000, 30_000)
	}
	fn slash_unvested() -> Weight {
		Weight::from_parts(150_000_000, 30_000)
	}
}

//! Benchmarks of pallet-emission: its call, and the steps the PoC tally takes through it.
//! `make bench` runs them through `sprint-node benchmark pallet` to generate `weights.rs`.

#![cfg(feature = "runtime-benchmarks")]

use super::*;
use polkadot_sdk::{frame_benchmarking::v2::*, frame_system::RawOrigin};

/// A ledger with one bucket for each of the `buckets` epochs before `now`, the worst case a
/// claim or a slash walks through.
fn ledger_with_buckets<T: Config>(who: &T::AccountId, buckets: u32) -> EpochIndex {
	Params::<T>::mutate(|p| {
		if let Some(p) = p {
			p.vesting_epochs = <MaxBuckets as Get<u32>>::get();
		}
	});
	for epoch in 0..buckets {
		T::EpochInfo::set_current_epoch(epoch);
		Pallet::<T>::credit_reward(epoch, who, 1, 1);
	}
	T::EpochInfo::set_current_epoch(buckets);
	buckets
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// Governance sets the parameters in force again: the whole check runs.
	#[benchmark]
	fn set_params() -> Result<(), BenchmarkError> {
		let origin = <T::ParamsOrigin as polkadot_sdk::frame_support::traits::EnsureOrigin<
			T::RuntimeOrigin,
		>>::try_successful_origin()
		.map_err(|_| BenchmarkError::Weightless)?;
		let params = Params::<T>::get().unwrap_or_else(EmissionParams::gonka_defaults);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params.clone());

		assert_eq!(Params::<T>::get(), Some(params));
		Ok(())
	}

	#[benchmark]
	fn claim_rewards() {
		let caller: T::AccountId = whitelisted_caller();
		ledger_with_buckets::<T>(&caller, <MaxBuckets as Get<u32>>::get());
		let before = T::Currency::balance(&caller);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));

		assert!(T::Currency::balance(&caller) > before);
	}

	#[benchmark]
	fn credit_reward() {
		let host: T::AccountId = account("host", 0, 0);
		let now = ledger_with_buckets::<T>(&host, <MaxBuckets as Get<u32>>::get() - 1);
		let minted;

		#[block]
		{
			minted = Pallet::<T>::credit_reward(now, &host, 1, 2);
		}

		assert!(minted > 0);
	}

	#[benchmark]
	fn slash_unvested() {
		let host: T::AccountId = account("host", 0, 0);
		ledger_with_buckets::<T>(&host, <MaxBuckets as Get<u32>>::get());
		let taken;

		#[block]
		{
			taken = Pallet::<T>::slash_unvested(&host, Perbill::from_percent(20));
		}

		assert!(polkadot_sdk::frame_support::traits::Imbalance::peek(&taken) > 0);
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}

//! Benchmarks of pallet-collateral's calls, each in its worst case. `make bench` runs them
//! through `sprint-node benchmark pallet` to generate `weights.rs`. (Slashes are measured as part
//! of the PoC tally's decide step, which calls them.)

use super::*;
use polkadot_sdk::{
	frame_benchmarking::v2::*, frame_support::traits::fungible::Mutate, frame_system::RawOrigin,
};
use sprint_primitives::SPR;

fn funded<T: Config>() -> T::AccountId {
	let who: T::AccountId = whitelisted_caller();
	let _ = T::Currency::set_balance(&who, 1_000_000 * SPR);
	who
}

/// `who` with `chunks` unbonding chunks, one per epoch from the current one.
fn with_chunks<T: Config>(who: &T::AccountId, chunks: u32) {
	Pallet::<T>::deposit(RawOrigin::Signed(who.clone()).into(), 100_000 * SPR)
		.expect("funded; qed");
	let start = T::EpochInfo::current_epoch();
	for i in 0..chunks {
		T::EpochInfo::set_current_epoch(start + i);
		Pallet::<T>::request_unbond(RawOrigin::Signed(who.clone()).into(), SPR)
			.expect("enough active collateral; qed");
	}
	T::EpochInfo::set_current_epoch(start);
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
		let params = Pallet::<T>::params();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params.clone());

		assert_eq!(Params::<T>::get(), Some(params));
		Ok(())
	}

	#[benchmark]
	fn deposit() {
		let caller = funded::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), 10 * SPR);

		assert_eq!(Pallet::<T>::held(&caller), 10 * SPR);
	}

	/// A new chunk beside `MaxUnbondingChunks − 1` others.
	#[benchmark]
	fn request_unbond() {
		let caller = funded::<T>();
		let max = <MaxUnbondingChunks as polkadot_sdk::frame_support::traits::Get<u32>>::get();
		with_chunks::<T>(&caller, max - 1);
		T::EpochInfo::set_current_epoch(T::EpochInfo::current_epoch() + max);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), SPR);

		let ledger = Collaterals::<T>::get(&caller).expect("deposited; qed");
		assert_eq!(ledger.unbonding.len() as u32, max);
	}

	/// Every chunk unlocked at once.
	#[benchmark]
	fn withdraw_unbonded() {
		let caller = funded::<T>();
		let max = <MaxUnbondingChunks as polkadot_sdk::frame_support::traits::Get<u32>>::get();
		with_chunks::<T>(&caller, max);
		let unbonding = Pallet::<T>::params().unbonding_epochs;
		T::EpochInfo::set_current_epoch(T::EpochInfo::current_epoch() + max + unbonding);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));

		let ledger = Collaterals::<T>::get(&caller).expect("active collateral left; qed");
		assert!(ledger.unbonding.is_empty());
	}

	/// A full block of pruning: `PRUNE_PER_BLOCK` expired jails and as many offence records.
	#[benchmark]
	fn prune_step() {
		T::EpochInfo::set_current_epoch(OFFENCE_RECORD_EPOCHS);
		for i in 0..PRUNE_PER_BLOCK {
			let who: T::AccountId = account("offender", i, 0);
			JailedUntil::<T>::insert(&who, 0);
			JailReleases::<T>::insert(0, &who, ());
			SlashedOffences::<T>::insert(0, (who, sprint_primitives::OffenceKind::SilentSeat), SPR);
		}
		let worked;

		#[block]
		{
			worked = Pallet::<T>::prune_step();
		}

		assert!(worked);
		assert_eq!(JailedUntil::<T>::iter().count(), 0);
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}

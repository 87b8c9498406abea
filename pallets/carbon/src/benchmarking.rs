//! Benchmarks: each call in its worst case, and the minting hook's steps (a certificate minted
//! with the longest metadata, a participant passed, the hook's fixed part).

use super::*;
use alloc::vec;
use polkadot_sdk::{
	frame_benchmarking::v2::*,
	frame_support::{traits::EnsureOrigin, weights::Weight},
	frame_system::RawOrigin,
	sp_core::H256,
};
use sprint_primitives::{AcceptedWork, EnergyDeclaration};

/// `who` participant `index` of epoch 0, accepted (or not) with the largest figures, a 16-byte
/// region and the longest source name; epoch 1 current, so epoch 0 is certified next.
fn participant<T: Config>(index: u32, who: &T::AccountId, accepted: bool) {
	let mut one = [0u8; 32];
	one[31] = 1;
	T::Work::set_participant(
		0,
		index,
		who,
		accepted.then_some(AcceptedWork { weight: u128::MAX, committed: u32::MAX }),
		H256(one),
		sprint_core::ModelShape::DEV,
	);
	T::Energy::set_energy(
		who,
		0,
		EnergyDeclaration {
			source: EnergySource::GridMixed,
			region: vec![b'R'; 16].try_into().expect("16 bytes; qed"),
		},
	);
	EnergyPerNonce::<T>::insert(sprint_core::ModelShape::DEV, u64::MAX);
	T::EpochInfo::set_current_epoch(1);
	// Enough to hold the item deposit (and stay above any existential deposit).
	use polkadot_sdk::{frame_support::traits::Currency, sp_runtime::Saturating};
	let deposit = <T as pallet_nfts::Config>::ItemDeposit::get();
	<T as pallet_nfts::Config>::Currency::make_free_balance_be(
		who,
		deposit.saturating_mul(1_000u32.into()).saturating_add(1_000_000_000u32.into()),
	);
}

/// One step's budget: room for exactly one more step after the hook's fixed part.
fn one_step<T: Config>() -> WeightMeter {
	let step = <T as Config>::WeightInfo::mint_certificate()
		.max(<T as Config>::WeightInfo::skip_participant());
	WeightMeter::with_limit(<T as Config>::WeightInfo::hook_base().saturating_add(step))
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn retire() -> Result<(), BenchmarkError> {
		let host: T::AccountId = account("host", 0, 0);
		participant::<T>(0, &host, true);
		let mut meter = WeightMeter::new();
		Pallet::<T>::mint_step(&mut meter);
		assert!(Certificates::<T>::contains_key(0));

		#[extrinsic_call]
		_(RawOrigin::Signed(host.clone()), 0);

		assert_eq!(RetiredBy::<T>::get(&host).certificates, 1);
		Ok(())
	}

	#[benchmark]
	fn set_energy_per_nonce() -> Result<(), BenchmarkError> {
		let origin =
			T::ParamsOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, sprint_core::ModelShape::PRODUCTION, 118_666_000);

		assert_eq!(
			EnergyPerNonce::<T>::get(sprint_core::ModelShape::PRODUCTION),
			Some(118_666_000)
		);
		Ok(())
	}

	/// The hook with nothing to mint: the epoch's tally has not ended.
	#[benchmark]
	fn hook_base() {
		let mut meter = WeightMeter::with_limit(Weight::MAX);

		#[block]
		{
			Pallet::<T>::mint_step(&mut meter);
		}

		assert_eq!(NextCertificate::<T>::get(), 0);
	}

	/// One certificate minted: the largest figures, the longest metadata.
	#[benchmark]
	fn mint_certificate() {
		let host: T::AccountId = account("host", 0, 0);
		participant::<T>(0, &host, true);
		let mut meter = one_step::<T>();

		#[block]
		{
			Pallet::<T>::mint_step(&mut meter);
		}

		assert_eq!(NextCertificate::<T>::get(), 1);
	}

	/// One participant passed: its tally did not accept it.
	#[benchmark]
	fn skip_participant() {
		let host: T::AccountId = account("host", 0, 0);
		participant::<T>(0, &host, false);
		let mut meter = one_step::<T>();

		#[block]
		{
			Pallet::<T>::mint_step(&mut meter);
		}

		assert_eq!(Cursor::<T>::get().next, 1);
		assert_eq!(NextCertificate::<T>::get(), 0);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}

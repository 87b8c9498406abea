//! Benchmarks of pallet-inference's calls, each in its worst case: `make weights` runs them
//! through `sprint-node benchmark pallet` to generate `weights.rs`, and `make test` runs each once
//! as a test.

use super::*;
use alloc::{vec, vec::Vec};
use polkadot_sdk::{
	frame_benchmarking::v2::*,
	frame_support::traits::{fungible::Mutate, EnsureOrigin},
	frame_system::RawOrigin,
	sp_core::crypto::KeyTypeId,
	sp_io::crypto::{sr25519_generate, sr25519_sign},
};
use sprint_primitives::SPR;

const KEYS: KeyTypeId = KeyTypeId(*b"infr");

fn funded<T: Config>(index: u32) -> T::AccountId {
	let who: T::AccountId = account("requester", index, 0);
	let _ = T::Currency::set_balance(&who, 1_000_000 * SPR);
	who
}

fn sign(key: &sr25519::Public, message: &[u8]) -> SignatureBytes {
	sr25519_sign(KEYS, key, message).expect("generated in the keystore; qed").0
}

fn model<T: Config>() -> ModelInfo<BalanceOf<T>> {
	ModelInfo {
		name: b"SmolLM2-135M-Instruct.Q4_1".to_vec().try_into().expect("short; qed"),
		file_sha256: [1; 32],
		architecture: b"llama".to_vec().try_into().expect("short; qed"),
		context_length: 8_192,
		engine_recipe: 1,
		compute_units_per_token: 1,
		initial_price: 1_000,
	}
}

/// A full energy history, every change in the past of epoch 10 (which it makes current), the
/// last one in force solar.
fn full_energy_history<T: Config>() -> EnergyHistory {
	T::EpochInfo::set_current_epoch(10);
	let declaration = |source| {
		Some(EnergyDeclaration {
			source,
			region: vec![b'R'; 16].try_into().expect("16 bytes; qed"),
		})
	};
	vec![
		(3, declaration(EnergySource::Hydro)),
		(5, None),
		(7, declaration(EnergySource::Fossil)),
		(9, declaration(EnergySource::Solar)),
	]
	.try_into()
	.expect("ENERGY_HISTORY entries; qed")
}

fn service(models: u32) -> ServiceDeclaration {
	ServiceDeclaration {
		models: (0..models).collect::<Vec<_>>().try_into().expect("at most 8; qed"),
		capacity: 1_000,
		api_url: vec![b'h'; 256].try_into().expect("256 bytes; qed"),
		energy: EnergySource::Wind,
		region: b"DE".to_vec().try_into().expect("short; qed"),
	}
}

fn register_models<T: Config>(n: u32) {
	let origin = T::ParamsOrigin::try_successful_origin().expect("governance can register; qed");
	for _ in 0..n {
		Pallet::<T>::register_model(origin.clone(), model::<T>()).expect("valid; qed");
	}
}

/// A key of `owner`'s, registered, with a deposit behind it.
fn key_of<T: Config>(owner: &T::AccountId, seed: u32) -> sr25519::Public {
	let key = sr25519_generate(KEYS, Some(alloc::format!("//key{seed}").into_bytes()));
	let genesis = Pallet::<T>::genesis_hash();
	let proof = sign(&key, &key_ownership_payload(owner, genesis.as_ref()));
	Pallet::<T>::deposit(RawOrigin::Signed(owner.clone()).into(), 1_000 * SPR)
		.expect("funded; qed");
	Pallet::<T>::add_api_key(
		RawOrigin::Signed(owner.clone()).into(),
		key.0,
		100 * SPR,
		1_000_000,
		u32::MAX,
		proof,
	)
	.expect("fresh key; qed");
	key
}

/// An executor serving model 0 with a signing key in the keystore.
fn executor<T: Config>() -> (T::AccountId, sr25519::Public) {
	let who: T::AccountId = whitelisted_caller();
	let _ = T::Currency::set_balance(&who, 1_000_000 * SPR);
	T::Collateral::bond_host(&who).expect("funded; qed");
	let key = sr25519_generate(KEYS, Some(b"//executor".to_vec()));
	T::SigningKeys::set_signing_key(&who, key.0);
	Pallet::<T>::declare_service(RawOrigin::Signed(who.clone()).into(), service(1))
		.expect("model 0 registered; qed");
	(who, key)
}

/// `n` receipts for `executor`, each of its own key and owner (the worst case: a transfer per
/// owner).
fn receipts<T: Config>(
	executor: &T::AccountId,
	executor_key: &sr25519::Public,
	n: u32,
) -> ReceiptsOf<T> {
	let genesis = Pallet::<T>::genesis_hash();
	let mut genesis_bytes = [0u8; 32];
	genesis_bytes.copy_from_slice(genesis.as_ref());
	(0..n)
		.map(|i| {
			let owner = funded::<T>(i);
			let key = key_of::<T>(&owner, i);
			let ticket = Ticket {
				genesis: genesis_bytes,
				key: key.0,
				executor: executor.clone(),
				model: 0,
				request_hash: [i as u8; 32],
				max_tokens: 512,
				sampling: Sampling { temperature_milli: 700, top_p_milli: 950, seed: u64::from(i) },
				price: 1_000,
				nonce: u64::from(i),
				epoch: T::EpochInfo::current_epoch(),
				expiry: u32::MAX,
			};
			let mut receipt = Receipt {
				ticket_signature: sign(&key, &ticket.signing_payload()),
				ticket,
				prompt_tokens: 200,
				completion_tokens: 300,
				output_commitment: [7; 32],
				executor_signature: [0; 64],
			};
			receipt.executor_signature = sign(executor_key, &receipt.executor_payload());
			receipt
		})
		.collect::<Vec<_>>()
		.try_into()
		.expect("at most MAX_RECEIPTS_PER_SETTLE; qed")
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// Governance sets the parameters in force again: the whole check runs.
	#[benchmark]
	fn set_params() -> Result<(), BenchmarkError> {
		let origin =
			T::ParamsOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let params = Pallet::<T>::params();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params.clone());

		assert_eq!(Params::<T>::get(), Some(params));
		Ok(())
	}

	/// Clearing a full energy history.
	#[benchmark]
	fn dispute_energy() -> Result<(), BenchmarkError> {
		let origin =
			T::ParamsOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let host: T::AccountId = account("host", 0, 0);
		Energy::<T>::insert(&host, full_energy_history::<T>());

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, host.clone());

		assert!(EnergyBlocked::<T>::contains_key(&host));
		assert!(!Energy::<T>::contains_key(&host));
		Ok(())
	}

	#[benchmark]
	fn register_model() -> Result<(), BenchmarkError> {
		register_models::<T>(MAX_MODELS - 1);
		let origin =
			T::ParamsOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, model::<T>());

		assert_eq!(ModelCount::<T>::get(), MAX_MODELS);
		Ok(())
	}

	/// Replacing a declaration of 8 models with another of 8, with a new energy declaration
	/// that pushes the oldest of a full history out.
	#[benchmark]
	fn declare_service() {
		register_models::<T>(MAX_MODELS_PER_HOST);
		let caller: T::AccountId = whitelisted_caller();
		let _ = T::Currency::set_balance(&caller, 1_000_000 * SPR);
		T::Collateral::bond_host(&caller).expect("funded; qed");
		Pallet::<T>::declare_service(RawOrigin::Signed(caller.clone()).into(), service(8))
			.expect("registered; qed");
		Energy::<T>::insert(&caller, full_energy_history::<T>());

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), service(MAX_MODELS_PER_HOST));

		assert_eq!(Capacity::<T>::get(0), 1_000);
		assert_eq!(
			<Pallet<T> as EnergyDeclarations<_>>::energy_in(11, &caller).map(|d| d.source),
			Some(EnergySource::Wind)
		);
	}

	#[benchmark]
	fn deposit() {
		let caller = funded::<T>(0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), 10 * SPR);

		assert_eq!(Pallet::<T>::deposit_of(&caller), 10 * SPR);
	}

	#[benchmark]
	fn request_withdrawal() {
		let caller = funded::<T>(0);
		Pallet::<T>::deposit(RawOrigin::Signed(caller.clone()).into(), 10 * SPR)
			.expect("funded; qed");

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), 5 * SPR);

		assert!(Deposits::<T>::get(&caller).and_then(|l| l.withdrawal).is_some());
	}

	#[benchmark]
	fn withdraw() {
		let caller = funded::<T>(0);
		Pallet::<T>::deposit(RawOrigin::Signed(caller.clone()).into(), 10 * SPR)
			.expect("funded; qed");
		Pallet::<T>::request_withdrawal(RawOrigin::Signed(caller.clone()).into(), 5 * SPR)
			.expect("deposited; qed");
		T::EpochInfo::set_current_epoch(T::EpochInfo::current_epoch() + 10);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));

		assert_eq!(Pallet::<T>::deposit_of(&caller), 5 * SPR);
	}

	#[benchmark]
	fn add_api_key() {
		let caller = funded::<T>(0);
		let key = sr25519_generate(KEYS, Some(b"//benchmark".to_vec()));
		let genesis = Pallet::<T>::genesis_hash();
		let proof = sign(&key, &key_ownership_payload(&caller, genesis.as_ref()));

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), key.0, SPR, 1_000, u32::MAX, proof);

		assert!(ApiKeys::<T>::contains_key(key.0));
	}

	#[benchmark]
	fn revoke_api_key() {
		let caller = funded::<T>(0);
		let key = key_of::<T>(&caller, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), key.0);

		assert!(ApiKeys::<T>::get(key.0).and_then(|k| k.revoked).is_some());
	}

	/// `n` receipts, each of a different key and owner.
	#[benchmark]
	fn settle(n: Linear<1, MAX_RECEIPTS_PER_SETTLE>) {
		register_models::<T>(1);
		let (who, key) = executor::<T>();
		let batch = receipts::<T>(&who, &key, n);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), batch);

		assert_eq!(BatchCount::<T>::get(T::EpochInfo::current_epoch()), 1);
	}

	#[benchmark]
	fn claim_fees() {
		register_models::<T>(1);
		let (who, key) = executor::<T>();
		let batch = receipts::<T>(&who, &key, 1);
		Pallet::<T>::settle(RawOrigin::Signed(who.clone()).into(), batch).expect("valid; qed");
		T::EpochInfo::set_current_epoch(T::EpochInfo::current_epoch() + 10);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(PendingFees::<T>::get(&who).is_empty());
	}

	/// The per-block price update over `m` models, at the start of a new epoch.
	#[benchmark]
	fn update_prices(m: Linear<1, MAX_MODELS>) {
		register_models::<T>(m);
		T::EpochInfo::set_current_epoch(T::EpochInfo::current_epoch() + 1);

		#[block]
		{
			Pallet::<T>::update_prices();
		}

		assert_eq!(PricedEpoch::<T>::get(), Some(T::EpochInfo::current_epoch()));
	}

	/// A missed ticket reported, the first of its executor's epoch: the downtime slash.
	#[benchmark]
	fn report_missed_ticket() {
		let epoch = T::EpochInfo::current_epoch();
		register_models::<T>(1);
		let (who, executor_key) = executor::<T>();
		let batch = receipts::<T>(&who, &executor_key, 1);
		let ticket = batch[0].ticket.clone();
		let ticket_signature = batch[0].ticket_signature;
		let acceptance =
			sign(&executor_key, &sprint_core::market::acceptance_payload(&ticket.hash()));
		T::EpochInfo::set_current_epoch(epoch + 2);
		let reporter = funded::<T>(1_000);

		#[extrinsic_call]
		_(RawOrigin::Signed(reporter), ticket, ticket_signature, acceptance);

		assert_eq!(Missed::<T>::get(epoch, &who), 1);
	}

	/// A prune step over an epoch with `k` settled nonces.
	#[benchmark]
	fn prune_step(k: Linear<1, { crate::settle::PRUNE_PER_BLOCK }>) {
		let epoch = T::EpochInfo::current_epoch();
		register_models::<T>(1);
		let (who, key) = executor::<T>();
		let batch = receipts::<T>(&who, &key, k);
		Pallet::<T>::settle(RawOrigin::Signed(who.clone()).into(), batch).expect("valid; qed");
		T::EpochInfo::set_current_epoch(epoch + 3);
		NextPrune::<T>::put(epoch);

		#[block]
		{
			Pallet::<T>::prune_step();
		}

		assert_eq!(UsedNonces::<T>::iter_prefix((epoch,)).count(), 0);
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}

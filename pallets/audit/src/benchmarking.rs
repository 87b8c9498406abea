//! Benchmarks of pallet-audit's calls and hook steps, each in its worst case: `make weights`
//! runs them through `sprint-node benchmark pallet` to generate `weights.rs`, and `make test`
//! runs each once as a test.

use super::*;
use alloc::{vec, vec::Vec};
use codec::Encode;
use polkadot_sdk::{
	frame_benchmarking::v2::*,
	frame_system::RawOrigin,
	sp_core::crypto::KeyTypeId,
	sp_io::crypto::{sr25519_generate, sr25519_sign},
};
use sprint_core::market::{batch_path, Sampling, Ticket};

const KEYS: KeyTypeId = KeyTypeId(*b"audt");
/// The validators' secret (one for all: the draw differs by receipt).
const SECRET: [u8; 32] = [7; 32];
/// The settle epoch audited (epoch 1 of the chain audits it).
const EPOCH: EpochIndex = 0;

/// The executor, with a signing key in the keystore.
fn executor<T: Config>() -> (T::AccountId, sr25519::Public) {
	let who: T::AccountId = account("executor", 0, 0);
	let key = sr25519_generate(KEYS, Some(b"//executor".to_vec()));
	T::SigningKeys::set_signing_key(&who, key.0);
	(who, key)
}

fn receipt<T: Config>(executor: &T::AccountId, nonce: u64) -> ReceiptOf<T> {
	Receipt {
		ticket: Ticket {
			genesis: [0; 32],
			key: [1; 32],
			executor: executor.clone(),
			model: 0,
			request_hash: [2; 32],
			max_tokens: 512,
			sampling: Sampling { temperature_milli: 700, top_p_milli: 950, seed: nonce },
			price: 1_000,
			nonce,
			epoch: EPOCH,
			expiry: u32::MAX,
		},
		ticket_signature: [3; 64],
		prompt_tokens: 200,
		completion_tokens: 300,
		output_commitment: [4; 32],
		executor_signature: [5; 64],
	}
}

/// `n` receipts of `executor` settled as one batch of 1,024 (the deepest path), the first `n`
/// of them drawn by a validator with `power` against `total`; the chain in epoch 1's `stage`.
fn settled<T: Config>(
	executor: &T::AccountId,
	n: u32,
	pool: Vec<(T::AccountId, u128)>,
	stage: EpochStage,
) -> Vec<Audit<T::AccountId, u128>> {
	T::Validators::set_validators(EPOCH + 1, stage, pool.clone(), SECRET);
	let validator = &pool[0].0;
	let power = T::Validators::power(EPOCH + 1, validator);
	let total = T::Validators::total_power(EPOCH + 1);
	// Receipts the draw hits, then others up to a full batch.
	let mut receipts = Vec::with_capacity(1_024);
	let mut nonce = 0u64;
	while receipts.len() < n as usize && nonce < 100_000 {
		let r = receipt::<T>(executor, nonce);
		if Pallet::<T>::is_drawn(EPOCH, &r, &SECRET, power, total) {
			receipts.push(r);
		}
		nonce += 1;
	}
	while receipts.len() < 1_024 {
		receipts.push(receipt::<T>(executor, nonce));
		nonce += 1;
	}
	let ids: Vec<Hash32> = receipts.iter().map(|r| r.id()).collect();
	let payer: T::AccountId = account("payer", 0, 0);
	let batch = T::Market::record_batch(EPOCH, executor, &ids, &payer, [1; 32]);
	(0..n)
		.map(|i| Audit {
			batch,
			index: i,
			receipt: receipts[i as usize].clone(),
			path: batch_path(&ids, i).try_into().expect("a batch of 1,024 has 10 levels; qed"),
			result: AuditResult::Pass,
		})
		.collect()
}

/// The auditor (all the power but the executor's) and `others` validators of power 1.
fn pool<T: Config>(others: u32) -> Vec<(T::AccountId, u128)> {
	let auditor = account::<T::AccountId>("auditor", 0, 0);
	// Enough for the claim bonds of its claims.
	let _ = T::Currency::set_balance(&auditor, MAX_CLAIM_BOND.saturating_mul(100));
	let mut pool = vec![(auditor, 1u128 << 60)];
	pool.extend((0..others).map(|i| (account::<T::AccountId>("validator", i, 0), 1)));
	pool
}

fn signed_fail<T: Config>(key: &sr25519::Public, receipt: &ReceiptOf<T>) -> AuditResult {
	let payload_hash = [9; 32];
	let signature = sr25519_sign(KEYS, key, &payload_statement(&receipt.id(), &payload_hash))
		.expect("generated in the keystore; qed");
	AuditResult::Fail { position: 0, payload_hash, executor_signature: signature.0 }
}

/// A `Fail` dispute over a receipt and the answer period opened, its jury (min(5, `others`) of
/// `others` validators) drawn on demand but not stored.
fn disputed<T: Config>(others: u32) -> (Hash32, Vec<T::AccountId>) {
	let (executor, key) = executor::<T>();
	let pool = pool::<T>(others);
	let auditor = pool[0].0.clone();
	let mut audits = settled::<T>(&executor, 1, pool.clone(), EpochStage::Validation);
	audits[0].result = signed_fail::<T>(&key, &audits[0].receipt);
	let id = audits[0].receipt.id();
	Pallet::<T>::submit_audits(
		RawOrigin::Signed(auditor).into(),
		EPOCH,
		audits.try_into().expect("one; qed"),
	)
	.expect("drawn; qed");
	T::Validators::set_validators(EPOCH + 1, EpochStage::Answer, pool, SECRET);
	Pallet::<T>::fix_jury_randomness();
	let seats = Pallet::<T>::jury(EPOCH, id).expect("the randomness is fixed; qed");
	(id, seats)
}

#[benchmarks]
mod benches {
	use super::*;

	/// `n` passing audits over a batch of 1,024 receipts.
	#[benchmark]
	fn submit_audits(n: Linear<1, MAX_AUDITS_PER_CHUNK>) {
		let (executor, _) = executor::<T>();
		let pool = pool::<T>(3);
		let auditor = pool[0].0.clone();
		let audits = settled::<T>(&executor, n, pool, EpochStage::Validation);
		let audits: AuditsOf<T> = audits.try_into().expect("at most 64; qed");

		#[extrinsic_call]
		submit_audits(RawOrigin::Signed(auditor), EPOCH, audits);

		assert_eq!(Stats::<T>::get(EPOCH).passed, n);
	}

	/// A jury of min(5, eligible) drawn from `v` validators (what a first vote, or the hook
	/// closing a dispute nobody voted on, costs on top of its own work).
	#[benchmark]
	fn dispute(v: Linear<4, { T::MaxValidators::get() }>) {
		let (id, _) = disputed::<T>(v - 1);
		let jury;

		#[block]
		{
			jury = Pallet::<T>::jury(EPOCH, id);
		}

		assert_eq!(jury.map(|j| j.len() as u32), Some((v - 1).min(MAX_RERUN_SEATS)));
	}

	/// The executor posts a payload of `b` bytes.
	#[benchmark]
	fn post_payload(b: Linear<1, MAX_PAYLOAD>) {
		let (executor, _) = executor::<T>();
		let pool = pool::<T>(3);
		let auditor = pool[0].0.clone();
		let mut audits = settled::<T>(&executor, 1, pool, EpochStage::Validation);
		audits[0].result = AuditResult::Unavailable;
		let id = audits[0].receipt.id();
		Pallet::<T>::submit_audits(
			RawOrigin::Signed(auditor).into(),
			EPOCH,
			audits.try_into().expect("one; qed"),
		)
		.expect("drawn; qed");
		let payload: Payload = vec![1u8; b as usize].try_into().expect("at most the bound; qed");

		#[extrinsic_call]
		post_payload(RawOrigin::Signed(executor), EPOCH, id, payload);

		assert!(Payloads::<T>::contains_key(EPOCH, id));
	}

	/// A re-run vote that decides nothing yet.
	#[benchmark]
	fn vote() {
		let (id, seats) = disputed::<T>(3);

		#[extrinsic_call]
		vote(RawOrigin::Signed(seats[0].clone()), EPOCH, id, true);

		assert_eq!(OpenCount::<T>::get(EPOCH), 1);
	}

	/// The vote that confirms fraud: refund, forfeit, slash, reputation.
	#[benchmark]
	fn resolve() {
		let (id, seats) = disputed::<T>(3);
		Pallet::<T>::vote(RawOrigin::Signed(seats[0].clone()).into(), EPOCH, id, true)
			.expect("a seat; qed");

		#[extrinsic_call]
		vote(RawOrigin::Signed(seats[1].clone()), EPOCH, id, true);

		assert_eq!(
			Disputes::<T>::get(EPOCH, id).and_then(|d| d.resolution),
			Some(Resolution::Fraud)
		);
	}

	/// A dispute closed by the hook with every juror silent: its jury drawn, three silent jurors
	/// charged and the claim void (its bond returned).
	#[benchmark]
	fn close_dispute() {
		let (id, _) = disputed::<T>(3);
		let pool = pool::<T>(3);
		T::Validators::set_validators(EPOCH + 1, EpochStage::Tally, pool, SECRET);

		#[block]
		{
			Pallet::<T>::resolve_closed();
		}

		assert_eq!(
			Disputes::<T>::get(EPOCH, id).and_then(|d| d.resolution),
			Some(Resolution::Undecided)
		);
	}

	/// A missed audit reported.
	#[benchmark]
	fn report_missed_audit() {
		let (executor, _) = executor::<T>();
		let pool = pool::<T>(3);
		let validator = pool[0].0.clone();
		let audits = settled::<T>(&executor, 1, pool, EpochStage::Check);
		let audit = audits.into_iter().next().expect("one; qed");
		let reporter: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		report_missed_audit(
			RawOrigin::Signed(reporter),
			EPOCH,
			validator,
			alloc::boxed::Box::new(audit),
		);

		assert_eq!(Stats::<T>::get(EPOCH).missed, 1);
	}

	/// A prune step over an epoch with `k` audits.
	#[benchmark]
	fn prune_step(k: Linear<1, PRUNE_PER_BLOCK>) {
		let validator: T::AccountId = account("validator", 0, 0);
		for i in 0..k {
			let id = polkadot_sdk::sp_io::hashing::blake2_256(&i.encode());
			Audited::<T>::insert((EPOCH, id, &validator), ());
		}
		NextPrune::<T>::put(EPOCH);
		T::Validators::set_validators(EPOCH + 3, EpochStage::Generation, pool::<T>(3), SECRET);

		#[block]
		{
			Pallet::<T>::prune_step();
		}

		assert_eq!(Audited::<T>::iter_prefix((EPOCH,)).count(), 0);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}

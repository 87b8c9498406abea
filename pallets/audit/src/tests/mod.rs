//! pallet-audit's tests, by topic.

mod disputes;
mod draws;
mod reports;

use pallet_inference::{EnergySource, ModelInfo, ServiceDeclaration};
use polkadot_sdk::{
	frame_support::assert_ok,
	sp_core::{sr25519, Pair},
};
use sprint_core::market::{batch_path, key_ownership_payload, payload_statement, Sampling, Ticket};
use sprint_primitives::EpochStage;

use crate::{mock::*, *};

/// The requester's API key.
pub fn api_key() -> sr25519::Pair {
	sr25519::Pair::from_seed(&[42; 32])
}

/// A model, [`EXECUTOR`] serving it, [`REQUESTER`] with a 100 SPR deposit and [`api_key`].
pub fn market() {
	assert_ok!(Inference::register_model(
		RuntimeOrigin::root(),
		ModelInfo {
			name: b"SmolLM2-135M-Instruct.Q4_1".to_vec().try_into().expect("short; qed"),
			file_sha256: [0xb1; 32],
			architecture: b"llama".to_vec().try_into().expect("short; qed"),
			context_length: 8_192,
			engine_recipe: 1,
			compute_units_per_token: 1,
			initial_price: 1_000,
		}
	));
	assert_ok!(Inference::declare_service(
		RuntimeOrigin::signed(EXECUTOR),
		ServiceDeclaration {
			models: vec![0].try_into().expect("one; qed"),
			capacity: 100,
			api_url: b"https://host.example/v1".to_vec().try_into().expect("short; qed"),
			energy: EnergySource::Wind,
			region: b"DE".to_vec().try_into().expect("short; qed"),
		}
	));
	assert_ok!(Inference::deposit(RuntimeOrigin::signed(REQUESTER), 100 * SPR));
	let key = api_key();
	let proof = key.sign(&key_ownership_payload(&REQUESTER, &GENESIS)).0;
	assert_ok!(Inference::add_api_key(
		RuntimeOrigin::signed(REQUESTER),
		key.public().0,
		10 * SPR,
		10_000,
		10_000,
		proof
	));
}

/// A receipt of [`EXECUTOR`] for ticket `nonce` of `epoch`: 20 prompt and 20 completion tokens
/// at 1,000 planck per token, signed by the key and the executor.
pub fn receipt(epoch: EpochIndex, nonce: u64) -> ReceiptOf<Test> {
	let key = api_key();
	let ticket = Ticket {
		genesis: GENESIS,
		key: key.public().0,
		executor: EXECUTOR,
		model: 0,
		request_hash: [nonce as u8; 32],
		max_tokens: 64,
		sampling: Sampling { temperature_milli: 700, top_p_milli: 1_000, seed: nonce },
		price: 1_000,
		nonce,
		epoch,
		expiry: 5_000,
	};
	let ticket_signature = key.sign(&ticket.signing_payload()).0;
	let mut receipt = Receipt {
		ticket,
		ticket_signature,
		prompt_tokens: 20,
		completion_tokens: 20,
		output_commitment: [nonce as u8; 32],
		executor_signature: [0; 64],
	};
	receipt.executor_signature = signing_pair(EXECUTOR).sign(&receipt.executor_payload()).0;
	receipt
}

/// The market set up, `n` receipts settled by [`EXECUTOR`] in epoch 0 as batch 0, and the chain
/// moved to epoch 1's validation window with every validator's secret revealed.
pub fn settled(n: u64) -> Vec<ReceiptOf<Test>> {
	market();
	let receipts: Vec<_> = (0..n).map(|i| receipt(0, i)).collect();
	assert_ok!(Inference::settle(
		RuntimeOrigin::signed(EXECUTOR),
		receipts.clone().try_into().expect("few; qed")
	));
	set_stage(1, EpochStage::Validation);
	for v in VALIDATORS {
		reveal(1, v);
	}
	receipts
}

/// The audit of `receipts[index]` (batch 0 of epoch 0) with `result`.
pub fn audit(
	receipts: &[ReceiptOf<Test>],
	index: usize,
	result: AuditResult,
) -> Audit<AccountId, u128> {
	let ids: Vec<_> = receipts.iter().map(|r| r.id()).collect();
	Audit {
		batch: 0,
		index: index as u32,
		receipt: receipts[index].clone(),
		path: batch_path(&ids, index as u32).try_into().expect("short; qed"),
		result,
	}
}

/// The validators whose draw hits `receipt` of epoch 0.
pub fn drawn(receipt: &ReceiptOf<Test>) -> Vec<AccountId> {
	let total = VALIDATORS.len() as u128 * 100;
	VALIDATORS
		.into_iter()
		.filter(|v| Audits::is_drawn(0, receipt, &secret_of(1, *v), 100, total))
		.collect()
}

/// The first receipt (its index) that at least `k` validators draw, and those validators.
pub fn drawn_receipt(receipts: &[ReceiptOf<Test>], k: usize) -> (usize, Vec<AccountId>) {
	receipts
		.iter()
		.enumerate()
		.map(|(i, r)| (i, drawn(r)))
		.find(|(_, v)| v.len() >= k)
		.expect("some receipt is drawn by enough validators")
}

/// A `Fail` at position 3 over `payload`, signed by the executor.
pub fn fail(receipt: &ReceiptOf<Test>, payload: &[u8]) -> AuditResult {
	let payload_hash = polkadot_sdk::sp_io::hashing::blake2_256(payload);
	let executor_signature =
		signing_pair(EXECUTOR).sign(&payload_statement(&receipt.id(), &payload_hash)).0;
	AuditResult::Fail { position: 3, payload_hash, executor_signature }
}

/// Submits `audits` as `validator` for epoch 0.
pub fn submit(
	validator: AccountId,
	audits: Vec<Audit<AccountId, u128>>,
) -> polkadot_sdk::sp_runtime::DispatchResultWithInfo<
	polkadot_sdk::frame_support::dispatch::PostDispatchInfo,
> {
	Audits::submit_audits(RuntimeOrigin::signed(validator), 0, audits.try_into().expect("few; qed"))
}

//! pallet-inference's tests, by topic.

mod deposits;
mod downtime;
mod energy;
mod keys;
mod migrations;
mod price;
mod registry;
mod settle;

use polkadot_sdk::{
	frame_support::assert_ok,
	sp_core::{sr25519, Pair},
};

use crate::{mock::*, *};

/// The model most tests register: SmolLM2-135M-Instruct at 1,000 planck per token.
pub fn smollm2() -> ModelInfo<u128> {
	ModelInfo {
		name: b"SmolLM2-135M-Instruct.Q4_1".to_vec().try_into().expect("short; qed"),
		file_sha256: [0xb1; 32],
		architecture: b"llama".to_vec().try_into().expect("short; qed"),
		context_length: 8_192,
		engine_recipe: 1,
		compute_units_per_token: 1,
		initial_price: 1_000,
	}
}

/// The requester's API key.
pub fn api_key() -> sr25519::Pair {
	sr25519::Pair::from_seed(&[42; 32])
}

/// A service declaration of `models` at 100 tokens/s.
pub fn service(models: &[ModelId]) -> ServiceDeclaration {
	ServiceDeclaration {
		models: models.to_vec().try_into().expect("few; qed"),
		capacity: 100,
		api_url: b"https://host.example/v1".to_vec().try_into().expect("short; qed"),
		energy: EnergySource::Solar,
		region: b"DE".to_vec().try_into().expect("short; qed"),
	}
}

/// Registers `key` for `owner` with its proof of ownership.
pub fn add_key(owner: AccountId, key: &sr25519::Pair, cap: u128, price_cap: u128, expires_at: u32) {
	let proof = key.sign(&key_ownership_payload(&owner, &GENESIS)).0;
	assert_ok!(Inference::add_api_key(
		RuntimeOrigin::signed(owner),
		key.public().0,
		cap,
		price_cap,
		expires_at,
		proof
	));
}

/// Model 0 registered and served by [`EXECUTOR`]; [`REQUESTER`] with a 100 SPR deposit and
/// [`api_key`] (cap 10 SPR per epoch, price cap 10,000, expiring at block 1,000).
pub fn market() {
	assert_ok!(Inference::register_model(RuntimeOrigin::root(), smollm2()));
	assert_ok!(Inference::declare_service(RuntimeOrigin::signed(EXECUTOR), service(&[0])));
	assert_ok!(Inference::deposit(RuntimeOrigin::signed(REQUESTER), 100 * SPR));
	add_key(REQUESTER, &api_key(), 10 * SPR, 10_000, 1_000);
}

/// A ticket of [`api_key`] for [`EXECUTOR`]: model 0, 1,000 planck per token, epoch 0.
pub fn ticket(nonce: u64) -> Ticket<AccountId, u128> {
	Ticket {
		genesis: GENESIS,
		key: api_key().public().0,
		executor: EXECUTOR,
		model: 0,
		request_hash: [nonce as u8; 32],
		max_tokens: 64,
		sampling: Sampling { temperature_milli: 700, top_p_milli: 1_000, seed: nonce },
		price: 1_000,
		nonce,
		epoch: 0,
		expiry: 200,
	}
}

/// `ticket` answered with `prompt` and `completion` tokens, signed by `key` and by the
/// executor's signing key.
pub fn receipt_signed(
	ticket: Ticket<AccountId, u128>,
	key: &sr25519::Pair,
	prompt: u32,
	completion: u32,
) -> Receipt<AccountId, u128> {
	let mut receipt = Receipt {
		ticket_signature: key.sign(&ticket.signing_payload()).0,
		ticket,
		prompt_tokens: prompt,
		completion_tokens: completion,
		output_commitment: [7; 32],
		executor_signature: [0; 64],
	};
	let executor = signing_pair(receipt.ticket.executor);
	receipt.executor_signature = executor.sign(&receipt.executor_payload()).0;
	receipt
}

/// [`receipt_signed`] with [`api_key`].
pub fn receipt(
	ticket: Ticket<AccountId, u128>,
	prompt: u32,
	completion: u32,
) -> Receipt<AccountId, u128> {
	receipt_signed(ticket, &api_key(), prompt, completion)
}

/// Settles `receipts` as [`EXECUTOR`].
pub fn settle(receipts: Vec<Receipt<AccountId, u128>>) -> polkadot_sdk::sp_runtime::DispatchResult {
	Inference::settle(RuntimeOrigin::signed(EXECUTOR), receipts.try_into().expect("few; qed"))
}

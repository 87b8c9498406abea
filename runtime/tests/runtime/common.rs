//! Builds the genesis state of a preset the way a node does (the runtime's WASM builds it), and
//! signs transactions the way a wallet does.

#![allow(dead_code)]

use codec::Encode;
use polkadot_sdk::{
	frame_system, pallet_transaction_payment,
	sc_chain_spec::GenesisConfigBuilderRuntimeCaller,
	sp_io::TestExternalities,
	sp_keyring::Sr25519Keyring,
	sp_runtime::{generic::Era, traits::Header as _},
};
use sprint_runtime::{
	Executive, Header, RuntimeCall, SignedPayload, System, TxExtension, UncheckedExtrinsic,
};

/// `call` signed by `from` with account nonce `nonce`, immortal, no tip, with every transaction
/// extension of the runtime.
pub fn signed(from: Sr25519Keyring, call: RuntimeCall, nonce: u32) -> UncheckedExtrinsic {
	let extension: TxExtension = (
		frame_system::CheckNonZeroSender::new(),
		frame_system::CheckSpecVersion::new(),
		frame_system::CheckTxVersion::new(),
		frame_system::CheckGenesis::new(),
		frame_system::CheckMortality::from(Era::Immortal),
		frame_system::CheckNonce::from(nonce),
		frame_system::CheckWeight::new(),
		pallet_transaction_payment::ChargeTransactionPayment::from(0),
		pallet_poc::PrioritizeChallengeAnswers::new(),
		frame_system::WeightReclaim::new(),
	);
	let payload =
		SignedPayload::new(call.clone(), extension.clone()).expect("implicit data available");
	let signature = payload.using_encoded(|bytes| from.sign(bytes));
	UncheckedExtrinsic::new_signed(call, from.to_account_id().into(), signature.into(), extension)
}

/// Opens block #1 on top of genesis, as a block author would before applying transactions.
pub fn start_block_one() {
	let header = Header::new(
		1,
		Default::default(),
		Default::default(),
		System::parent_hash(),
		Default::default(),
	);
	Executive::initialize_block(&header);
}

/// Externalities holding the genesis state of preset `name`, built by the real WASM runtime.
pub fn genesis_of(name: &str) -> TestExternalities {
	let wasm =
		sprint_runtime::WASM_BINARY.expect("tests need the WASM runtime: unset SKIP_WASM_BUILD");
	let storage = GenesisConfigBuilderRuntimeCaller::<()>::new(wasm)
		.get_storage_for_named_preset(Some(&name.to_string()))
		.unwrap_or_else(|e| panic!("preset {name} does not build: {e}"));
	TestExternalities::new(storage)
}

/// SmolLM2 as a model registration (a made-up file hash).
pub fn smollm2() -> pallet_inference::ModelInfo<u128> {
	pallet_inference::ModelInfo {
		name: b"SmolLM2-135M-Instruct.Q4_1".to_vec().try_into().expect("short"),
		file_sha256: [1; 32],
		architecture: b"llama".to_vec().try_into().expect("short"),
		context_length: 8_192,
		engine_recipe: 1,
		compute_units_per_token: 1,
		initial_price: 1_000,
	}
}

//! Builds the genesis state of a preset the way a node does: the runtime's WASM builds it.

use polkadot_sdk::{sc_chain_spec::GenesisConfigBuilderRuntimeCaller, sp_io::TestExternalities};

/// Externalities holding the genesis state of preset `name`, built by the real WASM runtime.
pub fn genesis_of(name: &str) -> TestExternalities {
	let wasm =
		sprint_runtime::WASM_BINARY.expect("tests need the WASM runtime: unset SKIP_WASM_BUILD");
	let storage = GenesisConfigBuilderRuntimeCaller::<()>::new(wasm)
		.get_storage_for_named_preset(Some(&name.to_string()))
		.unwrap_or_else(|e| panic!("preset {name} does not build: {e}"));
	TestExternalities::new(storage)
}

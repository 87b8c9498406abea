//! The chains `sprint-node` knows by name, and loading one from a file.
//!
//! Each is built by the runtime's own genesis preset (`sprint_runtime::genesis`), so the node
//! never duplicates genesis logic; this file adds only the name, id, type and token properties.

use polkadot_sdk::{
	sc_chain_spec::{ChainType, Properties},
	sc_service, sp_genesis_builder,
};
use std::path::PathBuf;

/// Sprint's chain spec: no extensions.
pub type ChainSpec = sc_service::GenericChainSpec;

/// Token properties that polkadot-js apps and subxt read: symbol SPR, 9 decimals, SS58 42.
pub fn token_properties() -> Properties {
	let mut properties = Properties::new();
	properties.insert("tokenSymbol".into(), sprint_primitives::TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), sprint_primitives::TOKEN_DECIMALS.into());
	properties.insert("ss58Format".into(), sprint_primitives::SS58_PREFIX.into());
	properties
}

fn wasm_binary() -> Result<&'static [u8], String> {
	sprint_runtime::WASM_BINARY.ok_or_else(|| {
		"this sprint-node was built without the runtime's WASM (SKIP_WASM_BUILD was set): \
		 rebuild it without SKIP_WASM_BUILD, or pass --chain with a chain-spec file"
			.to_string()
	})
}

fn from_preset(
	name: &str,
	id: &str,
	chain_type: ChainType,
	preset: &str,
) -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, None)
		.with_name(name)
		.with_id(id)
		.with_chain_type(chain_type)
		.with_protocol_id("spr")
		.with_genesis_config_preset_name(preset)
		.with_properties(token_properties())
		.build())
}

/// `--dev`: one authority (Alice), sudo, endowed dev accounts.
pub fn development() -> Result<ChainSpec, String> {
	from_preset(
		"Sprint Development",
		"sprint_dev",
		ChainType::Development,
		sp_genesis_builder::DEV_RUNTIME_PRESET,
	)
}

/// `--chain local`: Alice, Bob, Charlie and Dave author and finalize.
pub fn local_testnet() -> Result<ChainSpec, String> {
	from_preset(
		"Sprint Local Testnet",
		"sprint_local",
		ChainType::Local,
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
	)
}

/// `--chain mainnet-template`: docs/protocol.md §6's allocation with placeholder accounts, the
/// starting point of a new network's spec (chain-specs/README.md).
pub fn mainnet_template() -> Result<ChainSpec, String> {
	from_preset(
		"Sprint",
		"sprint",
		ChainType::Live,
		sprint_runtime::genesis::MAINNET_TEMPLATE_PRESET,
	)
}

/// A chain spec by name (`dev`, `local`, `mainnet-template`) or by the path of a JSON file.
/// A missing or malformed file is an error that names the file.
pub fn load(id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
	Ok(match id {
		"dev" => Box::new(development()?),
		"" | "local" => Box::new(local_testnet()?),
		"mainnet-template" | "mainnet_template" => Box::new(mainnet_template()?),
		path => {
			let path = PathBuf::from(path);
			if !path.is_file() {
				return Err(format!(
					"chain spec `{}` not found: pass `dev`, `local`, `mainnet-template` or the path \
					 of a chain-spec JSON file (see chain-specs/README.md)",
					path.display()
				));
			}
			Box::new(
				ChainSpec::from_json_file(path.clone()).map_err(|e| {
					format!("chain spec `{}` could not be loaded: {e}", path.display())
				})?,
			)
		}
	})
}

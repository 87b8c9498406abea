//! Genesis presets: the starting state of a Sprint chain, by name.
//!
//! - `development` (`sprint-node --dev`): Alice authors and finalizes alone and holds sudo; the
//!   well-known dev accounts are endowed.
//! - `local_testnet` (`--chain local`, `make localnet`): Alice, Bob, Charlie and Dave are the
//!   Aura and GRANDPA authorities; no sudo key: it changes by referendum, as a real network.
//! - `mainnet_template`: docs/protocol.md §6's allocation — [`FOUNDERS_ALLOCATION`] to the founders
//!   under vesting ([`FOUNDER_CLIFF`], then linear over [`FOUNDER_VESTING_LENGTH`]) and
//!   [`COMMUNITY_ALLOCATION`] split between the community fund's account and, per genesis
//!   validator, its host bond ([`GENESIS_HOST_BOND`], held from genesis) and a small liquid
//!   balance for fees ([`VALIDATOR_FEE_BALANCE`]); no sudo key. Its accounts and keys are
//!   placeholders derived from public strings: an operator replaces them before launch
//!   (chain-specs/README.md says how), keeping the sums.
//!
//! In every preset the genesis validators hold their host bond from genesis (pallet-collateral's
//! `hostBonds`), so that every seat has stake from the first epoch (docs/protocol.md §4). Every
//! preset also sets pallet-poc's parameters: docs/protocol.md §2's dev column (60-block epochs, dev
//! model shape) on dev and local chains, whose authorities are the genesis validators with
//! epoch-0 and epoch-1 commitments to their public [`dev_secret`]s, the production column on the
//! mainnet template (with placeholder epoch-0 and epoch-1 secret commitments for its genesis
//! validators). pallet-collateral and pallet-emission take docs/protocol.md §5–§6's defaults.
//!
//! Everything else is minted later by emission, under the [`crate::TOTAL_ISSUANCE_CAP`].

use alloc::{format, vec, vec::Vec};
use pallet_poc::PocParams;
use polkadot_sdk::{
	sp_consensus_aura::sr25519::AuthorityId as AuraId,
	sp_consensus_grandpa::AuthorityId as GrandpaId,
	sp_core::{crypto::get_public_from_string_or_panic, ed25519, sr25519, H256},
	sp_genesis_builder::{self, PresetId},
	sp_io::hashing::blake2_256,
	sp_keyring::Sr25519Keyring,
	sp_runtime::traits::AccountIdConversion,
};
use serde_json::{json, Value};

use crate::{AccountId, Balance, BlockNumber, SPR, YEARS};

/// The name of the preset that implements docs/protocol.md §6's genesis allocation.
pub const MAINNET_TEMPLATE_PRESET: &str = "mainnet_template";

/// What each well-known dev account holds in the `development` and `local_testnet` presets.
pub const DEV_ENDOWMENT: Balance = 1_000_000 * SPR;

/// The founders' allocation: 200,000,000 SPR, all of it vesting.
pub const FOUNDERS_ALLOCATION: Balance = 200_000_000 * SPR;

/// The community allocation: 120,000,000 SPR, to the community fund less the genesis validators'
/// fee balances.
pub const COMMUNITY_ALLOCATION: Balance = 120_000_000 * SPR;

/// Liquid balance of each genesis validator, for transaction fees; taken from the community
/// allocation.
pub const VALIDATOR_FEE_BALANCE: Balance = 1_000 * SPR;

/// The host bond each genesis validator holds from genesis: docs/protocol.md §4's `min_host_bond`,
/// the default of pallet-collateral's parameters.
pub const GENESIS_HOST_BOND: Balance = 1_000 * SPR;

/// Founders' vesting begins after a one-year cliff: nothing unlocks before this block.
pub const FOUNDER_CLIFF: BlockNumber = YEARS;

/// After the cliff, founders' balances unlock linearly over four years.
pub const FOUNDER_VESTING_LENGTH: BlockNumber = 4 * YEARS;

/// The community fund's account (a `PalletId`-derived account, docs/protocol.md §8).
pub fn community_fund_account() -> AccountId {
	sprint_primitives::COMMUNITY_FUND_PALLET_ID.into_account_truncating()
}

/// An authority: its account (stash for fees), Aura key and GRANDPA key.
struct Authority {
	account: AccountId,
	aura: AuraId,
	grandpa: GrandpaId,
}

/// The authority whose keys derive from `//{seed}` (the well-known dev keys for "Alice", ...).
fn authority_from_seed(seed: &str) -> Authority {
	Authority {
		account: get_public_from_string_or_panic::<sr25519::Public>(seed).into(),
		aura: get_public_from_string_or_panic::<sr25519::Public>(seed).into(),
		grandpa: get_public_from_string_or_panic::<ed25519::Public>(seed).into(),
	}
}

/// The `aura` and `grandpa` sections: every authority authors blocks and votes with weight 1.
fn consensus_patch(authorities: &[Authority]) -> (Value, Value) {
	let aura: Vec<AuraId> = authorities.iter().map(|a| a.aura.clone()).collect();
	let grandpa: Vec<(GrandpaId, u64)> =
		authorities.iter().map(|a| (a.grandpa.clone(), 1)).collect();
	(json!({ "authorities": aura }), json!({ "authorities": grandpa }))
}

/// A chain for development and tests: `authorities` author and finalize, the well-known dev
/// accounts hold [`DEV_ENDOWMENT`] each, `sudo` holds the sudo key.
/// The PoC section of a preset: parameters, epoch 0's target, genesis validators' secret
/// commitments for epochs 0 and 1 (secrets are committed two epochs ahead).
fn poc_patch(
	params: PocParams,
	initial_target: H256,
	secret_commitments: Vec<(AccountId, H256, H256)>,
	genesis_voters: Vec<AccountId>,
) -> Value {
	json!({
		"params": params,
		"initialTarget": initial_target,
		"secretCommitments": secret_commitments,
		"genesisVoters": genesis_voters,
	})
}

/// Dev and local chains' genesis voters (docs/protocol.md §8): Alice, Bob, Charlie and Dave vote
/// one each until an epoch accepts hosts, so that two of them can pass a referendum.
fn dev_genesis_voters() -> Vec<AccountId> {
	[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave]
		.into_iter()
		.map(|k| k.to_account_id())
		.collect()
}

/// The collateral section: the genesis validators' host bonds, held from genesis.
fn collateral_patch(validators: &[Authority]) -> Value {
	let bonded: Vec<AccountId> = validators.iter().map(|v| v.account.clone()).collect();
	json!({ "hostBonds": bonded })
}

/// Dev and local chains: one nonce in 16 is valid, so a CPU finds many in a 20-block sprint.
/// pallet-carbon's energy per nonce (docs/protocol.md §9), in nanojoules: 0.1187 J on the
/// production shape — an NVIDIA H100 (700 W board power) runs 5,899 nonces/s, measured with
/// `sprint-worker bench` — and the other shapes scaled by their multiply-accumulates per nonce
/// (the same efficiency).
fn carbon_patch() -> Value {
	use pallet_poc::ModelShape;
	const PRODUCTION_NANOJOULES: u64 = 700_000_000_000 / 5_899;
	let scaled = |shape: ModelShape| {
		let nanojoules = u128::from(PRODUCTION_NANOJOULES) * u128::from(shape.macs_per_nonce())
			/ u128::from(ModelShape::PRODUCTION.macs_per_nonce());
		(shape, (nanojoules as u64).max(1))
	};
	json!({ "energyPerNonce": [scaled(ModelShape::PRODUCTION), scaled(ModelShape::DEV)] })
}

fn dev_target() -> H256 {
	let mut target = [0xffu8; 32];
	target[0] = 0x0f;
	H256(target)
}

/// A dev or local chain validator's PoC secret for `epoch`:
/// `blake2_256("//{seed}//sprint-secret//{epoch}")`. Public, like the dev keys themselves: only
/// for development chains, whose genesis commits to epochs 0 and 1 (`sprint-worker` derives it
/// for a dev key; never use it on a real network).
pub fn dev_secret(seed: &str, epoch: u32) -> H256 {
	H256(blake2_256(format!("//{seed}//sprint-secret//{epoch}").as_bytes()))
}

fn testnet_genesis(seeds: &[&str], sudo: Option<AccountId>) -> Value {
	let authorities: Vec<Authority> = seeds.iter().map(|s| authority_from_seed(s)).collect();
	// The authorities are the genesis validators: they hold the seats until hosts are accepted.
	let commit = |seed: &str, epoch| H256(blake2_256(dev_secret(seed, epoch).as_bytes()));
	let secret_commitments: Vec<(AccountId, H256, H256)> = seeds
		.iter()
		.zip(&authorities)
		.map(|(seed, a)| (a.account.clone(), commit(seed, 0), commit(seed, 1)))
		.collect();
	let mut balances: Vec<(AccountId, Balance)> =
		Sr25519Keyring::well_known().map(|k| (k.to_account_id(), DEV_ENDOWMENT)).collect();
	// The fund exists from genesis so that fees and slashes paid into it are never too small to
	// land (an account below the existential deposit cannot be created by a fee).
	balances.push((community_fund_account(), DEV_ENDOWMENT));
	let (aura, grandpa) = consensus_patch(&authorities);
	json!({
		"balances": { "balances": balances },
		"aura": aura,
		"grandpa": grandpa,
		"sudo": { "key": sudo },
		"collateral": collateral_patch(&authorities),
		"governance": { "periods": crate::governance::Periods::dev() },
		"poc": poc_patch(
			PocParams::dev_defaults(),
			dev_target(),
			secret_commitments,
			dev_genesis_voters()
		),
		"carbon": carbon_patch(),
	})
}

/// docs/protocol.md §6's allocation, with placeholder founders and validators (see the module
/// docs).
fn mainnet_template_genesis() -> Value {
	let founders: Vec<AccountId> = (1..=4)
		.map(|i| {
			get_public_from_string_or_panic::<sr25519::Public>(&format!("Sprint//Founder//{i}"))
				.into()
		})
		.collect();
	let validators: Vec<Authority> =
		(1..=4).map(|i| authority_from_seed(&format!("Sprint//Validator//{i}"))).collect();

	let per_founder = FOUNDERS_ALLOCATION / founders.len() as Balance;
	let per_validator = VALIDATOR_FEE_BALANCE + GENESIS_HOST_BOND;
	let validators_total = per_validator * validators.len() as Balance;

	let mut balances: Vec<(AccountId, Balance)> =
		founders.iter().map(|f| (f.clone(), per_founder)).collect();
	balances.extend(validators.iter().map(|v| (v.account.clone(), per_validator)));
	balances.push((community_fund_account(), COMMUNITY_ALLOCATION - validators_total));

	// (account, begin, length, liquid): nothing liquid, linear from the cliff for four years.
	let vesting: Vec<(AccountId, BlockNumber, BlockNumber, Balance)> =
		founders.iter().map(|f| (f.clone(), FOUNDER_CLIFF, FOUNDER_VESTING_LENGTH, 0)).collect();

	// Placeholders too: each genesis validator replaces its commitment with H(its own secret).
	let placeholder = |i: usize, epoch: u32| {
		H256(blake2_256(format!("Sprint//Validator//{}//secret//{epoch}", i + 1).as_bytes()))
	};
	let secret_commitments: Vec<(AccountId, H256, H256)> = validators
		.iter()
		.enumerate()
		.map(|(i, v)| (v.account.clone(), placeholder(i, 0), placeholder(i, 1)))
		.collect();
	let mut production_target = [0xffu8; 32];
	production_target[..2].copy_from_slice(&[0, 0]);
	production_target[2] = 0x0f;

	let (aura, grandpa) = consensus_patch(&validators);
	json!({
		"balances": { "balances": balances },
		"vesting": { "vesting": vesting },
		"aura": aura,
		"grandpa": grandpa,
		"collateral": collateral_patch(&validators),
		"governance": { "periods": crate::governance::Periods::production() },
		"poc": poc_patch(
			PocParams::production_defaults(),
			H256(production_target),
			secret_commitments,
			Vec::new()
		),
		"carbon": carbon_patch(),
	})
}

/// The JSON patch of the preset named `id`, or `None` for an unknown name.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => {
			testnet_genesis(&["Alice"], Some(Sr25519Keyring::Alice.to_account_id()))
		}
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => {
			testnet_genesis(&["Alice", "Bob", "Charlie", "Dave"], None)
		}
		MAINNET_TEMPLATE_PRESET => mainnet_template_genesis(),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("a serde_json::Value always serializes to a string; qed")
			.into_bytes(),
	)
}

/// The names of the presets [`get_preset`] knows.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(MAINNET_TEMPLATE_PRESET),
	]
}

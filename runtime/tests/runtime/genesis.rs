//! Every preset builds, and mainnet_template allocates exactly what docs/protocol.md §6 says.

use crate::common;

use polkadot_sdk::{
	frame_support::traits::fungible::Inspect, sc_chain_spec::GenesisConfigBuilderRuntimeCaller,
	sp_genesis_builder,
};
use sprint_runtime::{
	genesis::{
		community_fund_account, COMMUNITY_ALLOCATION, FOUNDERS_ALLOCATION, GENESIS_HOST_BOND,
		MAINNET_TEMPLATE_PRESET, VALIDATOR_FEE_BALANCE,
	},
	Aura, Balances, Grandpa, Runtime, System, EXISTENTIAL_DEPOSIT, SPR, TOTAL_ISSUANCE_CAP,
};

#[test]
fn the_runtime_lists_exactly_the_three_presets() {
	let wasm = sprint_runtime::WASM_BINARY.expect("WASM runtime built");
	let mut names: Vec<String> = GenesisConfigBuilderRuntimeCaller::<()>::new(wasm)
		.preset_names()
		.expect("preset_names callable");
	names.sort();
	assert_eq!(names, ["development", "local_testnet", "mainnet_template"]);
}

#[test]
fn every_genesis_preset_builds_with_authorities_and_issuance_under_the_cap() {
	for (preset, authorities) in [
		(sp_genesis_builder::DEV_RUNTIME_PRESET, 1),
		(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET, 4),
		(MAINNET_TEMPLATE_PRESET, 4),
	] {
		common::genesis_of(preset).execute_with(|| {
			assert_eq!(System::block_number(), 0, "{preset}");
			assert_eq!(pallet_aura_authorities(), authorities, "{preset}: aura authorities");
			assert_eq!(Grandpa::grandpa_authorities().len(), authorities, "{preset}: grandpa");
			let issuance = Balances::total_issuance();
			assert!(
				issuance > 0 && issuance <= TOTAL_ISSUANCE_CAP,
				"{preset}: issuance {issuance}"
			);
			// The community fund exists from genesis, so fees paid into it always land.
			assert!(Balances::balance(&community_fund_account()) > 0, "{preset}: fund");
		});
	}
}

fn pallet_aura_authorities() -> usize {
	polkadot_sdk::pallet_aura::Authorities::<Runtime>::get().len()
}

#[test]
fn mainnet_template_issues_exactly_320_million_spr() {
	common::genesis_of(MAINNET_TEMPLATE_PRESET).execute_with(|| {
		assert_eq!(Balances::total_issuance(), 320_000_000 * SPR);
		assert_eq!(FOUNDERS_ALLOCATION + COMMUNITY_ALLOCATION, 320_000_000 * SPR);
		let fund = Balances::balance(&community_fund_account());
		let validators = Aura::authorities_len() as u128;
		// Less the inference escrow's existential deposit.
		assert_eq!(
			fund,
			COMMUNITY_ALLOCATION
				- validators * (VALIDATOR_FEE_BALANCE + GENESIS_HOST_BOND)
				- EXISTENTIAL_DEPOSIT
		);
	});
}

#[test]
fn every_genesis_validator_holds_its_host_bond_and_a_liquid_balance_for_fees() {
	for preset in [
		sp_genesis_builder::DEV_RUNTIME_PRESET,
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
		MAINNET_TEMPLATE_PRESET,
	] {
		common::genesis_of(preset).execute_with(|| {
			let validators: Vec<_> = pallet_poc::GenesisValidators::<Runtime>::get().into_inner();
			assert_eq!(validators.len(), Aura::authorities_len(), "{preset}");
			for v in validators {
				assert_eq!(pallet_collateral::Pallet::<Runtime>::held(&v), GENESIS_HOST_BOND);
				assert!(Balances::balance(&v) >= VALIDATOR_FEE_BALANCE, "{preset}: fees");
			}
		});
	}
}

#[test]
fn only_the_dev_chain_has_a_sudo_key_the_others_govern_by_referendum() {
	for preset in [MAINNET_TEMPLATE_PRESET, sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET] {
		common::genesis_of(preset)
			.execute_with(|| assert_eq!(polkadot_sdk::pallet_sudo::Key::<Runtime>::get(), None));
	}
	common::genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(
			polkadot_sdk::pallet_sudo::Key::<Runtime>::get(),
			Some(polkadot_sdk::sp_keyring::Sr25519Keyring::Alice.to_account_id())
		)
	});
}

#[test]
fn governance_periods_are_short_on_dev_and_local_chains_and_days_on_mainnet() {
	use sprint_runtime::governance::{periods, Periods};
	for preset in
		[sp_genesis_builder::DEV_RUNTIME_PRESET, sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET]
	{
		common::genesis_of(preset).execute_with(|| assert_eq!(periods(), Periods::dev()));
	}
	common::genesis_of(MAINNET_TEMPLATE_PRESET)
		.execute_with(|| assert_eq!(periods(), Periods::production()));
}

#[test]
fn the_issuance_cap_is_one_billion_spr() {
	assert_eq!(TOTAL_ISSUANCE_CAP, 1_000_000_000 * 1_000_000_000);
	assert_eq!(SPR, 1_000_000_000);
}

#[test]
fn every_preset_sets_poc_parameters_that_fit_the_epoch() {
	for (preset, epoch_length) in [
		(sp_genesis_builder::DEV_RUNTIME_PRESET, 60),
		(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET, 60),
		(MAINNET_TEMPLATE_PRESET, 14_400),
	] {
		common::genesis_of(preset).execute_with(|| {
			let params = pallet_poc::Params::<Runtime>::get().expect("set at genesis");
			assert_eq!(params.epoch_length, epoch_length, "{preset}");
			assert_eq!(pallet_poc::phases::validate(&params), Ok(()), "{preset}");
			assert!(pallet_poc::Targets::<Runtime>::get(0).is_some(), "{preset}");
		});
	}
	common::genesis_of(MAINNET_TEMPLATE_PRESET).execute_with(|| {
		assert_eq!(pallet_poc::SecretCommitments::<Runtime>::iter_prefix(0).count(), 4);
	});
}

//! A small runtime for pallet-poc's tests: System, Balances, the real pallet-collateral (host
//! bond, jail) and Poc with the dev spec's short windows (SPEC.md §2).

use polkadot_sdk::{
	frame_support::{
		derive_impl, parameter_types,
		traits::{ConstU128, Hooks},
	},
	frame_system, pallet_balances,
	sp_core::H256,
	sp_io::TestExternalities,
	sp_runtime::BuildStorage,
};

use crate::{self as pallet_poc, Phase, PocParams};
use polkadot_sdk::frame_support;

type Block = frame_system::mocking::MockBlock<Test>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(2)]
	pub type Collateral = pallet_collateral;
	#[runtime::pallet_index(3)]
	pub type Poc = pallet_poc;
}

pub type AccountId = u64;
pub const HOST: AccountId = 1;
pub const VALIDATOR: AccountId = 2;
pub const POOR: AccountId = 3;
pub const FUND: AccountId = 99;
pub const SPR: u128 = 1_000_000_000;
pub const ED: u128 = SPR / 100;

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u128>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = u128;
	type ExistentialDeposit = ConstU128<ED>;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

parameter_types! {
	pub const Fund: AccountId = FUND;
}

impl pallet_collateral::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type EpochInfo = Poc;
	type CommunityFund = Fund;
	type WeightInfo = ();
}

impl pallet_poc::Config for Test {
	type HostBond = Collateral;
	type Slasher = Collateral;
	type WeightInfo = ();
}

/// SPEC.md §2's dev column: 20 + 5 + 15 + 10 + 5 blocks in a 60-block epoch.
pub fn dev_params() -> PocParams {
	PocParams::dev_defaults()
}

pub const INITIAL_TARGET: H256 = H256::repeat_byte(0x0f);

/// Builds test state with HOST and VALIDATOR funded (2,000 SPR each) and POOR nearly empty.
pub struct ExtBuilder {
	params: PocParams,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { params: dev_params() }
	}
}

impl ExtBuilder {
	pub fn build(self) -> TestExternalities {
		let storage = RuntimeGenesisConfig {
			balances: pallet_balances::GenesisConfig {
				balances: vec![
					(HOST, 2_000 * SPR),
					(VALIDATOR, 2_000 * SPR),
					(POOR, SPR),
					(FUND, ED),
				],
				..Default::default()
			},
			poc: pallet_poc::GenesisConfig {
				params: self.params,
				initial_target: INITIAL_TARGET,
				secret_commitments: vec![(VALIDATOR, H256::repeat_byte(7))],
			},
			..Default::default()
		}
		.build_storage()
		.expect("genesis builds");
		let mut ext = TestExternalities::new(storage);
		ext.execute_with(|| run_to_block(1));
		ext
	}
}

/// Runs blocks up to `n`, calling the pallet's `on_initialize` as a block would, with a distinct
/// parent hash per block.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		let parent = H256::from_low_u64_be(1_000 + System::block_number());
		System::reset_events();
		System::initialize(&next, &parent, &Default::default());
		Poc::on_initialize(next);
		// Finalizing prunes block hashes older than `BlockHashCount`, as a real chain does.
		let _ = System::finalize();
	}
}

/// Runs blocks until the current epoch is in `phase`.
pub fn run_to_phase(phase: Phase) {
	for _ in 0..200 {
		if Poc::current_phase() == Some(phase) {
			return;
		}
		run_to_block(System::block_number() + 1);
	}
	panic!("never reached {phase:?}");
}

/// Events of pallet-poc deposited in the current block.
pub fn poc_events() -> Vec<pallet_poc::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Poc(e) => Some(e),
			_ => None,
		})
		.collect()
}

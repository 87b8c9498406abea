//! A small runtime for pallet-emission's tests: System, Balances, Emission, and an epoch the
//! test sets by hand (standing in for pallet-poc).

use core::cell::Cell;

use polkadot_sdk::{
	frame_support::{derive_impl, parameter_types, traits::ConstU128, PalletId},
	frame_system, pallet_balances,
	sp_io::TestExternalities,
	sp_runtime::BuildStorage,
};

use crate::{self as pallet_emission, EmissionParams, EpochIndex};

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
	pub type Emission = pallet_emission;
}

use polkadot_sdk::frame_support;

pub type AccountId = u64;
pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
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
}

thread_local! {
	static EPOCH: Cell<EpochIndex> = const { Cell::new(0) };
}

/// The epoch the mock chain is in.
pub struct TestEpoch;
impl sprint_primitives::EpochInfo for TestEpoch {
	fn current_epoch() -> EpochIndex {
		EPOCH.with(|e| e.get())
	}

	/// An epoch's tally ends before the next epoch starts.
	fn tally_ended(epoch: EpochIndex) -> bool {
		epoch < Self::current_epoch()
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_current_epoch(epoch: EpochIndex) {
		set_epoch(epoch);
	}
}

/// Moves the mock chain to `epoch`.
pub fn set_epoch(epoch: EpochIndex) {
	EPOCH.with(|e| e.set(epoch));
}

parameter_types! {
	pub const EmissionPalletId: PalletId = PalletId(*b"spr/emis");
}

impl pallet_emission::Config for Test {
	type Currency = Balances;
	type PalletId = EmissionPalletId;
	type EpochInfo = TestEpoch;
	type WeightInfo = ();
	type ParamsOrigin = polkadot_sdk::frame_system::EnsureRoot<AccountId>;
}

/// Builds test state: `ExtBuilder::default().with_params(..).with_balance(ALICE, 10).build()`.
pub struct ExtBuilder {
	params: EmissionParams<u128>,
	balances: Vec<(AccountId, u128)>,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { params: EmissionParams::gonka_defaults(), balances: vec![] }
	}
}

impl ExtBuilder {
	pub fn with_params(mut self, f: impl FnOnce(&mut EmissionParams<u128>)) -> Self {
		f(&mut self.params);
		self
	}

	pub fn with_balance(mut self, who: AccountId, amount: u128) -> Self {
		self.balances.push((who, amount));
		self
	}

	pub fn build(self) -> TestExternalities {
		let storage = RuntimeGenesisConfig {
			balances: pallet_balances::GenesisConfig {
				balances: self.balances,
				..Default::default()
			},
			emission: pallet_emission::GenesisConfig {
				params: Some(self.params),
				..Default::default()
			},
			..Default::default()
		}
		.build_storage()
		.expect("genesis builds");
		let mut ext = TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(1);
			set_epoch(0);
		});
		ext
	}
}

/// Events of pallet-emission deposited so far.
pub fn emission_events() -> Vec<pallet_emission::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Emission(e) => Some(e),
			_ => None,
		})
		.collect()
}

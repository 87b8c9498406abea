//! A small runtime for pallet-collateral's tests: System, Balances, Collateral, and an epoch the
//! test sets by hand (standing in for pallet-poc).

use core::cell::Cell;

use polkadot_sdk::{
	frame_support::{derive_impl, parameter_types, traits::ConstU128},
	frame_system, pallet_balances,
	sp_io::TestExternalities,
	sp_runtime::BuildStorage,
};

use crate::{self as pallet_collateral, CollateralParams, EpochIndex};
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
}

pub type AccountId = u64;
pub const HOST: AccountId = 1;
pub const V1: AccountId = 2;
pub const V2: AccountId = 3;
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

std::thread_local! {
	static ON_DUTY: core::cell::RefCell<Vec<AccountId>> = const { core::cell::RefCell::new(Vec::new()) };
}

/// Marks `who` on duty (as a declared inference service would), or off it.
pub fn set_on_duty(who: AccountId, on: bool) {
	ON_DUTY.with(|d| {
		let mut d = d.borrow_mut();
		d.retain(|a| *a != who);
		if on {
			d.push(who);
		}
	});
}

/// The accounts [`set_on_duty`] marked.
pub struct TestDuties;
impl sprint_primitives::CollateralDuties<AccountId> for TestDuties {
	fn on_duty(who: &AccountId) -> bool {
		ON_DUTY.with(|d| d.borrow().contains(who))
	}
}

/// Moves the mock chain to `epoch`.
pub fn set_epoch(epoch: EpochIndex) {
	EPOCH.with(|e| e.set(epoch));
}

parameter_types! {
	pub const Fund: AccountId = FUND;
}

impl pallet_collateral::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type EpochInfo = TestEpoch;
	type CommunityFund = Fund;
	type UnvestedRewards = ();
	type Duties = TestDuties;
	type WeightInfo = ();
	type ParamsOrigin = polkadot_sdk::frame_system::EnsureRoot<AccountId>;
}

/// Builds test state: `ExtBuilder::default().with_balance(HOST, 2_000 * SPR).build()`.
pub struct ExtBuilder {
	params: CollateralParams<u128>,
	balances: Vec<(AccountId, u128)>,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { params: CollateralParams::gonka_defaults(), balances: vec![(FUND, ED)] }
	}
}

impl ExtBuilder {
	pub fn with_params(mut self, f: impl FnOnce(&mut CollateralParams<u128>)) -> Self {
		f(&mut self.params);
		self
	}

	pub fn with_balance(mut self, who: AccountId, amount: u128) -> Self {
		self.balances.push((who, amount));
		self
	}

	pub fn build(self) -> TestExternalities {
		self.build_with_bonds(&[])
	}

	/// Builds with the host bonds of `bonded` held from genesis.
	pub fn build_with_bonds(self, bonded: &[AccountId]) -> TestExternalities {
		let storage = RuntimeGenesisConfig {
			balances: pallet_balances::GenesisConfig {
				balances: self.balances,
				..Default::default()
			},
			collateral: pallet_collateral::GenesisConfig {
				params: Some(self.params),
				host_bonds: bonded.to_vec(),
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

/// Events of pallet-collateral deposited so far.
pub fn collateral_events() -> Vec<pallet_collateral::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Collateral(e) => Some(e),
			_ => None,
		})
		.collect()
}

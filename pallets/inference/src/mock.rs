//! A small runtime for pallet-inference's tests: System, Balances, Inference, an epoch the test
//! sets by hand (standing in for pallet-poc), executors' signing keys from fixed seeds, and a
//! record of the collateral kept slashable (standing in for pallet-collateral).

use core::cell::{Cell, RefCell};

use polkadot_sdk::{
	frame_support::{derive_impl, parameter_types, traits::ConstU128, PalletId},
	frame_system::{self, EnsureRoot},
	pallet_balances,
	sp_core::{sr25519, Pair},
	sp_io::TestExternalities,
	sp_keystore::{testing::MemoryKeystore, KeystoreExt},
	sp_runtime::{BuildStorage, DispatchResult},
};

use crate::{self as pallet_inference, *};
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
	pub type Inference = pallet_inference;
}

pub type AccountId = u64;
pub const EXECUTOR: AccountId = 1;
pub const REQUESTER: AccountId = 2;
pub const OTHER: AccountId = 3;
pub const FUND: AccountId = 99;
pub const SPR: u128 = 1_000_000_000;
pub const ED: u128 = SPR / 100;
/// What frame-system's genesis stores as block 0's hash.
pub const GENESIS: [u8; 32] = [69; 32];

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
	static SIGNING_KEYS: RefCell<Vec<(AccountId, [u8; 32])>> = const { RefCell::new(Vec::new()) };
	static SLASHABLE: RefCell<Vec<(AccountId, EpochIndex)>> = const { RefCell::new(Vec::new()) };
	static SLASHES: RefCell<Vec<(AccountId, sprint_primitives::OffenceKind, EpochIndex)>> = const { RefCell::new(Vec::new()) };
	static UNBONDED: RefCell<Vec<AccountId>> = const { RefCell::new(Vec::new()) };
	static JAILED: RefCell<Vec<AccountId>> = const { RefCell::new(Vec::new()) };
}

/// `who` holds no host bond from now on (every account holds one by default).
pub fn unbond(who: AccountId) {
	UNBONDED.with(|u| u.borrow_mut().push(who));
}

/// `who` is jailed from now on.
pub fn jail(who: AccountId) {
	JAILED.with(|j| j.borrow_mut().push(who));
}

/// Records slashes: 500 planck per offence, once per (offender, kind, epoch).
pub struct TestSlasher;
impl sprint_primitives::Slasher<AccountId> for TestSlasher {
	type Balance = u128;

	fn slash(
		offender: &AccountId,
		kind: sprint_primitives::OffenceKind,
		epoch: EpochIndex,
		_: &[AccountId],
	) -> u128 {
		SLASHES.with(|s| {
			let mut s = s.borrow_mut();
			if s.contains(&(*offender, kind, epoch)) {
				return 0;
			}
			s.push((*offender, kind, epoch));
			500
		})
	}

	fn is_jailed(who: &AccountId) -> bool {
		JAILED.with(|j| j.borrow().contains(who))
	}
}

/// Every `(offender, kind, epoch)` slashed so far.
pub fn slashes() -> Vec<(AccountId, sprint_primitives::OffenceKind, EpochIndex)> {
	SLASHES.with(|s| s.borrow().clone())
}

/// The epoch the mock chain is in.
pub struct TestEpoch;
impl sprint_primitives::EpochInfo for TestEpoch {
	fn current_epoch() -> EpochIndex {
		EPOCH.with(|e| e.get())
	}

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

/// Moves the chain to `epoch` at `block`, its first block, and runs the pallet's block hook
/// there (as the runtime does right after pallet-poc starts the epoch).
pub fn begin_epoch(epoch: EpochIndex, block: u64) {
	use polkadot_sdk::frame_support::traits::Hooks;
	System::set_block_number(block);
	set_epoch(epoch);
	Inference::on_initialize(block);
}

/// Account `who`'s signing key pair (executors sign receipts with it).
pub fn signing_pair(who: AccountId) -> sr25519::Pair {
	sr25519::Pair::from_seed(&[who as u8; 32])
}

/// Every account but [`OTHER`] has a signing key: [`signing_pair`], unless a benchmark set one.
pub struct TestSigningKeys;
impl sprint_primitives::SigningKeys<AccountId> for TestSigningKeys {
	fn signing_key(who: &AccountId) -> Option<[u8; 32]> {
		let set = SIGNING_KEYS.with(|k| k.borrow().iter().find(|(a, _)| a == who).map(|(_, k)| *k));
		set.or_else(|| (*who != OTHER).then(|| signing_pair(*who).public().0))
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_signing_key(who: &AccountId, key: [u8; 32]) {
		SIGNING_KEYS.with(|k| k.borrow_mut().push((*who, key)));
	}
}

/// Records `keep_slashable` calls.
pub struct TestCollateral;
impl sprint_primitives::HostBond<AccountId> for TestCollateral {
	fn bond_host(_: &AccountId) -> DispatchResult {
		Ok(())
	}
	fn unbond_host(_: &AccountId) -> DispatchResult {
		Ok(())
	}
	fn has_bond(who: &AccountId) -> bool {
		!UNBONDED.with(|u| u.borrow().contains(who))
	}
	fn keep_slashable(who: &AccountId, epoch: EpochIndex) {
		SLASHABLE.with(|s| s.borrow_mut().push((*who, epoch)));
	}
	fn pay_from_bond(_: &AccountId, _: &AccountId, _: u128) -> u128 {
		0
	}
}

/// The `(account, epoch)` of every `keep_slashable` call so far.
pub fn kept_slashable() -> Vec<(AccountId, EpochIndex)> {
	SLASHABLE.with(|s| s.borrow().clone())
}

parameter_types! {
	pub const Fund: AccountId = FUND;
	pub const InferencePalletId: PalletId = PalletId(*b"spr/infr");
}

impl pallet_inference::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type EpochInfo = TestEpoch;
	type CommunityFund = Fund;
	type ParamsOrigin = EnsureRoot<AccountId>;
	type SigningKeys = TestSigningKeys;
	type Collateral = TestCollateral;
	type OnSettle = ();
	type Slasher = TestSlasher;
	type PalletId = InferencePalletId;
	type WeightInfo = ();
}

/// Builds test state: `ExtBuilder::default().with_balance(REQUESTER, 100 * SPR).build()`.
pub struct ExtBuilder {
	params: InferenceParams<u128>,
	balances: Vec<(AccountId, u128)>,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self {
			params: InferenceParams::defaults(),
			balances: vec![
				(FUND, ED),
				(EXECUTOR, 1_000 * SPR),
				(REQUESTER, 1_000 * SPR),
				(OTHER, 1_000 * SPR),
			],
		}
	}
}

impl ExtBuilder {
	pub fn with_params(mut self, f: impl FnOnce(&mut InferenceParams<u128>)) -> Self {
		f(&mut self.params);
		self
	}

	pub fn build(self) -> TestExternalities {
		let storage = RuntimeGenesisConfig {
			balances: pallet_balances::GenesisConfig {
				balances: self.balances,
				..Default::default()
			},
			inference: pallet_inference::GenesisConfig {
				params: Some(self.params),
				..Default::default()
			},
			..Default::default()
		}
		.build_storage()
		.expect("genesis builds");
		let mut ext = TestExternalities::new(storage);
		// The benchmarks sign with keys they generate in a keystore.
		ext.register_extension(KeystoreExt::new(MemoryKeystore::new()));
		ext.execute_with(|| {
			System::set_block_number(1);
			set_epoch(0);
			SLASHABLE.with(|s| s.borrow_mut().clear());
			SLASHES.with(|s| s.borrow_mut().clear());
			SIGNING_KEYS.with(|k| k.borrow_mut().clear());
			UNBONDED.with(|u| u.borrow_mut().clear());
			JAILED.with(|j| j.borrow_mut().clear());
		});
		ext
	}
}

/// Events of pallet-inference deposited so far.
pub fn inference_events() -> Vec<pallet_inference::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Inference(e) => Some(e),
			_ => None,
		})
		.collect()
}

//! A small runtime for pallet-audit's tests: System, Balances, the real pallet-inference (whose
//! settled batches are audited and which refunds and forfeits), and Audit; the validators
//! (stage, secrets, power) and the slasher stand in for pallet-poc and pallet-collateral.

use core::cell::RefCell;

use polkadot_sdk::{
	frame_support::{derive_impl, parameter_types, traits::ConstU128, PalletId},
	frame_system::{self, EnsureRoot},
	pallet_balances,
	sp_core::{sr25519, ConstU32, Pair},
	sp_io::TestExternalities,
	sp_keystore::{testing::MemoryKeystore, KeystoreExt},
	sp_runtime::{BuildStorage, DispatchResult},
};
use sprint_primitives::{AuditValidators, EpochInfo, EpochStage, OffenceKind};

use crate::{self as pallet_audit, *};
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
	#[runtime::pallet_index(3)]
	pub type Audits = pallet_audit;
}

pub type AccountId = u64;
pub const EXECUTOR: AccountId = 1;
pub const REQUESTER: AccountId = 2;
/// The validators of the mock pool, equal power each.
pub const VALIDATORS: [AccountId; 5] = [10, 11, 12, 13, 14];
pub const REPORTER: AccountId = 20;
pub const FUND: AccountId = 99;
pub const SPR: u128 = 1_000_000_000;
pub const ED: u128 = SPR / 100;
/// What frame-system's genesis stores as block 0's hash.
pub const GENESIS: [u8; 32] = [69; 32];
/// What the mock slasher takes per offence.
pub const SLASH: u128 = 1_000;

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

/// One `Slasher::slash` call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slash {
	pub who: AccountId,
	pub kind: OffenceKind,
	pub epoch: EpochIndex,
	pub confirmers: Vec<AccountId>,
}

thread_local! {
	static STAGE: RefCell<(EpochIndex, EpochStage)> = const { RefCell::new((0, EpochStage::Generation)) };
	static POOL: RefCell<Vec<(AccountId, u128)>> = const { RefCell::new(Vec::new()) };
	static SECRETS: RefCell<Vec<(EpochIndex, AccountId, [u8; 32])>> = const { RefCell::new(Vec::new()) };
	static SLASHES: RefCell<Vec<Slash>> = const { RefCell::new(Vec::new()) };
	static SIGNING_KEYS: RefCell<Vec<(AccountId, [u8; 32])>> = const { RefCell::new(Vec::new()) };
}

/// Moves the mock chain to `stage` of `epoch`.
pub fn set_stage(epoch: EpochIndex, stage: EpochStage) {
	STAGE.with(|s| *s.borrow_mut() = (epoch, stage));
}

/// Makes `pool` the validators of every epoch.
pub fn set_pool(pool: Vec<(AccountId, u128)>) {
	POOL.with(|p| *p.borrow_mut() = pool);
}

/// `who`'s secret of `epoch` (fixed per validator and epoch).
pub fn secret_of(epoch: EpochIndex, who: AccountId) -> [u8; 32] {
	polkadot_sdk::sp_io::hashing::blake2_256(&(b"secret", epoch, who).encode())
}

/// `who` reveals its secret of `epoch`.
pub fn reveal(epoch: EpochIndex, who: AccountId) {
	SECRETS.with(|s| s.borrow_mut().push((epoch, who, secret_of(epoch, who))));
}

/// Every slash so far.
pub fn slashes() -> Vec<Slash> {
	SLASHES.with(|s| s.borrow().clone())
}

use codec::Encode;

/// The epoch pallet-inference sees: the stage's.
pub struct TestEpoch;
impl EpochInfo for TestEpoch {
	fn current_epoch() -> EpochIndex {
		STAGE.with(|s| s.borrow().0)
	}

	fn tally_ended(epoch: EpochIndex) -> bool {
		epoch < Self::current_epoch()
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_current_epoch(epoch: EpochIndex) {
		set_stage(epoch, EpochStage::Generation);
	}
}

/// The validators: the mock pool, with the secrets revealed by [`reveal`].
pub struct TestValidators;
impl AuditValidators<AccountId> for TestValidators {
	fn stage() -> (EpochIndex, EpochStage) {
		STAGE.with(|s| *s.borrow())
	}

	fn revealed_secret(epoch: EpochIndex, who: &AccountId) -> Option<[u8; 32]> {
		SECRETS.with(|s| {
			s.borrow().iter().find(|(e, v, _)| *e == epoch && v == who).map(|(_, _, x)| *x)
		})
	}

	fn power(_: EpochIndex, who: &AccountId) -> u128 {
		POOL.with(|p| p.borrow().iter().find(|(v, _)| v == who).map_or(0, |(_, w)| *w))
	}

	fn total_power(_: EpochIndex) -> u128 {
		POOL.with(|p| p.borrow().iter().map(|(_, w)| *w).sum())
	}

	fn pool(_: EpochIndex) -> Vec<(AccountId, u128)> {
		POOL.with(|p| p.borrow().clone())
	}

	fn reveal_digest(epoch: EpochIndex) -> Option<[u8; 32]> {
		let revealed: Vec<[u8; 32]> = SECRETS.with(|s| {
			s.borrow().iter().filter(|(e, _, _)| *e == epoch).map(|(_, _, x)| *x).collect()
		});
		(!revealed.is_empty()).then(|| polkadot_sdk::sp_io::hashing::blake2_256(&revealed.encode()))
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_validators(
		epoch: EpochIndex,
		stage: EpochStage,
		pool: Vec<(AccountId, u128)>,
		secret: [u8; 32],
	) {
		set_stage(epoch, stage);
		SECRETS.with(|s| {
			let mut s = s.borrow_mut();
			for (v, _) in &pool {
				s.push((epoch, *v, secret));
			}
		});
		set_pool(pool);
	}
}

/// Records slashes; takes [`SLASH`] per offence, once per (offender, kind, epoch).
pub struct TestSlasher;
impl sprint_primitives::Slasher<AccountId> for TestSlasher {
	type Balance = u128;

	fn slash(
		offender: &AccountId,
		kind: OffenceKind,
		epoch: EpochIndex,
		confirmers: &[AccountId],
	) -> u128 {
		SLASHES.with(|s| {
			let mut s = s.borrow_mut();
			let repeat = s.iter().any(|x| x.who == *offender && x.kind == kind && x.epoch == epoch);
			s.push(Slash { who: *offender, kind, epoch, confirmers: confirmers.to_vec() });
			if repeat {
				0
			} else {
				SLASH
			}
		})
	}

	fn is_jailed(_: &AccountId) -> bool {
		false
	}
}

/// Account `who`'s signing key pair.
pub fn signing_pair(who: AccountId) -> sr25519::Pair {
	sr25519::Pair::from_seed(&[who as u8; 32])
}

/// Every account signs with [`signing_pair`], unless a benchmark set another key.
pub struct TestSigningKeys;
impl sprint_primitives::SigningKeys<AccountId> for TestSigningKeys {
	fn signing_key(who: &AccountId) -> Option<[u8; 32]> {
		let set = SIGNING_KEYS.with(|k| k.borrow().iter().find(|(a, _)| a == who).map(|(_, k)| *k));
		Some(set.unwrap_or_else(|| signing_pair(*who).public().0))
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_signing_key(who: &AccountId, key: [u8; 32]) {
		SIGNING_KEYS.with(|k| k.borrow_mut().insert(0, (*who, key)));
	}
}

/// Collateral is not modelled here.
pub struct NoCollateral;
impl sprint_primitives::HostBond<AccountId> for NoCollateral {
	fn bond_host(_: &AccountId) -> DispatchResult {
		Ok(())
	}
	fn unbond_host(_: &AccountId) -> DispatchResult {
		Ok(())
	}
	fn has_bond(_: &AccountId) -> bool {
		true
	}
	fn keep_slashable(_: &AccountId, _: EpochIndex) {}
	fn pay_from_bond(_: &AccountId, _: &AccountId, _: u128) -> u128 {
		0
	}
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
	type Collateral = NoCollateral;
	type OnSettle = Audits;
	type Slasher = TestSlasher;
	type PalletId = InferencePalletId;
	type WeightInfo = ();
}

impl pallet_audit::Config for Test {
	type Market = Inference;
	type Validators = TestValidators;
	type Slasher = TestSlasher;
	type SigningKeys = TestSigningKeys;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type CommunityFund = Fund;
	type ParamsOrigin = polkadot_sdk::frame_system::EnsureRoot<AccountId>;
	type MaxValidators = ConstU32<64>;
	type WeightInfo = ();
}

/// Test state: the five [`VALIDATORS`] at power 100 each, balances for everyone, the market's
/// default parameters.
pub fn new_test_ext() -> TestExternalities {
	let mut balances = vec![(FUND, 1_000 * SPR), (EXECUTOR, 1_000 * SPR), (REQUESTER, 1_000 * SPR)];
	balances.extend(VALIDATORS.iter().map(|v| (*v, 1_000 * SPR)));
	balances.push((REPORTER, 10 * SPR));
	let storage = RuntimeGenesisConfig {
		balances: pallet_balances::GenesisConfig { balances, ..Default::default() },
		..Default::default()
	}
	.build_storage()
	.expect("genesis builds");
	let mut ext = TestExternalities::new(storage);
	ext.register_extension(KeystoreExt::new(MemoryKeystore::new()));
	ext.execute_with(|| {
		System::set_block_number(1);
		set_stage(0, EpochStage::Generation);
		set_pool(VALIDATORS.iter().map(|v| (*v, 100)).collect());
		SECRETS.with(|s| s.borrow_mut().clear());
		SLASHES.with(|s| s.borrow_mut().clear());
		SIGNING_KEYS.with(|k| k.borrow_mut().clear());
	});
	ext
}

/// Events of pallet-audit deposited so far.
pub fn audit_events() -> Vec<pallet_audit::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Audits(e) => Some(e),
			_ => None,
		})
		.collect()
}

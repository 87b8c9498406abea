//! A runtime with this pallet on the real pallet-nfts and pallet-balances; the PoC tally stood
//! in by [`TestWork`], energy declarations by [`TestEnergy`], epochs by [`TestEpochs`].

use core::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};

use polkadot_sdk::{
	frame_support::{
		derive_impl, parameter_types,
		traits::{AsEnsureOriginWithArg, ConstU32, ConstU64},
		weights::Weight,
		PalletId,
	},
	frame_system, pallet_balances,
	pallet_nfts::{self, PalletFeatures},
	sp_core::H256,
	sp_runtime::{
		traits::{IdentityLookup, Verify},
		AccountId32, BuildStorage, MultiSignature,
	},
};
use sprint_core::ModelShape;
use sprint_primitives::{
	AcceptedWork, CertifiableWork, EnergyDeclaration, EnergyDeclarations, EnergySource, EpochIndex,
	EpochInfo,
};

use crate::{self as pallet_carbon};

pub type AccountId = AccountId32;
type Block = frame_system::mocking::MockBlock<Test>;

#[polkadot_sdk::frame_support::runtime]
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
	pub type Nfts = pallet_nfts;

	#[runtime::pallet_index(3)]
	pub type Carbon = pallet_carbon;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
}

parameter_types! {
	pub storage Features: PalletFeatures = PalletFeatures::all_enabled();
	pub const CarbonPalletId: PalletId = PalletId(*b"spr/carb");
	/// A tenth of a 2-second block's compute, as the runtime gives it.
	pub HookBudget: Weight = Weight::from_parts(200_000_000_000, u64::MAX);
}

impl pallet_nfts::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type CollectionId = u32;
	type ItemId = u32;
	type Currency = Balances;
	type CreateOrigin = AsEnsureOriginWithArg<frame_system::EnsureSigned<AccountId>>;
	type ForceOrigin = frame_system::EnsureRoot<AccountId>;
	type Locker = ();
	type CollectionDeposit = ConstU64<100>;
	type ItemDeposit = ConstU64<ITEM_DEPOSIT>;
	type MetadataDepositBase = ConstU64<10>;
	type AttributeDepositBase = ConstU64<10>;
	type DepositPerByte = ConstU64<1>;
	type StringLimit = ConstU32<320>;
	type KeyLimit = ConstU32<64>;
	type ValueLimit = ConstU32<256>;
	type ApprovalsLimit = ConstU32<10>;
	type ItemAttributesApprovalsLimit = ConstU32<2>;
	type MaxTips = ConstU32<10>;
	type MaxDeadlineDuration = ConstU64<10000>;
	type MaxAttributesPerCall = ConstU32<2>;
	type Features = Features;
	type OffchainSignature = MultiSignature;
	type OffchainPublic = <MultiSignature as Verify>::Signer;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type Helper = ();
	type BlockNumberProvider = System;
}

impl pallet_carbon::Config for Test {
	type EpochInfo = TestEpochs;
	type Work = TestWork;
	type Energy = TestEnergy;
	type ParamsOrigin = frame_system::EnsureRoot<AccountId>;
	type PalletId = CarbonPalletId;
	type HookBudget = HookBudget;
	type WeightInfo = ();
}

/// An account from a small number.
pub fn acc(n: u32) -> AccountId {
	let mut bytes = [0u8; 32];
	bytes[..4].copy_from_slice(&n.to_le_bytes());
	bytes[31] = 7;
	AccountId32::new(bytes)
}

/// The PoW shape the tests' epochs run.
pub const SHAPE: ModelShape = ModelShape::DEV;

/// The tests' energy per nonce: 2 µJ.
pub const NANOJOULES: u64 = 2_000;

/// One leaf in 2^16 nonces.
pub fn target() -> H256 {
	H256((polkadot_sdk::sp_core::U256::one() << 240).to_big_endian())
}

/// Each epoch's participants in commit order, with their accepted work (`None`: not accepted).
type Participants = BTreeMap<EpochIndex, Vec<(AccountId, Option<AcceptedWork>)>>;

thread_local! {
	static EPOCH: Cell<EpochIndex> = const { Cell::new(0) };
	static ENDED: RefCell<BTreeSet<EpochIndex>> = const { RefCell::new(BTreeSet::new()) };
	static PARTICIPANTS: RefCell<Participants> = const { RefCell::new(BTreeMap::new()) };
	static ENERGY: RefCell<BTreeMap<(EpochIndex, AccountId), EnergyDeclaration>> =
		const { RefCell::new(BTreeMap::new()) };
}

/// The chain's epoch, and which tallies ended.
pub struct TestEpochs;

impl EpochInfo for TestEpochs {
	fn current_epoch() -> EpochIndex {
		EPOCH.with(|e| e.get())
	}

	fn tally_ended(epoch: EpochIndex) -> bool {
		ENDED.with(|e| e.borrow().contains(&epoch))
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_current_epoch(epoch: EpochIndex) {
		EPOCH.with(|e| e.set(epoch));
	}
}

/// Moves the chain to `epoch`.
pub fn set_epoch(epoch: EpochIndex) {
	EPOCH.with(|e| e.set(epoch));
}

/// Ends `epoch`'s tally with `participants` in commit order (`None`: not accepted), and moves
/// the chain to the next epoch.
pub fn tally(epoch: EpochIndex, participants: Vec<(AccountId, Option<AcceptedWork>)>) {
	PARTICIPANTS.with(|p| p.borrow_mut().insert(epoch, participants));
	ENDED.with(|e| e.borrow_mut().insert(epoch));
	if TestEpochs::current_epoch() <= epoch {
		set_epoch(epoch + 1);
	}
}

/// Accepted work of `committed` leaves and weight `weight`.
pub fn work(committed: u32, weight: u128) -> Option<AcceptedWork> {
	Some(AcceptedWork { weight, committed })
}

/// The PoC tally as the tests set it.
pub struct TestWork;

impl CertifiableWork<AccountId> for TestWork {
	fn participant(epoch: EpochIndex, index: u32) -> Option<AccountId> {
		PARTICIPANTS.with(|p| {
			p.borrow().get(&epoch).and_then(|v| v.get(index as usize)).map(|(who, _)| who.clone())
		})
	}

	fn accepted(epoch: EpochIndex, who: &AccountId) -> Option<AcceptedWork> {
		PARTICIPANTS.with(|p| {
			p.borrow().get(&epoch)?.iter().find(|(w, _)| w == who).and_then(|(_, work)| *work)
		})
	}

	fn work_terms(_: EpochIndex) -> Option<(H256, ModelShape)> {
		Some((target(), SHAPE))
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_participant(
		epoch: EpochIndex,
		index: u32,
		who: &AccountId,
		work: Option<AcceptedWork>,
		_: H256,
		_: ModelShape,
	) {
		PARTICIPANTS.with(|p| {
			let mut p = p.borrow_mut();
			let list = p.entry(epoch).or_default();
			list.truncate(index as usize);
			list.push((who.clone(), work));
		});
		ENDED.with(|e| e.borrow_mut().insert(epoch));
	}
}

/// Energy declarations as the tests set them, per epoch.
pub struct TestEnergy;

impl EnergyDeclarations<AccountId> for TestEnergy {
	fn energy_in(epoch: EpochIndex, who: &AccountId) -> Option<EnergyDeclaration> {
		ENERGY.with(|e| e.borrow().get(&(epoch, who.clone())).cloned())
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_energy(who: &AccountId, epoch: EpochIndex, declaration: EnergyDeclaration) {
		declare(who, epoch, declaration.source, &declaration.region);
	}
}

/// `who` declared `source` in `region` for `epoch`.
pub fn declare(who: &AccountId, epoch: EpochIndex, source: EnergySource, region: &[u8]) {
	let declaration =
		EnergyDeclaration { source, region: region.to_vec().try_into().expect("short; qed") };
	ENERGY.with(|e| e.borrow_mut().insert((epoch, who.clone()), declaration));
}

/// Gives `who` enough to hold a certificate's item deposit.
pub fn fund(who: &AccountId) {
	use polkadot_sdk::frame_support::traits::fungible::Mutate;
	Balances::set_balance(who, 1_000);
}

/// pallet-nfts' item deposit: what a certificate holds of its host's balance.
pub const ITEM_DEPOSIT: u64 = 10;

/// Builds test state at block 1: the certificates' collection made at genesis, the dev shape's
/// energy figure set, a few funded accounts.
pub fn new_test_ext() -> polkadot_sdk::sp_io::TestExternalities {
	EPOCH.with(|e| e.set(0));
	ENDED.with(|e| e.borrow_mut().clear());
	PARTICIPANTS.with(|p| p.borrow_mut().clear());
	ENERGY.with(|e| e.borrow_mut().clear());
	let mut storage =
		frame_system::GenesisConfig::<Test>::default().build_storage().expect("valid genesis; qed");
	pallet_balances::GenesisConfig::<Test> {
		balances: (1..=4).map(|n| (acc(n), 1_000_000)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.expect("valid genesis; qed");
	pallet_carbon::GenesisConfig::<Test> {
		energy_per_nonce: vec![(SHAPE, NANOJOULES)],
		_config: Default::default(),
	}
	.assimilate_storage(&mut storage)
	.expect("valid genesis; qed");
	let mut ext = polkadot_sdk::sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs the minting hook for `blocks` blocks.
pub fn run_blocks(blocks: u32) {
	use polkadot_sdk::frame_support::traits::Hooks;
	for _ in 0..blocks {
		let n = System::block_number() + 1;
		System::set_block_number(n);
		Carbon::on_initialize(n);
	}
}

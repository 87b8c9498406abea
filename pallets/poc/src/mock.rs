//! A small runtime for pallet-poc's tests: System, Balances, the real pallet-collateral (bond,
//! activation, slashes, jail) and pallet-emission (rewards), and Poc with the dev spec's short
//! windows (docs/protocol.md §2): 20 + 5 + 15 + 10 + 5 blocks in a 60-block epoch.

use codec::Encode;
use polkadot_sdk::{
	frame_support::{
		derive_impl, parameter_types,
		traits::{ConstU128, ConstU32, Hooks},
		weights::Weight,
		PalletId,
	},
	frame_system, pallet_balances,
	sp_core::{sr25519, Pair, H256},
	sp_crypto_hashing::blake2_256,
	sp_io::TestExternalities,
	sp_runtime::BuildStorage,
};
use sprint_primitives::merkle::Tree;

use crate::{
	self as pallet_poc, opening, Commitment, Leaf, Opening, Phase, PocParams, SignedOpening,
};
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
	#[runtime::pallet_index(4)]
	pub type Emission = pallet_emission;
}

pub type AccountId = u64;
pub const HOST: AccountId = 1;
pub const VALIDATOR: AccountId = 2;
pub const POOR: AccountId = 3;
/// Hosts 10..=19 and genesis validators 20..=29 are funded too.
pub const FUND: AccountId = 99;
pub const SPR: u128 = 1_000_000_000;
pub const ED: u128 = SPR / 100;
pub const ENDOWMENT: u128 = 2_000 * SPR;
/// The mock's epoch reward (small, so the arithmetic in tests stays readable).
pub const R0: u128 = 1_000 * SPR;

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
	pub const EmissionPot: PalletId = PalletId(*b"spr/emis");
	pub static HookBudget: Weight = Weight::from_parts(2_000_000_000_000, u64::MAX);
}

impl pallet_collateral::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type EpochInfo = Poc;
	type CommunityFund = Fund;
	type UnvestedRewards = Emission;
	type Duties = ();
	type WeightInfo = ();
	type ParamsOrigin = polkadot_sdk::frame_system::EnsureRoot<AccountId>;
}

impl pallet_emission::Config for Test {
	type Currency = Balances;
	type PalletId = EmissionPot;
	type EpochInfo = Poc;
	type WeightInfo = ();
	type ParamsOrigin = polkadot_sdk::frame_system::EnsureRoot<AccountId>;
}

impl pallet_poc::Config for Test {
	type HostBond = Collateral;
	type Slasher = Collateral;
	type WeightActivation = Collateral;
	type Rewards = Emission;
	type MaxParticipants = ConstU32<16_384>;
	type HookBudget = HookBudget;
	type KeepWeights = ConstU32<8>;
	type Readers = TestReaders;
	type ParamsOrigin = polkadot_sdk::frame_system::EnsureRoot<AccountId>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Funder;
}

/// Funds benchmark accounts.
#[cfg(feature = "runtime-benchmarks")]
pub struct Funder;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for Funder {
	fn fund(who: &AccountId) {
		use polkadot_sdk::frame_support::traits::fungible::Mutate;
		Balances::set_balance(who, 1_000_000 * SPR);
	}
}

/// docs/protocol.md §2's dev column: 20 + 5 + 15 + 10 + 5 blocks in a 60-block epoch.
pub fn dev_params() -> PocParams {
	PocParams::dev_defaults()
}

/// Half of all digests are below it (first byte < 0x80).
pub const INITIAL_TARGET: H256 = H256::repeat_byte(0x80);

/// A validator's secret for an epoch in tests.
pub fn secret_of(validator: AccountId, epoch: u32) -> H256 {
	H256(blake2_256(&(validator, epoch, b"secret").encode()))
}

/// `blake2_256(secret)`: what a validator commits to.
pub fn commitment_of(secret: H256) -> H256 {
	H256(blake2_256(secret.as_ref()))
}

/// Builds test state: HOST, VALIDATOR, hosts 10..=19 and validators 20..=29 funded with
/// [`ENDOWMENT`], POOR nearly empty, VALIDATOR the one genesis validator unless told otherwise.
/// Genesis validators hold their host bond from genesis.
pub struct ExtBuilder {
	params: PocParams,
	genesis_validators: Vec<AccountId>,
	grace: bool,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { params: dev_params(), genesis_validators: vec![VALIDATOR], grace: true }
	}
}

impl ExtBuilder {
	/// Changes the PoC parameters.
	pub fn with_params(mut self, f: impl FnOnce(&mut PocParams)) -> Self {
		f(&mut self.params);
		self
	}

	/// These genesis validators, with epoch-0 secret commitments.
	pub fn with_genesis_validators(mut self, validators: &[AccountId]) -> Self {
		self.genesis_validators = validators.to_vec();
		self
	}

	/// Collateral activation in force from epoch 0 (no grace period).
	pub fn without_grace(mut self) -> Self {
		self.grace = false;
		self
	}

	pub fn build(self) -> TestExternalities {
		reading_from(None);
		let mut balances = vec![(HOST, ENDOWMENT), (VALIDATOR, ENDOWMENT), (POOR, SPR), (FUND, ED)];
		balances.extend((10..30).map(|a| (a, ENDOWMENT)));
		let mut collateral = pallet_collateral::CollateralParams::gonka_defaults();
		if !self.grace {
			collateral.grace_epochs = 0;
		}
		let mut emission = pallet_emission::EmissionParams::gonka_defaults();
		emission.initial_reward = R0;
		let storage = RuntimeGenesisConfig {
			balances: pallet_balances::GenesisConfig { balances, ..Default::default() },
			collateral: pallet_collateral::GenesisConfig {
				params: Some(collateral),
				host_bonds: self.genesis_validators.clone(),
				..Default::default()
			},
			emission: pallet_emission::GenesisConfig {
				params: Some(emission),
				..Default::default()
			},
			poc: pallet_poc::GenesisConfig {
				params: self.params,
				initial_target: INITIAL_TARGET,
				secret_commitments: self
					.genesis_validators
					.iter()
					.map(|v| (*v, commitment_of(secret_of(*v, 0)), commitment_of(secret_of(*v, 1))))
					.collect(),
				genesis_voters: Vec::new(),
			},
			..Default::default()
		}
		.build_storage()
		.expect("genesis builds");
		let mut ext = TestExternalities::new(storage);
		// Proof keys for the benchmarks, which sign openings through the host's keystore.
		ext.register_extension(polkadot_sdk::sp_keystore::KeystoreExt::new(
			polkadot_sdk::sp_keystore::testing::MemoryKeystore::new(),
		));
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

/// Runs blocks until epoch `epoch` has started.
pub fn run_to_epoch(epoch: u32) {
	for _ in 0..10_000 {
		if crate::CurrentEpoch::<Test>::get() >= epoch {
			return;
		}
		run_to_block(System::block_number() + 1);
	}
	panic!("never reached epoch {epoch}");
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

/// The proof URL hosts register in tests.
pub const PROOF_URL: &[u8] = b"http://127.0.0.1:8090";

/// A host's sprint in tests: its proof key and its committed leaves and tree.
pub struct Sprint {
	pub host: AccountId,
	pub key: sr25519::Pair,
	pub leaves: Vec<(u64, [u8; 32])>,
	pub tree: Tree,
}

impl Sprint {
	/// `count` leaves with nonces 1, 4, 7, … and digests below [`INITIAL_TARGET`] (the PoW is
	/// the worker's; the runtime never recomputes a digest).
	pub fn new(host: AccountId, count: u64) -> Self {
		let key = sr25519::Pair::from_seed(&[host as u8; 32]);
		let leaves: Vec<(u64, [u8; 32])> = (0..count)
			.map(|i| {
				let mut digest = blake2_256(&(host, i).encode());
				digest[0] &= 0x7f;
				(3 * i + 1, digest)
			})
			.collect();
		let tree = Tree::new(&leaves);
		Self { host, key, leaves, tree }
	}

	pub fn root(&self) -> H256 {
		H256(self.tree.root())
	}

	pub fn count(&self) -> u32 {
		self.leaves.len() as u32
	}

	pub fn commitment(&self) -> Commitment {
		Commitment { root: self.root(), count: self.count(), proof_key: self.key.public().0 }
	}

	/// Registers the host with its proof key.
	pub fn register(&self) {
		Poc::register_host(
			RuntimeOrigin::signed(self.host),
			self.key.public().0,
			PROOF_URL.to_vec(),
			vec![],
		)
		.expect("registers");
	}

	/// Commits (the chain must be in the commit window).
	pub fn commit(&self, epoch: u32) {
		Poc::commit(RuntimeOrigin::signed(self.host), epoch, self.root(), self.count())
			.expect("commits");
	}

	/// The unsigned opening of `index`, as the tree has it.
	pub fn opening(&self, index: u32) -> Opening {
		let leaf = |i: usize| Leaf { nonce: self.leaves[i].0, digest: H256(self.leaves[i].1) };
		let path = |i: u32| {
			self.tree.path(i).into_iter().map(H256).collect::<Vec<_>>().try_into().expect("≤ 32")
		};
		let i = index as usize;
		Opening {
			index,
			leaf: leaf(i),
			path: path(index),
			next: (i + 1 < self.leaves.len()).then(|| (leaf(i + 1), path(index + 1))),
		}
	}

	/// `opening` signed with the host's proof key for `epoch`.
	pub fn sign(&self, epoch: u32, opening: Opening) -> SignedOpening {
		let payload = opening::signing_payload(
			&Poc::genesis_hash(),
			epoch,
			&self.host,
			&self.commitment(),
			&opening,
		);
		SignedOpening { opening, signature: self.key.sign(&payload).0 }
	}
}

std::thread_local! {
	static READING_FROM: core::cell::Cell<Option<sprint_primitives::EpochIndex>> = const { core::cell::Cell::new(None) };
}

/// A pallet that reads every epoch from `epoch` on after its tally (as pallet-carbon does until
/// it has minted an epoch's certificates); `None`: nobody reads.
pub fn reading_from(epoch: Option<sprint_primitives::EpochIndex>) {
	READING_FROM.with(|r| r.set(epoch));
}

/// The readers [`reading_from`] sets.
pub struct TestReaders;

impl sprint_primitives::EpochReaders for TestReaders {
	fn still_reading(epoch: sprint_primitives::EpochIndex) -> bool {
		READING_FROM.with(|r| r.get().is_some_and(|from| epoch >= from))
	}
}

//! A runtime with this pallet, referenda stood in by [`TestPolls`] and PoC weights by
//! [`TestPower`].

use core::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use polkadot_sdk::{
	frame_support::{
		derive_impl,
		pallet_prelude::DispatchError,
		traits::{ConstU32, PollStatus, Polling, VoteTally},
	},
	frame_system,
	sp_runtime::BuildStorage,
};
use sprint_primitives::{EpochIndex, VotingPower};

use crate::{self as pallet_poc_voting, Tally};

pub type AccountId = u64;
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
	pub type Voting = pallet_poc_voting;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = polkadot_sdk::sp_runtime::traits::IdentityLookup<AccountId>;
}

/// The most votes an account holds in the tests.
pub const MAX_VOTES: u32 = 3;

impl pallet_poc_voting::Config for Test {
	type Polls = TestPolls;
	type Power = TestPower;
	type MaxVotes = ConstU32<MAX_VOTES>;
	type WeightInfo = ();
}

/// A referendum of the tests: being voted on, or ended (when, approved).
#[derive(Clone, Debug)]
pub enum TestPoll {
	Ongoing(Tally<Test>, u8),
	Completed(u64, bool),
}

thread_local! {
	static POLLS: RefCell<BTreeMap<u8, TestPoll>> = const { RefCell::new(BTreeMap::new()) };
	static POWER: RefCell<BTreeMap<(Option<EpochIndex>, AccountId), u128>> =
		const { RefCell::new(BTreeMap::new()) };
	static SNAPSHOT: Cell<Option<EpochIndex>> = const { Cell::new(None) };
}

/// Referenda as pallet-referenda keeps them: a tally per ongoing poll.
pub struct TestPolls;

impl TestPolls {
	/// Submits a referendum now (its tally takes the current snapshot); returns its index.
	pub fn submit() -> u8 {
		POLLS.with_borrow_mut(|polls| {
			let index = polls.keys().next_back().map_or(0, |last| last + 1);
			polls.insert(index, TestPoll::Ongoing(<Tally<Test> as VoteTally<u128, u8>>::new(0), 0));
			index
		})
	}

	/// Ends referendum `index`.
	pub fn end(index: u8, approved: bool) {
		POLLS.with_borrow_mut(|polls| polls.insert(index, TestPoll::Completed(1, approved)));
	}

	/// Referendum `index`'s tally while it is ongoing.
	pub fn tally(index: u8) -> Option<Tally<Test>> {
		Self::as_ongoing(index).map(|(tally, _)| tally)
	}
}

impl Polling<Tally<Test>> for TestPolls {
	type Index = u8;
	type Votes = u128;
	type Class = u8;
	type Moment = u64;

	fn classes() -> Vec<u8> {
		vec![0]
	}

	fn as_ongoing(index: u8) -> Option<(Tally<Test>, u8)> {
		POLLS.with_borrow(|polls| match polls.get(&index) {
			Some(TestPoll::Ongoing(tally, class)) => Some((tally.clone(), *class)),
			_ => None,
		})
	}

	fn access_poll<R>(index: u8, f: impl FnOnce(PollStatus<&mut Tally<Test>, u64, u8>) -> R) -> R {
		let mut polls = POLLS.take();
		let result = match polls.get_mut(&index) {
			Some(TestPoll::Ongoing(tally, class)) => f(PollStatus::Ongoing(tally, *class)),
			Some(TestPoll::Completed(when, approved)) => f(PollStatus::Completed(*when, *approved)),
			None => f(PollStatus::None),
		};
		POLLS.set(polls);
		result
	}

	fn try_access_poll<R>(
		index: u8,
		f: impl FnOnce(PollStatus<&mut Tally<Test>, u64, u8>) -> Result<R, DispatchError>,
	) -> Result<R, DispatchError> {
		// A failing closure leaves the poll as it was, as storage rolls back in a real runtime.
		let mut polls = POLLS.take();
		let mut copy = polls.clone();
		let result = match copy.get_mut(&index) {
			Some(TestPoll::Ongoing(tally, class)) => f(PollStatus::Ongoing(tally, *class)),
			Some(TestPoll::Completed(when, approved)) => f(PollStatus::Completed(*when, *approved)),
			None => f(PollStatus::None),
		};
		if result.is_ok() {
			polls = copy;
		}
		POLLS.set(polls);
		result
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn create_ongoing(_: u8) -> Result<u8, ()> {
		Ok(Self::submit())
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn end_ongoing(index: u8, approved: bool) -> Result<(), ()> {
		Self::end(index, approved);
		Ok(())
	}
}

/// Accepted weights per snapshot epoch, and the snapshot new referenda take.
pub struct TestPower;

impl TestPower {
	/// `who` has `power` in `epoch` (not yet the snapshot).
	pub fn give(epoch: Option<EpochIndex>, who: AccountId, power: u128) {
		POWER.with_borrow_mut(|p| p.insert((epoch, who), power));
	}

	/// Referenda submitted from now on vote with `epoch`'s weights.
	pub fn snapshot_at(epoch: Option<EpochIndex>) {
		SNAPSHOT.set(epoch);
	}
}

impl VotingPower<AccountId> for TestPower {
	fn snapshot() -> Option<EpochIndex> {
		SNAPSHOT.get()
	}

	fn power(snapshot: Option<EpochIndex>, who: &AccountId) -> u128 {
		POWER.with_borrow(|p| p.get(&(snapshot, *who)).copied().unwrap_or(0))
	}

	fn total(snapshot: Option<EpochIndex>) -> u128 {
		POWER.with_borrow(|p| p.iter().filter(|((e, _), _)| *e == snapshot).map(|(_, w)| w).sum())
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_power(epoch: EpochIndex, who: &AccountId, power: u128) {
		Self::give(Some(epoch), *who, power);
		Self::snapshot_at(Some(epoch));
	}
}

/// A fresh chain: no polls, no power, the genesis snapshot.
pub fn new_test_ext() -> polkadot_sdk::sp_io::TestExternalities {
	POLLS.set(BTreeMap::new());
	POWER.set(BTreeMap::new());
	SNAPSHOT.set(None);
	let storage = frame_system::GenesisConfig::<Test>::default()
		.build_storage()
		.expect("the mock's genesis builds");
	let mut ext = polkadot_sdk::sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

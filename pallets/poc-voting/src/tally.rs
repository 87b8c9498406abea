//! A referendum's tally: votes by power in one snapshot epoch, against that epoch's total.

use core::marker::PhantomData;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::{
	frame_support::{traits::VoteTally, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound},
	sp_runtime::Perbill,
};
use scale_info::TypeInfo;
use sprint_primitives::{EpochIndex, VotingPower};

use crate::{Config, Vote};

/// The tally of one referendum, kept by pallet-referenda.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Tally<T> {
	/// Power voting `Aye`.
	pub ayes: u128,
	/// Power voting `Nay`.
	pub nays: u128,
	/// Power voting `Abstain`.
	pub abstentions: u128,
	/// The snapshot's total power: the quorum's base, fixed when the referendum was submitted.
	pub total: u128,
	/// The epoch whose weights vote (`None`: the genesis validators, one each).
	pub snapshot: Option<EpochIndex>,
	/// How many accounts vote `Aye`: nothing is approved with fewer than
	/// [`MIN_AYE_ACCOUNTS`], so no single account decides anything.
	pub aye_accounts: u32,
	#[codec(skip)]
	_marker: PhantomData<T>,
}

impl<T> Tally<T> {
	/// A tally of `snapshot` with `total` power and no votes yet.
	pub fn empty(snapshot: Option<EpochIndex>, total: u128) -> Self {
		Self {
			ayes: 0,
			nays: 0,
			abstentions: 0,
			total,
			snapshot,
			aye_accounts: 0,
			_marker: PhantomData,
		}
	}

	/// Everyone who voted, whichever way.
	pub fn turnout(&self) -> u128 {
		self.ayes.saturating_add(self.nays).saturating_add(self.abstentions)
	}

	/// What counts toward the quorum: ayes and abstentions, never nays (voting against a
	/// proposal must not help it reach its quorum).
	pub fn support_votes(&self) -> u128 {
		self.ayes.saturating_add(self.abstentions)
	}

	/// The most power one vote counts with: [`MAX_VOTE_SHARE`] of the snapshot's total,
	/// rounded up (so each of two genesis accounts still has a vote).
	pub fn vote_cap(&self) -> u128 {
		self.total.div_ceil(MAX_VOTE_SHARE_DENOMINATOR)
	}

	pub(crate) fn add(&mut self, vote: Vote, power: u128) {
		if vote == Vote::Aye {
			self.aye_accounts = self.aye_accounts.saturating_add(1);
		}
		let side = self.side(vote);
		*side = side.saturating_add(power);
	}

	pub(crate) fn remove(&mut self, vote: Vote, power: u128) {
		if vote == Vote::Aye {
			self.aye_accounts = self.aye_accounts.saturating_sub(1);
		}
		let side = self.side(vote);
		*side = side.saturating_sub(power);
	}

	fn side(&mut self, vote: Vote) -> &mut u128 {
		match vote {
			Vote::Aye => &mut self.ayes,
			Vote::Nay => &mut self.nays,
			Vote::Abstain => &mut self.abstentions,
		}
	}
}

/// The fewest accounts whose ayes can approve a referendum (docs/protocol.md §8).
pub const MIN_AYE_ACCOUNTS: u32 = 2;

/// One vote counts for at most 1 / this of its snapshot's total power (25%), however many
/// hosts are accepted.
pub const MAX_VOTE_SHARE_DENOMINATOR: u128 = 4;

/// `part / whole`, zero when `whole` is (never 100% of nothing).
fn ratio(part: u128, whole: u128) -> Perbill {
	if whole == 0 {
		Perbill::zero()
	} else {
		Perbill::from_rational(part.min(whole), whole)
	}
}

impl<T: Config, Class> VoteTally<u128, Class> for Tally<T> {
	/// A referendum submitted now votes with the latest accepted epoch's weights.
	fn new(_: Class) -> Self {
		let snapshot = T::Power::snapshot();
		Self::empty(snapshot, T::Power::total(snapshot))
	}

	fn ayes(&self, _: Class) -> u128 {
		self.ayes
	}

	/// Ayes and abstentions over the snapshot's total power (the quorum's measure).
	fn support(&self, _: Class) -> Perbill {
		ratio(self.support_votes(), self.total)
	}

	/// Ayes over ayes and nays (abstentions count for the quorum only); zero while fewer than
	/// [`MIN_AYE_ACCOUNTS`] accounts vote `Aye`.
	fn approval(&self, _: Class) -> Perbill {
		if self.aye_accounts < MIN_AYE_ACCOUNTS {
			return Perbill::zero();
		}
		ratio(self.ayes, self.ayes.saturating_add(self.nays))
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn unanimity(_: Class) -> Self {
		let mut tally = Self::empty(None, BENCH_TOTAL);
		tally.ayes = BENCH_TOTAL;
		tally.aye_accounts = MIN_AYE_ACCOUNTS;
		tally
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn rejection(_: Class) -> Self {
		let mut tally = Self::empty(None, BENCH_TOTAL);
		tally.nays = BENCH_TOTAL;
		tally
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn from_requirements(support: Perbill, approval: Perbill, _: Class) -> Self {
		let mut tally = Self::empty(None, BENCH_TOTAL);
		let turnout = support.mul_ceil(BENCH_TOTAL);
		tally.ayes = approval.mul_ceil(turnout);
		tally.nays = turnout.saturating_sub(tally.ayes);
		tally.aye_accounts = MIN_AYE_ACCOUNTS;
		// Support counts ayes only: what the nays would have added comes as abstentions.
		tally.abstentions = turnout.saturating_sub(tally.ayes);
		tally
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn setup(_: Class, _: Perbill) {}
}

/// The total power of the benchmarks' made-up tallies.
#[cfg(feature = "runtime-benchmarks")]
const BENCH_TOTAL: u128 = 1_000_000_000;

//! # pallet-poc-voting
//!
//! Governance by proven compute (docs/protocol.md §8): the voting side of `pallet-referenda`, as
//! `pallet-conviction-voting` is for token votes. An account votes `Aye`, `Nay` or `Abstain` on
//! a referendum with its **voting power**: its accepted, activated, capped PoC weight ŵ in the
//! referendum's **snapshot epoch** — the latest tallied epoch that accepted anyone when the
//! referendum was submitted ([`VotingPower`], implemented by pallet-poc). The quorum's base is
//! the same epoch's total, so:
//! - weight moved to a fresh account after the snapshot counts nowhere (that account had none
//!   in the snapshot), and a vote counts once whoever holds the account later;
//! - support can never exceed 100%;
//! - a voter slashed or jailed after the snapshot keeps its vote (the snapshot is history).
//!
//! Before any epoch accepted anyone, the genesis validators vote with power 1 each, so a new
//! chain can govern itself from its first block.
//!
//! The [`Tally`] is kept by pallet-referenda in each referendum and updated here, vote by vote,
//! in O(1): `support` is the turnout (ayes + nays + abstentions over the snapshot's total
//! power), which the tracks' `min_support` curve holds at the quorum (33.4%), and `approval`
//! is ayes over ayes + nays, which the `min_approval` curve holds above 50%.
//!
//! Each account holds at most [`Config::MaxVotes`] votes at once (bounded storage); a vote on a
//! referendum that ended is removed with [`Pallet::remove_vote`] to free its place.
//!
//! ## For researchers who fork it
//! Power comes only through the [`VotingPower`] trait: another source of power (stake, a
//! reputation, a mix) is a different implementation of that trait in the runtime, with no
//! change here. The tally's arithmetic is in [`Tally`]; the pass/fail rules are the runtime's
//! track curves (`runtime/src/governance.rs`).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
mod tally;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use tally::{Tally, MAX_VOTE_SHARE_DENOMINATOR, MIN_AYE_ACCOUNTS};
pub use weights::WeightInfo;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
pub use sprint_primitives::VotingPower;

/// A vote on a referendum.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum Vote {
	/// For: counts toward approval and the quorum.
	Aye,
	/// Against: counts toward approval (as its denominator) and the quorum.
	Nay,
	/// Present, neither for nor against: counts toward the quorum only.
	Abstain,
}

#[polkadot_sdk::frame_support::pallet]
pub mod pallet {
	use super::*;
	use polkadot_sdk::{
		frame_support::{
			pallet_prelude::*,
			traits::{PollStatus, Polling},
		},
		frame_system::pallet_prelude::*,
	};

	#[pallet::pallet]
	#[pallet::storage_version(crate::migrations::STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// A referendum's index, as pallet-referenda numbers them.
	pub type PollIndexOf<T> = <<T as Config>::Polls as Polling<Tally<T>>>::Index;

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The referenda voted on (pallet-referenda), each keeping its [`Tally`].
		type Polls: Polling<Tally<Self>, Votes = u128, Moment = BlockNumberFor<Self>>;

		/// Where voting power comes from (pallet-poc: accepted weight in the snapshot epoch).
		type Power: VotingPower<Self::AccountId>;

		/// The most votes an account holds at once, over all referenda.
		#[pallet::constant]
		type MaxVotes: Get<u32>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Each account's votes: referendum → (vote, the power it was cast with).
	#[pallet::storage]
	pub type VotingFor<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		PollIndexOf<T>,
		(Vote, u128),
		OptionQuery,
	>;

	/// How many votes each account holds (at most [`Config::MaxVotes`]).
	#[pallet::storage]
	pub type VoteCount<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `who` voted `vote` on referendum `poll` with `power` (a new vote, or one replaced).
		Voted { who: T::AccountId, poll: PollIndexOf<T>, vote: Vote, power: u128 },
		/// `who` removed its vote on `poll` (taken off the tally if `poll` was still ongoing).
		VoteRemoved { who: T::AccountId, poll: PollIndexOf<T>, vote: Vote, power: u128 },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The referendum is not being voted on (unknown, or ended).
		NotOngoing,
		/// The caller had no accepted weight in the referendum's snapshot epoch (or that
		/// epoch's weights are no longer kept): it has no vote there.
		NoVotingPower,
		/// The caller holds [`Config::MaxVotes`] votes: remove one on an ended referendum first.
		MaxVotesReached,
		/// The caller has no vote on that referendum.
		NotVoted,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Votes `vote` on referendum `poll` with the caller's power in its snapshot epoch;
		/// a second call replaces the first vote.
		///
		/// Origin: signed, an account with power in the snapshot (a host accepted in that
		/// epoch, or a genesis validator before any epoch accepted anyone). While the
		/// referendum is ongoing. Emits `Voted`. Fails with `NotOngoing`, `NoVotingPower` or
		/// `MaxVotesReached`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::vote())]
		pub fn vote(
			origin: OriginFor<T>,
			#[pallet::compact] poll: PollIndexOf<T>,
			vote: Vote,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			T::Polls::try_access_poll(poll, |status| {
				let PollStatus::Ongoing(tally, _) = status else {
					return Err(Error::<T>::NotOngoing.into());
				};
				let power = T::Power::power(tally.snapshot, &who).min(tally.vote_cap());
				ensure!(power > 0, Error::<T>::NoVotingPower);
				match VotingFor::<T>::get(&who, poll) {
					Some((old, old_power)) => tally.remove(old, old_power),
					None => {
						let count = VoteCount::<T>::get(&who);
						ensure!(count < T::MaxVotes::get(), Error::<T>::MaxVotesReached);
						VoteCount::<T>::insert(&who, count.saturating_add(1));
					}
				}
				tally.add(vote, power);
				VotingFor::<T>::insert(&who, poll, (vote, power));
				Self::deposit_event(Event::Voted { who: who.clone(), poll, vote, power });
				Ok(())
			})
		}

		/// Removes the caller's vote on `poll`: from the tally while the referendum is ongoing
		/// (a change of mind), or only from the caller's record once it ended (to free a place
		/// under [`Config::MaxVotes`]).
		///
		/// Origin: signed, an account that voted on `poll`. Emits `VoteRemoved`. Fails with
		/// `NotVoted`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::remove_vote())]
		pub fn remove_vote(
			origin: OriginFor<T>,
			#[pallet::compact] poll: PollIndexOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let (vote, power) = VotingFor::<T>::take(&who, poll).ok_or(Error::<T>::NotVoted)?;
			VoteCount::<T>::mutate_exists(&who, |count| {
				*count = count.and_then(|c| c.checked_sub(1)).filter(|c| *c > 0);
			});
			T::Polls::access_poll(poll, |status| {
				if let PollStatus::Ongoing(tally, _) = status {
					tally.remove(vote, power);
				}
			});
			Self::deposit_event(Event::VoteRemoved { who, poll, vote, power });
			Ok(())
		}
	}
}

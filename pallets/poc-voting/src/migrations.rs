//! Storage migrations of pallet-poc-voting, each under the [`StorageVersion`] it leads to.
//!
//! - **v1** (spec 106): a [`Tally`] counts the accounts voting `Aye` (two are needed to approve
//!   anything) and a vote counts for at most a quarter of its snapshot's total. Tallies live in
//!   pallet-referenda's storage, whose types only the runtime knows, so the runtime decodes each
//!   ongoing referendum's [`TallyV0`] and calls [`recount`] with them; the votes kept here
//!   ([`VotingFor`]) are capped and summed again, so the new tallies are exactly what the votes
//!   would have made under the new rules.

use alloc::collections::BTreeMap;

use codec::{Decode, Encode};
use polkadot_sdk::frame_support::{
	traits::{Get, StorageVersion},
	weights::Weight,
};
use scale_info::TypeInfo;
use sprint_primitives::EpochIndex;

use crate::*;

/// The storage version this code writes.
pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

/// A [`Tally`] as storage version 0 encoded it (spec 105 and older): no count of aye accounts.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct TallyV0 {
	pub ayes: u128,
	pub nays: u128,
	pub abstentions: u128,
	pub total: u128,
	pub snapshot: Option<EpochIndex>,
}

/// The tallies of the ongoing referenda in `old`, recounted from their votes under the v1 rules
/// (each vote capped, aye accounts counted); the stored votes are capped too, so that removing
/// one later takes off exactly what it added. Returns the tallies and the storage reads and
/// writes it made.
pub fn recount<T: Config>(
	old: &BTreeMap<PollIndexOf<T>, TallyV0>,
) -> (BTreeMap<PollIndexOf<T>, Tally<T>>, Weight) {
	let mut tallies: BTreeMap<PollIndexOf<T>, Tally<T>> =
		old.iter().map(|(poll, t)| (*poll, Tally::empty(t.snapshot, t.total))).collect();
	let (mut reads, mut writes) = (0u64, 0u64);
	let mut capped = alloc::vec::Vec::new();
	for (who, poll, (vote, power)) in VotingFor::<T>::iter() {
		reads += 1;
		let Some(tally) = tallies.get_mut(&poll) else { continue };
		let counted = power.min(tally.vote_cap());
		tally.add(vote, counted);
		if counted != power {
			capped.push((who, poll, vote, counted));
		}
	}
	for (who, poll, vote, power) in capped {
		VotingFor::<T>::insert(&who, poll, (vote, power));
		writes += 1;
	}
	(tallies, T::DbWeight::get().reads_writes(reads, writes))
}

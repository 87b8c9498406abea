//! Pruning (SPEC.md §2): expired jails and old offence records, in bounded steps each block.
//!
//! - **Jails.** Each jail is also listed under its release epoch ([`JailReleases`]). From that
//!   epoch on the account is free, so its [`JailedUntil`] entry goes (unless a later jail
//!   extended it: then it goes at the later release).
//! - **Offence records.** [`SlashedOffences`] is keyed by epoch, and an offence of epoch e can
//!   be slashed only until epoch `e + OFFENCE_RECORD_EPOCHS` (after every tally, dispute and
//!   audit of e has ended); from then on e's records are pruned. A repeat of a pruned offence is
//!   refused by that same horizon, so nothing is ever slashed twice.
//!
//! Each block deletes at most [`PRUNE_PER_BLOCK`] entries of each, and one bounded
//! `clear_prefix` of offence records (the host function counts keys of the committed state, so
//! a second call in the same block would see the same keys).

use polkadot_sdk::{frame_support::weights::Weight, frame_system};

use crate::*;

/// Epochs for which an offence stays slashable, and its record kept: longer than the PoC tally
/// (which ends before the next epoch's draw) and the inference audit windows.
pub const OFFENCE_RECORD_EPOCHS: EpochIndex = 8;

/// Jail releases and offence records deleted per block, of each.
pub const PRUNE_PER_BLOCK: u32 = 500;

/// Release epochs looked at per block (most are empty).
const RELEASE_EPOCHS_PER_BLOCK: u32 = 16;

impl<T: Config> Pallet<T> {
	/// One block's pruning; returns its weight (two reads and two writes per jail released,
	/// the offence records' deletions, and the bookkeeping).
	pub fn prune_step() -> Weight {
		let db = <T as frame_system::Config>::DbWeight::get();
		let current = T::EpochInfo::current_epoch();
		let mut weight = db.reads(3);

		let mut next = NextJailRelease::<T>::get();
		let mut left = PRUNE_PER_BLOCK;
		let start = next;
		while next <= current && left > 0 && next - start < RELEASE_EPOCHS_PER_BLOCK {
			let mut released = 0u32;
			for (who, ()) in JailReleases::<T>::drain_prefix(next).take(left as usize) {
				if JailedUntil::<T>::get(&who) == Some(next) {
					JailedUntil::<T>::remove(&who);
				}
				released += 1;
			}
			left -= released;
			weight.saturating_accrue(
				db.reads_writes(2 * u64::from(released), 2 * u64::from(released)),
			);
			if JailReleases::<T>::iter_prefix(next).next().is_some() {
				break;
			}
			weight.saturating_accrue(db.reads(1));
			next += 1;
		}
		if next != start {
			NextJailRelease::<T>::put(next);
			weight.saturating_accrue(db.writes(1));
		}

		let old = NextOffencePrune::<T>::get();
		if old.saturating_add(OFFENCE_RECORD_EPOCHS) <= current {
			let result = SlashedOffences::<T>::clear_prefix(old, PRUNE_PER_BLOCK, None);
			weight.saturating_accrue(
				db.reads_writes(u64::from(result.loops), u64::from(result.backend)),
			);
			if result.maybe_cursor.is_none() {
				NextOffencePrune::<T>::put(old.saturating_add(1));
				weight.saturating_accrue(db.writes(1));
			}
		}
		weight
	}
}

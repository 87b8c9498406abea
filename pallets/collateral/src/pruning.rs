//! Pruning (docs/protocol.md §2): expired jails and old offence records, in bounded steps each
//! block.
//!
//! - **Jails.** Each jail is also listed under its release epoch ([`JailReleases`]). From that
//!   epoch on the account is free, so its [`JailedUntil`] entry goes (unless a later jail
//!   extended it: then it goes at the later release).
//! - **Offence records.** [`SlashedOffences`] (and [`OffenceInstances`]) is keyed by epoch, and an offence of epoch e can
//!   be slashed only until epoch `e + OFFENCE_RECORD_EPOCHS` (after every tally, dispute and
//!   audit of e has ended); from then on e's records are pruned. A repeat of a pruned offence is
//!   refused by that same horizon, so nothing is ever slashed twice.
//!
//! Each block deletes at most [`PRUNE_PER_BLOCK`] entries of each, and one bounded
//! `clear_prefix` of offence records (the host function counts keys of the committed state, so
//! a second call in the same block would see the same keys).

use crate::*;

/// Epochs for which an offence stays slashable, and its record kept: longer than the PoC tally
/// (which ends before the next epoch's draw) and the inference audit windows.
pub const OFFENCE_RECORD_EPOCHS: EpochIndex = 8;

/// Jail releases and offence records deleted per block, of each.
pub const PRUNE_PER_BLOCK: u32 = 500;

/// Release epochs looked at per block (most are empty).
const RELEASE_EPOCHS_PER_BLOCK: u32 = 16;

impl<T: Config> Pallet<T> {
	/// One block's pruning; returns whether it found anything to do (then its weight is the
	/// benchmarked [`WeightInfo::prune_step`], a full step's; else three reads).
	pub fn prune_step() -> bool {
		let current = T::EpochInfo::current_epoch();
		let mut worked = false;

		let start = NextJailRelease::<T>::get();
		let mut next = start;
		let mut left = PRUNE_PER_BLOCK;
		while next <= current && left > 0 && next - start < RELEASE_EPOCHS_PER_BLOCK {
			for (who, ()) in JailReleases::<T>::drain_prefix(next).take(left as usize) {
				if JailedUntil::<T>::get(&who) == Some(next) {
					JailedUntil::<T>::remove(&who);
				}
				left -= 1;
			}
			if JailReleases::<T>::iter_prefix(next).next().is_some() {
				break;
			}
			next += 1;
		}
		if next != start || left < PRUNE_PER_BLOCK {
			NextJailRelease::<T>::put(next);
			worked = true;
		}

		let old = NextOffencePrune::<T>::get();
		if old.saturating_add(OFFENCE_RECORD_EPOCHS) <= current {
			let result = SlashedOffences::<T>::clear_prefix(old, PRUNE_PER_BLOCK, None);
			// Another prefix, counted apart: the per-instance offence counts of that epoch.
			let instances = OffenceInstances::<T>::clear_prefix(old, PRUNE_PER_BLOCK, None);
			if result.maybe_cursor.is_none() && instances.maybe_cursor.is_none() {
				NextOffencePrune::<T>::put(old.saturating_add(1));
			}
			worked = true;
		}
		worked
	}
}

//! Per-epoch storage is keyed by epoch first and pruned after epoch e+2 (SPEC.md §2): single
//! values at once when epoch e+3 starts, per-host maps in bounded steps over the next blocks.

use crate::*;

/// Per-epoch entries deleted per block.
pub const PRUNE_PER_BLOCK: u32 = 500;

/// Clears up to `limit` entries of one per-epoch map; returns `(deleted, finished)`.
type Clear = fn(EpochIndex, u32) -> (u32, bool);

fn clear_maps<T: Config>() -> [Clear; 9] {
	fn done(r: polkadot_sdk::sp_io::MultiRemovalResults) -> (u32, bool) {
		(r.backend, r.maybe_cursor.is_none())
	}
	[
		|e, n| done(Commitments::<T>::clear_prefix(e, n, None)),
		|e, n| done(SecretCommitments::<T>::clear_prefix(e, n, None)),
		|e, n| done(RevealedSecrets::<T>::clear_prefix(e, n, None)),
		|e, n| done(Participants::<T>::clear_prefix(e, n, None)),
		|e, n| done(Seats::<T>::clear_prefix(e, n, None)),
		|e, n| done(Assignments::<T>::clear_prefix((e,), n, None)),
		|e, n| done(Outcomes::<T>::clear_prefix(e, n, None)),
		|e, n| done(AcceptedWeights::<T>::clear_prefix(e, n, None)),
		|e, n| done(Forfeited::<T>::clear_prefix(e, n, None)),
	]
}

impl<T: Config> Pallet<T> {
	/// Drops epoch `old`'s single values now and schedules its maps for [`Self::prune_step`].
	pub(crate) fn prune(old: EpochIndex) {
		EpochParams::<T>::remove(old);
		Seeds::<T>::remove(old);
		Targets::<T>::remove(old);
		CommitmentCount::<T>::remove(old);
		RevealDigest::<T>::remove(old);
		DrawStatus::<T>::remove(old);
		TallyStatus::<T>::remove(old);
		ValidatorPool::<T>::remove(old);
		PruningEpoch::<T>::put(old);
	}

	/// Deletes up to [`PRUNE_PER_BLOCK`] entries of the epoch being pruned; returns how many it
	/// deleted.
	pub(crate) fn prune_step() -> u64 {
		let Some(old) = PruningEpoch::<T>::get() else { return 0 };
		let mut left = PRUNE_PER_BLOCK;
		let mut removed = 0u32;
		for clear in clear_maps::<T>() {
			// A zero limit would mean "no limit" to the host function: stop instead.
			if left == 0 {
				return u64::from(removed);
			}
			let (deleted, finished) = clear(old, left);
			removed = removed.saturating_add(deleted);
			left = left.saturating_sub(deleted);
			if !finished {
				return u64::from(removed);
			}
		}
		PruningEpoch::<T>::kill();
		u64::from(removed)
	}
}

//! Per-epoch storage is keyed by epoch first and pruned once nothing can read it any more
//! (docs/protocol.md §2): epoch e from the first block of e+3 on, and never while e's tally is
//! still running (its disputes and seat penalties read everything of e) or another pallet still
//! reads it (pallet-carbon, minting e's certificates from its participants and commitments).
//!
//! Pruning walks the epochs in order from [`PruneNext`], one step per block inside the hook
//! budget, after the tally and the seat draw (which are due at fixed times; pruning is not):
//! each step deletes at most [`PRUNE_PER_BLOCK`] map entries of the oldest prunable epoch and,
//! once its maps are empty, its single values. An unfinished prune is resumed the next block,
//! never abandoned when a later epoch becomes due: every epoch is pruned in full, in order.
//!
//! One step per block because the host's bounded `clear_prefix` counts keys of the committed
//! state: a second call in the same block would find the keys the first one just deleted.
//!
//! Accepted weights ([`AcceptedWeights`], [`AcceptedPower`]) are the exception: governance
//! votes with them long after their epoch (docs/protocol.md §8), so they have a cursor of their
//! own, [`WeightsPruneNext`], and go [`Config::KeepWeights`] epochs after theirs, one step per
//! block beside the main one (a different prefix, so the two never count each other's deletions).

use polkadot_sdk::frame_support::weights::WeightMeter;

use crate::*;

/// Per-epoch entries deleted per step (one step per block).
pub const PRUNE_PER_BLOCK: u32 = 500;

/// Clears up to `limit` entries of one per-epoch map; returns `(deleted, finished)`.
type Clear = fn(EpochIndex, u32) -> (u32, bool);

fn clear_maps<T: Config>() -> [Clear; 14] {
	fn done(r: polkadot_sdk::sp_io::MultiRemovalResults) -> (u32, bool) {
		(r.backend, r.maybe_cursor.is_none())
	}
	[
		|e, n| done(Commitments::<T>::clear_prefix(e, n, None)),
		|e, n| done(SecretCommitments::<T>::clear_prefix(e, n, None)),
		|e, n| done(SecretCommitters::<T>::clear_prefix(e, n, None)),
		|e, n| done(RevealedSecrets::<T>::clear_prefix(e, n, None)),
		|e, n| done(Participants::<T>::clear_prefix(e, n, None)),
		|e, n| done(Seats::<T>::clear_prefix(e, n, None)),
		|e, n| done(Assignments::<T>::clear_prefix((e,), n, None)),
		|e, n| done(Outcomes::<T>::clear_prefix(e, n, None)),
		|e, n| done(Forfeited::<T>::clear_prefix(e, n, None)),
		|e, n| done(ParticipantRanks::<T>::clear_prefix(e, n, None)),
		|e, n| done(SecretCommitterRanks::<T>::clear_prefix(e, n, None)),
		|e, n| done(Displaced::<T>::clear_prefix(e, n, None)),
		|e, n| done(PoolIndex::<T>::clear_prefix(e, n, None)),
		|e, _| {
			// The single values, once every map of the epoch is empty.
			EpochParams::<T>::remove(e);
			Seeds::<T>::remove(e);
			Targets::<T>::remove(e);
			CommitmentCount::<T>::remove(e);
			DisplacedCount::<T>::remove(e);
			SecretCommitterCount::<T>::remove(e);
			RevealDigest::<T>::remove(e);
			DrawStatus::<T>::remove(e);
			TallyStatus::<T>::remove(e);
			ValidatorPool::<T>::remove(e);
			AuditPool::<T>::remove(e);
			AuditPower::<T>::remove(e);
			AuditEligible::<T>::remove(e);
			(0, true)
		},
	]
}

impl<T: Config> Pallet<T> {
	/// The oldest epoch not pruned yet, if it may be pruned now: it ended more than two epochs
	/// ago, its tally is not running and no other pallet still reads it ([`Config::Readers`]:
	/// pallet-carbon until it has minted the epoch's certificates).
	pub fn prunable() -> Option<EpochIndex> {
		let next = PruneNext::<T>::get();
		if EpochStart::<T>::get().is_none()
			|| next.saturating_add(3) > CurrentEpoch::<T>::get()
			|| Tallying::<T>::get().is_some_and(|tallying| tallying <= next)
			|| T::Readers::still_reading(next)
		{
			return None;
		}
		Some(next)
	}

	/// One prune step, if an epoch is prunable and `meter` allows one (the first step of a
	/// block always does: see [`Self::take_step`]).
	pub(crate) fn prune_steps(meter: &mut WeightMeter) {
		if Self::prunable().is_some() && Self::take_step(meter, T::WeightInfo::prune_step()) {
			Self::prune_step();
		}
		// Another prefix: a second clear in the same block is safe.
		if Self::weights_prunable().is_some() && Self::take_step(meter, T::WeightInfo::prune_step())
		{
			Self::prune_weights_step();
		}
	}

	/// The oldest epoch whose accepted weights are still kept, if they may go now: it ended
	/// more than `max(KeepWeights, 2)` epochs ago, its per-epoch state is pruned already, and
	/// it is not [`LastAccepted`] — the snapshot new referenda take stays however old it is
	/// (the epochs behind it accepted no one, so nothing piles up behind the cursor).
	pub fn weights_prunable() -> Option<EpochIndex> {
		use polkadot_sdk::frame_support::traits::Get;
		let next = WeightsPruneNext::<T>::get();
		let keep = T::KeepWeights::get().max(2);
		if EpochStart::<T>::get().is_none()
			|| next.saturating_add(keep).saturating_add(1) > CurrentEpoch::<T>::get()
			|| next >= PruneNext::<T>::get()
			|| LastAccepted::<T>::get() == Some(next)
		{
			return None;
		}
		Some(next)
	}

	/// Deletes up to [`PRUNE_PER_BLOCK`] accepted weights of the oldest epoch that keeps them,
	/// then its total (and [`WeightsPruneNext`] moves on); returns how many it deleted.
	pub(crate) fn prune_weights_step() -> u32 {
		let Some(old) = Self::weights_prunable() else { return 0 };
		let result = AcceptedWeights::<T>::clear_prefix(old, PRUNE_PER_BLOCK, None);
		if result.maybe_cursor.is_none() {
			AcceptedPower::<T>::remove(old);
			WeightsPruneNext::<T>::put(old.saturating_add(1));
		}
		result.backend
	}

	/// Deletes up to [`PRUNE_PER_BLOCK`] entries of the oldest prunable epoch, and its single
	/// values once its maps are empty (then [`PruneNext`] moves on); returns how many entries
	/// it deleted.
	pub(crate) fn prune_step() -> u32 {
		let Some(old) = Self::prunable() else { return 0 };
		let mut left = PRUNE_PER_BLOCK;
		let mut removed = 0u32;
		for clear in clear_maps::<T>() {
			// A zero limit would mean "no limit" to the host function: stop instead.
			if left == 0 {
				return removed;
			}
			let (deleted, finished) = clear(old, left);
			removed = removed.saturating_add(deleted);
			left = left.saturating_sub(deleted);
			if !finished {
				return removed;
			}
		}
		PruneNext::<T>::put(old.saturating_add(1));
		removed
	}
}

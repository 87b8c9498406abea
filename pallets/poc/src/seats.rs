//! The seat draw (docs/protocol.md §4, seats and samples), run in bounded steps from the first
//! block after the commit window closes.
//!
//! - Candidates: the hosts the previous epoch's tally accepted ([`ValidatorPool`]), by accepted
//!   weight, that are *eligible*: a secret commitment for this epoch, not jailed, and stake at
//!   risk — a host bond held and not unbonding ([`HostBond::has_bond`]; genesis validators hold
//!   theirs from genesis). A validator that deregistered has no seat, whatever it did before.
//!   Until at least `2 · k_v` accepted validators are eligible, the eligible genesis validators
//!   join them and every candidate is drawn uniformly (weight 1): a young network's draw cannot
//!   be dominated by its first accepted hosts, and three early Sybil accounts never become the
//!   whole pool.
//! - Every candidate's collateral stays slashable until this epoch's tally has ended
//!   ([`HostBond::keep_slashable`]): seat penalties are charged there.
//! - Randomness: `blake2(parent_hash ‖ RevealDigest(e−1))`, the parent hash of the draw's first
//!   block and the running hash of every secret revealed in the previous epoch. **Bias:** the
//!   draw of epoch e starts in the first block after e's commit window closes, block
//!   `EpochStart(e) + generation_window + commit_window`, and reads the hash of its parent, the
//!   commit window's last block `EpochStart(e) + generation_window + commit_window − 1`. Only
//!   the author of that one block can influence the draw, by re-rolling or withholding it
//!   (withholding costs its slot); the revealed secrets were fixed an epoch earlier.
//! - Each participant gets `k_eff = min(k_v, eligible other than itself)` distinct seats
//!   ([`sampling::draw_seats`]). The assignment is stored both ways: [`Seats`] and
//!   [`Assignments`]. The draw of epoch e waits until the tally of e−1 has finished, since that
//!   tally builds e's pool.
//!
//! Cost: the pool is filtered once (O(V) reads), then each participant costs O(k_v · log V)
//! hashing and `1 + k_v` writes, as many per block as [`Config::HookBudget`] allows.

use alloc::vec::Vec;
use codec::Encode;
use polkadot_sdk::{
	frame_support::{pallet_prelude::ConstU32, weights::WeightMeter, BoundedVec},
	frame_system,
	sp_crypto_hashing::blake2_256,
};

use crate::{sampling::SeatPool, *};

impl<T: Config> Pallet<T> {
	/// Runs seat-draw steps for the current epoch while `meter` allows.
	pub(crate) fn draw_steps(meter: &mut WeightMeter) {
		let epoch = CurrentEpoch::<T>::get();
		let Some(phase) = Self::current_phase() else { return };
		if matches!(phase, Phase::Generation | Phase::Commit) {
			return;
		}
		if Tallying::<T>::get().is_some_and(|e| e < epoch) {
			return;
		}
		let Some(params) = EpochParams::<T>::get(epoch) else { return };
		let mut progress = match DrawStatus::<T>::get(epoch) {
			Some(progress) if progress.done => return,
			Some(progress) => progress,
			None => {
				let candidates = ValidatorPool::<T>::decode_len(epoch).unwrap_or(0) as u32;
				// Below 2 · k_v the genesis validators stand in too: charge them as candidates,
				// and never below the benchmarked range's floor.
				let stand_ins = if candidates < params.seats_per_participant.saturating_mul(2) {
					MAX_GENESIS_VALIDATORS
				} else {
					0
				};
				let start =
					T::WeightInfo::start_draw(candidates.saturating_add(stand_ins).max(MAX_SEATS));
				if !Self::take_step(meter, start) {
					return;
				}
				Self::start_draw(epoch)
			}
		};
		let pool = SeatPool::new(DrawPool::<T>::get().into_inner());
		let participants = CommitmentCount::<T>::get(epoch);
		let step = T::WeightInfo::draw_step(params.seats_per_participant);
		while progress.next < participants && Self::take_step(meter, step) {
			if let Some(participant) = Participants::<T>::get(epoch, progress.next) {
				Self::seat(
					epoch,
					&participant,
					&pool,
					&progress.randomness,
					params.seats_per_participant,
				);
			}
			progress.next = progress.next.saturating_add(1);
		}
		if progress.next >= participants {
			progress.done = true;
			DrawPool::<T>::kill();
			Self::deposit_event(Event::SeatsDrawn { epoch, participants });
		}
		DrawStatus::<T>::insert(epoch, progress);
	}

	/// Fixes the draw's randomness and eligible candidates.
	pub(crate) fn start_draw(epoch: EpochIndex) -> DrawProgress {
		let eligible = |who: &T::AccountId| {
			SecretCommitments::<T>::contains_key(epoch, who)
				&& !T::Slasher::is_jailed(who)
				&& T::HostBond::has_bond(who)
		};
		let pool = ValidatorPool::<T>::get(epoch);
		// The audits' snapshot of eligibility (docs/protocol.md §7): one bit per pool member,
		// by its place in the pool ([`PoolIndex`]).
		let mut bits = alloc::vec![0u8; pool.len().div_ceil(8)];
		let mut candidates: Vec<(T::AccountId, u128)> = Vec::with_capacity(pool.len());
		for (index, (validator, weight)) in pool.into_iter().enumerate() {
			if eligible(&validator) {
				if let Some(byte) = bits.get_mut(index / 8) {
					*byte |= 1 << (index % 8);
				}
				candidates.push((validator, weight));
			}
		}
		let k = EpochParams::<T>::get(epoch).map_or(0, |p| p.seats_per_participant);
		let stand_ins = candidates.len() < k.saturating_mul(2) as usize;
		// A pool credited before the runtime kept `PoolIndex` cannot use the bits: its audits
		// read live eligibility, as before (one epoch after such an upgrade).
		let indexed =
			candidates.first().is_none_or(|(first, _)| PoolIndex::<T>::contains_key(epoch, first));
		if !stand_ins && indexed {
			if let Ok(bits) = BoundedVec::try_from(bits) {
				AuditEligible::<T>::insert(epoch, bits);
			}
		}
		if stand_ins {
			for (_, weight) in candidates.iter_mut() {
				*weight = 1;
			}
			for validator in GenesisValidators::<T>::get() {
				if eligible(&validator) && !candidates.iter().any(|(c, _)| *c == validator) {
					candidates.push((validator, 1));
				}
			}
		}
		let count = candidates.len() as u32;
		// The pool came from a bounded vector of the same bound plus at most 64 stand-ins used
		// only when it had fewer than 2 · k_v ≤ 32: it always fits; truncate rather than fail
		// regardless.
		let mut bounded = BoundedVec::<_, T::MaxParticipants>::default();
		for candidate in candidates {
			if bounded.try_push(candidate).is_err() {
				break;
			}
		}
		// Slashable through this epoch's tally (seat penalties) and the next one's end, when
		// the missed-audit reports of the receipts this epoch audits close (docs/protocol.md §7).
		for (candidate, _) in bounded.iter() {
			T::HostBond::keep_slashable(candidate, epoch.saturating_add(1));
		}
		let total = bounded.iter().fold(0u128, |sum, (_, w)| sum.saturating_add(*w));
		AuditPower::<T>::insert(epoch, (total, stand_ins));
		AuditPool::<T>::insert(epoch, bounded.clone());
		DrawPool::<T>::put(bounded);

		let parent = frame_system::Pallet::<T>::parent_hash();
		let previous_reveals =
			epoch.checked_sub(1).and_then(RevealDigest::<T>::get).unwrap_or_default();
		let randomness = H256((parent.as_ref(), previous_reveals).using_encoded(blake2_256));
		Self::deposit_event(Event::SeatDrawStarted { epoch, candidates: count, stand_ins });
		DrawProgress { randomness, next: 0, done: false }
	}

	/// Draws and stores `participant`'s seats, both ways.
	pub(crate) fn seat(
		epoch: EpochIndex,
		participant: &T::AccountId,
		pool: &SeatPool<T::AccountId>,
		randomness: &H256,
		k: u32,
	) {
		let drawn = sampling::draw_seats(randomness, participant, pool, k);
		let mut seats = BoundedVec::<Seat<T::AccountId>, ConstU32<MAX_SEATS>>::default();
		for (number, validator) in drawn.into_iter().enumerate() {
			Assignments::<T>::insert((epoch, &validator, participant), number as u32);
			let seat = Seat { validator, verdict: SeatVerdict::Silent, votes: Default::default() };
			if seats.try_push(seat).is_err() {
				break;
			}
		}
		Seats::<T>::insert(epoch, participant, seats);
	}
}

//! The tally (SPEC.md §4 "Decision for P", §5 order of operations, §6 the denominator), run after
//! the check period in bounded steps, three passes over the epoch's participants:
//!
//! 1. **Decide** each participant P from its seats ([`decide`]):
//!    - *fraud*: a self-proving opening, or a claim or posted answer confirmed by more than half
//!      of P's seats → the PoC fraud slash (10% of it to the confirmers), weight zero, out of W;
//!    - else an *unanswered* challenge → the downtime slash, no bounty, weight zero, out of W;
//!    - else *accepted* when at least half of P's seats voted and more than half of those count
//!      as `Valid` (a `Valid`, an answered challenge not confirmed bad, or a claim refuted by a
//!      majority — the majority found that leaf good); otherwise *rejected*: weight zero, no
//!      slash, still in W.
//!
//!    Penalties, whatever P's outcome: a seat that gave no verdict forfeits its reward; a
//!    claimant refuted by a majority forfeits its reward (an undecided claim costs nothing); a
//!    seat that said `Valid` while its own sampled indices — recomputed from its revealed secret
//!    — hold a leaf proven bad forfeits its reward and pays the lazy-validation slash.
//!    Then P's committed count is activated by its collateral (pallet-collateral).
//! 2. **Weigh**: with at least `power_cap_min_hosts` accepted, no host counts for more than
//!    `power_cap` of the accepted activated total; W(e) sums the capped weights of every
//!    participant not excluded by its own doing.
//! 3. **Credit**: each accepted host's capped weight is its [`AcceptedWeights`] entry, joins the
//!    next epoch's seat pool, and — unless forfeited — earns `reward(e) · ŵ / W(e)`.
//!
//! Finally the next epoch's target follows from the accepted leaves ([`difficulty`]).
//!
//! Readings where SPEC.md is silent, chosen to keep it sound: a leaf "proven bad" by a posted
//! answer is one named bad by more than half of P's seats (so a lying minority inside a majority
//! cannot make an honest seat look lazy); a participant with no seats cannot be accepted; a
//! refuted claim counts as `Valid` for acceptance.

use alloc::vec::Vec;
use polkadot_sdk::{frame_support::weights::WeightMeter, sp_arithmetic::Perbill, sp_core::U256};
use sprint_primitives::OffenceKind;

use crate::*;

/// What the seats of one participant decide, before any storage is touched.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Decision<AccountId> {
	pub outcome: Outcome,
	/// Leaf indices proven bad.
	pub bad_indices: Vec<u32>,
	/// Who proved or confirmed fraud (the bounty's recipients).
	pub confirmers: Vec<AccountId>,
	/// Seats that forfeit their reward (silent, refuted claimant).
	pub forfeits: Vec<(AccountId, ForfeitReason)>,
	/// Seats that said `Valid`, with their seat numbers: checked for laziness when a leaf is
	/// proven bad.
	pub valid_seats: Vec<(AccountId, u32)>,
}

fn majority(votes: usize, seats: usize) -> bool {
	2 * votes > seats
}

/// Decides one participant from its seats (pure: the rules of SPEC.md §4).
pub fn decide<AccountId: Clone + PartialEq>(seats: &[Seat<AccountId>]) -> Decision<AccountId> {
	let n = seats.len();
	let mut d = Decision {
		outcome: Outcome::Rejected,
		bad_indices: Vec::new(),
		confirmers: Vec::new(),
		forfeits: Vec::new(),
		valid_seats: Vec::new(),
	};
	let voter = |number: u32| seats.get(number as usize).map(|s| s.validator.clone());
	let mut fraud = false;
	let mut unanswered = false;
	let mut voted = 0usize;
	let mut valid = 0usize;

	for (number, seat) in seats.iter().enumerate() {
		let confirms: Vec<&(u32, Option<u32>)> =
			seat.votes.iter().filter(|(_, bad)| bad.is_some()).collect();
		let refutes = seat.votes.len() - confirms.len();
		let confirmed = majority(confirms.len(), n);
		if !matches!(seat.verdict, SeatVerdict::Silent) {
			voted += 1;
		}
		match &seat.verdict {
			SeatVerdict::Silent => {
				d.forfeits.push((seat.validator.clone(), ForfeitReason::SilentSeat))
			}
			SeatVerdict::Valid => {
				valid += 1;
				d.valid_seats.push((seat.validator.clone(), number as u32));
			}
			SeatVerdict::ProvenFraud { index } => {
				fraud = true;
				d.bad_indices.push(*index);
				d.confirmers.push(seat.validator.clone());
			}
			SeatVerdict::FraudClaim { index, .. } => {
				if confirmed {
					fraud = true;
					d.bad_indices.push(*index);
					d.confirmers.extend(confirms.iter().filter_map(|(v, _)| voter(*v)));
				} else if majority(refutes, n) {
					valid += 1;
					d.forfeits.push((seat.validator.clone(), ForfeitReason::RefutedClaim));
				}
			}
			SeatVerdict::Unavailable { answer: None, .. } => unanswered = true,
			SeatVerdict::Unavailable { answer: Some(posted), .. } => {
				if confirmed {
					fraud = true;
					d.confirmers.extend(confirms.iter().filter_map(|(v, _)| voter(*v)));
					for leaf in posted.iter() {
						let named = confirms.iter().filter(|(_, b)| *b == Some(leaf.index)).count();
						if majority(named, n) {
							d.bad_indices.push(leaf.index);
						}
					}
				} else {
					valid += 1;
				}
			}
		}
	}
	d.confirmers.sort_by_key(|c| seats.iter().position(|s| s.validator == *c));
	d.confirmers.dedup();
	d.outcome = if fraud {
		Outcome::Fraud
	} else if unanswered {
		Outcome::Unanswered
	} else if n > 0 && 2 * voted >= n && majority(valid, voted) {
		Outcome::Accepted
	} else {
		Outcome::Rejected
	};
	d
}

impl<T: Config> Pallet<T> {
	/// Starts the current epoch's tally at its tally phase, then runs tally steps while `meter`
	/// allows.
	pub(crate) fn tally_steps(meter: &mut WeightMeter) {
		let epoch = CurrentEpoch::<T>::get();
		if Tallying::<T>::get().is_none()
			&& Self::current_phase() == Some(Phase::Tally)
			&& !TallyStatus::<T>::contains_key(epoch)
		{
			TallyStatus::<T>::insert(
				epoch,
				TallyProgress {
					stage: TallyStage::Decide,
					next: 0,
					accepted_hosts: 0,
					accepted_activated: 0,
					accepted_nonces: 0,
					cap: u128::MAX,
					total_weight: 0,
				},
			);
			Tallying::<T>::put(epoch);
		}
		let Some(epoch) = Tallying::<T>::get() else { return };
		let Some(mut progress) = TallyStatus::<T>::get(epoch) else {
			Tallying::<T>::kill();
			return;
		};
		let participants = CommitmentCount::<T>::get(epoch);
		loop {
			let step = match progress.stage {
				TallyStage::Decide => T::WeightInfo::tally_decide_step(),
				TallyStage::Weigh => T::WeightInfo::tally_weigh_step(),
				TallyStage::Credit => T::WeightInfo::tally_credit_step(),
				TallyStage::Done => break,
			};
			if progress.next >= participants {
				if !Self::take_step(meter, T::WeightInfo::tally_finish()) {
					break;
				}
				Self::next_stage(epoch, &mut progress);
				continue;
			}
			if !Self::take_step(meter, step) {
				break;
			}
			if let Some(participant) = Participants::<T>::get(epoch, progress.next) {
				match progress.stage {
					TallyStage::Decide => {
						Self::decide_participant(epoch, &participant, &mut progress)
					}
					TallyStage::Weigh => {
						Self::weigh_participant(epoch, &participant, &mut progress)
					}
					TallyStage::Credit => Self::credit_participant(epoch, &participant, &progress),
					TallyStage::Done => {}
				}
			}
			progress.next = progress.next.saturating_add(1);
		}
		TallyStatus::<T>::insert(epoch, progress);
	}

	fn next_stage(epoch: EpochIndex, progress: &mut TallyProgress) {
		progress.next = 0;
		progress.stage = match progress.stage {
			TallyStage::Decide => {
				let params = EpochParams::<T>::get(epoch);
				let min_hosts = params.as_ref().map_or(u32::MAX, |p| p.power_cap_min_hosts);
				if progress.accepted_hosts >= min_hosts {
					let share = params.map_or(Perbill::one(), |p| p.power_cap);
					progress.cap = share.mul_floor(progress.accepted_activated);
				}
				TallyStage::Weigh
			}
			TallyStage::Weigh => TallyStage::Credit,
			TallyStage::Credit | TallyStage::Done => {
				Self::finish_tally(epoch, progress);
				TallyStage::Done
			}
		};
	}

	pub(crate) fn decide_participant(
		epoch: EpochIndex,
		participant: &T::AccountId,
		progress: &mut TallyProgress,
	) {
		let seats = Seats::<T>::get(epoch, participant).unwrap_or_default();
		let decision = decide(&seats);
		let count = Commitments::<T>::get(epoch, participant).map_or(0, |c| c.count);

		for (who, reason) in &decision.forfeits {
			Self::forfeit(epoch, who, *reason);
		}
		if !decision.bad_indices.is_empty() {
			for (validator, number) in &decision.valid_seats {
				let sampled = Self::sampled_indices(epoch, validator, participant, *number);
				if sampled.iter().any(|i| decision.bad_indices.contains(i)) {
					Self::forfeit(epoch, validator, ForfeitReason::LazyValid);
					T::Slasher::slash(validator, OffenceKind::LazyValidation, epoch, &[]);
				}
			}
		}
		let activated = match decision.outcome {
			Outcome::Fraud => {
				T::Slasher::slash(participant, OffenceKind::PocFraud, epoch, &decision.confirmers);
				0
			}
			Outcome::Unanswered => {
				T::Slasher::slash(participant, OffenceKind::Downtime, epoch, &[]);
				0
			}
			Outcome::Accepted | Outcome::Rejected => {
				T::WeightActivation::activated_weight(participant, u128::from(count), epoch)
			}
		};
		if decision.outcome == Outcome::Accepted {
			progress.accepted_hosts = progress.accepted_hosts.saturating_add(1);
			progress.accepted_activated = progress.accepted_activated.saturating_add(activated);
			progress.accepted_nonces = progress.accepted_nonces.saturating_add(u64::from(count));
		}
		Outcomes::<T>::insert(
			epoch,
			participant,
			TallyLine { outcome: decision.outcome, activated },
		);
		Self::deposit_event(Event::Tallied {
			epoch,
			participant: participant.clone(),
			outcome: decision.outcome,
			activated,
		});
	}

	fn forfeit(epoch: EpochIndex, who: &T::AccountId, reason: ForfeitReason) {
		if !Forfeited::<T>::contains_key(epoch, who) {
			Forfeited::<T>::insert(epoch, who, reason);
			Self::deposit_event(Event::RewardForfeited { epoch, who: who.clone(), reason });
		}
	}

	pub(crate) fn weigh_participant(
		epoch: EpochIndex,
		participant: &T::AccountId,
		progress: &mut TallyProgress,
	) {
		if let Some(line) = Outcomes::<T>::get(epoch, participant) {
			if matches!(line.outcome, Outcome::Accepted | Outcome::Rejected) {
				let capped = line.activated.min(progress.cap);
				progress.total_weight = progress.total_weight.saturating_add(capped);
			}
		}
	}

	pub(crate) fn credit_participant(
		epoch: EpochIndex,
		participant: &T::AccountId,
		progress: &TallyProgress,
	) {
		let Some(line) = Outcomes::<T>::get(epoch, participant) else { return };
		if line.outcome != Outcome::Accepted {
			return;
		}
		let weight = line.activated.min(progress.cap);
		AcceptedWeights::<T>::insert(epoch, participant, weight);
		if weight > 0 {
			// Bounded by MaxParticipants like the participants themselves: it always fits.
			let _ = ValidatorPool::<T>::try_append(
				epoch.saturating_add(1),
				(participant.clone(), weight),
			);
		}
		if !Forfeited::<T>::contains_key(epoch, participant) {
			T::Rewards::credit_reward(epoch, participant, weight, progress.total_weight);
		}
	}

	pub(crate) fn finish_tally(epoch: EpochIndex, progress: &TallyProgress) {
		Tallying::<T>::kill();
		// A tally that ends after the next epoch began leaves that epoch's target alone: its
		// sprint is already under way.
		let next_target = if CurrentEpoch::<T>::get() == epoch {
			let goal = EpochParams::<T>::get(epoch).map_or(0, |p| p.goal);
			Targets::<T>::get(epoch).map(|target| {
				let next = difficulty::next_target(
					U256::from_big_endian(target.as_bytes()),
					goal,
					progress.accepted_nonces,
				);
				let next = H256(next.to_big_endian());
				Targets::<T>::insert(epoch.saturating_add(1), next);
				next
			})
		} else {
			None
		};
		Self::deposit_event(Event::TallyFinished {
			epoch,
			accepted: progress.accepted_hosts,
			total_weight: progress.total_weight,
			accepted_nonces: progress.accepted_nonces,
			next_target,
		});
	}
}

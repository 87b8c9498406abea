//! The tally (docs/protocol.md §4 "Decision for P", §5 order of operations, §6 the denominator),
//! run after the check period in bounded steps: passes over the epoch's participants and its secret
//! committers.
//!
//! 1. **Decide** each participant P from its seats ([`decide`]):
//!    - *fraud*: a self-proving opening (broken path or order, or a verifying opening of a leaf
//!      above the target), or a claim or posted answer *confirmed* → the PoC fraud slash (10%
//!      of it to the confirmers), jail, weight zero, out of W. Confirmed means: more than half
//!      of P's seats said the leaf is bad, at least two of them other than the seat that made
//!      the claim or the challenge (so a dev chain with one validator slashes only on
//!      self-proving evidence, and no claimant confirms itself);
//!    - else an *unanswered* challenge → treated as fraud (withholding sampled leaves cannot be
//!      told apart from hiding bad ones): the fraud slash and jail, no bounty, weight zero, out
//!      of W;
//!    - else *accepted* when at least half of P's seats voted and more than half of those count
//!      as `Valid` (a `Valid`, a challenger's "good" vote on the leaves posted for it, or a claim
//!      refuted by a majority — the majority found that leaf good); otherwise *rejected*: weight
//!      zero, no slash, still in W.
//!
//!    Seat penalties, whatever P's outcome, charged to the validator's own collateral through
//!    [`Slasher`] (no jail; each kind at most once per validator and epoch) and forfeiting its
//!    reward: a *silent* seat — no verdict, or a challenger that never voted on the leaves posted
//!    for it — 1%; a claimant *refuted* by a majority 5% (an undecided claim costs nothing); a
//!    *lazy* `Valid` 10%: a `Valid` (or a challenger's "good" vote) whose own sampled indices —
//!    recomputed from its revealed secret — hold a leaf proven bad *as committed* (a verifying
//!    opening above the target, or a confirmed claim or posted leaf). A broken path or order
//!    proves the host's fraud but not what its tree holds, so it makes nobody lazy.
//!    Then P's committed count is activated by its collateral (pallet-collateral).
//! 2. **Reveals**: every validator that committed to a secret for e and never revealed it in
//!    the validation window (with a verdict chunk or `reveal_secret`) is a silent seat: reward
//!    forfeited, 1% of its collateral (once per epoch, like any seat penalty).
//! 3. **Weigh**: with at least `power_cap_min_hosts` accepted, no host counts for more than
//!    `power_cap` of the accepted activated total; W(e) sums the capped weights of every
//!    participant not excluded by its own doing.
//! 4. **Credit**: each accepted host's capped weight is its [`AcceptedWeights`] entry, joins the
//!    next epoch's seat pool, and — unless forfeited — earns `reward(e) · ŵ / W(e)`.
//!
//! Finally the next epoch's target follows from the accepted leaves ([`difficulty`]).
//!
//! Readings where docs/protocol.md is silent, chosen to keep it sound: a posted leaf is proven bad
//! when it is named bad as a claim would be confirmed (a lying minority inside a majority cannot
//! make an honest seat look lazy); a participant with no seats cannot be accepted; a refuted claim
//! counts as `Valid` for acceptance; a challenger whose own "bad" vote on a posted leaf is
//! refuted by a majority is a refuted claimant.

use alloc::vec::Vec;
use polkadot_sdk::{frame_support::weights::WeightMeter, sp_arithmetic::Perbill, sp_core::U256};
use sprint_primitives::OffenceKind;

use crate::*;

/// What the seats of one participant decide, before any storage is touched.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Decision<AccountId> {
	pub outcome: Outcome,
	/// Leaf indices proven bad as committed (by a verifying opening or a confirmed vote).
	pub bad_indices: Vec<u32>,
	/// Who proved or confirmed fraud (the bounty's recipients).
	pub confirmers: Vec<AccountId>,
	/// Seats that forfeit their reward and pay a seat penalty (silent, refuted claimant).
	pub forfeits: Vec<(AccountId, ForfeitReason)>,
	/// Seats that said `Valid` (or voted a challenge's posted leaves good), with their seat
	/// numbers: lazy if their sampled indices hold a leaf proven bad.
	pub valid_seats: Vec<(AccountId, u32)>,
}

fn majority(votes: usize, seats: usize) -> bool {
	2 * votes > seats
}

/// Whether the `bad` votes (of seats other than `claimant` and the claimant's own) confirm a
/// claim among `seats` seats: more than half of them, at least two besides the claimant.
fn confirmed(bad: &[&(u32, Option<u32>)], claimant: u32, seats: usize) -> bool {
	majority(bad.len(), seats) && bad.iter().filter(|(voter, _)| *voter != claimant).count() >= 2
}

/// Decides one participant from its seats (pure: the rules of docs/protocol.md §4).
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
		let number = number as u32;
		let bad: Vec<&(u32, Option<u32>)> =
			seat.votes.iter().filter(|(_, bad)| bad.is_some()).collect();
		let refuted = majority(seat.votes.len() - bad.len(), n);
		let is_confirmed = confirmed(&bad, number, n);
		match &seat.verdict {
			SeatVerdict::Silent => {
				d.forfeits.push((seat.validator.clone(), ForfeitReason::SilentSeat))
			}
			SeatVerdict::Valid => {
				voted += 1;
				valid += 1;
				d.valid_seats.push((seat.validator.clone(), number));
			}
			SeatVerdict::ProvenFraud { .. } => {
				voted += 1;
				fraud = true;
				d.confirmers.push(seat.validator.clone());
			}
			SeatVerdict::ProvenBadLeaf { index } => {
				voted += 1;
				fraud = true;
				d.bad_indices.push(*index);
				d.confirmers.push(seat.validator.clone());
			}
			SeatVerdict::FraudClaim { index, .. } => {
				voted += 1;
				if is_confirmed {
					fraud = true;
					d.bad_indices.push(*index);
					d.confirmers.extend(bad.iter().filter_map(|(v, _)| voter(*v)));
				} else if refuted {
					valid += 1;
					d.forfeits.push((seat.validator.clone(), ForfeitReason::RefutedClaim));
				}
			}
			SeatVerdict::Unavailable { answer: None, .. } => {
				voted += 1;
				unanswered = true;
			}
			SeatVerdict::Unavailable { answer: Some(posted), .. } => {
				if is_confirmed {
					fraud = true;
					d.confirmers.extend(bad.iter().filter_map(|(v, _)| voter(*v)));
					for leaf in posted.iter() {
						let named: Vec<&(u32, Option<u32>)> =
							bad.iter().copied().filter(|(_, b)| *b == Some(leaf.index)).collect();
						if confirmed(&named, number, n) {
							d.bad_indices.push(leaf.index);
						}
					}
				}
				// The challenger's own vote on the posted leaves is its verdict for the seat.
				match seat.votes.iter().find(|(v, _)| *v == number).map(|(_, bad)| bad) {
					None => d.forfeits.push((seat.validator.clone(), ForfeitReason::SilentSeat)),
					Some(None) => {
						voted += 1;
						if !is_confirmed {
							valid += 1;
						}
						d.valid_seats.push((seat.validator.clone(), number));
					}
					Some(Some(_)) => {
						voted += 1;
						if !is_confirmed && refuted {
							valid += 1;
							d.forfeits.push((seat.validator.clone(), ForfeitReason::RefutedClaim));
						}
					}
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
			TallyStatus::<T>::insert(epoch, TallyProgress::at(TallyStage::Decide));
			Tallying::<T>::put(epoch);
		}
		let Some(epoch) = Tallying::<T>::get() else { return };
		let Some(mut progress) = TallyStatus::<T>::get(epoch) else {
			Tallying::<T>::kill();
			return;
		};
		let participants = CommitmentCount::<T>::get(epoch);
		let committers = SecretCommitterCount::<T>::get(epoch);
		loop {
			let step = match progress.stage {
				TallyStage::Decide => T::WeightInfo::tally_decide_step(),
				TallyStage::Reveals => T::WeightInfo::tally_reveal_step(),
				TallyStage::Weigh => T::WeightInfo::tally_weigh_step(),
				TallyStage::Credit => T::WeightInfo::tally_credit_step(),
				TallyStage::Done => break,
			};
			let len = if progress.stage == TallyStage::Reveals { committers } else { participants };
			if progress.next >= len {
				if !Self::take_step(meter, T::WeightInfo::tally_finish()) {
					break;
				}
				Self::next_stage(epoch, &mut progress);
				continue;
			}
			if !Self::take_step(meter, step) {
				break;
			}
			if progress.stage == TallyStage::Reveals {
				if let Some(validator) = SecretCommitters::<T>::get(epoch, progress.next) {
					Self::check_reveal(epoch, &validator);
				}
			} else if let Some(participant) = Participants::<T>::get(epoch, progress.next) {
				match progress.stage {
					TallyStage::Decide => {
						Self::decide_participant(epoch, &participant, &mut progress)
					}
					TallyStage::Weigh => {
						Self::weigh_participant(epoch, &participant, &mut progress)
					}
					TallyStage::Credit => {
						Self::credit_participant(epoch, &participant, &mut progress)
					}
					TallyStage::Reveals | TallyStage::Done => {}
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
				TallyStage::Reveals
			}
			TallyStage::Reveals => TallyStage::Weigh,
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
			Self::penalise_seat(epoch, who, *reason);
		}
		if !decision.bad_indices.is_empty() {
			for (validator, number) in &decision.valid_seats {
				let sampled = Self::sampled_indices(epoch, validator, participant, *number);
				if sampled.iter().any(|i| decision.bad_indices.contains(i)) {
					Self::penalise_seat(epoch, validator, ForfeitReason::LazyValid);
				}
			}
		}
		let activated = match decision.outcome {
			Outcome::Fraud => {
				T::Slasher::slash(participant, OffenceKind::PocFraud, epoch, &decision.confirmers);
				0
			}
			// Treated as fraud, with no bounty: nobody confirmed anything.
			Outcome::Unanswered => {
				T::Slasher::slash(participant, OffenceKind::PocFraud, epoch, &[]);
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

	/// A committed secret never revealed in the validation window is a silent seat
	/// (docs/protocol.md §4): without it nobody can recompute the validator's samples or audits.
	pub(crate) fn check_reveal(epoch: EpochIndex, validator: &T::AccountId) {
		if !RevealedSecrets::<T>::contains_key(epoch, validator) {
			Self::penalise_seat(epoch, validator, ForfeitReason::SilentSeat);
		}
	}

	/// A seat penalty: `who` forfeits its reward for `epoch` and pays the penalty's share of its
	/// own collateral (no jail; pallet-collateral charges each kind once per epoch).
	fn penalise_seat(epoch: EpochIndex, who: &T::AccountId, reason: ForfeitReason) {
		// A genesis validator pays no silent seat for epochs 0 and 1: a spec commits their
		// secrets before any worker could derive one (docs/protocol.md §4, genesis secrets).
		if reason == ForfeitReason::SilentSeat
			&& epoch < 2
			&& GenesisValidators::<T>::get().contains(who)
		{
			return;
		}
		if !Forfeited::<T>::contains_key(epoch, who) {
			Forfeited::<T>::insert(epoch, who, reason);
			Self::deposit_event(Event::RewardForfeited { epoch, who: who.clone(), reason });
		}
		let kind = match reason {
			ForfeitReason::SilentSeat => OffenceKind::SilentSeat,
			ForfeitReason::RefutedClaim => OffenceKind::RefutedClaim,
			ForfeitReason::LazyValid => OffenceKind::LazyValidation,
		};
		T::Slasher::slash(who, kind, epoch, &[]);
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
		progress: &mut TallyProgress,
	) {
		let Some(line) = Outcomes::<T>::get(epoch, participant) else { return };
		if line.outcome != Outcome::Accepted {
			return;
		}
		let weight = line.activated.min(progress.cap);
		AcceptedWeights::<T>::insert(epoch, participant, weight);
		progress.accepted_weight = progress.accepted_weight.saturating_add(weight);
		if weight > 0 {
			// Bounded by MaxParticipants like the participants themselves: it always fits.
			let next = epoch.saturating_add(1);
			let index = ValidatorPool::<T>::decode_len(next).unwrap_or(0) as u32;
			if ValidatorPool::<T>::try_append(next, (participant.clone(), weight)).is_ok() {
				PoolIndex::<T>::insert(next, participant, index);
			}
		}
		if !Forfeited::<T>::contains_key(epoch, participant) {
			T::Rewards::credit_reward(epoch, participant, weight, progress.total_weight);
		}
	}

	pub(crate) fn finish_tally(epoch: EpochIndex, progress: &TallyProgress) {
		Tallying::<T>::kill();
		// Governance votes with the weights of the latest epoch that accepted anyone.
		if progress.accepted_weight > 0 {
			AcceptedPower::<T>::insert(epoch, progress.accepted_weight);
			LastAccepted::<T>::put(epoch);
		}
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

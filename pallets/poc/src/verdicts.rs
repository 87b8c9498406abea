//! Verdicts, challenge answers and votes (docs/protocol.md §4): the checks behind
//! [`Pallet::submit_verdicts`], [`Pallet::answer_challenge`] and [`Pallet::vote`].
//!
//! Each call is all-or-nothing: a dispatch that returns an error leaves storage untouched.

use alloc::vec::Vec;
use codec::Encode;
use polkadot_sdk::{
	frame_support::{ensure, pallet_prelude::ConstU32, BoundedVec},
	sp_crypto_hashing::blake2_256,
	sp_runtime::DispatchResult,
};

use crate::{opening::Fault, *};

type VerdictChunk<T> =
	BoundedVec<(<T as frame_system::Config>::AccountId, Verdict), ConstU32<MAX_VERDICTS_PER_CHUNK>>;

impl<T: Config> Pallet<T> {
	/// The sampled indices of `validator`'s seat `seat` on `participant`, from its revealed
	/// secret (empty when it has revealed none or the participant has no commitment).
	pub fn sampled_indices(
		epoch: EpochIndex,
		validator: &T::AccountId,
		participant: &T::AccountId,
		seat: u32,
	) -> Vec<u32> {
		let (Some(secret), Some(commitment), Some(params)) = (
			RevealedSecrets::<T>::get(epoch, validator),
			Commitments::<T>::get(epoch, participant),
			EpochParams::<T>::get(epoch),
		) else {
			return Vec::new();
		};
		sampling::sample_indices(
			&secret,
			participant,
			&commitment.root,
			commitment.count,
			seat,
			params.samples_per_seat,
		)
	}

	/// Reveals `validator`'s secret for `epoch` if `secret` carries it, or returns the one it
	/// revealed before.
	pub(crate) fn reveal(
		epoch: EpochIndex,
		validator: &T::AccountId,
		secret: Option<H256>,
	) -> Result<H256, Error<T>> {
		match (RevealedSecrets::<T>::get(epoch, validator), secret) {
			(Some(revealed), None) => Ok(revealed),
			(Some(revealed), Some(given)) if revealed == given => Ok(revealed),
			(Some(_), Some(_)) => Err(Error::<T>::SecretMismatch),
			(None, None) => Err(Error::<T>::SecretNotRevealed),
			(None, Some(given)) => {
				let commitment = SecretCommitments::<T>::get(epoch, validator)
					.ok_or(Error::<T>::NoSecretCommitment)?;
				ensure!(H256(blake2_256(given.as_ref())) == commitment, Error::<T>::SecretMismatch);
				RevealedSecrets::<T>::insert(epoch, validator, given);
				let previous = RevealDigest::<T>::get(epoch).unwrap_or_default();
				RevealDigest::<T>::insert(epoch, H256((previous, given).using_encoded(blake2_256)));
				Self::deposit_event(Event::SecretRevealed { epoch, validator: validator.clone() });
				Ok(given)
			}
		}
	}

	pub(crate) fn do_submit_verdicts(
		validator: T::AccountId,
		epoch: EpochIndex,
		secret: Option<H256>,
		verdicts: VerdictChunk<T>,
	) -> DispatchResult {
		ensure!(epoch == CurrentEpoch::<T>::get(), Error::<T>::WrongEpoch);
		ensure!(Self::in_phase(epoch, Phase::Validation), Error::<T>::VerdictOutsideWindow);
		// A free call must record something new (docs/protocol.md §4).
		ensure!(!verdicts.is_empty(), Error::<T>::NoVerdicts);
		Self::reveal(epoch, &validator, secret)?;
		let genesis = Self::genesis_hash();
		let target = Targets::<T>::get(epoch).unwrap_or_default();

		for (participant, verdict) in verdicts {
			let number = Assignments::<T>::get((epoch, &validator, &participant))
				.ok_or(Error::<T>::NotASeat)?;
			let mut seats = Seats::<T>::get(epoch, &participant).ok_or(Error::<T>::NotASeat)?;
			let seat = seats
				.get_mut(number as usize)
				.filter(|s| s.validator == validator)
				.ok_or(Error::<T>::NotASeat)?;
			ensure!(seat.verdict == SeatVerdict::Silent, Error::<T>::VerdictAlreadySubmitted);
			let commitment =
				Commitments::<T>::get(epoch, &participant).ok_or(Error::<T>::NotASeat)?;
			let sampled = Self::sampled_indices(epoch, &validator, &participant, number);

			let (verdict, kind) = match verdict {
				Verdict::Valid => (SeatVerdict::Valid, VerdictKind::Valid),
				Verdict::Fraud(signed) => {
					let index = signed.opening.index;
					ensure!(sampled.contains(&index), Error::<T>::IndexNotSampled);
					match opening::check(
						&signed,
						&commitment.proof_key,
						&genesis,
						epoch,
						&participant,
						&commitment,
						&target,
					) {
						Err(Fault::BadSignature) => Err(Error::<T>::BadOpeningSignature)?,
						Err(Fault::BrokenProof) => {
							(SeatVerdict::ProvenFraud { index }, VerdictKind::ProvenFraud)
						}
						Err(Fault::BadLeaf) => {
							(SeatVerdict::ProvenBadLeaf { index }, VerdictKind::ProvenBadLeaf)
						}
						Ok(()) => (
							SeatVerdict::FraudClaim { index, leaf: signed.opening.leaf },
							VerdictKind::FraudClaim,
						),
					}
				}
				Verdict::Unavailable(indices) => {
					ensure!(
						indices.iter().all(|i| sampled.contains(i)),
						Error::<T>::IndexNotSampled
					);
					let mut sorted = indices.into_inner();
					sorted.sort_unstable();
					sorted.dedup();
					let mut every = sampled.clone();
					every.sort_unstable();
					every.dedup();
					// A partial list would let a seat check fewer leaves than a fetch would have.
					ensure!(sorted == every, Error::<T>::PartialChallenge);
					let indices = BoundedVec::truncate_from(sorted);
					(SeatVerdict::Unavailable { indices, answer: None }, VerdictKind::Unavailable)
				}
			};
			seat.verdict = verdict;
			Seats::<T>::insert(epoch, &participant, seats);
			Self::deposit_event(Event::VerdictSubmitted {
				epoch,
				validator: validator.clone(),
				participant,
				verdict: kind,
			});
		}
		Ok(())
	}

	/// Whether `validator`'s `Unavailable` challenge against `host` in `epoch` is open: the
	/// current epoch, its validation window or answer period, and not answered yet.
	pub fn challenge_open(
		epoch: EpochIndex,
		validator: &T::AccountId,
		host: &T::AccountId,
	) -> bool {
		let in_time =
			Self::in_phase(epoch, Phase::Validation) || Self::in_phase(epoch, Phase::Answer);
		let Some(number) = Assignments::<T>::get((epoch, validator, host)) else { return false };
		in_time
			&& Seats::<T>::get(epoch, host).is_some_and(|seats| {
				seats.get(number as usize).is_some_and(|seat| {
					matches!(seat.verdict, SeatVerdict::Unavailable { answer: None, .. })
				})
			})
	}

	pub(crate) fn do_answer_challenge(
		host: T::AccountId,
		epoch: EpochIndex,
		validator: T::AccountId,
		openings: BoundedVec<SignedOpening, ConstU32<MAX_SAMPLES>>,
	) -> DispatchResult {
		ensure!(epoch == CurrentEpoch::<T>::get(), Error::<T>::WrongEpoch);
		ensure!(
			Self::in_phase(epoch, Phase::Validation) || Self::in_phase(epoch, Phase::Answer),
			Error::<T>::AnswerOutsideWindow
		);
		let number =
			Assignments::<T>::get((epoch, &validator, &host)).ok_or(Error::<T>::NoChallenge)?;
		let mut seats = Seats::<T>::get(epoch, &host).ok_or(Error::<T>::NoChallenge)?;
		let seat = seats.get_mut(number as usize).ok_or(Error::<T>::NoChallenge)?;
		let SeatVerdict::Unavailable { indices, answer } = &mut seat.verdict else {
			return Err(Error::<T>::NoChallenge.into());
		};
		ensure!(answer.is_none(), Error::<T>::AlreadyAnswered);
		ensure!(
			openings.len() == indices.len()
				&& openings.iter().zip(indices.iter()).all(|(o, i)| o.opening.index == *i),
			Error::<T>::AnswerMismatch
		);
		let commitment = Commitments::<T>::get(epoch, &host).ok_or(Error::<T>::NoChallenge)?;
		let genesis = Self::genesis_hash();
		let target = Targets::<T>::get(epoch).unwrap_or_default();
		let mut posted = BoundedVec::<PostedLeaf, ConstU32<MAX_SAMPLES>>::default();
		for signed in &openings {
			opening::check(
				signed,
				&commitment.proof_key,
				&genesis,
				epoch,
				&host,
				&commitment,
				&target,
			)
			.map_err(|_| Error::<T>::BadAnswer)?;
			posted
				.try_push(PostedLeaf { index: signed.opening.index, leaf: signed.opening.leaf })
				.map_err(|_| Error::<T>::AnswerMismatch)?;
		}
		let leaves = posted.len() as u32;
		*answer = Some(posted);
		Seats::<T>::insert(epoch, &host, seats);
		Self::deposit_event(Event::ChallengeAnswered {
			epoch,
			participant: host,
			validator,
			leaves,
		});
		Ok(())
	}

	pub(crate) fn do_vote(
		voter: T::AccountId,
		epoch: EpochIndex,
		participant: T::AccountId,
		votes: BoundedVec<(u32, Option<u32>), ConstU32<MAX_SEATS>>,
	) -> DispatchResult {
		ensure!(epoch == CurrentEpoch::<T>::get(), Error::<T>::WrongEpoch);
		let on_claims = Self::in_phase(epoch, Phase::Answer);
		let on_answers = Self::in_phase(epoch, Phase::Check);
		ensure!(on_claims || on_answers, Error::<T>::VoteOutsideWindow);
		// A free call must record something new (docs/protocol.md §4).
		ensure!(!votes.is_empty(), Error::<T>::NoVotes);
		let mine =
			Assignments::<T>::get((epoch, &voter, &participant)).ok_or(Error::<T>::NotASeat)?;
		let mut seats = Seats::<T>::get(epoch, &participant).ok_or(Error::<T>::NotASeat)?;
		for (target_seat, bad) in &votes {
			let seat = seats.get_mut(*target_seat as usize).ok_or(Error::<T>::NothingToVoteOn)?;
			match (&seat.verdict, bad) {
				(SeatVerdict::FraudClaim { .. }, None) if on_claims => {}
				(SeatVerdict::FraudClaim { index, .. }, Some(bad)) if on_claims => {
					ensure!(bad == index, Error::<T>::BadVoteIndex)
				}
				(SeatVerdict::Unavailable { answer: Some(_), .. }, None) if on_answers => {}
				(SeatVerdict::Unavailable { answer: Some(posted), .. }, Some(bad))
					if on_answers =>
				{
					ensure!(posted.iter().any(|p| p.index == *bad), Error::<T>::BadVoteIndex)
				}
				_ => return Err(Error::<T>::NothingToVoteOn.into()),
			}
			ensure!(!seat.votes.iter().any(|(v, _)| *v == mine), Error::<T>::AlreadyVoted);
			seat.votes.try_push((mine, *bad)).map_err(|_| Error::<T>::AlreadyVoted)?;
		}
		Seats::<T>::insert(epoch, &participant, seats);
		Self::deposit_event(Event::Voted { epoch, participant, voter, votes: votes.len() as u32 });
		Ok(())
	}
}

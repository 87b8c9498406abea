//! Verdict chunks (docs/protocol.md §4, verdicts): who may submit, when, with which secret and
//! indices, and what the runtime checks in a signed opening.

use polkadot_sdk::{frame_support::assert_noop, sp_core::H256};

use super::*;
use crate::{mock::*, Error, Phase, RevealedSecrets, SeatVerdict, Seats};

fn one_host() -> (polkadot_sdk::sp_io::TestExternalities, Sprint) {
	let mut ext = ExtBuilder::default().with_genesis_validators(&VALIDATORS).build();
	let host = Sprint::new(HOST, 40);
	ext.execute_with(|| {
		host.register();
		commit_all(0, &[&host]);
	});
	(ext, host)
}

fn verdict_of(validator: AccountId) -> SeatVerdict {
	let seats = Seats::<Test>::get(0, HOST).expect("drawn");
	seats[seat_number(0, validator, HOST) as usize].verdict.clone()
}

#[test]
fn a_valid_verdict_reveals_the_secret_and_is_recorded() {
	let (mut ext, _) = one_host();
	ext.execute_with(|| {
		submit(0, 20, vec![(HOST, Verdict::Valid)]).expect("accepted");
		assert_eq!(verdict_of(20), SeatVerdict::Valid);
		assert_eq!(RevealedSecrets::<Test>::get(0, 20), Some(secret_of(20, 0)));
	});
}

#[test]
fn verdicts_outside_the_validation_window_are_refused() {
	let (mut ext, _) = one_host();
	ext.execute_with(|| {
		run_to_phase(Phase::Answer);
		assert_noop!(
			submit(0, 20, vec![(HOST, Verdict::Valid)]),
			Error::<Test>::VerdictOutsideWindow
		);
	});
}

#[test]
fn a_verdict_from_a_non_seat_is_refused() {
	let (mut ext, _) = one_host();
	ext.execute_with(|| {
		// A seat of HOST, naming an account it does not check.
		assert_noop!(submit(0, 20, vec![(POOR, Verdict::Valid)]), Error::<Test>::NotASeat);
		// VALIDATOR has no secret commitment for epoch 0 in this scenario, hence no seat.
		assert_noop!(
			submit(0, VALIDATOR, vec![(HOST, Verdict::Valid)]),
			Error::<Test>::NoSecretCommitment
		);
	});
}

#[test]
fn the_first_chunk_must_reveal_the_committed_secret() {
	let (mut ext, _) = one_host();
	ext.execute_with(|| {
		let chunk = || BoundedVec::truncate_from(vec![(HOST, Verdict::Valid)]);
		assert_noop!(
			Poc::submit_verdicts(RuntimeOrigin::signed(20), 0, None, chunk()).map_err(|e| e.error),
			Error::<Test>::SecretNotRevealed
		);
		assert_noop!(
			Poc::submit_verdicts(RuntimeOrigin::signed(20), 0, Some(H256::repeat_byte(1)), chunk())
				.map_err(|e| e.error),
			Error::<Test>::SecretMismatch
		);
	});
}

#[test]
fn a_verdict_is_final() {
	let (mut ext, _) = one_host();
	ext.execute_with(|| {
		submit(0, 20, vec![(HOST, Verdict::Valid)]).expect("accepted");
		assert_noop!(
			submit(0, 20, vec![(HOST, Verdict::Valid)]),
			Error::<Test>::VerdictAlreadySubmitted
		);
	});
}

#[test]
fn sample_indices_that_do_not_follow_from_the_revealed_secret_are_refused() {
	let (mut ext, host) = one_host();
	ext.execute_with(|| {
		let mine = sampled(0, 20, &host);
		let other = (0..host.count()).find(|i| !mine.contains(i)).expect("40 leaves, ≤ 32 samples");
		let opening = host.sign(0, host.opening(other));
		assert_noop!(
			submit(0, 20, vec![(HOST, Verdict::Fraud(opening))]),
			Error::<Test>::IndexNotSampled
		);
		assert_noop!(
			submit(
				0,
				20,
				vec![(HOST, Verdict::Unavailable(BoundedVec::truncate_from(vec![other])))]
			),
			Error::<Test>::IndexNotSampled
		);
		assert_noop!(
			submit(0, 20, vec![(HOST, Verdict::Unavailable(BoundedVec::default()))]),
			Error::<Test>::PartialChallenge
		);
	});
}

#[test]
fn a_replayed_opening_from_another_epoch_or_root_is_rejected() {
	let (mut ext, host) = one_host();
	ext.execute_with(|| {
		let index = sampled(0, 20, &host)[0];
		let from_another_epoch = host.sign(1, host.opening(index));
		assert_noop!(
			submit(0, 20, vec![(HOST, Verdict::Fraud(from_another_epoch))]),
			Error::<Test>::BadOpeningSignature
		);
		let other_tree = Sprint::new(HOST, 41);
		let from_another_root = other_tree.sign(0, other_tree.opening(index));
		assert_noop!(
			submit(0, 20, vec![(HOST, Verdict::Fraud(from_another_root))]),
			Error::<Test>::BadOpeningSignature
		);
	});
}

#[test]
fn a_signed_opening_with_a_bad_path_or_broken_order_is_fraud_without_a_vote() {
	let (mut ext, host) = one_host();
	ext.execute_with(|| {
		let a = sampled(0, 20, &host)[0];
		let mut bad_path = host.opening(a);
		bad_path.path[0] = H256::repeat_byte(9);
		submit(0, 20, vec![(HOST, Verdict::Fraud(host.sign(0, bad_path)))]).expect("recorded");
		assert_eq!(verdict_of(20), SeatVerdict::ProvenFraud { index: a });

		let b = sampled(0, 21, &host).into_iter().find(|i| *i + 1 < host.count()).expect("one");
		let mut broken_order = host.opening(b);
		if let Some((next, _)) = broken_order.next.as_mut() {
			next.nonce = broken_order.leaf.nonce;
		}
		submit(0, 21, vec![(HOST, Verdict::Fraud(host.sign(0, broken_order)))]).expect("recorded");
		assert_eq!(verdict_of(21), SeatVerdict::ProvenFraud { index: b });
	});
}

#[test]
fn a_sound_opening_becomes_a_claim_for_the_seats_to_vote_on() {
	let (mut ext, host) = one_host();
	ext.execute_with(|| {
		let index = sampled(0, 22, &host)[0];
		let signed = host.sign(0, host.opening(index));
		let leaf = signed.opening.leaf;
		submit(0, 22, vec![(HOST, Verdict::Fraud(signed))]).expect("recorded");
		assert_eq!(verdict_of(22), SeatVerdict::FraudClaim { index, leaf });
	});
}

//! Fails and unavailable payloads: re-run votes, refunds, forfeits, slashes and deadlines.

use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok, traits::Hooks},
	sp_core::Pair,
};
use sprint_primitives::OffenceKind;

use super::*;

/// Receipts settled: enough that some receipt is drawn whatever the (randomized) signatures.
const N: u64 = 32;

/// Opens a `Fail` dispute over a drawn receipt of [`N`] and the answer period, where its jury
/// is drawn; returns the receipts, its index, the auditor and the jurors.
fn failed() -> (Vec<ReceiptOf<Test>>, usize, AccountId, Vec<AccountId>) {
	let receipts = settled(N);
	let (i, validators) = drawn_receipt(&receipts, 1);
	let auditor = validators[0];
	assert_ok!(submit(auditor, vec![audit(&receipts, i, fail(&receipts[i], b"the payload"))]));
	open_juries([7; 32]);
	let seats = Audits::jury(0, receipts[i].id()).expect("drawn");
	(receipts, i, auditor, seats)
}

fn vote(voter: AccountId, receipt: &ReceiptOf<Test>, fraud: bool) -> DispatchResultWithPostInfoOf {
	Audits::vote(RuntimeOrigin::signed(voter), 0, receipt.id(), fraud)
}

type DispatchResultWithPostInfoOf =
	polkadot_sdk::frame_support::dispatch::DispatchResultWithPostInfo;

fn resolutions() -> Vec<(Resolution, u128, u128, u128)> {
	audit_events()
		.into_iter()
		.filter_map(|e| match e {
			Event::Resolved { resolution, refunded, forfeited, slashed, .. } => {
				Some((resolution, refunded, forfeited, slashed))
			}
			_ => None,
		})
		.collect()
}

/// Runs the hook at the start of epoch 1's tally.
fn close_votes() {
	set_stage(1, EpochStage::Tally);
	Audits::on_initialize(2);
}

#[test]
fn a_fail_confirmed_by_a_majority_refunds_the_payer_forfeits_the_fees_and_slashes() {
	new_test_ext().execute_with(|| {
		let (receipts, i, auditor, seats) = failed();
		assert_eq!(seats.len(), 4, "min(5, eligible): the four other validators");
		assert!(!seats.contains(&auditor) && !seats.contains(&EXECUTOR));
		let deposit = Inference::deposit_of(&REQUESTER);
		let fund = Balances::free_balance(FUND);
		let auditor_free = Balances::free_balance(auditor);
		// N receipts × 40 tokens × 1,000 planck, 80% to the executor's pending fees.
		let pending = N as u128 * 40 * 1_000 * 8 / 10;
		assert_eq!(pallet_inference::PendingFees::<Test>::get(EXECUTOR)[0].1, pending);

		assert_ok!(vote(seats[0], &receipts[i], true));
		assert_ok!(vote(seats[1], &receipts[i], true));
		assert!(resolutions().is_empty(), "two of four jurors are not a majority of the jury");
		assert_ok!(vote(seats[2], &receipts[i], true));

		assert_eq!(resolutions(), vec![(Resolution::Fraud, 40_000, pending, SLASH)]);
		assert_eq!(Inference::deposit_of(&REQUESTER), deposit + 40_000);
		assert_eq!(Balances::free_balance(FUND), fund + pending - 40_000);
		assert!(pallet_inference::PendingFees::<Test>::get(EXECUTOR).is_empty());
		assert_eq!(
			Balances::free_balance(auditor),
			auditor_free + DEFAULT_CLAIM_BOND,
			"a confirmed claim's bond comes back"
		);
		assert_eq!(
			slashes(),
			vec![mock::Slash {
				who: EXECUTOR,
				kind: OffenceKind::InferenceFraud,
				epoch: 0,
				confirmers: vec![auditor, seats[0], seats[1], seats[2]],
			}]
		);
		// Its clean record starts again, from epoch 1.
		let standing = Standings::<Test>::get(EXECUTOR).expect("settled once");
		assert_eq!((standing.clean_since, standing.before), (1, Some(0)));
		// The fourth juror's vote is no longer due: nothing to vote on, no silent juror.
		assert_noop!(vote(seats[3], &receipts[i], true), Error::<Test>::NothingToVoteOn);
		close_votes();
		assert_eq!(slashes().len(), 1);
		assert_eq!(Stats::<Test>::get(0).frauds, 1);
	});
}

#[test]
fn a_refuted_fail_costs_its_auditor_the_refuted_claim_penalty() {
	new_test_ext().execute_with(|| {
		let (receipts, i, auditor, seats) = failed();
		let pending = pallet_inference::PendingFees::<Test>::get(EXECUTOR);
		assert_ok!(vote(seats[0], &receipts[i], false));
		assert_ok!(vote(seats[1], &receipts[i], true));
		assert!(resolutions().is_empty(), "one each way decides nothing yet");
		assert_ok!(vote(seats[2], &receipts[i], false));
		assert!(resolutions().is_empty(), "two of four: not yet a majority of the jury");
		assert_ok!(vote(seats[3], &receipts[i], false));
		assert_eq!(resolutions(), vec![(Resolution::Refuted, 0, 0, SLASH)]);
		assert!(slashes().contains(&mock::Slash {
			who: auditor,
			kind: OffenceKind::RefutedClaim,
			epoch: 1,
			confirmers: vec![seats[0], seats[2], seats[3]],
		}));
		// The juror who voted against the majority pays the lazy penalty.
		assert!(slashes().contains(&mock::Slash {
			who: seats[1],
			kind: OffenceKind::LazyValidation,
			epoch: 1,
			confirmers: vec![],
		}));
		assert_eq!(pallet_inference::PendingFees::<Test>::get(EXECUTOR), pending);
	});
}

#[test]
fn votes_come_from_seats_once_and_in_time() {
	new_test_ext().execute_with(|| {
		let (receipts, i, auditor, seats) = failed();
		// Four jurors of the four other validators: anyone else is an outsider.
		let outsider = REQUESTER;
		assert_noop!(vote(outsider, &receipts[i], true), Error::<Test>::NotASeat);
		assert_noop!(vote(auditor, &receipts[i], true), Error::<Test>::NotASeat);
		assert_ok!(vote(seats[0], &receipts[i], true));
		assert_noop!(vote(seats[0], &receipts[i], false), Error::<Test>::AlreadyVoted);
		assert_noop!(
			Audits::vote(RuntimeOrigin::signed(seats[1]), 0, [9; 32], true),
			Error::<Test>::UnknownDispute
		);
		set_stage(1, EpochStage::Tally);
		assert_noop!(vote(seats[1], &receipts[i], true), Error::<Test>::OutsideWindow);
	});
}

/// Revision 4, attack 6: silence counted as refutation, so one silent juror turned a true
/// claim into a refuted one (its auditor paid, the cheater walked). A claim is decided only by
/// votes cast: short of them at the deadline it is void — its bond returned, nobody charged but
/// the silent jurors.
#[test]
fn silence_never_refutes_a_claim() {
	new_test_ext().execute_with(|| {
		let (receipts, i, auditor, seats) = failed();
		let free = Balances::free_balance(auditor);
		assert_ok!(vote(seats[0], &receipts[i], true));
		close_votes();
		assert_eq!(resolutions(), vec![(Resolution::Undecided, 0, 0, 0)]);
		assert!(
			!slashes().iter().any(|s| s.kind == OffenceKind::RefutedClaim),
			"the auditor is not charged for the jurors' silence"
		);
		assert_eq!(Balances::free_balance(auditor), free + DEFAULT_CLAIM_BOND, "bond returned");
	});
}

#[test]
fn at_the_deadline_a_fail_the_votes_did_not_decide_is_void_and_silent_jurors_are_charged() {
	new_test_ext().execute_with(|| {
		let (receipts, i, _, seats) = failed();
		assert_ok!(vote(seats[0], &receipts[i], true));
		// Nothing happens before the check period is over.
		set_stage(1, EpochStage::Check);
		Audits::on_initialize(2);
		assert!(resolutions().is_empty());
		close_votes();
		assert_eq!(resolutions(), vec![(Resolution::Undecided, 0, 0, 0)]);
		let kinds: Vec<(AccountId, OffenceKind)> =
			slashes().iter().map(|s| (s.who, s.kind)).collect();
		assert_eq!(
			kinds,
			vec![
				(seats[1], OffenceKind::SilentJuror),
				(seats[2], OffenceKind::SilentJuror),
				(seats[3], OffenceKind::SilentJuror)
			]
		);
		assert_eq!(OpenCount::<Test>::get(0), 0);
	});
}

#[test]
fn a_fail_must_carry_the_executors_signature_over_the_payload() {
	new_test_ext().execute_with(|| {
		let receipts = settled(N);
		let (i, validators) = drawn_receipt(&receipts, 1);
		let forged = match fail(&receipts[i], b"the payload") {
			AuditResult::Fail { position, executor_signature, .. } => {
				AuditResult::Fail { position, payload_hash: [7; 32], executor_signature }
			}
			other => other,
		};
		assert_noop!(
			submit(validators[0], vec![audit(&receipts, i, forged)]),
			Error::<Test>::BadPayloadSignature
		);
		// Signed by someone else than the executor.
		let hash = polkadot_sdk::sp_io::hashing::blake2_256(b"x");
		let by_auditor = AuditResult::Fail {
			position: 0,
			payload_hash: hash,
			executor_signature: signing_pair(validators[0])
				.sign(&sprint_core::market::payload_statement(&receipts[i].id(), &hash))
				.0,
		};
		assert_noop!(
			submit(validators[0], vec![audit(&receipts, i, by_auditor)]),
			Error::<Test>::BadPayloadSignature
		);
	});
}

#[test]
fn a_second_claim_over_the_same_receipt_joins_the_open_dispute() {
	new_test_ext().execute_with(|| {
		let receipts = settled(64);
		let (i, validators) = drawn_receipt(&receipts, 2);
		assert_ok!(submit(validators[0], vec![audit(&receipts, i, fail(&receipts[i], b"p"))]));
		assert_ok!(submit(validators[1], vec![audit(&receipts, i, AuditResult::Unavailable)]));
		let dispute = Disputes::<Test>::get(0, receipts[i].id()).expect("opened");
		assert_eq!(dispute.auditor, validators[0]);
		assert_eq!(OpenCount::<Test>::get(0), 1);
		assert_eq!(AuditorDisputes::<Test>::get(0, validators[1]), 0);
		assert_eq!((Stats::<Test>::get(0).failed, Stats::<Test>::get(0).unavailable), (1, 1));
	});
}

#[test]
fn an_unavailable_payload_never_posted_is_fraud() {
	new_test_ext().execute_with(|| {
		let receipts = settled(N);
		let (i, validators) = drawn_receipt(&receipts, 1);
		assert_ok!(submit(validators[0], vec![audit(&receipts, i, AuditResult::Unavailable)]));
		let other = VALIDATORS.into_iter().find(|v| *v != validators[0]).expect("five; qed");
		open_juries([5; 32]);
		assert_noop!(vote(other, &receipts[i], true), Error::<Test>::NothingToVoteOn);
		close_votes();
		let pending = N as u128 * 40 * 1_000 * 8 / 10;
		assert_eq!(resolutions(), vec![(Resolution::Fraud, 40_000, pending, SLASH)]);
		assert_eq!(slashes()[0].kind, OffenceKind::InferenceFraud);
		assert_eq!(slashes()[0].confirmers, vec![validators[0]]);
	});
}

#[test]
fn a_posted_payload_goes_on_chain_and_is_re_run() {
	new_test_ext().execute_with(|| {
		let receipts = settled(N);
		let (i, validators) = drawn_receipt(&receipts, 1);
		let auditor = validators[0];
		let id = receipts[i].id();
		assert_ok!(submit(auditor, vec![audit(&receipts, i, AuditResult::Unavailable)]));
		let payload: Payload = b"prompt and output tokens".to_vec().try_into().expect("short");
		let post = |who, p: Payload| Audits::post_payload(RuntimeOrigin::signed(who), 0, id, p);
		assert_noop!(post(auditor, payload.clone()), Error::<Test>::NotTheExecutor);
		assert_noop!(post(EXECUTOR, Default::default()), Error::<Test>::EmptyPayload);
		set_stage(1, EpochStage::Check);
		assert_noop!(post(EXECUTOR, payload.clone()), Error::<Test>::OutsideWindow);
		set_stage(1, EpochStage::Answer);
		let result = post(EXECUTOR, payload.clone()).expect("posted in time");
		assert_eq!(result.pays_fee, polkadot_sdk::frame_support::dispatch::Pays::No);
		assert_noop!(post(EXECUTOR, payload.clone()), Error::<Test>::NothingToPost);
		assert_eq!(Payloads::<Test>::get(0, id), Some(payload.clone()));
		let dispute = Disputes::<Test>::get(0, id).expect("open");
		assert_eq!(
			dispute.claim,
			Claim::Unavailable { posted: Some(polkadot_sdk::sp_io::hashing::blake2_256(&payload)) }
		);
		assert!(dispute.seats.is_empty(), "no jury before the answer period's randomness");
		open_juries([6; 32]);
		let seats = Audits::jury(0, id).expect("drawn");
		assert_eq!(seats.len(), 4);
		assert_ok!(vote(seats[0], &receipts[i], false));
		assert_ok!(vote(seats[1], &receipts[i], false));
		assert_ok!(vote(seats[2], &receipts[i], false));
		assert_eq!(resolutions(), vec![(Resolution::Answered, 0, 0, 0)]);
		assert!(slashes().is_empty(), "an answered Unavailable costs nobody");
	});
}

#[test]
fn a_fails_payload_is_posted_by_its_auditor_or_executor_and_must_be_the_one_signed() {
	new_test_ext().execute_with(|| {
		let (receipts, i, auditor, seats) = failed();
		let id = receipts[i].id();
		let post = |who, p: &[u8]| {
			Audits::post_payload(
				RuntimeOrigin::signed(who),
				0,
				id,
				p.to_vec().try_into().expect("short"),
			)
		};
		// Only the parties, only the signed bytes, only while the seats vote.
		assert_noop!(post(seats[0], b"the payload"), Error::<Test>::NotTheExecutor);
		assert_noop!(post(auditor, b"another payload"), Error::<Test>::WrongPayload);
		assert_noop!(post(auditor, b""), Error::<Test>::EmptyPayload);
		set_stage(1, EpochStage::Tally);
		assert_noop!(post(auditor, b"the payload"), Error::<Test>::OutsideWindow);
		set_stage(1, EpochStage::Check);
		let result = post(auditor, b"the payload").expect("the auditor posts what it failed");
		assert_eq!(result.pays_fee, polkadot_sdk::frame_support::dispatch::Pays::No);
		assert_eq!(Payloads::<Test>::get(0, id).map(|p| p.to_vec()), Some(b"the payload".to_vec()));
		assert!(audit_events().iter().any(|e| matches!(
			e,
			Event::PayloadPosted { by, hash, .. }
				if *by == auditor && *hash == polkadot_sdk::sp_io::hashing::blake2_256(b"the payload")
		)));
		// Once: the executor cannot replace it, and the jury stays as drawn.
		assert_noop!(post(EXECUTOR, b"the payload"), Error::<Test>::NothingToPost);
		let dispute = Disputes::<Test>::get(0, id).expect("open");
		assert_eq!(Audits::jury(0, id), Some(seats.clone()));
		assert_eq!(
			dispute.claim,
			Claim::Fail {
				position: 3,
				payload_hash: polkadot_sdk::sp_io::hashing::blake2_256(b"the payload")
			}
		);
		// The votes decide as before.
		assert_ok!(vote(seats[0], &receipts[i], true));
		assert_ok!(vote(seats[1], &receipts[i], true));
		assert_ok!(vote(seats[2], &receipts[i], true));
		assert_eq!(resolutions()[0].0, Resolution::Fraud);
		assert_noop!(post(EXECUTOR, b"the payload"), Error::<Test>::NothingToPost);
	});
}

#[test]
fn the_executor_may_post_a_fails_payload_too() {
	new_test_ext().execute_with(|| {
		let (receipts, i, _, _) = failed();
		let id = receipts[i].id();
		assert_ok!(Audits::post_payload(
			RuntimeOrigin::signed(EXECUTOR),
			0,
			id,
			b"the payload".to_vec().try_into().expect("short")
		));
		assert!(Payloads::<Test>::contains_key(0, id));
	});
}

/// Revision 4, attack 7: a cap of 128 open disputes per epoch (8 per auditor) bought immunity —
/// colluders filled it with cheap claims, and every honest auditor's chunk (its Passes too) was
/// refused. No cap refuses an auditor's claims: each holds a claim bond instead.
#[test]
fn no_cap_refuses_an_auditors_claims() {
	new_test_ext().execute_with(|| {
		// Each receipt is drawn with probability 1/4 (signatures are randomized): 128 receipts
		// give the auditor more than 8 with near certainty (≈ 32 expected).
		let receipts = settled(128);
		let auditor = VALIDATORS[0];
		let mine: Vec<usize> =
			(0..receipts.len()).filter(|i| drawn(&receipts[*i]).contains(&auditor)).collect();
		assert!(mine.len() > 8, "{} drawn", mine.len());
		let claims: Vec<_> =
			mine.iter().map(|i| audit(&receipts, *i, AuditResult::Unavailable)).collect();
		// A chunk carries at most 8 claims (its seat draws must fit one extrinsic); the
		// auditor sends as many chunks as it has claims.
		assert_noop!(submit(auditor, claims.clone()), Error::<Test>::TooManyClaims);
		for chunk in claims.chunks(MAX_CLAIMS_PER_CHUNK as usize) {
			assert_ok!(submit(auditor, chunk.to_vec()));
		}
		assert_eq!(OpenCount::<Test>::get(0), mine.len() as u32);
	});
}

/// Revision 4, attack 12: penalties charged once per epoch and kind made every refuted claim
/// after the first free. Each claim holds a claim bond from the auditor's balance: returned when
/// the claim is confirmed, forfeited to the community fund when it is refuted.
#[test]
fn each_claim_holds_a_bond_returned_when_confirmed_and_forfeited_when_refuted() {
	new_test_ext().execute_with(|| {
		let receipts = settled(N);
		let (i, validators) = drawn_receipt(&receipts, 1);
		let auditor = validators[0];
		let before = Balances::free_balance(auditor);
		assert_ok!(submit(auditor, vec![audit(&receipts, i, fail(&receipts[i], b"the payload"))]));
		let bond = before - Balances::free_balance(auditor);
		assert!(bond > 0, "the claim holds a bond");
		// Refuted by the jurors' votes: the bond goes to the fund.
		let fund = Balances::free_balance(FUND);
		open_juries([8; 32]);
		let seats = Audits::jury(0, receipts[i].id()).expect("drawn");
		assert_ok!(vote(seats[0], &receipts[i], false));
		assert_ok!(vote(seats[1], &receipts[i], false));
		assert_ok!(vote(seats[2], &receipts[i], false));
		assert_eq!(Balances::free_balance(auditor), before - bond);
		assert_eq!(Balances::free_balance(FUND), fund + bond);
	});
}

/// Revision 4, attack 1: a claim filed in the answer period's last block could not be answered
/// (`post_payload` closes with that period) and would resolve as fraud. Claims are filed only in
/// the validation window; the executor then has the whole answer period to post; a `Pass` is
/// still accepted through the answer period.
#[test]
fn a_claim_after_the_validation_window_is_refused_and_a_pass_is_not() {
	new_test_ext().execute_with(|| {
		let receipts = settled(N);
		let (i, validators) = drawn_receipt(&receipts, 2);
		set_stage(1, EpochStage::Answer);
		assert_noop!(
			submit(validators[0], vec![audit(&receipts, i, AuditResult::Unavailable)]),
			Error::<Test>::OutsideWindow
		);
		assert_noop!(
			submit(validators[0], vec![audit(&receipts, i, fail(&receipts[i], b"the payload"))]),
			Error::<Test>::OutsideWindow
		);
		assert_ok!(submit(validators[1], vec![audit(&receipts, i, AuditResult::Pass)]));
		// Filed in the validation window, the executor posts through the whole answer period.
		let (j, late) = receipts
			.iter()
			.enumerate()
			.filter(|(j, _)| *j != i)
			.map(|(j, r)| (j, drawn(r)))
			.find(|(_, v)| !v.is_empty())
			.expect("another receipt is drawn");
		set_stage(1, EpochStage::Validation);
		assert_ok!(submit(late[0], vec![audit(&receipts, j, AuditResult::Unavailable)]));
		set_stage(1, EpochStage::Answer);
		let payload: Payload = b"prompt and output tokens".to_vec().try_into().expect("short");
		assert_ok!(Audits::post_payload(
			RuntimeOrigin::signed(EXECUTOR),
			0,
			receipts[j].id(),
			payload
		));
	});
}

/// The upgrade to storage version 1 moves each epoch's bounded list of open disputes into the
/// set, once.
#[test]
fn the_upgrade_moves_open_disputes_into_the_set() {
	use crate::migrations::{OpenDisputes, STORAGE_VERSION};
	use polkadot_sdk::frame_support::traits::{GetStorageVersion, StorageVersion};
	new_test_ext().execute_with(|| {
		assert_eq!(Audits::on_chain_storage_version(), STORAGE_VERSION, "a new chain");
		OpenDisputes::<Test>::insert(
			3,
			polkadot_sdk::frame_support::BoundedVec::truncate_from(vec![[1; 32], [2; 32]]),
		);
		StorageVersion::new(0).put::<Audits>();
		Audits::on_runtime_upgrade();
		assert_eq!(OpenCount::<Test>::get(3), 2);
		assert_eq!(Audits::open_disputes(3).len(), 2);
		assert!(!OpenDisputes::<Test>::contains_key(3));
		assert_eq!(Audits::on_chain_storage_version(), STORAGE_VERSION);
		Audits::on_runtime_upgrade();
		assert_eq!(OpenCount::<Test>::get(3), 2, "once");
	});
}

/// Opens epoch 1's answer period with `parent` as the parent hash of its first block: the jury
/// randomness is fixed there (docs/protocol.md §7).
fn open_juries(parent: [u8; 32]) {
	set_stage(1, EpochStage::Answer);
	System::set_parent_hash(parent.into());
	Audits::on_initialize(2);
}

/// The jury a claim over `receipts[i]` gets under `parent`, with a pool of nine validators.
fn jury_under(parent: [u8; 32]) -> Vec<AccountId> {
	new_test_ext().execute_with(|| {
		let receipts = settled(N);
		let (i, validators) = drawn_receipt(&receipts, 1);
		let auditor = validators[0];
		let id = receipts[i].id();
		assert_ok!(submit(auditor, vec![audit(&receipts, i, fail(&receipts[i], b"p"))]));
		// Nothing is drawn while claims may still come: the claimant sees no jury.
		assert!(Disputes::<Test>::get(0, id).expect("opened").seats.is_empty());
		assert_eq!(Audits::jury(0, id), None);
		assert_noop!(vote(VALIDATORS[4], &receipts[i], true), Error::<Test>::OutsideWindow);
		set_pool((10..=18).map(|v| (v, 100)).collect());
		open_juries(parent);
		let jury = Audits::jury(0, id).expect("drawn once the answer period opens");
		assert_eq!(jury.len(), 5, "min(5, eligible) of the eight others");
		assert!(!jury.contains(&auditor) && !jury.contains(&EXECUTOR));
		jury
	})
}

/// Revision 4, attack 6: the re-run seats were drawn at claim time from the auditor's own
/// secret and the receipt id, so an auditor could file only where colluders sit. The jury now
/// comes from randomness fixed only after claims close (the answer period's first parent hash
/// and every secret revealed by then), which the claimant cannot foresee.
#[test]
fn the_claimant_cannot_foresee_its_jury() {
	let first = jury_under([1; 32]);
	let second = jury_under([2; 32]);
	assert_ne!(first, second, "the same claim, another block: another jury");
}

/// Revision 4, attack 6: decided by the votes cast, at least min(3, eligible) of them; a juror
/// who voted against the majority pays the lazy penalty, a silent one the silent-juror penalty.
#[test]
fn a_jury_decides_by_the_votes_cast_and_a_juror_against_the_majority_pays() {
	new_test_ext().execute_with(|| {
		let receipts = settled(N);
		let (i, validators) = drawn_receipt(&receipts, 1);
		let auditor = validators[0];
		assert_ok!(submit(auditor, vec![audit(&receipts, i, fail(&receipts[i], b"p"))]));
		open_juries([3; 32]);
		let jury = Audits::jury(0, receipts[i].id()).expect("drawn");
		assert_eq!(jury.len(), 4, "the four validators other than the auditor");
		assert_ok!(vote(jury[0], &receipts[i], true));
		assert_ok!(vote(jury[1], &receipts[i], true));
		assert_ok!(vote(jury[2], &receipts[i], false));
		assert!(resolutions().is_empty(), "two of four: not yet a majority of the jury");
		close_votes();
		let pending = N as u128 * 40 * 1_000 * 8 / 10;
		assert_eq!(resolutions(), vec![(Resolution::Fraud, 40_000, pending, SLASH)]);
		let kinds: Vec<(AccountId, OffenceKind)> =
			slashes().iter().map(|s| (s.who, s.kind)).collect();
		assert!(kinds.contains(&(jury[2], OffenceKind::LazyValidation)), "{kinds:?}");
		assert!(kinds.contains(&(jury[3], OffenceKind::SilentJuror)), "{kinds:?}");
		assert!(!kinds.iter().any(|(who, _)| *who == jury[0] || *who == jury[1]));
	});
}

#[test]
fn fewer_than_three_votes_leave_a_claim_void() {
	new_test_ext().execute_with(|| {
		let receipts = settled(N);
		let (i, validators) = drawn_receipt(&receipts, 1);
		let auditor = validators[0];
		let free = Balances::free_balance(auditor);
		assert_ok!(submit(auditor, vec![audit(&receipts, i, fail(&receipts[i], b"p"))]));
		open_juries([4; 32]);
		let jury = Audits::jury(0, receipts[i].id()).expect("drawn");
		assert_ok!(vote(jury[0], &receipts[i], true));
		assert_ok!(vote(jury[1], &receipts[i], true));
		close_votes();
		assert_eq!(resolutions(), vec![(Resolution::Undecided, 0, 0, 0)]);
		assert!(!slashes().iter().any(|s| s.who == EXECUTOR), "two votes slash nobody");
		assert_eq!(Balances::free_balance(auditor), free, "the bond returned");
	});
}

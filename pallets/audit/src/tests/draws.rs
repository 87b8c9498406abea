//! Who audits what: the draw, inclusion proofs, windows, traffic and reputation.

use polkadot_sdk::frame_support::{assert_noop, assert_ok};
use sprint_core::market::{reputation_ppb, PPB};

use super::*;

#[test]
fn a_drawn_validator_passes_a_settled_receipt_once() {
	new_test_ext().execute_with(|| {
		let receipts = settled(32);
		let (i, validators) = drawn_receipt(&receipts, 1);
		let v = validators[0];
		let post = submit(v, vec![audit(&receipts, i, AuditResult::Pass)]).expect("a drawn audit");
		assert_eq!(post.pays_fee, polkadot_sdk::frame_support::dispatch::Pays::No);
		let id = receipts[i].id();
		assert!(Audited::<Test>::contains_key((0, id, v)));
		assert_eq!(Stats::<Test>::get(0).passed, 1);
		assert_eq!(audit_events(), vec![Event::Passed { epoch: 0, receipt: id, validator: v }]);
		assert_noop!(
			submit(v, vec![audit(&receipts, i, AuditResult::Pass)]),
			Error::<Test>::AlreadyAudited
		);
	});
}

#[test]
fn a_validator_the_draw_misses_cannot_audit() {
	new_test_ext().execute_with(|| {
		let receipts = settled(32);
		let (i, validators) = receipts
			.iter()
			.enumerate()
			.map(|(i, r)| (i, drawn(r)))
			.find(|(_, v)| v.len() < 5)
			.expect("some receipt is missed by a validator");
		let v = VALIDATORS.into_iter().find(|v| !validators.contains(v)).expect("one; qed");
		assert_noop!(
			submit(v, vec![audit(&receipts, i, AuditResult::Pass)]),
			Error::<Test>::NotDrawn
		);
	});
}

#[test]
fn audits_need_a_revealed_secret_power_and_the_window() {
	new_test_ext().execute_with(|| {
		let receipts = settled(32);
		let (i, validators) = drawn_receipt(&receipts, 1);
		let v = validators[0];
		let a = || vec![audit(&receipts, i, AuditResult::Pass)];
		// Epoch 0's receipts are audited in epoch 1's validation and answer periods only.
		for (epoch, stage) in
			[(1, EpochStage::Commit), (1, EpochStage::Check), (1, EpochStage::Tally)]
		{
			set_stage(epoch, stage);
			assert_noop!(submit(v, a()), Error::<Test>::OutsideWindow);
		}
		set_stage(2, EpochStage::Validation);
		assert_noop!(submit(v, a()), Error::<Test>::WrongEpoch);
		set_stage(1, EpochStage::Answer);
		assert_noop!(submit(REPORTER, a()), Error::<Test>::SecretNotRevealed);
		reveal(1, REPORTER);
		assert_noop!(submit(REPORTER, a()), Error::<Test>::NoPower);
		assert_noop!(submit(v, vec![]), Error::<Test>::NoAudits);
		assert_ok!(submit(v, a()));
	});
}

#[test]
fn an_audit_must_prove_its_receipt_settled_where_it_says() {
	new_test_ext().execute_with(|| {
		let receipts = settled(32);
		let (i, validators) = drawn_receipt(&receipts, 1);
		let v = validators[0];
		let mut wrong_batch = audit(&receipts, i, AuditResult::Pass);
		wrong_batch.batch = 1;
		assert_noop!(submit(v, vec![wrong_batch]), Error::<Test>::UnknownBatch);
		let mut wrong_index = audit(&receipts, i, AuditResult::Pass);
		wrong_index.index = (i as u32 + 1) % 32;
		assert_noop!(submit(v, vec![wrong_index]), Error::<Test>::NotInBatch);
		let mut altered = audit(&receipts, i, AuditResult::Pass);
		altered.receipt.completion_tokens += 1;
		assert_noop!(submit(v, vec![altered]), Error::<Test>::NotInBatch);
		let mut unsettled = audit(&receipts, i, AuditResult::Pass);
		unsettled.receipt = receipt(0, 99);
		assert_noop!(submit(v, vec![unsettled]), Error::<Test>::NotInBatch);
		// A chunk with one bad audit changes nothing.
		let mut bad = audit(&receipts, i, AuditResult::Pass);
		bad.path.clear();
		assert_noop!(
			submit(v, vec![audit(&receipts, i, AuditResult::Pass), bad]),
			Error::<Test>::NotInBatch
		);
	});
}

#[test]
fn a_validator_never_audits_its_own_receipts() {
	new_test_ext().execute_with(|| {
		// The executor validates too, with all the power there is but its own: its draw
		// would always hit.
		set_pool(vec![(EXECUTOR, 100), (10, 100)]);
		let receipts = settled(2);
		reveal(1, EXECUTOR);
		assert_noop!(
			submit(EXECUTOR, vec![audit(&receipts, 0, AuditResult::Pass)]),
			Error::<Test>::OwnReceipt
		);
		// And its power is left out of the others' odds: validator 10 audits everything.
		assert_ok!(submit(
			10,
			vec![audit(&receipts, 0, AuditResult::Pass), audit(&receipts, 1, AuditResult::Pass)]
		));
	});
}

#[test]
fn the_audit_rate_falls_with_traffic_and_reputation() {
	new_test_ext().execute_with(|| {
		market();
		let p = |epoch| Audits::audit_probability(epoch, &EXECUTOR, 100, 500);
		// Unknown executor, no traffic: the whole target, a fifth of it per validator.
		assert_eq!(p(0), PPB / 5);
		// What the runtime API tells an auditor; nobody audits itself, nor without power.
		assert_eq!(Audits::probability_for(0, &VALIDATORS[0], &EXECUTOR), PPB / 5);
		assert_eq!(Audits::probability_for(0, &EXECUTOR, &EXECUTOR), 0);
		assert_eq!(Audits::probability_for(0, &REPORTER, &EXECUTOR), 0);
		// Its first settlement starts its record; traffic of 10,000 receipts of ≥ 16 tokens
		// brings the minimum average to 1%, and 30 clean epochs its reputation to 1.
		Traffic::<Test>::insert(40, 10_000);
		crate::Pallet::<Test>::on_settle(&EXECUTOR, 10, 0);
		assert_eq!(Standings::<Test>::get(EXECUTOR).map(|s| s.clean_since), Some(10));
		assert_eq!(p(10), PPB / 5);
		assert_eq!(p(40), PPB / 100 / 5);
		Traffic::<Test>::insert(25, 10_000);
		assert_eq!(
			p(25) as u128,
			(PPB / 100 + (PPB - PPB / 100) * (PPB - reputation_ppb(15)) / PPB) as u128 / 5
		);
	});
}

#[test]
fn settlement_counts_traffic_of_receipts_of_at_least_16_tokens() {
	new_test_ext().execute_with(|| {
		market();
		let mut short = receipt(0, 1);
		short.prompt_tokens = 10;
		short.completion_tokens = 5;
		short.executor_signature = signing_pair(EXECUTOR).sign(&short.executor_payload()).0;
		assert_ok!(Inference::settle(
			RuntimeOrigin::signed(EXECUTOR),
			vec![receipt(0, 0), short, receipt(0, 2)].try_into().expect("few; qed")
		));
		assert_eq!(Traffic::<Test>::get(0), 2);
	});
}

#[test]
fn reputation_for_a_draw_is_as_it_stood_when_the_receipts_epoch_ended() {
	let standing = Standing { clean_since: 12, changed: 12, before: Some(2) };
	// Epoch 11's receipts are audited in epoch 12, when a fraud reset the record: their draw
	// still uses the record as it stood at the end of 11.
	assert_eq!(standing.clean_epochs_at(11), Some(9));
	assert_eq!(standing.clean_epochs_at(12), Some(0));
	assert_eq!(standing.clean_epochs_at(20), Some(8));
	let new = Standing { clean_since: 5, changed: 5, before: None };
	assert_eq!(new.clean_epochs_at(4), None);
}

/// Revision 4, attack 8: draws read the executor's reputation as it stood when the epoch's
/// audits opened. Resetting it (the executor caught again, perhaps on purpose) while an epoch's
/// missed-audit reports are still open must not change which of that epoch's receipts were
/// drawn — else every validator that audited the old draws would seem to have missed new ones.
/// Reports of epoch 40 close at the end of epoch 42: two resets fall inside that window.
#[test]
fn resets_while_an_epochs_reports_are_open_leave_its_draws_alone() {
	new_test_ext().execute_with(|| {
		market();
		Standings::<Test>::insert(EXECUTOR, Standing { clean_since: 0, changed: 0, before: None });
		// Busy epochs, so that the audit rate follows reputation (1% for a clean record).
		for epoch in 40..=42 {
			Traffic::<Test>::insert(epoch, 10_000);
		}
		set_stage(41, EpochStage::Validation);
		let odds = |epoch| Audits::probability_for(epoch, &VALIDATORS[0], &EXECUTOR);
		let at_40 = odds(40);
		assert!(at_40 < PPB, "a clean record: audited below 100%");
		// Caught in epoch 41: epoch 41's receipts, audited from epoch 42's validation window
		// on, are drawn with the reset (the record as it stood when epoch 41 ended).
		Audits::reset_standing(&EXECUTOR, 41);
		set_stage(42, EpochStage::Validation);
		let at_41 = odds(41);
		assert!(at_41 > at_40);
		// Caught again in epoch 42, after its audits opened.
		set_stage(42, EpochStage::Answer);
		Audits::reset_standing(&EXECUTOR, 42);
		assert_eq!(odds(40), at_40, "epoch 40's reports are open until epoch 42 ends");
		assert_eq!(odds(41), at_41, "and epoch 41's");
		assert!(odds(42) > at_40, "epoch 42's draws see the resets");
	});
}

//! Reports of missed audits, and pruning.

use polkadot_sdk::frame_support::{assert_noop, assert_ok, traits::Hooks};
use sprint_primitives::OffenceKind;

use super::*;

fn report(
	validator: AccountId,
	a: Audit<AccountId, u128>,
) -> polkadot_sdk::sp_runtime::DispatchResult {
	Audits::report_missed_audit(RuntimeOrigin::signed(REPORTER), 0, validator, Box::new(a))
}

#[test]
fn a_missed_audit_costs_its_own_penalty_and_pays_the_reporter_a_share() {
	new_test_ext().execute_with(|| {
		let receipts = settled(32);
		let (i, validators) = drawn_receipt(&receipts, 1);
		let v = validators[0];
		let a = || audit(&receipts, i, AuditResult::Pass);
		// Not while the validator may still submit.
		assert_noop!(report(v, a()), Error::<Test>::OutsideWindow);
		set_stage(1, EpochStage::Check);
		assert_ok!(report(v, a()));
		assert_eq!(
			slashes(),
			vec![mock::Slash {
				who: v,
				kind: OffenceKind::MissedAudit,
				epoch: 1,
				confirmers: vec![REPORTER],
			}]
		);
		assert_eq!(
			audit_events().last(),
			Some(&Event::MissedAuditReported {
				epoch: 0,
				receipt: receipts[i].id(),
				validator: v,
				reporter: REPORTER,
				slashed: SLASH,
			})
		);
		assert_noop!(report(v, a()), Error::<Test>::AlreadyReported);
		assert_eq!(Stats::<Test>::get(0).missed, 1);
	});
}

#[test]
fn only_a_drawn_silent_validator_can_be_reported_and_only_in_the_report_window() {
	new_test_ext().execute_with(|| {
		let receipts = settled(32);
		let (i, validators) = drawn_receipt(&receipts, 1);
		let v = validators[0];
		assert_ok!(submit(v, vec![audit(&receipts, i, AuditResult::Pass)]));
		let missed = VALIDATORS.into_iter().find(|x| !validators.contains(x));
		set_stage(2, EpochStage::Generation);
		assert_noop!(report(v, audit(&receipts, i, AuditResult::Pass)), Error::<Test>::NotMissed);
		if let Some(x) = missed {
			assert_noop!(
				report(x, audit(&receipts, i, AuditResult::Pass)),
				Error::<Test>::NotDrawn
			);
		}
		// A validator that never revealed its secret audited nothing: the PoC tally charges
		// its silence, not a report.
		assert_noop!(
			report(REQUESTER, audit(&receipts, i, AuditResult::Pass)),
			Error::<Test>::NotMissed
		);
		let mut forged = audit(&receipts, i, AuditResult::Pass);
		forged.index += 1;
		assert_noop!(report(v, forged), Error::<Test>::NotInBatch);
		set_stage(3, EpochStage::Generation);
		assert_noop!(
			report(v, audit(&receipts, i, AuditResult::Pass)),
			Error::<Test>::OutsideWindow
		);
	});
}

#[test]
fn an_epochs_audit_state_is_pruned_once_its_reports_close() {
	new_test_ext().execute_with(|| {
		let receipts = settled(32);
		let (i, validators) = drawn_receipt(&receipts, 1);
		assert_ok!(submit(validators[0], vec![audit(&receipts, i, AuditResult::Unavailable)]));
		set_stage(2, EpochStage::Generation);
		Audits::on_initialize(3);
		assert!(Disputes::<Test>::get(0, receipts[i].id()).is_some_and(|d| d.resolution.is_some()));
		assert_eq!(NextPrune::<Test>::get(), 0, "reports of epoch 0 are open through epoch 2");
		set_stage(3, EpochStage::Generation);
		Audits::on_initialize(4);
		assert_eq!(NextPrune::<Test>::get(), 1);
		assert_eq!(Disputes::<Test>::iter_prefix(0).count(), 0);
		assert_eq!(Audited::<Test>::iter_prefix((0,)).count(), 0);
		assert_eq!(Traffic::<Test>::get(0), 0);
		assert_eq!(AuditorDisputes::<Test>::get(0, validators[0]), 0);
	});
}

/// Revision 4, attack 8: a validator reporting its own missed audit collected the reporter's
/// share of its own penalty. Nobody reports itself.
#[test]
fn a_validator_never_reports_itself() {
	new_test_ext().execute_with(|| {
		let receipts = settled(32);
		let (i, validators) = drawn_receipt(&receipts, 1);
		let v = validators[0];
		set_stage(1, EpochStage::Check);
		assert_noop!(
			Audits::report_missed_audit(
				RuntimeOrigin::signed(v),
				0,
				v,
				Box::new(audit(&receipts, i, AuditResult::Pass))
			),
			Error::<Test>::SelfReport
		);
	});
}

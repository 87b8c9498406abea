//! Inference downtime (docs/protocol.md §7): accepted tickets never settled, reported, and the 5%
//! rule.

use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sp_core::Pair,
};
use sprint_core::market::acceptance_payload;
use sprint_primitives::OffenceKind;

use super::*;

/// The executor's acceptance of `ticket`.
fn accepted(ticket: &Ticket<AccountId, u128>) -> SignatureBytes {
	signing_pair(EXECUTOR).sign(&acceptance_payload(&ticket.hash())).0
}

fn report(ticket: &Ticket<AccountId, u128>) -> polkadot_sdk::sp_runtime::DispatchResult {
	let signature = api_key().sign(&ticket.signing_payload()).0;
	Inference::report_missed_ticket(
		RuntimeOrigin::signed(OTHER),
		ticket.clone(),
		signature,
		accepted(ticket),
	)
}

#[test]
fn more_than_five_percent_of_accepted_tickets_missed_costs_the_downtime_slash() {
	// The 5% rule alone (`min_missed` has a test of its own).
	ExtBuilder::default().with_params(|p| p.min_missed = 1).build().execute_with(|| {
		market();
		// 19 tickets of epoch 0 settled (in epochs 0 and 1), two accepted and never settled.
		assert_ok!(settle((1..=10).map(|n| receipt(ticket(n), 1, 1)).collect()));
		set_epoch(1);
		assert_ok!(settle((11..=19).map(|n| receipt(ticket(n), 1, 1)).collect()));
		assert_eq!(Served::<Test>::get(0, EXECUTOR), 19);
		set_epoch(2);
		// 1 of 20 is exactly 5%: not above.
		assert_ok!(report(&ticket(20)));
		assert!(slashes().is_empty());
		assert_eq!(
			inference_events().last(),
			Some(&Event::TicketMissed {
				executor: EXECUTOR,
				epoch: 0,
				missed: 1,
				served: 19,
				slashed: None
			})
		);
		assert_ok!(report(&ticket(21)));
		assert_eq!(slashes(), vec![(EXECUTOR, OffenceKind::Downtime, 0)]);
		assert_eq!(
			inference_events().last(),
			Some(&Event::TicketMissed {
				executor: EXECUTOR,
				epoch: 0,
				missed: 2,
				served: 19,
				slashed: Some(500)
			})
		);
		// Once per epoch: a third miss slashes nothing more.
		assert_ok!(report(&ticket(22)));
		assert_eq!(slashes().len(), 1);
	});
}

#[test]
fn a_missed_ticket_must_be_accepted_unsettled_and_reported_in_its_window() {
	ExtBuilder::default().build().execute_with(|| {
		market();
		assert_ok!(settle(vec![receipt(ticket(1), 1, 1)]));
		// While it may still settle, it is not missed.
		set_epoch(1);
		assert_noop!(report(&ticket(2)), Error::<Test>::ReportOutOfWindow);
		set_epoch(2);
		assert_noop!(report(&ticket(1)), Error::<Test>::TicketSettled);
		let mut foreign = ticket(2);
		foreign.genesis = [1; 32];
		assert_noop!(report(&foreign), Error::<Test>::WrongChain);
		// An acceptance signed by someone else, or over another ticket.
		let t = ticket(2);
		let signature = api_key().sign(&t.signing_payload()).0;
		let by_other = signing_pair(REQUESTER).sign(&acceptance_payload(&t.hash())).0;
		assert_noop!(
			Inference::report_missed_ticket(
				RuntimeOrigin::signed(OTHER),
				t.clone(),
				signature,
				by_other
			),
			Error::<Test>::BadAcceptanceSignature
		);
		assert_noop!(
			Inference::report_missed_ticket(
				RuntimeOrigin::signed(OTHER),
				t.clone(),
				signature,
				accepted(&ticket(3))
			),
			Error::<Test>::BadAcceptanceSignature
		);
		assert_noop!(
			Inference::report_missed_ticket(
				RuntimeOrigin::signed(OTHER),
				t.clone(),
				[0; 64],
				accepted(&t)
			),
			Error::<Test>::BadTicketSignature
		);
		assert_ok!(report(&t));
		assert_noop!(report(&t), Error::<Test>::TicketSettled);
		set_epoch(3);
		assert_noop!(report(&ticket(3)), Error::<Test>::ReportOutOfWindow);
	});
}

/// Revision 4, attack 3: a requester that accepts tickets and drops the connections (or one
/// honest user cancelling a stream) got an executor that settled nothing that epoch slashed 10%
/// for a single missed ticket. The downtime slash needs at least `min_missed` (10) missed
/// tickets, and more than 5% of the accepted ones.
#[test]
fn a_few_missed_tickets_never_cost_the_downtime_slash() {
	ExtBuilder::default().build().execute_with(|| {
		market();
		set_epoch(2);
		for n in 1..=9 {
			assert_ok!(report(&ticket(n)));
		}
		assert!(slashes().is_empty(), "nine missed tickets, all of the epoch's, slash nothing");
		assert_ok!(report(&ticket(10)));
		assert_eq!(slashes(), vec![(EXECUTOR, OffenceKind::Downtime, 0)]);
	});
}

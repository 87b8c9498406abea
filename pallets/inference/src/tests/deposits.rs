//! Requesters' deposits: held, drawn by settlements, withdrawn after a delay.

use polkadot_sdk::frame_support::{assert_noop, assert_ok, traits::fungible::Inspect};

use super::*;

#[test]
fn a_deposit_is_held_from_the_free_balance() {
	ExtBuilder::default().build().execute_with(|| {
		assert_ok!(Inference::deposit(RuntimeOrigin::signed(REQUESTER), 100 * SPR));
		assert_eq!(Inference::deposit_of(&REQUESTER), 100 * SPR);
		assert_eq!(Balances::balance(&REQUESTER), 900 * SPR);
		assert_noop!(
			Inference::deposit(RuntimeOrigin::signed(REQUESTER), 901 * SPR),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(
			Inference::deposit(RuntimeOrigin::signed(REQUESTER), 0),
			Error::<Test>::ZeroAmount
		);
	});
}

#[test]
fn a_withdrawal_completes_only_after_the_tickets_issued_before_it_can_settle_and_be_audited() {
	ExtBuilder::default().build().execute_with(|| {
		assert_ok!(Inference::deposit(RuntimeOrigin::signed(REQUESTER), 100 * SPR));
		assert_ok!(Inference::request_withdrawal(RuntimeOrigin::signed(REQUESTER), 40 * SPR));
		// Audit window 1: settles in epoch 0 or 1, audited in 2, withdrawal from 3.
		assert_eq!(
			inference_events().last(),
			Some(&Event::WithdrawalRequested { who: REQUESTER, amount: 40 * SPR, epoch: 3 })
		);
		assert_noop!(
			Inference::request_withdrawal(RuntimeOrigin::signed(REQUESTER), SPR),
			Error::<Test>::WithdrawalPending
		);
		set_epoch(2);
		assert_noop!(
			Inference::withdraw(RuntimeOrigin::signed(REQUESTER)),
			Error::<Test>::WithdrawalNotReady
		);
		set_epoch(3);
		assert_ok!(Inference::withdraw(RuntimeOrigin::signed(REQUESTER)));
		assert_eq!(Inference::deposit_of(&REQUESTER), 60 * SPR);
		assert_eq!(Balances::balance(&REQUESTER), 940 * SPR);
	});
}

#[test]
fn a_pending_withdrawal_keeps_paying_settlements_and_returns_what_is_left() {
	ExtBuilder::default().build().execute_with(|| {
		market();
		assert_ok!(Inference::request_withdrawal(RuntimeOrigin::signed(REQUESTER), 100 * SPR));
		assert_ok!(settle(vec![receipt(ticket(1), 10, 40)]));
		set_epoch(3);
		assert_ok!(Inference::withdraw(RuntimeOrigin::signed(REQUESTER)));
		assert_eq!(Inference::deposit_of(&REQUESTER), 0);
		assert_eq!(Deposits::<Test>::get(REQUESTER), None);
		assert_eq!(Balances::balance(&REQUESTER), 1_000 * SPR - 50 * 1_000);
	});
}

#[test]
fn more_than_the_deposit_cannot_be_asked_back() {
	ExtBuilder::default().build().execute_with(|| {
		assert_noop!(
			Inference::request_withdrawal(RuntimeOrigin::signed(REQUESTER), SPR),
			Error::<Test>::NoDeposit
		);
		assert_ok!(Inference::deposit(RuntimeOrigin::signed(REQUESTER), SPR));
		assert_noop!(
			Inference::request_withdrawal(RuntimeOrigin::signed(REQUESTER), 2 * SPR),
			Error::<Test>::WithdrawalTooLarge
		);
	});
}

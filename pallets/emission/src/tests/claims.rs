//! `claim_rewards`: linear vesting over 180 epochs, pulled by the host.

use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok, traits::fungible::Inspect},
	sp_runtime::DispatchError,
};

use crate::{mock::*, Error, Event, Ledgers};

const R0: u128 = 323_000 * SPR;

#[test]
fn nothing_has_vested_in_the_epoch_that_earned_it() {
	ExtBuilder::default().build().execute_with(|| {
		Emission::credit_reward(0, &ALICE, 1, 1);
		assert_noop!(
			Emission::claim_rewards(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::NothingToClaim
		);
	});
}

#[test]
fn claim_rewards_pays_what_has_vested_linearly() {
	ExtBuilder::default().build().execute_with(|| {
		Emission::credit_reward(0, &ALICE, 1, 1);
		set_epoch(90);
		assert_ok!(Emission::claim_rewards(RuntimeOrigin::signed(ALICE)));
		assert_eq!(Balances::balance(&ALICE), R0 / 2);
		assert!(emission_events().contains(&Event::RewardsClaimed { who: ALICE, amount: R0 / 2 }));

		set_epoch(180);
		assert_ok!(Emission::claim_rewards(RuntimeOrigin::signed(ALICE)));
		assert_eq!(Balances::balance(&ALICE), R0);
		// Fully vested and claimed: the ledger is gone and the pot keeps only its deposit.
		assert!(Ledgers::<Test>::get(ALICE).is_none());
		assert_eq!(Balances::balance(&Emission::pot()), ED);
	});
}

#[test]
fn claiming_twice_in_one_epoch_pays_once() {
	ExtBuilder::default().build().execute_with(|| {
		Emission::credit_reward(0, &ALICE, 1, 1);
		set_epoch(10);
		assert_ok!(Emission::claim_rewards(RuntimeOrigin::signed(ALICE)));
		let paid = Balances::balance(&ALICE);
		assert_eq!(paid, R0 / 18);
		assert_noop!(
			Emission::claim_rewards(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::NothingToClaim
		);
	});
}

#[test]
fn a_host_without_rewards_cannot_claim() {
	ExtBuilder::default().build().execute_with(|| {
		assert_noop!(
			Emission::claim_rewards(RuntimeOrigin::signed(BOB)),
			Error::<Test>::NothingToClaim
		);
		assert_noop!(Emission::claim_rewards(RuntimeOrigin::none()), DispatchError::BadOrigin);
	});
}

#[test]
fn rewards_of_several_epochs_vest_each_on_its_own_schedule() {
	ExtBuilder::default().build().execute_with(|| {
		Emission::credit_reward(0, &ALICE, 1, 1);
		set_epoch(90);
		let r90 = Emission::credit_reward(90, &ALICE, 1, 1);
		set_epoch(180);
		// Epoch 0's reward has fully vested, epoch 90's half.
		let (vested, unvested) = Emission::rewards_of(&ALICE);
		assert_eq!(vested, R0 + r90 / 2);
		assert_eq!(unvested, r90 - r90 / 2);
	});
}

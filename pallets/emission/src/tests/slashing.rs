//! Unvested rewards are slashable; vested ones are the host's.

use polkadot_sdk::{
	frame_support::traits::{
		fungible::{Balanced, Inspect},
		Imbalance,
	},
	sp_arithmetic::Perbill,
};

use crate::{mock::*, Event};

const R0: u128 = 323_000 * SPR;

#[test]
fn a_fraud_slash_takes_20_percent_of_the_unvested_rewards_only() {
	ExtBuilder::default().build().execute_with(|| {
		Emission::credit_reward(0, &ALICE, 1, 1);
		set_epoch(90);
		let issuance = Balances::total_issuance();
		let credit = Emission::slash_unvested(&ALICE, Perbill::from_percent(20));
		assert_eq!(credit.peek(), R0 / 2 / 5);
		assert_eq!(Emission::rewards_of(&ALICE), (R0 / 2, R0 / 2 - R0 / 10));
		assert!(emission_events()
			.contains(&Event::UnvestedRewardsSlashed { who: ALICE, amount: R0 / 10 }));
		// The caller routes the credit (to the community fund and the confirmers).
		let _ = Balances::resolve(&CHARLIE, credit);
		assert_eq!(Balances::balance(&CHARLIE), R0 / 10);
		assert_eq!(Balances::total_issuance(), issuance);
	});
}

#[test]
fn slashing_a_host_without_rewards_takes_nothing() {
	ExtBuilder::default().build().execute_with(|| {
		assert_eq!(Emission::slash_unvested(&BOB, Perbill::from_percent(20)).peek(), 0);
	});
}

#[test]
fn after_a_slash_the_rest_keeps_vesting_to_the_end_of_the_period() {
	ExtBuilder::default().build().execute_with(|| {
		Emission::credit_reward(0, &ALICE, 1, 1);
		set_epoch(90);
		drop(Emission::slash_unvested(&ALICE, Perbill::from_percent(50)));
		set_epoch(180);
		assert_eq!(Emission::rewards_of(&ALICE), (R0 / 2 + R0 / 4, 0));
	});
}

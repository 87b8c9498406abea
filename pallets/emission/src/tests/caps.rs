//! Budgets, shares and both caps.

use polkadot_sdk::frame_support::traits::fungible::Inspect;

use crate::{mock::*, schedule, EpochBudgets, TotalMinted};

fn r0() -> u128 {
	323_000 * SPR
}

#[test]
fn emission_at_epoch_zero_is_r0() {
	ExtBuilder::default().build().execute_with(|| {
		assert_eq!(Emission::credit_reward(0, &ALICE, 7, 7), r0());
		assert_eq!(Emission::rewards_of(&ALICE), (0, r0()));
		// The pot holds the reward and its existential deposit, both counted as emission.
		assert_eq!(Balances::balance(&Emission::pot()), r0() + ED);
		assert_eq!(TotalMinted::<Test>::get(), r0() + ED);
	});
}

#[test]
fn a_host_earns_reward_times_its_weight_over_the_denominator() {
	ExtBuilder::default().build().execute_with(|| {
		// W = 5: Alice 3, Bob 1, and a host rejected for lack of votes with 1, which stays in the
		// denominator and is never paid.
		assert_eq!(Emission::credit_reward(0, &ALICE, 3, 5), r0() * 3 / 5);
		assert_eq!(Emission::credit_reward(0, &BOB, 1, 5), r0() / 5);
		assert_eq!(EpochBudgets::<Test>::get(0).map(|b| b.minted), Some(r0() * 4 / 5));
		assert_eq!(TotalMinted::<Test>::get(), r0() * 4 / 5 + ED);
	});
}

#[test]
fn the_reward_decays_by_the_schedule() {
	ExtBuilder::default().build().execute_with(|| {
		let lambda = crate::EmissionParams::gonka_defaults().decay_per_epoch;
		assert_eq!(
			Emission::credit_reward(1459, &ALICE, 1, 1),
			schedule::reward(r0(), lambda, 0, 1459)
		);
	});
}

#[test]
fn an_epoch_never_mints_more_than_its_budget() {
	ExtBuilder::default().build().execute_with(|| {
		assert_eq!(Emission::credit_reward(0, &ALICE, 1, 1), r0());
		// A second full share in the same epoch finds the budget spent.
		assert_eq!(Emission::credit_reward(0, &BOB, 1, 1), 0);
		assert_eq!(TotalMinted::<Test>::get(), r0() + ED);
	});
}

#[test]
fn a_zero_weight_or_denominator_mints_nothing() {
	ExtBuilder::default().build().execute_with(|| {
		assert_eq!(Emission::credit_reward(0, &ALICE, 0, 10), 0);
		assert_eq!(Emission::credit_reward(0, &ALICE, 10, 0), 0);
		assert_eq!(TotalMinted::<Test>::get(), 0);
	});
}

#[test]
fn the_emission_cap_is_reached_exactly_and_never_passed() {
	let cap = 2 * r0() + r0() / 2;
	ExtBuilder::default().with_params(|p| p.emission_cap = cap).build().execute_with(|| {
		let mut epoch = 0;
		while TotalMinted::<Test>::get() < cap {
			set_epoch(epoch);
			Emission::credit_reward(epoch, &ALICE, 1, 1);
			assert!(TotalMinted::<Test>::get() <= cap);
			epoch += 1;
			assert!(epoch < 10, "the cap is reached within a few epochs");
		}
		assert_eq!(TotalMinted::<Test>::get(), cap);
		assert_eq!(Emission::credit_reward(epoch, &BOB, 1, 1), 0);
		assert_eq!(TotalMinted::<Test>::get(), cap);
	});
}

#[test]
fn total_issuance_never_passes_one_billion_spr() {
	let others = sprint_primitives::TOTAL_ISSUANCE_CAP - r0() / 2;
	ExtBuilder::default().with_balance(CHARLIE, others).build().execute_with(|| {
		let credited = Emission::credit_reward(0, &ALICE, 1, 1);
		assert_eq!(credited, r0() / 2 - ED);
		assert_eq!(Balances::total_issuance(), sprint_primitives::TOTAL_ISSUANCE_CAP);
		set_epoch(1);
		assert_eq!(Emission::credit_reward(1, &ALICE, 1, 1), 0);
		assert_eq!(Balances::total_issuance(), sprint_primitives::TOTAL_ISSUANCE_CAP);
	});
}

#[test]
fn old_epoch_budgets_are_pruned() {
	ExtBuilder::default().build().execute_with(|| {
		for epoch in 0..5 {
			Emission::credit_reward(epoch, &ALICE, 1, 1);
		}
		assert!(EpochBudgets::<Test>::get(2).is_none());
		assert!(EpochBudgets::<Test>::get(3).is_some() && EpochBudgets::<Test>::get(4).is_some());
	});
}

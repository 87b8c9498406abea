//! Founders' vesting (docs/protocol.md §6): nothing unlocks before the one-year cliff, then the
//! balance unlocks linearly over four years, claimed with `vesting.vest`.

use crate::common;

use polkadot_sdk::{
	frame_support::traits::{fungible::Inspect, VestingSchedule},
	pallet_vesting,
	sp_keyring::Sr25519Keyring,
};
use sprint_runtime::{
	genesis::{
		FOUNDERS_ALLOCATION, FOUNDER_CLIFF, FOUNDER_VESTING_LENGTH, MAINNET_TEMPLATE_PRESET,
	},
	AccountId, Balance, Balances, Runtime, RuntimeOrigin, System, Vesting, SPR,
};

fn founders() -> Vec<AccountId> {
	pallet_vesting::Vesting::<Runtime>::iter_keys().collect()
}

fn locked(who: &AccountId) -> Balance {
	<Vesting as VestingSchedule<AccountId>>::vesting_balance(who).unwrap_or(0)
}

#[test]
fn founders_hold_the_whole_allocation_locked_at_genesis() {
	common::genesis_of(MAINNET_TEMPLATE_PRESET).execute_with(|| {
		let founders = founders();
		assert_eq!(founders.len(), 4);
		let total: Balance = founders.iter().map(Balances::balance).sum();
		assert_eq!(total, FOUNDERS_ALLOCATION);
		for f in &founders {
			assert_eq!(locked(f), Balances::balance(f));
		}
	});
}

#[test]
fn founders_vesting_unlocks_nothing_before_the_cliff() {
	common::genesis_of(MAINNET_TEMPLATE_PRESET).execute_with(|| {
		let founder = founders()[0].clone();
		let all = Balances::balance(&founder);
		for block in [0, 1, FOUNDER_CLIFF / 2, FOUNDER_CLIFF - 1, FOUNDER_CLIFF] {
			System::set_block_number(block);
			assert_eq!(locked(&founder), all, "block {block}");
		}
		// Not even one SPR moves before the cliff, vested or not.
		System::set_block_number(FOUNDER_CLIFF - 1);
		let _ = Vesting::vest(RuntimeOrigin::signed(founder.clone()));
		let bob = Sr25519Keyring::Bob.to_account_id();
		assert!(Balances::transfer_allow_death(
			RuntimeOrigin::signed(founder.clone()),
			bob.into(),
			SPR
		)
		.is_err());
		assert_eq!(Balances::balance(&founder), all);
	});
}

#[test]
fn founders_vesting_unlocks_linearly_after_the_cliff() {
	common::genesis_of(MAINNET_TEMPLATE_PRESET).execute_with(|| {
		let founder = founders()[0].clone();
		let all = Balances::balance(&founder);
		let per_block = all / Balance::from(FOUNDER_VESTING_LENGTH);
		for quarter in 1..=3u32 {
			let elapsed = FOUNDER_VESTING_LENGTH / 4 * quarter;
			System::set_block_number(FOUNDER_CLIFF + elapsed);
			assert_eq!(
				locked(&founder),
				all - per_block * Balance::from(elapsed),
				"quarter {quarter}"
			);
		}
		// Fully unlocked one block after the schedule ends (the division remainder goes last).
		System::set_block_number(FOUNDER_CLIFF + FOUNDER_VESTING_LENGTH + 1);
		assert_eq!(locked(&founder), 0);
	});
}

#[test]
fn a_founder_can_spend_what_has_vested_and_no_more() {
	common::genesis_of(MAINNET_TEMPLATE_PRESET).execute_with(|| {
		let founder = founders()[0].clone();
		let bob: AccountId = Sr25519Keyring::Bob.to_account_id();
		System::set_block_number(FOUNDER_CLIFF + FOUNDER_VESTING_LENGTH / 2);
		Vesting::vest(RuntimeOrigin::signed(founder.clone())).expect("vest succeeds");
		let unlocked = Balances::balance(&founder) - locked(&founder);
		assert!(unlocked > FOUNDERS_ALLOCATION / 4 / 2 - SPR, "about half unlocked: {unlocked}");
		let too_much = unlocked + SPR;
		assert!(Balances::transfer_allow_death(
			RuntimeOrigin::signed(founder.clone()),
			bob.clone().into(),
			too_much
		)
		.is_err());
		Balances::transfer_allow_death(
			RuntimeOrigin::signed(founder),
			bob.clone().into(),
			unlocked - SPR,
		)
		.expect("the vested part is spendable");
		assert_eq!(Balances::balance(&bob), unlocked - SPR);
	});
}

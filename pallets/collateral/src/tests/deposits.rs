//! Deposits, the host bond, unbonding and withdrawal.

use polkadot_sdk::{
	frame_support::{
		assert_noop, assert_ok,
		traits::fungible::{Inspect, InspectHold},
	},
	sp_runtime::DispatchError,
};
use sprint_primitives::HostBond;

use crate::{mock::*, Collaterals, Error, Event, HoldReason};

#[test]
fn a_deposit_is_held_from_the_free_balance() {
	ExtBuilder::default().with_balance(HOST, 500 * SPR).build().execute_with(|| {
		assert_ok!(Collateral::deposit(RuntimeOrigin::signed(HOST), 300 * SPR));
		assert_eq!(Balances::balance(&HOST), 200 * SPR);
		assert_eq!(Balances::balance_on_hold(&HoldReason::Collateral.into(), &HOST), 300 * SPR);
		assert_eq!(Collaterals::<Test>::get(HOST).map(|l| l.active), Some(300 * SPR));
		assert!(collateral_events().contains(&Event::Deposited { who: HOST, amount: 300 * SPR }));
	});
}

#[test]
fn a_deposit_above_the_free_balance_is_refused_and_holds_nothing() {
	ExtBuilder::default().with_balance(HOST, 500 * SPR).build().execute_with(|| {
		assert_noop!(
			Collateral::deposit(RuntimeOrigin::signed(HOST), 501 * SPR),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(
			Collateral::deposit(RuntimeOrigin::signed(HOST), 0),
			Error::<Test>::ZeroAmount
		);
		assert_noop!(Collateral::deposit(RuntimeOrigin::none(), SPR), DispatchError::BadOrigin);
	});
}

#[test]
fn registration_holds_the_host_bond_which_cannot_be_unbonded_directly() {
	ExtBuilder::default().with_balance(HOST, 1_500 * SPR).build().execute_with(|| {
		assert_ok!(<Collateral as HostBond<_>>::bond_host(&HOST));
		assert_eq!(Collateral::held(&HOST), 1_000 * SPR);
		// A bond already held (a genesis validator's) backs a registration as it is.
		assert_ok!(<Collateral as HostBond<_>>::bond_host(&HOST));
		assert_eq!(Collateral::held(&HOST), 1_000 * SPR);
		assert!(<Collateral as HostBond<_>>::has_bond(&HOST));
		assert_ok!(Collateral::deposit(RuntimeOrigin::signed(HOST), 100 * SPR));
		assert_noop!(
			Collateral::request_unbond(RuntimeOrigin::signed(HOST), 101 * SPR),
			Error::<Test>::InsufficientCollateral
		);
		assert_ok!(Collateral::request_unbond(RuntimeOrigin::signed(HOST), 100 * SPR));
	});
}

#[test]
fn a_host_without_the_bond_cannot_register() {
	ExtBuilder::default().with_balance(HOST, 999 * SPR).build().execute_with(|| {
		assert_noop!(
			<Collateral as HostBond<_>>::bond_host(&HOST),
			Error::<Test>::InsufficientBalance
		);
	});
}

#[test]
fn unbonded_collateral_is_withdrawable_after_the_unbonding_period_only() {
	ExtBuilder::default().with_balance(HOST, 500 * SPR).build().execute_with(|| {
		assert_ok!(Collateral::deposit(RuntimeOrigin::signed(HOST), 300 * SPR));
		assert_ok!(Collateral::request_unbond(RuntimeOrigin::signed(HOST), 100 * SPR));
		assert!(collateral_events().contains(&Event::UnbondRequested {
			who: HOST,
			amount: 100 * SPR,
			unlock_epoch: 2
		}));
		// Unbonding stops backing weight at once, but stays held until it unlocks.
		assert_eq!(Collateral::collateral_beyond_bond(&HOST), 200 * SPR);
		assert_eq!(Collateral::held(&HOST), 300 * SPR);
		assert_noop!(
			Collateral::withdraw_unbonded(RuntimeOrigin::signed(HOST)),
			Error::<Test>::NothingToWithdraw
		);
		set_epoch(1);
		assert_noop!(
			Collateral::withdraw_unbonded(RuntimeOrigin::signed(HOST)),
			Error::<Test>::NothingToWithdraw
		);
		set_epoch(2);
		assert_ok!(Collateral::withdraw_unbonded(RuntimeOrigin::signed(HOST)));
		assert_eq!(Balances::balance(&HOST), 300 * SPR);
		assert_eq!(Collateral::held(&HOST), 200 * SPR);
	});
}

#[test]
fn deregistration_unbonds_the_host_bond() {
	ExtBuilder::default().with_balance(HOST, 1_000 * SPR + ED).build().execute_with(|| {
		assert_ok!(<Collateral as HostBond<_>>::bond_host(&HOST));
		assert_ok!(<Collateral as HostBond<_>>::unbond_host(&HOST));
		assert_noop!(<Collateral as HostBond<_>>::unbond_host(&HOST), Error::<Test>::NotBonded);
		assert!(!<Collateral as HostBond<_>>::has_bond(&HOST), "unbonding is no stake for a seat");
		set_epoch(2);
		assert_ok!(Collateral::withdraw_unbonded(RuntimeOrigin::signed(HOST)));
		assert_eq!(Balances::balance(&HOST), 1_000 * SPR + ED);
		assert!(Collaterals::<Test>::get(HOST).is_none());
	});
}

#[test]
fn too_many_unbonding_requests_in_flight_are_refused() {
	ExtBuilder::default()
		.with_balance(HOST, 100 * SPR)
		.with_params(|p| p.unbonding_epochs = crate::MAX_UNBONDING_EPOCHS)
		.build()
		.execute_with(|| {
			assert_ok!(Collateral::deposit(RuntimeOrigin::signed(HOST), 50 * SPR));
			for epoch in 0..16 {
				set_epoch(epoch);
				assert_ok!(Collateral::request_unbond(RuntimeOrigin::signed(HOST), SPR));
				// A second request in the same epoch merges.
				assert_ok!(Collateral::request_unbond(RuntimeOrigin::signed(HOST), SPR));
			}
			set_epoch(16);
			assert_noop!(
				Collateral::request_unbond(RuntimeOrigin::signed(HOST), SPR),
				Error::<Test>::TooManyUnbondingChunks
			);
		});
}

#[test]
fn collateral_stays_slashable_until_the_tally_of_an_epoch_with_a_seat_has_ended() {
	ExtBuilder::default().with_balance(HOST, 1_000 * SPR + ED).build().execute_with(|| {
		assert_ok!(<Collateral as HostBond<_>>::bond_host(&HOST));
		// Seated in epochs 3 and 1 (the later one counts), then deregistered in epoch 0.
		<Collateral as HostBond<_>>::keep_slashable(&HOST, 3);
		<Collateral as HostBond<_>>::keep_slashable(&HOST, 1);
		assert_eq!(crate::SlashableUntil::<Test>::get(HOST), Some(3));
		assert_ok!(<Collateral as HostBond<_>>::unbond_host(&HOST));
		set_epoch(3);
		assert_noop!(
			Collateral::withdraw_unbonded(RuntimeOrigin::signed(HOST)),
			Error::<Test>::SeatTallyPending
		);
		set_epoch(4);
		assert_ok!(Collateral::withdraw_unbonded(RuntimeOrigin::signed(HOST)));
		assert_eq!(Balances::balance(&HOST), 1_000 * SPR + ED);
		assert_eq!(crate::SlashableUntil::<Test>::get(HOST), None);
	});
}

#[test]
fn genesis_host_bonds_are_held_from_genesis() {
	let mut ext = ExtBuilder::default().with_balance(HOST, 1_500 * SPR).build_with_bonds(&[HOST]);
	ext.execute_with(|| {
		assert_eq!(Collateral::held(&HOST), 1_000 * SPR);
		assert!(<Collateral as HostBond<_>>::has_bond(&HOST));
		assert_eq!(Balances::balance(&HOST), 500 * SPR, "the rest stays liquid for fees");
	});
}

/// SPEC rev 4, attack 13: an executor is slashable from its first acceptance. While it declares
/// an inference service (pallet-inference says it is on duty) no withdrawal completes: every
/// ticket it accepts may still end in a downtime or fraud slash.
#[test]
fn collateral_on_duty_stays_until_the_duty_ends() {
	ExtBuilder::default().with_balance(HOST, 500 * SPR).build().execute_with(|| {
		assert_ok!(Collateral::deposit(RuntimeOrigin::signed(HOST), 300 * SPR));
		assert_ok!(Collateral::request_unbond(RuntimeOrigin::signed(HOST), 100 * SPR));
		set_epoch(2);
		set_on_duty(HOST, true);
		assert_noop!(
			Collateral::withdraw_unbonded(RuntimeOrigin::signed(HOST)),
			Error::<Test>::OnDuty
		);
		set_on_duty(HOST, false);
		assert_ok!(Collateral::withdraw_unbonded(RuntimeOrigin::signed(HOST)));
	});
}

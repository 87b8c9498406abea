//! Slashes: the fraction per offence, the confirmers' share, the fund, jail, never twice.

use polkadot_sdk::frame_support::{assert_ok, traits::fungible::Inspect};
use sprint_primitives::{OffenceKind, Slasher};

use crate::{mock::*, Event};

fn host_with_collateral(amount: u128) -> polkadot_sdk::sp_io::TestExternalities {
	let mut ext = ExtBuilder::default().with_balance(HOST, amount + ED).build();
	ext.execute_with(|| {
		assert_ok!(Collateral::deposit(RuntimeOrigin::signed(HOST), amount));
	});
	ext
}

#[test]
fn fraud_confirmed_by_seats_slashes_20_percent_and_pays_them_10_percent_of_it() {
	host_with_collateral(1_000 * SPR).execute_with(|| {
		let fund_before = Balances::balance(&FUND);
		let slashed = <Collateral as Slasher<_>>::slash(&HOST, OffenceKind::PocFraud, 3, &[V1, V2]);
		assert_eq!(slashed, 200 * SPR);
		assert_eq!(Collateral::held(&HOST), 800 * SPR);
		assert_eq!(Balances::balance(&V1), 10 * SPR);
		assert_eq!(Balances::balance(&V2), 10 * SPR);
		assert_eq!(Balances::balance(&FUND) - fund_before, 180 * SPR);
		assert!(collateral_events().contains(&Event::Slashed {
			who: HOST,
			kind: OffenceKind::PocFraud,
			epoch: 3,
			amount: 200 * SPR,
			bounty: 20 * SPR,
			unvested: 0
		}));
	});
}

#[test]
fn the_same_offence_is_never_slashed_twice() {
	host_with_collateral(1_000 * SPR).execute_with(|| {
		assert_eq!(
			<Collateral as Slasher<_>>::slash(&HOST, OffenceKind::PocFraud, 3, &[V1]),
			200 * SPR
		);
		assert_eq!(<Collateral as Slasher<_>>::slash(&HOST, OffenceKind::PocFraud, 3, &[V1]), 0);
		assert_eq!(Collateral::held(&HOST), 800 * SPR);
		// A different offence (another epoch, another kind) is slashed on its own.
		assert_eq!(
			<Collateral as Slasher<_>>::slash(&HOST, OffenceKind::Downtime, 3, &[]),
			80 * SPR
		);
		assert_eq!(
			<Collateral as Slasher<_>>::slash(&HOST, OffenceKind::PocFraud, 4, &[]),
			144 * SPR
		);
	});
}

#[test]
fn downtime_slashes_10_percent_with_no_bounty() {
	host_with_collateral(1_000 * SPR).execute_with(|| {
		let fund_before = Balances::balance(&FUND);
		assert_eq!(
			<Collateral as Slasher<_>>::slash(&HOST, OffenceKind::Downtime, 0, &[]),
			100 * SPR
		);
		assert_eq!(Balances::balance(&FUND) - fund_before, 100 * SPR);
	});
}

#[test]
fn a_lazy_valid_costs_10_percent_of_the_seats_collateral() {
	host_with_collateral(500 * SPR).execute_with(|| {
		assert_eq!(
			<Collateral as Slasher<_>>::slash(&HOST, OffenceKind::LazyValidation, 0, &[]),
			50 * SPR
		);
	});
}

#[test]
fn a_fraud_jails_for_one_epoch() {
	host_with_collateral(1_000 * SPR).execute_with(|| {
		set_epoch(5);
		assert!(!<Collateral as Slasher<_>>::is_jailed(&HOST));
		<Collateral as Slasher<_>>::slash(&HOST, OffenceKind::PocFraud, 4, &[]);
		assert!(<Collateral as Slasher<_>>::is_jailed(&HOST));
		set_epoch(6);
		assert!(<Collateral as Slasher<_>>::is_jailed(&HOST));
		set_epoch(7);
		assert!(!<Collateral as Slasher<_>>::is_jailed(&HOST));
	});
}

#[test]
fn unbonding_collateral_is_still_slashable() {
	host_with_collateral(1_000 * SPR).execute_with(|| {
		assert_ok!(Collateral::request_unbond(RuntimeOrigin::signed(HOST), 1_000 * SPR));
		assert_eq!(
			<Collateral as Slasher<_>>::slash(&HOST, OffenceKind::PocFraud, 0, &[]),
			200 * SPR
		);
		set_epoch(2);
		assert_ok!(Collateral::withdraw_unbonded(RuntimeOrigin::signed(HOST)));
		assert_eq!(Balances::balance(&HOST), 800 * SPR + ED);
	});
}

#[test]
fn an_honest_host_is_never_slashed_by_deposits_and_withdrawals() {
	host_with_collateral(1_000 * SPR).execute_with(|| {
		assert_ok!(Collateral::request_unbond(RuntimeOrigin::signed(HOST), 400 * SPR));
		set_epoch(2);
		assert_ok!(Collateral::withdraw_unbonded(RuntimeOrigin::signed(HOST)));
		assert_eq!(Balances::balance(&HOST) + Collateral::held(&HOST), 1_000 * SPR + ED);
		assert!(!collateral_events().iter().any(|e| matches!(e, Event::Slashed { .. })));
	});
}

#[test]
fn seat_penalties_and_downtime_cost_their_share_and_never_jail() {
	host_with_collateral(1_000 * SPR).execute_with(|| {
		for (kind, amount) in [
			(OffenceKind::SilentSeat, 10 * SPR),
			(OffenceKind::RefutedClaim, 49_500_000_000),
			(OffenceKind::LazyValidation, 94_050_000_000),
			(OffenceKind::Downtime, 84_645_000_000),
		] {
			assert_eq!(<Collateral as Slasher<_>>::slash(&HOST, kind, 0, &[]), amount, "{kind:?}");
			assert!(!<Collateral as Slasher<_>>::is_jailed(&HOST), "{kind:?} does not jail");
		}
		assert!(!collateral_events().iter().any(|e| matches!(e, Event::Jailed { .. })));
		// Each kind at most once per account and epoch.
		assert_eq!(<Collateral as Slasher<_>>::slash(&HOST, OffenceKind::SilentSeat, 0, &[]), 0);
	});
}

//! Slashes: the fraction per offence, the confirmers' share, the fund, jail, never twice.

use polkadot_sdk::frame_support::{assert_ok, traits::fungible::Inspect};
use sprint_primitives::{OffenceKind, Slasher};

use crate::{mock::*, CollateralParams, Event, OffenceInstances, Params};

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

/// Revision 4, attack 12: a missed audit charged once per epoch and kind meant one report
/// licensed skipping every other audit that epoch. Missed audits and silent jurors are charged
/// per instance — 0.1% of the collateral each — until they total 10% in the epoch.
#[test]
fn each_missed_audit_costs_a_tenth_of_a_percent_up_to_ten_percent_an_epoch() {
	host_with_collateral(1_000 * SPR).execute_with(|| {
		let slash = |kind| <Collateral as Slasher<_>>::slash(&HOST, kind, 0, &[]);
		assert_eq!(slash(OffenceKind::MissedAudit), SPR, "0.1% of 1,000 SPR");
		assert_eq!(slash(OffenceKind::MissedAudit), 999_000_000, "again: 0.1% of what is left");
		assert_eq!(slash(OffenceKind::SilentJuror), 998_001_000, "the jurors' count is the same");
		for _ in 3..100 {
			assert!(slash(OffenceKind::MissedAudit) > 0);
		}
		// 100 instances: the 10% cap is reached, whatever the kind.
		assert_eq!(slash(OffenceKind::MissedAudit), 0);
		assert_eq!(slash(OffenceKind::SilentJuror), 0);
		assert_eq!(OffenceInstances::<Test>::get(0, HOST), 100);
		assert!(!<Collateral as Slasher<_>>::is_jailed(&HOST));
		// A new epoch, a new count.
		assert!(<Collateral as Slasher<_>>::slash(&HOST, OffenceKind::MissedAudit, 1, &[]) > 0);
	});
}

/// The upgrade to storage version 1 completes parameters stored before the per-instance
/// slashes with their defaults, once.
#[test]
fn parameters_of_storage_version_0_gain_the_per_instance_slashes() {
	use codec::Encode;
	use polkadot_sdk::frame_support::traits::{GetStorageVersion, Hooks, StorageVersion};
	host_with_collateral(1_000 * SPR).execute_with(|| {
		let d = CollateralParams::gonka_defaults();
		let v0 = crate::types::CollateralParamsV0 {
			min_host_bond: 5 * SPR,
			unbonding_epochs: 3,
			jail_epochs: 2,
			fraud_slash: d.fraud_slash,
			downtime_slash: d.downtime_slash,
			lazy_validation_slash: d.lazy_validation_slash,
			silent_seat_slash: d.silent_seat_slash,
			refuted_claim_slash: d.refuted_claim_slash,
			confirmers_share: d.confirmers_share,
			base_weight_ratio: d.base_weight_ratio,
			collateral_per_weight_unit: d.collateral_per_weight_unit,
			grace_epochs: d.grace_epochs,
		};
		polkadot_sdk::frame_support::storage::unhashed::put_raw(
			&Params::<Test>::hashed_key(),
			&v0.encode(),
		);
		StorageVersion::new(0).put::<Collateral>();
		Collateral::on_runtime_upgrade();
		let params = Params::<Test>::get().expect("translated");
		assert_eq!(
			(params.min_host_bond, params.unbonding_epochs, params.jail_epochs),
			(5 * SPR, 3, 2)
		);
		assert_eq!(params.instance_slash, d.instance_slash);
		assert_eq!(params.instance_slash_cap, d.instance_slash_cap);
		assert_eq!(Collateral::on_chain_storage_version(), crate::migrations::STORAGE_VERSION);
	});
}

//! Pruning: expired jails and offence records older than the record horizon go, in bounded
//! steps, and a pruned offence can never be slashed again.

use polkadot_sdk::frame_support::assert_ok;
use sprint_primitives::{OffenceKind, Slasher};

use crate::{
	mock::*, JailReleases, JailedUntil, NextOffencePrune, SlashedOffences, OFFENCE_RECORD_EPOCHS,
	PRUNE_PER_BLOCK,
};

fn slash(who: AccountId, kind: OffenceKind, epoch: u32) -> u128 {
	<Collateral as Slasher<_>>::slash(&who, kind, epoch, &[])
}

fn jailed(who: AccountId) -> bool {
	<Collateral as Slasher<_>>::is_jailed(&who)
}

#[test]
fn an_expired_jail_is_pruned_at_its_release_epoch_and_an_extended_one_at_the_later() {
	let mut ext =
		ExtBuilder::default().with_balance(HOST, 2_000 * SPR).with_balance(V1, 2_000 * SPR).build();
	ext.execute_with(|| {
		assert_ok!(Collateral::deposit(RuntimeOrigin::signed(HOST), 1_000 * SPR));
		assert_ok!(Collateral::deposit(RuntimeOrigin::signed(V1), 1_000 * SPR));
		set_epoch(3);
		slash(HOST, OffenceKind::PocFraud, 3);
		slash(V1, OffenceKind::PocFraud, 3);
		// V1 offends again in epoch 4: its jail runs until the later release.
		set_epoch(4);
		slash(V1, OffenceKind::PocFraud, 4);
		assert_eq!(JailedUntil::<Test>::get(HOST), Some(5));
		assert_eq!(JailedUntil::<Test>::get(V1), Some(6));

		Collateral::prune_step();
		assert!(jailed(HOST), "still jailed in epoch 4: nothing to prune");
		assert_eq!(JailedUntil::<Test>::get(HOST), Some(5));

		set_epoch(5);
		assert!(!jailed(HOST));
		Collateral::prune_step();
		assert_eq!(JailedUntil::<Test>::get(HOST), None, "free from epoch 5: pruned");
		assert_eq!(JailedUntil::<Test>::get(V1), Some(6), "the extended jail stays");
		assert!(jailed(V1));

		set_epoch(6);
		Collateral::prune_step();
		assert_eq!(JailedUntil::<Test>::get(V1), None);
		assert_eq!(JailReleases::<Test>::iter().count(), 0);
	});
}

#[test]
fn offence_records_are_pruned_after_the_horizon_and_the_offence_is_never_slashed_again() {
	let mut ext = ExtBuilder::default().with_balance(HOST, 2_000 * SPR).build();
	ext.execute_with(|| {
		assert_ok!(Collateral::deposit(RuntimeOrigin::signed(HOST), 1_000 * SPR));
		assert!(slash(HOST, OffenceKind::SilentSeat, 0) > 0);
		assert_eq!(slash(HOST, OffenceKind::SilentSeat, 0), 0, "never twice");

		set_epoch(OFFENCE_RECORD_EPOCHS - 1);
		Collateral::prune_step();
		assert!(SlashedOffences::<Test>::get(0, (HOST, OffenceKind::SilentSeat)).is_some());
		assert_eq!(slash(HOST, OffenceKind::SilentSeat, 0), 0, "the record still refuses it");

		set_epoch(OFFENCE_RECORD_EPOCHS);
		let held = Collateral::held(&HOST);
		assert_eq!(slash(HOST, OffenceKind::LazyValidation, 0), 0, "past the horizon: no slash");
		Collateral::prune_step();
		assert_eq!(SlashedOffences::<Test>::iter_prefix(0).count(), 0, "epoch 0's records pruned");
		assert_eq!(NextOffencePrune::<Test>::get(), 1);
		assert_eq!(slash(HOST, OffenceKind::SilentSeat, 0), 0, "and still never twice");
		assert_eq!(Collateral::held(&HOST), held);
	});
}

#[test]
fn pruning_offence_records_takes_bounded_steps() {
	let offenders = u64::from(PRUNE_PER_BLOCK) + 100;
	let mut ext = ExtBuilder::default().build();
	let mut step = |f: &mut dyn FnMut()| {
		ext.execute_with(&mut *f);
		ext.commit_all().expect("commits");
	};
	step(&mut || {
		for who in 0..offenders {
			SlashedOffences::<Test>::insert(0, (1_000 + who, OffenceKind::SilentSeat), 1);
		}
		set_epoch(OFFENCE_RECORD_EPOCHS);
	});
	step(&mut || {
		Collateral::prune_step();
	});
	step(&mut || {
		assert_eq!(SlashedOffences::<Test>::iter_prefix(0).count(), 100, "500 per block");
		assert_eq!(NextOffencePrune::<Test>::get(), 0, "not done: resumed next block");
		Collateral::prune_step();
	});
	step(&mut || {
		assert_eq!(SlashedOffences::<Test>::iter_prefix(0).count(), 0);
		assert_eq!(NextOffencePrune::<Test>::get(), 1);
	});
}

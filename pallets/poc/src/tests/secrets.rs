//! Validators' secrets (docs/protocol.md §4): committed two epochs ahead by bonded hosts (epochs 0
//! and 1 in genesis), revealed in their epoch's validation window — with the first verdict chunk,
//! or alone with `reveal_secret` — and a committed secret never revealed is a silent seat.

use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok, dispatch::Pays},
	sp_core::H256,
};

use super::{held, jailed, scenario, submit, BOND, VALIDATORS};
use crate::{
	mock::*, Error, Event, ForfeitReason, Forfeited, Phase, RevealDigest, RevealedSecrets,
	SecretCommitments, SecretCommitterCount,
};

const SECRET_HASH: H256 = H256::repeat_byte(0x55);

#[test]
fn genesis_validators_have_epoch_zero_and_one_commitments() {
	ExtBuilder::default().build().execute_with(|| {
		for epoch in [0, 1] {
			assert_eq!(
				SecretCommitments::<Test>::get(epoch, VALIDATOR),
				Some(commitment_of(secret_of(VALIDATOR, epoch)))
			);
			assert_eq!(SecretCommitterCount::<Test>::get(epoch), 1);
		}
		assert_eq!(SecretCommitments::<Test>::get(2, VALIDATOR), None);
		assert_eq!(crate::GenesisValidators::<Test>::get().into_inner(), vec![VALIDATOR]);
	});
}

#[test]
fn a_secret_is_committed_exactly_two_epochs_ahead() {
	ExtBuilder::default().build().execute_with(|| {
		Sprint::new(HOST, 4).register();
		for epoch in [0, 1, 3] {
			assert_noop!(
				Poc::commit_secret(RuntimeOrigin::signed(HOST), epoch, SECRET_HASH),
				Error::<Test>::SecretCommitmentOutOfTime
			);
		}
		assert_ok!(Poc::commit_secret(RuntimeOrigin::signed(HOST), 2, SECRET_HASH));
		assert_noop!(
			Poc::commit_secret(RuntimeOrigin::signed(HOST), 2, SECRET_HASH),
			Error::<Test>::SecretAlreadyCommitted
		);
		// Late in epoch 0 (its tally) it is still epoch 2's turn, never epoch 1's.
		run_to_phase(Phase::Tally);
		assert_noop!(
			Poc::commit_secret(RuntimeOrigin::signed(VALIDATOR), 1, SECRET_HASH),
			Error::<Test>::SecretCommitmentOutOfTime
		);
		assert_ok!(Poc::commit_secret(RuntimeOrigin::signed(VALIDATOR), 2, SECRET_HASH));
		assert_eq!(SecretCommitterCount::<Test>::get(2), 2);
	});
}

#[test]
fn only_an_account_with_its_host_bond_held_commits_a_secret() {
	ExtBuilder::default().build().execute_with(|| {
		assert_noop!(
			Poc::commit_secret(RuntimeOrigin::signed(HOST), 2, SECRET_HASH),
			Error::<Test>::NotBonded
		);
		Sprint::new(HOST, 4).register();
		// A registration whose bond is gone (as if slashed to nothing): nothing at stake.
		pallet_collateral::Collaterals::<Test>::mutate(HOST, |l| {
			if let Some(l) = l.as_mut() {
				l.host_bond = 0;
			}
		});
		assert_noop!(
			Poc::commit_secret(RuntimeOrigin::signed(HOST), 2, SECRET_HASH),
			Error::<Test>::NotBonded
		);
		// A genesis validator is bonded from genesis; a host that deregistered is unbonding.
		assert_ok!(Poc::commit_secret(RuntimeOrigin::signed(VALIDATOR), 2, SECRET_HASH));
		let other = Sprint::new(10, 4);
		other.register();
		assert_ok!(Poc::deregister_host(RuntimeOrigin::signed(10)));
		assert_noop!(
			Poc::commit_secret(RuntimeOrigin::signed(10), 2, SECRET_HASH),
			Error::<Test>::NotBonded
		);
	});
}

#[test]
fn reveal_secret_reveals_once_in_the_validation_window() {
	scenario().execute_with(|| {
		let (v, secret) = (20, secret_of(20, 0));
		let reveal = |who: AccountId, epoch: u32, secret: H256| {
			Poc::reveal_secret(RuntimeOrigin::signed(who), epoch, secret)
		};
		assert_noop!(reveal(v, 0, secret), Error::<Test>::RevealOutsideWindow);
		run_to_phase(Phase::Commit);
		assert_noop!(reveal(v, 0, secret), Error::<Test>::RevealOutsideWindow);
		run_to_phase(Phase::Validation);
		assert_noop!(reveal(v, 1, secret_of(v, 1)), Error::<Test>::WrongEpoch);
		assert_noop!(reveal(v, 0, H256::repeat_byte(9)), Error::<Test>::SecretMismatch);
		assert_noop!(reveal(HOST, 0, secret), Error::<Test>::NoSecretCommitment);

		let paid = reveal(v, 0, secret).expect("reveals");
		assert_eq!(paid.pays_fee, Pays::No, "free when it records something new");
		assert_eq!(RevealedSecrets::<Test>::get(0, v), Some(secret));
		assert!(RevealDigest::<Test>::get(0).is_some(), "feeds the next seat draw");
		assert!(poc_events().contains(&Event::SecretRevealed { epoch: 0, validator: v }));
		assert_noop!(reveal(v, 0, secret), Error::<Test>::SecretAlreadyRevealed);

		run_to_phase(Phase::Answer);
		assert_noop!(reveal(21, 0, secret_of(21, 0)), Error::<Test>::RevealOutsideWindow);
	});
}

#[test]
fn a_committed_secret_never_revealed_is_a_silent_seat() {
	scenario().execute_with(|| {
		// No participant in epoch 2, so no seats: 20 reveals alone, 21 with a verdict chunk is
		// impossible (no seat), the others stay silent.
		super::to_epoch_two();
		run_to_phase(Phase::Validation);
		assert_ok!(Poc::reveal_secret(RuntimeOrigin::signed(20), 2, secret_of(20, 2)));
		assert_noop!(submit(2, 21, vec![(HOST, crate::Verdict::Valid)]), Error::<Test>::NotASeat);
		run_to_phase(Phase::Tally);
		run_to_epoch(3);

		assert_eq!(held(20), BOND, "revealed: nothing to answer for");
		assert_eq!(Forfeited::<Test>::get(2, 20), None);
		for v in [21, 22, 23, 24] {
			assert_eq!(Forfeited::<Test>::get(2, v), Some(ForfeitReason::SilentSeat));
			assert_eq!(held(v), BOND - BOND / 100, "{v}: the silent seat's 1%");
			assert!(!jailed(v));
		}
	});
}

#[test]
fn a_validator_that_reveals_with_its_verdicts_and_alone_pays_nothing() {
	scenario().execute_with(|| {
		let host = Sprint::new(HOST, 40);
		host.register();
		super::commit_all(0, &[&host]);
		super::all_valid(0, &[HOST], &[]);
		for v in VALIDATORS {
			if RevealedSecrets::<Test>::get(0, v).is_none() {
				assert_ok!(Poc::reveal_secret(RuntimeOrigin::signed(v), 0, secret_of(v, 0)));
			}
		}
		run_to_epoch(1);
		for v in VALIDATORS {
			assert_eq!(held(v), BOND, "{v}");
			assert_eq!(Forfeited::<Test>::get(0, v), None, "{v}");
		}
		assert_eq!(super::outcome_in(0, HOST), Some(crate::Outcome::Accepted));
	});
}

/// SPEC rev 4 (§4, genesis secrets): no genesis validator pays a silent seat for epochs 0 and
/// 1, whose secrets a spec commits before any worker can derive one; from epoch 2 on silence
/// costs as for everyone.
#[test]
fn a_genesis_validator_pays_no_silent_seat_for_epochs_zero_and_one() {
	scenario().execute_with(|| {
		let host = Sprint::new(HOST, 40);
		host.register();
		super::commit_all(0, &[&host]);
		// Nobody reveals, nobody sits: every genesis validator is silent in epoch 0.
		run_to_phase(Phase::Tally);
		super::commit_secrets(2, &VALIDATORS);
		run_to_epoch(2);
		for v in VALIDATORS {
			assert_eq!(Forfeited::<Test>::get(0, v), None, "{v}");
			assert_eq!(Forfeited::<Test>::get(1, v), None, "{v}");
			assert_eq!(held(v), BOND, "{v}");
		}
		// Epoch 2: a committed secret never revealed is a silent seat again.
		run_to_epoch(3);
		for v in VALIDATORS {
			assert_eq!(Forfeited::<Test>::get(2, v), Some(ForfeitReason::SilentSeat), "{v}");
			assert_eq!(held(v), BOND - BOND / 100, "{v}");
		}
	});
}

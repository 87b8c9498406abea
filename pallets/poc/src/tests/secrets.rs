//! Validators' secret commitments: published before the commit window of their epoch (SPEC.md §4).

use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sp_core::H256,
};

use crate::{mock::*, Error, Phase, SecretCommitments};

const SECRET_HASH: H256 = H256::repeat_byte(0x55);

#[test]
fn genesis_validators_have_epoch_zero_commitments() {
	ExtBuilder::default().build().execute_with(|| {
		assert_eq!(
			SecretCommitments::<Test>::get(0, VALIDATOR),
			Some(commitment_of(secret_of(VALIDATOR, 0)))
		);
		assert_eq!(crate::GenesisValidators::<Test>::get().into_inner(), vec![VALIDATOR]);
	});
}

#[test]
fn a_secret_for_the_next_epoch_or_before_this_commit_window_is_accepted() {
	ExtBuilder::default().build().execute_with(|| {
		assert_ok!(Poc::commit_secret(RuntimeOrigin::signed(HOST), 0, SECRET_HASH));
		assert_ok!(Poc::commit_secret(RuntimeOrigin::signed(HOST), 1, SECRET_HASH));
		assert_noop!(
			Poc::commit_secret(RuntimeOrigin::signed(HOST), 1, SECRET_HASH),
			Error::<Test>::SecretAlreadyCommitted
		);
	});
}

#[test]
fn a_secret_after_the_commit_window_opens_or_two_epochs_ahead_is_refused() {
	ExtBuilder::default().build().execute_with(|| {
		assert_noop!(
			Poc::commit_secret(RuntimeOrigin::signed(HOST), 2, SECRET_HASH),
			Error::<Test>::SecretCommitmentOutOfTime
		);
		run_to_phase(Phase::Commit);
		assert_noop!(
			Poc::commit_secret(RuntimeOrigin::signed(HOST), 0, SECRET_HASH),
			Error::<Test>::SecretCommitmentOutOfTime
		);
	});
}

//! `commit` (docs/protocol.md §4): only in the commit window, once, with 1 ≤ count ≤ max_count.

use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sp_core::H256,
};
use sprint_primitives::{OffenceKind, Slasher};

use crate::{mock::*, Commitment, CommitmentCount, Commitments, Error, Event, Phase};

const ROOT: H256 = H256::repeat_byte(0xab);

fn registered() -> polkadot_sdk::sp_io::TestExternalities {
	let mut ext = ExtBuilder::default().build();
	ext.execute_with(|| {
		assert_ok!(Poc::register_host(
			RuntimeOrigin::signed(HOST),
			[1; 32],
			PROOF_URL.to_vec(),
			vec![]
		));
	});
	ext
}

#[test]
fn a_commit_in_the_commit_window_is_recorded() {
	registered().execute_with(|| {
		run_to_phase(Phase::Commit);
		assert_ok!(Poc::commit(RuntimeOrigin::signed(HOST), 0, ROOT, 10));
		assert_eq!(
			Commitments::<Test>::get(0, HOST),
			Some(Commitment { root: ROOT, count: 10, proof_key: [1; 32] })
		);
		assert_eq!(CommitmentCount::<Test>::get(0), 1);
		assert!(poc_events().contains(&Event::Committed {
			epoch: 0,
			host: HOST,
			root: ROOT,
			count: 10
		}));
	});
}

#[test]
fn a_commit_outside_its_window_is_refused() {
	registered().execute_with(|| {
		assert_noop!(
			Poc::commit(RuntimeOrigin::signed(HOST), 0, ROOT, 10),
			Error::<Test>::CommitOutsideWindow
		);
		run_to_phase(Phase::Validation);
		assert_noop!(
			Poc::commit(RuntimeOrigin::signed(HOST), 0, ROOT, 10),
			Error::<Test>::CommitOutsideWindow
		);
	});
}

#[test]
fn a_commit_with_count_zero_or_above_max_count_is_refused() {
	registered().execute_with(|| {
		run_to_phase(Phase::Commit);
		assert_noop!(
			Poc::commit(RuntimeOrigin::signed(HOST), 0, ROOT, 0),
			Error::<Test>::CountZero
		);
		assert_noop!(
			Poc::commit(RuntimeOrigin::signed(HOST), 0, ROOT, 400_001),
			Error::<Test>::CountAboveMax
		);
		assert_ok!(Poc::commit(RuntimeOrigin::signed(HOST), 0, ROOT, 400_000));
	});
}

#[test]
fn a_commitment_cannot_be_replaced() {
	registered().execute_with(|| {
		run_to_phase(Phase::Commit);
		assert_ok!(Poc::commit(RuntimeOrigin::signed(HOST), 0, ROOT, 10));
		assert_noop!(
			Poc::commit(RuntimeOrigin::signed(HOST), 0, H256::zero(), 20),
			Error::<Test>::AlreadyCommitted
		);
	});
}

#[test]
fn only_registered_unjailed_hosts_commit_for_the_current_epoch() {
	registered().execute_with(|| {
		run_to_phase(Phase::Commit);
		assert_noop!(
			Poc::commit(RuntimeOrigin::signed(VALIDATOR), 0, ROOT, 10),
			Error::<Test>::NotRegistered
		);
		assert_noop!(
			Poc::commit(RuntimeOrigin::signed(HOST), 1, ROOT, 10),
			Error::<Test>::WrongEpoch
		);
		<Collateral as Slasher<_>>::slash(&HOST, OffenceKind::PocFraud, 0, &[]);
		assert_noop!(Poc::commit(RuntimeOrigin::signed(HOST), 0, ROOT, 10), Error::<Test>::Jailed);
	});
}

//! Full caps are shared by weight, never by arrival (docs/protocol.md §4 "Participants, bonds and
//! genesis secrets"; SPEC rev 4, attack 9): over `max_participants`, a commit with more leaves
//! than the smallest participant displaces it, and a secret commitment with a larger last
//! accepted weight displaces the smallest; a displacer whose epoch is not accepted pays the host
//! it displaced that host's expected reward from its own bond.

use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sp_core::H256,
};

use super::*;
use crate::{
	mock::*, AcceptedWeights, CommitmentCount, Commitments, Error, Event, LastAccepted, Outcome,
	Phase, SecretCommitments, SecretCommitterCount,
};

/// A chain whose caps hold `cap` participants and `cap` secret committers per epoch, with the
/// five genesis validators of [`scenario`].
fn capped(cap: u32) -> polkadot_sdk::sp_io::TestExternalities {
	ExtBuilder::default()
		.with_genesis_validators(&VALIDATORS)
		.with_params(|p| p.max_participants = cap)
		.build()
}

fn register(host: AccountId) {
	assert_ok!(Poc::register_host(
		RuntimeOrigin::signed(host),
		[host as u8; 32],
		PROOF_URL.to_vec(),
		vec![]
	));
}

fn commit(host: AccountId, count: u32) -> polkadot_sdk::sp_runtime::DispatchResult {
	Poc::commit(RuntimeOrigin::signed(host), 0, H256::repeat_byte(host as u8), count)
		.map(|_| ())
		.map_err(|e| e.error)
}

/// Hosts 10, 11 and 12 commit 10, 20 and 30 leaves in epoch 0 (a cap of two: 12 displaces 10),
/// then the chain runs into the validation window.
fn commit_three() {
	let sprints = [Sprint::new(10, 10), Sprint::new(11, 20), Sprint::new(12, 30)];
	for s in &sprints {
		s.register();
	}
	commit_all(0, &[&sprints[0], &sprints[1], &sprints[2]]);
}

fn participants(epoch: u32) -> Vec<AccountId> {
	let mut all: Vec<AccountId> = (0..CommitmentCount::<Test>::get(epoch))
		.filter_map(|i| crate::Participants::<Test>::get(epoch, i))
		.collect();
	all.sort();
	all
}

#[test]
fn one_leaf_sybils_filling_the_cap_cannot_crowd_out_a_real_host() {
	capped(4).execute_with(|| {
		for host in 10..=14 {
			register(host);
		}
		run_to_phase(Phase::Commit);
		for sybil in 10..=13 {
			assert_ok!(commit(sybil, 1));
		}
		// The real host's 100 leaves displace one of the one-leaf Sybils.
		assert_ok!(commit(14, 100));
		assert_eq!(CommitmentCount::<Test>::get(0), 4, "the cap still holds");
		let now = participants(0);
		assert!(now.contains(&14));
		let displaced: Vec<AccountId> = (10..=13).filter(|h| !now.contains(h)).collect();
		assert_eq!(displaced.len(), 1);
		assert_eq!(Commitments::<Test>::get(0, displaced[0]), None);
		assert!(poc_events().contains(&Event::ParticipantDisplaced {
			epoch: 0,
			displaced: displaced[0],
			by: 14,
			count: 1,
		}));
		assert_eq!(held(displaced[0]), BOND, "the displaced host's bond is untouched");
	});
}

#[test]
fn a_full_cap_displaces_always_its_smallest_participant_and_only_for_strictly_more_leaves() {
	capped(3).execute_with(|| {
		for host in 10..=15 {
			register(host);
		}
		run_to_phase(Phase::Commit);
		assert_ok!(commit(10, 50));
		assert_ok!(commit(11, 5));
		assert_ok!(commit(12, 70));
		// As many leaves as the smallest is not enough.
		assert_noop!(commit(13, 5), Error::<Test>::TooManyParticipants);
		assert_ok!(commit(13, 6));
		assert_eq!(participants(0), vec![10, 12, 13]);
		assert_ok!(commit(14, 60));
		assert_eq!(participants(0), vec![10, 12, 14], "13 (6 leaves) was the smallest");
		assert_ok!(commit(15, 55));
		assert_eq!(participants(0), vec![12, 14, 15], "then 10 (50 leaves)");
		// A displaced host may not commit again in the same epoch.
		assert_noop!(commit(11, 80), Error::<Test>::AlreadyCommitted);
	});
}

#[test]
fn a_displacer_whose_epoch_is_not_accepted_pays_the_displaced_host_its_expected_reward() {
	capped(2).execute_with(|| {
		commit_three();
		let free_before = Balances::free_balance(10);
		assert_eq!(Commitments::<Test>::get(0, 10), None, "12 displaced 10");
		// Nobody checks the epoch: 11 and 12 are rejected (not to blame, but not accepted).
		run_to_phase(Phase::Tally);
		run_to_epoch(1);
		assert_eq!(outcome_in(0, 12), Some(Outcome::Rejected));
		assert_ok!(Poc::compensate_displaced(RuntimeOrigin::signed(POOR), 0, 10));
		// W(0) = 20 + 30 (the rejected count); 10 would have weighed 10 of 60.
		let expected = R0 * 10 / 60;
		assert_eq!(Balances::free_balance(10), free_before + expected);
		assert_eq!(held(12), BOND - expected, "from the displacer's own bond");
		assert_eq!(held(10), BOND);
		assert!(poc_events().contains(&Event::DisplacementCompensated {
			epoch: 0,
			displaced: 10,
			by: 12,
			amount: expected,
		}));
		// Once.
		assert_noop!(
			Poc::compensate_displaced(RuntimeOrigin::signed(POOR), 0, 10),
			Error::<Test>::NothingToCompensate
		);
	});
}

#[test]
fn a_displacer_whose_epoch_is_accepted_owes_nothing() {
	capped(2).execute_with(|| {
		commit_three();
		all_valid(0, &[11, 12], &[]);
		run_to_phase(Phase::Tally);
		run_to_epoch(1);
		assert_eq!(outcome_in(0, 12), Some(Outcome::Accepted));
		assert_noop!(
			Poc::compensate_displaced(RuntimeOrigin::signed(10), 0, 10),
			Error::<Test>::NothingToCompensate
		);
		assert_eq!(held(12), BOND);
	});
}

#[test]
fn compensation_waits_for_the_tally_and_is_owed_only_to_displaced_hosts() {
	capped(2).execute_with(|| {
		commit_three();
		assert_noop!(
			Poc::compensate_displaced(RuntimeOrigin::signed(10), 0, 10),
			Error::<Test>::TallyNotEnded
		);
		run_to_epoch(1);
		assert_noop!(
			Poc::compensate_displaced(RuntimeOrigin::signed(11), 0, 11),
			Error::<Test>::NothingToCompensate
		);
	});
}

#[test]
fn a_larger_last_accepted_weight_displaces_the_smallest_secret_commitment() {
	capped(2).execute_with(|| {
		assert_ok!(Poc::commit_secret(RuntimeOrigin::signed(20), 2, H256::repeat_byte(20)));
		assert_ok!(Poc::commit_secret(RuntimeOrigin::signed(21), 2, H256::repeat_byte(21)));
		// Equal weight (none yet) never displaces: arrival decides nothing.
		assert_noop!(
			Poc::commit_secret(RuntimeOrigin::signed(22), 2, H256::repeat_byte(22)),
			Error::<Test>::TooManySecretCommitments
		);
		// 22 was accepted with weight 5 in the latest accepted epoch.
		AcceptedWeights::<Test>::insert(0, 22, 5);
		LastAccepted::<Test>::put(0);
		assert_ok!(Poc::commit_secret(RuntimeOrigin::signed(22), 2, H256::repeat_byte(22)));
		assert_eq!(SecretCommitterCount::<Test>::get(2), 2);
		assert!(SecretCommitments::<Test>::contains_key(2, 22));
		let kept = [20, 21].iter().filter(|v| SecretCommitments::<Test>::contains_key(2, **v));
		assert_eq!(kept.count(), 1, "one of the weightless commitments is displaced");
		assert!(poc_events()
			.iter()
			.any(|e| matches!(e, Event::SecretCommitmentDisplaced { epoch: 2, by: 22, .. })));
	});
}

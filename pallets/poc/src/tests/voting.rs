//! Voting power for governance (docs/protocol.md §8): the latest accepted epoch's weights, one
//! epoch for every voter and the total, the genesis validators before any, kept long enough.

use sprint_primitives::VotingPower;

use super::*;
use crate::{AcceptedPower, AcceptedWeights, LastAccepted, Phase, Seeds};

fn power(snapshot: Option<u32>, who: AccountId) -> u128 {
	<Poc as VotingPower<AccountId>>::power(snapshot, &who)
}

fn total(snapshot: Option<u32>) -> u128 {
	<Poc as VotingPower<AccountId>>::total(snapshot)
}

/// Four hosts accepted in epoch 0 with committed counts 10, 10, 10, 100 (the last capped at 32).
fn four_accepted() -> polkadot_sdk::sp_io::TestExternalities {
	let mut ext = scenario();
	ext.execute_with(|| {
		let sprints: Vec<Sprint> = [10, 10, 10, 100]
			.iter()
			.enumerate()
			.map(|(i, c)| Sprint::new(10 + i as u64, *c))
			.collect();
		sprints.iter().for_each(Sprint::register);
		commit_all(0, &sprints.iter().collect::<Vec<_>>());
		all_valid(0, &sprints.iter().map(|s| s.host).collect::<Vec<_>>(), &[]);
		run_to_phase(Phase::Tally);
		run_to_epoch(1);
	});
	ext
}

#[test]
fn before_any_epoch_accepts_anyone_each_genesis_validator_votes_with_power_one() {
	scenario().execute_with(|| {
		assert_eq!(<Poc as VotingPower<AccountId>>::snapshot(), None);
		assert_eq!(power(None, VALIDATORS[0]), 1);
		assert_eq!(power(None, HOST), 0, "a host with no accepted epoch has no power");
		assert_eq!(total(None), VALIDATORS.len() as u128);
	});
}

#[test]
fn the_snapshot_is_the_latest_epoch_that_accepted_anyone_and_its_capped_weights() {
	four_accepted().execute_with(|| {
		assert_eq!(<Poc as VotingPower<AccountId>>::snapshot(), Some(0));
		let powers: Vec<u128> = (10..14).map(|h| power(Some(0), h)).collect();
		assert_eq!(powers, vec![10, 10, 10, 32], "the capped weight, as rewards see it");
		assert_eq!(total(Some(0)), 62, "Σ accepted weight: support can never exceed 100%");
		assert_eq!(power(Some(0), VALIDATORS[0]), 0, "genesis stand-ins count no more");
		// Epoch 1 accepts nobody: referenda keep voting with epoch 0's weights.
		run_to_epoch(2);
		assert_eq!(LastAccepted::<Test>::get(), Some(0));
		assert_eq!(AcceptedPower::<Test>::get(1), None);
	});
}

#[test]
fn accepted_weights_outlive_the_rest_of_their_epoch_by_keep_weights_epochs() {
	four_accepted().execute_with(|| {
		run_to_epoch(3);
		run_to_block(System::block_number() + 1);
		assert!(Seeds::<Test>::get(0).is_none(), "the epoch's other state is pruned at e + 3");
		assert_eq!(power(Some(0), 13), 32, "its weights stay for governance");
		// KeepWeights is 8 in the mock: past epoch 9 they could go, but epoch 0 is still the
		// latest that accepted anyone — the snapshot a referendum takes now — so they stay.
		run_to_epoch(10);
		run_to_block(System::block_number() + 5);
		assert_eq!(total(Some(0)), 62);
		assert_eq!(crate::WeightsPruneNext::<Test>::get(), 0, "the cursor waits at the snapshot");
		// Once a later epoch accepts someone, epoch 0's weights go, and the cursor stops again
		// at the new snapshot.
		AcceptedWeights::<Test>::insert(1, 10, 5);
		AcceptedPower::<Test>::insert(1, 5);
		LastAccepted::<Test>::put(1);
		run_to_block(System::block_number() + 3);
		assert_eq!(AcceptedWeights::<Test>::iter_prefix(0).count(), 0);
		assert_eq!(total(Some(0)), 0);
		assert_eq!(power(Some(0), 13), 0, "a snapshot past its keep has no power left");
		assert_eq!(crate::WeightsPruneNext::<Test>::get(), 1);
		assert_eq!(total(Some(1)), 5);
	});
}

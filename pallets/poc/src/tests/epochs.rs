//! Epochs, phases and the sprint seed (docs/protocol.md §2).

use polkadot_sdk::{frame_support::traits::Get, frame_system, sp_core::H256};

use crate::{mock::*, phases, CurrentEpoch, EpochStart, Event, Phase, Seeds, Targets};

#[test]
fn epoch_zero_starts_at_the_first_block_with_its_parent_hash_as_seed() {
	ExtBuilder::default().build().execute_with(|| {
		assert_eq!(CurrentEpoch::<Test>::get(), 0);
		assert_eq!(EpochStart::<Test>::get(), Some(1));
		assert_eq!(Seeds::<Test>::get(0), Some(H256::from_low_u64_be(1_000)));
		assert_eq!(Targets::<Test>::get(0), Some(INITIAL_TARGET));
		assert!(poc_events().contains(&Event::EpochStarted {
			epoch: 0,
			block: 1,
			seed: H256::from_low_u64_be(1_000)
		}));
	});
}

#[test]
fn the_phases_follow_the_dev_windows_in_order() {
	ExtBuilder::default().build().execute_with(|| {
		let expected = [
			(1, Phase::Generation),
			(20, Phase::Generation),
			(21, Phase::Commit),
			(25, Phase::Commit),
			(26, Phase::Validation),
			(40, Phase::Validation),
			(41, Phase::Answer),
			(51, Phase::Check),
			(56, Phase::Tally),
			(60, Phase::Tally),
		];
		for (block, phase) in expected {
			run_to_block(block);
			assert_eq!(Poc::current_phase(), Some(phase), "block {block}");
			assert_eq!(CurrentEpoch::<Test>::get(), 0);
		}
		run_to_block(61);
		assert_eq!(CurrentEpoch::<Test>::get(), 1);
		assert_eq!(Poc::current_phase(), Some(Phase::Generation));
		assert_eq!(Seeds::<Test>::get(1), Some(H256::from_low_u64_be(1_060)));
		// The target carries over until the tally adjusts it.
		assert_eq!(Targets::<Test>::get(1), Some(INITIAL_TARGET));
	});
}

#[test]
fn the_seed_survives_more_than_block_hash_count_blocks() {
	ExtBuilder::default().build().execute_with(|| {
		let kept: u64 = <<Test as frame_system::Config>::BlockHashCount as Get<u64>>::get();
		run_to_block(61);
		let seed = Seeds::<Test>::get(1).expect("stored at epoch 1's first block");
		run_to_block(61 + kept + 5);
		assert_eq!(
			frame_system::Pallet::<Test>::block_hash(60),
			H256::zero(),
			"the chain forgot it"
		);
		assert_eq!(Seeds::<Test>::get(1), Some(seed));
	});
}

#[test]
fn per_epoch_storage_is_pruned_after_epoch_e_plus_2() {
	ExtBuilder::default().build().execute_with(|| {
		run_to_block(1 + 60 * 3 - 1);
		assert_eq!(CurrentEpoch::<Test>::get(), 2);
		assert!(Seeds::<Test>::get(0).is_some());
		run_to_block(1 + 60 * 3);
		assert_eq!(CurrentEpoch::<Test>::get(), 3);
		assert!(Seeds::<Test>::get(0).is_none());
		assert!(Seeds::<Test>::get(1).is_some());
	});
}

#[test]
fn an_epoch_another_pallet_still_reads_is_not_pruned_until_it_is_done() {
	ExtBuilder::default().build().execute_with(|| {
		reading_from(Some(0));
		run_to_block(1 + 60 * 5);
		assert_eq!(CurrentEpoch::<Test>::get(), 5);
		assert!(Seeds::<Test>::get(0).is_some(), "carbon still mints epoch 0's certificates");
		reading_from(Some(2));
		run_to_block(1 + 60 * 5 + 30);
		assert!(Seeds::<Test>::get(1).is_none(), "epochs 0 and 1 pruned once read");
		assert!(Seeds::<Test>::get(2).is_some());
		reading_from(None);
	});
}

#[test]
fn parameters_whose_windows_do_not_fit_the_epoch_are_rejected() {
	let mut p = dev_params();
	assert_eq!(phases::validate(&p), Ok(()));
	p.epoch_length = 55;
	assert!(phases::validate(&p).is_err(), "no block left for the tally");
	let mut p = dev_params();
	p.commit_window = 0;
	assert!(phases::validate(&p).is_err());
	let mut p = dev_params();
	p.model.n_heads = 3;
	assert!(phases::validate(&p).is_err());
}

#[test]
#[should_panic(expected = "invalid PoC parameters")]
fn genesis_rejects_a_spec_whose_phases_do_not_fit_in_epoch_length() {
	build_genesis_with(|p| p.epoch_length = 40);
}

/// Builds a genesis with the dev parameters as `edit` changes them (panics where genesis
/// refuses them).
fn build_genesis_with(edit: impl FnOnce(&mut crate::PocParams)) {
	use polkadot_sdk::sp_runtime::BuildStorage;
	let mut params = dev_params();
	edit(&mut params);
	let _ = RuntimeGenesisConfig {
		poc: crate::GenesisConfig {
			params,
			initial_target: INITIAL_TARGET,
			secret_commitments: vec![],
			genesis_voters: vec![],
		},
		..Default::default()
	}
	.build_storage();
}

#[test]
fn the_runtime_api_reports_where_the_sprint_stands() {
	ExtBuilder::default().build().execute_with(|| {
		run_to_block(22);
		let status = Poc::epoch_status().expect("an epoch is running");
		assert_eq!(status.epoch, 0);
		assert_eq!(status.phase, Phase::Commit);
		assert_eq!(status.epoch_start, 1);
		assert_eq!(status.seed, H256::from_low_u64_be(1_000));
		assert_eq!(status.target, INITIAL_TARGET);
		assert_eq!(status.params, dev_params());
	});
}

#[test]
fn pruning_many_hosts_takes_bounded_steps() {
	use crate::{Commitment, Commitments, PruneNext, SecretCommitments, PRUNE_PER_BLOCK};
	let hosts = u64::from(PRUNE_PER_BLOCK) * 2 + 100;
	let mut ext = ExtBuilder::default().build();
	// Deletion limits apply to committed state, as between real blocks: commit after each step.
	let mut step = |f: &mut dyn FnMut()| {
		ext.execute_with(&mut *f);
		ext.commit_all().expect("commits");
	};
	step(&mut || {
		for host in 0..hosts {
			Commitments::<Test>::insert(
				0,
				10_000 + host,
				Commitment { root: H256::zero(), count: 1, proof_key: [0; 32] },
			);
		}
	});
	// Epoch 3 starts and epoch 0 becomes prunable; each block from then deletes one step.
	step(&mut || run_to_block(1 + 60 * 3));
	step(&mut || {
		assert_eq!(PruneNext::<Test>::get(), 0, "epoch 0 is being pruned");
		let left = Commitments::<Test>::iter_prefix(0).count() as u64;
		assert_eq!(left, hosts - u64::from(PRUNE_PER_BLOCK), "one step per block");
	});
	step(&mut || run_to_block(2 + 60 * 3));
	step(&mut || {
		let left = Commitments::<Test>::iter_prefix(0).count() as u64;
		assert_eq!(left, hosts - 2 * u64::from(PRUNE_PER_BLOCK), "one step per block");
	});
	for block in 3..6 {
		step(&mut || run_to_block(block + 60 * 3));
	}
	step(&mut || {
		assert_eq!(Commitments::<Test>::iter_prefix(0).count(), 0);
		assert_eq!(SecretCommitments::<Test>::iter_prefix(0).count(), 0);
		assert_eq!(PruneNext::<Test>::get(), 1, "epoch 0 done; epoch 1 waits for epoch 4");
	});
}

#[test]
fn pruning_walks_epochs_in_order_and_never_abandons_one() {
	use crate::{
		Commitment, Commitments, CurrentEpoch, PruneNext, Seeds, Tallying, PRUNE_PER_BLOCK,
	};
	let per_epoch = u64::from(PRUNE_PER_BLOCK) + 200;
	let mut ext = ExtBuilder::default().build();
	let mut step = |f: &mut dyn FnMut()| {
		ext.execute_with(&mut *f);
		ext.commit_all().expect("commits");
	};
	step(&mut || {
		for epoch in 0..2u32 {
			for host in 0..per_epoch {
				Commitments::<Test>::insert(
					epoch,
					10_000 + host,
					Commitment { root: H256::zero(), count: 1, proof_key: [0; 32] },
				);
			}
			Seeds::<Test>::insert(epoch, H256::repeat_byte(1));
		}
		// Epochs 0 and 1 are both due at once (as after blocks whose budget went elsewhere).
		CurrentEpoch::<Test>::put(4);
	});
	// Each epoch also holds the genesis validator's secret commitment, committer entry and rank.
	let expected = [(500, 0), (203, 1), (500, 1), (203, 2), (0, 2)];
	for (deleted, next) in expected {
		step(&mut || {
			assert_eq!(Poc::prune_step(), deleted);
			assert_eq!(PruneNext::<Test>::get(), next, "epoch 0 finishes before epoch 1 starts");
		});
	}
	step(&mut || {
		assert_eq!(Commitments::<Test>::iter().count(), 0);
		assert_eq!(Seeds::<Test>::get(0), None, "single values go once the maps are empty");
		assert_eq!(Seeds::<Test>::get(1), None);
		// Epoch 2 becomes due at epoch 5, but not while its tally runs.
		CurrentEpoch::<Test>::put(5);
		Tallying::<Test>::put(2);
		assert_eq!(Poc::prunable(), None);
		Tallying::<Test>::kill();
		assert_eq!(Poc::prunable(), Some(2));
	});
}

#[test]
fn the_dev_parameters_leave_the_hooks_room_and_a_cap_too_large_for_the_epoch_is_refused() {
	let work = Poc::check_hook_work(&dev_params()).expect("the dev column fits");
	assert!(work.total_blocks <= 60 && work.tally_blocks <= work.tally_limit, "{work:?}");
	let mut p = dev_params();
	p.max_participants = 4_096;
	assert!(Poc::check_hook_work(&p).is_err(), "4,096 hosts do not fit a 60-block epoch");
	p.epoch_length = 14_400;
	p.answer_period = 200;
	p.validation_window = 50;
	assert!(Poc::check_hook_work(&p).is_ok(), "but fit the production windows");
}

#[test]
#[should_panic(expected = "would not fit one epoch")]
fn genesis_refuses_a_participant_cap_whose_hook_work_overruns_the_epoch() {
	build_genesis_with(|p| p.max_participants = 2_048);
}

#[test]
#[should_panic(expected = "the model shape is one the engine cannot run")]
fn genesis_refuses_a_model_shape_the_gpu_cannot_pack() {
	build_genesis_with(|p| p.model.n_heads = 32);
}

#[test]
fn governance_sets_the_parameters_of_the_next_epoch_not_the_running_one() {
	use crate::{EpochParams, Error, Params};
	use polkadot_sdk::frame_support::{assert_noop, assert_ok};
	ExtBuilder::default().build().execute_with(|| {
		run_to_block(5);
		let longer = crate::PocParams { epoch_length: 70, ..dev_params() };
		assert_noop!(
			Poc::set_params(RuntimeOrigin::signed(HOST), longer.clone()),
			polkadot_sdk::sp_runtime::DispatchError::BadOrigin
		);
		let short = crate::PocParams { epoch_length: 40, ..dev_params() };
		assert_noop!(Poc::set_params(RuntimeOrigin::root(), short), Error::<Test>::InvalidParams);
		let mut bad_shape = dev_params();
		bad_shape.model.n_heads = 3;
		assert_noop!(
			Poc::set_params(RuntimeOrigin::root(), bad_shape),
			Error::<Test>::InvalidParams
		);
		assert_ok!(Poc::set_params(RuntimeOrigin::root(), longer.clone()));
		System::assert_last_event(Event::ParamsSet { params: longer.clone() }.into());
		assert_eq!(Params::<Test>::get(), Some(longer));
		// Epoch 0 keeps its 60 blocks; epoch 1 runs 70.
		run_to_block(1 + 60);
		assert_eq!((CurrentEpoch::<Test>::get(), EpochStart::<Test>::get()), (1, Some(61)));
		assert_eq!(EpochParams::<Test>::get(0).map(|p| p.epoch_length), Some(60));
		assert_eq!(EpochParams::<Test>::get(1).map(|p| p.epoch_length), Some(70));
		run_to_block(61 + 69);
		assert_eq!(CurrentEpoch::<Test>::get(), 1);
		run_to_block(61 + 70);
		assert_eq!((CurrentEpoch::<Test>::get(), EpochStart::<Test>::get()), (2, Some(131)));
	});
}

/// Revision 4, attack 10: an `epoch_length` of u32::MAX was accepted: one vote could stop
/// every epoch (rewards, seats, the market's settlement windows) for ever.
#[test]
fn no_vote_sets_an_epoch_that_never_ends() {
	use crate::Error;
	use polkadot_sdk::frame_support::assert_noop;
	ExtBuilder::default().build().execute_with(|| {
		let endless = crate::PocParams { epoch_length: u32::MAX, ..dev_params() };
		assert_noop!(Poc::set_params(RuntimeOrigin::root(), endless), Error::<Test>::InvalidParams);
	});
}

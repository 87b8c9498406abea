//! The seat draw (docs/protocol.md §4, seats and samples): when, from whom, stored both ways, in
//! bounded steps.

use super::*;
use crate::{mock::*, AcceptedWeights, DrawStatus, Event, Phase, ValidatorPool, MAX_SEATS};

#[test]
fn seats_are_drawn_when_the_commit_window_closes_and_stored_both_ways() {
	ExtBuilder::default().with_genesis_validators(&VALIDATORS).build().execute_with(|| {
		let host = Sprint::new(HOST, 10);
		host.register();
		run_to_phase(Phase::Commit);
		host.commit(0);
		run_to_block(System::block_number() + 1);
		assert!(Poc::current_phase() == Some(Phase::Commit) || seats_of(0, HOST).is_empty());
		run_to_phase(Phase::Validation);

		let seats = seats_of(0, HOST);
		assert_eq!(seats.len(), 5, "k_eff = min(k_v = 8, 5 eligible)");
		let mut sorted = seats.clone();
		sorted.sort();
		assert_eq!(sorted, VALIDATORS.to_vec(), "distinct, all eligible");
		for (number, validator) in seats.iter().enumerate() {
			assert_eq!(seat_number(0, *validator, HOST), number as u32, "stored both ways");
		}
		assert!(poc_events().contains(&Event::SeatsDrawn { epoch: 0, participants: 1 }));
	});
}

#[test]
fn a_participant_never_sits_on_itself() {
	ExtBuilder::default().with_genesis_validators(&VALIDATORS).build().execute_with(|| {
		let sprints: Vec<Sprint> = VALIDATORS.iter().map(|v| Sprint::new(*v, 4)).collect();
		sprints.iter().for_each(Sprint::register);
		commit_all(0, &sprints.iter().collect::<Vec<_>>());
		for v in VALIDATORS {
			let seats = seats_of(0, v);
			assert_eq!(seats.len(), 4);
			assert!(!seats.contains(&v));
		}
	});
}

#[test]
fn a_validator_without_a_secret_commitment_gets_no_seat() {
	// Only VALIDATOR has an epoch-0 commitment; 20..=24 are not genesis validators here.
	ExtBuilder::default().build().execute_with(|| {
		let host = Sprint::new(HOST, 10);
		host.register();
		commit_all(0, &[&host]);
		assert_eq!(seats_of(0, HOST), vec![VALIDATOR]);
		assert_eq!(DrawStatus::<Test>::get(0).map(|d| d.done), Some(true));
	});
}

/// Four hosts accepted in epochs 0 and 1 (one of them capped), with secrets for epoch 2 (two
/// epochs ahead), and `k_v` seats per participant; returns the seats of epoch 2 and whether
/// genesis validators stood in.
fn epoch_one_after_four_accepted_hosts(k: u32) -> (Vec<Vec<AccountId>>, bool) {
	let mut result = (Vec::new(), false);
	ExtBuilder::default()
		.with_genesis_validators(&[VALIDATOR])
		.with_params(|p| p.seats_per_participant = k)
		.build()
		.execute_with(|| {
			let hosts: Vec<Sprint> = [10, 11, 12, 13]
				.iter()
				.zip([10u64, 10, 10, 170])
				.map(|(h, c)| Sprint::new(*h, c))
				.collect();
			hosts.iter().for_each(Sprint::register);
			// Epoch 0: no accepted host yet, so the genesis validator holds every seat.
			commit_all(0, &hosts.iter().collect::<Vec<_>>());
			for h in &hosts {
				assert_eq!(seats_of(0, h.host), vec![VALIDATOR]);
			}
			all_valid(0, &[10, 11, 12, 13], &[]);
			commit_secrets(2, &[VALIDATOR, 10, 11, 12, 13]);
			run_to_epoch(1);
			assert_eq!(AcceptedWeights::<Test>::get(0, 13), Some(50), "capped at 25% of 200");
			assert_eq!(ValidatorPool::<Test>::get(1).len(), 4);

			// Epoch 1: accepted, but without epoch-1 secrets the hosts cannot sit yet.
			commit_all(1, &hosts.iter().collect::<Vec<_>>());
			for h in &hosts {
				assert_eq!(seats_of(1, h.host), vec![VALIDATOR]);
			}
			all_valid(1, &[10, 11, 12, 13], &[]);
			run_to_epoch(2);
			assert_eq!(ValidatorPool::<Test>::get(2).len(), 4);

			commit_all(2, &hosts.iter().collect::<Vec<_>>());
			let stand_ins = poc_events()
				.iter()
				.any(|e| matches!(e, Event::SeatDrawStarted { epoch: 2, stand_ins: true, .. }));
			result = (hosts.iter().map(|h| seats_of(2, h.host)).collect(), stand_ins);
			// The inference audit's power in epoch 2 is the seat draw's: equal for stand-ins,
			// else each host's accepted weight of epoch 1, over the same total.
			use sprint_primitives::AuditValidators;
			let power = |who| <Poc as AuditValidators<AccountId>>::power(2, &who);
			let total = <Poc as AuditValidators<AccountId>>::total_power(2);
			if stand_ins {
				assert_eq!(total, 5);
				assert!([VALIDATOR, 10, 11, 12, 13].iter().all(|v| power(*v) == 1));
			} else {
				let weights: Vec<u128> = [10, 11, 12, 13]
					.iter()
					.map(|h| AcceptedWeights::<Test>::get(1, h).unwrap_or(0))
					.collect();
				assert_eq!(total, weights.iter().sum::<u128>());
				assert_eq!(power(13), weights[3]);
				assert_eq!(power(VALIDATOR), 0, "not an accepted host");
				// Revision 4, attack 8: the power a draw reads is fixed when the audits open.
				// A validator that unbonds, or is jailed, afterwards keeps it, so that audits
				// and missed-audit reports are judged against the same snapshot (no escaping a
				// report by deregistering).
				let before: Vec<u128> = [10, 11, 12, 13].iter().map(|h| power(*h)).collect();
				use sprint_primitives::{HostBond, OffenceKind, Slasher};
				<Collateral as HostBond<AccountId>>::unbond_host(&13).expect("bonded");
				<Collateral as Slasher<AccountId>>::slash(&12, OffenceKind::PocFraud, 2, &[]);
				let after: Vec<u128> = [10, 11, 12, 13].iter().map(|h| power(*h)).collect();
				assert_eq!(after, before, "the snapshot, not live state");
			}
			let pool = <Poc as AuditValidators<AccountId>>::pool(2);
			assert_eq!(pool.iter().map(|(_, w)| w).sum::<u128>(), total);
			for (h, seats) in hosts.iter().zip(&result.0) {
				assert!(!seats.contains(&h.host), "never on itself");
			}
		});
	result
}

#[test]
fn genesis_validators_stand_in_until_twice_k_v_accepted_validators_are_eligible() {
	// k_v = 3: four accepted validators are fewer than 6, so the genesis validator stays.
	let (seats, stand_ins) = epoch_one_after_four_accepted_hosts(3);
	assert!(stand_ins);
	assert!(seats.iter().all(|s| s.len() == 3));
	// k_v = 2: four accepted validators are enough; the genesis validator does not sit.
	let (seats, stand_ins) = epoch_one_after_four_accepted_hosts(2);
	assert!(!stand_ins);
	for s in &seats {
		assert_eq!(s.len(), 2);
		assert!(!s.contains(&VALIDATOR));
	}
}

#[test]
fn the_seat_draw_runs_in_bounded_steps() {
	ExtBuilder::default().with_genesis_validators(&VALIDATORS).build().execute_with(|| {
		// Room for the draw's first step (charged with the genesis stand-ins counted in) and 40
		// participants of 5 seats per block.
		use crate::WeightInfo;
		type Weights = <Test as crate::Config>::WeightInfo;
		HookBudget::set(
			Weights::start_draw(crate::MAX_GENESIS_VALIDATORS)
				.saturating_add(Weights::draw_step(5).saturating_mul(40)),
		);
		let participants: Vec<AccountId> = (100..200).collect();
		for p in &participants {
			<Balances as polkadot_sdk::frame_support::traits::fungible::Mutate<_>>::set_balance(
				p, ENDOWMENT,
			);
			Sprint::new(*p, 2).register();
		}
		run_to_phase(Phase::Commit);
		for p in &participants {
			Sprint::new(*p, 2).commit(0);
		}
		run_to_phase(Phase::Validation);
		let seated = |ps: &[AccountId]| ps.iter().filter(|p| !seats_of(0, **p).is_empty()).count();
		assert!(seated(&participants) < 100, "not all in the first block");
		assert!(seated(&participants) > 0);
		run_to_block(System::block_number() + 3);
		assert_eq!(seated(&participants), 100, "done within four blocks");
		assert!(participants.iter().all(|p| seats_of(0, *p).len() <= MAX_SEATS as usize));
	});
}

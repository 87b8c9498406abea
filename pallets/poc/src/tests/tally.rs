//! The tally (docs/protocol.md §4 "Decision for P", §5, §6): acceptance, fraud, downtime,
//! penalties, the reward denominator, the power cap, difficulty, and bounded steps. One test per
//! rule.

use polkadot_sdk::{frame_support::assert_noop, sp_core::H256};
use sprint_primitives::{AcceptedWork, CertifiableWork, Slasher};

use super::*;
use crate::{
	mock::*, AcceptedWeights, Error, Event, ForfeitReason, Forfeited, Outcome, Phase, TallyStage,
	TallyStatus, Targets,
};

/// (vested, unvested) rewards.
fn rewards(who: AccountId) -> (u128, u128) {
	Emission::rewards_of(&who)
}

fn outcome(host: AccountId) -> Option<Outcome> {
	outcome_in(0, host)
}

fn vote(voter: AccountId, participant: AccountId, on: AccountId, bad: Option<u32>) {
	vote_in(0, voter, participant, on, bad)
}

#[test]
fn an_honest_host_is_accepted_its_reward_vests_and_it_is_never_slashed() {
	scenario().execute_with(|| {
		let host = Sprint::new(HOST, 40);
		host.register();
		commit_all(0, &[&host]);
		all_valid(0, &[HOST], &[]);
		run_to_phase(Phase::Tally);

		assert_eq!(outcome(HOST), Some(Outcome::Accepted));
		assert_eq!(AcceptedWeights::<Test>::get(0, HOST), Some(40));
		// What its carbon certificate will state (docs/protocol.md §9).
		assert_eq!(<Poc as CertifiableWork<_>>::participant(0, 0), Some(HOST));
		assert_eq!(
			<Poc as CertifiableWork<_>>::accepted(0, &HOST),
			Some(AcceptedWork { weight: 40, committed: 40 })
		);
		assert!(<Poc as CertifiableWork<_>>::work_terms(0).is_some());
		assert_eq!(rewards(HOST), (0, R0), "the only weight earns the whole reward, vesting");
		assert_eq!(held(HOST), BOND);
		assert!(!<Collateral as Slasher<_>>::is_jailed(&HOST));
		run_to_epoch(90);
		assert_eq!(rewards(HOST), (R0 / 2, R0 / 2), "linear over 180 epochs");
	});
}

#[test]
fn a_digest_mismatch_confirmed_by_a_majority_of_seats_slashes_exactly_20_percent_once_and_zeroes_weight(
) {
	scenario().execute_with(|| {
		let host = Sprint::new(HOST, 40);
		host.register();
		commit_all(0, &[&host]);
		let index = sampled(0, 20, &host)[0];
		submit(0, 20, vec![(HOST, Verdict::Fraud(host.sign(0, host.opening(index))))])
			.expect("claim");
		run_to_phase(Phase::Answer);
		for voter in [20, 21, 22] {
			vote(voter, HOST, 20, Some(index));
		}
		vote(23, HOST, 20, None);
		let before = Balances::free_balance(21);
		run_to_phase(Phase::Tally);

		assert_eq!(outcome(HOST), Some(Outcome::Fraud));
		assert_eq!(AcceptedWeights::<Test>::get(0, HOST), None, "weight zero");
		assert_eq!(<Poc as CertifiableWork<_>>::accepted(0, &HOST), None, "no certificate");
		assert_eq!(held(HOST), BOND - BOND / 5, "exactly 20%");
		assert_eq!(Balances::free_balance(21) - before, BOND / 5 / 10 / 3, "a third of 10%");
		assert!(<Collateral as Slasher<_>>::is_jailed(&HOST));
		assert_eq!(
			<Collateral as Slasher<_>>::slash(
				&HOST,
				sprint_primitives::OffenceKind::PocFraud,
				0,
				&[]
			),
			0,
			"never twice for the same offence"
		);
		assert_eq!(held(HOST), BOND - BOND / 5);
		assert_eq!(Emission::rewards_of(&HOST), (0, 0));
	});
}

#[test]
fn a_self_proving_opening_slashes_without_a_vote() {
	scenario().execute_with(|| {
		let host = Sprint::new(HOST, 40);
		host.register();
		commit_all(0, &[&host]);
		let index = sampled(0, 20, &host)[0];
		let mut bad = host.opening(index);
		bad.path[0] = H256::repeat_byte(3);
		submit(0, 20, vec![(HOST, Verdict::Fraud(host.sign(0, bad)))]).expect("proof");
		all_valid(0, &[HOST], &[20]);
		run_to_phase(Phase::Tally);
		assert_eq!(outcome(HOST), Some(Outcome::Fraud));
		assert_eq!(held(HOST), BOND - BOND / 5);
	});
}

/// HOST and 20 (a seat of HOST) are hosts; every seat says `Valid` except 20, which claims
/// that a sound leaf of HOST's is bad; the chain is then in the answer period. Returns the
/// claimed index.
fn honest_host_claimed_against_by_host_20() -> u32 {
	let host = Sprint::new(HOST, 40);
	let claimant = Sprint::new(20, 40);
	host.register();
	claimant.register();
	commit_all(0, &[&host, &claimant]);
	all_valid(0, &[20], &[]);
	all_valid(0, &[HOST], &[20]);
	let index = sampled(0, 20, &host)[0];
	submit(0, 20, vec![(HOST, Verdict::Fraud(host.sign(0, host.opening(index))))]).expect("claim");
	run_to_phase(Phase::Answer);
	index
}

#[test]
fn a_refuted_claim_costs_the_claimant_its_reward_and_5_percent_and_slashes_nobody_else() {
	scenario().execute_with(|| {
		honest_host_claimed_against_by_host_20();
		for voter in [21, 22, 23] {
			vote(voter, HOST, 20, None);
		}
		run_to_phase(Phase::Tally);

		assert_eq!(outcome(HOST), Some(Outcome::Accepted));
		assert_eq!(outcome(20), Some(Outcome::Accepted));
		assert_eq!(Forfeited::<Test>::get(0, 20), Some(ForfeitReason::RefutedClaim));
		assert_eq!(rewards(20), (0, 0), "the claimant earns nothing");
		assert_eq!(rewards(HOST), (0, R0 / 2), "its share is not minted; W keeps it");
		assert_eq!(held(HOST), BOND, "the host is not slashed");
		assert_eq!(held(20), BOND - BOND / 20, "the claimant pays 5%");
		assert!(!<Collateral as Slasher<_>>::is_jailed(&20), "a seat penalty never jails");
	});
}

#[test]
fn an_undecided_claim_costs_nothing() {
	scenario().execute_with(|| {
		let index = honest_host_claimed_against_by_host_20();
		vote(20, HOST, 20, Some(index));
		vote(21, HOST, 20, None);
		run_to_phase(Phase::Tally);

		assert_eq!(outcome(HOST), Some(Outcome::Accepted), "4 of 5 voted Valid");
		assert_eq!(Forfeited::<Test>::get(0, 20), None);
		assert_eq!(rewards(20), (0, R0 / 2));
		assert_eq!((held(HOST), held(20)), (BOND, BOND));
	});
}

/// 20 challenges (every sampled index), 21 says Valid, 22's claim stays undecided, the host
/// answers, and every seat votes on the posted leaves, `bad_votes` naming the first one bad.
fn answered_challenge_scenario(bad_votes: &[AccountId]) -> polkadot_sdk::sp_io::TestExternalities {
	let mut ext = scenario();
	ext.execute_with(|| {
		let host = Sprint::new(HOST, 40);
		host.register();
		commit_all(0, &[&host]);
		let indices = sampled(0, 20, &host);
		let mut challenged = indices.clone();
		challenged.sort();
		challenged.dedup();
		submit(0, 20, vec![(HOST, Verdict::Unavailable(BoundedVec::truncate_from(indices)))])
			.expect("challenge");
		submit(0, 21, vec![(HOST, Verdict::Valid)]).expect("valid");
		let claim = sampled(0, 22, &host)[0];
		submit(0, 22, vec![(HOST, Verdict::Fraud(host.sign(0, host.opening(claim))))])
			.expect("claim");

		run_to_phase(Phase::Answer);
		let answer = |indices: &[u32]| {
			BoundedVec::truncate_from(
				indices.iter().map(|i| host.sign(0, host.opening(*i))).collect::<Vec<_>>(),
			)
		};
		assert_noop!(
			Poc::answer_challenge(RuntimeOrigin::signed(HOST), 0, 20, answer(&challenged[1..]))
				.map_err(|e| e.error),
			Error::<Test>::AnswerMismatch
		);
		Poc::answer_challenge(RuntimeOrigin::signed(HOST), 0, 20, answer(&challenged))
			.expect("answered");
		assert_noop!(
			Poc::answer_challenge(RuntimeOrigin::signed(HOST), 0, 20, answer(&challenged))
				.map_err(|e| e.error),
			Error::<Test>::AlreadyAnswered
		);
		run_to_phase(Phase::Check);
		for voter in [20, 21, 22, 23, 24] {
			vote(voter, HOST, 20, bad_votes.contains(&voter).then_some(challenged[0]));
		}
		run_to_phase(Phase::Tally);
	});
	ext
}

#[test]
fn an_answered_challenge_whose_leaves_the_challenger_finds_good_counts_as_valid() {
	answered_challenge_scenario(&[]).execute_with(|| {
		assert_eq!(outcome(HOST), Some(Outcome::Accepted));
		assert_eq!(held(HOST), BOND);
		assert_eq!(Forfeited::<Test>::get(0, 20), None, "its vote was its verdict");
	});
}

#[test]
fn a_challenger_whose_bad_vote_on_the_posted_leaves_is_refuted_is_a_refuted_claimant() {
	answered_challenge_scenario(&[20]).execute_with(|| {
		assert_eq!(outcome(HOST), Some(Outcome::Accepted));
		assert_eq!(held(HOST), BOND);
		assert_eq!(Forfeited::<Test>::get(0, 20), Some(ForfeitReason::RefutedClaim));
		assert_eq!(held(20), BOND - BOND / 20);
	});
}

#[test]
fn a_posted_answer_voted_bad_by_a_majority_is_fraud() {
	answered_challenge_scenario(&[20, 21, 23]).execute_with(|| {
		assert_eq!(outcome(HOST), Some(Outcome::Fraud));
		assert_eq!(held(HOST), BOND - BOND / 5);
	});
}

#[test]
fn a_silent_seat_loses_its_reward() {
	scenario().execute_with(|| {
		let host = Sprint::new(HOST, 40);
		let silent = Sprint::new(20, 40);
		host.register();
		silent.register();
		to_epoch_two();
		commit_all(2, &[&host, &silent]);
		all_valid(2, &[HOST], &[20]);
		all_valid(2, &[20], &[]);
		run_to_phase(Phase::Tally);

		assert_eq!(outcome_in(2, 20), Some(Outcome::Accepted));
		assert_eq!(Forfeited::<Test>::get(2, 20), Some(ForfeitReason::SilentSeat));
		assert_eq!(rewards(20), (0, 0));
		assert_eq!(rewards(HOST), (0, Emission::epoch_budget(2).budget / 2));
		assert_eq!(held(20), BOND - BOND / 100, "silence costs the reward and 1%");
		assert!(!<Collateral as Slasher<_>>::is_jailed(&20));
	});
}

#[test]
fn a_host_rejected_for_no_quorum_stays_in_the_reward_denominator() {
	scenario().execute_with(|| {
		let host = Sprint::new(HOST, 40);
		let unlucky = Sprint::new(10, 40);
		host.register();
		unlucky.register();
		commit_all(0, &[&host, &unlucky]);
		all_valid(0, &[HOST], &[]);
		submit(0, seats_of(0, 10)[0], vec![(10, Verdict::Valid)]).expect("one vote");
		run_to_phase(Phase::Tally);

		assert_eq!(outcome(10), Some(Outcome::Rejected), "1 of 5 seats voted");
		assert_eq!(held(10), BOND, "not its fault: no slash");
		assert_eq!(rewards(HOST), (0, R0 / 2), "W(e) = 80, not 40");
		assert_eq!(rewards(10), (0, 0));
		assert!(poc_events().iter().any(|e| matches!(
			e,
			Event::TallyFinished { epoch: 0, accepted: 1, total_weight: 80, .. }
		)));
	});
}

#[test]
fn accepted_weight_is_activated_by_collateral_after_the_grace_period() {
	ExtBuilder::default()
		.with_genesis_validators(&VALIDATORS)
		.without_grace()
		.build()
		.execute_with(|| {
			let bare = Sprint::new(HOST, 40);
			let backed = Sprint::new(10, 40);
			bare.register();
			backed.register();
			// 32 units beyond the 20% base need 320 SPR at 10 SPR per unit.
			Collateral::deposit(RuntimeOrigin::signed(10), 320 * SPR).expect("deposit");
			commit_all(0, &[&bare, &backed]);
			all_valid(0, &[HOST, 10], &[]);
			run_to_phase(Phase::Tally);
			assert_eq!(AcceptedWeights::<Test>::get(0, HOST), Some(8), "only the 20% base");
			assert_eq!(AcceptedWeights::<Test>::get(0, 10), Some(40), "fully covered");
		});
}

fn capped_weight(counts: &[u64]) -> (Vec<Option<u128>>, u128) {
	let mut result = (Vec::new(), 0);
	scenario().execute_with(|| {
		let sprints: Vec<Sprint> =
			counts.iter().enumerate().map(|(i, c)| Sprint::new(10 + i as u64, *c)).collect();
		sprints.iter().for_each(Sprint::register);
		commit_all(0, &sprints.iter().collect::<Vec<_>>());
		all_valid(0, &sprints.iter().map(|s| s.host).collect::<Vec<_>>(), &[]);
		run_to_phase(Phase::Tally);
		let weights = sprints.iter().map(|s| AcceptedWeights::<Test>::get(0, s.host)).collect();
		let last = sprints.last().expect("hosts").host;
		result = (weights, rewards(last).1);
	});
	result
}

#[test]
fn the_power_cap_applies_only_with_four_accepted_hosts() {
	let (three, reward_of_big) = capped_weight(&[10, 10, 100]);
	assert_eq!(three, vec![Some(10), Some(10), Some(100)], "no cap with 3 hosts");
	assert_eq!(reward_of_big, R0 * 100 / 120);

	let (four, reward_of_big) = capped_weight(&[10, 10, 10, 100]);
	assert_eq!(four, vec![Some(10), Some(10), Some(10), Some(32)], "25% of 130, floored");
	assert_eq!(reward_of_big, R0 * 32 / 62, "the part above the cap earns nothing");
}

#[test]
fn the_next_target_follows_the_accepted_total() {
	ExtBuilder::default()
		.with_genesis_validators(&VALIDATORS)
		.with_params(|p| p.goal = 20)
		.build()
		.execute_with(|| {
			let host = Sprint::new(HOST, 40);
			host.register();
			commit_all(0, &[&host]);
			all_valid(0, &[HOST], &[]);
			run_to_phase(Phase::Tally);
			assert_eq!(
				Targets::<Test>::get(1),
				Some(H256::repeat_byte(0x40)),
				"goal 20 / 40 accepted"
			);
			run_to_epoch(1);
			assert_eq!(Targets::<Test>::get(1), Some(H256::repeat_byte(0x40)));
		});
}

#[test]
fn the_target_is_unchanged_when_nothing_is_accepted() {
	scenario().execute_with(|| {
		let host = Sprint::new(HOST, 40);
		host.register();
		commit_all(0, &[&host]);
		run_to_phase(Phase::Tally);
		assert_eq!(outcome(HOST), Some(Outcome::Rejected));
		assert_eq!(<Poc as CertifiableWork<_>>::accepted(0, &HOST), None, "no certificate");
		run_to_epoch(1);
		assert_eq!(Targets::<Test>::get(1), Targets::<Test>::get(0));
	});
}

#[test]
fn the_tally_runs_in_bounded_steps_before_the_next_draw() {
	ExtBuilder::default()
		.with_genesis_validators(&VALIDATORS)
		.with_params(|p| p.epoch_length = 120)
		.build()
		.execute_with(|| {
			let sprints: Vec<Sprint> = (100..200).map(|h| Sprint::new(h, 3)).collect();
			for s in &sprints {
				<Balances as polkadot_sdk::frame_support::traits::fungible::Mutate<_>>::set_balance(
					&s.host, ENDOWMENT,
				);
				s.register();
			}
			commit_all(0, &sprints.iter().collect::<Vec<_>>());
			let hosts: Vec<AccountId> = sprints.iter().map(|s| s.host).collect();
			all_valid(0, &hosts, &[]);
			run_to_phase(Phase::Check);
			// Room for five decisions per block.
			use crate::WeightInfo;
			type Weights = <Test as crate::Config>::WeightInfo;
			// (Proof size does not bound a solo chain's blocks: leave it unlimited.)
			let decide = Weights::tally_decide_step().ref_time();
			HookBudget::set(polkadot_sdk::frame_support::weights::Weight::from_parts(
				5 * decide,
				u64::MAX,
			));
			run_to_phase(Phase::Tally);
			let first = TallyStatus::<Test>::get(0).expect("started");
			assert_eq!(first.stage, TallyStage::Decide);
			assert_eq!(first.next, 5, "five participants in the first block");
			run_to_block(System::block_number() + 60);
			assert_eq!(TallyStatus::<Test>::get(0).map(|t| t.stage), Some(TallyStage::Done));
			assert!(hosts.iter().all(|h| outcome(*h) == Some(Outcome::Accepted)));
			assert!(Targets::<Test>::get(1).is_some(), "the next target is set");
		});
}

#[test]
fn a_hook_budget_below_one_step_slows_the_tally_but_never_stalls_it() {
	ExtBuilder::default()
		.with_genesis_validators(&VALIDATORS)
		.with_params(|p| p.epoch_length = 120)
		.build()
		.execute_with(|| {
			let sprints: Vec<Sprint> = (10..13).map(|h| Sprint::new(h, 3)).collect();
			sprints.iter().for_each(Sprint::register);
			commit_all(0, &sprints.iter().collect::<Vec<_>>());
			all_valid(0, &[10, 11, 12], &[]);
			HookBudget::set(polkadot_sdk::frame_support::weights::Weight::from_parts(1, 1));
			run_to_phase(Phase::Tally);
			assert_eq!(TallyStatus::<Test>::get(0).map(|t| t.next), Some(1), "one step a block");
			run_to_block(System::block_number() + 20);
			assert_eq!(TallyStatus::<Test>::get(0).map(|t| t.stage), Some(TallyStage::Done));
			assert!([10, 11, 12].iter().all(|h| outcome(*h) == Some(Outcome::Accepted)));
		});
}

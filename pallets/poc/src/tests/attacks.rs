//! The attacks an audit of the landed pallets found (docs/protocol.md revision 3, §4–§5), one test
//! each: the cheater's moves, then the assertion that they failed. Every test here failed on the
//! code before revision 3.

use polkadot_sdk::{
	frame_support::{dispatch::Pays, pallet_prelude::ConstU32, traits::fungible::Inspect},
	sp_core::H256,
};
use sprint_primitives::merkle::Tree;

use super::*;
use crate::{mock::*, ForfeitReason, Forfeited, Outcome, Phase};

fn outcome(epoch: u32, host: AccountId) -> Option<Outcome> {
	outcome_in(epoch, host)
}

fn vote(epoch: u32, voter: AccountId, participant: AccountId, on: AccountId, bad: Option<u32>) {
	vote_in(epoch, voter, participant, on, bad)
}

/// Every sampled index of `validator`'s seat on `sprint`, as an `Unavailable` verdict.
fn unavailable(epoch: u32, validator: AccountId, sprint: &Sprint) -> Verdict {
	Verdict::Unavailable(BoundedVec::truncate_from(sampled(epoch, validator, sprint)))
}

/// The host's openings of `indices`, deduplicated and in order, as `answer_challenge` wants them.
fn answer(
	epoch: u32,
	sprint: &Sprint,
	indices: &[u32],
) -> BoundedVec<crate::SignedOpening, ConstU32<{ crate::MAX_SAMPLES }>> {
	let mut indices = indices.to_vec();
	indices.sort_unstable();
	indices.dedup();
	BoundedVec::truncate_from(
		indices.iter().map(|i| sprint.sign(epoch, sprint.opening(*i))).collect(),
	)
}

// Hole 1: a broken opening made honest seats lazy.

#[test]
fn a_broken_opening_served_to_one_seat_makes_no_valid_seat_lazy() {
	scenario().execute_with(|| {
		// One leaf: every seat samples index 0, so every `Valid` shares the "bad" index.
		let host = Sprint::new(HOST, 1);
		host.register();
		let honest: Vec<Sprint> = [21, 22, 23, 24].iter().map(|v| Sprint::new(*v, 4)).collect();
		honest.iter().for_each(Sprint::register);
		commit_all(0, &[&host]);

		let mut broken = host.opening(0);
		broken.path.try_push(H256::repeat_byte(3)).expect("room for one more hash");
		submit(0, 20, vec![(HOST, Verdict::Fraud(host.sign(0, broken)))]).expect("proof");
		all_valid(0, &[HOST], &[20]);
		run_to_phase(Phase::Tally);

		assert_eq!(outcome(0, HOST), Some(Outcome::Fraud), "the host signed a broken opening");
		assert_eq!(held(HOST), BOND - BOND / 5);
		for v in [21, 22, 23, 24] {
			assert_eq!(Forfeited::<Test>::get(0, v), None, "{v} said Valid over a sound leaf");
			assert_eq!(held(v), BOND, "{v} is not lazy");
			assert!(!jailed(v));
		}
	});
}

#[test]
fn a_valid_over_a_leaf_proven_bad_as_committed_is_lazy_but_not_jailed() {
	scenario().execute_with(|| {
		// The host committed a tree whose leaves all miss the target: any verifying opening proves
		// a bad leaf as committed, and both seats sample index 0..4.
		let mut host = Sprint::new(HOST, 4);
		for leaf in host.leaves.iter_mut() {
			leaf.1 = [0xff; 32];
		}
		host.tree = Tree::new(&host.leaves);
		let lazy = Sprint::new(21, 4);
		host.register();
		lazy.register();
		commit_all(0, &[&host, &lazy]);
		let shared = sampled(0, 20, &host)
			.into_iter()
			.find(|i| sampled(0, 21, &host).contains(i))
			.expect("a shared index");
		submit(0, 20, vec![(HOST, Verdict::Fraud(host.sign(0, host.opening(shared))))])
			.expect("proof");
		submit(0, 21, vec![(HOST, Verdict::Valid)]).expect("lazy valid");
		all_valid(0, &[21], &[]);
		run_to_phase(Phase::Tally);

		assert_eq!(outcome(0, HOST), Some(Outcome::Fraud));
		assert_eq!(Forfeited::<Test>::get(0, 21), Some(ForfeitReason::LazyValid));
		assert_eq!(held(21), BOND - BOND / 10, "10% of the seat's collateral");
		assert!(!jailed(21), "a seat penalty never jails");
		assert_eq!(outcome(0, 21), Some(Outcome::Accepted), "its own weight still counts");
		assert_eq!(Emission::rewards_of(&21), (0, 0), "but it earns nothing");
	});
}

// Hole 2: `Unavailable` skipped the work.

#[test]
fn an_unavailable_naming_fewer_than_every_sampled_index_is_refused() {
	scenario().execute_with(|| {
		let host = Sprint::new(HOST, 40);
		host.register();
		commit_all(0, &[&host]);
		let one = sampled(0, 20, &host)[0];
		assert!(submit(
			0,
			20,
			vec![(HOST, Verdict::Unavailable(BoundedVec::truncate_from(vec![one])))]
		)
		.is_err());
		submit(0, 20, vec![(HOST, unavailable(0, 20, &host))]).expect("every sampled index");
	});
}

#[test]
fn a_challenger_that_never_votes_on_the_posted_answer_is_a_silent_seat() {
	scenario().execute_with(|| {
		let host = Sprint::new(HOST, 40);
		let challenger = Sprint::new(20, 40);
		host.register();
		challenger.register();
		to_epoch_two();
		commit_all(2, &[&host, &challenger]);
		submit(2, 20, vec![(HOST, unavailable(2, 20, &host))]).expect("challenge");
		all_valid(2, &[HOST], &[20]);
		all_valid(2, &[20], &[]);
		run_to_phase(Phase::Answer);
		Poc::answer_challenge(
			RuntimeOrigin::signed(HOST),
			2,
			20,
			answer(2, &host, &sampled(2, 20, &host)),
		)
		.expect("answered");
		run_to_phase(Phase::Tally);

		assert_eq!(outcome(2, HOST), Some(Outcome::Accepted));
		assert_eq!(Forfeited::<Test>::get(2, 20), Some(ForfeitReason::SilentSeat));
		assert_eq!(Emission::rewards_of(&20), (0, 0), "the challenge earned it nothing");
		assert_eq!(held(20), BOND - BOND / 100, "silent: 1%");
	});
}

#[test]
fn a_claimant_alone_cannot_confirm_its_own_claim() {
	// A dev chain with one validator.
	ExtBuilder::default().build().execute_with(|| {
		let host = Sprint::new(HOST, 40);
		host.register();
		commit_all(0, &[&host]);
		let index = sampled(0, VALIDATOR, &host)[0];
		submit(0, VALIDATOR, vec![(HOST, Verdict::Fraud(host.sign(0, host.opening(index))))])
			.expect("claim");
		run_to_phase(Phase::Answer);
		vote(0, VALIDATOR, HOST, VALIDATOR, Some(index));
		run_to_phase(Phase::Tally);

		assert_ne!(outcome(0, HOST), Some(Outcome::Fraud));
		assert_eq!(held(HOST), BOND, "only self-proving evidence slashes with one seat");
		assert!(!jailed(HOST));
	});
}

#[test]
fn a_claim_confirmed_by_the_claimant_and_only_one_other_seat_is_not_confirmed() {
	ExtBuilder::default().with_genesis_validators(&[20, 21, 22]).build().execute_with(|| {
		let host = Sprint::new(HOST, 40);
		host.register();
		commit_all(0, &[&host]);
		let index = sampled(0, 20, &host)[0];
		submit(0, 20, vec![(HOST, Verdict::Fraud(host.sign(0, host.opening(index))))])
			.expect("claim");
		all_valid(0, &[HOST], &[20]);
		run_to_phase(Phase::Answer);
		// Two of three seats is a majority, but it includes just one seat besides the claimant.
		vote(0, 20, HOST, 20, Some(index));
		vote(0, 21, HOST, 20, Some(index));
		run_to_phase(Phase::Tally);

		assert_ne!(outcome(0, HOST), Some(Outcome::Fraud));
		assert_eq!(held(HOST), BOND);
	});
}

// Hole 3: seats with nothing at stake.

#[test]
fn genesis_validators_hold_their_bond_from_genesis() {
	scenario().execute_with(|| {
		for v in VALIDATORS {
			assert_eq!(held(v), BOND, "{v}'s seats have stake");
			assert!(Balances::balance(&v) > 0, "and a liquid balance for fees");
		}
	});
}

#[test]
fn a_validator_that_deregistered_and_withdrew_its_bond_gets_no_seat() {
	scenario().execute_with(|| {
		let deserter = Sprint::new(10, 40);
		let host = Sprint::new(HOST, 40);
		deserter.register();
		host.register();
		// Secrets go two epochs ahead: everyone commits for epoch 2 now.
		commit_secrets(2, &VALIDATORS);
		commit_secrets(2, &[10]);
		commit_all(0, &[&deserter]);
		all_valid(0, &[10], &[]);
		run_to_epoch(1);
		commit_all(1, &[&deserter]);
		all_valid(1, &[10], &[]);
		run_to_phase(Phase::Tally);
		assert_eq!(outcome(1, 10), Some(Outcome::Accepted), "an accepted validator for epoch 2");

		Poc::deregister_host(RuntimeOrigin::signed(10)).expect("deregisters");
		run_to_epoch(2);
		let _ = Collateral::withdraw_unbonded(RuntimeOrigin::signed(10));
		commit_all(2, &[&host]);

		assert!(crate::ValidatorPool::<Test>::get(2).iter().any(|(v, _)| *v == 10));
		assert!(!seats_of(2, HOST).is_empty());
		assert!(!seats_of(2, HOST).contains(&10), "no bond held, no seat");
	});
}

#[test]
fn a_silent_validator_that_committed_no_work_pays_one_percent_once() {
	scenario().execute_with(|| {
		let host = Sprint::new(HOST, 40);
		let other = Sprint::new(10, 40);
		host.register();
		other.register();
		to_epoch_two();
		commit_all(2, &[&host, &other]);
		// 20 commits nothing and stays silent in both of its seats.
		all_valid(2, &[HOST, 10], &[20]);
		run_to_phase(Phase::Tally);

		assert_eq!(Forfeited::<Test>::get(2, 20), Some(ForfeitReason::SilentSeat));
		assert_eq!(held(20), BOND - BOND / 100, "1% of its own bond, once for two seats");
		assert!(!jailed(20));
	});
}

// Hole 4: withholding turned fraud into downtime.

#[test]
fn withholding_the_sampled_leaves_is_slashed_as_fraud() {
	scenario().execute_with(|| {
		let host = Sprint::new(HOST, 40);
		host.register();
		commit_all(0, &[&host]);
		all_valid(0, &[HOST], &[]);
		run_to_phase(Phase::Tally);
		assert_eq!(Emission::rewards_of(&HOST), (0, R0), "unvested rewards to lose");
		run_to_epoch(1);

		// Epoch 1: the host answers 503 to the requests for its fake leaves and never posts them.
		commit_all(1, &[&host]);
		submit(1, 20, vec![(HOST, unavailable(1, 20, &host))]).expect("challenge");
		all_valid(1, &[HOST], &[20]);
		let fund = Balances::free_balance(FUND);
		run_to_phase(Phase::Tally);

		assert_eq!(outcome(1, HOST), Some(Outcome::Unanswered));
		assert_eq!(held(HOST), BOND - BOND / 5, "the fraud slash: 20%");
		let (vested, unvested) = Emission::rewards_of(&HOST);
		assert!(unvested <= R0 - R0 / 5 && vested + unvested < R0, "20% of unvested rewards too");
		assert!(jailed(HOST));
		assert!(Balances::free_balance(FUND) - fund >= BOND / 5, "no bounty: all to the fund");
	});
}

// Hole 5: free empty calls.

#[test]
fn an_empty_verdict_chunk_is_refused_and_pays_its_fee() {
	scenario().execute_with(|| {
		let host = Sprint::new(HOST, 40);
		host.register();
		commit_all(0, &[&host]);
		for secret in [Some(secret_of(20, 0)), None] {
			let result =
				Poc::submit_verdicts(RuntimeOrigin::signed(20), 0, secret, BoundedVec::default());
			let error = result.expect_err("records nothing new");
			assert_eq!(error.post_info.pays_fee, Pays::Yes);
		}
	});
}

#[test]
fn an_empty_vote_is_refused_and_pays_its_fee() {
	scenario().execute_with(|| {
		let host = Sprint::new(HOST, 40);
		host.register();
		commit_all(0, &[&host]);
		all_valid(0, &[HOST], &[]);
		run_to_phase(Phase::Answer);
		let result = Poc::vote(RuntimeOrigin::signed(20), 0, HOST, BoundedVec::default());
		let error = result.expect_err("records nothing new");
		assert_eq!(error.post_info.pays_fee, Pays::Yes);
	});
}

#[test]
fn an_answer_gets_top_priority_only_while_its_challenge_is_open() {
	use polkadot_sdk::{
		frame_support::dispatch::DispatchInfo,
		sp_runtime::{
			traits::DispatchTransaction,
			transaction_validity::{InvalidTransaction, TransactionSource},
		},
	};
	let priority = |call: &RuntimeCall| {
		crate::PrioritizeChallengeAnswers::<Test>::new()
			.validate_only(
				RuntimeOrigin::signed(HOST),
				call,
				&DispatchInfo::default(),
				0,
				TransactionSource::External,
				0,
			)
			.map(|(valid, _, _)| valid.priority)
	};
	let refused = Err(InvalidTransaction::Custom(crate::priority::NO_OPEN_CHALLENGE).into());
	scenario().execute_with(|| {
		let host = Sprint::new(HOST, 40);
		host.register();
		commit_all(0, &[&host]);
		let openings = answer(0, &host, &sampled(0, 20, &host));
		let call = RuntimeCall::Poc(crate::Call::answer_challenge {
			epoch: 0,
			validator: 20,
			openings: openings.clone(),
		});
		assert_eq!(priority(&call), refused, "no challenge yet");
		submit(0, 20, vec![(HOST, unavailable(0, 20, &host))]).expect("challenge");
		assert_eq!(priority(&call), Ok(u64::MAX), "open: top priority");
		let other = RuntimeCall::Poc(crate::Call::vote {
			epoch: 0,
			participant: HOST,
			votes: BoundedVec::truncate_from(vec![(0, None)]),
		});
		assert_eq!(priority(&other), Ok(0), "other calls untouched");
		Poc::answer_challenge(RuntimeOrigin::signed(HOST), 0, 20, openings).expect("answered");
		assert_eq!(priority(&call), refused, "answered: closed");
	});
}

//! pallet-poc-voting: power from the snapshot, the tally, quorum and approval, bounds.

use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok, traits::VoteTally},
	sp_runtime::Perbill,
};

use crate::{mock::*, Error, Event, Tally, Vote, VoteCount, VotingFor};

const A: AccountId = 1;
const B: AccountId = 2;
const C: AccountId = 3;
const NOBODY: AccountId = 9;

fn vote(who: AccountId, poll: u8, vote: Vote) -> polkadot_sdk::sp_runtime::DispatchResult {
	Voting::vote(RuntimeOrigin::signed(who), poll, vote)
}

fn remove(who: AccountId, poll: u8) -> polkadot_sdk::sp_runtime::DispatchResult {
	Voting::remove_vote(RuntimeOrigin::signed(who), poll)
}

fn tally(poll: u8) -> Tally<Test> {
	TestPolls::tally(poll).expect("ongoing")
}

/// (ayes, nays, abstentions)
fn sides(poll: u8) -> (u128, u128, u128) {
	let t = tally(poll);
	(t.ayes, t.nays, t.abstentions)
}

/// Epoch 4 accepted A (10), B (30) and C (60), and is the snapshot.
fn epoch_4() {
	TestPower::give(Some(4), A, 10);
	TestPower::give(Some(4), B, 30);
	TestPower::give(Some(4), C, 60);
	TestPower::snapshot_at(Some(4));
}

#[test]
fn a_vote_counts_with_the_voters_power_and_can_be_changed_or_removed() {
	new_test_ext().execute_with(|| {
		epoch_4();
		let poll = TestPolls::submit();
		assert_eq!((tally(poll).snapshot, tally(poll).total), (Some(4), 100));
		assert_ok!(vote(A, poll, Vote::Aye));
		assert_ok!(vote(B, poll, Vote::Nay));
		assert_ok!(vote(C, poll, Vote::Abstain));
		// B (30) and C (60) count for 25 each: a quarter of the snapshot at most.
		assert_eq!(sides(poll), (10, 25, 25));
		System::assert_last_event(
			Event::Voted { who: C, poll, vote: Vote::Abstain, power: 25 }.into(),
		);
		// A second vote replaces the first.
		assert_ok!(vote(C, poll, Vote::Aye));
		assert_eq!(sides(poll), (35, 25, 0));
		assert_eq!(tally(poll).aye_accounts, 2);
		assert_eq!(VoteCount::<Test>::get(C), 1, "one vote, replaced");
		assert_ok!(remove(B, poll));
		assert_eq!(sides(poll), (35, 0, 0));
		assert_eq!(VotingFor::<Test>::get(B, poll), None);
		assert_eq!(VoteCount::<Test>::get(B), 0);
		System::assert_last_event(
			Event::VoteRemoved { who: B, poll, vote: Vote::Nay, power: 25 }.into(),
		);
		assert_noop!(remove(B, poll), Error::<Test>::NotVoted);
	});
}

#[test]
fn an_account_without_weight_in_the_snapshot_cannot_vote() {
	new_test_ext().execute_with(|| {
		epoch_4();
		let poll = TestPolls::submit();
		assert_noop!(vote(NOBODY, poll, Vote::Aye), Error::<Test>::NoVotingPower);
		assert_eq!(sides(poll), (0, 0, 0));
	});
}

#[test]
fn every_voter_and_the_total_come_from_the_referendums_own_snapshot() {
	new_test_ext().execute_with(|| {
		epoch_4();
		let old = TestPolls::submit();
		// Epoch 5 is tallied: C moved its hardware to a fresh account D, which earned 60 there.
		const D: AccountId = 4;
		TestPower::give(Some(5), A, 10);
		TestPower::give(Some(5), D, 60);
		TestPower::snapshot_at(Some(5));
		let new = TestPolls::submit();
		assert_eq!(tally(new).total, 70);
		// On the old referendum, D counts nowhere and C keeps its vote (slashed or not since).
		assert_noop!(vote(D, old, Vote::Aye), Error::<Test>::NoVotingPower);
		assert_ok!(vote(C, old, Vote::Aye));
		assert_eq!(sides(old), (25, 0, 0), "a quarter of 100 at most");
		assert_eq!(tally(old).total, 100);
		// On the new one, the reverse.
		assert_noop!(vote(C, new, Vote::Aye), Error::<Test>::NoVotingPower);
		assert_ok!(vote(D, new, Vote::Aye));
		assert_eq!(sides(new), (18, 0, 0), "a quarter of 70, rounded up");
		// However they move, support never exceeds 100%: both accounts' votes, capped.
		assert_ok!(vote(A, new, Vote::Aye));
		assert_eq!(
			<Tally<Test> as VoteTally<u128, u8>>::support(&tally(new), 0),
			Perbill::from_rational(28u32, 70u32)
		);
	});
}

#[test]
fn before_any_accepted_epoch_the_genesis_validators_vote_one_each() {
	new_test_ext().execute_with(|| {
		TestPower::give(None, A, 1);
		TestPower::give(None, B, 1);
		let poll = TestPolls::submit();
		assert_eq!((tally(poll).snapshot, tally(poll).total), (None, 2));
		assert_ok!(vote(A, poll, Vote::Aye));
		assert_noop!(vote(C, poll, Vote::Aye), Error::<Test>::NoVotingPower);
		assert_eq!(sides(poll), (1, 0, 0));
	});
}

#[test]
fn support_is_ayes_and_abstentions_and_approval_the_ayes_over_ayes_and_nays() {
	let support = |t: &Tally<Test>| <Tally<Test> as VoteTally<u128, u8>>::support(t, 0);
	let approval = |t: &Tally<Test>| <Tally<Test> as VoteTally<u128, u8>>::approval(t, 0);
	let mut t = Tally::<Test>::empty(Some(1), 1_000);
	assert_eq!((support(&t), approval(&t)), (Perbill::zero(), Perbill::zero()), "no votes");
	// Quorum edge: 334 of 1,000 is exactly the 33.4% quorum; 333 is below it.
	t.abstentions = 333;
	assert!(support(&t) < Perbill::from_parts(334_000_000));
	t.abstentions = 334;
	assert_eq!(support(&t), Perbill::from_parts(334_000_000));
	assert_eq!(approval(&t), Perbill::zero(), "abstentions alone approve nothing");
	// Approval edge: an even split is exactly 50%, which "> 50%" does not pass.
	t.aye_accounts = 2;
	t.ayes = 100;
	t.nays = 100;
	assert_eq!(approval(&t), Perbill::from_percent(50));
	t.ayes = 101;
	assert!(approval(&t) > Perbill::from_percent(50));
	assert_eq!(
		support(&t),
		Perbill::from_rational(435u32, 1_000u32),
		"ayes and abstentions count for the quorum, nays do not"
	);
	// A snapshot with no power approves and supports nothing (never 100% of nothing).
	let mut empty = Tally::<Test>::empty(Some(2), 0);
	empty.ayes = 5;
	assert_eq!(support(&empty), Perbill::zero());
}

#[test]
fn ended_or_unknown_referenda_take_no_votes_and_removing_one_frees_a_place() {
	new_test_ext().execute_with(|| {
		epoch_4();
		let polls: Vec<u8> = (0..MAX_VOTES + 1).map(|_| TestPolls::submit()).collect();
		for poll in &polls[..MAX_VOTES as usize] {
			assert_ok!(vote(A, *poll, Vote::Aye));
		}
		assert_noop!(vote(A, polls[MAX_VOTES as usize], Vote::Aye), Error::<Test>::MaxVotesReached);
		// Changing a vote held is not a new one.
		assert_ok!(vote(A, polls[0], Vote::Nay));
		TestPolls::end(polls[0], false);
		assert_noop!(vote(A, polls[0], Vote::Aye), Error::<Test>::NotOngoing);
		assert_noop!(vote(A, 200, Vote::Aye), Error::<Test>::NotOngoing);
		assert_ok!(remove(A, polls[0]));
		assert_eq!(VoteCount::<Test>::get(A), MAX_VOTES - 1);
		assert_ok!(vote(A, polls[MAX_VOTES as usize], Vote::Aye));
		assert_eq!(sides(polls[MAX_VOTES as usize]), (10, 0, 0));
	});
}

/// Revision 4, attack 10: in a snapshot with fewer than 4 accepted hosts the power cap of §5
/// does not apply, so one host with a third of the weight passed referenda alone. A vote
/// counts for at most 25% of its snapshot's total, however many hosts it holds.
#[test]
fn a_vote_counts_for_at_most_a_quarter_of_the_snapshot() {
	new_test_ext().execute_with(|| {
		epoch_4();
		let poll = TestPolls::submit();
		assert_ok!(vote(C, poll, Vote::Aye));
		assert_eq!(sides(poll), (25, 0, 0), "60 of 100 counts as 25");
		System::assert_last_event(Event::Voted { who: C, poll, vote: Vote::Aye, power: 25 }.into());
	});
}

/// Revision 4, attack 10: nays counted toward support, so voting against a proposal helped it
/// reach its quorum. Support counts ayes and abstentions, never nays.
#[test]
fn nays_never_count_toward_support() {
	new_test_ext().execute_with(|| {
		epoch_4();
		let poll = TestPolls::submit();
		assert_ok!(vote(A, poll, Vote::Aye));
		assert_ok!(vote(B, poll, Vote::Nay));
		assert_eq!(
			<Tally<Test> as VoteTally<u128, u8>>::support(&tally(poll), 0),
			Perbill::from_percent(10)
		);
	});
}

/// Revision 4, attack 10: a referendum passes only with ayes from at least two accounts, so
/// no single host (nor a single genesis account) decides anything.
#[test]
fn ayes_from_one_account_approve_nothing() {
	new_test_ext().execute_with(|| {
		TestPower::give(None, A, 1);
		TestPower::give(None, B, 1);
		TestPower::give(None, C, 1);
		TestPower::give(None, 4, 1);
		let poll = TestPolls::submit();
		let approval = |poll| <Tally<Test> as VoteTally<u128, u8>>::approval(&tally(poll), 0);
		assert_ok!(vote(A, poll, Vote::Aye));
		assert_eq!(approval(poll), Perbill::zero(), "one account's ayes");
		assert_ok!(vote(B, poll, Vote::Aye));
		assert_eq!(approval(poll), Perbill::one(), "two accounts' ayes");
		// A second account that changes its mind takes the approval back.
		assert_ok!(vote(B, poll, Vote::Abstain));
		assert_eq!(approval(poll), Perbill::zero());
	});
}

/// The v1 migration: an ongoing referendum's votes, cast before the quarter cap and the count
/// of aye accounts, are recounted under both; votes on other referenda are left alone.
#[test]
fn the_upgrade_recounts_ongoing_tallies_from_their_votes() {
	use crate::migrations::{recount, TallyV0};
	new_test_ext().execute_with(|| {
		// Poll 0 is ongoing (A 10 aye, C 60 aye, B 30 nay, as cast before the cap); poll 1 ended.
		VotingFor::<Test>::insert(A, 0, (Vote::Aye, 10));
		VotingFor::<Test>::insert(C, 0, (Vote::Aye, 60));
		VotingFor::<Test>::insert(B, 0, (Vote::Nay, 30));
		VotingFor::<Test>::insert(C, 1, (Vote::Aye, 60));
		let old = TallyV0 { ayes: 70, nays: 30, abstentions: 0, total: 100, snapshot: Some(4) };
		let (tallies, _) = recount::<Test>(&[(0u8, old)].into_iter().collect());
		let tally = &tallies[&0];
		assert_eq!((tally.ayes, tally.nays, tally.abstentions), (35, 25, 0));
		assert_eq!((tally.aye_accounts, tally.total, tally.snapshot), (2, 100, Some(4)));
		assert_eq!(VotingFor::<Test>::get(C, 0), Some((Vote::Aye, 25)), "stored capped");
		assert_eq!(VotingFor::<Test>::get(C, 1), Some((Vote::Aye, 60)), "not ongoing: untouched");
		assert!(!tallies.contains_key(&1));
	});
}

//! pallet-poc's tests, by topic (docs/protocol.md §2–§5).

mod attacks;
mod commit;
mod displacement;
mod epochs;
mod invariants;
mod registration;
mod seats;
mod secrets;
mod tally;
mod verdicts;
mod voting;

use polkadot_sdk::frame_support::BoundedVec;

use crate::{mock::*, sampling, Assignments, Seats, Verdict};

/// The genesis validators of the multi-seat scenarios: five, so each participant has five seats
/// (four when it is one of them) and majorities mean something.
pub const VALIDATORS: [AccountId; 5] = [20, 21, 22, 23, 24];

/// Registers and commits `sprints` in epoch `epoch` (the chain must be before its commit window
/// closes), then runs into the validation window, where the seats are drawn.
pub fn commit_all(epoch: u32, sprints: &[&Sprint]) {
	run_to_phase(crate::Phase::Commit);
	for sprint in sprints {
		sprint.commit(epoch);
	}
	run_to_phase(crate::Phase::Validation);
}

/// Who sits in `participant`'s seats, in seat order.
pub fn seats_of(epoch: u32, participant: AccountId) -> Vec<AccountId> {
	Seats::<Test>::get(epoch, participant)
		.map(|seats| seats.into_iter().map(|s| s.validator).collect())
		.unwrap_or_default()
}

/// `validator`'s seat number on `participant`.
pub fn seat_number(epoch: u32, validator: AccountId, participant: AccountId) -> u32 {
	Assignments::<Test>::get((epoch, validator, participant)).expect("sits")
}

/// The indices `validator`'s seat on `sprint` samples, from its secret.
pub fn sampled(epoch: u32, validator: AccountId, sprint: &Sprint) -> Vec<u32> {
	sampling::sample_indices(
		&secret_of(validator, epoch),
		&sprint.host,
		&sprint.root(),
		sprint.count(),
		seat_number(epoch, validator, sprint.host),
		crate::EpochParams::<Test>::get(epoch).expect("params").samples_per_seat,
	)
}

/// Submits `validator`'s verdicts in one chunk, revealing its secret.
pub fn submit(
	epoch: u32,
	validator: AccountId,
	verdicts: Vec<(AccountId, Verdict)>,
) -> polkadot_sdk::sp_runtime::DispatchResult {
	Poc::submit_verdicts(
		RuntimeOrigin::signed(validator),
		epoch,
		Some(secret_of(validator, epoch)),
		BoundedVec::truncate_from(verdicts),
	)
	.map(|_| ())
	.map_err(|e| e.error)
}

/// Every seat of every participant in `participants` says `Valid`, except `except`.
pub fn all_valid(epoch: u32, participants: &[AccountId], except: &[AccountId]) {
	for &participant in participants {
		for validator in seats_of(epoch, participant) {
			if !except.contains(&validator) {
				submit(epoch, validator, vec![(participant, Verdict::Valid)])
					.expect("valid verdict");
			}
		}
	}
}

/// Commits every genesis validator's secret for `epoch` (during the epoch before).
pub fn commit_secrets(epoch: u32, validators: &[AccountId]) {
	for &validator in validators {
		Poc::commit_secret(
			RuntimeOrigin::signed(validator),
			epoch,
			commitment_of(secret_of(validator, epoch)),
		)
		.expect("secret committed");
	}
}

/// Commits the [`VALIDATORS`]' secrets for epoch 2 and runs to it: the first epoch in which a
/// genesis validator's silence costs (docs/protocol.md §4, genesis secrets).
pub fn to_epoch_two() {
	commit_secrets(2, &VALIDATORS);
	run_to_epoch(2);
}

/// The host bond (`min_host_bond`).
pub const BOND: u128 = 1_000 * SPR;

/// Five genesis validators ([`VALIDATORS`]), each bonded from genesis.
pub fn scenario() -> polkadot_sdk::sp_io::TestExternalities {
	ExtBuilder::default().with_genesis_validators(&VALIDATORS).build()
}

/// `who`'s collateral held (active and unbonding).
pub fn held(who: AccountId) -> u128 {
	Collateral::held(&who)
}

/// Whether `who` is jailed now.
pub fn jailed(who: AccountId) -> bool {
	<Collateral as sprint_primitives::Slasher<_>>::is_jailed(&who)
}

/// The tally's outcome for `host` in `epoch`.
pub fn outcome_in(epoch: u32, host: AccountId) -> Option<crate::Outcome> {
	crate::Outcomes::<Test>::get(epoch, host).map(|l| l.outcome)
}

/// `voter`, a seat of `participant`, votes on the seat of validator `on`: `bad` names the leaf
/// it finds bad, `None` finds it good.
pub fn vote_in(
	epoch: u32,
	voter: AccountId,
	participant: AccountId,
	on: AccountId,
	bad: Option<u32>,
) {
	let seat = seat_number(epoch, on, participant);
	Poc::vote(
		RuntimeOrigin::signed(voter),
		epoch,
		participant,
		BoundedVec::truncate_from(vec![(seat, bad)]),
	)
	.expect("vote counted");
}

//! One line per epoch of this host's work, once the chain has tallied it: the decision
//! (docs/protocol.md §4), the weight and reward it earned, or why it earned none.
//!
//! Everything comes from chain state after the tally: `Outcomes`, `Seats`, `AcceptedWeights`,
//! `Forfeited` and the tally's W(e) in pallet-poc, the epoch's budget in pallet-emission. The
//! reward is pallet-emission's share, `budget · ŵ / W(e)` rounded down: what it credits unless
//! the emission cap binds.

use polkadot_sdk::sp_core::U256;
use sprint_core::{EpochIndex, ForfeitReason, Outcome, Seat, SeatVerdict, TallyLine, TallyStage};

use super::Worker;
use crate::chain::{read, AccountId, BlockView, Call, CallKey};

/// Planck per SPR.
const PLANCK_PER_SPR: u128 = 1_000_000_000;

/// What the chain decided about one epoch of this host's work.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochReport {
	pub epoch: EpochIndex,
	/// Leaves committed.
	pub committed: u32,
	pub line: TallyLine,
	/// The verdicts of its seats.
	pub seats: Vec<SeatVerdict>,
	/// Its accepted weight ŵ (zero unless accepted).
	pub accepted_weight: u128,
	/// Its reward share in planck, when the epoch's budget and W(e) are known.
	pub reward: Option<u128>,
	pub forfeited: Option<ForfeitReason>,
}

/// `budget · weight / total`, rounded down, as pallet-emission shares an epoch's budget.
pub fn reward_share(budget: u128, weight: u128, total: u128) -> Option<u128> {
	if total == 0 {
		return None;
	}
	let share = U256::from(budget) * U256::from(weight.min(total)) / U256::from(total);
	Some(share.low_u128())
}

/// `planck` as SPR with three decimals (rounded down).
pub fn spr(planck: u128) -> String {
	format!("{}.{:03} SPR", planck / PLANCK_PER_SPR, planck % PLANCK_PER_SPR / 1_000_000)
}

impl EpochReport {
	/// What its seats said: `2 seats: 1 Valid, 1 challenged` (challenges, fraud claims and
	/// silent seats named only when there are any).
	pub fn seats(&self) -> String {
		let count = |f: fn(&SeatVerdict) -> bool| self.seats.iter().filter(|v| f(v)).count();
		let valid = count(|v| matches!(v, SeatVerdict::Valid));
		let challenged = count(|v| matches!(v, SeatVerdict::Unavailable { .. }));
		let claims = count(|v| {
			matches!(
				v,
				SeatVerdict::FraudClaim { .. }
					| SeatVerdict::ProvenFraud { .. }
					| SeatVerdict::ProvenBadLeaf { .. }
			)
		});
		let silent = count(|v| matches!(v, SeatVerdict::Silent));
		let n = self.seats.len();
		let mut text = format!("{n} seat{}: {valid} Valid", if n == 1 { "" } else { "s" });
		for (k, what) in [(challenged, "challenged"), (claims, "fraud claim"), (silent, "silent")] {
			if k > 0 {
				let plural = if k > 1 && what == "fraud claim" { "s" } else { "" };
				text.push_str(&format!(", {k} {what}{plural}"));
			}
		}
		text
	}

	/// The log line: `epoch 3: Accepted — …`.
	pub fn describe(&self) -> String {
		let epoch = self.epoch;
		let committed = self.committed;
		let seats = self.seats();
		match self.line.outcome {
			Outcome::Accepted => {
				let reward = match (self.reward, self.forfeited) {
					(_, Some(reason)) => format!("reward forfeited ({})", forfeit(reason)),
					(Some(reward), None) => format!("reward {} (vesting)", spr(reward)),
					(None, None) => "reward not known (the epoch's budget is pruned)".to_owned(),
				};
				format!(
					"epoch {epoch}: Accepted — {committed} leaves committed, weight {}, {reward}; \
					 {seats}",
					self.accepted_weight
				)
			}
			Outcome::Rejected if self.seats.is_empty() => format!(
				"epoch {epoch}: Rejected — {committed} leaves committed, but no validator sat on \
				 them: nobody checks their own work, so a host needs another validator (on a dev \
				 chain, start a second worker: see README.md). Weight zero, no slash"
			),
			Outcome::Rejected => format!(
				"epoch {epoch}: Rejected — {seats}: acceptance needs at least half of the seats \
				 voting and more than half of those Valid (a fraud claim is confirmed only by \
				 other seats). Weight zero, no slash"
			),
			Outcome::Fraud => format!(
				"epoch {epoch}: Fraud — a bad leaf among the {committed} committed was proven or \
				 confirmed by its seats ({seats}): slashed and jailed, weight zero"
			),
			Outcome::Unanswered => format!(
				"epoch {epoch}: Unanswered — a challenge for sampled leaves was not answered on \
				 chain in time: slashed and jailed as fraud, weight zero (is the proof server \
				 reachable, and the worker running through the answer period?)"
			),
		}
	}
}

fn forfeit(reason: ForfeitReason) -> &'static str {
	match reason {
		ForfeitReason::SilentSeat => {
			"a seat of this validator stayed silent, or its secret unrevealed"
		}
		ForfeitReason::RefutedClaim => "a fraud claim of this validator was refuted",
		ForfeitReason::LazyValid => "this validator said Valid of a leaf proven bad",
	}
}

impl Worker {
	/// Logs the decision on each epoch this host committed in, once its tally is done: the two
	/// epochs before the running one are looked at (a tally may run into the next epoch).
	pub(super) async fn report_outcomes(
		&mut self,
		view: &BlockView,
		current: EpochIndex,
	) -> anyhow::Result<()> {
		for epoch in current.saturating_sub(2)..current {
			if self.reported.is_some_and(|r| r >= epoch) {
				continue;
			}
			match epoch_report(view, epoch, &self.me).await? {
				Report::NotTallied => return Ok(()),
				Report::NotCommitted => {
					if !self.claim_compensation(view, epoch).await? {
						return Ok(());
					}
				}
				Report::Done(report) => {
					tracing::info!("{}", report.describe());
					let outcome = format!("{:?}", report.line.outcome).to_lowercase();
					crate::metrics::METRICS.outcomes.with_label_values(&[&outcome]).inc();
				}
			}
			self.reported = Some(epoch);
		}
		Ok(())
	}
}

impl Worker {
	/// If this host was displaced from `epoch`'s participants (docs/protocol.md §4) and the
	/// slot's holder was not accepted, claims the expected reward owed from the holder's bond.
	/// Returns whether the epoch is done with (false: wait for its tally, or for the claim to
	/// land).
	async fn claim_compensation(
		&mut self,
		view: &BlockView,
		epoch: EpochIndex,
	) -> anyhow::Result<bool> {
		let at = &view.at;
		let Some(displaced) = read::displaced(at, epoch, &self.me).await? else { return Ok(true) };
		if displaced.settled {
			return Ok(true);
		}
		let tally_done =
			read::tally_status(at, epoch).await?.is_some_and(|t| t.stage == TallyStage::Done);
		if !tally_done {
			return Ok(false);
		}
		let Some(holder) = read::participant(at, epoch, displaced.slot).await? else {
			return Ok(true);
		};
		let accepted = read::outcome(at, epoch, &holder)
			.await?
			.is_some_and(|line| line.outcome == Outcome::Accepted);
		if accepted {
			tracing::info!(
				"epoch {epoch}: displaced by a larger commitment ({} leaves here) that was 				 accepted: nothing is owed",
				displaced.count
			);
			return Ok(true);
		}
		let key = CallKey::Compensation(epoch);
		if self.due(key, view.number) {
			tracing::info!(
				"epoch {epoch}: displaced by a commitment that was not accepted: claiming this 				 host's expected reward from its bond"
			);
			let call = Call::CompensateDisplaced { epoch, displaced: self.me };
			self.send(key, call, view.number).await;
		}
		Ok(false)
	}
}

pub enum Report {
	/// This host committed nothing in that epoch.
	NotCommitted,
	/// Its tally has not decided yet.
	NotTallied,
	Done(Box<EpochReport>),
}

/// What the chain decided on `me`'s work of `epoch`, as of `view`.
pub async fn epoch_report(
	view: &BlockView,
	epoch: EpochIndex,
	me: &AccountId,
) -> anyhow::Result<Report> {
	let at = &view.at;
	let Some(commitment) = read::commitment(at, epoch, me).await? else {
		return Ok(Report::NotCommitted);
	};
	if read::tallying(at).await? == Some(epoch) {
		return Ok(Report::NotTallied);
	}
	let Some(line) = read::outcome(at, epoch, me).await? else { return Ok(Report::NotTallied) };
	let seats: Vec<Seat<AccountId>> = read::seats(at, epoch, me).await?;
	let accepted_weight = read::accepted_weight(at, epoch, me).await?.unwrap_or(0);
	let total = read::tally_status(at, epoch).await?.map_or(0, |t| t.total_weight);
	let reward = match read::epoch_budget(at, epoch).await? {
		Some(budget) if accepted_weight > 0 => reward_share(budget, accepted_weight, total),
		Some(_) => Some(0),
		None => None,
	};
	Ok(Report::Done(Box::new(EpochReport {
		epoch,
		committed: commitment.count,
		line,
		seats: seats.into_iter().map(|s| s.verdict).collect(),
		accepted_weight,
		reward,
		forfeited: read::forfeited(at, epoch, me).await?,
	})))
}

#[cfg(test)]
mod tests {
	use super::*;
	use polkadot_sdk::sp_core::H256;
	use sprint_core::Leaf;

	fn report(outcome: Outcome, seats: Vec<SeatVerdict>) -> EpochReport {
		EpochReport {
			epoch: 3,
			committed: 812,
			line: TallyLine { outcome, activated: 812 },
			seats,
			accepted_weight: 812,
			reward: Some(5_383_333_333_333),
			forfeited: None,
		}
	}

	#[test]
	fn shares_round_down_and_never_overflow() {
		assert_eq!(reward_share(1_000, 1, 3), Some(333));
		assert_eq!(reward_share(1_000, 3, 3), Some(1_000));
		// A weight above W(e) is capped at it, as pallet-emission caps it.
		assert_eq!(reward_share(1_000, 5, 3), Some(1_000));
		assert_eq!(reward_share(u128::MAX, u128::MAX - 1, u128::MAX), Some(u128::MAX - 1));
		assert_eq!(reward_share(1_000, 1, 0), None);
	}

	#[test]
	fn spr_has_three_decimals() {
		assert_eq!(spr(5_383_333_333_333), "5383.333 SPR");
		assert_eq!(spr(999_999), "0.000 SPR");
		assert_eq!(spr(1_000_000_000), "1.000 SPR");
	}

	#[test]
	fn each_outcome_says_what_happened_and_why() {
		let accepted = report(Outcome::Accepted, vec![SeatVerdict::Valid, SeatVerdict::Silent]);
		assert_eq!(
			accepted.describe(),
			"epoch 3: Accepted — 812 leaves committed, weight 812, reward 5383.333 SPR \
			 (vesting); 2 seats: 1 Valid, 1 silent"
		);
		let forfeited =
			EpochReport { forfeited: Some(ForfeitReason::SilentSeat), ..accepted.clone() };
		assert!(forfeited.describe().contains("reward forfeited (a seat of this validator"));

		let alone = report(Outcome::Rejected, vec![]).describe();
		assert!(alone.starts_with("epoch 3: Rejected — 812 leaves committed, but no validator"));
		assert!(alone.contains("nobody checks their own work"), "{alone}");

		let claimed =
			SeatVerdict::FraudClaim { index: 4, leaf: Leaf { nonce: 7, digest: H256::zero() } };
		let outvoted = report(Outcome::Rejected, vec![claimed, SeatVerdict::Silent]).describe();
		assert!(
			outvoted.starts_with("epoch 3: Rejected — 2 seats: 0 Valid, 1 fraud claim, 1 silent: "),
			"{outvoted}"
		);

		let challenged = SeatVerdict::Unavailable { indices: Default::default(), answer: None };
		let answered = report(Outcome::Accepted, vec![challenged]).describe();
		assert!(answered.ends_with("; 1 seat: 0 Valid, 1 challenged"), "{answered}");

		assert!(report(Outcome::Fraud, vec![]).describe().starts_with("epoch 3: Fraud — "));
		assert!(report(Outcome::Unanswered, vec![])
			.describe()
			.starts_with("epoch 3: Unanswered — "));
	}
}

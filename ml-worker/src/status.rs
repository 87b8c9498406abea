//! `sprint-worker status`: what the chain says about one host, read from its state at the
//! latest finalized block — registration, bond and jail, the last epochs' outcomes, weights and
//! rewards, rewards vesting and claimable, this epoch's seats, inference fees — as a table or as
//! JSON.

use anyhow::Context as _;
use polkadot_sdk::sp_core::{crypto::Ss58Codec, sr25519};
use serde::Serialize;
use sprint_core::EpochIndex;

use crate::{
	chain::{inference, read, AccountId, Chain},
	run::outcome::{epoch_report, spr, Report},
};

/// One epoch of the host's work.
#[derive(Debug, Serialize)]
pub struct EpochLine {
	pub epoch: EpochIndex,
	/// Leaves committed; `None`: it did not commit.
	pub committed: Option<u32>,
	/// `Accepted`, `Rejected`, `Fraud`, `Unanswered`, `not tallied yet` or `none`.
	pub outcome: String,
	pub accepted_weight: u128,
	/// Planck; `None` where not known.
	pub reward: Option<u128>,
	/// Its seats, e.g. `1 seat: 1 Valid`.
	pub seats: String,
	/// Inference answers it served for tickets of that epoch, settled on chain.
	pub answers_settled: u32,
}

/// One phase of the running epoch: blocks `[start, end)`.
#[derive(Debug, Serialize)]
pub struct PhaseSpan {
	pub phase: &'static str,
	pub start: u32,
	pub end: u32,
}

/// The host as the chain sees it.
#[derive(Debug, Serialize)]
pub struct Status {
	pub account: String,
	pub node: String,
	pub block: u32,
	pub epoch: Option<EpochIndex>,
	pub phase: Option<String>,
	/// The running epoch's phases, in blocks.
	pub timeline: Vec<PhaseSpan>,
	/// Planck.
	pub free_balance: u128,
	pub registered: bool,
	pub proof_url: Option<String>,
	/// Planck held as the host bond (zero: none, or unbonding).
	pub host_bond: u128,
	pub jailed_until: Option<EpochIndex>,
	pub epochs: Vec<EpochLine>,
	/// Rewards claimable now (`emission.claimRewards`), planck.
	pub rewards_claimable: u128,
	/// Rewards still vesting, planck.
	pub rewards_vesting: u128,
	/// `(epoch, claimable then)`: the vesting schedule ahead, if nothing is claimed meanwhile.
	pub vesting_schedule: Vec<(EpochIndex, u128)>,
	/// Hosts this account checks in the running epoch.
	pub seats_this_epoch: usize,
	/// Inference fees pending, planck (claimable once their audit window closes).
	pub fees_pending: u128,
	/// Carbon certificates it owns (docs/protocol.md §9), not retired.
	pub certificates: usize,
	/// Their estimated energy, millijoules.
	pub certificates_mj: u128,
}

/// Reads `who`'s status from the node at `url`, with its last `epochs` epochs.
pub async fn status(url: &str, who: AccountId, epochs: u32) -> anyhow::Result<Status> {
	let chain = Chain::connect(url).await.with_context(|| {
		format!("cannot reach sprint-node at {url}: is it running, and is that its RPC address? (--node)")
	})?;
	status_on(&chain, who, epochs).await
}

/// [`status`] through a connection already open.
pub async fn status_on(chain: &Chain, who: AccountId, epochs: u32) -> anyhow::Result<Status> {
	let url = chain.url();
	let view = chain.latest().await?;
	let at = &view.at;
	let host = read::host(at, &who).await?;
	let current = view.status.as_ref().map(|s| s.epoch);
	let mut lines = Vec::new();
	if let Some(current) = current {
		for epoch in current.saturating_sub(epochs)..current {
			let line = match epoch_report(&view, epoch, &who).await? {
				Report::NotCommitted => EpochLine {
					epoch,
					committed: None,
					outcome: "none".into(),
					accepted_weight: 0,
					reward: None,
					seats: String::new(),
					answers_settled: 0,
				},
				Report::NotTallied => EpochLine {
					epoch,
					committed: read::commitment(at, epoch, &who).await?.map(|c| c.count),
					outcome: "not tallied yet".into(),
					accepted_weight: 0,
					reward: None,
					seats: String::new(),
					answers_settled: 0,
				},
				Report::Done(report) => EpochLine {
					epoch,
					committed: Some(report.committed),
					outcome: format!("{:?}", report.line.outcome),
					accepted_weight: report.accepted_weight,
					reward: report.reward,
					seats: report.seats(),
					answers_settled: 0,
				},
			};
			let answers_settled = inference::served(at, epoch, &who).await.unwrap_or(0);
			lines.push(EpochLine { answers_settled, ..line });
		}
	}
	let now = current.unwrap_or(0);
	let ledger = read::reward_ledger(at, &who).await?.unwrap_or_default();
	let (claimable, vesting) = vesting_split(ledger.0, &ledger.1, now);
	let schedule = vesting_schedule(ledger.0, &ledger.1, now, 48);
	let timeline = view.status.as_ref().map_or_else(Vec::new, |s| {
		let p = &s.params;
		let mut start = s.epoch_start;
		[
			("Generation", p.generation_window),
			("Commit", p.commit_window),
			("Validation", p.validation_window),
			("Answer", p.answer_period),
			("Check", p.check_period),
		]
		.into_iter()
		.chain(std::iter::once(("Rest", 0)))
		.map(|(phase, length)| {
			let length = if phase == "Rest" {
				(s.epoch_start + p.epoch_length).saturating_sub(start)
			} else {
				length
			};
			let span = PhaseSpan { phase, start, end: start + length };
			start += length;
			span
		})
		.collect()
	});
	let seats = match current {
		Some(epoch) => read::assignments(at, epoch, &who).await?.len(),
		None => 0,
	};
	let fees = inference::pending_fees(at, &who)
		.await
		.map_or(0, |fees| fees.iter().map(|(_, amount)| *amount).fold(0u128, u128::saturating_add));
	// A chain without pallet-carbon has no certificates.
	let certificates = inference::certificates(at, &who).await.unwrap_or_default();
	Ok(Status {
		certificates: certificates.len(),
		certificates_mj: certificates
			.iter()
			.map(|(_, c)| c.energy_mj)
			.fold(0u128, u128::saturating_add),
		account: sr25519::Public::from_raw(who).to_ss58check(),
		node: url.to_owned(),
		block: view.number,
		epoch: current,
		phase: view.status.as_ref().map(|s| format!("{:?}", s.phase)),
		timeline,
		free_balance: read::free_balance(at, &who).await?,
		registered: host.is_some(),
		proof_url: host.map(|h| String::from_utf8_lossy(&h.proof_url).into_owned()),
		host_bond: read::host_bond(at, &who).await?,
		jailed_until: inference::jailed_until(at, &who).await?,
		epochs: lines,
		rewards_claimable: claimable,
		rewards_vesting: vesting,
		vesting_schedule: schedule,
		seats_this_epoch: seats,
		fees_pending: fees,
	})
}

/// `(claimable, still vesting)` of a reward ledger at epoch `now`: each bucket has vested
/// `amount · min(now − start, duration) / duration`, as pallet-emission releases it.
pub fn vesting_split(
	vested: u128,
	buckets: &[(EpochIndex, u32, u128)],
	now: EpochIndex,
) -> (u128, u128) {
	let mut claimable = vested;
	let mut vesting = 0u128;
	for &(start, duration, amount) in buckets {
		let duration = duration.max(1);
		let elapsed = now.saturating_sub(start).min(duration);
		let released = amount.saturating_mul(u128::from(elapsed)) / u128::from(duration);
		claimable = claimable.saturating_add(released);
		vesting = vesting.saturating_add(amount - released.min(amount));
	}
	(claimable, vesting)
}

/// Claimable rewards at `points` epochs from `now` until the last bucket has vested.
pub fn vesting_schedule(
	vested: u128,
	buckets: &[(EpochIndex, u32, u128)],
	now: EpochIndex,
	points: u32,
) -> Vec<(EpochIndex, u128)> {
	let end = buckets.iter().map(|&(start, duration, _)| start.saturating_add(duration)).max();
	let Some(end) = end.filter(|end| *end > now) else {
		return vec![(now, vesting_split(vested, buckets, now).0)];
	};
	let step = (end - now).div_ceil(points.max(1)).max(1);
	let mut out: Vec<_> = (now..end)
		.step_by(step as usize)
		.map(|e| (e, vesting_split(vested, buckets, e).0))
		.collect();
	out.push((end, vesting_split(vested, buckets, end).0));
	out
}

impl Status {
	/// The status as a human reads it.
	pub fn table(&self) -> String {
		let mut out = String::new();
		let mut row = |k: &str, v: String| out.push_str(&format!("{k:<20} {v}\n"));
		row("account", self.account.clone());
		row("node", format!("{} (block #{})", self.node, self.block));
		row(
			"epoch",
			match (self.epoch, &self.phase) {
				(Some(e), Some(p)) => format!("{e} ({p})"),
				_ => "not started".into(),
			},
		);
		row("balance", spr(self.free_balance));
		row(
			"registered",
			match &self.proof_url {
				Some(url) => format!("yes, proofs at {url}"),
				None => {
					"no: `sprint-worker run` registers the host once the account holds the bond"
						.into()
				}
			},
		);
		row("host bond", spr(self.host_bond));
		if let Some(epoch) = self.jailed_until {
			row("jailed", format!("until epoch {epoch}"));
		}
		row("rewards claimable", spr(self.rewards_claimable));
		row("rewards vesting", spr(self.rewards_vesting));
		row("seats this epoch", self.seats_this_epoch.to_string());
		row("inference fees", format!("{} pending", spr(self.fees_pending)));
		row(
			"carbon certificates",
			format!("{}, {} kWh estimated", self.certificates, kwh(self.certificates_mj)),
		);
		out.push('\n');
		out.push_str(&format!(
			"{:>6}  {:>9}  {:<15}  {:>10}  {:>18}  {:>7}  {}\n",
			"epoch", "committed", "outcome", "weight", "reward", "answers", "seats"
		));
		for line in &self.epochs {
			out.push_str(&format!(
				"{:>6}  {:>9}  {:<15}  {:>10}  {:>18}  {:>7}  {}\n",
				line.epoch,
				line.committed.map_or("-".into(), |c| c.to_string()),
				line.outcome,
				line.accepted_weight,
				line.reward.map_or("-".into(), spr),
				line.answers_settled,
				line.seats
			));
		}
		out
	}
}

/// Millijoules as kWh with 9 places.
fn kwh(millijoules: u128) -> String {
	const MJ_PER_KWH: u128 = 3_600_000_000;
	let fraction = (millijoules % MJ_PER_KWH) * 1_000_000_000 / MJ_PER_KWH;
	format!("{}.{fraction:09}", millijoules / MJ_PER_KWH)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn vesting_is_linear_from_each_bucket_start() {
		// 1,000 vesting over 10 epochs from epoch 5; 30 already vested.
		assert_eq!(vesting_split(30, &[(5, 10, 1_000)], 5), (30, 1_000));
		assert_eq!(vesting_split(30, &[(5, 10, 1_000)], 8), (330, 700));
		assert_eq!(vesting_split(30, &[(5, 10, 1_000)], 40), (1_030, 0));
		assert_eq!(vesting_split(0, &[(5, 10, 1_000), (6, 10, 500)], 7), (250, 1_250));
		assert_eq!(vesting_split(0, &[], 7), (0, 0));
	}

	#[test]
	fn the_schedule_ends_when_the_last_bucket_has_vested() {
		let schedule = vesting_schedule(30, &[(5, 10, 1_000)], 5, 4);
		assert_eq!(schedule.first(), Some(&(5, 30)));
		assert_eq!(schedule.last(), Some(&(15, 1_030)));
		assert!(schedule.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1), "{schedule:?}");
		assert!(schedule.len() <= 6);
		assert_eq!(vesting_schedule(30, &[], 9, 4), vec![(9, 30)]);
	}
}

//! The validator's half of the loop: verdicts on its seats in the validation window, votes in
//! the answer and check periods.
//!
//! Checking seats fetches from hosts that may be slow or silent on purpose, so it runs as its own
//! task, every seat at once (up to [`PARALLEL_SEATS`]), and never holds up the block loop — the
//! worker's own host duties (answering a challenge) go on meanwhile.

use std::time::Instant;

use futures::StreamExt as _;
use pallet_poc::{EpochStatus, Phase, SeatVerdict, Verdict, MAX_VERDICTS_PER_CHUNK};

use super::Worker;
use crate::{
	chain::{read, AccountId, BlockNumber, BlockView, Call},
	validate::{self, secret, EpochWork},
};

/// Seats checked at the same time.
pub const PARALLEL_SEATS: usize = 16;

impl Worker {
	pub(super) fn epoch_work(
		&mut self,
		status: &EpochStatus<BlockNumber>,
	) -> anyhow::Result<EpochWork> {
		Ok(EpochWork {
			epoch: status.epoch,
			genesis_hash: self.chain.genesis_hash(),
			seed: status.seed,
			target: status.target,
			samples_per_seat: status.params.samples_per_seat,
			allow_private_urls: self.chain.is_test_chain(),
			weights: self.weights(status)?,
			backend: self.backend.clone(),
		})
	}

	/// Starts checking this worker's silent seats (at most one such task at a time).
	pub(super) async fn submit_verdicts(
		&mut self,
		view: &BlockView,
		status: &EpochStatus<BlockNumber>,
	) -> anyhow::Result<()> {
		let epoch = status.epoch;
		if self.verdicts.as_ref().is_some_and(|(_, task)| !task.is_finished()) {
			return Ok(());
		}
		let mut silent = Vec::new();
		for (participant, seat) in read::assignments(&view.at, epoch, &self.me).await? {
			let seats = read::seats(&view.at, epoch, &participant).await?;
			if seats.get(seat as usize).map(|s| &s.verdict) == Some(&SeatVerdict::Silent) {
				silent.push((participant, seat));
			}
		}
		let what = format!("verdicts/{epoch}");
		if silent.is_empty() || !self.due(&what, view.number) {
			return Ok(());
		}
		let Some(committed) = read::secret_commitment(&view.at, epoch, &self.me).await? else {
			tracing::warn!("epoch {epoch}: seated without a secret commitment?");
			return Ok(());
		};
		let Some(my_secret) = secret::matching(&committed, self.secret_candidates(epoch)) else {
			tracing::error!(
				"epoch {epoch}: the committed secret is none this worker can derive (another \
				 key, or a dev chain without `dev_secret`): cannot validate this epoch"
			);
			return Ok(());
		};
		let mut seats = Vec::with_capacity(silent.len());
		for (participant, seat) in silent {
			let Some(commitment) = read::commitment(&view.at, epoch, &participant).await? else {
				continue;
			};
			let proof_url = read::host(&view.at, &participant)
				.await?
				.and_then(|info| String::from_utf8(info.proof_url.into_inner()).ok());
			seats.push((participant, seat, commitment, proof_url));
		}
		let reveal = read::revealed_secret(&view.at, epoch, &self.me).await?.is_none();
		let work = self.epoch_work(status)?;
		let (http, sends, now) = (self.http.clone(), self.sends.clone(), view.number);
		let task = tokio::spawn(async move {
			let checks = seats.into_iter().map(|(participant, seat, commitment, url)| {
				let (http, work) = (http.clone(), work.clone());
				async move {
					let started = Instant::now();
					let checked = validate::check_seat(
						&http,
						&work,
						participant,
						seat,
						&my_secret,
						&commitment,
						url.as_deref(),
					)
					.await;
					(participant, seat, checked, started.elapsed())
				}
			});
			let mut verdicts: Vec<(AccountId, Verdict)> = Vec::new();
			let mut done = futures::stream::iter(checks).buffer_unordered(PARALLEL_SEATS);
			while let Some((participant, seat, checked, took)) = done.next().await {
				let checked = match checked {
					Ok(checked) => checked,
					Err(e) => {
						tracing::error!("epoch {epoch}: cannot recompute leaves: {e}");
						continue;
					}
				};
				let kind = match &checked.verdict {
					Verdict::Valid => "Valid",
					Verdict::Fraud(_) => "Fraud",
					Verdict::Unavailable(_) => "Unavailable",
				};
				tracing::info!(
					"epoch {epoch}: seat {seat} of 0x{}: {kind} ({}; {:.0} ms)",
					hex::encode(participant),
					checked.reason,
					took.as_secs_f64() * 1e3
				);
				verdicts.push((participant, checked.verdict));
			}
			let mut secret = reveal.then_some(my_secret);
			for (i, chunk) in verdicts.chunks(MAX_VERDICTS_PER_CHUNK as usize).enumerate() {
				let call =
					Call::SubmitVerdicts { epoch, secret: secret.take(), verdicts: chunk.to_vec() };
				let what = if i == 0 { what.clone() } else { format!("{what}/{i}") };
				sends.send(what, call, now).await;
			}
		});
		self.verdicts = Some((epoch, task));
		Ok(())
	}

	/// Votes on the claims (answer period) and posted answers (check period) of the seats of
	/// each participant this worker checks, recomputing the leaves in question.
	pub(super) async fn vote(
		&mut self,
		view: &BlockView,
		status: &EpochStatus<BlockNumber>,
	) -> anyhow::Result<()> {
		let epoch = status.epoch;
		let assignments = read::assignments(&view.at, epoch, &self.me).await?;
		for (participant, mine) in assignments {
			let seats = read::seats(&view.at, epoch, &participant).await?;
			let open: Vec<_> = seats
				.iter()
				.enumerate()
				.filter(|(_, seat)| !seat.votes.iter().any(|(voter, _)| *voter == mine))
				.filter(|(_, seat)| {
					matches!(
						(&seat.verdict, status.phase),
						(SeatVerdict::FraudClaim { .. }, Phase::Answer)
							| (SeatVerdict::Unavailable { answer: Some(_), .. }, Phase::Check)
					)
				})
				.collect();
			let what = format!("vote/{epoch}/{:?}/{}", status.phase, hex::encode(participant));
			if open.is_empty() || !self.due(&what, view.number) {
				continue;
			}
			let work = self.epoch_work(status)?;
			let mut votes = Vec::with_capacity(open.len());
			for (index, seat) in open {
				let bad = match &seat.verdict {
					SeatVerdict::FraudClaim { index: leaf_index, leaf } => {
						(!work.leaf_is_true(participant, leaf).await?).then_some(*leaf_index)
					}
					SeatVerdict::Unavailable { answer: Some(posted), .. } => {
						validate::vote_on_answer(&work, participant, posted).await?
					}
					_ => continue,
				};
				votes.push((index as u32, bad));
			}
			tracing::info!(
				"epoch {epoch}: voting on 0x{}: {votes:?} (seat, bad leaf)",
				hex::encode(participant)
			);
			self.send(&what, Call::Vote { epoch, participant, votes }, view.number).await;
		}
		Ok(())
	}
}

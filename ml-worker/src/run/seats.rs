//! The validator's half of the loop: verdicts on its seats in the validation window, votes in
//! the answer and check periods.
//!
//! Checking seats fetches from hosts that may be slow or silent on purpose, so it runs as its own
//! task ([`validate::seats::check_seats`]: every seat at once, each with a deadline derived from
//! the window) and never holds up the block loop — the worker's own host duties (answering a
//! challenge) go on meanwhile. Each verdict is sent as soon as its check ends, in a call of its
//! own that carries the secret (revealing it again is harmless), so that no slow host delays
//! another's verdict and no call depends on an earlier one landing first.

use std::time::Instant;

use futures::StreamExt as _;
use sprint_core::{EpochIndex, EpochStatus, Phase, SeatVerdict, Verdict};

use super::Worker;
use crate::{
	chain::{read, BlockNumber, BlockView, Call, CallKey, VoteOn},
	validate::{
		self,
		seats::{check_seats, deadline, SeatToCheck},
		secret, EpochWork,
	},
};

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

	/// Reveals this worker's committed secret for `epoch` with `reveal_secret`, unless it is
	/// revealed already or there is none.
	async fn reveal_alone(&mut self, view: &BlockView, epoch: EpochIndex) -> anyhow::Result<()> {
		if read::revealed_secret(&view.at, epoch, &self.me).await?.is_some() {
			return Ok(());
		}
		let Some(committed) = read::secret_commitment(&view.at, epoch, &self.me).await? else {
			return Ok(());
		};
		let what = CallKey::Reveal(epoch);
		if !self.due(what, view.number) {
			return Ok(());
		}
		let Some(secret) = secret::matching(&committed, self.secret_candidates(epoch)) else {
			if self.unrevealable == Some(epoch) {
				return Ok(());
			}
			self.unrevealable = Some(epoch);
			tracing::error!(
				"epoch {epoch}: the committed secret is none this worker can derive (another \
				 key, or a dev chain without `dev_secret`): it cannot be revealed, and the tally \
				 will charge a silent seat"
			);
			return Ok(());
		};
		tracing::info!("epoch {epoch}: no seat; revealing the committed secret");
		self.send(what, Call::RevealSecret { epoch, secret }, view.number).await;
		Ok(())
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
		let assignments = read::assignments(&view.at, epoch, &self.me).await?;
		if assignments.is_empty() {
			// No seat once the draw is done: the committed secret must still be revealed in
			// this window, or the tally charges a silent seat.
			if read::draw_done(&view.at, epoch).await? {
				self.reveal_alone(view, epoch).await?;
			}
			return Ok(());
		}
		// Each seat's verdict is a call of its own: a seat whose verdict is on its way is not
		// checked again.
		let mut silent = Vec::new();
		for (participant, seat) in assignments {
			let seats = read::seats(&view.at, epoch, &participant).await?;
			if seats.get(seat as usize).map(|s| &s.verdict) == Some(&SeatVerdict::Silent)
				&& self.due(CallKey::Verdict(epoch, participant), view.number)
			{
				silent.push((participant, seat));
			}
		}
		if silent.is_empty() {
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
			seats.push(SeatToCheck { participant, seat, commitment, proof_url });
		}
		let params = &status.params;
		let window_end = status
			.epoch_start
			.saturating_add(params.generation_window)
			.saturating_add(params.commit_window)
			.saturating_add(params.validation_window);
		let blocks_left = window_end.saturating_sub(view.number);
		let block_time = self.clock.block_time();
		let deadline = deadline(Instant::now(), blocks_left, block_time);
		let work = self.epoch_work(status)?;
		let (http, sends, now) = (self.http.clone(), self.sends.clone(), view.number);
		tracing::info!(
			"epoch {epoch}: checking {} seat(s), {blocks_left} blocks ({:.1} s at {:.2} s a block) \
			 left in the validation window",
			seats.len(),
			deadline.saturating_duration_since(Instant::now()).as_secs_f64(),
			block_time.as_secs_f64(),
		);
		let task = tokio::spawn(async move {
			let mut checked = std::pin::pin!(check_seats(http, work, my_secret, seats, deadline));
			while let Some(seat) = checked.next().await {
				let (participant, number) = (seat.participant, seat.seat);
				let checked = match seat.checked {
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
				crate::metrics::METRICS.verdicts.with_label_values(&[&kind.to_lowercase()]).inc();
				tracing::info!(
					"epoch {epoch}: seat {number} of 0x{}: {kind} ({}; {:.0} ms)",
					hex::encode(participant),
					checked.reason,
					seat.took.as_secs_f64() * 1e3
				);
				let call = Call::SubmitVerdicts {
					epoch,
					secret: Some(my_secret),
					verdicts: vec![(participant, checked.verdict)],
				};
				sends.send(CallKey::Verdict(epoch, participant), call, now).await;
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
			let on = if status.phase == Phase::Answer { VoteOn::Claims } else { VoteOn::Answers };
			let what = CallKey::Vote(epoch, on, participant);
			if open.is_empty() || !self.due(what, view.number) {
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
			self.send(what, Call::Vote { epoch, participant, votes }, view.number).await;
		}
		Ok(())
	}
}

//! The host's half of the loop: the sprint (search in the generation window, commit in the
//! commit window), the committed leaves kept loaded for the proof server, and the answers to
//! `Unavailable` challenges.
//!
//! Before it sends `commit`, the worker writes `epoch-{e}.committed` (the committed count) next
//! to the leaves: from then on it never searches epoch e again — even after a restart against a
//! node that has not seen the commitment yet — and it rebuilds the committed tree from exactly
//! the first `count` leaves, so it can always serve what it committed.

use std::{
	path::PathBuf,
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc, Mutex,
	},
	time::{Duration, Instant},
};

use anyhow::Context as _;
use polkadot_sdk::sp_core::crypto::Pair as _;
use sprint_core::{EpochIndex, EpochStatus, Phase, SeatVerdict};

use super::{TestHooks, Worker};
use crate::{
	chain::{read, AccountId, BlockNumber, BlockView, Call, CallKey},
	model::Weights,
	proofs::Committed,
	sprint::{
		backend::Backend,
		leaves::LeafStore,
		search::{resume_at, search_batch},
	},
};

pub(super) struct SearchTask {
	epoch: EpochIndex,
	stop: Arc<AtomicBool>,
	handle: tokio::task::JoinHandle<anyhow::Result<usize>>,
}

impl Worker {
	fn leaves_path(&self, epoch: EpochIndex) -> PathBuf {
		self.data_dir.join(format!("epoch-{epoch}.leaves"))
	}

	fn marker_path(&self, epoch: EpochIndex) -> PathBuf {
		self.data_dir.join(format!("epoch-{epoch}.committed"))
	}

	/// The count this worker committed (or is committing) in `epoch`, from its marker file.
	fn committed_count(&self, epoch: EpochIndex) -> Option<u32> {
		std::fs::read_to_string(self.marker_path(epoch)).ok()?.trim().parse().ok()
	}

	/// Writes the marker atomically (temporary file, sync, rename).
	fn write_marker(&self, epoch: EpochIndex, count: u32) -> anyhow::Result<()> {
		let path = self.marker_path(epoch);
		let temporary = path.with_extension("committed.tmp");
		std::fs::write(&temporary, count.to_string())
			.and_then(|()| std::fs::File::open(&temporary)?.sync_all())
			.and_then(|()| std::fs::rename(&temporary, &path))
			.with_context(|| format!("cannot write {}", path.display()))
	}

	/// The committed sprint of `epoch`: the first `count` leaves on disk.
	fn committed_sprint(&self, epoch: EpochIndex, count: u32) -> anyhow::Result<Committed> {
		let store = LeafStore::open(self.leaves_path(epoch))?;
		let mut leaves = store.leaves();
		leaves.truncate(count as usize);
		Ok(Committed::new(epoch, self.me, leaves, self.keys.proof.public().0))
	}

	pub(super) fn stop_search(&mut self) {
		if let Some(task) = &self.search {
			task.stop.store(true, Ordering::Relaxed);
		}
	}

	async fn join_search(&mut self) {
		if let Some(task) = self.search.take() {
			task.stop.store(true, Ordering::Relaxed);
			match task.handle.await {
				Ok(Ok(leaves)) => {
					tracing::info!("epoch {}: sprint over, {leaves} leaves", task.epoch)
				}
				Ok(Err(e)) => tracing::error!("epoch {}: the sprint failed: {e:#}", task.epoch),
				Err(e) => tracing::error!("epoch {}: the sprint task died: {e}", task.epoch),
			}
		}
	}

	/// The host's sprint: search in the generation window, commit in the commit window, and
	/// keep the committed leaves loaded for the proof server.
	pub(super) async fn sprint(
		&mut self,
		view: &BlockView,
		status: &EpochStatus<BlockNumber>,
	) -> anyhow::Result<()> {
		let epoch = status.epoch;
		let on_chain = read::commitment(&view.at, epoch, &self.me).await?;
		let marked = self.committed_count(epoch);
		match status.phase {
			Phase::Generation if on_chain.is_none() && marked.is_none() => {
				let running = self.search.as_ref().filter(|t| !t.handle.is_finished());
				if running.map(|t| t.epoch) != Some(epoch) {
					self.join_search().await;
					self.start_search(status)?;
				}
			}
			Phase::Commit if on_chain.is_none() => {
				self.join_search().await;
				let what = CallKey::Commit(epoch);
				if !self.registered || !self.due(what, view.number) {
					return Ok(());
				}
				let count = match marked {
					Some(count) => count,
					None => {
						let found = LeafStore::open(self.leaves_path(epoch))?.len() as u32;
						let count = found.min(status.params.max_count);
						if count == 0 {
							tracing::warn!(
								"epoch {epoch}: no valid nonce found; nothing to commit"
							);
							return Ok(());
						}
						if found > count {
							tracing::info!(
								"epoch {epoch}: {found} leaves found, committing the first \
								 {count} (max_count)"
							);
						}
						self.write_marker(epoch, count)?;
						count
					}
				};
				let sprint = self.committed_sprint(epoch, count)?;
				let (root, count) = (sprint.commitment.root, sprint.commitment.count);
				self.proofs.insert(sprint);
				tracing::info!("epoch {epoch}: committing {count} leaves, root {root:?}");
				self.send(what, Call::Commit { epoch, root, count }, view.number).await;
			}
			_ => self.stop_search(),
		}
		if let Some(on_chain) = on_chain {
			if self.proofs.get(epoch).is_none() {
				let sprint = self.committed_sprint(epoch, on_chain.count)?;
				if sprint.commitment.root == on_chain.root {
					tracing::info!("epoch {epoch}: serving proofs of {} leaves", on_chain.count);
					self.proofs.insert(sprint);
				} else if self.due(CallKey::RootMismatch(epoch), view.number) {
					tracing::error!(
						"epoch {epoch}: the first {} leaves in {} do not give the committed root: \
						 this host cannot serve its proofs",
						on_chain.count,
						self.leaves_path(epoch).display()
					);
				}
			}
		}
		Ok(())
	}

	fn start_search(&mut self, status: &EpochStatus<BlockNumber>) -> anyhow::Result<()> {
		let weights = self.weights(status)?;
		let stop = Arc::new(AtomicBool::new(false));
		let job = SearchJob {
			epoch: status.epoch,
			backend: self.backend.clone(),
			weights,
			seed: status.seed.0,
			account: self.me,
			target: status.target.0,
			max_count: status.params.max_count as usize,
			path: self.leaves_path(status.epoch),
			stop: stop.clone(),
			hooks: self.hooks,
		};
		let handle = tokio::task::spawn_blocking(move || job.run());
		self.search = Some(SearchTask { epoch: status.epoch, stop, handle });
		Ok(())
	}

	/// Posts the openings a validator marked `Unavailable` (docs/protocol.md §4).
	pub(super) async fn answer_challenges(
		&mut self,
		view: &BlockView,
		status: &EpochStatus<BlockNumber>,
	) -> anyhow::Result<()> {
		if !matches!(status.phase, Phase::Validation | Phase::Answer) {
			return Ok(());
		}
		let epoch = status.epoch;
		for seat in read::seats(&view.at, epoch, &self.me).await? {
			let SeatVerdict::Unavailable { indices, answer: None } = &seat.verdict else {
				continue;
			};
			let Some(sprint) = self.proofs.get(epoch) else {
				tracing::error!("epoch {epoch}: challenged, but no committed leaves are loaded");
				return Ok(());
			};
			let what = CallKey::Answer(epoch, seat.validator);
			if !self.due(what, view.number) {
				continue;
			}
			let (key, genesis) = (self.proofs.proof_key(), self.proofs.genesis_hash());
			let openings: Option<Vec<_>> =
				indices.iter().map(|i| sprint.signed_opening(*i, key, genesis)).collect();
			let Some(openings) = openings else {
				tracing::error!(
					"epoch {epoch}: challenged for indices beyond the committed leaves"
				);
				continue;
			};
			tracing::info!(
				"epoch {epoch}: answering a challenge for {} leaves on chain",
				openings.len()
			);
			let call = Call::AnswerChallenge { epoch, validator: seat.validator, openings };
			self.send(what, call, view.number).await;
		}
		Ok(())
	}
}

/// One epoch's nonce search, on a blocking thread.
pub(super) struct SearchJob {
	epoch: EpochIndex,
	backend: Arc<Mutex<Backend>>,
	weights: Arc<Weights>,
	seed: [u8; 32],
	account: AccountId,
	target: [u8; 32],
	/// The most leaves a commitment may hold: the search stops there.
	max_count: usize,
	path: PathBuf,
	stop: Arc<AtomicBool>,
	hooks: TestHooks,
}

impl SearchJob {
	fn run(self) -> anyhow::Result<usize> {
		let epoch = self.epoch;
		let mut store = LeafStore::open(&self.path)
			.with_context(|| format!("cannot open {}", self.path.display()))?;
		let mut next = resume_at(&store);
		let at_start = store.len();
		if at_start > 0 {
			tracing::info!("epoch {epoch}: resuming at nonce {next}, {at_start} leaves on disk");
		} else {
			tracing::info!("epoch {epoch}: sprint started");
		}
		let pause_at = self
			.hooks
			.pause_after_leaves
			.filter(|(e, n)| *e == epoch && at_start < *n)
			.map(|(_, n)| n);
		let bar = indicatif::ProgressBar::new_spinner();
		bar.set_style(
			indicatif::ProgressStyle::with_template("{spinner} epoch {prefix}: {msg} [{elapsed}]")
				.expect("a fixed, valid template; qed"),
		);
		bar.set_prefix(epoch.to_string());
		let (started, mut tried, mut logged) = (Instant::now(), 0u64, Instant::now());
		// Leaves already on disk (a resumed sprint) were counted by the run that found them.
		let mut counted = store.len();
		crate::metrics::METRICS.sprint_leaves.set(counted as i64);
		while !self.stop.load(Ordering::Relaxed) && store.len() < self.max_count {
			let mut backend = self.backend.lock().unwrap_or_else(|p| p.into_inner());
			let end = next.saturating_add(backend.batch(&self.weights) as u64);
			search_batch(
				&mut backend,
				&self.weights,
				&self.seed,
				&self.account,
				&self.target,
				&mut store,
				next..end,
				self.hooks.cheat,
			)?;
			drop(backend);
			tried += end - next;
			let metrics = &crate::metrics::METRICS;
			metrics.nonces.inc_by(end - next);
			next = end;
			let rate = tried as f64 / started.elapsed().as_secs_f64().max(1e-9);
			metrics.nonce_rate.set(rate);
			metrics.leaves.inc_by(store.len().saturating_sub(counted) as u64);
			counted = store.len();
			metrics.sprint_leaves.set(counted as i64);
			let message = format!("{tried} nonces, {rate:.0} nonces/s, {} valid", store.len());
			bar.set_message(message.clone());
			if logged.elapsed() >= Duration::from_secs(5) {
				tracing::info!("epoch {epoch}: {message}");
				logged = Instant::now();
			}
			if let Some(n) = pause_at.filter(|n| store.len() >= *n) {
				// Test-only: the end-to-end test kills -9 the worker on this line.
				eprintln!("sprint-worker test hook: paused after {n} leaves in epoch {epoch}");
				loop {
					std::thread::park();
				}
			}
		}
		bar.finish_and_clear();
		if store.len() >= self.max_count {
			tracing::info!(
				"epoch {epoch}: max_count ({}) leaves found: search done",
				self.max_count
			);
		}
		tracing::info!(
			"epoch {epoch}: {tried} nonces tried in {:.1} s, {} leaves on disk",
			started.elapsed().as_secs_f64(),
			store.len()
		);
		Ok(store.len())
	}
}

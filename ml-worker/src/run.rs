//! `sprint-worker run`: follows the chain's finalized blocks and does, each block, what the
//! epoch's phase asks of this worker (SPEC.md §2–§4):
//!
//! | phase | as a host | as a validator |
//! |---|---|---|
//! | any | register once (bond held by the chain) | commit the secret of the next epoch |
//! | generation | search nonces, leaves to disk as found | — |
//! | commit | build the tree, `commit(epoch, root, count)` | — |
//! | validation | answer `Unavailable` challenges on chain | check its seats, submit verdicts |
//! | answer | answer challenges | vote on fraud claims |
//! | check | — | vote on posted answers |
//!
//! Each action is decided from chain state at that block, so a restarted worker simply picks
//! up where the chain is: the search resumes after the last leaf on disk, a commitment is
//! rebuilt from the leaves, a verdict is sent only for seats still silent. A call sent but not
//! yet seen on chain is re-sent after [`RESEND_AFTER`] blocks.

use std::{
	collections::HashMap,
	path::PathBuf,
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc, Mutex,
	},
	time::{Duration, Instant},
};

use anyhow::Context as _;
use pallet_poc::{EpochIndex, EpochStatus, Phase, SeatVerdict, Verdict, MAX_VERDICTS_PER_CHUNK};
use polkadot_sdk::sp_core::{crypto::Pair as _, H256};

use crate::{
	chain::{read, AccountId, AccountSigner, BlockNumber, BlockView, Call, Chain},
	config::Config,
	keys::{KeyFile, Keys},
	model::{ModelShape, Weights},
	proofs::{server::ProofState, Committed},
	sprint::{
		backend::Backend,
		leaves::LeafStore,
		search::{resume_at, search_batch, Cheat},
	},
	validate::{self, secret, EpochWork},
};

/// Blocks after which a call not yet reflected on chain is sent again.
pub const RESEND_AFTER: BlockNumber = 3;

/// Test-only behaviour, switched on by hidden flags for the end-to-end tests.
#[derive(Clone, Copy, Debug, Default)]
pub struct TestHooks {
	pub cheat: Cheat,
	/// The proof server answers 503 to everyone (the host still answers challenges on chain).
	pub withhold_proofs: bool,
	/// `(epoch, n)`: stop dead (print a line and hang) once `n` leaves of `epoch` are on disk,
	/// so a test can `kill -9` the worker at a known point of its sprint.
	pub pause_after_leaves: Option<(EpochIndex, usize)>,
}

/// Runs the worker until Ctrl-C or a fatal error.
pub async fn run(config: Config, hooks: TestHooks) -> anyhow::Result<()> {
	config.validate()?;
	let keys = KeyFile::load(&config.key_file)?;
	tracing::info!("keys loaded from {}\n{}", config.key_file.display(), keys.describe());
	let backend = Backend::choose(config.backend, config.threads)?;
	tracing::info!("PoW backend: {}", backend.describe());
	let backend = Arc::new(Mutex::new(backend));

	let chain = connect(&config.node_url).await?;
	let genesis = chain.genesis_hash();
	tracing::info!("connected to {} (genesis {genesis:?})", chain.url());
	let proofs = ProofState::new(keys.proof.clone(), genesis, hooks.withhold_proofs);
	let server =
		crate::proofs::server::bind(config.listen, proofs.clone()).await.with_context(|| {
			format!("cannot listen on {}: is another worker running? Set `listen`", config.listen)
		})?;
	tokio::spawn(async move {
		if let Err(e) = server.await {
			tracing::error!("proof server stopped: {e}");
		}
	});
	tracing::info!(
		"proof server on http://{} (registered as {})",
		config.listen,
		config.proof_url()
	);

	let data_dir = config.data_dir.join(hex::encode(&genesis.as_bytes()[..8]));
	std::fs::create_dir_all(&data_dir)
		.with_context(|| format!("cannot create data_dir {}", data_dir.display()))?;
	let mut worker = Worker {
		signer: AccountSigner::new(keys.account.clone()),
		me: keys.account.public().0,
		keys,
		config,
		hooks,
		chain,
		proofs,
		backend,
		data_dir,
		http: reqwest::Client::new(),
		weights: None,
		search: None,
		sent: HashMap::new(),
		registered: false,
	};
	tokio::select! {
		result = worker.follow() => result,
		_ = tokio::signal::ctrl_c() => {
			tracing::info!("Ctrl-C: stopping (leaves found so far are on disk)");
			worker.stop_search();
			Ok(())
		},
	}
}

async fn connect(url: &str) -> anyhow::Result<Chain> {
	let mut last = None;
	for attempt in 0..30 {
		if attempt > 0 {
			tokio::time::sleep(Duration::from_secs(1)).await;
		}
		match Chain::connect(url).await {
			Ok(chain) => return Ok(chain),
			Err(e) => {
				tracing::warn!("waiting for sprint-node at {url} (attempt {}/30)", attempt + 1);
				last = Some(e);
			},
		}
	}
	Err(last.expect("30 attempts were made; qed").into())
}

struct SearchTask {
	epoch: EpochIndex,
	stop: Arc<AtomicBool>,
	handle: tokio::task::JoinHandle<anyhow::Result<usize>>,
}

struct Worker {
	keys: Keys,
	signer: AccountSigner,
	me: AccountId,
	config: Config,
	hooks: TestHooks,
	chain: Chain,
	proofs: Arc<ProofState>,
	backend: Arc<Mutex<Backend>>,
	data_dir: PathBuf,
	http: reqwest::Client,
	weights: Option<(EpochIndex, Arc<Weights>)>,
	search: Option<SearchTask>,
	/// Calls sent and the block they were sent at, by what they are for.
	sent: HashMap<String, BlockNumber>,
	registered: bool,
}

impl Worker {
	/// Follows finalized blocks; reconnects when the node goes away.
	async fn follow(&mut self) -> anyhow::Result<()> {
		loop {
			let mut blocks = match self.chain.finalized_blocks().await {
				Ok(blocks) => blocks,
				Err(e) => {
					tracing::warn!("{e}; reconnecting in 2 s");
					tokio::time::sleep(Duration::from_secs(2)).await;
					self.chain = connect(self.chain.url()).await?;
					continue;
				}
			};
			while let Some(block) = blocks.next().await {
				let view = match block {
					Ok(block) => match block.at().await {
						Ok(at) => self.chain.view(at).await,
						Err(e) => Err(crate::chain::ChainError::Rpc(e.to_string())),
					},
					Err(e) => Err(crate::chain::ChainError::Rpc(e.to_string())),
				};
				match view {
					Ok(view) => {
						if let Err(e) = self.on_block(&view).await {
							tracing::warn!("block {}: {e:#}", view.number);
						}
					}
					Err(e) => tracing::warn!("{e}"),
				}
			}
			tracing::warn!("the node closed the block stream; reconnecting");
			self.chain = connect(self.chain.url()).await?;
		}
	}

	/// Whether the call for `what` is due: never sent, or sent [`RESEND_AFTER`] blocks ago and
	/// still not seen on chain (the caller checked).
	fn due(&mut self, what: String, now: BlockNumber) -> bool {
		match self.sent.get(&what) {
			Some(at) if now < at.saturating_add(RESEND_AFTER) => false,
			_ => {
				self.sent.insert(what, now);
				true
			}
		}
	}

	async fn send(&self, call: Call) {
		let (_, name) = call.name();
		match self.chain.submit(&self.signer, &call).await {
			Ok(hash) => tracing::info!("sent {name} ({hash:?})"),
			Err(e) => tracing::warn!("{e}"),
		}
	}

	async fn on_block(&mut self, view: &BlockView) -> anyhow::Result<()> {
		let Some(status) = view.status.clone() else { return Ok(()) };
		// Calls of epochs long gone are never re-sent: forget them.
		let horizon = status.params.epoch_length.saturating_mul(2);
		self.sent.retain(|_, at| view.number.saturating_sub(*at) < horizon);
		if self.config.host {
			self.register(view).await?;
		}
		self.commit_secrets(view, &status).await?;
		if self.config.host {
			self.sprint(view, &status).await?;
			self.answer_challenges(view, &status).await?;
		}
		match status.phase {
			Phase::Validation => self.submit_verdicts(view, &status).await?,
			Phase::Answer | Phase::Check => self.vote(view, &status).await?,
			_ => {}
		}
		Ok(())
	}

	async fn register(&mut self, view: &BlockView) -> anyhow::Result<()> {
		if self.registered {
			return Ok(());
		}
		match read::host(&view.at, &self.me).await? {
			Some(info) => {
				self.registered = true;
				if info.proof_key != self.keys.proof.public().0 {
					tracing::warn!(
						"this host is registered with another proof key than the key file's: \
						 validators will refuse its openings"
					);
				}
				tracing::info!("registered as a host");
			}
			None => {
				if self.due("register".into(), view.number) {
					let call = Call::RegisterHost {
						proof_key: self.keys.proof.public().0,
						proof_url: self.config.proof_url().into_bytes(),
						metadata: self.config.metadata.clone().into_bytes(),
					};
					self.send(call).await;
				}
			}
		}
		Ok(())
	}

	/// This worker's secret for `epoch`, and the dev secret when configured.
	fn secret_candidates(&self, epoch: EpochIndex) -> Vec<H256> {
		let mut candidates =
			vec![secret::derived(&self.keys.account_secret, &self.chain.genesis_hash(), epoch)];
		if let Some(seed) = &self.config.dev_secret {
			candidates.push(secret::dev(seed, epoch));
		}
		candidates
	}

	async fn commit_secrets(
		&mut self,
		view: &BlockView,
		status: &EpochStatus<BlockNumber>,
	) -> anyhow::Result<()> {
		let mut epochs = vec![status.epoch.saturating_add(1)];
		if status.phase == Phase::Generation {
			epochs.push(status.epoch);
		}
		for epoch in epochs {
			if read::secret_commitment(&view.at, epoch, &self.me).await?.is_some() {
				continue;
			}
			if self.due(format!("secret/{epoch}"), view.number) {
				let mine =
					secret::derived(&self.keys.account_secret, &self.chain.genesis_hash(), epoch);
				self.send(Call::CommitSecret { epoch, commitment: secret::commitment(&mine) })
					.await;
			}
		}
		Ok(())
	}

	fn weights(&mut self, status: &EpochStatus<BlockNumber>) -> anyhow::Result<Arc<Weights>> {
		if let Some((epoch, weights)) = &self.weights {
			if *epoch == status.epoch {
				return Ok(weights.clone());
			}
		}
		let m = status.params.model;
		let shape = ModelShape {
			d_model: m.d_model as usize,
			n_layers: m.n_layers as usize,
			n_heads: m.n_heads as usize,
			d_ff: m.d_ff as usize,
			seq_len: m.seq_len as usize,
		};
		shape.validate().with_context(|| format!("the chain's model shape {shape:?}"))?;
		let weights = Arc::new(Weights::generate(&status.seed.0, shape));
		self.weights = Some((status.epoch, weights.clone()));
		Ok(weights)
	}

	fn leaves_path(&self, epoch: EpochIndex) -> PathBuf {
		self.data_dir.join(format!("epoch-{epoch}.leaves"))
	}

	fn stop_search(&mut self) {
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
	async fn sprint(
		&mut self,
		view: &BlockView,
		status: &EpochStatus<BlockNumber>,
	) -> anyhow::Result<()> {
		let epoch = status.epoch;
		let committed = read::commitment(&view.at, epoch, &self.me).await?;
		match status.phase {
			Phase::Generation if committed.is_none() => {
				if self.search.as_ref().map(|t| t.epoch) != Some(epoch) {
					self.join_search().await;
					self.start_search(status)?;
				}
			}
			Phase::Commit if committed.is_none() => {
				self.join_search().await;
				if !self.registered || !self.due(format!("commit/{epoch}"), view.number) {
					return Ok(());
				}
				let store = LeafStore::open(self.leaves_path(epoch))?;
				if store.is_empty() {
					tracing::warn!("epoch {epoch}: no valid nonce was found; nothing to commit");
					return Ok(());
				}
				let sprint =
					Committed::new(epoch, self.me, store.leaves(), self.keys.proof.public().0);
				let (root, count) = (sprint.commitment.root, sprint.commitment.count);
				self.proofs.insert(sprint);
				tracing::info!("epoch {epoch}: committing {count} leaves, root {root:?}");
				self.send(Call::Commit { epoch, root, count }).await;
			}
			_ => self.stop_search(),
		}
		if let Some(on_chain) = committed {
			if self.proofs.get(epoch).is_none() {
				let store = LeafStore::open(self.leaves_path(epoch))?;
				let sprint =
					Committed::new(epoch, self.me, store.leaves(), self.keys.proof.public().0);
				if sprint.commitment.root == on_chain.root {
					tracing::info!("epoch {epoch}: serving proofs of {} leaves", on_chain.count);
					self.proofs.insert(sprint);
				} else if self.due(format!("mismatch/{epoch}"), view.number) {
					tracing::error!(
						"epoch {epoch}: the leaves in {} do not give the committed root: this \
						 host cannot serve its proofs",
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
			path: self.leaves_path(status.epoch),
			stop: stop.clone(),
			hooks: self.hooks,
		};
		let handle = tokio::task::spawn_blocking(move || job.run());
		self.search = Some(SearchTask { epoch: status.epoch, stop, handle });
		Ok(())
	}

	/// Posts the openings a validator marked `Unavailable` (SPEC.md §4).
	async fn answer_challenges(
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
			let what = format!("answer/{epoch}/{}", hex::encode(seat.validator));
			if !self.due(what, view.number) {
				continue;
			}
			let openings: Option<Vec<_>> = indices
				.iter()
				.map(|i| {
					sprint.signed_opening(*i, self.proofs.proof_key(), self.proofs.genesis_hash())
				})
				.collect();
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
			self.send(Call::AnswerChallenge { epoch, validator: seat.validator, openings }).await;
		}
		Ok(())
	}

	fn epoch_work(&mut self, status: &EpochStatus<BlockNumber>) -> anyhow::Result<EpochWork> {
		Ok(EpochWork {
			epoch: status.epoch,
			genesis_hash: self.chain.genesis_hash(),
			seed: status.seed,
			target: status.target,
			samples_per_seat: status.params.samples_per_seat,
			weights: self.weights(status)?,
			backend: self.backend.clone(),
		})
	}

	async fn submit_verdicts(
		&mut self,
		view: &BlockView,
		status: &EpochStatus<BlockNumber>,
	) -> anyhow::Result<()> {
		let epoch = status.epoch;
		let mut silent = Vec::new();
		for (participant, seat) in read::assignments(&view.at, epoch, &self.me).await? {
			let seats = read::seats(&view.at, epoch, &participant).await?;
			if seats.get(seat as usize).map(|s| &s.verdict) == Some(&SeatVerdict::Silent) {
				silent.push((participant, seat));
			}
		}
		if silent.is_empty() || !self.due(format!("verdicts/{epoch}"), view.number) {
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
		let work = self.epoch_work(status)?;
		let mut verdicts: Vec<(AccountId, Verdict)> = Vec::with_capacity(silent.len());
		for (participant, seat) in silent {
			let Some(commitment) = read::commitment(&view.at, epoch, &participant).await? else {
				continue;
			};
			let proof_url = read::host(&view.at, &participant)
				.await?
				.and_then(|info| String::from_utf8(info.proof_url.into_inner()).ok());
			let started = Instant::now();
			let checked = validate::check_seat(
				&self.http,
				&work,
				participant,
				seat,
				&my_secret,
				&commitment,
				proof_url.as_deref(),
			)
			.await?;
			let kind = match &checked.verdict {
				Verdict::Valid => "Valid",
				Verdict::Fraud(_) => "Fraud",
				Verdict::Unavailable(_) => "Unavailable",
			};
			tracing::info!(
				"epoch {epoch}: seat {seat} of 0x{}: {kind} ({}; {:.0} ms)",
				hex::encode(participant),
				checked.reason,
				started.elapsed().as_secs_f64() * 1e3
			);
			verdicts.push((participant, checked.verdict));
		}
		let mut reveal =
			read::revealed_secret(&view.at, epoch, &self.me).await?.is_none().then_some(my_secret);
		for chunk in verdicts.chunks(MAX_VERDICTS_PER_CHUNK as usize) {
			let call =
				Call::SubmitVerdicts { epoch, secret: reveal.take(), verdicts: chunk.to_vec() };
			self.send(call).await;
		}
		Ok(())
	}

	async fn vote(
		&mut self,
		view: &BlockView,
		status: &EpochStatus<BlockNumber>,
	) -> anyhow::Result<()> {
		let epoch = status.epoch;
		let assignments = read::assignments(&view.at, epoch, &self.me).await?;
		if assignments.is_empty() {
			return Ok(());
		}
		let work = self.epoch_work(status)?;
		for (participant, mine) in assignments {
			let mut votes = Vec::new();
			for (index, seat) in
				read::seats(&view.at, epoch, &participant).await?.iter().enumerate()
			{
				if seat.votes.iter().any(|(voter, _)| *voter == mine) {
					continue;
				}
				match (&seat.verdict, status.phase) {
					(SeatVerdict::FraudClaim { index: leaf_index, leaf }, Phase::Answer) => {
						let bad = !work.leaf_is_true(participant, leaf).await?;
						votes.push((index as u32, bad.then_some(*leaf_index)));
					}
					(SeatVerdict::Unavailable { answer: Some(posted), .. }, Phase::Check) => {
						let bad = validate::vote_on_answer(&work, participant, posted).await?;
						votes.push((index as u32, bad));
					}
					_ => {}
				}
			}
			let what = format!("vote/{epoch}/{:?}/{}", status.phase, hex::encode(participant));
			if !votes.is_empty() && self.due(what, view.number) {
				tracing::info!(
					"epoch {epoch}: voting on 0x{}: {votes:?} (seat, bad leaf)",
					hex::encode(participant)
				);
				self.send(Call::Vote { epoch, participant, votes }).await;
			}
		}
		Ok(())
	}
}

/// One epoch's nonce search, on a blocking thread.
struct SearchJob {
	epoch: EpochIndex,
	backend: Arc<Mutex<Backend>>,
	weights: Arc<Weights>,
	seed: [u8; 32],
	account: AccountId,
	target: [u8; 32],
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
		while !self.stop.load(Ordering::Relaxed) {
			let mut backend = self.backend.lock().unwrap_or_else(|p| p.into_inner());
			let end = next.saturating_add(backend.batch() as u64);
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
			next = end;
			let rate = tried as f64 / started.elapsed().as_secs_f64().max(1e-9);
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
		tracing::info!(
			"epoch {epoch}: {tried} nonces tried in {:.1} s, {} leaves on disk",
			started.elapsed().as_secs_f64(),
			store.len()
		);
		Ok(store.len())
	}
}

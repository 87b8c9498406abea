//! `sprint-worker run`: follows the chain's finalized blocks and does, each block, what the
//! epoch's phase asks of this worker (docs/protocol.md §2–§4):
//!
//! | phase | as a host | as a validator |
//! |---|---|---|
//! | any | register once (bond held by the chain) | commit the secret of epoch e+2 |
//! | generation | search nonces, leaves to disk as found | — |
//! | commit | build the tree, `commit(epoch, root, count)` | — |
//! | validation | answer `Unavailable` challenges on chain | check its seats, submit verdicts (the first reveals the secret); with no seat, `reveal_secret` |
//! | answer | answer challenges | vote on fraud claims |
//! | check | — | vote on posted answers |
//!
//! Each action is decided from chain state at that block, so a restarted worker simply picks
//! up where the chain is: the search resumes after the last leaf on disk, a commitment is
//! rebuilt from the leaves, a verdict is sent only for seats still silent. Calls are watched to
//! their fate ([`crate::chain::Sends`]) and sent again only when they never made it in.
//!
//! The host's half lives in [`host`], the validator's in [`seats`].

mod host;
mod market;
pub mod outcome;
mod seats;

use std::{
	path::PathBuf,
	sync::{Arc, Mutex},
	time::Duration,
};

use anyhow::Context as _;
use polkadot_sdk::sp_core::{crypto::Pair as _, H256};
use sprint_core::{EpochIndex, EpochStatus, Phase};

use crate::{
	chain::{read, AccountId, AccountSigner, BlockNumber, BlockView, Call, CallKey, Chain, Sends},
	config::Config,
	keys::{KeyFile, Keys},
	model::Weights,
	proofs::server::ProofState,
	sprint::{backend::Backend, search::Cheat},
	validate::secret,
};

/// Test-only behaviour, switched on by hidden flags for the end-to-end tests.
#[derive(Clone, Copy, Debug, Default)]
pub struct TestHooks {
	pub cheat: Cheat,
	/// The proof server answers 503 to everyone (the host still answers challenges on chain).
	pub withhold_proofs: bool,
	/// `(epoch, n)`: stop dead (print a line and hang) once `n` leaves of `epoch` are on disk,
	/// so a test can `kill -9` the worker at a known point of its sprint.
	pub pause_after_leaves: Option<(EpochIndex, usize)>,
	/// The executor lies in its receipts (audited, confirmed, slashed).
	pub inference_cheat: crate::market::executor::InferenceCheat,
}

/// Runs the worker until Ctrl-C or a fatal error; with `lm` (and an `[inference]` config) it
/// also serves the model on the inference market.
pub async fn run(
	config: Config,
	hooks: TestHooks,
	lm: Option<crate::inference::LanguageModel>,
) -> anyhow::Result<()> {
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

	let me = keys.account.public().0;
	let dashboard = config.metrics.then(|| crate::dashboard::Feed::start(chain.clone(), me));
	if let Some(feed) = &dashboard {
		let metrics = crate::metrics::bind(config.metrics_listen, feed.router())
			.await
			.with_context(|| {
				format!(
					"cannot serve metrics on {}: is another worker running? Set `metrics_listen` \
				 (--metrics-listen), or `metrics = false` (--no-metrics)",
					config.metrics_listen
				)
			})?;
		tokio::spawn(async move {
			if let Err(e) = metrics.await {
				tracing::error!("metrics server stopped: {e}");
			}
		});
		tracing::info!(
			"dashboard on http://{0}/dashboard, Prometheus metrics on http://{0}/metrics",
			config.metrics_listen
		);
	}

	let data_dir = config.data_dir.join(hex::encode(&genesis.as_bytes()[..8]));
	std::fs::create_dir_all(&data_dir)
		.with_context(|| format!("cannot create data_dir {}", data_dir.display()))?;
	let signer = AccountSigner::new(keys.account.clone());
	let sends = Sends::new(chain.clone(), signer.clone());
	let market = match (&config.inference, lm) {
		(Some(settings), Some(lm)) => Some(
			market::Market::start(
				settings.clone(),
				lm,
				&chain,
				&keys,
				&data_dir,
				hooks.inference_cheat,
			)
			.await?,
		),
		(Some(_), None) => anyhow::bail!("[inference] is set but no model was loaded"),
		(None, _) => None,
	};
	let mut worker = Worker {
		me: keys.account.public().0,
		keys,
		config,
		hooks,
		chain,
		proofs,
		backend,
		data_dir,
		http: crate::validate::fetch::client(),
		weights: None,
		search: None,
		sends,
		verdicts: None,
		clock: BlockClock::default(),
		registered: false,
		settled: false,
		unrevealable: None,
		waited: 0,
		reported: None,
		market,
		dashboard,
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
			}
		}
	}
	Err(last.expect("30 attempts were made; qed").into())
}

struct Worker {
	keys: Keys,
	me: AccountId,
	config: Config,
	hooks: TestHooks,
	chain: Chain,
	proofs: Arc<ProofState>,
	backend: Arc<Mutex<Backend>>,
	data_dir: PathBuf,
	http: reqwest::Client,
	weights: Option<(EpochIndex, Arc<Weights>)>,
	search: Option<host::SearchTask>,
	sends: Sends,
	/// The validation of an epoch's seats, running apart from the block loop.
	verdicts: Option<(EpochIndex, tokio::task::JoinHandle<()>)>,
	/// The chain's block time as this worker sees it (for the verdicts' deadline).
	clock: BlockClock,
	registered: bool,
	/// Whether calls sent before this process started have landed (see `on_block`).
	settled: bool,
	/// The last epoch whose committed secret this worker found it cannot derive (said once).
	unrevealable: Option<EpochIndex>,
	/// Blocks waited for them so far.
	waited: u32,
	/// The last epoch whose outcome for this host was logged (or that it sat out).
	reported: Option<EpochIndex>,
	/// The inference market's roles, when configured.
	market: Option<market::Market>,
	/// The dashboard's feed, when served.
	dashboard: Option<crate::dashboard::Feed>,
}

/// The chain's block time, measured over the last finalized blocks this worker saw.
#[derive(Default)]
struct BlockClock {
	seen: std::collections::VecDeque<(BlockNumber, std::time::Instant)>,
}

impl BlockClock {
	/// Blocks the measurement spans.
	const SPAN: usize = 20;
	/// Until two blocks are seen: short, so that a deadline derived from it errs early.
	const UNKNOWN: Duration = Duration::from_secs(1);

	fn observe(&mut self, number: BlockNumber, at: std::time::Instant) {
		if self.seen.back().is_some_and(|(last, _)| *last >= number) {
			return;
		}
		self.seen.push_back((number, at));
		if self.seen.len() > Self::SPAN {
			self.seen.pop_front();
		}
	}

	fn block_time(&self) -> Duration {
		match (self.seen.front(), self.seen.back()) {
			(Some((first, then)), Some((last, now))) if last > first => {
				now.duration_since(*then) / (last - first)
			}
			_ => Self::UNKNOWN,
		}
	}
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
					self.reconnect().await;
					continue;
				}
			};
			let mut last = None;
			while let Some(block) = blocks.next().await {
				if let Err(e) = block {
					tracing::warn!("{e}");
					continue;
				}
				// A new finalized block: act on the newest one. Blocks the subscription replays
				// when it starts, or that queued up while the last one was handled, are stale.
				match self.chain.latest().await {
					Ok(view) if last.is_some_and(|n| view.number <= n) => {}
					Ok(view) => {
						last = Some(view.number);
						if let Err(e) = self.on_block(&view).await {
							tracing::warn!("block {}: {e:#}", view.number);
						}
					}
					Err(e) => tracing::warn!("{e}"),
				}
			}
			tracing::warn!("the node closed the block stream; reconnecting");
			self.reconnect().await;
		}
	}

	/// Reconnects to the node, however long it takes (a node restart is routine).
	async fn reconnect(&mut self) {
		loop {
			match connect(self.chain.url()).await {
				Ok(chain) => {
					self.sends.set_chain(chain.clone());
					if let Some(market) = &self.market {
						market.set_chain(chain.clone());
					}
					self.chain = chain;
					return;
				}
				Err(e) => tracing::warn!("{e:#}"),
			}
		}
	}

	fn due(&self, what: CallKey, now: BlockNumber) -> bool {
		self.sends.due(what, now)
	}

	async fn send(&self, what: CallKey, call: Call, now: BlockNumber) {
		self.sends.send(what, call, now).await
	}

	async fn on_block(&mut self, view: &BlockView) -> anyhow::Result<()> {
		self.clock.observe(view.number, std::time::Instant::now());
		let Some(status) = view.status.clone() else { return Ok(()) };
		crate::metrics::METRICS.epoch.set(i64::from(status.epoch));
		if let Some(feed) = &self.dashboard {
			feed.block(view.number);
		}
		if !self.settled {
			// Calls a previous run of this worker sent may still be on their way: acting before
			// they land would send them twice.
			// Bounded: a call stuck in the pool must not stop the worker for good.
			let in_flight = self.chain.calls_in_flight(&view.at, &self.me).await?;
			if in_flight > 0 && self.waited < 10 {
				tracing::info!("waiting for {in_flight} call(s) of a previous run to land");
				self.waited += 1;
				return Ok(());
			}
			self.settled = true;
		}
		// Calls of epochs long gone are never sent again: forget them.
		self.sends.forget_older_than(view.number, status.params.epoch_length.saturating_mul(2));
		if self.config.host {
			self.register(view).await?;
		}
		self.commit_secrets(view, &status).await?;
		if self.config.host {
			self.sprint(view, &status).await?;
			self.answer_challenges(view, &status).await?;
			self.report_outcomes(view, status.epoch).await?;
		}
		match status.phase {
			Phase::Validation => self.submit_verdicts(view, &status).await?,
			Phase::Answer | Phase::Check => self.vote(view, &status).await?,
			_ => {}
		}
		if let Some(market) = &mut self.market {
			market
				.on_block(
					&self.chain,
					&self.sends,
					view,
					&status,
					self.config.host && self.registered,
				)
				.await?;
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
				let registered_url = String::from_utf8_lossy(&info.proof_url).into_owned();
				if registered_url != self.config.proof_url() {
					tracing::warn!(
						"this host is registered with proof URL {registered_url}, not the \
						 configured {}: validators call the registered one",
						self.config.proof_url()
					);
				}
				tracing::info!("registered as a host");
			}
			None => {
				if self.due(CallKey::Register, view.number) {
					let url = self.config.proof_url();
					if ["://127.", "://localhost", "://0.0.0.0", "://[::1]"]
						.iter()
						.any(|l| url.contains(l))
					{
						tracing::warn!(
							"registering proof URL {url}: only this machine can reach it. On a \
							 real network set `public_url` to an address validators can reach"
						);
					}
					let call = Call::RegisterHost {
						proof_key: self.keys.proof.public().0,
						proof_url: self.config.proof_url().into_bytes(),
						metadata: self.config.metadata.clone().into_bytes(),
					};
					self.send(CallKey::Register, call, view.number).await;
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
		// A genesis validator's random secrets for epochs 0 and 1, kept in its key file.
		if let Ok(index) = usize::try_from(epoch) {
			candidates
				.extend(self.keys.genesis_secrets.iter().filter_map(|s| s.get(index).copied()));
		}
		candidates
	}

	async fn commit_secrets(
		&mut self,
		view: &BlockView,
		status: &EpochStatus<BlockNumber>,
	) -> anyhow::Result<()> {
		// Two epochs ahead (docs/protocol.md §4): the chain takes epoch e+2's commitment during
		// epoch e only, from an account whose host bond is held (genesis commits epochs 0 and 1).
		let epoch = status.epoch.saturating_add(2);
		if read::secret_commitment(&view.at, epoch, &self.me).await?.is_some() {
			return Ok(());
		}
		if read::host_bond(&view.at, &self.me).await? == 0 {
			// No bond held (not registered yet, or unbonding): the chain would refuse it. A
			// genesis validator is bonded from genesis; a host once its registration lands.
			return Ok(());
		}
		let what = CallKey::Secret(epoch);
		if self.due(what, view.number) {
			let mine =
				secret::derived(&self.keys.account_secret, &self.chain.genesis_hash(), epoch);
			let call = Call::CommitSecret { epoch, commitment: secret::commitment(&mine) };
			self.send(what, call, view.number).await;
		}
		Ok(())
	}

	fn weights(&mut self, status: &EpochStatus<BlockNumber>) -> anyhow::Result<Arc<Weights>> {
		if let Some((epoch, weights)) = &self.weights {
			if *epoch == status.epoch {
				return Ok(weights.clone());
			}
		}
		let shape = status.params.model;
		shape.validate().with_context(|| format!("the chain's model shape {shape:?}"))?;
		let weights = Arc::new(Weights::generate(&status.seed.0, shape));
		self.weights = Some((status.epoch, weights.clone()));
		Ok(weights)
	}
}

//! The inference market inside `sprint-worker run` (`[inference]` in the config): the
//! OpenAI-compatible API (transfer agent for API keys, executor of tickets, payloads for
//! auditors), and each block the executor's chores — declare the service, settle receipts,
//! claim fees, drop payloads past their retention — and the auditor's.

use std::{path::Path, sync::Arc};

use anyhow::Context as _;
use polkadot_sdk::sp_core::crypto::Pair as _;
use sprint_core::{EpochIndex, EpochStatus};

use crate::{
	api::{market_router, Limits},
	chain::{
		inference::{self, EnergySource, Service},
		BlockNumber, BlockView, Call, CallKey, Chain, Sends,
	},
	config::InferenceConfig,
	inference::{LanguageModel, ENGINE_RECIPE},
	keys::Keys,
	market::{
		agent::Agent,
		auditor::{Auditor, PayloadRequester},
		executor::short,
		executor::{Executor, InferenceCheat},
		store::{Acceptances, Store},
	},
};

pub struct Market {
	settings: InferenceConfig,
	model: inference::Model,
	executor: Arc<Executor>,
	agent: Arc<Agent>,
	acceptances: Acceptances,
	auditor: Auditor,
	/// The last epoch whose summary was logged and payloads pruned.
	summarized: Option<EpochIndex>,
}

impl Market {
	/// Finds the model on chain by its file's sha256, and starts the API.
	pub async fn start(
		settings: InferenceConfig,
		mut lm: LanguageModel,
		chain: &Chain,
		keys: &Keys,
		data_dir: &Path,
		cheat: InferenceCheat,
	) -> anyhow::Result<Self> {
		let at = chain.latest().await?.at;
		let models = inference::models(&at).await?;
		let sha = hex::decode(&lm.sha256).unwrap_or_default();
		let model = models
			.into_iter()
			.find(|m| m.info.file_sha256.as_slice() == sha.as_slice())
			.with_context(|| {
				format!(
					"the model file (sha256 {}) is not registered on this chain: governance \
					 registers models (inference.registerModel); a worker serves only registered models",
					lm.sha256
				)
			})?;
		if model.info.engine_recipe != ENGINE_RECIPE {
			anyhow::bail!(
				"the chain registers {} for engine recipe {}, this worker runs recipe {ENGINE_RECIPE}: update the worker",
				model.info.name(),
				model.info.engine_recipe
			);
		}
		// Requests name the model as the chain registers it.
		lm.name = model.info.name();
		let lm = Arc::new(lm);
		let me = keys.account.public().0;
		let store = Store::open(data_dir.join("market"))
			.with_context(|| format!("cannot create {}", data_dir.join("market").display()))?;
		let executor = Arc::new(Executor::new(chain.clone(), me, keys.proof.clone(), store, cheat));
		executor.set_model(Some((model.id, model.info.clone())));
		let acceptances = Acceptances::open(data_dir.join("market").join("accepted"))
			.with_context(|| {
				format!("cannot create {}", data_dir.join("market/accepted").display())
			})?;
		let agent = Arc::new(Agent::new(chain.clone()).with_acceptances(acceptances.clone()));
		agent.refresh_in_background();
		executor.refresh_in_background();
		let router = market_router(
			lm.clone(),
			Limits::default(),
			Some(agent.clone()),
			Some(executor.clone()),
		);
		let listener =
			tokio::net::TcpListener::bind(settings.api_listen).await.with_context(|| {
				format!(
					"cannot listen on {} (inference.api_listen): is another worker using it?",
					settings.api_listen
				)
			})?;
		tracing::info!(
			"serving {} (model {}) on http://{}/v1, declared as {}",
			lm.name,
			model.id,
			settings.api_listen,
			settings.api_url()
		);
		tokio::spawn(async move {
			if let Err(e) = axum::serve(listener, router).await {
				tracing::error!("the inference API stopped: {e}");
			}
		});
		let requester =
			PayloadRequester { key: keys.account.clone(), genesis: chain.genesis_hash().0 };
		let auditor = Auditor::new(me, requester, lm, cheat);
		Ok(Self { settings, model, executor, agent, acceptances, auditor, summarized: None })
	}

	pub fn set_chain(&self, chain: Chain) {
		self.executor.set_chain(chain.clone());
		self.agent.set_chain(chain);
	}

	fn service(&self) -> anyhow::Result<Service> {
		let energy: EnergySource = self.settings.energy.parse().map_err(anyhow::Error::msg)?;
		Ok(Service {
			models: vec![self.model.id],
			capacity: self.settings.capacity,
			api_url: self.settings.api_url().into_bytes(),
			energy,
			region: self.settings.region.clone().into_bytes(),
		})
	}

	pub async fn on_block(
		&mut self,
		chain: &Chain,
		sends: &Sends,
		view: &BlockView,
		status: &EpochStatus<BlockNumber>,
		registered_host: bool,
	) -> anyhow::Result<()> {
		let me = self.auditor_me();
		if registered_host {
			let wanted = self.service()?;
			if inference::service(&view.at, &me).await?.as_ref() != Some(&wanted)
				&& sends.due(CallKey::Service, view.number)
			{
				tracing::info!(
					"declaring the inference service ({} tokens/s, {:?})",
					wanted.capacity,
					wanted.energy
				);
				sends.send(CallKey::Service, Call::DeclareService(wanted), view.number).await;
			}
			self.executor.settle_step(sends, view, status).await?;
			self.executor.claim_step(sends, view, status).await?;
		}
		self.auditor.step(chain, sends, self.executor.store(), view, status).await?;
		{
			use crate::metrics::{Metrics, METRICS};
			use std::sync::atomic::Ordering::Relaxed;
			let served = &self.executor.served;
			Metrics::catch_up(&METRICS.inference_answers, served.answers.load(Relaxed));
			Metrics::catch_up(&METRICS.inference_tokens, served.tokens.load(Relaxed));
			Metrics::catch_up(&METRICS.inference_settled, served.settled.load(Relaxed));
			Metrics::catch_up(&METRICS.inference_audits, self.auditor.audits());
		}
		self.report_missed_tickets(sends, view, status).await?;
		if self.summarized != Some(status.epoch) {
			self.summarized = Some(status.epoch);
			let keep_from = status.epoch.saturating_sub(self.settings.payload_retention_epochs);
			self.executor.store().prune_before(keep_from)?;
			// A settle epoch's disputes are decided by the end of the next epoch.
			self.executor.store().prune_evidence_before(status.epoch.saturating_sub(2))?;
			let fees: u128 =
				inference::pending_fees(&view.at, &me).await?.iter().map(|(_, a)| a).sum();
			let served = &self.executor.served;
			use std::sync::atomic::Ordering::Relaxed;
			tracing::info!(
				"inference: {} answers, {} tokens served, {} receipts settled, {fees} planck of fees pending, {} audits done",
				served.answers.load(Relaxed),
				served.tokens.load(Relaxed),
				served.settled.load(Relaxed),
				self.auditor.audits(),
			);
		}
		Ok(())
	}

	/// Reports the tickets this worker's transfer agent saw accepted in epoch `now - 2` that
	/// never settled (the chain takes the report in that epoch only).
	async fn report_missed_tickets(
		&self,
		sends: &Sends,
		view: &BlockView,
		status: &EpochStatus<BlockNumber>,
	) -> anyhow::Result<()> {
		let Some(epoch) = status.epoch.checked_sub(2) else { return Ok(()) };
		self.acceptances.prune_before(epoch)?;
		for (ticket, ticket_signature, acceptance) in self.acceptances.of_epoch(epoch)? {
			let hash = ticket.hash();
			if inference::nonce_used(&view.at, ticket.epoch, &ticket.key, ticket.nonce).await? {
				self.acceptances.forget(epoch, &hash)?;
				continue;
			}
			let key = CallKey::MissedTicket(short(&hash));
			if sends.due(key, view.number) {
				tracing::info!(
					"reporting ticket {:016x}: accepted by 0x{} in epoch {epoch}, never settled",
					short(&hash),
					hex::encode(&ticket.executor[..4])
				);
				sends
					.send(
						key,
						Call::ReportMissedTicket(Box::new((ticket, ticket_signature, acceptance))),
						view.number,
					)
					.await;
			}
		}
		Ok(())
	}

	fn auditor_me(&self) -> crate::chain::AccountId {
		self.executor.me()
	}
}

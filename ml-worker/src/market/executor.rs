//! The executor (docs/protocol.md §7): takes a ticket from a transfer agent, checks it against the
//! chain before running anything — its signature by a registered, unrevoked key, this chain and
//! this executor, an unexpired block, a price within the key's cap, a nonce not used before, and
//! room under the key's spending cap and its owner's deposit for the worst case (the prompt plus
//! `max_tokens`) — signs its acceptance, answers it on the integer engine with the ticket's
//! sampling parameters and seed, and, before the answer's last chunk leaves, signs the receipt
//! (the ticket, the token counts and the output commitment) with its proof key and keeps the
//! payload on disk. Receipts settle in batches ([`Executor::settle_step`]); fees are claimed
//! once their audit windows close; payloads are served, signed, to auditors.

use std::{
	collections::{HashMap, HashSet},
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc, Mutex, RwLock,
	},
};

use axum::{
	body::Bytes,
	extract::rejection::BytesRejection,
	http::{HeaderMap, HeaderValue, StatusCode},
	response::{IntoResponse, Response},
};
use polkadot_sdk::sp_core::{crypto::Pair as _, sr25519};
use sprint_core::{
	market::{acceptance_payload, payload_statement, ModelId, PublicKey},
	merkle::Hash32,
	EpochIndex, EpochStatus,
};

use super::{
	agent::SNAPSHOT_AGE, apply_ticket, canonical_request, request_hash, store::Store,
	worst_case_payload, Envelope, Payload, RequestError, MAX_PAYLOAD,
};
use crate::{
	api::{prepare, reply, scheduler::Event, submit, ApiError, AppState},
	chain::{
		inference::{self, Balance, ModelInfo, Receipt},
		AccountId, BlockNumber, BlockView, Call, CallKey, CallState, Chain, Sends,
	},
	inference::replay::{commitment, COMMITTED_TOP},
};

/// Test-only ways an executor cheats, for the end-to-end audit tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InferenceCheat {
	#[default]
	None,
	/// The receipt's committed output has its second token swapped for another, and each
	/// payload is served once only (to the first auditor that asks): the re-run voters must
	/// read it from the chain, where that auditor posts it.
	SwapToken,
	/// The auditor never submits its audits (it still votes): its draws are missed audits.
	SkipAudits,
}

/// Receipts per `settle` call at most (the chain takes up to 1,024).
pub const MAX_BATCH: usize = 256;
/// Pending receipts that make a batch worth sending at once.
pub const FULL_BATCH: usize = 32;
/// Blocks between batches otherwise.
pub const SETTLE_EVERY: BlockNumber = 5;

#[derive(Default)]
struct Settling {
	in_flight: Option<(CallKey, Vec<Hash32>)>,
	/// A batch failed: receipts go one by one until the bad ones are found.
	isolate: bool,
	last_sent: BlockNumber,
	/// Whether pending receipts of a previous run were checked against the chain's nonces.
	resumed: bool,
}

/// What this executor has served (shown in its logs).
#[derive(Default)]
pub struct Served {
	pub answers: AtomicU64,
	pub tokens: AtomicU64,
	pub settled: AtomicU64,
}

/// Costs of accepted answers not settled yet, so that concurrent tickets of one key cannot
/// together pass its cap or its owner's deposit.
#[derive(Default)]
struct Committed {
	by_key: HashMap<(EpochIndex, PublicKey), Balance>,
	by_owner: HashMap<AccountId, Balance>,
	nonces: HashSet<(EpochIndex, PublicKey, u64)>,
	/// Each kept receipt's cost until it settles: `id → (epoch, key, owner, cost)`.
	unsettled: HashMap<Hash32, (EpochIndex, PublicKey, AccountId, Balance)>,
}

/// A ticket accepted: what its answer's receipt needs.
struct Accepted {
	ticket: inference::Ticket,
	signature: [u8; 64],
	owner: AccountId,
	reserved: Balance,
}

/// The executor.
pub struct Executor {
	chain: RwLock<Chain>,
	me: AccountId,
	proof: sr25519::Pair,
	genesis: Hash32,
	store: Store,
	model: RwLock<Option<(ModelId, ModelInfo)>>,
	committed: Mutex<Committed>,
	settling: Mutex<Settling>,
	cheat: InferenceCheat,
	/// Under [`InferenceCheat::SwapToken`], the payloads served once already.
	withheld: Mutex<std::collections::HashSet<Hash32>>,
	pub served: Served,
	/// Reads API keys' state.
	keys: super::KeyReader,
	/// The chain's state for tickets, shared for [`SNAPSHOT_AGE`].
	snapshot: tokio::sync::Mutex<Option<(std::time::Instant, Arc<Snapshot>)>>,
}

/// The chain as every ticket needs it: the latest finalized block, its epoch status, the
/// market's parameters and whether this executor is jailed.
struct Snapshot {
	view: BlockView,
	status: EpochStatus<BlockNumber>,
	params: inference::Params,
	jailed: bool,
	/// The served model's price in force.
	price: Option<Balance>,
}

fn refuse(status: StatusCode, kind: &'static str, code: &'static str, message: String) -> ApiError {
	ApiError::new(status, kind, message).code(code)
}

fn unauthorized(message: impl Into<String>) -> ApiError {
	refuse(StatusCode::UNAUTHORIZED, "invalid_request_error", "invalid_api_key", message.into())
}

fn over_quota(message: impl Into<String>) -> ApiError {
	refuse(
		StatusCode::TOO_MANY_REQUESTS,
		"insufficient_quota",
		"insufficient_quota",
		message.into(),
	)
}

fn chain_error(e: impl std::fmt::Display) -> ApiError {
	ApiError::new(
		StatusCode::SERVICE_UNAVAILABLE,
		"server_error",
		format!("the executor cannot read the chain: {e}"),
	)
}

/// The first 8 bytes of an id, for call keys and logs.
pub fn short(id: &Hash32) -> u64 {
	u64::from_be_bytes(id[..8].try_into().unwrap_or_default())
}

impl Executor {
	pub fn new(
		chain: Chain,
		me: AccountId,
		proof: sr25519::Pair,
		store: Store,
		cheat: InferenceCheat,
	) -> Self {
		let genesis = chain.genesis_hash().0;
		Self {
			chain: RwLock::new(chain),
			me,
			proof,
			genesis,
			store,
			model: RwLock::new(None),
			committed: Mutex::default(),
			settling: Mutex::default(),
			cheat,
			withheld: Mutex::default(),
			served: Served::default(),
			keys: super::KeyReader::default(),
			snapshot: tokio::sync::Mutex::new(None),
		}
	}

	/// The connection to use (after a reconnect, the new one).
	pub fn set_chain(&self, chain: Chain) {
		*self.chain.write().unwrap_or_else(|p| p.into_inner()) = chain;
	}

	fn chain(&self) -> Chain {
		self.chain.read().unwrap_or_else(|p| p.into_inner()).clone()
	}

	/// The registered model this executor serves, once found on chain.
	pub fn set_model(&self, model: Option<(ModelId, ModelInfo)>) {
		*self.model.write().unwrap_or_else(|p| p.into_inner()) = model;
	}

	pub fn model(&self) -> Option<(ModelId, ModelInfo)> {
		self.model.read().unwrap_or_else(|p| p.into_inner()).clone()
	}

	/// This executor's account.
	pub fn me(&self) -> AccountId {
		self.me
	}

	pub fn store(&self) -> &Store {
		&self.store
	}

	/// The chain's state for tickets: read again once older than [`SNAPSHOT_AGE`] (a ticket's
	/// key, nonce and spending are read for each ticket).
	async fn snapshot(&self) -> Result<Arc<Snapshot>, ApiError> {
		let mut cached = self.snapshot.lock().await;
		if let Some((taken, snapshot)) = cached.as_ref() {
			if taken.elapsed() < SNAPSHOT_AGE {
				return Ok(snapshot.clone());
			}
		}
		self.read_snapshot(&mut cached).await
	}

	/// Keeps the shared read of the chain fresh (see [`super::agent::Agent::refresh_in_background`]).
	pub fn refresh_in_background(self: &Arc<Self>) {
		let executor = Arc::downgrade(self);
		tokio::spawn(async move {
			while let Some(executor) = executor.upgrade() {
				let mut cached = executor.snapshot.lock().await;
				if let Err(e) = executor.read_snapshot(&mut cached).await {
					tracing::debug!("executor refresh: {e:?}");
				}
				drop(cached);
				drop(executor);
				tokio::time::sleep(super::agent::SNAPSHOT_REFRESH).await;
			}
		});
	}

	async fn read_snapshot(
		&self,
		cached: &mut Option<(std::time::Instant, Arc<Snapshot>)>,
	) -> Result<Arc<Snapshot>, ApiError> {
		let view = self.chain().latest().await.map_err(chain_error)?;
		let status =
			view.status.clone().ok_or_else(|| chain_error("the first epoch has not started"))?;
		let model = self.model().map(|(id, _)| id);
		let (params, jailed, price) = futures::try_join!(
			inference::params(&view.at),
			inference::jailed_until(&view.at, &self.me),
			async {
				match model {
					Some(model) => inference::price(&view.at, model).await,
					None => Ok(None),
				}
			}
		)
		.map_err(chain_error)?;
		let params = params.ok_or_else(|| chain_error("no inference parameters"))?;
		let jailed = jailed.is_some_and(|until| status.epoch < until);
		let snapshot = Arc::new(Snapshot { view, status, params, jailed, price });
		*cached = Some((std::time::Instant::now(), snapshot.clone()));
		Ok(snapshot)
	}

	/// Checks a ticket against the chain and reserves its worst-case cost.
	async fn accept(
		&self,
		ticket: &inference::Ticket,
		signature: &[u8; 64],
		worst_tokens: u64,
	) -> Result<Accepted, ApiError> {
		let bad = |m: String| ApiError::invalid(m, None);
		let Some((model, _)) = self.model() else {
			return Err(ApiError::new(
				StatusCode::SERVICE_UNAVAILABLE,
				"server_error",
				"this executor has not found its model on chain yet",
			));
		};
		if ticket.genesis != self.genesis {
			return Err(bad("the ticket is for another chain".into()));
		}
		if ticket.executor != self.me {
			return Err(bad("the ticket names another executor".into()));
		}
		if ticket.model != model {
			return Err(bad(format!("this executor serves model {model}, not {}", ticket.model)));
		}
		let key = sr25519::Public::from_raw(ticket.key);
		let sig = sr25519::Signature::from_raw(*signature);
		if !sr25519::Pair::verify(&sig, ticket.signing_payload(), &key) {
			return Err(unauthorized("the ticket's signature is not the API key's"));
		}
		let mut snapshot = self.snapshot().await?;
		// A ticket issued just after an epoch began, by an agent whose view of the chain is a
		// block or two ahead of ours: read the chain again, for up to 3 s, before refusing it.
		for _ in 0..12 {
			if ticket.epoch != snapshot.status.epoch + 1 {
				break;
			}
			tokio::time::sleep(std::time::Duration::from_millis(250)).await;
			let mut cached = self.snapshot.lock().await;
			snapshot = self.read_snapshot(&mut cached).await?;
		}
		let (view, status, params) = (&snapshot.view, &snapshot.status, &snapshot.params);
		if ticket.epoch + 1 < status.epoch || ticket.epoch > status.epoch {
			return Err(bad(format!(
				"the ticket is of epoch {}, the chain is in {}",
				ticket.epoch, status.epoch
			)));
		}
		if ticket.expiry < view.number {
			return Err(bad(format!(
				"the ticket expired at block {}; the chain is at {}",
				ticket.expiry, view.number
			)));
		}
		if ticket.expiry > view.number.saturating_add(params.ticket_lifetime).saturating_add(10) {
			return Err(bad(format!(
				"the ticket expires more than {} blocks ahead",
				params.ticket_lifetime
			)));
		}
		if snapshot.jailed {
			return Err(ApiError::new(
				StatusCode::SERVICE_UNAVAILABLE,
				"server_error",
				"this executor is jailed and takes no new tickets",
			));
		}
		let (key_state, used) = futures::try_join!(
			self.keys.read(&view.at, ticket.epoch, &ticket.key),
			inference::nonce_used(&view.at, ticket.epoch, &ticket.key, ticket.nonce),
		)
		.map_err(chain_error)?;
		let (terms, spent, deposit) = key_state.ok_or_else(|| {
			unauthorized("unknown API key: its owner adds it with inference.addApiKey")
		})?;
		if terms.revoked.is_some() {
			return Err(unauthorized("this API key was revoked"));
		}
		if terms.expires_at < ticket.expiry {
			return Err(unauthorized(format!(
				"this API key expires at block {}",
				terms.expires_at
			)));
		}
		if ticket.price > terms.price_cap || ticket.price > params.max_price {
			return Err(bad("the ticket's price is above the key's price cap".into()));
		}
		if ticket.price == 0 {
			return Err(bad("the ticket's price is zero".into()));
		}
		// Below the price in force (docs/protocol.md §7), with room for a transfer agent whose
		// view is a few blocks behind ours (the price moves at most 2% a block).
		if let Some(price) = snapshot.price {
			if ticket.price < price.saturating_mul(9) / 10 {
				return Err(bad(format!(
					"the ticket's price {} is below the price in force, {price} planck per token",
					ticket.price
				)));
			}
		}
		if used {
			return Err(bad("the ticket's nonce was used".into()));
		}
		let held = deposit.held;
		let reserved = Balance::from(worst_tokens).saturating_mul(ticket.price);
		let mut committed = self.committed.lock().unwrap_or_else(|p| p.into_inner());
		if !committed.nonces.insert((ticket.epoch, ticket.key, ticket.nonce)) {
			return Err(bad("the ticket's nonce was used".into()));
		}
		let key_total = committed.by_key.get(&(ticket.epoch, ticket.key)).copied().unwrap_or(0);
		let owner_total = committed.by_owner.get(&terms.owner).copied().unwrap_or(0);
		if spent.saturating_add(key_total).saturating_add(reserved) > terms.cap_per_epoch {
			committed.nonces.remove(&(ticket.epoch, ticket.key, ticket.nonce));
			return Err(over_quota(format!(
				"this API key's cap per epoch ({} planck) would be passed: {spent} spent, {key_total} in answers not settled yet, up to {reserved} for this one",
				terms.cap_per_epoch
			)));
		}
		if owner_total.saturating_add(reserved) > held {
			committed.nonces.remove(&(ticket.epoch, ticket.key, ticket.nonce));
			return Err(over_quota(format!(
				"the key owner's deposit ({held} planck) does not cover this answer (up to {reserved}) besides {owner_total} not settled yet: deposit more with inference.deposit"
			)));
		}
		*committed.by_key.entry((ticket.epoch, ticket.key)).or_default() += reserved;
		*committed.by_owner.entry(terms.owner).or_default() += reserved;
		Ok(Accepted { ticket: ticket.clone(), signature: *signature, owner: terms.owner, reserved })
	}

	/// Receipt `id` settled or was set aside: its cost no longer counts against its key.
	fn forget(&self, id: &Hash32) {
		let entry = self.committed.lock().unwrap_or_else(|p| p.into_inner()).unsettled.remove(id);
		if let Some((epoch, key, owner, cost)) = entry {
			self.release(epoch, key, owner, cost);
		}
	}

	fn release(&self, epoch: EpochIndex, key: PublicKey, owner: AccountId, amount: Balance) {
		let mut committed = self.committed.lock().unwrap_or_else(|p| p.into_inner());
		if let Some(v) = committed.by_key.get_mut(&(epoch, key)) {
			*v = v.saturating_sub(amount);
		}
		if let Some(v) = committed.by_owner.get_mut(&owner) {
			*v = v.saturating_sub(amount);
		}
	}

	/// `POST /v1/sprint/execute`.
	pub(crate) async fn execute(
		self: Arc<Self>,
		state: Arc<AppState>,
		body: Result<Bytes, BytesRejection>,
	) -> Result<Response, ApiError> {
		let body =
			body.map_err(|r| ApiError::new(r.status(), "invalid_request_error", r.body_text()))?;
		let envelope: Envelope = serde_json::from_slice(&body)
			.map_err(|e| ApiError::invalid(format!("not a ticket envelope: {e}"), None))?;
		let (ticket, signature) = envelope.decode().map_err(|e| ApiError::invalid(e, None))?;
		if request_hash(envelope.endpoint, envelope.request.as_bytes()) != ticket.request_hash {
			return Err(ApiError::invalid(
				"the request is not the one the ticket's hash covers",
				None,
			));
		}
		// Only the canonical form, and only what can be fetched and posted whatever the answer
		// (docs/protocol.md §7): refused here, before the acceptance is signed.
		let canonical = canonical_request(envelope.endpoint, envelope.request.as_bytes())
			.map_err(RequestError::into_api_error)?;
		if canonical != envelope.request.as_bytes() {
			return Err(ApiError::invalid(
				"the request is not in canonical form (the transfer agent canonicalizes it before \
				 hashing it into the ticket)",
				None,
			));
		}
		let mut prepared = prepare(&state.lm, envelope.endpoint, envelope.request.as_bytes())?;
		apply_ticket(&mut prepared.generation, &ticket, state.lm.model.config.context)
			.map_err(|e| ApiError::invalid(e, None))?;
		let worst_payload = worst_case_payload(
			&ticket,
			envelope.endpoint,
			envelope.request.as_bytes(),
			prepared.generation.max_tokens,
		);
		if worst_payload > MAX_PAYLOAD {
			return Err(RequestError::payload_over_limit(
				prepared.generation.max_tokens,
				worst_payload,
			)
			.into_api_error());
		}
		let user_top = prepared.top_logprobs;
		prepared.generation.top_logprobs = user_top.max(COMMITTED_TOP);
		let worst = (prepared.generation.prompt.len() + prepared.generation.max_tokens) as u64;
		let accepted = self.accept(&ticket, &signature, worst).await?;
		let acceptance = self.proof.sign(&acceptance_payload(&ticket.hash()));
		let events = match submit(&state, prepared.generation) {
			Ok(events) => events,
			Err(e) => {
				self.release(ticket.epoch, ticket.key, accepted.owner, accepted.reserved);
				self.committed.lock().unwrap_or_else(|p| p.into_inner()).nonces.remove(&(
					ticket.epoch,
					ticket.key,
					ticket.nonce,
				));
				return Err(e);
			}
		};
		let vocab = state.lm.model.config.vocab as u32;
		let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
		let me = self.clone();
		let endpoint = envelope.endpoint;
		let request = envelope.request.into_bytes();
		tokio::spawn(async move {
			me.record(accepted, endpoint, request, events, tx, user_top, vocab).await
		});
		let mut response = reply(state, prepared.reply, rx).await?;
		if let Ok(value) = HeaderValue::from_str(&hex::encode(acceptance.0)) {
			response.headers_mut().insert(super::ACCEPTANCE_HEADER, value);
		}
		Ok(response)
	}

	/// Passes the answer on, and keeps its receipt and payload before its end leaves.
	#[allow(clippy::too_many_arguments)]
	async fn record(
		self: Arc<Self>,
		accepted: Accepted,
		endpoint: super::Endpoint,
		request: Vec<u8>,
		mut events: tokio::sync::mpsc::UnboundedReceiver<Event>,
		tx: tokio::sync::mpsc::UnboundedSender<Event>,
		user_top: usize,
		vocab: u32,
	) {
		let Accepted { ticket, signature, owner, reserved } = accepted;
		let mut output = Vec::new();
		let mut tops: Vec<Vec<(u32, i32)>> = Vec::new();
		while let Some(event) = events.recv().await {
			match event {
				Event::Token(mut t) => {
					output.push(t.token);
					tops.push(t.top.iter().take(COMMITTED_TOP).copied().collect());
					t.top.truncate(user_top);
					if tx.send(Event::Token(t)).is_err() {
						break; // the client went away: the answer stops, nothing is charged
					}
				}
				Event::Done { finish, prompt_tokens, completion_tokens } => {
					if self.cheat == InferenceCheat::SwapToken && output.len() > 1 {
						output[1] = (output[1] + 1) % vocab.max(1);
					}
					let mut receipt = Receipt {
						ticket: ticket.clone(),
						ticket_signature: signature,
						prompt_tokens: prompt_tokens as u32,
						completion_tokens: completion_tokens as u32,
						output_commitment: commitment(&output, &tops),
						executor_signature: [0; 64],
					};
					receipt.executor_signature = self.proof.sign(&receipt.executor_payload()).0;
					let cost = Balance::from(receipt.tokens()).saturating_mul(ticket.price);
					let id = receipt.id();
					let payload = Payload { receipt, endpoint, request, output };
					if let Err(e) = self.store.keep(&payload) {
						tracing::error!(
							"could not keep a receipt on disk: {e}; the answer is not charged"
						);
						self.release(ticket.epoch, ticket.key, owner, reserved);
						let _ = tx
							.send(Event::Failed("the executor could not record the answer".into()));
						return;
					}
					// The reservation shrinks to the answer's cost until it settles.
					self.release(ticket.epoch, ticket.key, owner, reserved.saturating_sub(cost));
					self.committed
						.lock()
						.unwrap_or_else(|p| p.into_inner())
						.unsettled
						.insert(id, (ticket.epoch, ticket.key, owner, cost));
					self.served.answers.fetch_add(1, Ordering::Relaxed);
					self.served
						.tokens
						.fetch_add((prompt_tokens + completion_tokens) as u64, Ordering::Relaxed);
					let _ = tx.send(Event::Done { finish, prompt_tokens, completion_tokens });
					return;
				}
				Event::Failed(message) => {
					let _ = tx.send(Event::Failed(message));
					break;
				}
			}
		}
		self.release(ticket.epoch, ticket.key, owner, reserved);
	}

	/// `GET /v1/sprint/payloads/{epoch}/{id}` (`epoch`: the ticket's): the payload, with the
	/// executor's signature over `payload_statement(id, blake2-256 of the bytes)` in a header —
	/// only to a request signed by a validator with audit power over the receipt's settlement
	/// or a juror of its dispute (docs/protocol.md §7, revision 4: prompts are private; a
	/// disputed payload becomes public on chain). 401 for a request unsigned, badly signed or
	/// dated more than [`super::PAYLOAD_REQUEST_BLOCKS`] blocks away; 403 for anyone else.
	pub(crate) async fn serve_payload(
		&self,
		epoch: EpochIndex,
		id: &str,
		headers: &HeaderMap,
	) -> Result<Response, ApiError> {
		let id: Hash32 = hex::decode(id.trim_start_matches("0x"))
			.ok()
			.and_then(|b| b.try_into().ok())
			.ok_or_else(|| ApiError::invalid("a receipt id is 32 hex bytes", None))?;
		self.authorize_payload_request(epoch, &id, headers).await?;
		let bytes = self
			.store
			.payload(epoch, &id)
			.map_err(|e| {
				ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error", e.to_string())
			})?
			.ok_or_else(|| {
				ApiError::new(StatusCode::NOT_FOUND, "invalid_request_error", "no such payload")
			})?;
		if self.cheat == InferenceCheat::SwapToken
			&& !self.withheld.lock().unwrap_or_else(|p| p.into_inner()).insert(id)
		{
			return Err(ApiError::new(
				StatusCode::NOT_FOUND,
				"invalid_request_error",
				"no such payload",
			));
		}
		let hash = polkadot_sdk::sp_crypto_hashing::blake2_256(&bytes);
		let signature = self.proof.sign(&payload_statement(&id, &hash));
		let mut response = (StatusCode::OK, bytes).into_response();
		if let Ok(value) = HeaderValue::from_str(&hex::encode(signature.0)) {
			response.headers_mut().insert(super::PAYLOAD_SIGNATURE_HEADER, value);
		}
		Ok(response)
	}

	/// Who may read the payload of receipt `id` (ticket epoch `epoch`): see [`Self::serve_payload`].
	async fn authorize_payload_request(
		&self,
		epoch: EpochIndex,
		id: &Hash32,
		headers: &HeaderMap,
	) -> Result<(), ApiError> {
		let denied =
			|status, code, message: String| refuse(status, "invalid_request_error", code, message);
		let header =
			|name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
		let (Some(requester), Some(block), Some(signature)) = (
			header(super::PAYLOAD_REQUESTER_HEADER),
			header(super::PAYLOAD_REQUEST_BLOCK_HEADER),
			header(super::PAYLOAD_REQUEST_SIGNATURE_HEADER),
		) else {
			return Err(denied(
				StatusCode::UNAUTHORIZED,
				"payload_request_unsigned",
				"payloads are served only to the validators auditing them and the jurors of their \
				 disputes: sign the request (x-sprint-requester, x-sprint-request-block, \
				 x-sprint-request-signature)"
					.into(),
			));
		};
		let requester: AccountId = hex::decode(requester.trim_start_matches("0x"))
			.ok()
			.and_then(|b| b.try_into().ok())
			.ok_or_else(|| {
				ApiError::invalid("x-sprint-requester is an account, 32 hex bytes", None)
			})?;
		let block: BlockNumber = block
			.parse()
			.map_err(|_| ApiError::invalid("x-sprint-request-block is a block number", None))?;
		let signature: [u8; 64] = hex::decode(signature.trim_start_matches("0x"))
			.ok()
			.and_then(|b| b.try_into().ok())
			.ok_or_else(|| ApiError::invalid("x-sprint-request-signature is 64 hex bytes", None))?;
		let statement = super::payload_request_statement(&self.genesis, id, block);
		if !sr25519::Pair::verify(
			&sr25519::Signature::from_raw(signature),
			statement,
			&sr25519::Public::from_raw(requester),
		) {
			return Err(denied(
				StatusCode::UNAUTHORIZED,
				"payload_request_unsigned",
				"the payload request's signature is not the requester's".into(),
			));
		}
		let view = self.chain().latest().await.map_err(chain_error)?;
		if view.number.abs_diff(block) > super::PAYLOAD_REQUEST_BLOCKS {
			return Err(denied(
				StatusCode::UNAUTHORIZED,
				"payload_request_unsigned",
				format!(
					"the payload request is dated block {block}; the chain is at {}",
					view.number
				),
			));
		}
		// A receipt of a ticket of `epoch` settles in `epoch` or the next, and is audited (and
		// disputed) in the epoch after its settlement.
		for settled in [epoch, epoch.saturating_add(1)] {
			let power = crate::chain::audit::probability(&view.at, settled, &requester, &self.me)
				.await
				.map_err(chain_error)?;
			let juror = crate::chain::audit::dispute(&view.at, settled, id)
				.await
				.map_err(chain_error)?
				.is_some_and(|d| d.seats.iter().any(|(seat, _)| *seat == requester));
			if power > 0 || juror {
				return Ok(());
			}
		}
		Err(denied(
			StatusCode::FORBIDDEN,
			"payload_request_denied",
			"only the validators auditing this receipt and the jurors of its dispute read its payload"
				.into(),
		))
	}

	/// Each block: follows the batch in flight, and sends the pending receipts when a batch is
	/// full, when [`SETTLE_EVERY`] blocks passed since the last, or one by one after a batch
	/// failed (to find the receipt the chain refuses). Receipts whose ticket is too old to settle
	/// are set aside.
	pub async fn settle_step(
		&self,
		sends: &Sends,
		view: &BlockView,
		status: &EpochStatus<BlockNumber>,
	) -> anyhow::Result<()> {
		let resumed = {
			let mut settling = self.settling.lock().unwrap_or_else(|p| p.into_inner());
			if let Some((key, ids)) = settling.in_flight.clone() {
				match sends.state(key) {
					Some(CallState::InFlight) => return Ok(()),
					Some(CallState::Landed) => {
						for id in &ids {
							self.store.settled(id)?;
							self.forget(id);
						}
						self.served.settled.fetch_add(ids.len() as u64, Ordering::Relaxed);
						tracing::info!("settled {} receipt(s) on chain", ids.len());
					}
					Some(CallState::Failed) if ids.len() == 1 => {
						tracing::warn!(
							"the chain refuses receipt {:016x}: set aside",
							short(&ids[0])
						);
						self.store.reject(&ids[0], "refused by the chain (see the log)")?;
						self.forget(&ids[0]);
					}
					Some(CallState::Failed) => settling.isolate = true,
					None => {}
				}
				settling.in_flight = None;
			}
			settling.resumed
		};
		let batch = {
			let mut pending = self.store.pending()?;
			if !resumed {
				// Receipts a previous run sent may have settled while it was down.
				let mut open = Vec::new();
				for receipt in pending {
					let t = &receipt.ticket;
					if inference::nonce_used(&view.at, t.epoch, &t.key, t.nonce).await? {
						self.store.settled(&receipt.id())?;
					} else {
						open.push(receipt);
					}
				}
				pending = open;
				self.settling.lock().unwrap_or_else(|p| p.into_inner()).resumed = true;
			}
			let mut open = Vec::new();
			for receipt in pending {
				if receipt.ticket.epoch + 1 < status.epoch {
					tracing::warn!(
						"receipt {:016x} is of epoch {}: too old to settle, set aside",
						short(&receipt.id()),
						receipt.ticket.epoch
					);
					self.store.reject(&receipt.id(), "too old to settle")?;
					self.forget(&receipt.id());
				} else {
					open.push(receipt);
				}
			}
			let settling = self.settling.lock().unwrap_or_else(|p| p.into_inner());
			if settling.isolate && open.is_empty() {
				drop(settling);
				self.settling.lock().unwrap_or_else(|p| p.into_inner()).isolate = false;
				return Ok(());
			}
			let due = settling.isolate
				|| open.len() >= FULL_BATCH
				|| (!open.is_empty() && view.number >= settling.last_sent + SETTLE_EVERY);
			if !due {
				return Ok(());
			}
			open.truncate(if settling.isolate { 1 } else { MAX_BATCH });
			open
		};
		let key = CallKey::Settle(short(&batch[0].id()));
		if sends.due(key, view.number) {
			let ids = batch.iter().map(Receipt::id).collect();
			{
				let mut settling = self.settling.lock().unwrap_or_else(|p| p.into_inner());
				settling.in_flight = Some((key, ids));
				settling.last_sent = view.number;
			}
			tracing::info!("settling {} receipt(s)", batch.len());
			sends.send(key, Call::Settle(batch), view.number).await;
		}
		Ok(())
	}

	/// Claims the pending fees whose audit windows closed (once per epoch).
	pub async fn claim_step(
		&self,
		sends: &Sends,
		view: &BlockView,
		status: &EpochStatus<BlockNumber>,
	) -> anyhow::Result<()> {
		let fees = inference::pending_fees(&view.at, &self.me).await?;
		let due: Balance = fees.iter().filter(|(e, _)| *e <= status.epoch).map(|(_, a)| *a).sum();
		if due > 0 && sends.due(CallKey::ClaimFees(status.epoch), view.number) {
			tracing::info!("claiming {due} planck of fees");
			sends.send(CallKey::ClaimFees(status.epoch), Call::ClaimFees, view.number).await;
		}
		Ok(())
	}
}

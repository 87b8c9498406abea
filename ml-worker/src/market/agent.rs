//! The transfer agent (docs/protocol.md §7, §9): turns an OpenAI request whose Bearer token is an
//! API key's secret into a ticket signed with that key, for an executor it picks, and streams the
//! executor's answer back unchanged.
//!
//! Per request: the key's on-chain terms (registered, not revoked, not expired, its price cap,
//! what it spent this epoch and its owner's deposit — an unusable key is refused with OpenAI's
//! 401, an exhausted one with 429 `insufficient_quota`, one whose price cap is under the price in
//! force with 402 `price_above_cap`), the model by its registered name, an
//! executor among the hosts that declare the model and are not jailed — drawn at random in
//! proportion to declared capacity over measured latency, and only among those on carbon-free
//! power when the request says `"sprint_green": true` — then the ticket: the model's current
//! price, the request's sampling parameters and seed (a random seed when it gives none), its
//! `max_tokens`, a random nonce, this epoch, and an expiry `ticket_lifetime` blocks ahead. An
//! executor that cannot be reached is skipped for the next (at most three are tried).
//!
//! The Bearer token is the key's secret as a secret URI (`0x` and 32 bytes of hex seed, a
//! mnemonic, or a dev URI such as `//Alice//api`). `sprint-worker gateway` runs this alone with
//! a key kept on the requester's machine ([`Agent::with_local_key`]).

use std::{
	collections::HashMap,
	sync::{Arc, Mutex, RwLock},
	time::{Duration, Instant},
};

use axum::{
	body::{Body, Bytes},
	extract::{rejection::BytesRejection, State},
	http::{HeaderMap, HeaderValue, StatusCode},
	response::{IntoResponse, Response},
	routing::{get, post},
	Json, Router,
};
use polkadot_sdk::sp_core::{crypto::Pair as _, sr25519};
use serde_json::{json, Value};
use sprint_core::{
	market::{Sampling, Ticket},
	merkle::Hash32,
};

use super::{
	canonical_request, request_hash, worst_case_payload, Endpoint, Envelope, RequestError,
	EXECUTE_PATH, MAX_PAYLOAD,
};
use crate::{
	api::ApiError,
	chain::{
		inference::{self, Model, Service},
		AccountId, Chain,
	},
};

/// Executors tried per request at most.
const TRIES: usize = 3;
/// The latency assumed for an executor not measured yet, seconds.
const UNMEASURED_LATENCY: f64 = 0.5;

/// The transfer agent.
pub struct Agent {
	chain: RwLock<Chain>,
	genesis: Hash32,
	http: reqwest::Client,
	/// Seconds to the executor's response headers, smoothed.
	latency: Mutex<HashMap<AccountId, f64>>,
	local_key: Option<sr25519::Pair>,
	/// Where accepted tickets are kept for downtime reports (a market worker's agent).
	acceptances: Option<super::store::Acceptances>,
	/// Reads API keys' state.
	keys: super::KeyReader,
	/// What every request reads of the chain, shared for [`SNAPSHOT_AGE`].
	snapshot: tokio::sync::Mutex<Option<(Instant, Arc<Snapshot>)>>,
}

/// How old the shared read of the chain may be when a request uses it (a market worker refreshes
/// it in the background every [`SNAPSHOT_REFRESH`], so requests rarely wait for the chain); a
/// ticket signed against state this old is checked again by its executor against its own.
pub const SNAPSHOT_AGE: Duration = Duration::from_millis(2_000);
/// How often the background refresh reads the chain.
pub const SNAPSHOT_REFRESH: Duration = Duration::from_millis(500);

/// The chain as every request needs it: the latest finalized block, the market's parameters,
/// the registered models and the services of the hosts not jailed.
struct Snapshot {
	view: crate::chain::BlockView,
	epoch: sprint_core::EpochIndex,
	params: inference::Params,
	models: Vec<Model>,
	services: Vec<(AccountId, Service)>,
}

fn unauthorized(message: impl Into<String>) -> ApiError {
	ApiError::new(StatusCode::UNAUTHORIZED, "invalid_request_error", message)
		.code("invalid_api_key")
}

fn over_quota(message: impl Into<String>) -> ApiError {
	ApiError::new(StatusCode::TOO_MANY_REQUESTS, "insufficient_quota", message)
		.code("insufficient_quota")
}

/// The key's price cap is under the price in force: not a quota to wait for (the SDK retries a
/// 429), so 402 with a code of its own that says what to change.
fn price_above_cap(message: impl Into<String>) -> ApiError {
	ApiError::new(StatusCode::PAYMENT_REQUIRED, "invalid_request_error", message)
		.code("price_above_cap")
}

fn unavailable(message: impl Into<String>) -> ApiError {
	ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "server_error", message)
}

fn chain_error(e: impl std::fmt::Display) -> ApiError {
	unavailable(format!("the transfer agent cannot read the chain: {e}"))
}

fn random_u64() -> u64 {
	use std::hash::{BuildHasher, Hasher};
	std::collections::hash_map::RandomState::new().build_hasher().finish()
}

/// Thousandths of `value` in `range`, or a 400 naming `field`.
fn milli(
	value: Option<f64>,
	default: f64,
	range: std::ops::RangeInclusive<u32>,
	field: &'static str,
) -> Result<u32, ApiError> {
	let v = value.unwrap_or(default);
	let m = (v * 1_000.0).round();
	if !(m >= f64::from(*range.start()) && m <= f64::from(*range.end())) {
		return Err(ApiError::invalid(format!("{field} {v} is out of range"), Some(field)));
	}
	Ok(m as u32)
}

impl Agent {
	pub fn new(chain: Chain) -> Self {
		let genesis = chain.genesis_hash().0;
		let http = reqwest::Client::builder()
			.redirect(reqwest::redirect::Policy::none())
			.connect_timeout(Duration::from_secs(5))
			.build()
			.unwrap_or_default();
		Self {
			chain: RwLock::new(chain),
			genesis,
			http,
			latency: Mutex::default(),
			local_key: None,
			acceptances: None,
			keys: super::KeyReader::default(),
			snapshot: tokio::sync::Mutex::new(None),
		}
	}

	/// Keeps the executors' acceptances in `acceptances`, so that tickets accepted and never
	/// settled can be reported.
	pub fn with_acceptances(mut self, acceptances: super::store::Acceptances) -> Self {
		self.acceptances = Some(acceptances);
		self
	}

	/// A gateway's agent: requests without a Bearer token are signed with `key`.
	pub fn with_local_key(mut self, key: sr25519::Pair) -> Self {
		self.local_key = Some(key);
		self
	}

	pub fn set_chain(&self, chain: Chain) {
		*self.chain.write().unwrap_or_else(|p| p.into_inner()) = chain;
	}

	fn chain(&self) -> Chain {
		self.chain.read().unwrap_or_else(|p| p.into_inner()).clone()
	}

	fn key(&self, headers: &HeaderMap) -> Result<sr25519::Pair, ApiError> {
		let bearer = headers
			.get(axum::http::header::AUTHORIZATION)
			.and_then(|v| v.to_str().ok())
			.and_then(|v| v.strip_prefix("Bearer "))
			.map(str::trim)
			.filter(|v| !v.is_empty());
		match (bearer, &self.local_key) {
			(Some(secret), _) => sr25519::Pair::from_string(secret, None).map_err(|_| {
				unauthorized("the API key is not a secret key: pass the key's secret (0x + 64 hex digits, or a secret URI) as the Bearer token")
			}),
			(None, Some(key)) => Ok(key.clone()),
			(None, None) => Err(unauthorized(
				"no API key: pass your Sprint API key's secret as the Bearer token (the OpenAI SDK's api_key)",
			)),
		}
	}

	/// Keeps the shared read of the chain fresh, every [`SNAPSHOT_REFRESH`], until the agent
	/// is dropped.
	pub fn refresh_in_background(self: &Arc<Self>) {
		let agent = Arc::downgrade(self);
		tokio::spawn(async move {
			while let Some(agent) = agent.upgrade() {
				if let Err(e) = agent.refresh().await {
					tracing::debug!(target: "sprint::agent", "refresh: {e:?}");
				}
				drop(agent);
				tokio::time::sleep(SNAPSHOT_REFRESH).await;
			}
		});
	}

	async fn refresh(&self) -> Result<Arc<Snapshot>, ApiError> {
		let mut cached = self.snapshot.lock().await;
		self.read_snapshot(&mut cached).await
	}

	/// The chain's state for requests: read again once older than [`SNAPSHOT_AGE`].
	async fn snapshot(&self) -> Result<Arc<Snapshot>, ApiError> {
		let mut cached = self.snapshot.lock().await;
		if let Some((taken, snapshot)) = cached.as_ref() {
			if taken.elapsed() < SNAPSHOT_AGE {
				return Ok(snapshot.clone());
			}
		}
		self.read_snapshot(&mut cached).await
	}

	async fn read_snapshot(
		&self,
		cached: &mut Option<(Instant, Arc<Snapshot>)>,
	) -> Result<Arc<Snapshot>, ApiError> {
		let view = self.chain().latest().await.map_err(chain_error)?;
		let epoch = view
			.status
			.as_ref()
			.map(|s| s.epoch)
			.ok_or_else(|| unavailable("the chain's first epoch has not started"))?;
		let params = inference::params(&view.at)
			.await
			.map_err(chain_error)?
			.ok_or_else(|| unavailable("this chain has no inference market"))?;
		let models = inference::models(&view.at).await.map_err(chain_error)?;
		let mut services = Vec::new();
		for (who, service) in inference::services(&view.at).await.map_err(chain_error)? {
			let jailed = inference::jailed_until(&view.at, &who)
				.await
				.map_err(chain_error)?
				.is_some_and(|until| epoch < until);
			if !jailed && !service.api_url.is_empty() {
				services.push((who, service));
			}
		}
		let snapshot = Arc::new(Snapshot { view, epoch, params, models, services });
		*cached = Some((Instant::now(), snapshot.clone()));
		Ok(snapshot)
	}

	/// The registered models (`GET /v1/models` of a gateway).
	pub async fn models(&self) -> Result<Vec<Model>, ApiError> {
		let view = self.chain().latest().await.map_err(chain_error)?;
		inference::models(&view.at).await.map_err(chain_error)
	}

	/// Executors for `model`, best first, drawn by capacity over latency.
	fn rank(&self, mut candidates: Vec<(AccountId, Service)>) -> Vec<(AccountId, Service)> {
		let latency = self.latency.lock().unwrap_or_else(|p| p.into_inner());
		let mut ranked = Vec::new();
		while !candidates.is_empty() {
			let weights: Vec<f64> = candidates
				.iter()
				.map(|(who, s)| {
					f64::from(s.capacity.max(1))
						/ latency.get(who).copied().unwrap_or(UNMEASURED_LATENCY).max(0.001)
				})
				.collect();
			let total: f64 = weights.iter().sum();
			let mut pick = (random_u64() as f64 / u64::MAX as f64) * total;
			let mut chosen = candidates.len() - 1;
			for (i, w) in weights.iter().enumerate() {
				if pick < *w {
					chosen = i;
					break;
				}
				pick -= w;
			}
			ranked.push(candidates.swap_remove(chosen));
		}
		ranked
	}

	fn observe(&self, who: &AccountId, seconds: f64) {
		let mut latency = self.latency.lock().unwrap_or_else(|p| p.into_inner());
		let entry = latency.entry(*who).or_insert(seconds);
		*entry = 0.8 * *entry + 0.2 * seconds;
	}

	/// Signs a ticket for the request and forwards it.
	pub async fn forward(
		&self,
		endpoint: Endpoint,
		headers: &HeaderMap,
		body: Result<Bytes, BytesRejection>,
	) -> Result<Response, ApiError> {
		let body =
			body.map_err(|r| ApiError::new(r.status(), "invalid_request_error", r.body_text()))?;
		let key = self.key(headers)?;
		// Refused before parsing when over the limit; otherwise hashed into the ticket in its
		// canonical form, so padding never reaches the payload.
		let canonical = canonical_request(endpoint, &body).map_err(RequestError::into_api_error)?;
		let request: Value = serde_json::from_slice(&body)
			.map_err(|e| ApiError::invalid(format!("the body is not valid JSON: {e}"), None))?;
		let name = request.get("model").and_then(Value::as_str).ok_or_else(|| {
			ApiError::new(
				StatusCode::UNPROCESSABLE_ENTITY,
				"invalid_request_error",
				"invalid request: missing field `model`",
			)
		})?;
		let green = request.get("sprint_green").and_then(Value::as_bool).unwrap_or(false);

		let snapshot = self.snapshot().await?;
		let (view, params, models) = (&snapshot.view, &snapshot.params, &snapshot.models);
		let epoch = snapshot.epoch;
		let Some(model) = models.iter().find(|m| m.info.name() == name) else {
			let names: Vec<String> = models.iter().map(|m| m.info.name()).collect();
			return Err(ApiError::new(
				StatusCode::NOT_FOUND,
				"invalid_request_error",
				format!(
					"the model `{name}` is not registered on this chain; registered: {}",
					names.join(", ")
				),
			)
			.code("model_not_found"));
		};

		let public = key.public().0;
		let (terms, spent, deposit) =
			self.keys.read(&view.at, epoch, &public).await.map_err(chain_error)?.ok_or_else(
				|| unauthorized("unknown API key: its owner adds it with inference.addApiKey"),
			)?;
		if terms.revoked.is_some() {
			return Err(unauthorized("this API key was revoked"));
		}
		if terms.expires_at <= view.number {
			return Err(unauthorized(format!(
				"this API key expired at block {}",
				terms.expires_at
			)));
		}
		if model.price > terms.price_cap {
			return Err(price_above_cap(format!(
				"{name} costs {} planck per token now, above this key's price cap of {}: \
				 raise the cap (a new key) or wait for the price to fall",
				model.price, terms.price_cap
			)));
		}
		if spent >= terms.cap_per_epoch {
			return Err(over_quota(format!(
				"this API key spent its cap of {} planck for epoch {}: wait for the next epoch or raise the cap",
				terms.cap_per_epoch, epoch
			)));
		}
		if deposit.held == 0 {
			return Err(over_quota(
				"the key owner's inference deposit is empty: deposit with inference.deposit",
			));
		}

		let number = |field: &str| request.get(field).and_then(Value::as_f64);
		let sampling = Sampling {
			temperature_milli: milli(number("temperature"), 1.0, 0..=2_000, "temperature")?,
			top_p_milli: milli(number("top_p"), 1.0, 1..=1_000, "top_p")?,
			seed: request.get("seed").and_then(Value::as_i64).map_or_else(random_u64, |s| s as u64),
		};
		let max_tokens = number("max_completion_tokens")
			.or(number("max_tokens"))
			.map(|m| m.clamp(0.0, f64::from(u32::MAX)) as u32)
			.unwrap_or(match endpoint {
				Endpoint::Completion => 16,
				Endpoint::Chat => model.info.context_length,
			});

		let candidates: Vec<(AccountId, Service)> = snapshot
			.services
			.iter()
			.filter(|(_, s)| s.models.contains(&model.id) && (!green || s.energy.is_green()))
			.cloned()
			.collect();
		if candidates.is_empty() {
			return Err(unavailable(format!(
				"no{} executor serves {name} now: retry later",
				if green { " carbon-free" } else { "" }
			)));
		}

		let request_text = String::from_utf8(canonical)
			.map_err(|_| ApiError::invalid("the body is not UTF-8", None))?;
		// The executor refuses what could outgrow the payload limit; say so before signing.
		let output_tokens = (max_tokens as usize).min(model.info.context_length as usize);
		let mut last = String::new();
		for (executor, service) in self.rank(candidates).into_iter().take(TRIES) {
			let ticket: inference::Ticket = Ticket {
				genesis: self.genesis,
				key: public,
				executor,
				model: model.id,
				request_hash: request_hash(endpoint, request_text.as_bytes()),
				max_tokens,
				sampling,
				price: model.price,
				nonce: random_u64(),
				epoch,
				expiry: view.number.saturating_add(params.ticket_lifetime).min(terms.expires_at),
			};
			let worst_payload =
				worst_case_payload(&ticket, endpoint, request_text.as_bytes(), output_tokens);
			if worst_payload > MAX_PAYLOAD {
				return Err(
					RequestError::payload_over_limit(output_tokens, worst_payload).into_api_error()
				);
			}
			let signature = key.sign(&ticket.signing_payload());
			let envelope = Envelope {
				ticket: hex::encode(codec::Encode::encode(&ticket)),
				signature: hex::encode(signature.0),
				endpoint,
				request: request_text.clone(),
			};
			let url = format!("{}{EXECUTE_PATH}", service.api_url());
			let started = Instant::now();
			let response = match self.http.post(&url).json(&envelope).send().await {
				Ok(r) => r,
				Err(e) => {
					tracing::warn!(target: "sprint::agent", "executor {url} unreachable: {e}");
					self.observe(&executor, 10.0);
					last = format!("{url}: {e}");
					continue;
				}
			};
			self.observe(&executor, started.elapsed().as_secs_f64());
			if response.status() == reqwest::StatusCode::SERVICE_UNAVAILABLE {
				last = format!("{url} is unavailable");
				continue;
			}
			if let (true, Some(acceptances)) = (response.status().is_success(), &self.acceptances) {
				let acceptance = response.headers().get(super::ACCEPTANCE_HEADER).cloned();
				let (acceptances, chain) = (acceptances.clone(), self.chain());
				// Off the answer's path: the client's stream starts now.
				tokio::spawn(keep_acceptance(acceptances, chain, ticket, signature.0, acceptance));
			}
			return Ok(relay(response));
		}
		Err(unavailable(format!("no executor answered ({last}): retry later")))
	}
}

/// Keeps an executor's acceptance of `ticket` once its signature checks against the executor's
/// proof key (a worker reports tickets accepted and never settled).
async fn keep_acceptance(
	acceptances: super::store::Acceptances,
	chain: Chain,
	ticket: inference::Ticket,
	ticket_signature: [u8; 64],
	header: Option<reqwest::header::HeaderValue>,
) {
	let acceptance: Option<[u8; 64]> =
		header.and_then(|v| hex::decode(v.as_bytes()).ok()).and_then(|v| v.try_into().ok());
	let proof_key = match chain.latest().await {
		Ok(view) => crate::chain::read::host(&view.at, &ticket.executor)
			.await
			.ok()
			.flatten()
			.map(|h| h.proof_key),
		Err(_) => None,
	};
	let valid = match (acceptance, proof_key) {
		(Some(acceptance), Some(key)) => sr25519::Pair::verify(
			&sr25519::Signature::from_raw(acceptance),
			sprint_core::market::acceptance_payload(&ticket.hash()),
			&sr25519::Public::from_raw(key),
		)
		.then_some(acceptance),
		_ => None,
	};
	match valid {
		Some(acceptance) => {
			if let Err(e) = acceptances.keep(&(ticket, ticket_signature, acceptance)) {
				tracing::warn!(target: "sprint::agent", "cannot keep an acceptance: {e}");
			}
		}
		None => tracing::warn!(
			target: "sprint::agent",
			"executor 0x{} answered without a valid acceptance signature",
			hex::encode(&ticket.executor[..4])
		),
	}
}

/// The executor's response, streamed to the client as it comes.
fn relay(response: reqwest::Response) -> Response {
	let status =
		StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
	let content_type = response.headers().get(reqwest::header::CONTENT_TYPE).cloned();
	let stream = futures::stream::unfold(Some(response), |state| async move {
		let mut response = state?;
		match response.chunk().await {
			Ok(Some(bytes)) => Some((Ok::<_, std::io::Error>(bytes), Some(response))),
			Ok(None) => None,
			Err(e) => Some((Err(std::io::Error::other(e)), None)),
		}
	});
	let mut out = Response::new(Body::from_stream(stream));
	*out.status_mut() = status;
	if let Some(ct) = content_type.and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok()) {
		out.headers_mut().insert(axum::http::header::CONTENT_TYPE, ct);
	}
	out
}

/// `sprint-worker gateway`'s router: the OpenAI API, every request through `agent`.
pub fn gateway_router(agent: std::sync::Arc<Agent>) -> Router {
	Router::new()
		.route("/v1/models", get(gateway_models))
		.route("/v1/chat/completions", post(|State(a): State<std::sync::Arc<Agent>>, h: HeaderMap, b: Result<Bytes, BytesRejection>| async move { a.forward(Endpoint::Chat, &h, b).await }))
		.route("/v1/completions", post(|State(a): State<std::sync::Arc<Agent>>, h: HeaderMap, b: Result<Bytes, BytesRejection>| async move { a.forward(Endpoint::Completion, &h, b).await }))
		.route("/health", get(|| async { "ok" }))
		.fallback(|| async {
			ApiError::new(StatusCode::NOT_FOUND, "invalid_request_error", "no such path: the gateway serves /v1/models, /v1/chat/completions and /v1/completions").code("unknown_url")
		})
		.with_state(agent)
}

async fn gateway_models(State(agent): State<std::sync::Arc<Agent>>) -> Result<Response, ApiError> {
	let models = agent.models().await?;
	Ok(Json(json!({
		"object": "list",
		"data": models.iter().map(|m| json!({ "id": m.info.name(), "object": "model", "created": 0, "owned_by": "sprint" })).collect::<Vec<_>>(),
	}))
	.into_response())
}

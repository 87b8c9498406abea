//! The OpenAI-compatible HTTP API (axum): `GET /v1/models`, `POST /v1/chat/completions` and
//! `POST /v1/completions`, streamed (server-sent events ending in `data: [DONE]`) or not.
//! Requests queue and are batched by the [`scheduler`]; errors use OpenAI's shape
//! (`{"error": {"message", "type", "param", "code"}}`) and status codes:
//!
//! | status | when |
//! |---|---|
//! | 400 | malformed JSON, a parameter out of range, `n` > 1, a prompt longer than the context |
//! | 404 | an unknown model or path |
//! | 413 | a body over the limit |
//! | 422 | well-formed JSON missing a field or with a field of the wrong type |
//! | 429 | the queue is full: retry later |
//! | 503 | the engine stopped |

pub mod scheduler;
pub mod types;

use std::{
	collections::hash_map::RandomState,
	convert::Infallible,
	hash::{BuildHasher, Hasher},
	net::SocketAddr,
	sync::Arc,
	time::{SystemTime, UNIX_EPOCH},
};

use axum::{
	body::Bytes,
	extract::{rejection::BytesRejection, DefaultBodyLimit, State},
	http::{HeaderMap, StatusCode},
	response::{
		sse::{Event as SseEvent, Sse},
		IntoResponse, Response,
	},
	routing::{get, post},
	Json, Router,
};
use futures::{Stream, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};

use self::{
	scheduler::{Event, Refusal, Scheduler},
	types::*,
};
use crate::inference::{
	chat::Message,
	generate::{Finish, GenerationRequest, TokenOut},
	sampler::{to_nats, SamplingParams},
	LanguageModel,
};

/// Limits of the server.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
	/// Answers advanced together in one forward pass.
	pub max_batch: usize,
	/// Requests waiting behind them before new ones get 429.
	pub max_queue: usize,
	/// Largest request body, bytes.
	pub max_body: usize,
}

impl Default for Limits {
	fn default() -> Self {
		Self { max_batch: 8, max_queue: 64, max_body: 1 << 20 }
	}
}

/// Most alternatives per token.
pub const MAX_TOP_LOGPROBS: u64 = 20;

pub(crate) struct AppState {
	pub lm: Arc<LanguageModel>,
	scheduler: Scheduler,
	/// In a market worker: requests with an API key go through the transfer agent.
	agent: Option<Arc<crate::market::agent::Agent>>,
	/// In a market worker: the executor of tickets.
	executor: Option<Arc<crate::market::executor::Executor>>,
}

/// An API error: a status and OpenAI's error body.
#[derive(Debug)]
pub struct ApiError {
	status: StatusCode,
	body: ErrorBody,
}

impl ApiError {
	pub(crate) fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
		Self {
			status,
			body: ErrorBody {
				error: ErrorDetail { message: message.into(), kind, param: None, code: None },
			},
		}
	}

	pub(crate) fn invalid(message: impl Into<String>, param: Option<&'static str>) -> Self {
		let mut e = Self::new(StatusCode::BAD_REQUEST, "invalid_request_error", message);
		e.body.error.param = param;
		e
	}

	pub(crate) fn code(mut self, code: &'static str) -> Self {
		self.body.error.code = Some(code);
		self
	}
}

impl IntoResponse for ApiError {
	fn into_response(self) -> Response {
		(self.status, Json(self.body)).into_response()
	}
}

/// `GET /health`: 200 while the batching loop runs, with its load —
/// `{"status":"ok","answering":1,"queued":0,"max_queue":64}`.
async fn health(State(state): State<Arc<AppState>>) -> Json<Value> {
	let load = state.scheduler.load();
	Json(json!({
		"status": "ok",
		"answering": load.answering,
		"queued": load.queued,
		"max_queue": load.max_queue,
	}))
}

/// The router, with the batching loop started.
pub fn router(lm: Arc<LanguageModel>, limits: Limits) -> Router {
	market_router(lm, limits, None, None)
}

/// The router of a market worker: requests with an API key go through `agent` (a transfer
/// agent), tickets to `executor` (`/v1/sprint/execute`), payloads to auditors
/// (`/v1/sprint/payloads/{epoch}/{id}`).
pub fn market_router(
	lm: Arc<LanguageModel>,
	limits: Limits,
	agent: Option<Arc<crate::market::agent::Agent>>,
	executor: Option<Arc<crate::market::executor::Executor>>,
) -> Router {
	let scheduler = Scheduler::start(lm.clone(), limits.max_batch, limits.max_queue);
	let state = Arc::new(AppState { lm, scheduler, agent, executor });
	Router::new()
		.route("/v1/models", get(models))
		.route("/v1/chat/completions", post(chat_completions))
		.route("/v1/completions", post(completions))
		.route(&format!("/v1{}", crate::market::EXECUTE_PATH), post(execute))
		.route(&format!("/v1{}/{{epoch}}/{{id}}", crate::market::PAYLOAD_PATH), get(payload))
		.route("/health", get(health))
		.fallback(|| async {
			ApiError::new(
				StatusCode::NOT_FOUND,
				"invalid_request_error",
				"no such path: the API serves /v1/models, /v1/chat/completions and /v1/completions",
			)
			.code("unknown_url")
		})
		.layer(DefaultBodyLimit::max(limits.max_body))
		.with_state(state)
}

/// Serves the API on `listen` until ctrl-c.
pub async fn serve(
	lm: Arc<LanguageModel>,
	listen: SocketAddr,
	limits: Limits,
) -> anyhow::Result<()> {
	let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
		anyhow::anyhow!("cannot listen on {listen}: {e} (is another server using that port?)")
	})?;
	tracing::info!(target: "sprint::api", "serving {} on http://{}/v1", lm.name, listener.local_addr()?);
	axum::serve(listener, router(lm, limits))
		.with_graceful_shutdown(async {
			let _ = tokio::signal::ctrl_c().await;
		})
		.await?;
	Ok(())
}

async fn models(State(state): State<Arc<AppState>>) -> Json<Value> {
	Json(json!({
		"object": "list",
		"data": [{ "id": state.lm.name, "object": "model", "created": 0, "owned_by": "sprint" }],
	}))
}

/// The body as JSON (a syntax error is 400), then as `T` and as the shared [`Sampling`] fields
/// (a missing field or a wrong type is 422).
fn parse<T: serde::de::DeserializeOwned>(
	body: Result<Bytes, BytesRejection>,
) -> Result<(T, Sampling), ApiError> {
	let body = body.map_err(|rejection| {
		let status = rejection.status();
		let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
			"the request body is over the server's limit".to_owned()
		} else {
			rejection.body_text()
		};
		ApiError::new(status, "invalid_request_error", message)
	})?;
	let value: Value = serde_json::from_slice(&body)
		.map_err(|e| ApiError::invalid(format!("the body is not valid JSON: {e}"), None))?;
	let invalid = |e: serde_json::Error| {
		ApiError::new(
			StatusCode::UNPROCESSABLE_ENTITY,
			"invalid_request_error",
			format!("invalid request: {e}"),
		)
	};
	let sampling = Sampling::deserialize(&value).map_err(invalid)?;
	let request = T::deserialize(&value).map_err(invalid)?;
	Ok((request, sampling))
}

fn random_u64() -> u64 {
	RandomState::new().build_hasher().finish()
}

fn unix_now() -> u64 {
	SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Checks the shared fields and builds the engine's request.
fn generation_request(
	lm: &LanguageModel,
	sampling: &Sampling,
	prompt: Vec<u32>,
	top_logprobs: usize,
	chat: bool,
) -> Result<GenerationRequest, ApiError> {
	if sampling.model != lm.name {
		return Err(ApiError::new(
			StatusCode::NOT_FOUND,
			"invalid_request_error",
			format!(
				"the model `{}` does not exist: this server serves `{}`",
				sampling.model, lm.name
			),
		)
		.code("model_not_found"));
	}
	if sampling.n.unwrap_or(1) != 1 {
		return Err(ApiError::invalid(
			"n must be 1: this server returns one answer per request",
			Some("n"),
		));
	}
	let params = SamplingParams::new(
		sampling.temperature.unwrap_or(1.0),
		sampling.top_p.unwrap_or(1.0),
		sampling.seed.map_or_else(random_u64, |s| s as u64),
	)
	.map_err(|e| ApiError::invalid(e.to_string(), None))?;
	let stop = sampling.stop.clone().map(Stop::into_vec).unwrap_or_default();
	if stop.len() > 4 || stop.iter().any(String::is_empty) {
		return Err(ApiError::invalid("stop takes at most 4 non-empty strings", Some("stop")));
	}
	if prompt.is_empty() {
		return Err(ApiError::invalid(
			"the prompt is empty",
			Some(if chat { "messages" } else { "prompt" }),
		));
	}
	let context = lm.model.config.context;
	let room = context.saturating_sub(prompt.len());
	let max_tokens = sampling.max_completion_tokens.or(sampling.max_tokens);
	if room == 0 || max_tokens.is_some_and(|m| m as usize > room) {
		return Err(ApiError::invalid(
			format!(
				"this model's context is {context} tokens; the prompt takes {} and max_tokens asks for {}: shorten the prompt or lower max_tokens",
				prompt.len(),
				max_tokens.unwrap_or(0)
			),
			Some("max_tokens"),
		)
		.code("context_length_exceeded"));
	}
	Ok(GenerationRequest {
		prompt,
		max_tokens: max_tokens.map_or(room, |m| m as usize),
		params,
		stop,
		top_logprobs,
	})
}

/// `POST /v1/sprint/execute`: a ticket for this executor.
async fn execute(
	State(state): State<Arc<AppState>>,
	body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
	let Some(executor) = state.executor.clone() else {
		return Err(ApiError::new(
			StatusCode::NOT_FOUND,
			"invalid_request_error",
			"this worker executes no tickets",
		));
	};
	executor.execute(state, body).await
}

/// `GET /v1/sprint/payloads/{epoch}/{id}`: a receipt's payload, signed, for auditors.
async fn payload(
	State(state): State<Arc<AppState>>,
	axum::extract::Path((epoch, id)): axum::extract::Path<(u32, String)>,
	headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
	let Some(executor) = state.executor.clone() else {
		return Err(ApiError::new(
			StatusCode::NOT_FOUND,
			"invalid_request_error",
			"no payloads here",
		));
	};
	executor.serve_payload(epoch, &id, &headers).await
}

pub(crate) fn submit(
	state: &AppState,
	request: GenerationRequest,
) -> Result<tokio::sync::mpsc::UnboundedReceiver<Event>, ApiError> {
	state.scheduler.submit(request).map_err(|refusal| match refusal {
		Refusal::Busy => ApiError::new(
			StatusCode::TOO_MANY_REQUESTS,
			"rate_limit_error",
			"the server's queue is full: retry in a moment",
		)
		.code("rate_limit_exceeded"),
		Refusal::Stopped => ApiError::new(
			StatusCode::SERVICE_UNAVAILABLE,
			"server_error",
			"the inference engine has stopped: restart sprint-worker serve",
		),
	})
}

fn message_text(content: &Value) -> Result<String, ApiError> {
	match content {
		Value::String(s) => Ok(s.clone()),
		Value::Null => Ok(String::new()),
		Value::Array(parts) => parts
			.iter()
			.map(|part| {
				match (
					part.get("type").and_then(Value::as_str),
					part.get("text").and_then(Value::as_str),
				) {
					(Some("text"), Some(text)) => Ok(text.to_owned()),
					_ => Err(ApiError::invalid(
						"only text content parts are supported",
						Some("messages"),
					)),
				}
			})
			.collect(),
		_ => Err(ApiError::invalid(
			"a message's content must be a string or a list of text parts",
			Some("messages"),
		)),
	}
}

fn token_bytes(state: &AppState, token: u32) -> (String, Vec<u8>) {
	let text = state.lm.tokenizer.token_text(token);
	let bytes = text.as_bytes().to_vec();
	(text, bytes)
}

fn chat_logprob(state: &AppState, t: &TokenOut) -> TokenLogprob {
	let (token, bytes) = token_bytes(state, t.token);
	TokenLogprob {
		token,
		logprob: to_nats(t.logprob),
		bytes,
		top_logprobs: t
			.top
			.iter()
			.map(|(id, lp)| {
				let (token, bytes) = token_bytes(state, *id);
				TopLogprob { token, logprob: to_nats(*lp), bytes }
			})
			.collect(),
	}
}

/// How an answer is shaped for its client.
pub(crate) enum Reply {
	Chat { stream: bool, include_usage: bool, logprobs: bool },
	Completion { stream: bool, include_usage: bool, with_logprobs: bool, echo: String },
}

/// A request checked and turned into the engine's terms.
pub(crate) struct Prepared {
	pub generation: GenerationRequest,
	pub reply: Reply,
	/// Alternatives per token the client asked for.
	pub top_logprobs: usize,
}

/// Checks a `/v1/chat/completions` body and renders its prompt.
fn prepare_chat(
	lm: &LanguageModel,
	body: Result<Bytes, BytesRejection>,
) -> Result<Prepared, ApiError> {
	let (mut request, sampling): (ChatRequest, _) = parse(body)?;
	request.sampling = sampling;
	let template = lm.chat.as_ref().ok_or_else(|| {
		ApiError::invalid("this model has no chat template: use /v1/completions", None)
	})?;
	let top = if request.logprobs { request.top_logprobs.unwrap_or(0) } else { 0 };
	if top > MAX_TOP_LOGPROBS || (request.top_logprobs.is_some() && !request.logprobs) {
		return Err(ApiError::invalid(
			"top_logprobs must be 0–20 and needs logprobs: true",
			Some("top_logprobs"),
		));
	}
	if request.messages.is_empty() {
		return Err(ApiError::invalid("messages is empty", Some("messages")));
	}
	let messages = request
		.messages
		.iter()
		.map(|m| {
			let role = if m.role == "developer" { "system".to_owned() } else { m.role.clone() };
			if !["system", "user", "assistant"].contains(&role.as_str()) {
				return Err(ApiError::invalid(
					format!("unknown role `{}`", m.role),
					Some("messages"),
				));
			}
			Ok(Message { role, content: message_text(&m.content)? })
		})
		.collect::<Result<Vec<_>, _>>()?;
	let prompt_text = template
		.render(&messages)
		.map_err(|e| ApiError::invalid(e.to_string(), Some("messages")))?;
	let prompt = lm
		.tokenizer
		.encode(&prompt_text)
		.map_err(|e| ApiError::invalid(e.to_string(), Some("messages")))?;
	let generation = generation_request(lm, &request.sampling, prompt, top as usize, true)?;
	let include_usage = request.sampling.stream_options.as_ref().is_some_and(|o| o.include_usage);
	Ok(Prepared {
		generation,
		reply: Reply::Chat {
			stream: request.sampling.stream,
			include_usage,
			logprobs: request.logprobs,
		},
		top_logprobs: top as usize,
	})
}

/// Checks a `/v1/completions` body and tokenizes its prompt.
fn prepare_completion(
	lm: &LanguageModel,
	body: Result<Bytes, BytesRejection>,
) -> Result<Prepared, ApiError> {
	let (mut request, sampling): (CompletionRequest, _) = parse(body)?;
	request.sampling = sampling;
	let top = request.logprobs.unwrap_or(0);
	if top > MAX_TOP_LOGPROBS {
		return Err(ApiError::invalid("logprobs must be 0–20", Some("logprobs")));
	}
	let (prompt, prompt_text) = match &request.prompt {
		Prompt::Text(text) => (
			lm.tokenizer
				.encode(text)
				.map_err(|e| ApiError::invalid(e.to_string(), Some("prompt")))?,
			text.clone(),
		),
		Prompt::Texts(texts) if texts.len() == 1 => (
			lm.tokenizer
				.encode(&texts[0])
				.map_err(|e| ApiError::invalid(e.to_string(), Some("prompt")))?,
			texts[0].clone(),
		),
		Prompt::Texts(_) => {
			return Err(ApiError::invalid("one prompt per request", Some("prompt")))
		}
		Prompt::Tokens(ids) => {
			let vocab = lm.model.config.vocab;
			if let Some(bad) = ids.iter().find(|id| **id as usize >= vocab) {
				return Err(ApiError::invalid(
					format!("token {bad} is outside the vocabulary of {vocab}"),
					Some("prompt"),
				));
			}
			(ids.clone(), lm.tokenizer.decode(ids).unwrap_or_default())
		}
	};
	let mut sampling = request.sampling.clone();
	if sampling.max_tokens.is_none() && sampling.max_completion_tokens.is_none() {
		// OpenAI's default for completions.
		sampling.max_tokens =
			Some(16.min(lm.model.config.context.saturating_sub(prompt.len()) as u64));
	}
	let generation = generation_request(lm, &sampling, prompt, top as usize, false)?;
	let include_usage = request.sampling.stream_options.as_ref().is_some_and(|o| o.include_usage);
	Ok(Prepared {
		generation,
		reply: Reply::Completion {
			stream: request.sampling.stream,
			include_usage,
			with_logprobs: request.logprobs.is_some(),
			echo: if request.echo { prompt_text } else { String::new() },
		},
		top_logprobs: top as usize,
	})
}

/// Checks a request for `endpoint` (the executor's and the auditor's way in).
pub(crate) fn prepare(
	lm: &LanguageModel,
	endpoint: crate::market::Endpoint,
	body: &[u8],
) -> Result<Prepared, ApiError> {
	let body = Ok(Bytes::copy_from_slice(body));
	match endpoint {
		crate::market::Endpoint::Chat => prepare_chat(lm, body),
		crate::market::Endpoint::Completion => prepare_completion(lm, body),
	}
}

async fn chat_completions(
	State(state): State<Arc<AppState>>,
	headers: HeaderMap,
	body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
	if let Some(agent) = &state.agent {
		return agent.forward(crate::market::Endpoint::Chat, &headers, body).await;
	}
	let prepared = prepare_chat(&state.lm, body)?;
	let events = submit(&state, prepared.generation)?;
	reply(state, prepared.reply, events).await
}

async fn completions(
	State(state): State<Arc<AppState>>,
	headers: HeaderMap,
	body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
	if let Some(agent) = &state.agent {
		return agent.forward(crate::market::Endpoint::Completion, &headers, body).await;
	}
	let prepared = prepare_completion(&state.lm, body)?;
	let events = submit(&state, prepared.generation)?;
	reply(state, prepared.reply, events).await
}

/// The answer to the client: streamed chunks or one JSON body.
pub(crate) async fn reply(
	state: Arc<AppState>,
	reply: Reply,
	events: tokio::sync::mpsc::UnboundedReceiver<Event>,
) -> Result<Response, ApiError> {
	match reply {
		Reply::Chat { stream, include_usage, logprobs } => {
			chat_reply(state, events, stream, include_usage, logprobs).await
		}
		Reply::Completion { stream, include_usage, with_logprobs, echo } => {
			completion_reply(state, events, stream, include_usage, with_logprobs, echo).await
		}
	}
}

async fn chat_reply(
	state: Arc<AppState>,
	events: tokio::sync::mpsc::UnboundedReceiver<Event>,
	stream: bool,
	include_usage: bool,
	logprobs: bool,
) -> Result<Response, ApiError> {
	let id = format!("chatcmpl-{:016x}{:016x}", random_u64(), random_u64());
	let created = unix_now();
	if stream {
		return Ok(stream_response(
			state.clone(),
			events,
			id,
			created,
			include_usage,
			move |state, kind| match kind {
				Chunk::Start => {
					json!({ "index": 0, "delta": { "role": "assistant", "content": "" }, "logprobs": null, "finish_reason": null })
				}
				Chunk::Token(t) => json!({
					"index": 0,
					"delta": { "content": t.text },
					"logprobs": if logprobs { json!({ "content": [chat_logprob(state, t)] }) } else { Value::Null },
					"finish_reason": null,
				}),
				Chunk::End(finish) => {
					json!({ "index": 0, "delta": {}, "logprobs": null, "finish_reason": finish.as_str() })
				}
			},
			"chat.completion.chunk",
		));
	}
	let (tokens, finish, usage) = collect(events).await?;
	let text: String = tokens.iter().map(|t| t.text.as_str()).collect();
	let logprobs = logprobs.then(
		|| json!({ "content": tokens.iter().map(|t| chat_logprob(&state, t)).collect::<Vec<_>>() }),
	);
	Ok(Json(json!({
		"id": id,
		"object": "chat.completion",
		"created": created,
		"model": state.lm.name,
		"system_fingerprint": fingerprint(&state),
		"choices": [{
			"index": 0,
			"message": { "role": "assistant", "content": text, "refusal": null },
			"logprobs": logprobs,
			"finish_reason": finish.as_str(),
		}],
		"usage": usage,
	}))
	.into_response())
}

fn completion_logprobs(state: &AppState, tokens: &[TokenOut], mut offset: usize) -> Value {
	let mut text_offset = Vec::new();
	for t in tokens {
		text_offset.push(offset);
		offset += t.text.len();
	}
	json!({
		"tokens": tokens.iter().map(|t| state.lm.tokenizer.token_text(t.token)).collect::<Vec<_>>(),
		"token_logprobs": tokens.iter().map(|t| to_nats(t.logprob)).collect::<Vec<_>>(),
		"top_logprobs": tokens.iter().map(|t| {
			t.top.iter().map(|(id, lp)| (state.lm.tokenizer.token_text(*id), json!(to_nats(*lp)))).collect::<serde_json::Map<_, _>>()
		}).collect::<Vec<_>>(),
		"text_offset": text_offset,
	})
}

async fn completion_reply(
	state: Arc<AppState>,
	events: tokio::sync::mpsc::UnboundedReceiver<Event>,
	stream: bool,
	include_usage: bool,
	with_logprobs: bool,
	echo: String,
) -> Result<Response, ApiError> {
	let id = format!("cmpl-{:016x}{:016x}", random_u64(), random_u64());
	let created = unix_now();
	if stream {
		return Ok(stream_response(
			state.clone(),
			events,
			id,
			created,
			include_usage,
			move |state, kind| match kind {
				Chunk::Start => {
					json!({ "index": 0, "text": echo, "logprobs": null, "finish_reason": null })
				}
				Chunk::Token(t) => json!({
					"index": 0,
					"text": t.text,
					"logprobs": if with_logprobs { completion_logprobs(state, std::slice::from_ref(t), 0) } else { Value::Null },
					"finish_reason": null,
				}),
				Chunk::End(finish) => {
					json!({ "index": 0, "text": "", "logprobs": null, "finish_reason": finish.as_str() })
				}
			},
			"text_completion",
		));
	}
	let (tokens, finish, usage) = collect(events).await?;
	let text: String = echo.clone() + &tokens.iter().map(|t| t.text.as_str()).collect::<String>();
	Ok(Json(json!({
		"id": id,
		"object": "text_completion",
		"created": created,
		"model": state.lm.name,
		"system_fingerprint": fingerprint(&state),
		"choices": [{
			"index": 0,
			"text": text,
			"logprobs": with_logprobs.then(|| completion_logprobs(&state, &tokens, echo.len())),
			"finish_reason": finish.as_str(),
		}],
		"usage": usage,
	}))
	.into_response())
}

fn fingerprint(state: &AppState) -> String {
	format!(
		"sprint-int{}-{}",
		crate::inference::ENGINE_RECIPE,
		&state.lm.sha256[..12.min(state.lm.sha256.len())]
	)
}

/// Waits for a whole answer.
async fn collect(
	mut events: tokio::sync::mpsc::UnboundedReceiver<Event>,
) -> Result<(Vec<TokenOut>, Finish, Usage), ApiError> {
	let mut tokens = Vec::new();
	while let Some(event) = events.recv().await {
		match event {
			Event::Token(t) => tokens.push(t),
			Event::Done { finish, prompt_tokens, completion_tokens } => {
				let usage = Usage {
					prompt_tokens,
					completion_tokens,
					total_tokens: prompt_tokens + completion_tokens,
				};
				return Ok((tokens, finish, usage));
			}
			Event::Failed(message) => {
				return Err(ApiError::new(
					StatusCode::INTERNAL_SERVER_ERROR,
					"server_error",
					message,
				))
			}
		}
	}
	Err(ApiError::new(
		StatusCode::SERVICE_UNAVAILABLE,
		"server_error",
		"the inference engine stopped during the answer",
	))
}

/// What a streamed chunk's choice carries.
enum Chunk<'a> {
	Start,
	Token(&'a TokenOut),
	End(Finish),
}

fn stream_response(
	state: Arc<AppState>,
	events: tokio::sync::mpsc::UnboundedReceiver<Event>,
	id: String,
	created: u64,
	include_usage: bool,
	choice: impl Fn(&AppState, Chunk<'_>) -> Value + Send + 'static,
	object: &'static str,
) -> Response {
	let envelope = {
		let state = state.clone();
		let id = id.clone();
		move |choices: Value, usage: Value| {
			let mut chunk = json!({
				"id": id,
				"object": object,
				"created": created,
				"model": state.lm.name,
				"system_fingerprint": fingerprint(&state),
				"choices": choices,
			});
			if include_usage {
				chunk["usage"] = usage;
			}
			SseEvent::default().data(chunk.to_string())
		}
	};
	let first = envelope(json!([choice(&state, Chunk::Start)]), Value::Null);
	let body = tokio_stream_from(events).flat_map(move |event| {
		let out: Vec<SseEvent> = match event {
			Event::Token(t) => {
				vec![envelope(json!([choice(&state, Chunk::Token(&t))]), Value::Null)]
			}
			Event::Done { finish, prompt_tokens, completion_tokens } => {
				let mut out =
					vec![envelope(json!([choice(&state, Chunk::End(finish))]), Value::Null)];
				if include_usage {
					let usage = Usage {
						prompt_tokens,
						completion_tokens,
						total_tokens: prompt_tokens + completion_tokens,
					};
					out.push(envelope(json!([]), json!(usage)));
				}
				out.push(SseEvent::default().data("[DONE]"));
				out
			}
			Event::Failed(message) => {
				let error = ErrorBody {
					error: ErrorDetail { message, kind: "server_error", param: None, code: None },
				};
				vec![
					SseEvent::default().data(json!(error).to_string()),
					SseEvent::default().data("[DONE]"),
				]
			}
		};
		futures::stream::iter(out)
	});
	let stream = futures::stream::once(async move { first }).chain(body).map(Ok::<_, Infallible>);
	Sse::new(stream).into_response()
}

fn tokio_stream_from(
	mut events: tokio::sync::mpsc::UnboundedReceiver<Event>,
) -> impl Stream<Item = Event> {
	futures::stream::poll_fn(move |cx| events.poll_recv(cx))
}

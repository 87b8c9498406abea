//! The inference market's worker side (docs/protocol.md §7): the worker as **transfer agent** (an
//! OpenAI request with an API key's secret as Bearer token becomes a ticket signed with that
//! key, sent to an executor chosen from the chain's service declarations: [`agent`]), as
//! **executor** (checks a ticket against the chain, signs its acceptance, answers it on the
//! integer engine, signs the receipt, keeps the payload, settles receipts in batches and claims
//! its fees: [`executor`], [`store`]) and as **auditor** (draws the receipts of the last epoch it
//! audits with its revealed secret, fetches their payloads, replays them exactly, submits the
//! results and votes in re-runs: [`auditor`]).
//!
//! Between a transfer agent and an executor travels an [`Envelope`]: the ticket, the key's
//! signature, and the OpenAI request's body as the exact bytes the ticket's `request_hash`
//! covers. The executor keeps, for every receipt, a [`Payload`] — the receipt, the request and
//! the output tokens — which is all an auditor needs to replay the answer.

pub mod agent;
pub mod auditor;
pub mod executor;
pub mod store;

use std::{collections::HashMap, sync::Mutex};

use codec::{Decode, Encode};
use polkadot_sdk::sp_crypto_hashing::blake2_256;
use serde::{Deserialize, Serialize};
use sprint_core::merkle::Hash32;

use crate::{
	chain::{
		inference::{self, ApiKey, Balance, Deposit, Receipt, Ticket},
		AccountId, AtBlock, ChainError,
	},
	inference::{generate::GenerationRequest, sampler::SamplingParams},
};

/// The executor's endpoint under its API URL.
pub const EXECUTE_PATH: &str = "/sprint/execute";
/// Where an executor serves payloads, by receipt id (hex), under its API URL.
pub const PAYLOAD_PATH: &str = "/sprint/payloads";
/// The response header that carries the executor's acceptance signature (hex).
pub const ACCEPTANCE_HEADER: &str = "x-sprint-acceptance";
/// The response header that carries the executor's signature over a served payload (hex).
pub const PAYLOAD_SIGNATURE_HEADER: &str = "x-sprint-payload-signature";
/// The request headers that say who asks for a payload: its account (hex), the block its
/// signature is dated at, and its signature over [`payload_request_statement`] (hex).
pub const PAYLOAD_REQUESTER_HEADER: &str = "x-sprint-requester";
/// See [`PAYLOAD_REQUESTER_HEADER`].
pub const PAYLOAD_REQUEST_BLOCK_HEADER: &str = "x-sprint-request-block";
/// See [`PAYLOAD_REQUESTER_HEADER`].
pub const PAYLOAD_REQUEST_SIGNATURE_HEADER: &str = "x-sprint-request-signature";
/// How many blocks a payload request's date may be from the executor's view of the chain.
pub const PAYLOAD_REQUEST_BLOCKS: u32 = 30;

/// What a payload's requester signs with its account key (docs/protocol.md §7, revision 4:
/// payloads are served only to the auditing epoch's validators and the dispute's jurors).
pub fn payload_request_statement(genesis: &Hash32, receipt: &Hash32, block: u32) -> Vec<u8> {
	(b"sprint/payload-request", genesis, receipt, block).encode()
}

/// The largest payload an executor serves or an auditor reads (the chain's `post_payload`
/// limit, so that any payload can also be posted).
pub const MAX_PAYLOAD: usize = 256 * 1024;

/// Which OpenAI endpoint a request is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
	/// `/v1/chat/completions`.
	Chat,
	/// `/v1/completions`.
	Completion,
}

/// What the ticket's `request_hash` covers: SCALE of (endpoint, body bytes).
pub fn request_hash(endpoint: Endpoint, body: &[u8]) -> Hash32 {
	blake2_256(&(endpoint, body).encode())
}

/// The request fields the engine reads, per endpoint: everything else in a body (unknown fields,
/// the transfer agent's own `sprint_*` routing fields) is dropped from the canonical request.
fn known_fields(endpoint: Endpoint) -> [&'static [&'static str]; 2] {
	const SHARED: &[&str] = &[
		"model",
		"max_tokens",
		"temperature",
		"top_p",
		"seed",
		"stop",
		"stream",
		"stream_options",
		"n",
		"logprobs",
	];
	match endpoint {
		Endpoint::Chat => [SHARED, &["messages", "max_completion_tokens", "top_logprobs"]],
		Endpoint::Completion => [SHARED, &["prompt", "echo"]],
	}
}

/// Why a request body cannot be ticketed.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
	/// Over [`MAX_PAYLOAD`] before or after canonicalization, or its worst-case payload is.
	#[error("{0}")]
	TooLarge(String),
	/// Not a JSON object.
	#[error("{0}")]
	Invalid(String),
}

impl RequestError {
	/// A request whose answer, `output_tokens` ids long, could make a `worst`-byte payload.
	pub fn payload_over_limit(output_tokens: usize, worst: usize) -> Self {
		Self::TooLarge(format!(
			"with {output_tokens} output tokens this answer's payload could reach {worst} bytes, \
			 over the market's {MAX_PAYLOAD}-byte limit: shorten the prompt or lower max_tokens"
		))
	}

	/// OpenAI's 400, with code `payload_too_large` for a request whose payload could exceed
	/// [`MAX_PAYLOAD`].
	pub fn into_api_error(self) -> crate::api::ApiError {
		match self {
			Self::TooLarge(message) => crate::api::ApiError::new(
				axum::http::StatusCode::BAD_REQUEST,
				"invalid_request_error",
				message,
			)
			.code("payload_too_large"),
			Self::Invalid(message) => crate::api::ApiError::invalid(message, None),
		}
	}
}

/// The canonical form of an OpenAI request body (docs/protocol.md §7, revision 4): the fields
/// the engine reads, re-encoded compactly — unknown fields, whitespace and, in messages, every
/// field but `role` and `content` (text parts: `type` and `text`) dropped. The transfer agent
/// hashes this into the ticket and the executor refuses any other form, so padding can never
/// inflate a payload past what auditors fetch and the chain accepts. Idempotent: the canonical
/// form of a canonical body is itself.
pub fn canonical_request(endpoint: Endpoint, body: &[u8]) -> Result<Vec<u8>, RequestError> {
	if body.len() > MAX_PAYLOAD {
		return Err(RequestError::TooLarge(format!(
			"the request body is {} bytes, over the market's {MAX_PAYLOAD}-byte payload limit",
			body.len()
		)));
	}
	let value: serde_json::Value = serde_json::from_slice(body)
		.map_err(|e| RequestError::Invalid(format!("the body is not valid JSON: {e}")))?;
	let serde_json::Value::Object(fields) = value else {
		return Err(RequestError::Invalid("the body is not a JSON object".into()));
	};
	let known = known_fields(endpoint);
	let mut canonical = serde_json::Map::new();
	for (name, value) in fields {
		if !known.iter().any(|fields| fields.contains(&name.as_str())) {
			continue;
		}
		let value = match name.as_str() {
			"messages" => canonical_messages(value),
			"stream_options" => keep_only(value, &["include_usage"]),
			_ => value,
		};
		canonical.insert(name, value);
	}
	serde_json::to_vec(&serde_json::Value::Object(canonical))
		.map_err(|e| RequestError::Invalid(format!("the body cannot be re-encoded: {e}")))
}

fn keep_only(value: serde_json::Value, keep: &[&str]) -> serde_json::Value {
	match value {
		serde_json::Value::Object(fields) => serde_json::Value::Object(
			fields.into_iter().filter(|(k, _)| keep.contains(&k.as_str())).collect(),
		),
		other => other,
	}
}

fn canonical_messages(value: serde_json::Value) -> serde_json::Value {
	let serde_json::Value::Array(messages) = value else { return value };
	serde_json::Value::Array(
		messages
			.into_iter()
			.map(|message| match keep_only(message, &["role", "content"]) {
				serde_json::Value::Object(mut fields) => {
					if let Some(serde_json::Value::Array(parts)) = fields.remove("content") {
						let parts =
							parts.into_iter().map(|p| keep_only(p, &["type", "text"])).collect();
						fields.insert("content".into(), serde_json::Value::Array(parts));
					} else if let Some(content) = fields.remove("content") {
						fields.insert("content".into(), content);
					}
					serde_json::Value::Object(fields)
				}
				other => other,
			})
			.collect(),
	)
}

/// The largest encoded [`Payload`] `ticket`'s answer can make: its request with `output_tokens`
/// output token ids (the most the ticket lets the engine generate).
pub fn worst_case_payload(
	ticket: &Ticket,
	endpoint: Endpoint,
	request: &[u8],
	output_tokens: usize,
) -> usize {
	let receipt = Receipt {
		ticket: ticket.clone(),
		ticket_signature: [0; 64],
		prompt_tokens: 0,
		completion_tokens: 0,
		output_commitment: [0; 32],
		executor_signature: [0; 64],
	};
	let fixed = Payload { receipt, endpoint, request: request.to_vec(), output: Vec::new() };
	// SCALE: the output's compact length prefix grows from 1 to at most 5 bytes.
	fixed.encoded_size().saturating_add(4).saturating_add(output_tokens.saturating_mul(4))
}

/// A signed ticket and its request, from a transfer agent to an executor.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Envelope {
	/// The SCALE-encoded ticket, hex.
	pub ticket: String,
	/// The API key's signature over the ticket's signing payload, hex.
	pub signature: String,
	/// The endpoint.
	pub endpoint: Endpoint,
	/// The OpenAI request body, exactly as hashed into the ticket.
	pub request: String,
}

impl Envelope {
	/// The ticket and signature, decoded.
	pub fn decode(&self) -> Result<(Ticket, [u8; 64]), String> {
		let bytes = hex::decode(self.ticket.trim_start_matches("0x"))
			.map_err(|e| format!("the ticket is not hex: {e}"))?;
		let ticket = Ticket::decode(&mut &bytes[..])
			.map_err(|e| format!("the ticket does not decode: {e}"))?;
		let signature: [u8; 64] = hex::decode(self.signature.trim_start_matches("0x"))
			.ok()
			.and_then(|s| s.try_into().ok())
			.ok_or("the ticket's signature is not 64 hex bytes")?;
		Ok((ticket, signature))
	}
}

/// What an executor keeps per receipt and serves to auditors: SCALE-encoded, and signed
/// (`payload_statement(receipt id, blake2-256 of these bytes)`) when served.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Payload {
	/// The receipt it answers.
	pub receipt: Receipt,
	/// The endpoint.
	pub endpoint: Endpoint,
	/// The request body, as hashed into the ticket.
	pub request: Vec<u8>,
	/// The output tokens.
	pub output: Vec<u32>,
}

/// Fixes `generation` to the ticket's terms: its sampling parameters and seed, and its
/// `max_tokens` within what the model's context leaves after the prompt. The executor and every
/// auditor call it alike, so both run the very same request.
pub fn apply_ticket(
	generation: &mut GenerationRequest,
	ticket: &Ticket,
	context: usize,
) -> Result<(), String> {
	let s = ticket.sampling;
	generation.params = SamplingParams::from_milli(s.temperature_milli, s.top_p_milli, s.seed)
		.map_err(|e| e.to_string())?;
	let room = context.saturating_sub(generation.prompt.len());
	generation.max_tokens = (ticket.max_tokens as usize).min(room);
	Ok(())
}

/// What a transfer agent and an executor read of an API key for each request: its terms, its
/// spending in the ticket's epoch and its owner's deposit — in parallel once the key's owner is
/// known (it never changes), so one round trip to the node.
#[derive(Default)]
pub struct KeyReader {
	owners: Mutex<HashMap<sprint_core::market::PublicKey, AccountId>>,
}

impl KeyReader {
	/// `None` when the key is not registered.
	pub async fn read(
		&self,
		at: &AtBlock,
		epoch: sprint_core::EpochIndex,
		key: &sprint_core::market::PublicKey,
	) -> Result<Option<(ApiKey, Balance, Deposit)>, ChainError> {
		let known = self.owners.lock().unwrap_or_else(|p| p.into_inner()).get(key).copied();
		let (terms, spent, deposit) = futures::try_join!(
			inference::api_key(at, key),
			inference::spent(at, epoch, key),
			async {
				match known {
					Some(owner) => inference::deposit(at, &owner).await.map(Some),
					None => Ok(None),
				}
			}
		)?;
		let Some(terms) = terms else { return Ok(None) };
		let deposit = match deposit {
			Some(deposit) if known == Some(terms.owner) => deposit,
			_ => {
				self.owners.lock().unwrap_or_else(|p| p.into_inner()).insert(*key, terms.owner);
				inference::deposit(at, &terms.owner).await?
			}
		};
		Ok(Some((terms, spent, deposit)))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn ticket() -> Ticket {
		Ticket {
			genesis: [1; 32],
			key: [2; 32],
			executor: [3; 32],
			model: 0,
			request_hash: [4; 32],
			max_tokens: 64,
			sampling: sprint_core::market::Sampling {
				temperature_milli: 700,
				top_p_milli: 1_000,
				seed: 7,
			},
			price: 1_000,
			nonce: 9,
			epoch: 3,
			expiry: 100,
		}
	}

	#[test]
	fn padding_whitespace_and_unknown_fields_never_reach_the_canonical_request() {
		let plain = br#"{"model":"m","messages":[{"role":"user","content":"Hi"}],"max_tokens":8}"#;
		let padded = format!(
			"{{ \"pad\": \"{}\",\n  \"model\" : \"m\", \"sprint_green\": true,\n  \"messages\": \
			 [ {{\"role\": \"user\", \"content\": \"Hi\", \"name\": \"{}\"}} ],\n  \
			 \"max_tokens\": 8 }}",
			"x".repeat(100_000),
			"y".repeat(1_000)
		);
		let canonical = canonical_request(Endpoint::Chat, padded.as_bytes()).expect("canonical");
		assert_eq!(canonical, canonical_request(Endpoint::Chat, plain).expect("canonical"));
		assert!(canonical.len() < 100, "{}", String::from_utf8_lossy(&canonical));
		assert_eq!(
			canonical_request(Endpoint::Chat, &canonical).expect("canonical"),
			canonical,
			"the canonical form of a canonical body is itself"
		);
		// Text parts keep their type and text only.
		let parts = br#"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"Hi","pad":"zzz"}]}]}"#;
		let canonical = canonical_request(Endpoint::Chat, parts).expect("canonical");
		assert!(!String::from_utf8_lossy(&canonical).contains("zzz"));
	}

	#[test]
	fn a_body_over_the_payload_limit_is_refused_before_it_is_parsed() {
		let huge = vec![b' '; MAX_PAYLOAD + 1];
		assert!(matches!(
			canonical_request(Endpoint::Completion, &huge),
			Err(RequestError::TooLarge(_))
		));
		assert!(matches!(
			canonical_request(Endpoint::Completion, b"[1, 2]"),
			Err(RequestError::Invalid(_))
		));
	}

	#[test]
	fn the_worst_case_payload_bounds_the_real_one() {
		let request = br#"{"model":"m","prompt":"Hello"}"#.to_vec();
		for output in [0usize, 1, 63, 64, 16_383, 16_384, 70_000] {
			let payload = Payload {
				receipt: Receipt {
					ticket: ticket(),
					ticket_signature: [5; 64],
					prompt_tokens: 3,
					completion_tokens: output as u32,
					output_commitment: [6; 32],
					executor_signature: [7; 64],
				},
				endpoint: Endpoint::Completion,
				request: request.clone(),
				output: vec![u32::MAX; output],
			};
			let worst = worst_case_payload(&ticket(), Endpoint::Completion, &request, output);
			let real = payload.encoded_size();
			assert!(real <= worst && worst <= real + 4, "{output} tokens: {real} > {worst}");
		}
	}
}

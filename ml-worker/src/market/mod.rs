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

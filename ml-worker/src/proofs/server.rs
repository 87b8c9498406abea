//! The proof server: `POST /v1/poc/proofs` hands validators signed openings of this host's
//! committed leaves (docs/protocol.md §4).
//!
//! Request: `{"epoch": 3, "indices": [17, 4]}` (1 to 64 indices). Response:
//!
//! ```json
//! { "epoch": 3, "host": "0x…", "root": "0x…", "count": 2611,
//!   "openings": ["0x<SCALE of sprint_core::SignedOpening>", …] }
//! ```
//!
//! in the order asked. Openings travel as SCALE bytes, exactly what `submit_verdicts` carries on
//! chain, so a validator forwards a bad one without re-encoding it. Errors are JSON
//! `{"error": "…"}`: 400 (malformed body), 404 (no commitment of this host for that epoch), 422
//! (an index out of range, none, or too many), 503 (proofs withheld: a test-only switch).

use std::{
	collections::BTreeMap,
	net::SocketAddr,
	sync::{Arc, RwLock},
};

use axum::{
	extract::{rejection::JsonRejection, State},
	http::StatusCode,
	response::{IntoResponse, Response},
	routing::{get, post},
	Json, Router,
};
use polkadot_sdk::sp_core::{sr25519, H256};
use serde::{Deserialize, Serialize};
use sprint_core::{EpochIndex, MAX_SAMPLES};

use super::Committed;

/// What the server serves, shared with the worker's main loop.
pub struct ProofState {
	committed: RwLock<BTreeMap<EpochIndex, Arc<Committed>>>,
	proof_key: sr25519::Pair,
	genesis_hash: H256,
	/// Test-only: answer every request with 503 (a host withholding its proofs).
	withhold: bool,
}

impl ProofState {
	pub fn new(proof_key: sr25519::Pair, genesis_hash: H256, withhold: bool) -> Arc<Self> {
		Arc::new(Self {
			committed: RwLock::new(BTreeMap::new()),
			proof_key,
			genesis_hash,
			withhold,
		})
	}

	/// Serves `committed` from now on; keeps the last 3 epochs (validation ends within e+1).
	pub fn insert(&self, committed: Committed) {
		let mut map = self.committed.write().unwrap_or_else(|poisoned| poisoned.into_inner());
		map.insert(committed.epoch, Arc::new(committed));
		while map.len() > 3 {
			map.pop_first();
		}
	}

	/// The committed sprint of `epoch`, if this host has one loaded.
	pub fn get(&self, epoch: EpochIndex) -> Option<Arc<Committed>> {
		let map = self.committed.read().unwrap_or_else(|poisoned| poisoned.into_inner());
		map.get(&epoch).cloned()
	}

	pub fn proof_key(&self) -> &sr25519::Pair {
		&self.proof_key
	}

	pub fn genesis_hash(&self) -> &H256 {
		&self.genesis_hash
	}
}

/// `POST /v1/poc/proofs` body.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProofRequest {
	pub epoch: EpochIndex,
	pub indices: Vec<u32>,
}

/// `POST /v1/poc/proofs` answer.
#[derive(Debug, Deserialize, Serialize)]
pub struct ProofResponse {
	pub epoch: EpochIndex,
	pub host: String,
	pub root: String,
	pub count: u32,
	pub openings: Vec<String>,
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
	(status, Json(serde_json::json!({ "error": message.into() }))).into_response()
}

async fn proofs(
	State(state): State<Arc<ProofState>>,
	body: Result<Json<ProofRequest>, JsonRejection>,
) -> Response {
	let Json(request) = match body {
		Ok(body) => body,
		Err(rejection) => {
			return error(
				StatusCode::BAD_REQUEST,
				format!(
					"{} — expected {{\"epoch\": <u32>, \"indices\": [<u32>, …]}}",
					rejection.body_text()
				),
			)
		}
	};
	if state.withhold {
		return error(StatusCode::SERVICE_UNAVAILABLE, "proofs withheld (--test-withhold-proofs)");
	}
	if request.indices.is_empty() || request.indices.len() > MAX_SAMPLES as usize {
		return error(
			StatusCode::UNPROCESSABLE_ENTITY,
			format!("ask for 1 to {MAX_SAMPLES} indices, not {}", request.indices.len()),
		);
	}
	let Some(committed) = state.get(request.epoch) else {
		return error(
			StatusCode::NOT_FOUND,
			format!("this host has no commitment loaded for epoch {}", request.epoch),
		);
	};
	let mut openings = Vec::with_capacity(request.indices.len());
	for index in &request.indices {
		match committed.signed_opening(*index, &state.proof_key, &state.genesis_hash) {
			Some(signed) => openings.push(Committed::encoded(&signed)),
			None => {
				return error(
					StatusCode::UNPROCESSABLE_ENTITY,
					format!(
						"index {index} is out of range: epoch {} has {} leaves",
						request.epoch, committed.commitment.count
					),
				)
			}
		}
	}
	crate::metrics::METRICS.proofs_served.inc_by(openings.len() as u64);
	Json(ProofResponse {
		epoch: request.epoch,
		host: format!("0x{}", hex::encode(committed.host)),
		root: format!("{:?}", committed.commitment.root),
		count: committed.commitment.count,
		openings,
	})
	.into_response()
}

async fn health() -> Response {
	Json(serde_json::json!({ "status": "ok" })).into_response()
}

async fn not_found() -> Response {
	error(StatusCode::NOT_FOUND, "no such route: POST /v1/poc/proofs or GET /health")
}

/// The server's routes.
pub fn router(state: Arc<ProofState>) -> Router {
	Router::new()
		.route("/v1/poc/proofs", post(proofs))
		.route("/health", get(health))
		.fallback(not_found)
		.with_state(state)
}

/// Binds `listen` (fails at once if taken) and serves until the process ends.
pub async fn bind(
	listen: SocketAddr,
	state: Arc<ProofState>,
) -> std::io::Result<impl std::future::Future<Output = std::io::Result<()>>> {
	let listener = tokio::net::TcpListener::bind(listen).await?;
	Ok(async move { axum::serve(listener, router(state)).await })
}

#[cfg(test)]
mod tests {
	use super::*;
	use codec::Decode;
	use polkadot_sdk::sp_core::Pair;
	use sprint_core::SignedOpening;

	async fn serve(withhold: bool) -> (String, sr25519::Pair) {
		let proof = sr25519::Pair::from_string("//Dave//proof", None).expect("dev URI");
		let state = ProofState::new(proof.clone(), H256::repeat_byte(1), withhold);
		let leaves = (0..10u64).map(|n| (2 * n, [7u8; 32])).collect();
		state.insert(Committed::new(3, [4u8; 32], leaves, proof.public().0));
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
		let url = format!("http://{}", listener.local_addr().expect("bound"));
		tokio::spawn(async move { axum::serve(listener, router(state)).await });
		(url, proof)
	}

	async fn post(url: &str, body: &str) -> (u16, serde_json::Value) {
		let response = reqwest::Client::new()
			.post(format!("{url}/v1/poc/proofs"))
			.header("content-type", "application/json")
			.body(body.to_string())
			.send()
			.await
			.expect("the server answers");
		let status = response.status().as_u16();
		(status, response.json().await.expect("every answer is JSON"))
	}

	#[tokio::test]
	async fn openings_come_back_in_the_order_asked_and_bad_requests_get_json_errors() {
		let (url, _) = serve(false).await;
		let (status, body) = post(&url, r#"{"epoch": 3, "indices": [9, 0, 4]}"#).await;
		assert_eq!(status, 200, "{body}");
		assert_eq!(body["count"], 10);
		let openings = body["openings"].as_array().expect("a list");
		let indices: Vec<u32> = openings
			.iter()
			.map(|o| {
				let bytes =
					hex::decode(o.as_str().expect("hex").trim_start_matches("0x")).expect("hex");
				SignedOpening::decode(&mut &bytes[..]).expect("SCALE").opening.index
			})
			.collect();
		assert_eq!(indices, vec![9, 0, 4]);

		let (status, body) = post(&url, r#"{"epoch": 3, "indices": [10]}"#).await;
		assert_eq!((status, body["error"].as_str().is_some()), (422, true), "{body}");
		let (status, _) = post(&url, r#"{"epoch": 3, "indices": []}"#).await;
		assert_eq!(status, 422);
		let (status, body) = post(&url, r#"{"epoch": 2, "indices": [1]}"#).await;
		assert_eq!(status, 404, "{body}");
		let (status, body) = post(&url, r#"{"epoch": "three"}"#).await;
		assert_eq!(status, 400, "{body}");
		assert!(body["error"].as_str().expect("a message").contains("expected"), "{body}");
	}

	#[tokio::test]
	async fn a_withholding_host_answers_503() {
		let (url, _) = serve(true).await;
		let (status, _) = post(&url, r#"{"epoch": 3, "indices": [1]}"#).await;
		assert_eq!(status, 503);
	}
}

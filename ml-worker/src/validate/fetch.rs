//! Fetching signed openings from a host's proof server, with bounded retries.

use std::time::Duration;

use codec::Decode;
use pallet_poc::{EpochIndex, SignedOpening};
use thiserror::Error;

use crate::proofs::server::{ProofRequest, ProofResponse};

/// Attempts per request before the host counts as unavailable.
pub const ATTEMPTS: u32 = 3;
/// Per-attempt timeout.
pub const TIMEOUT: Duration = Duration::from_secs(3);
/// Pause between attempts.
pub const BACKOFF: Duration = Duration::from_millis(700);

/// Why the host's openings could not be had.
#[derive(Debug, Error)]
pub enum FetchError {
	#[error("{url} did not answer after {ATTEMPTS} attempts: {last}")]
	Unreachable { url: String, last: String },
	#[error("{url} answered with an unusable body: {reason}")]
	Malformed { url: String, reason: String },
}

/// The openings of `indices` from the proof server at `base_url`, in the order asked.
pub async fn openings(
	http: &reqwest::Client,
	base_url: &str,
	epoch: EpochIndex,
	indices: &[u32],
) -> Result<Vec<SignedOpening>, FetchError> {
	let url = format!("{}/v1/poc/proofs", base_url.trim_end_matches('/'));
	let request = ProofRequest { epoch, indices: indices.to_vec() };
	let mut last = String::new();
	for attempt in 1..=ATTEMPTS {
		if attempt > 1 {
			tokio::time::sleep(BACKOFF).await;
		}
		let response = http.post(&url).timeout(TIMEOUT).json(&request).send().await;
		let response = match response {
			Ok(r) if r.status().is_success() => r,
			Ok(r) => {
				last = format!("HTTP {}: {}", r.status(), r.text().await.unwrap_or_default());
				continue;
			}
			Err(e) => {
				last = e.to_string();
				continue;
			}
		};
		let malformed = |reason: String| FetchError::Malformed { url: url.clone(), reason };
		let body: ProofResponse = response.json().await.map_err(|e| malformed(e.to_string()))?;
		let mut openings = Vec::with_capacity(body.openings.len());
		for encoded in &body.openings {
			let bytes = hex::decode(encoded.trim_start_matches("0x"))
				.map_err(|e| malformed(format!("opening is not hex: {e}")))?;
			let signed = SignedOpening::decode(&mut &bytes[..])
				.map_err(|e| malformed(format!("opening is not a SCALE SignedOpening: {e}")))?;
			openings.push(signed);
		}
		let asked: Vec<u32> = openings.iter().map(|o| o.opening.index).collect();
		if asked != indices {
			return Err(malformed(format!("asked for indices {indices:?}, got {asked:?}")));
		}
		return Ok(openings);
	}
	Err(FetchError::Unreachable { url, last })
}

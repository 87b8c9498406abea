//! Fetching signed openings from a host's proof server, with bounded retries. The URL comes from
//! the host's registration, so everything here assumes a hostile server: http(s) only, no
//! redirects (see [`client`]), bounded time and answer size.

use std::time::Duration;

use codec::Decode;
use pallet_poc::{EpochIndex, SignedOpening};
use thiserror::Error;

use crate::proofs::server::{ProofRequest, ProofResponse};

/// Attempts per request before the host counts as unavailable.
pub const ATTEMPTS: u32 = 3;
/// Per-attempt timeout.
pub const TIMEOUT: Duration = Duration::from_secs(2);
/// The largest answer read: 64 openings of a 2^32-leaf tree are ~300 KB of hex; a host cannot
/// make a validator buffer more.
pub const MAX_BODY: usize = 1 << 20;
/// Pause between attempts.
pub const BACKOFF: Duration = Duration::from_millis(500);

/// Whether `url` names a loopback, private, link-local or unspecified address (by literal IP or
/// `localhost`; a DNS name is not resolved here). Off dev and local chains validators refuse such
/// proof URLs, so that a host cannot aim them at services inside their own network.
pub fn is_private(url: &str) -> bool {
	let Ok(parsed) = reqwest::Url::parse(url) else { return false };
	match parsed.host() {
		Some(url::Host::Domain(name)) => name == "localhost" || name.ends_with(".localhost"),
		Some(url::Host::Ipv4(ip)) => {
			ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified()
		}
		Some(url::Host::Ipv6(ip)) => {
			let first = ip.segments()[0];
			ip.is_loopback()
				|| ip.is_unspecified()
				|| (first & 0xfe00) == 0xfc00
				|| (first & 0xffc0) == 0xfe80
		}
		None => true,
	}
}

/// The HTTP client for proof servers: it never follows redirects (a host must not bounce
/// validators' requests to other addresses).
pub fn client() -> reqwest::Client {
	reqwest::Client::builder()
		.redirect(reqwest::redirect::Policy::none())
		.build()
		.unwrap_or_default()
}

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
	if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
		return Err(FetchError::Unreachable {
			url: base_url.to_string(),
			last: "the registered proof URL is not http(s)".into(),
		});
	}
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
			Ok(mut r) => {
				// A host's error body is logged: a little of it, never all of it.
				let start = match r.chunk().await {
					Ok(Some(chunk)) => {
						String::from_utf8_lossy(&chunk[..chunk.len().min(200)]).into_owned()
					}
					_ => String::new(),
				};
				last = format!("HTTP {}: {}", r.status(), start.trim());
				continue;
			}
			Err(e) => {
				last = e.to_string();
				continue;
			}
		};
		let malformed = |reason: String| FetchError::Malformed { url: url.clone(), reason };
		let mut response = response;
		let mut bytes = Vec::new();
		while let Some(chunk) = response.chunk().await.map_err(|e| malformed(e.to_string()))? {
			if bytes.len() + chunk.len() > MAX_BODY {
				return Err(malformed(format!("the answer is over {MAX_BODY} bytes")));
			}
			bytes.extend_from_slice(&chunk);
		}
		let body: ProofResponse =
			serde_json::from_slice(&bytes).map_err(|e| malformed(e.to_string()))?;
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

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn private_addresses_are_recognised() {
		for url in [
			"http://127.0.0.1:8610",
			"http://localhost:1",
			"http://10.1.2.3",
			"http://192.168.0.9/x",
			"http://169.254.169.254/latest",
			"http://0.0.0.0:80",
			"http://[::1]:8610",
			"http://[fd00::1]",
		] {
			assert!(is_private(url), "{url}");
		}
		for url in ["https://proofs.example.org", "http://8.8.8.8:8610", "http://[2001:db8::1]"] {
			assert!(!is_private(url), "{url}");
		}
	}
}

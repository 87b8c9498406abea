//! Fetching signed openings from a host's proof server, with bounded retries. The URL comes from
//! the host's registration, so everything here assumes a hostile server: http(s) only, no
//! redirects (see [`client`]), bounded time and answer size.

use std::{
	net::{IpAddr, SocketAddr},
	time::Duration,
};

use codec::Decode;
use sprint_core::{EpochIndex, SignedOpening};
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

/// Whether `ip` is not a public unicast address: loopback, private (RFC 1918), shared
/// (100.64/10, carrier-grade NAT), link-local, unspecified, broadcast, IPv6 unique-local or
/// link-local, or an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) of any of these.
pub fn ip_is_private(ip: IpAddr) -> bool {
	match ip {
		IpAddr::V4(ip) => {
			let [a, b, ..] = ip.octets();
			ip.is_loopback()
				|| ip.is_private()
				|| ip.is_link_local()
				|| ip.is_unspecified()
				|| ip.is_broadcast()
				|| (a == 100 && (b & 0xc0) == 64)
				|| a == 0
		}
		IpAddr::V6(ip) => {
			if let Some(v4) = ip.to_ipv4_mapped() {
				return ip_is_private(IpAddr::V4(v4));
			}
			let first = ip.segments()[0];
			ip.is_loopback()
				|| ip.is_unspecified()
				|| (first & 0xfe00) == 0xfc00
				|| (first & 0xffc0) == 0xfe80
		}
	}
}

/// Whether `url` names a private address (see [`ip_is_private`]) by literal IP or `localhost`.
/// Off dev and local chains validators refuse such proof URLs, so that a host cannot aim them at
/// services inside their own network; a DNS name is checked by [`pinned_client`].
pub fn is_private(url: &str) -> bool {
	let Ok(parsed) = reqwest::Url::parse(url) else { return false };
	match parsed.host() {
		Some(url::Host::Domain(name)) => is_local_name(name),
		Some(url::Host::Ipv4(ip)) => ip_is_private(IpAddr::V4(ip)),
		Some(url::Host::Ipv6(ip)) => ip_is_private(IpAddr::V6(ip)),
		None => true,
	}
}

fn is_local_name(name: &str) -> bool {
	let name = name.trim_end_matches('.');
	name == "localhost" || name.ends_with(".localhost")
}

/// The address to pin `name` to, from what it resolved to: refused when it resolves to nothing
/// or to any private address (a name with one public and one private address could be answered
/// either way).
pub fn check_resolved(name: &str, addrs: &[SocketAddr]) -> Result<SocketAddr, String> {
	if let Some(private) = addrs.iter().find(|a| ip_is_private(a.ip())) {
		return Err(format!("{name} resolves to the private address {}", private.ip()));
	}
	addrs.first().copied().ok_or_else(|| format!("{name} resolves to no address"))
}

/// The client to fetch from `url` with. Off dev and local chains (`allow_private` false) the
/// URL's host is resolved once here, every address checked, and the client pinned to the one
/// checked, so a second lookup (DNS rebinding) cannot send the request elsewhere; a literal
/// address is checked as it is. An error says why the URL is refused.
pub async fn pinned_client(
	url: &str,
	allow_private: bool,
	default: &reqwest::Client,
) -> Result<reqwest::Client, String> {
	if allow_private {
		return Ok(default.clone());
	}
	let parsed = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
	let Some(url::Host::Domain(name)) = parsed.host() else {
		return if is_private(url) { Err("a private address".into()) } else { Ok(default.clone()) };
	};
	if is_local_name(name) {
		return Err(format!("{name} is this machine"));
	}
	let port = parsed.port_or_known_default().unwrap_or(80);
	let addrs: Vec<SocketAddr> =
		tokio::time::timeout(TIMEOUT, tokio::net::lookup_host((name, port)))
			.await
			.map_err(|_| format!("resolving {name} took over {TIMEOUT:?}"))?
			.map_err(|e| format!("cannot resolve {name}: {e}"))?
			.collect();
	let addr = check_resolved(name, &addrs)?;
	reqwest::Client::builder()
		.redirect(reqwest::redirect::Policy::none())
		.resolve(name, addr)
		.build()
		.map_err(|e| e.to_string())
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
			"http://[::ffff:127.0.0.1]:8610",
			"http://[::ffff:10.0.0.1]",
			"http://100.64.0.1",
			"http://100.127.255.254",
			"http://255.255.255.255",
			"http://localhost.:1",
		] {
			assert!(is_private(url), "{url}");
		}
		assert!(!is_private("http://100.128.0.1"), "just past the shared range");
		for url in ["https://proofs.example.org", "http://8.8.8.8:8610", "http://[2001:db8::1]"] {
			assert!(!is_private(url), "{url}");
		}
	}

	#[test]
	fn a_name_resolving_to_any_private_address_is_refused() {
		let public: SocketAddr = "93.184.216.34:80".parse().expect("an address");
		let private: SocketAddr = "[::ffff:192.168.1.1]:80".parse().expect("an address");
		assert_eq!(check_resolved("proofs.example", &[public]), Ok(public));
		assert!(check_resolved("rebind.example", &[public, private])
			.expect_err("refused")
			.contains("192.168.1.1"));
		assert!(check_resolved("nothing.example", &[]).is_err());
	}

	#[tokio::test]
	async fn off_test_chains_literal_private_urls_and_localhost_names_are_refused() {
		let default = client();
		assert!(pinned_client("http://127.0.0.1:1", false, &default).await.is_err());
		assert!(pinned_client("http://[::ffff:127.0.0.1]:1", false, &default).await.is_err());
		assert!(pinned_client("http://api.localhost:1", false, &default).await.is_err());
		assert!(pinned_client("http://8.8.8.8:1", false, &default).await.is_ok());
		assert!(pinned_client("http://127.0.0.1:1", true, &default).await.is_ok(), "dev chains");
	}
}

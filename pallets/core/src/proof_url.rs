//! The proof-server URL a host registers (docs/protocol.md §4), checked on chain at registration:
//! every validator fetches it, so it must be a plain `http(s)://host[:port][/path]` — no user info
//! (credentials, or a host that hides behind `user@`), no query or fragment (a second request
//! smuggled into the first), printable ASCII only, at most [`MAX_PROOF_URL`] bytes. Where the
//! host points (a private address, say) is the validator's to refuse: it depends on the network.

/// The longest proof URL, in bytes.
pub const MAX_PROOF_URL: u32 = 256;

/// Why a proof URL is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum UrlFault {
	/// Not `http://` or `https://`.
	Scheme,
	/// A byte outside printable ASCII (spaces and controls included).
	Characters,
	/// A `?` or `#`.
	QueryOrFragment,
	/// An `@` in the authority: user info.
	UserInfo,
	/// No host, an unclosed IPv6 bracket, or a port that is not 1–5 digits.
	Host,
}

/// Checks `url` (see the module docs).
pub fn check(url: &[u8]) -> Result<(), UrlFault> {
	let rest = url
		.strip_prefix(b"https://")
		.or_else(|| url.strip_prefix(b"http://"))
		.ok_or(UrlFault::Scheme)?;
	if !url.iter().all(u8::is_ascii_graphic) {
		return Err(UrlFault::Characters);
	}
	if url.iter().any(|b| *b == b'?' || *b == b'#') {
		return Err(UrlFault::QueryOrFragment);
	}
	let authority = rest.split(|b| *b == b'/').next().unwrap_or_default();
	if authority.contains(&b'@') {
		return Err(UrlFault::UserInfo);
	}
	let host = if authority.starts_with(b"[") {
		let end = authority.iter().position(|b| *b == b']').ok_or(UrlFault::Host)?;
		&authority[..=end]
	} else {
		authority.split(|b| *b == b':').next().unwrap_or_default()
	};
	if host.is_empty() || host == b"[]" {
		return Err(UrlFault::Host);
	}
	match &authority[host.len()..] {
		[] => Ok(()),
		[b':', port @ ..]
			if (1..=5).contains(&port.len()) && port.iter().all(u8::is_ascii_digit) =>
		{
			Ok(())
		}
		_ => Err(UrlFault::Host),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn plain_http_and_https_urls_pass() {
		for url in [
			"http://127.0.0.1:8090",
			"https://proofs.example.org/v1",
			"http://[::1]:9000/",
			"https://host.example:443/a/b",
		] {
			assert_eq!(check(url.as_bytes()), Ok(()), "{url}");
		}
	}

	#[test]
	fn everything_else_is_refused_with_its_reason() {
		for (url, fault) in [
			("", UrlFault::Scheme),
			("ftp://host", UrlFault::Scheme),
			("file:///etc/passwd", UrlFault::Scheme),
			("http://", UrlFault::Host),
			("http:///path", UrlFault::Host),
			("http://host:port", UrlFault::Host),
			("http://host:123456", UrlFault::Host),
			("http://[::1", UrlFault::Host),
			("http://[]:80", UrlFault::Host),
			("http://user:pw@host", UrlFault::UserInfo),
			("http://evil@127.0.0.1", UrlFault::UserInfo),
			("http://host/p?q=1", UrlFault::QueryOrFragment),
			("http://host/#f", UrlFault::QueryOrFragment),
			("http://host/a b", UrlFault::Characters),
			("http://hóst", UrlFault::Characters),
		] {
			assert_eq!(check(url.as_bytes()), Err(fault), "{url}");
		}
	}
}

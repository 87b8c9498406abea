//! The worker's key file: two sr25519 secrets, the *account* (signs extrinsics, holds the bond)
//! and the *proof* key (signs openings). JSON, written with mode 0600:
//!
//! ```json
//! { "account": "0x<32-byte seed>", "proof": "0x<32-byte seed>" }
//! ```
//!
//! Each value is anything `sr25519::Pair::from_string` reads: a hex seed, a mnemonic, or a dev
//! URI such as `//Bob` (dev chains only: everyone knows those keys).

use std::path::Path;

use polkadot_sdk::sp_core::{
	crypto::{Pair as _, Ss58Codec},
	sr25519,
};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The key file's contents.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
	pub account: String,
	pub proof: String,
}

/// The worker's keys, parsed.
#[derive(Clone)]
pub struct Keys {
	pub account: sr25519::Pair,
	pub proof: sr25519::Pair,
	/// The account's secret seed material, for deriving validator secrets.
	pub account_secret: Vec<u8>,
}

/// Why the keys cannot be used.
#[derive(Debug, Error)]
pub enum KeyError {
	#[error(
		"cannot read key file {path}: {reason}. Create one with `sprint-worker keys generate \
		 --key-file {path}`"
	)]
	Read { path: String, reason: String },
	#[error("key file {path}: {reason}")]
	Parse { path: String, reason: String },
	#[error("key file {path} already exists: refusing to overwrite keys (move it away first)")]
	Exists { path: String },
	#[error("cannot write key file {path}: {reason}")]
	Write { path: String, reason: String },
}

fn pair(path: &Path, which: &str, value: &str) -> Result<sr25519::Pair, KeyError> {
	sr25519::Pair::from_string(value, None).map_err(|e| KeyError::Parse {
		path: path.display().to_string(),
		reason: format!(
			"`{which}` is not a valid sr25519 secret (hex seed, mnemonic or //URI): {e:?}"
		),
	})
}

impl KeyFile {
	/// Parses both keys.
	pub fn keys(&self, path: &Path) -> Result<Keys, KeyError> {
		let account = pair(path, "account", &self.account)?;
		let proof = pair(path, "proof", &self.proof)?;
		Ok(Keys { account_secret: account.to_raw_vec(), account, proof })
	}

	/// Reads and parses `path`.
	pub fn load(path: &Path) -> Result<Keys, KeyError> {
		let shown = path.display().to_string();
		let text = std::fs::read_to_string(path)
			.map_err(|e| KeyError::Read { path: shown.clone(), reason: e.to_string() })?;
		let file: KeyFile = serde_json::from_str(&text)
			.map_err(|e| KeyError::Parse { path: shown, reason: e.to_string() })?;
		file.keys(path)
	}

	/// Fresh random keys (or, with `dev`, the dev URIs `//{dev}` and `//{dev}//proof`).
	pub fn generate(dev: Option<&str>) -> Self {
		match dev {
			Some(name) => Self { account: format!("//{name}"), proof: format!("//{name}//proof") },
			None => {
				let seed = |pair: sr25519::Pair, seed: [u8; 32]| {
					drop(pair);
					format!("0x{}", hex::encode(seed))
				};
				let (a, a_seed) = sr25519::Pair::generate();
				let (p, p_seed) = sr25519::Pair::generate();
				Self { account: seed(a, a_seed), proof: seed(p, p_seed) }
			}
		}
	}

	/// Writes the file with mode 0600, never over an existing one.
	pub fn write_new(&self, path: &Path) -> Result<(), KeyError> {
		let shown = path.display().to_string();
		if path.exists() {
			return Err(KeyError::Exists { path: shown });
		}
		let write_error =
			|e: std::io::Error| KeyError::Write { path: shown.clone(), reason: e.to_string() };
		let json = serde_json::to_string_pretty(self).expect("two strings serialize; qed");
		let mut options = std::fs::OpenOptions::new();
		options.write(true).create_new(true);
		#[cfg(unix)]
		std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
		let mut file = options.open(path).map_err(write_error)?;
		std::io::Write::write_all(&mut file, json.as_bytes()).map_err(write_error)?;
		file.sync_all().map_err(write_error)
	}
}

impl Keys {
	/// `account: <ss58>` and `proof key: 0x…` lines for operators.
	pub fn describe(&self) -> String {
		format!(
			"account:   {}\nproof key: 0x{}",
			self.account.public().to_ss58check(),
			hex::encode(self.proof.public().0)
		)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn generated_keys_round_trip_and_are_never_overwritten() {
		let dir = std::env::temp_dir().join(format!("sprint-keys-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		std::fs::create_dir_all(&dir).expect("temp dir");
		let path = dir.join("keys.json");
		let file = KeyFile::generate(None);
		file.write_new(&path).expect("writes");
		let keys = KeyFile::load(&path).expect("loads");
		assert_ne!(keys.account.public(), keys.proof.public(), "two different keys");
		assert!(matches!(KeyFile::generate(None).write_new(&path), Err(KeyError::Exists { .. })));
		let dev = KeyFile::generate(Some("Bob")).keys(&path).expect("dev URIs parse");
		assert_eq!(
			dev.account.public().to_ss58check(),
			"5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"
		);
		std::fs::write(dir.join("bad.json"), "{\"account\": \"nope\", \"proof\": \"//x\"}")
			.expect("writes");
		assert!(matches!(KeyFile::load(&dir.join("bad.json")), Err(KeyError::Parse { .. })));
		let _ = std::fs::remove_dir_all(&dir);
	}
}

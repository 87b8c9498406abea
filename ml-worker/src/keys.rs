//! The worker's key file: two sr25519 secrets, the *account* (signs extrinsics, holds the bond)
//! and the *proof* key (signs openings). JSON, written with mode 0600:
//!
//! ```json
//! { "account": "0x<32-byte seed>", "proof": "0x<32-byte seed>" }
//! ```
//!
//! Each value is anything `sr25519::Pair::from_string` reads: a hex seed, a mnemonic, or a dev
//! URI such as `//Bob` (dev chains only: everyone knows those keys).
//!
//! A genesis validator of a real network also keeps there the random secrets its genesis commits
//! for epochs 0 and 1 (docs/protocol.md §4), per chain id, as `sprint-worker keys genesis-secrets`
//! makes them: `"genesis_secrets": { "<chain id>": ["0x<epoch 0>", "0x<epoch 1>"] }`. The worker
//! derives every later secret from the account key; these two cannot be derived, because the
//! genesis hash they would depend on is not known until the spec holds their commitments.

use std::{collections::BTreeMap, path::Path};

use polkadot_sdk::{
	sp_core::{
		crypto::{Pair as _, Ss58Codec},
		sr25519, H256,
	},
	sp_crypto_hashing::blake2_256,
};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The key file's contents.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
	pub account: String,
	pub proof: String,
	/// A genesis validator's secrets for epochs 0 and 1, per chain id (hex, `0x` + 64 digits).
	#[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
	pub genesis_secrets: BTreeMap<String, [String; 2]>,
}

/// The worker's keys, parsed.
#[derive(Clone)]
pub struct Keys {
	pub account: sr25519::Pair,
	pub proof: sr25519::Pair,
	/// The account's secret seed material, for deriving validator secrets.
	pub account_secret: Vec<u8>,
	/// Genesis secrets for epochs 0 and 1, of every chain the file holds some for.
	pub genesis_secrets: Vec<[H256; 2]>,
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
	#[error(
		"key file {path} already holds genesis secrets for chain `{chain}`: their commitments \
		 may be in a spec already, and new ones would leave them unopenable (a silent seat for \
		 the validator). Pass --force to replace them anyway"
	)]
	GenesisSecretsExist { path: String, chain: String },
	#[error("a chain id must be 1 to 64 characters of letters, digits, `-` and `_`: `{0}`")]
	BadChainId(String),
}

/// A genesis validator's two secrets and what its chain spec commits to.
pub struct GenesisSecrets {
	/// The validator's account (SS58).
	pub account: String,
	/// `blake2_256(secret)` for epochs 0 and 1.
	pub commitments: [H256; 2],
}

impl GenesisSecrets {
	/// What goes into the spec: one entry of `poc.secretCommitments`, and how to use it.
	pub fn describe(&self, chain: &str) -> String {
		format!(
			"genesis secrets for chain `{chain}` kept in the key file. Add this entry to \
			 `poc.secretCommitments` of the chain spec (genesis.runtimeGenesis.patch):\n\
			 [\"{}\", \"0x{}\", \"0x{}\"]",
			self.account,
			hex::encode(self.commitments[0]),
			hex::encode(self.commitments[1])
		)
	}
}

/// 32 bytes from the operating system's secure random source (the seed half of a freshly
/// generated sr25519 pair, which sp-core draws from it).
fn random_secret() -> H256 {
	let (pair, seed) = sr25519::Pair::generate();
	drop(pair);
	H256(seed)
}

fn parse_secret(path: &Path, chain: &str, value: &str) -> Result<H256, KeyError> {
	let bytes = value
		.strip_prefix("0x")
		.and_then(|h| hex::decode(h).ok())
		.filter(|b| b.len() == 32)
		.ok_or_else(|| KeyError::Parse {
			path: path.display().to_string(),
			reason: format!("genesis secret of chain `{chain}` is not 0x and 64 hex digits"),
		})?;
	Ok(H256::from_slice(&bytes))
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
		let mut genesis_secrets = Vec::new();
		for (chain, [first, second]) in &self.genesis_secrets {
			genesis_secrets
				.push([parse_secret(path, chain, first)?, parse_secret(path, chain, second)?]);
		}
		Ok(Keys { account_secret: account.to_raw_vec(), account, proof, genesis_secrets })
	}

	/// Makes random secrets for epochs 0 and 1 of chain `chain` and keeps them in the key file
	/// at `path` (rewritten whole, mode 0600, through a temporary file: never half-written);
	/// refuses when the file holds secrets for that chain already, unless `force`.
	pub fn add_genesis_secrets(
		path: &Path,
		chain: &str,
		force: bool,
	) -> Result<GenesisSecrets, KeyError> {
		let valid = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
		if chain.is_empty() || chain.len() > 64 || !chain.chars().all(valid) {
			return Err(KeyError::BadChainId(chain.to_string()));
		}
		let shown = path.display().to_string();
		let text = std::fs::read_to_string(path)
			.map_err(|e| KeyError::Read { path: shown.clone(), reason: e.to_string() })?;
		let mut file: KeyFile = serde_json::from_str(&text)
			.map_err(|e| KeyError::Parse { path: shown.clone(), reason: e.to_string() })?;
		let keys = file.keys(path)?;
		if file.genesis_secrets.contains_key(chain) && !force {
			return Err(KeyError::GenesisSecretsExist { path: shown, chain: chain.to_string() });
		}
		let secrets = [random_secret(), random_secret()];
		file.genesis_secrets
			.insert(chain.to_string(), secrets.map(|s| format!("0x{}", hex::encode(s))));
		let temporary = path.with_extension("json.new");
		let _ = std::fs::remove_file(&temporary);
		file.write_new(&temporary)?;
		std::fs::rename(&temporary, path)
			.map_err(|e| KeyError::Write { path: shown, reason: e.to_string() })?;
		Ok(GenesisSecrets {
			account: keys.account.public().to_ss58check(),
			commitments: secrets.map(|s| H256(blake2_256(s.as_bytes()))),
		})
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
			Some(name) => Self {
				account: format!("//{name}"),
				proof: format!("//{name}//proof"),
				genesis_secrets: BTreeMap::new(),
			},
			None => {
				let seed = |pair: sr25519::Pair, seed: [u8; 32]| {
					drop(pair);
					format!("0x{}", hex::encode(seed))
				};
				let (a, a_seed) = sr25519::Pair::generate();
				let (p, p_seed) = sr25519::Pair::generate();
				Self {
					account: seed(a, a_seed),
					proof: seed(p, p_seed),
					genesis_secrets: BTreeMap::new(),
				}
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
		let json = serde_json::to_string_pretty(self).expect("strings serialize; qed");
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

	#[test]
	fn genesis_secrets_are_random_kept_in_the_key_file_and_never_replaced_unforced() {
		let dir = std::env::temp_dir().join(format!("sprint-genesis-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		std::fs::create_dir_all(&dir).expect("temp dir");
		let path = dir.join("keys.json");
		KeyFile::generate(None).write_new(&path).expect("writes");
		let before = KeyFile::load(&path).expect("loads");

		let made = KeyFile::add_genesis_secrets(&path, "my-net", false).expect("made");
		let keys = KeyFile::load(&path).expect("loads");
		assert_eq!(keys.account.public(), before.account.public(), "the keys are kept");
		assert_eq!(keys.genesis_secrets.len(), 1);
		let [first, second] = keys.genesis_secrets[0];
		assert_ne!(first, second, "one secret per epoch");
		assert_eq!(made.commitments, [first, second].map(|s| H256(blake2_256(s.as_bytes()))));
		assert_eq!(made.account, keys.account.public().to_ss58check());
		assert!(made
			.describe("my-net")
			.contains(&format!("0x{}", hex::encode(made.commitments[1]))));
		#[cfg(unix)]
		{
			use std::os::unix::fs::PermissionsExt;
			let mode = std::fs::metadata(&path).expect("exists").permissions().mode();
			assert_eq!(mode & 0o777, 0o600);
		}

		// The same chain again: refused, the file unchanged; forced: new secrets.
		assert!(matches!(
			KeyFile::add_genesis_secrets(&path, "my-net", false),
			Err(KeyError::GenesisSecretsExist { .. })
		));
		assert_eq!(KeyFile::load(&path).expect("loads").genesis_secrets, vec![[first, second]]);
		let forced = KeyFile::add_genesis_secrets(&path, "my-net", true).expect("forced");
		assert_ne!(forced.commitments, made.commitments);
		// Another chain: kept beside.
		KeyFile::add_genesis_secrets(&path, "other", false).expect("made");
		assert_eq!(KeyFile::load(&path).expect("loads").genesis_secrets.len(), 2);
		assert!(matches!(
			KeyFile::add_genesis_secrets(&path, "bad id!", false),
			Err(KeyError::BadChainId(_))
		));
		let _ = std::fs::remove_dir_all(&dir);
	}
}

//! The worker's TOML config (`sprint-worker run --config worker.toml`); command-line flags
//! override it. Every field has a default, so a config file is optional for a dev setup.
//!
//! ```toml
//! node_url = "ws://127.0.0.1:9944"          # sprint-node's WebSocket RPC
//! key_file = "keys.json"                     # from `sprint-worker keys generate`
//! data_dir = "sprint-worker-data"            # leaves, per epoch (keep it across restarts)
//! listen = "127.0.0.1:8610"                  # the proof server
//! public_url = "http://127.0.0.1:8610"       # what other validators call (registered on chain)
//! backend = "auto"                           # auto | gpu | cpu
//! threads = 1                                # CPU backend threads
//! host = true                                # sprint and commit; false: validate only
//! metadata = "1x RTX 4090, eu-west"          # registered with the host (≤ 1 KiB)
//! # dev_secret = "Alice"                     # dev/local chains only: the genesis secrets of //Alice
//!
//! # Serve a registered model on the inference market (executor, transfer agent, auditor):
//! [inference]
//! # model = "SmolLM2-135M-Instruct.Q4_1.gguf" # default: the model `make deps` installs
//! api_listen = "127.0.0.1:8620"              # the OpenAI-compatible API
//! # api_url = "https://host.example/v1"      # what transfer agents call (declared on chain)
//! capacity = 50                              # tokens/s this host declares
//! energy = "grid-mixed"                      # solar | wind | hydro | nuclear | grid-mixed | fossil
//! region = "DE"                              # grid region
//! threads = 1                                # the engine's CPU threads
//! payload_retention_epochs = 4               # how long answers are kept for auditors
//! ```

use std::{net::SocketAddr, path::PathBuf, str::FromStr};

use serde::Deserialize;
use thiserror::Error;

/// Where the PoW runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum BackendChoice {
	/// The GPU when an adapter is present, else the CPU with a loud warning.
	#[default]
	Auto,
	/// The GPU (wgpu); fails when there is no adapter.
	Gpu,
	/// The CPU reference.
	Cpu,
}

impl FromStr for BackendChoice {
	type Err = ConfigError;
	fn from_str(s: &str) -> Result<Self, Self::Err> {
		match s {
			"auto" => Ok(Self::Auto),
			"gpu" => Ok(Self::Gpu),
			"cpu" => Ok(Self::Cpu),
			other => Err(ConfigError::Backend(other.to_string())),
		}
	}
}

/// The worker's settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
	pub node_url: String,
	pub key_file: PathBuf,
	pub data_dir: PathBuf,
	pub listen: SocketAddr,
	/// The proof server's URL as other validators reach it; defaults to `http://{listen}`.
	pub public_url: Option<String>,
	/// Where `GET /metrics` (Prometheus) listens; loopback by default, `metrics = false` for
	/// none.
	pub metrics_listen: SocketAddr,
	/// Whether to serve the metrics at all.
	pub metrics: bool,
	pub backend: BackendChoice,
	pub threads: usize,
	pub host: bool,
	pub metadata: String,
	/// Dev/local chains only: the dev seed (e.g. `Alice`) whose public genesis secrets
	/// `blake2_256("//{seed}//sprint-secret//{epoch}")` this worker reveals where its own
	/// derived secret is not the one committed (genesis committed the dev ones).
	pub dev_secret: Option<String>,
	/// The inference market (`[inference]`); none: PoC only.
	pub inference: Option<InferenceConfig>,
}

/// The `[inference]` section: this worker serves a registered model as executor, acts as
/// transfer agent for API keys, and audits other executors as a validator.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InferenceConfig {
	/// The GGUF file (default: the model `make deps` installs).
	pub model: Option<PathBuf>,
	/// Where the OpenAI-compatible API listens.
	pub api_listen: SocketAddr,
	/// The API's URL as transfer agents reach it (default `http://{api_listen}/v1`).
	pub api_url: Option<String>,
	/// Tokens per second this host declares.
	pub capacity: u32,
	/// The host's energy source.
	pub energy: String,
	/// The host's grid region.
	pub region: String,
	/// The engine's CPU threads.
	pub threads: usize,
	/// Epochs after a ticket's epoch that its payload is kept for auditors.
	pub payload_retention_epochs: u32,
}

impl Default for InferenceConfig {
	fn default() -> Self {
		Self {
			model: None,
			api_listen: SocketAddr::from(([127, 0, 0, 1], 8620)),
			api_url: None,
			capacity: 50,
			energy: "grid-mixed".into(),
			region: String::new(),
			threads: 1,
			payload_retention_epochs: 4,
		}
	}
}

impl InferenceConfig {
	/// The API's URL as declared on chain.
	pub fn api_url(&self) -> String {
		self.api_url.clone().unwrap_or_else(|| format!("http://{}/v1", self.api_listen))
	}

	/// Checks the section.
	pub fn validate(&self) -> Result<(), ConfigError> {
		self.energy
			.parse::<crate::chain::inference::EnergySource>()
			.map_err(ConfigError::Invalid)?;
		if self.region.len() > 16 {
			return Err(ConfigError::Invalid("inference.region must be at most 16 bytes".into()));
		}
		if self.api_url().len() > 256 {
			return Err(ConfigError::Invalid("inference.api_url must be at most 256 bytes".into()));
		}
		if self.threads == 0 || self.capacity == 0 {
			return Err(ConfigError::Invalid(
				"inference.threads and inference.capacity must be at least 1".into(),
			));
		}
		if self.payload_retention_epochs < 3 {
			return Err(ConfigError::Invalid(
				"inference.payload_retention_epochs must be at least 3: auditors and re-run voters fetch payloads until two epochs after settlement".into(),
			));
		}
		Ok(())
	}
}

impl Default for Config {
	fn default() -> Self {
		Self {
			node_url: "ws://127.0.0.1:9944".into(),
			key_file: "keys.json".into(),
			data_dir: "sprint-worker-data".into(),
			listen: SocketAddr::from(([127, 0, 0, 1], 8610)),
			public_url: None,
			metrics_listen: SocketAddr::from(([127, 0, 0, 1], 9616)),
			metrics: true,
			backend: BackendChoice::Auto,
			threads: 1,
			host: true,
			metadata: String::new(),
			dev_secret: None,
			inference: None,
		}
	}
}

/// Why the config cannot be used.
#[derive(Debug, Error)]
pub enum ConfigError {
	#[error("cannot read config {path}: {source}")]
	Read { path: PathBuf, source: std::io::Error },
	#[error("config {path} is not valid: {reason}")]
	Parse { path: PathBuf, reason: String },
	#[error("unknown backend `{0}`: use auto, gpu or cpu")]
	Backend(String),
	#[error("{0}")]
	Invalid(String),
}

impl Config {
	/// Reads `path` (TOML).
	pub fn load(path: &std::path::Path) -> Result<Self, ConfigError> {
		let text = std::fs::read_to_string(path)
			.map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
		toml::from_str(&text)
			.map_err(|e| ConfigError::Parse { path: path.to_path_buf(), reason: e.to_string() })
	}

	/// Checks what a worker cannot run without.
	pub fn validate(&self) -> Result<(), ConfigError> {
		if self.threads == 0 {
			return Err(ConfigError::Invalid("threads must be at least 1".into()));
		}
		if self.metadata.len() > 1024 {
			return Err(ConfigError::Invalid("metadata must be at most 1,024 bytes".into()));
		}
		if self.proof_url().len() > 256 {
			return Err(ConfigError::Invalid("public_url must be at most 256 bytes".into()));
		}
		if let Some(inference) = &self.inference {
			inference.validate()?;
		}
		if !self.node_url.starts_with("ws://") && !self.node_url.starts_with("wss://") {
			return Err(ConfigError::Invalid(format!(
				"node_url `{}` must be a WebSocket URL (ws://127.0.0.1:9944)",
				self.node_url
			)));
		}
		Ok(())
	}

	/// The URL registered on chain for the proof server.
	pub fn proof_url(&self) -> String {
		self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.listen))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_full_config_parses_and_unknown_fields_are_refused() {
		let config: Config = toml::from_str(
			"node_url = \"ws://127.0.0.1:9944\"\nbackend = \"cpu\"\nthreads = 2\nhost = false\n",
		)
		.expect("parses");
		assert_eq!(config.backend, BackendChoice::Cpu);
		assert_eq!(config.threads, 2);
		assert!(!config.host);
		assert_eq!(config.proof_url(), "http://127.0.0.1:8610");
		assert!(toml::from_str::<Config>("nod_url = \"x\"").is_err(), "a typo is an error");
		let bad = Config { node_url: "http://x".into(), ..Config::default() };
		assert!(bad.validate().is_err());
		let market: Config =
			toml::from_str("[inference]\ncapacity = 80\nenergy = \"wind\"\n").expect("parses");
		let inference = market.inference.clone().expect("the section");
		assert_eq!(inference.capacity, 80);
		assert_eq!(inference.api_url(), "http://127.0.0.1:8620/v1");
		assert!(market.validate().is_ok());
		let coal: Config = toml::from_str("[inference]\nenergy = \"coal\"\n").expect("parses");
		assert!(coal.validate().is_err(), "an unknown energy source is refused");
	}
}

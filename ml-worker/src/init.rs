//! `sprint-worker init`: a host's onboarding in one command — reach the node, make (or import)
//! the key file, write a commented `worker.toml`, show the account to fund and wait for the
//! funds if asked, register the host (the chain holds its bond) and deposit extra collateral,
//! printing each step's on-chain result. Run it again at any point: each step already done is
//! said and skipped, so nothing is done twice.

use std::{
	net::SocketAddr,
	path::{Path, PathBuf},
	time::{Duration, Instant},
};

use anyhow::{bail, Context as _};
use polkadot_sdk::sp_core::{
	crypto::{Pair as _, Ss58Codec},
	H256,
};

use crate::{
	chain::{read, AccountSigner, Call, Chain, Fate},
	keys::KeyFile,
	metrics::error_label,
	run::outcome::spr,
};

/// What `init` is asked to do.
#[derive(Clone, Debug)]
pub struct InitOptions {
	/// The node's RPC.
	pub node: String,
	/// Where the key file and `worker.toml` go.
	pub dir: PathBuf,
	/// An existing key file to use instead of generating one.
	pub import_keys: Option<PathBuf>,
	/// Dev chains only: the well-known keys `//NAME`.
	pub dev: Option<String>,
	/// The proof server's address.
	pub listen: SocketAddr,
	/// The proof server's URL as validators reach it (default `http://{listen}`).
	pub public_url: Option<String>,
	/// Collateral to hold beyond the host bond, planck.
	pub collateral: u128,
	/// How long to wait for the account to be funded (zero: do not wait).
	pub wait: Duration,
}

/// Fees a registration and a deposit cost, with room: kept free beyond what is held.
const FEE_MARGIN: u128 = 1_000_000_000;

/// Runs the steps; prints each one's result.
pub async fn init(options: &InitOptions) -> anyhow::Result<()> {
	let chain = Chain::connect(&options.node).await.with_context(|| {
		format!(
			"cannot reach sprint-node at {}: start it (docs/operators.md) or pass --node with its \
			 RPC address",
			options.node
		)
	})?;
	let view = chain.latest().await?;
	println!(
		"[1/5] node: {} (genesis {:?}, finalized block #{})",
		chain.url(),
		chain.genesis_hash(),
		view.number
	);

	std::fs::create_dir_all(&options.dir)
		.with_context(|| format!("cannot create {}", options.dir.display()))?;
	let dir = options.dir.canonicalize()?;
	let key_path = dir.join("keys.json");
	let keys = key_file(&key_path, options)?;
	let account = keys.account.public().to_ss58check();
	println!("      account {account}, proof key 0x{}", hex::encode(keys.proof.public().0));

	let config_path = dir.join("worker.toml");
	if config_path.exists() {
		println!("[3/5] config: kept {} (delete it to write a new one)", config_path.display());
	} else {
		write_atomically(&config_path, &config_text(options, &dir, chain.genesis_hash()))?;
		println!("[3/5] config: wrote {} (every line commented)", config_path.display());
	}

	let me = keys.account.public().0;
	let proof_url =
		options.public_url.clone().unwrap_or_else(|| format!("http://{}", options.listen));
	let bond = read::min_host_bond(&chain.latest().await?.at).await?;
	let registered = read::host(&chain.latest().await?.at, &me).await?;
	let need = if registered.is_some() { 0 } else { bond } + options.collateral + FEE_MARGIN;
	let started = Instant::now();
	loop {
		let free = read::free_balance(&chain.latest().await?.at, &me).await?;
		if free >= need {
			println!("[4/5] funds: {account} holds {} (needs {})", spr(free), spr(need));
			break;
		}
		let missing = need - free;
		let ask = format!(
			"fund {account}: it holds {}, needs {} (the {} host bond{} and 1 SPR for fees), {} more",
			spr(free),
			spr(need),
			spr(if registered.is_some() { 0 } else { bond }),
			if options.collateral > 0 {
				format!(", {} collateral", spr(options.collateral))
			} else {
				String::new()
			},
			spr(missing)
		);
		if started.elapsed() >= options.wait {
			bail!(
				"{ask}. Then run `sprint-worker init` again (or pass --wait SECONDS to wait for \
				 the transfer)"
			);
		}
		if started.elapsed() < Duration::from_secs(1) {
			println!("[4/5] funds: {ask}; waiting up to {} s", options.wait.as_secs());
		}
		tokio::time::sleep(Duration::from_secs(2)).await;
	}

	let signer = AccountSigner::new(keys.account.clone());
	match registered {
		Some(host) => {
			let url = String::from_utf8_lossy(&host.proof_url).into_owned();
			println!("[5/5] host: already registered, proofs at {url}");
			if host.proof_key != keys.proof.public().0 {
				println!(
					"      warning: registered with another proof key than this key file's: \
					 validators will refuse its openings"
				);
			}
		}
		None => {
			if ["://127.", "://localhost", "://0.0.0.0", "://[::1]"]
				.iter()
				.any(|l| proof_url.contains(l))
			{
				println!(
					"      note: {proof_url} is reachable from this machine only; on a real \
					 network pass --public-url with an address validators can reach"
				);
			}
			let call = Call::RegisterHost {
				proof_key: keys.proof.public().0,
				proof_url: proof_url.clone().into_bytes(),
				metadata: Vec::new(),
			};
			submit(&chain, &signer, &call, "register_host").await?;
			println!(
				"[5/5] host: registered (finalized), proofs at {proof_url}; the chain holds its {} \
				 bond",
				spr(bond)
			);
		}
	}
	if options.collateral > 0 {
		let call = Call::DepositCollateral { amount: options.collateral };
		submit(&chain, &signer, &call, "collateral.deposit").await?;
		println!("      collateral: {} more held (finalized)", spr(options.collateral));
	}
	println!(
		"done. Start the host with `sprint-worker run --config {}`; `sprint-worker status \
		 --node {} --key-file {}` shows what the chain says about it.",
		config_path.display(),
		options.node,
		key_path.display()
	);
	Ok(())
}

/// The key file at `path`: kept if there, else imported or generated (never overwritten).
fn key_file(path: &Path, options: &InitOptions) -> anyhow::Result<crate::keys::Keys> {
	if path.exists() {
		let keys = KeyFile::load(path)?;
		if options.import_keys.is_some() {
			bail!(
				"{} exists already: move it away to import another key file (it is never \
				 overwritten)",
				path.display()
			);
		}
		println!("[2/5] keys: kept {}", path.display());
		return Ok(keys);
	}
	match &options.import_keys {
		Some(from) => {
			KeyFile::load(from).with_context(|| format!("cannot import {}", from.display()))?;
			let text = std::fs::read(from)?;
			write_atomically(path, &String::from_utf8_lossy(&text))?;
			println!("[2/5] keys: imported {} into {}", from.display(), path.display());
		}
		None => {
			KeyFile::generate(options.dev.as_deref()).write_new(path)?;
			println!(
				"[2/5] keys: generated {} (keep it secret and back it up: it is the host's \
				 account)",
				path.display()
			);
		}
	}
	Ok(KeyFile::load(path)?)
}

/// Sends `call` and waits for it to be finalized; a refusal names the chain's error and what
/// to do about it.
async fn submit(
	chain: &Chain,
	signer: &AccountSigner,
	call: &Call,
	what: &str,
) -> anyhow::Result<()> {
	let fate = chain.submit(signer, call).await.with_context(|| format!("cannot send {what}"))?;
	match tokio::time::timeout(Duration::from_secs(120), fate).await {
		Err(_) => bail!("{what} was not finalized within 120 s: is the chain finalizing blocks?"),
		Ok(Fate::Succeeded) => Ok(()),
		Ok(Fate::NotIncluded(why)) => bail!("{what} was not included: {why}; run init again"),
		Ok(Fate::Failed(error)) => {
			let label = error_label(&error);
			let hint = match label.as_str() {
				"collateral.InsufficientBalance" => "fund the account and run init again",
				"poc.AlreadyRegistered" => "the host is registered already: run init again",
				"poc.BadProofUrl" | "poc.ProofUrlTooLong" => {
					"pass --public-url with a plain http(s)://host[:port][/path]"
				}
				_ => "see docs/protocol.md for the rule",
			};
			bail!("{what} failed on chain: {label} ({error}): {hint}")
		}
	}
}

/// Writes `text` to `path` through a temporary file and a rename, owner-only: a crash leaves
/// either nothing or the whole file.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
	use std::{io::Write as _, os::unix::fs::OpenOptionsExt as _};
	let tmp = path.with_extension("tmp");
	let mut file = std::fs::OpenOptions::new()
		.write(true)
		.create(true)
		.truncate(true)
		.mode(0o600)
		.open(&tmp)
		.with_context(|| format!("cannot write {}", tmp.display()))?;
	file.write_all(text.as_bytes())?;
	file.sync_all()?;
	std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
	Ok(())
}

/// The commented `worker.toml`.
pub fn config_text(options: &InitOptions, dir: &Path, genesis: H256) -> String {
	let public_url = match &options.public_url {
		Some(url) => format!("public_url = \"{url}\""),
		None => "# public_url = \"https://proofs.example.org\"".to_owned(),
	};
	format!(
		"# sprint-worker's configuration, written by `sprint-worker init` for the chain with genesis
# {genesis:?}. Every field is optional; `sprint-worker run` flags override them. README.md
# (\"GPU hosts\") and docs/operators.md explain each.

# The sprint-node whose finalized blocks the worker follows (its RPC).
node_url = \"{node}\"
# The account and proof keys: keep the file secret and backed up.
key_file = \"{keys}\"
# Leaves of each epoch's sprint, receipts and payloads: keep it across restarts.
data_dir = \"{data}\"
# The proof server (validators fetch sampled leaves from it: POST /v1/poc/proofs).
listen = \"{listen}\"
# The proof server's URL as validators reach it, registered on chain (default http://LISTEN).
{public_url}
# Where the Sprint runs: auto (the first GPU found, else the CPU), gpu, or cpu.
backend = \"auto\"
# CPU threads when the Sprint runs on the CPU.
threads = 1
# false: validate only (no sprint, no commitments).
host = true
# Prometheus metrics (GET /metrics), loopback only by default.
metrics_listen = \"127.0.0.1:9616\"
",
		node = options.node,
		keys = dir.join("keys.json").display(),
		data = dir.join("data").display(),
		listen = options.listen,
	)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_config_it_writes_is_one_the_worker_loads() {
		let dir = std::env::temp_dir().join(format!("sprint-init-test-{}", std::process::id()));
		std::fs::create_dir_all(&dir).expect("temp dir");
		let options = InitOptions {
			node: "ws://127.0.0.1:9944".into(),
			dir: dir.clone(),
			import_keys: None,
			dev: None,
			listen: "127.0.0.1:8610".parse().expect("address"),
			public_url: Some("https://proofs.example.org".into()),
			collateral: 0,
			wait: Duration::ZERO,
		};
		let path = dir.join("worker.toml");
		write_atomically(&path, &config_text(&options, &dir, H256::repeat_byte(7)))
			.expect("written");
		let config = crate::config::Config::load(&path).expect("loads");
		assert_eq!(config.node_url, "ws://127.0.0.1:9944");
		assert_eq!(config.key_file, dir.join("keys.json"));
		assert_eq!(config.proof_url(), "https://proofs.example.org");
		assert!(config.host);
		let _ = std::fs::remove_dir_all(&dir);
	}
}

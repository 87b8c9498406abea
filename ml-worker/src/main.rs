//! `sprint-worker`: the process a Sprint host runs next to its node.
//!
//! `run` follows a sprint-node, runs the Sprint proof-of-work each epoch (GPU through wgpu, or
//! the bit-exact CPU reference), commits and serves proofs, and validates the hosts in its seats
//! (docs/protocol.md §3–§5); `keys` makes and shows its key file; `bench` measures the PoW on this
//! machine.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use sprint_worker::{
	config::{BackendChoice, Config},
	keys::KeyFile,
	run::TestHooks,
	sprint::search::Cheat,
};

/// Sprint's worker: proves a host's compute each epoch and checks other hosts'.
#[derive(Debug, Parser)]
#[command(name = "sprint-worker", version, about, long_about)]
struct Cli {
	#[command(subcommand)]
	command: Command,
}

/// Where the PoW function runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Backend {
	/// The CPU reference (ndarray), which defines the function.
	Cpu,
	/// The WGSL kernels on a wgpu adapter, bit for bit the reference.
	Gpu,
}

#[derive(Debug, Subcommand)]
enum Command {
	/// Follow a sprint-node: register as a host, run the Sprint each epoch, commit and serve
	/// proofs, validate the hosts in this worker's seats.
	Run(Box<RunArgs>),
	/// Measure this machine: nonces/s and int8 GOPS of the PoW function, on the CPU reference or
	/// on the GPU (wgpu; the adapter comes from the WGPU_BACKEND environment variable, e.g.
	/// `vulkan`, else from every backend); with `--validator`, a validator's cost per sampled leaf.
	Bench {
		/// The model shape: `dev` (64, 2, 4, 256, 4) or `production` (1024, 16, 16, 4096, 16).
		#[arg(long, default_value = "dev")]
		shape: String,
		/// Where the PoW runs: `cpu` (the reference) or `gpu`.
		#[arg(long, value_enum, default_value_t = Backend::Cpu)]
		backend: Backend,
		/// Worker threads, each searching its own nonces (cpu).
		#[arg(long, default_value_t = 1)]
		threads: usize,
		/// Nonces per GPU submission (gpu); default 256 for `dev`, 16 for `production`.
		#[arg(long)]
		batch: Option<usize>,
		/// How long to measure, in seconds (the gpu path finishes its last batch).
		#[arg(long, default_value_t = 5.0)]
		seconds: f64,
		/// Measure a validator's cost per sampled leaf instead (signing, checking, recomputing).
		#[arg(long)]
		validator: bool,
	},
	/// Onboard a host in one command: make (or import) the key file, write a commented
	/// worker.toml, show the account to fund (and wait for it with --wait), register the host
	/// with its bond and deposit extra collateral, printing each step's on-chain result. Safe to
	/// run again: steps already done are skipped.
	Init {
		/// The node's RPC.
		#[arg(long, default_value = "ws://127.0.0.1:9944")]
		node: String,
		/// Where keys.json and worker.toml go.
		#[arg(long, default_value = ".")]
		dir: PathBuf,
		/// Use this key file instead of generating one.
		#[arg(long, value_name = "FILE")]
		import_keys: Option<PathBuf>,
		/// Dev chains only: the well-known keys //NAME and //NAME//proof.
		#[arg(long, value_name = "NAME", conflicts_with = "import_keys")]
		dev: Option<String>,
		/// The proof server's address.
		#[arg(long, default_value = "127.0.0.1:8610")]
		listen: std::net::SocketAddr,
		/// The proof server's URL as validators reach it (default http://LISTEN).
		#[arg(long)]
		public_url: Option<String>,
		/// Collateral to hold beyond the host bond, in SPR (it activates more of the host's
		/// weight; see docs/protocol.md §5).
		#[arg(long, default_value_t = 0)]
		collateral: u64,
		/// Seconds to wait for the account to be funded (default: do not wait).
		#[arg(long, default_value_t = 0)]
		wait: u64,
	},
	/// What the chain says about a host: registration, bond, the last epochs' outcomes, weights
	/// and rewards, rewards claimable and vesting, seats, inference fees (a table, or --json).
	Status {
		/// The node's RPC.
		#[arg(long, default_value = "ws://127.0.0.1:9944")]
		node: String,
		/// The host's key file (its account is read from it).
		#[arg(long, default_value = "keys.json", conflicts_with = "account")]
		key_file: PathBuf,
		/// The host's account (SS58), instead of a key file.
		#[arg(long)]
		account: Option<String>,
		/// Epochs to list, the last tallied ones.
		#[arg(long, default_value_t = 5)]
		epochs: u32,
		/// Print JSON instead of a table.
		#[arg(long)]
		json: bool,
	},
	/// Create or show the worker's key file (account key and proof key).
	#[command(subcommand)]
	Keys(KeysCommand),
	/// Serve a model through the OpenAI-compatible API, alone (no chain): `GET /v1/models`,
	/// `POST /v1/chat/completions`, `POST /v1/completions`.
	Serve(ServeArgs),
	/// Run a transfer agent alone (docs/protocol.md §7's local gateway): the OpenAI API on LISTEN,
	/// each request turned into a ticket signed with the API key — the Bearer token, or the key in
	/// --api-key-file / $SPRINT_API_KEY for a requester who gives its key to no one — and sent to
	/// an executor the chain lists.
	Gateway {
		/// sprint-node's WebSocket RPC URL.
		#[arg(long, default_value = "ws://127.0.0.1:9944")]
		node: String,
		/// Address to listen on (loopback by default).
		#[arg(long, default_value = "127.0.0.1:8630")]
		listen: std::net::SocketAddr,
		/// A file holding the API key's secret (0x and 64 hex digits, or a secret URI).
		#[arg(long)]
		api_key_file: Option<PathBuf>,
	},
	/// Chat with a model in the terminal (a line per message; an empty line or ctrl-d quits).
	Chat(ModelArgs),
	/// Measure the inference engine on this machine: prefill and decode tokens/s, first-token
	/// latency, an auditor's replay, peak memory, and the answer's commitment (the same on every
	/// backend and machine for the same model: compare it); with `--quality`, top-1 agreement
	/// and perplexity against the f32 reference.
	BenchModel {
		/// A Llama-family GGUF file (default: the one `make deps` installs).
		#[arg(long)]
		model: Option<PathBuf>,
		/// CPU threads of the engine.
		#[arg(long, default_value_t = 1)]
		threads: usize,
		/// Tokens to generate after the prompt (greedy, past any end-of-turn token).
		#[arg(long, default_value_t = 94)]
		tokens: usize,
		/// Also measure quality: agreement on 20 prompts × 32 tokens and perplexity on the
		/// text in `--text` (its first 2,000 tokens).
		#[arg(long)]
		quality: bool,
		/// An English text for the perplexity.
		#[arg(long, default_value = "/usr/share/common-licenses/GPL-3")]
		text: PathBuf,
		/// Measure a stand-in with SmolLM2-135M's shape and random weights instead of a file
		/// (where the real file cannot travel: the speed depends on the shape, not the weights).
		#[arg(long, conflicts_with_all = ["model", "quality"])]
		synthetic: bool,
		#[command(flatten)]
		engine: EngineArgs,
	},
}

/// The question every speed measurement asks (a 37-token chat prompt for SmolLM2).
pub const BENCH_QUESTION: &str = "What is the capital of Japan?";

/// Where the inference engine runs.
#[derive(Debug, Args)]
struct EngineArgs {
	/// `cpu` (the reference) or `gpu` (the WGSL kernels through wgpu: the adapter comes from the
	/// WGPU_BACKEND environment variable, e.g. `vulkan`, else from every backend); both give the
	/// same bits.
	#[arg(long, value_enum, default_value_t = Backend::Cpu)]
	backend: Backend,
	/// gpu: positions each sequence's cache holds on the GPU (default: the model's context);
	/// lower it to save GPU memory (SmolLM2: about 24 KiB per position).
	#[arg(long)]
	gpu_context: Option<usize>,
}

#[derive(Debug, Args)]
struct ModelArgs {
	/// A Llama-family GGUF file (default: SmolLM2-135M-Instruct as `make deps` installs it,
	/// in $SPRINT_MODELS or ~/.cache/sprint-models).
	#[arg(long)]
	model: Option<PathBuf>,
	/// CPU threads of the engine (default: every CPU).
	#[arg(long)]
	threads: Option<usize>,
	#[command(flatten)]
	engine: EngineArgs,
	/// Sampling temperature (0 = greedy).
	#[arg(long, default_value_t = 0.0)]
	temperature: f64,
	/// Most tokens per answer.
	#[arg(long, default_value_t = 512)]
	max_tokens: usize,
}

#[derive(Debug, Args)]
struct ServeArgs {
	/// A Llama-family GGUF file (default: SmolLM2-135M-Instruct as `make deps` installs it).
	#[arg(long)]
	model: Option<PathBuf>,
	/// Address to listen on (loopback by default).
	#[arg(long, default_value = "127.0.0.1:8000")]
	listen: std::net::SocketAddr,
	/// CPU threads of the engine (default: every CPU).
	#[arg(long)]
	threads: Option<usize>,
	/// Answers advanced together in one forward pass.
	#[arg(long, default_value_t = 8)]
	max_batch: usize,
	/// Requests waiting for a place before new ones are refused with 429.
	#[arg(long, default_value_t = 64)]
	max_queue: usize,
	/// Largest request body, in bytes.
	#[arg(long, default_value_t = 1 << 20)]
	max_body: usize,
	#[command(flatten)]
	engine: EngineArgs,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
	/// Write a new key file with fresh random keys (mode 0600; never overwrites).
	Generate {
		#[arg(long, default_value = "keys.json")]
		key_file: PathBuf,
		/// Dev chains only: use the well-known dev URIs `//NAME` and `//NAME//proof`.
		#[arg(long, value_name = "NAME")]
		dev: Option<String>,
	},
	/// Print the account (SS58) and proof key of a key file.
	Show {
		#[arg(long, default_value = "keys.json")]
		key_file: PathBuf,
	},
	/// A genesis validator of a new network: make random secrets for epochs 0 and 1, keep them
	/// in the key file, and print their commitments for the chain spec's
	/// `poc.secretCommitments` (refuses if the file holds some for that chain already).
	GenesisSecrets {
		#[arg(long, default_value = "keys.json")]
		key_file: PathBuf,
		/// The chain spec's `id` (any name of letters, digits, `-` and `_` that tells this
		/// network's secrets apart from another's).
		#[arg(long)]
		chain_id: String,
		/// Replace secrets already kept for that chain (their commitments in a spec could then
		/// never be opened).
		#[arg(long)]
		force: bool,
	},
}

#[derive(Debug, Args)]
struct RunArgs {
	/// TOML config (see the README); flags below override it.
	#[arg(long, short)]
	config: Option<PathBuf>,
	/// sprint-node's WebSocket RPC URL.
	#[arg(long)]
	node: Option<String>,
	#[arg(long)]
	key_file: Option<PathBuf>,
	#[arg(long)]
	data_dir: Option<PathBuf>,
	/// Proof server address (loopback by default).
	#[arg(long)]
	listen: Option<std::net::SocketAddr>,
	/// The proof server's URL as registered on chain (default http://LISTEN).
	#[arg(long)]
	public_url: Option<String>,
	/// Where Prometheus metrics are served, on `GET /metrics` (default 127.0.0.1:9616).
	#[arg(long, value_name = "ADDR")]
	metrics_listen: Option<std::net::SocketAddr>,
	/// Serve no metrics.
	#[arg(long, conflicts_with = "metrics_listen")]
	no_metrics: bool,
	/// auto | gpu | cpu.
	#[arg(long)]
	backend: Option<BackendChoice>,
	/// CPU backend threads.
	#[arg(long)]
	threads: Option<usize>,
	/// Validate only: do not register, sprint or commit.
	#[arg(long)]
	validator_only: bool,
	/// Dev/local chains only: reveal the public genesis secrets of dev seed NAME (e.g. Alice).
	#[arg(long, value_name = "NAME")]
	dev_secret: Option<String>,
	/// Test only: fake every even nonce's digest (caught and slashed; never on a real chain).
	#[arg(long, hide = true)]
	test_fake_leaves: bool,
	/// Test only: the proof server refuses every request (503).
	#[arg(long, hide = true)]
	test_withhold_proofs: bool,
	/// Test only: hang once N leaves of epoch E are on disk, for a kill -9.
	#[arg(long, hide = true, value_name = "E:N", value_parser = parse_pause)]
	test_pause_after_leaves: Option<(u32, usize)>,
	/// Serve a registered model on the inference market (as `[inference]` with its defaults).
	#[arg(long)]
	inference: bool,
	/// inference: the GGUF file (default: the model `make deps` installs).
	#[arg(long)]
	model: Option<PathBuf>,
	/// inference: where the OpenAI-compatible API listens (default 127.0.0.1:8620).
	#[arg(long)]
	api_listen: Option<std::net::SocketAddr>,
	/// inference: the API's URL as declared on chain (default http://API_LISTEN/v1).
	#[arg(long)]
	api_url: Option<String>,
	/// inference: tokens per second this host declares.
	#[arg(long)]
	capacity: Option<u32>,
	/// inference: solar | wind | hydro | nuclear | grid-mixed | fossil.
	#[arg(long)]
	energy: Option<String>,
	/// inference: the grid region (e.g. DE).
	#[arg(long)]
	region: Option<String>,
	/// inference: the engine's CPU threads.
	#[arg(long)]
	inference_threads: Option<usize>,
	/// inference: where the engine runs, `cpu` or `gpu` (same bits).
	#[arg(long, value_enum)]
	inference_backend: Option<Backend>,
	/// inference, gpu: positions each sequence's cache holds on the GPU (default: the model's
	/// context).
	#[arg(long)]
	inference_gpu_context: Option<usize>,
	/// Test only: the executor swaps a token of its committed output and serves each payload
	/// once, to its first auditor, withholding it from the re-run voters (audited and slashed).
	#[arg(long, hide = true)]
	test_inference_cheat: bool,
	/// Test only: the auditor never submits its audits (reported as missed).
	#[arg(long, hide = true)]
	test_skip_audits: bool,
}

impl RunArgs {
	fn config(&self) -> anyhow::Result<Config> {
		let mut config = match &self.config {
			Some(path) => Config::load(path)?,
			None => Config::default(),
		};
		if let Some(v) = &self.node {
			config.node_url = v.clone();
		}
		if let Some(v) = &self.key_file {
			config.key_file = v.clone();
		}
		if let Some(v) = &self.data_dir {
			config.data_dir = v.clone();
		}
		if let Some(v) = self.metrics_listen {
			config.metrics_listen = v;
		}
		if self.no_metrics {
			config.metrics = false;
		}
		if let Some(v) = self.listen {
			config.listen = v;
		}
		if let Some(v) = &self.public_url {
			config.public_url = Some(v.clone());
		}
		if let Some(v) = self.backend {
			config.backend = v;
		}
		if let Some(v) = self.threads {
			config.threads = v;
		}
		if self.validator_only {
			config.host = false;
		}
		if let Some(v) = &self.dev_secret {
			config.dev_secret = Some(v.clone());
		}
		let any = self.inference
			|| self.model.is_some()
			|| self.api_listen.is_some()
			|| self.api_url.is_some()
			|| self.capacity.is_some()
			|| self.energy.is_some()
			|| self.region.is_some()
			|| self.inference_threads.is_some();
		if any && config.inference.is_none() {
			config.inference = Some(Default::default());
		}
		if let Some(inference) = &mut config.inference {
			if let Some(v) = &self.model {
				inference.model = Some(v.clone());
			}
			if let Some(v) = self.api_listen {
				inference.api_listen = v;
			}
			if let Some(v) = &self.api_url {
				inference.api_url = Some(v.clone());
			}
			if let Some(v) = self.capacity {
				inference.capacity = v;
			}
			if let Some(v) = &self.energy {
				inference.energy = v.clone();
			}
			if let Some(v) = &self.region {
				inference.region = v.clone();
			}
			if let Some(v) = self.inference_threads {
				inference.threads = v;
			}
		}
		Ok(config)
	}

	fn hooks(&self) -> TestHooks {
		TestHooks {
			cheat: Cheat { fake_even_nonces: self.test_fake_leaves },
			withhold_proofs: self.test_withhold_proofs,
			pause_after_leaves: self.test_pause_after_leaves,
			inference_cheat: if self.test_inference_cheat {
				sprint_worker::market::executor::InferenceCheat::SwapToken
			} else if self.test_skip_audits {
				sprint_worker::market::executor::InferenceCheat::SkipAudits
			} else {
				Default::default()
			},
		}
	}
}

async fn gateway(
	node: String,
	listen: std::net::SocketAddr,
	api_key_file: Option<PathBuf>,
) -> anyhow::Result<()> {
	use polkadot_sdk::sp_core::{crypto::Pair as _, sr25519};
	let secret = match &api_key_file {
		Some(path) => Some(
			std::fs::read_to_string(path)
				.map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?
				.trim()
				.to_owned(),
		),
		None => std::env::var("SPRINT_API_KEY").ok(),
	};
	let chain = sprint_worker::chain::Chain::connect(&node).await?;
	let mut agent = sprint_worker::market::agent::Agent::new(chain);
	if let Some(secret) = secret {
		let key = sr25519::Pair::from_string(&secret, None).map_err(|_| {
			anyhow::anyhow!(
				"the API key is not a secret key: 0x and 64 hex digits, or a secret URI"
			)
		})?;
		tracing::info!(
			"requests without a Bearer token are signed with API key 0x{}",
			hex::encode(key.public().0)
		);
		agent = agent.with_local_key(key);
	}
	let agent = std::sync::Arc::new(agent);
	agent.refresh_in_background();
	let router = sprint_worker::market::agent::gateway_router(agent);
	let listener = tokio::net::TcpListener::bind(listen)
		.await
		.map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
	tracing::info!("gateway on http://{}/v1 for the chain at {node}", listener.local_addr()?);
	axum::serve(listener, router)
		.with_graceful_shutdown(async {
			let _ = tokio::signal::ctrl_c().await;
		})
		.await?;
	Ok(())
}

fn parse_pause(value: &str) -> Result<(u32, usize), String> {
	let (epoch, leaves) = value.split_once(':').ok_or("expected EPOCH:LEAVES, e.g. 1:40")?;
	Ok((
		epoch.parse().map_err(|e| format!("epoch `{epoch}`: {e}"))?,
		leaves.parse().map_err(|e| format!("leaves `{leaves}`: {e}"))?,
	))
}

fn init_logs() {
	tracing_subscriber::fmt()
		.with_env_filter(
			tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
		)
		.with_writer(std::io::stderr)
		.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
		.init();
}

fn report(result: anyhow::Result<()>) -> ExitCode {
	match result {
		Ok(()) => ExitCode::SUCCESS,
		Err(e) => {
			eprintln!("error: {e:#}");
			ExitCode::FAILURE
		}
	}
}

fn load_model(
	model: Option<PathBuf>,
	threads: Option<usize>,
	engine: &EngineArgs,
	sequences: usize,
) -> anyhow::Result<sprint_worker::inference::LanguageModel> {
	use sprint_worker::inference::{default_model_path, LanguageModel};
	let path = model.unwrap_or_else(default_model_path);
	if !path.exists() {
		anyhow::bail!(
			"no model at {}: run `make deps` (it installs SmolLM2-135M-Instruct there) or pass \
			 --model PATH to a Llama-family GGUF",
			path.display()
		);
	}
	let threads =
		threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
	let spinner = indicatif::ProgressBar::new_spinner();
	spinner.set_message(format!("loading {}", path.display()));
	spinner.enable_steady_tick(std::time::Duration::from_millis(120));
	let started = std::time::Instant::now();
	let mut lm = LanguageModel::open(&path, threads)?;
	spinner.finish_and_clear();
	use_backend(&mut lm, engine, sequences)?;
	let c = &lm.model.config;
	eprintln!(
		"loaded {} in {:.1} s: {} layers, width {}, vocabulary {}, context {}, {} threads, integer \
		 engine recipe {}",
		lm.name,
		started.elapsed().as_secs_f64(),
		c.layers,
		c.d_model,
		c.vocab,
		c.context,
		lm.model.threads(),
		sprint_worker::inference::ENGINE_RECIPE,
	);
	Ok(lm)
}

/// Moves the engine to the GPU when asked, with caches for `sequences` sequences at once.
fn use_backend(
	lm: &mut sprint_worker::inference::LanguageModel,
	engine: &EngineArgs,
	sequences: usize,
) -> anyhow::Result<()> {
	if engine.backend == Backend::Cpu {
		if engine.gpu_context.is_some() {
			anyhow::bail!("--gpu-context applies to --backend gpu only");
		}
		return Ok(());
	}
	let context = engine.gpu_context.unwrap_or(lm.model.config.context);
	if context == 0 {
		anyhow::bail!("--gpu-context must be at least 1");
	}
	let size = sprint_worker::kernels::gpu::GpuCacheSize { slots: sequences.max(1), context };
	lm.model.use_gpu(size)?;
	if let Some(gpu) = lm.model.gpu() {
		let info = gpu.adapter_info();
		eprintln!(
			"on the GPU: {} ({:?}, {:?}), caches for {} sequences of {} positions",
			info.name, info.backend, info.device_type, size.slots, context
		);
	}
	Ok(())
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
	let lm =
		std::sync::Arc::new(load_model(args.model, args.threads, &args.engine, args.max_batch)?);
	let limits = sprint_worker::api::Limits {
		max_batch: args.max_batch,
		max_queue: args.max_queue,
		max_body: args.max_body,
	};
	tokio::runtime::Runtime::new()?.block_on(sprint_worker::api::serve(lm, args.listen, limits))
}

fn chat(args: ModelArgs) -> anyhow::Result<()> {
	use sprint_worker::inference::{
		chat::Message,
		generate::{Generation, GenerationRequest},
		SamplingParams, Step,
	};
	use std::io::{BufRead, Write};
	let lm = load_model(args.model, args.threads, &args.engine, 1)?;
	let template = lm.chat.as_ref().ok_or_else(|| {
		anyhow::anyhow!("this model has no chat template: serve it and use /v1/completions")
	})?;
	let seed = std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map_or(0, |d| d.as_nanos() as u64);
	let params = SamplingParams::new(args.temperature, 1.0, seed)?;
	let mut history: Vec<Message> = Vec::new();
	let stdin = std::io::stdin();
	let mut stdout = std::io::stdout();
	loop {
		write!(stdout, "> ")?;
		stdout.flush()?;
		let mut line = String::new();
		if stdin.lock().read_line(&mut line)? == 0 || line.trim().is_empty() {
			break;
		}
		history.push(Message { role: "user".into(), content: line.trim_end().to_owned() });
		let prompt = lm.tokenizer.encode(&template.render(&history)?)?;
		let room = lm.model.config.context.saturating_sub(prompt.len());
		if room == 0 {
			println!("(the conversation fills the model's context: start a new chat)");
			break;
		}
		let request = GenerationRequest {
			prompt,
			max_tokens: args.max_tokens.min(room),
			params,
			stop: Vec::new(),
			top_logprobs: 0,
		};
		let mut generation = Generation::new(&lm, request);
		let mut answer = String::new();
		while generation.finished.is_none() {
			let input = generation.step_input().to_vec();
			let mut steps =
				[Step { cache: &mut generation.cache, tokens: &input, all_logits: false }];
			let logits = lm.model.forward(&mut steps)?.remove(0);
			let token = generation.accept(&lm, &logits);
			write!(stdout, "{}", token.text)?;
			stdout.flush()?;
			answer.push_str(&token.text);
		}
		writeln!(stdout)?;
		history.push(Message { role: "assistant".into(), content: answer });
	}
	Ok(())
}

fn peak_rss_mib() -> f64 {
	std::fs::read_to_string("/proc/self/status")
		.ok()
		.and_then(|status| {
			status
				.lines()
				.find(|l| l.starts_with("VmHWM:"))
				.and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
		})
		.map_or(0.0, |kb| kb / 1024.0)
}

/// Vulkan drivers (Mesa's among them) probe for a Wayland display when wgpu starts, and print
/// `XDG_RUNTIME_DIR is invalid or not set` on a headless machine where that variable is unset
/// (or empty). The worker never draws on a display, so pointing the variable at the temporary
/// directory keeps that line out of its output; a value already set is left alone.
fn quiet_display_probe() {
	if std::env::var_os("XDG_RUNTIME_DIR").is_none_or(|v| v.is_empty()) {
		// Before any other thread exists (the first thing `main` does): nothing reads the
		// environment concurrently.
		std::env::set_var("XDG_RUNTIME_DIR", std::env::temp_dir());
	}
}

fn bench_model(
	model: Option<PathBuf>,
	threads: usize,
	tokens: usize,
	quality_text: Option<PathBuf>,
	engine: &EngineArgs,
) -> anyhow::Result<()> {
	use sprint_worker::inference::{float::FloatModel, gguf::Gguf, quality, LanguageModel, Step};
	use std::time::Instant;
	let path = model.unwrap_or_else(sprint_worker::inference::default_model_path);
	let started = Instant::now();
	let file = Gguf::open(&path)?;
	let name = path.file_stem().map_or("model".into(), |s| s.to_string_lossy().into_owned());
	let mut lm = LanguageModel::from_gguf_with_threads(name, &file, threads)?;
	use_backend(&mut lm, engine, 1)?;
	let load = started.elapsed().as_secs_f64();
	let prompt = quality::chat_prompt(&lm, BENCH_QUESTION);
	let argmax = |row: &[i32]| {
		row.iter()
			.enumerate()
			.max_by_key(|(i, v)| (**v, std::cmp::Reverse(*i)))
			.map_or(0, |(i, _)| i as u32)
	};
	let mut cache = lm.model.new_cache();
	let started = Instant::now();
	let mut logits = lm
		.model
		.forward(&mut [Step { cache: &mut cache, tokens: &prompt, all_logits: false }])?
		.remove(0);
	let mut token = argmax(&logits);
	let first_token = started.elapsed().as_secs_f64();
	let decode_start = Instant::now();
	let mut output = vec![token];
	for _ in 1..tokens {
		logits = lm
			.model
			.forward(&mut [Step { cache: &mut cache, tokens: &[token], all_logits: false }])?
			.remove(0);
		token = argmax(&logits);
		output.push(token);
	}
	let decode = decode_start.elapsed().as_secs_f64();
	let total = started.elapsed().as_secs_f64();
	// The replay takes a cache of its own: on the GPU, where the engine has one slot here, the
	// generation's must be given back first.
	drop(cache);
	// An auditor's cost: the teacher-forced replay of prompt + answer (one prefill pass, the
	// top-5 log-probabilities and the sampler at every position).
	let request = sprint_worker::inference::generate::GenerationRequest {
		prompt: prompt.clone(),
		max_tokens: tokens,
		params: sprint_worker::inference::sampler::SamplingParams::GREEDY,
		stop: Vec::new(),
		top_logprobs: 0,
	};
	let audit_start = Instant::now();
	let replayed = sprint_worker::inference::replay::replay(&lm, &request, &output)?;
	let audit = audit_start.elapsed().as_secs_f64();
	if replayed.first_difference.is_some() {
		anyhow::bail!(
			"the replay of this engine's own answer differs at position {:?}: the engine is not \
			 deterministic on this machine",
			replayed.first_difference
		);
	}
	println!(
		"{{\"engine\": \"sprint-int{}\", \"backend\": \"{}\", \"isa\": \"{:?}\", \"threads\": {threads}, \"load_s\": {load:.3}, \"prompt_tokens\": {}, \"generated\": {tokens}, \"prefill_tok_s\": {:.1}, \"first_token_ms\": {:.1}, \"decode_tok_s\": {:.1}, \"total_tok_s\": {:.1}, \"audit_ms\": {:.1}, \"audit_s_per_1k_tokens\": {:.2}, \"audit_fraction\": {:.3}, \"peak_rss_mib\": {:.0}, \"commitment\": \"0x{}\"}}",
		sprint_worker::inference::ENGINE_RECIPE,
		lm.model.gpu().map_or_else(|| "cpu".to_owned(), |gpu| gpu.adapter_info().name.clone()),
		sprint_worker::inference::simd::detect(),
		prompt.len(),
		prompt.len() as f64 / first_token,
		first_token * 1000.0,
		(tokens - 1) as f64 / decode,
		tokens as f64 / total,
		audit * 1000.0,
		audit / tokens as f64 * 1000.0,
		audit / total,
		peak_rss_mib(),
		hex::encode(replayed.commitment),
	);
	let Some(text_path) = quality_text else { return Ok(()) };
	let float = FloatModel::load(&file)?;
	let (mut matched, mut compared) = (0, 0);
	for question in quality::PROMPTS {
		let prompt = quality::chat_prompt(&lm, question);
		let continuation = quality::float_greedy(&lm, &float, &prompt, 32);
		let (m, n) = quality::agreement(&lm, &prompt, &continuation)?;
		matched += m;
		compared += n;
	}
	let text = std::fs::read_to_string(&text_path).map_err(|e| {
		anyhow::anyhow!("cannot read the perplexity text {}: {e}", text_path.display())
	})?;
	let mut ids = lm.tokenizer.encode(&text)?;
	ids.truncate(2000);
	let ppl = quality::perplexity(&lm, &ids)?;
	let float_ppl = quality::float_perplexity(&float, lm.model.config.vocab, &ids);
	println!(
		"{{\"agreement\": {:.4}, \"matched\": {matched}, \"compared\": {compared}, \"perplexity\": {ppl:.4}, \"float_perplexity\": {float_ppl:.4}, \"perplexity_ratio\": {:.4}, \"text_tokens\": {}}}",
		matched as f64 / compared as f64,
		ppl / float_ppl,
		ids.len()
	);
	Ok(())
}

fn main() -> ExitCode {
	quiet_display_probe();
	let cli = Cli::parse();
	match cli.command {
		Command::Bench { shape, backend, threads, batch, seconds, validator } => {
			if validator {
				bench_validator(&shape)
			} else {
				bench(&shape, backend, threads, batch, seconds)
			}
		}
		Command::Keys(command) => keys(command),
		Command::Init { node, dir, import_keys, dev, listen, public_url, collateral, wait } => {
			let options = sprint_worker::init::InitOptions {
				node,
				dir,
				import_keys,
				dev,
				listen,
				public_url,
				collateral: u128::from(collateral) * 1_000_000_000,
				wait: std::time::Duration::from_secs(wait),
			};
			report(
				tokio::runtime::Runtime::new()
					.map_err(anyhow::Error::from)
					.and_then(|rt| rt.block_on(sprint_worker::init::init(&options))),
			)
		}
		Command::Status { node, key_file, account, epochs, json } => {
			report(status(&node, &key_file, account.as_deref(), epochs, json))
		}
		Command::Serve(args) => {
			init_logs();
			report(serve(args))
		}
		Command::Chat(args) => report(chat(args)),
		Command::Gateway { node, listen, api_key_file } => {
			init_logs();
			report(
				tokio::runtime::Runtime::new()
					.map_err(anyhow::Error::from)
					.and_then(|rt| rt.block_on(gateway(node, listen, api_key_file))),
			)
		}
		Command::BenchModel { model, threads, tokens, quality, text, synthetic, engine } => {
			let model = if synthetic {
				let path = std::env::temp_dir()
					.join(format!("sprint-synthetic-smollm2-{}.gguf", std::process::id()));
				let bytes =
					sprint_worker::inference::synthetic::SyntheticModel::smollm2_135m_shape()
						.to_gguf();
				if let Err(e) = std::fs::write(&path, bytes) {
					eprintln!("error: cannot write {}: {e}", path.display());
					return ExitCode::FAILURE;
				}
				Some(path)
			} else {
				model
			};
			let result =
				bench_model(model.clone(), threads, tokens, quality.then_some(text), &engine);
			if synthetic {
				if let Some(path) = model {
					let _ = std::fs::remove_file(path);
				}
			}
			report(result)
		}
		Command::Run(args) => {
			tracing_subscriber::fmt()
				.with_env_filter(
					tracing_subscriber::EnvFilter::try_from_default_env()
						.unwrap_or_else(|_| "info".into()),
				)
				.with_writer(std::io::stderr)
				.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
				.init();
			let result = args.config().and_then(|config| {
				config.validate()?;
				let lm = match &config.inference {
					Some(inference) => {
						let engine = EngineArgs {
							backend: args.inference_backend.unwrap_or(Backend::Cpu),
							gpu_context: args.inference_gpu_context,
						};
						Some(load_model(
							inference.model.clone(),
							Some(inference.threads),
							&engine,
							sprint_worker::api::Limits::default().max_batch,
						)?)
					}
					None => None,
				};
				tokio::runtime::Runtime::new()?.block_on(sprint_worker::run::run(
					config,
					args.hooks(),
					lm,
				))
			});
			match result {
				Ok(()) => ExitCode::SUCCESS,
				Err(e) => {
					eprintln!("sprint-worker run: {e:#}");
					ExitCode::FAILURE
				}
			}
		}
	}
}

fn status(
	node: &str,
	key_file: &std::path::Path,
	account: Option<&str>,
	epochs: u32,
	json: bool,
) -> anyhow::Result<()> {
	use polkadot_sdk::sp_core::{
		crypto::{Pair as _, Ss58Codec},
		sr25519,
	};
	let who = match account {
		Some(text) => {
			sr25519::Public::from_ss58check(text)
				.map_err(|e| anyhow::anyhow!("--account {text} is not an SS58 account: {e:?}"))?
				.0
		}
		None => {
			KeyFile::load(key_file)
				.with_context(|| {
					format!(
						"cannot read the key file {}: pass --key-file, or --account with the \
						 host's SS58 address",
						key_file.display()
					)
				})?
				.account
				.public()
				.0
		}
	};
	let status = tokio::runtime::Runtime::new()?
		.block_on(sprint_worker::status::status(node, who, epochs))?;
	if json {
		println!("{}", serde_json::to_string_pretty(&status)?);
	} else {
		print!("{}", status.table());
	}
	Ok(())
}

fn keys(command: KeysCommand) -> ExitCode {
	let result = match command {
		KeysCommand::Generate { key_file, dev } => {
			let file = KeyFile::generate(dev.as_deref());
			file.write_new(&key_file)
				.and_then(|()| file.keys(&key_file))
				.map(|keys| format!("wrote {}\n{}", key_file.display(), keys.describe()))
		}
		KeysCommand::Show { key_file } => KeyFile::load(&key_file).map(|keys| keys.describe()),
		KeysCommand::GenesisSecrets { key_file, chain_id, force } => {
			KeyFile::add_genesis_secrets(&key_file, &chain_id, force)
				.map(|made| made.describe(&chain_id))
		}
	};
	match result {
		Ok(text) => {
			println!("{text}");
			ExitCode::SUCCESS
		}
		Err(e) => {
			eprintln!("sprint-worker keys: {e}");
			ExitCode::FAILURE
		}
	}
}

/// Measures the PoW function on `backend` for about `seconds` and prints nonces/s and int8 GOPS
/// (2 ops per multiply-accumulate).
fn bench(
	shape: &str,
	backend: Backend,
	threads: usize,
	batch: Option<usize>,
	seconds: f64,
) -> std::process::ExitCode {
	use sprint_worker::model::{ModelShape, Weights};
	use std::time::Instant;

	let shape = match shape {
		"dev" => ModelShape::DEV,
		"production" => ModelShape::PRODUCTION,
		other => {
			eprintln!("unknown shape `{other}`: use `dev` or `production`");
			return std::process::ExitCode::from(2);
		}
	};
	if threads == 0 || batch == Some(0) || !(seconds > 0.0 && seconds.is_finite()) {
		eprintln!("--threads and --batch must be at least 1 and --seconds a positive number");
		return std::process::ExitCode::from(2);
	}
	let seed = [7u8; 32];
	let started = Instant::now();
	let weights = Weights::generate(&seed, shape);
	println!(
		"shape {shape:?}: {} MB of int8 weights generated in {:.2} s",
		shape.weight_bytes() / 1_000_000,
		started.elapsed().as_secs_f64()
	);
	let measured = match backend {
		Backend::Cpu => Ok(bench_cpu(&weights, &seed, threads, seconds)),
		Backend::Gpu => {
			let default_batch = if shape == ModelShape::DEV { 256 } else { 16 };
			bench_gpu(&weights, &seed, batch.unwrap_or(default_batch), seconds)
		}
	};
	let (what, nonces, elapsed) = match measured {
		Ok(measured) => measured,
		Err(error) => {
			eprintln!("{error}");
			return std::process::ExitCode::FAILURE;
		}
	};
	let rate = nonces as f64 / elapsed;
	let gops = rate * 2.0 * shape.macs_per_nonce() as f64 / 1e9;
	println!(
		"{what}: {nonces} nonces in {elapsed:.2} s = {rate:.1} nonces/s, {gops:.3} int8 GOPS \
		 ({} MACs per nonce)",
		shape.macs_per_nonce()
	);
	std::process::ExitCode::SUCCESS
}

/// Runs the CPU reference on fresh nonces for `seconds` on `threads` threads: what ran, nonces,
/// seconds.
fn bench_cpu(
	weights: &sprint_worker::model::Weights,
	seed: &[u8; 32],
	threads: usize,
	seconds: f64,
) -> (String, u64, f64) {
	use sprint_worker::sprint::pow;
	use std::time::{Duration, Instant};

	let budget = Duration::from_secs_f64(seconds);
	let started = Instant::now();
	let nonces: u64 = std::thread::scope(|scope| {
		let handles: Vec<_> = (0..threads)
			.map(|t| {
				scope.spawn(move || {
					let mut account = [0u8; 32];
					account[0] = t as u8;
					let mut done = 0u64;
					while started.elapsed() < budget {
						std::hint::black_box(pow::pow(weights, seed, &account, done));
						done += 1;
					}
					done
				})
			})
			.collect();
		handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
	});
	(format!("cpu reference, {threads} thread(s)"), nonces, started.elapsed().as_secs_f64())
}

/// Runs the GPU engine on batches of fresh nonces for `seconds`, digests (on the CPU) included:
/// what ran, nonces, seconds. One batch runs before the clock starts, so that drivers that
/// compile pipelines lazily are not measured.
fn bench_gpu(
	weights: &sprint_worker::model::Weights,
	seed: &[u8; 32],
	batch: usize,
	seconds: f64,
) -> anyhow::Result<(String, u64, f64)> {
	use sprint_worker::{kernels::gpu::GpuEngine, sprint::pow};
	use std::time::{Duration, Instant};

	let started = Instant::now();
	let mut engine = GpuEngine::new(weights, seed, batch)?;
	let info = engine.adapter_info();
	let adapter = format!("{} ({:?}, {:?})", info.name, info.backend, info.device_type);
	println!(
		"gpu adapter {adapter}, driver {} {}: weights uploaded and kernels built in {:.2} s",
		info.driver,
		info.driver_info,
		started.elapsed().as_secs_f64()
	);
	let account = [0u8; 32];
	let mut next = 0u64;
	let mut run_batch = |engine: &mut GpuEngine| -> anyhow::Result<u64> {
		let nonces: Vec<u64> = (next..next + batch as u64).collect();
		next += batch as u64;
		for (nonce, output) in nonces.iter().zip(engine.outputs(&account, &nonces)?) {
			std::hint::black_box(pow::digest(seed, &account, *nonce, &output));
		}
		Ok(batch as u64)
	};
	let warm_up = Instant::now();
	run_batch(&mut engine)?;
	println!("first batch of {batch} (warm-up) in {:.2} s", warm_up.elapsed().as_secs_f64());
	let budget = Duration::from_secs_f64(seconds);
	let started = Instant::now();
	let mut nonces = 0u64;
	while nonces == 0 || started.elapsed() < budget {
		nonces += run_batch(&mut engine)?;
	}
	Ok((format!("gpu {adapter}, batch {batch}"), nonces, started.elapsed().as_secs_f64()))
}

/// Prints a validator's cost per sampled leaf at `shape`: a seat's 32 samples of a 4,096-leaf
/// tree, signed by the host, checked as the runtime checks them, recomputed on the CPU.
fn bench_validator(shape: &str) -> ExitCode {
	use sprint_worker::{model::ModelShape, validate::cost};

	let shape = match shape {
		"dev" => ModelShape::DEV,
		"production" => ModelShape::PRODUCTION,
		other => {
			eprintln!("unknown shape `{other}`: use `dev` or `production`");
			return ExitCode::from(2);
		}
	};
	let c = cost::measure(shape, 4_096, 32);
	println!(
		"validator, {shape:?}, per sampled leaf: host signs {:.0} µs, opening check (sr25519 + \
		 2 paths of depth 12) {:.0} µs, CPU recompute {:.0} µs; a seat of 32 samples: {:.1} ms",
		c.sign_us,
		c.check_us,
		c.recompute_us,
		32.0 * (c.check_us + c.recompute_us) / 1e3
	);
	ExitCode::SUCCESS
}

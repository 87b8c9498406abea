//! `sprint-worker`: the process a Sprint host runs next to its node.
//!
//! Today it measures the PoW function on its CPU reference or on the GPU (`bench`). What it will
//! do is laid out in `--help` and in SPEC.md §3–§5 and §7: follow the chain, run the Sprint
//! proof-of-work on the GPU (wgpu) with a bit-exact CPU reference, commit and serve proofs,
//! validate other hosts, and serve OpenAI-compatible inference with audit proofs.

use clap::{Parser, Subcommand};

/// Sprint's worker: proves a host's compute each epoch and serves inference.
///
/// `run` and `keys` are not implemented yet: they say so and exit with an error, so that no
/// script mistakes them for working.
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
	/// (coming) Follow a sprint-node, run the Sprint each epoch, commit and serve proofs,
	/// validate the hosts in this worker's seats, and serve inference.
	Run,
	/// Measure this machine: nonces/s and int8 GOPS of the PoW function, on the CPU reference or
	/// on the GPU (wgpu; the adapter comes from the WGPU_BACKEND environment variable, e.g.
	/// `vulkan`, else from every backend).
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
	},
	/// (coming) Create and show the worker's proof key.
	Keys,
}

fn main() -> std::process::ExitCode {
	let cli = Cli::parse();
	let what = match cli.command {
		Command::Bench { shape, backend, threads, batch, seconds } => {
			return bench(&shape, backend, threads, batch, seconds)
		}
		Command::Run => "run",
		Command::Keys => "keys",
	};
	eprintln!(
		"sprint-worker {what}: not implemented yet (tracked by issue #4: the sprint, proofs and \
		 validation); today only `bench` works"
	);
	std::process::ExitCode::from(2)
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

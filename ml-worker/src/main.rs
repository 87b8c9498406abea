//! `sprint-worker`: the process a Sprint host runs next to its node.
//!
//! Today it measures the PoW function's CPU reference (`bench`). What it will do is laid out in
//! `--help` and in SPEC.md §3–§5 and §7: follow the chain, run the Sprint proof-of-work on the
//! GPU (wgpu) with a bit-exact CPU reference, commit and serve proofs, validate other hosts, and
//! serve OpenAI-compatible inference with audit proofs.

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

#[derive(Debug, Subcommand)]
enum Command {
	/// (coming) Follow a sprint-node, run the Sprint each epoch, commit and serve proofs,
	/// validate the hosts in this worker's seats, and serve inference.
	Run,
	/// Measure this machine: nonces/s and int8 GOPS of the PoW function's CPU reference (the
	/// GPU path is coming).
	Bench {
		/// The model shape: `dev` (64, 2, 4, 256, 4) or `production` (1024, 16, 16, 4096, 16).
		#[arg(long, default_value = "dev")]
		shape: String,
		/// Worker threads, each searching its own nonces.
		#[arg(long, default_value_t = 1)]
		threads: usize,
		/// How long to measure, in seconds.
		#[arg(long, default_value_t = 5.0)]
		seconds: f64,
	},
	/// (coming) Create and show the worker's proof key.
	Keys,
}

fn main() -> std::process::ExitCode {
	let cli = Cli::parse();
	let what = match cli.command {
		Command::Bench { shape, threads, seconds } => return bench(&shape, threads, seconds),
		Command::Run => "run",
		Command::Keys => "keys",
	};
	eprintln!(
		"sprint-worker {what}: not implemented yet (tracked by issue #4: the sprint, proofs and \
		 validation); today only `bench` works"
	);
	std::process::ExitCode::from(2)
}

/// Runs the CPU reference on fresh nonces for `seconds` on `threads` threads and prints
/// nonces/s and int8 GOPS (2 ops per multiply-accumulate).
fn bench(shape: &str, threads: usize, seconds: f64) -> std::process::ExitCode {
	use sprint_worker::{model::ModelShape, model::Weights, sprint::pow};
	use std::time::{Duration, Instant};

	let shape = match shape {
		"dev" => ModelShape::DEV,
		"production" => ModelShape::PRODUCTION,
		other => {
			eprintln!("unknown shape `{other}`: use `dev` or `production`");
			return std::process::ExitCode::from(2);
		}
	};
	if threads == 0 || !(seconds > 0.0 && seconds.is_finite()) {
		eprintln!("--threads must be at least 1 and --seconds a positive number");
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
	let budget = Duration::from_secs_f64(seconds);
	let started = Instant::now();
	let nonces: u64 = std::thread::scope(|scope| {
		let handles: Vec<_> = (0..threads)
			.map(|t| {
				let weights = &weights;
				scope.spawn(move || {
					let mut account = [0u8; 32];
					account[0] = t as u8;
					let mut done = 0u64;
					while started.elapsed() < budget {
						std::hint::black_box(pow::pow(weights, &seed, &account, done));
						done += 1;
					}
					done
				})
			})
			.collect();
		handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
	});
	let elapsed = started.elapsed().as_secs_f64();
	let rate = nonces as f64 / elapsed;
	let gops = rate * 2.0 * shape.macs_per_nonce() as f64 / 1e9;
	println!(
		"cpu reference, {threads} thread(s): {nonces} nonces in {elapsed:.2} s = {rate:.1} nonces/s, \
		 {gops:.3} int8 GOPS ({} MACs per nonce)",
		shape.macs_per_nonce()
	);
	std::process::ExitCode::SUCCESS
}

//! `sprint-worker`: the process a Sprint host runs next to its node.
//!
//! Today it only describes itself: the chain foundation (issue #2) comes first. What it will do
//! is laid out in `--help` and in SPEC.md §3–§5 and §7: follow the chain, run the Sprint
//! proof-of-work on the GPU (wgpu) with a bit-exact CPU reference, commit and serve proofs,
//! validate other hosts, and serve OpenAI-compatible inference with audit proofs.

use clap::{Parser, Subcommand};

/// Sprint's worker: proves a host's compute each epoch and serves inference.
///
/// Not yet implemented beyond this help: the subcommands below say what is coming and exit
/// with an error, so that no script mistakes them for working.
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
	/// (coming) Measure this machine: nonces/s and int8 GOPS of the CPU reference and the GPU.
	Bench,
	/// (coming) Create and show the worker's proof key.
	Keys,
}

fn main() -> std::process::ExitCode {
	let cli = Cli::parse();
	let what = match cli.command {
		Command::Run => "run",
		Command::Bench => "bench",
		Command::Keys => "keys",
	};
	eprintln!(
		"sprint-worker {what}: not implemented yet (tracked by issue #4: the Sprint \
		 proof-of-work, proofs and validation); this build only provides --help"
	);
	std::process::ExitCode::from(2)
}

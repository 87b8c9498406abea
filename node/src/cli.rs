//! The command line: `sprint-node [run options]` starts a node; subcommands manage keys, chain
//! specs, the database and benchmarks.

#[cfg(feature = "benchmark")]
use polkadot_sdk::frame_benchmarking_cli::BenchmarkCmd;
use polkadot_sdk::sc_cli;

/// The block interval of `--dev` when `--dev-block-time` is not given, in milliseconds.
pub const DEFAULT_DEV_BLOCK_TIME_MS: u64 = 1_000;

#[derive(Debug, clap::Parser)]
#[command(
	propagate_version = true,
	args_conflicts_with_subcommands = true,
	subcommand_negates_reqs = true
)]
pub struct Cli {
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	#[clap(flatten)]
	pub run: RunCmd,
}

/// Options of a running node: every standard Substrate option, plus the dev block interval.
#[derive(Debug, clap::Args)]
pub struct RunCmd {
	#[clap(flatten)]
	pub base: sc_cli::RunCmd,

	/// With `--dev`: seal (and finalize) one block every this many milliseconds, with or without
	/// transactions, so that epochs (counted in blocks) pass quickly. Chain time then advances by
	/// at least one Aura slot (6 s) per block, ahead of the wall clock when the interval is
	/// shorter than a slot. Ignored without `--dev`.
	#[arg(long, value_name = "MILLISECONDS", default_value_t = DEFAULT_DEV_BLOCK_TIME_MS,
		value_parser = clap::value_parser!(u64).range(50..=600_000))]
	pub dev_block_time: u64,
}

#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management: generate, inspect and insert keys (`insert` puts a validator's Aura and
	/// GRANDPA keys into the node's keystore).
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (deprecated upstream in favour of `export-chain-spec`).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export a chain specification (`--chain dev|local|mainnet-template|PATH`, `--raw`).
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain database.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Benchmarks: runtime pallets (needs a node built with `--features runtime-benchmarks`),
	/// storage, block and extrinsic overhead, and this machine.
	#[cfg(feature = "benchmark")]
	#[command(subcommand)]
	Benchmark(BenchmarkCmd),

	/// Benchmarks are not in this build: build sprint-node with `--features benchmark` (machine,
	/// block) or `--features runtime-benchmarks` (pallets too).
	#[cfg(not(feature = "benchmark"))]
	#[command(disable_help_flag = true)]
	Benchmark {
		/// What the benchmark subcommand was given (ignored: it is not in this build).
		#[arg(trailing_var_arg = true, allow_hyphen_values = true)]
		args: Vec<String>,
	},

	/// Database meta columns information.
	ChainInfo(sc_cli::ChainInfoCmd),
}

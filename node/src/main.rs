//! `sprint-node`: Sprint's node. Aura + GRANDPA on production chains, a timer-driven manual seal
//! with `--dev`, ParityDB storage, and the standard JSON-RPC set that polkadot-js speaks.

// sc-cli's runner API returns its own `sc_cli::Error`, which is large; boxing it would only move
// the conversion into every closure handed to the runner.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod dev_seal;
mod rpc;
mod service;

fn main() -> polkadot_sdk::sc_cli::Result<()> {
	command::run()
}

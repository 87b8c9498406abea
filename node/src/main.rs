//! `sprint-node`: Sprint's node. Aura + GRANDPA on production chains, a timer-driven manual seal
//! with `--dev`, ParityDB storage, and the standard JSON-RPC set that polkadot-js speaks.

mod chain_spec;
mod cli;
mod command;
mod dev_seal;
mod rpc;
mod service;

fn main() -> polkadot_sdk::sc_cli::Result<()> {
	command::run()
}

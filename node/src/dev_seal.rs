//! `--dev` block production: a timer seals one block every `--dev-block-time` milliseconds,
//! with or without transactions, so that epochs (counted in blocks) pass in seconds, and
//! finalizes it at the next tick.
//!
//! The runtime still runs pallet-aura and pallet-timestamp, which insist that every block is in
//! a later Aura slot than its parent and that its timestamp falls in that slot. So each block
//! gets the slot `max(now's slot, parent's slot + 1)` and the timestamp at that slot's start:
//! when blocks come faster than one per slot (6 s), chain time runs ahead of the wall clock.
//! Restarting on the same database picks up from the parent's slot, so it never goes back.

use std::{error::Error, sync::Arc, time::Duration};

use futures::{
	channel::{mpsc, oneshot},
	FutureExt, SinkExt,
};
use polkadot_sdk::{
	sc_consensus_aura, sc_consensus_manual_seal as manual_seal,
	sc_consensus_manual_seal::{consensus::aura::AuraConsensusDataProvider, EngineCommand},
	sc_service::{error::Error as ServiceError, TaskManager},
	sp_consensus_aura::{sr25519::AuthoritySignature, Slot, SlotDuration},
	sp_core::H256,
	sp_timestamp,
};
use sprint_runtime::opaque::Block;

use crate::service::{FullClient, FullSelectChain, TransactionPool};

/// The slot of the next block: at least the current wall-clock slot, always after the parent's.
pub fn next_slot(
	parent_slot: Option<Slot>,
	now: sp_timestamp::Timestamp,
	slot: SlotDuration,
) -> Slot {
	let now_slot = Slot::from_timestamp(now, slot);
	match parent_slot {
		Some(parent) if parent >= now_slot => parent + 1,
		_ => now_slot,
	}
}

/// Starts the timer and the manual-seal authorship task.
pub fn start(
	task_manager: &TaskManager,
	client: Arc<FullClient>,
	pool: Arc<TransactionPool>,
	select_chain: FullSelectChain,
	proposer: polkadot_sdk::sc_basic_authorship::ProposerFactory<TransactionPool, FullClient>,
	block_time: Duration,
) -> Result<(), ServiceError> {
	let slot_duration = sc_consensus_aura::slot_duration(&*client)?;

	// One command at a time: the timer waits for each block to be sealed, so when sealing falls
	// behind, ticks are delayed instead of queued and the node never bursts blocks to catch up.
	// Each tick first finalizes the block sealed at the previous tick, then seals a new one:
	// finality lags one block, as on a real chain, so that clients see a transaction `InBlock`
	// before it is `Finalized` (finalizing in the same step hides `InBlock` from them).
	let (mut sink, commands_stream) = mpsc::channel::<EngineCommand<H256>>(1);
	task_manager.spawn_handle().spawn("dev-block-timer", None, async move {
		let mut interval = tokio::time::interval(block_time);
		interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
		let mut unfinalized: Option<H256> = None;
		loop {
			interval.tick().await;
			if let Some(hash) = unfinalized.take() {
				let finalize =
					EngineCommand::FinalizeBlock { hash, sender: None, justification: None };
				if sink.send(finalize).await.is_err() {
					break;
				}
			}
			let (sender, created) = oneshot::channel();
			let seal = EngineCommand::SealNewBlock {
				create_empty: true,
				finalize: false,
				parent_hash: None,
				sender: Some(sender),
			};
			if sink.send(seal).await.is_err() {
				break;
			}
			match created.await {
				Ok(Ok(block)) => unfinalized = Some(block.hash),
				Ok(Err(e)) => log::warn!("dev block timer: sealing failed: {e}"),
				Err(_) => break,
			}
		}
	});

	let inherent_client = client.clone();
	let create_inherent_data_providers = move |parent_hash: H256, ()| {
		let client = inherent_client.clone();
		async move {
			let parent = client
				.header(parent_hash)?
				.ok_or_else(|| format!("parent block {parent_hash} is not in the database"))?;
			// The genesis block has no Aura pre-digest.
			let parent_slot =
				sc_consensus_aura::find_pre_digest::<Block, AuthoritySignature>(&parent).ok();
			let slot = next_slot(parent_slot, sp_timestamp::Timestamp::current(), slot_duration);
			let timestamp = sp_timestamp::Timestamp::new(*slot * slot_duration.as_millis());
			Ok::<_, Box<dyn Error + Send + Sync>>(sp_timestamp::InherentDataProvider::new(
				timestamp,
			))
		}
	};

	let params = manual_seal::ManualSealParams {
		block_import: client.clone(),
		env: proposer,
		client: client.clone(),
		pool,
		select_chain,
		commands_stream: Box::pin(commands_stream),
		consensus_data_provider: Some(Box::new(AuraConsensusDataProvider::new(client))),
		create_inherent_data_providers,
	};
	task_manager.spawn_essential_handle().spawn_blocking(
		"manual-seal",
		Some("block-authoring"),
		manual_seal::run_manual_seal(params).boxed(),
	);
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	const SIX_SECONDS: SlotDuration = SlotDuration::from_millis(6_000);

	#[test]
	fn first_block_takes_the_wall_clock_slot() {
		let now = sp_timestamp::Timestamp::new(60_000);
		assert_eq!(next_slot(None, now, SIX_SECONDS), Slot::from(10));
	}

	#[test]
	fn a_block_sealed_within_its_parents_slot_moves_to_the_next_slot() {
		let now = sp_timestamp::Timestamp::new(61_000);
		assert_eq!(next_slot(Some(Slot::from(10)), now, SIX_SECONDS), Slot::from(11));
		// Chain time ahead of the wall clock: still strictly after the parent.
		assert_eq!(next_slot(Some(Slot::from(50)), now, SIX_SECONDS), Slot::from(51));
	}

	#[test]
	fn after_a_pause_the_slot_catches_up_with_the_wall_clock() {
		let now = sp_timestamp::Timestamp::new(600_000);
		assert_eq!(next_slot(Some(Slot::from(10)), now, SIX_SECONDS), Slot::from(100));
	}
}

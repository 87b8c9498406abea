//! The validator's per-epoch secret (docs/protocol.md §4): committed as `blake2_256(secret_e)`
//! before epoch e's commit window, revealed with the first verdict chunk.
//!
//! The worker derives it from its account's secret key rather than drawing and storing it:
//! `secret_e = blake2_256(SCALE(("sprint/validator-secret", account secret, genesis, e)))`. No
//! one without the key can predict it, and a restart — even with a lost data directory — finds
//! the same secret, so a committed secret can never be lost.

use codec::Encode;
use polkadot_sdk::{sp_core::H256, sp_crypto_hashing::blake2_256};
use sprint_core::EpochIndex;

/// This worker's secret for `epoch`.
pub fn derived(account_secret: &[u8], genesis_hash: &H256, epoch: EpochIndex) -> H256 {
	H256(blake2_256(&("sprint/validator-secret", account_secret, genesis_hash, epoch).encode()))
}

/// The public dev secret genesis commits for dev seed `seed` (dev and local chains only):
/// `blake2_256("//{seed}//sprint-secret//{epoch}")`.
pub fn dev(seed: &str, epoch: EpochIndex) -> H256 {
	H256(blake2_256(format!("//{seed}//sprint-secret//{epoch}").as_bytes()))
}

/// What is committed on chain for `secret`.
pub fn commitment(secret: &H256) -> H256 {
	H256(blake2_256(secret.as_bytes()))
}

/// The secret among `candidates` whose commitment is `committed`.
pub fn matching(committed: &H256, candidates: impl IntoIterator<Item = H256>) -> Option<H256> {
	candidates.into_iter().find(|s| commitment(s) == *committed)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn alices_dev_secret_is_the_one_in_the_dev_chain_spec() {
		// chain-specs/dev.json: poc.secretCommitments[Alice] for epoch 0.
		let committed = "dbf084c4b7b451cc5e3e364cee6ca1d7eb089c02fb37b97af1e6383c112aa4a6";
		assert_eq!(hex::encode(commitment(&dev("Alice", 0))), committed);
	}

	#[test]
	fn derived_secrets_differ_by_epoch_chain_and_key() {
		let genesis = H256::repeat_byte(1);
		let a = derived(b"key-a", &genesis, 3);
		assert_eq!(a, derived(b"key-a", &genesis, 3), "a restart finds the same secret");
		assert_ne!(a, derived(b"key-a", &genesis, 4));
		assert_ne!(a, derived(b"key-b", &genesis, 3));
		assert_ne!(a, derived(b"key-a", &H256::repeat_byte(2), 3));
		assert_eq!(matching(&commitment(&a), [dev("Alice", 3), a]), Some(a));
		assert_eq!(matching(&commitment(&a), [dev("Alice", 3)]), None);
	}
}

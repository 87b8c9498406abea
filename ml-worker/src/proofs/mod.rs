//! Proofs: a committed sprint (its leaves and Merkle tree, docs/protocol.md §4), the signed
//! openings cut from it, and the HTTP server that hands them to validators.

pub mod server;

use codec::Encode;
use polkadot_sdk::sp_core::{crypto::Pair as _, sr25519, H256};
use sprint_core::{
	merkle::{Hash32, Tree},
	opening::{signing_payload, Fault},
	Commitment, EpochIndex, Leaf, Opening, SignedOpening,
};

use crate::chain::AccountId;

/// A sprint this host committed: everything needed to open any leaf.
pub struct Committed {
	pub epoch: EpochIndex,
	pub host: AccountId,
	pub commitment: Commitment,
	leaves: Vec<(u64, Hash32)>,
	tree: Tree,
}

impl Committed {
	/// The commitment of `leaves` (sorted strictly by nonce) under `proof_key`.
	pub fn new(
		epoch: EpochIndex,
		host: AccountId,
		leaves: Vec<(u64, Hash32)>,
		proof_key: [u8; 32],
	) -> Self {
		let tree = Tree::new(&leaves);
		let commitment =
			Commitment { root: H256(tree.root()), count: leaves.len() as u32, proof_key };
		Self { epoch, host, commitment, leaves, tree }
	}

	/// The opening of leaf `index` (`None` past the last leaf).
	pub fn open(&self, index: u32) -> Option<Opening> {
		let leaf = |i: usize| {
			self.leaves.get(i).map(|(nonce, digest)| Leaf { nonce: *nonce, digest: H256(*digest) })
		};
		let path = |i: u32| {
			let path: Vec<H256> = self.tree.path(i).into_iter().map(H256).collect();
			path.try_into().expect("a tree of ≤ 2^32 leaves is ≤ 32 deep; qed")
		};
		let next = leaf(index as usize + 1).map(|next| (next, path(index + 1)));
		Some(Opening { index, leaf: leaf(index as usize)?, path: path(index), next })
	}

	/// The opening of leaf `index`, signed by `proof_key` for `genesis_hash`.
	pub fn signed_opening(
		&self,
		index: u32,
		proof_key: &sr25519::Pair,
		genesis_hash: &H256,
	) -> Option<SignedOpening> {
		let opening = self.open(index)?;
		let payload =
			signing_payload(genesis_hash, self.epoch, &self.host, &self.commitment, &opening);
		let signature = proof_key.sign(&payload).0;
		Some(SignedOpening { opening, signature })
	}

	/// The SCALE bytes of a signed opening, as the proof server sends them.
	pub fn encoded(opening: &SignedOpening) -> String {
		format!("0x{}", hex::encode(opening.encode()))
	}
}

/// Checks a signed opening exactly as the runtime does ([`sprint_core::opening::check`]), with
/// sp-core's sr25519 verification where the runtime uses its host function.
pub fn check(
	signed: &SignedOpening,
	proof_key: &[u8; 32],
	genesis_hash: &H256,
	epoch: EpochIndex,
	host: &AccountId,
	commitment: &Commitment,
	target: &H256,
) -> Result<(), Fault> {
	let verify = |message: &[u8], signature: &[u8; 64], public: &[u8; 32]| {
		sr25519::Pair::verify(
			&sr25519::Signature::from_raw(*signature),
			message,
			&sr25519::Public::from_raw(*public),
		)
	};
	sprint_core::opening::check(
		&verify,
		signed,
		proof_key,
		genesis_hash,
		epoch,
		host,
		commitment,
		target,
	)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn signed_openings_pass_the_runtime_check_and_bind_the_commitment() {
		let leaves: Vec<(u64, Hash32)> = (0..5u64).map(|n| (3 * n + 1, [n as u8; 32])).collect();
		let proof = sr25519::Pair::from_string("//Bob//proof", None).expect("dev URI");
		let host = [2u8; 32];
		let committed = Committed::new(4, host, leaves, proof.public().0);
		let genesis = H256::repeat_byte(9);
		let target = H256::repeat_byte(0xff);
		for index in 0..5 {
			let signed = committed.signed_opening(index, &proof, &genesis).expect("in range");
			assert_eq!(signed.opening.next.is_none(), index == 4, "the last leaf has no successor");
			let verdict = check(
				&signed,
				&proof.public().0,
				&genesis,
				4,
				&host,
				&committed.commitment,
				&target,
			);
			assert_eq!(verdict, Ok(()), "index {index}");
			let other_epoch = check(
				&signed,
				&proof.public().0,
				&genesis,
				5,
				&host,
				&committed.commitment,
				&target,
			);
			assert!(other_epoch.is_err(), "not replayable in another epoch");
		}
		assert!(committed.signed_opening(5, &proof, &genesis).is_none());
	}
}

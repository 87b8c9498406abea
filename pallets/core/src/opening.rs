//! Signed openings (docs/protocol.md §4) and the checks the runtime makes on them.
//!
//! An opening of index `i` is `(i, leaf_i, path_i, leaf_{i+1}, path_{i+1})`; the last leaf has no
//! successor. The host signs it with its registered proof key (sr25519) over
//!
//! ```text
//! SCALE(("sprint/opening", genesis_hash, epoch, host, root, count, opening))
//! ```
//!
//! where `"sprint/opening"` is a SCALE string (compact length, then the bytes). Binding the
//! genesis hash, epoch, host, root and count means an opening can never be replayed against
//! another chain, epoch, host or commitment: its signature would not verify there.
//!
//! A validly signed opening is the host's own statement, so when it fails a check that needs no
//! PoW it proves fraud by itself, with no vote. Two kinds, because they prove different things
//! (docs/protocol.md §4):
//! - a broken path or broken order ([`Fault::BrokenProof`]) proves the host signed a lie, but
//!   not what its tree holds at that index: it makes no other seat lazy (otherwise a throwaway
//!   host could serve one seat a broken opening and get every honest `Valid` seat slashed);
//! - paths and order that verify, with `digest ≥ target` ([`Fault::BadLeaf`]), prove a bad leaf
//!   *as committed*: a `Valid` whose sampled indices include it is lazy.
//!
//! An opening whose signature does not verify proves nothing about the host and is refused
//! ([`Fault::BadSignature`]).

use codec::Encode;
use primitive_types::H256;

use crate::{
	merkle,
	types::{Commitment, EpochIndex, Leaf, Opening, SignedOpening},
};

/// Verifies an sr25519 signature: `verify(message, signature, public key)`. The runtime passes
/// one that calls its host function (sp-io), the worker one from sp-core; this crate carries no
/// signature code of its own, so it needs neither.
pub trait Sr25519Verify {
	/// Whether `signature` is `public`'s sr25519 signature over `message`.
	fn verify(&self, message: &[u8], signature: &[u8; 64], public: &[u8; 32]) -> bool;
}

impl<F: Fn(&[u8], &[u8; 64], &[u8; 32]) -> bool> Sr25519Verify for F {
	fn verify(&self, message: &[u8], signature: &[u8; 64], public: &[u8; 32]) -> bool {
		self(message, signature, public)
	}
}

/// The domain tag of the signing payload.
pub const OPENING_TAG: &str = "sprint/opening";

/// What is wrong with an opening.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fault {
	/// The signature is not the host's proof key's over this opening, epoch and commitment.
	BadSignature,
	/// Signed by the host, but a path does not lead to the root or the successor breaks the
	/// strict order: fraud, no vote needed, but nothing proven about the tree's content.
	BrokenProof,
	/// Signed by the host, paths and order verify, and the leaf's digest is not below the
	/// target: a bad leaf as committed, fraud with no vote.
	BadLeaf,
}

/// The bytes the host signs for `opening`.
pub fn signing_payload<AccountId: Encode>(
	genesis_hash: &H256,
	epoch: EpochIndex,
	host: &AccountId,
	commitment: &Commitment,
	opening: &Opening,
) -> alloc::vec::Vec<u8> {
	(OPENING_TAG, genesis_hash, epoch, host, commitment.root, commitment.count, opening).encode()
}

/// Whether the leaf is a valid nonce: its digest, big-endian, is below the target.
pub fn meets_target(leaf: &Leaf, target: &H256) -> bool {
	leaf.digest < *target
}

fn proves_leaf(commitment: &Commitment, index: u32, leaf: &Leaf, path: &[H256]) -> bool {
	let path: alloc::vec::Vec<merkle::Hash32> = path.iter().map(|h| h.0).collect();
	merkle::verify_leaf(
		&commitment.root.0,
		commitment.count,
		index,
		leaf.nonce,
		&leaf.digest.0,
		&path,
	)
}

/// Checks `signed` against the host's proof key, commitment and target: `Ok` when it is a sound
/// opening of a leaf of that commitment (its digest still unverified: only the PoW can tell).
/// `verifier` checks the sr25519 signature.
#[allow(clippy::too_many_arguments)]
pub fn check<AccountId: Encode>(
	verifier: &impl Sr25519Verify,
	signed: &SignedOpening,
	proof_key: &[u8; 32],
	genesis_hash: &H256,
	epoch: EpochIndex,
	host: &AccountId,
	commitment: &Commitment,
	target: &H256,
) -> Result<(), Fault> {
	let opening = &signed.opening;
	let payload = signing_payload(genesis_hash, epoch, host, commitment, opening);
	if !verifier.verify(payload.as_slice(), &signed.signature, proof_key) {
		return Err(Fault::BadSignature);
	}
	if !proves_leaf(commitment, opening.index, &opening.leaf, &opening.path) {
		return Err(Fault::BrokenProof);
	}
	let is_last = opening.index.checked_add(1) == Some(commitment.count);
	let ordered = match (&opening.next, is_last) {
		(None, true) => true,
		(Some((next, next_path)), false) => {
			next.nonce > opening.leaf.nonce
				&& proves_leaf(commitment, opening.index + 1, next, next_path)
		}
		// A successor after the last leaf, or none before it: the host signed a lie.
		_ => false,
	};
	if !ordered {
		return Err(Fault::BrokenProof);
	}
	if !meets_target(&opening.leaf, target) {
		return Err(Fault::BadLeaf);
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::merkle::Tree;
	use polkadot_sdk::sp_core::{sr25519, Pair};

	/// sp-core's sr25519 verification, as the worker passes it.
	fn check<AccountId: Encode>(
		signed: &SignedOpening,
		proof_key: &[u8; 32],
		genesis_hash: &H256,
		epoch: EpochIndex,
		host: &AccountId,
		commitment: &Commitment,
		target: &H256,
	) -> Result<(), Fault> {
		let verifier = |m: &[u8], s: &[u8; 64], k: &[u8; 32]| {
			sr25519::Pair::verify(
				&sr25519::Signature::from_raw(*s),
				m,
				&sr25519::Public::from_raw(*k),
			)
		};
		super::check(&verifier, signed, proof_key, genesis_hash, epoch, host, commitment, target)
	}

	const GENESIS: H256 = H256::repeat_byte(0x99);
	const HOST: u64 = 7;

	fn leaves(n: u64) -> alloc::vec::Vec<(u64, [u8; 32])> {
		(0..n).map(|i| (10 * i + 1, [0x01; 32])).collect()
	}

	fn opening_of(tree: &Tree, leaves: &[(u64, [u8; 32])], index: u32) -> Opening {
		let leaf = |i: usize| Leaf { nonce: leaves[i].0, digest: H256(leaves[i].1) };
		let path = |i: u32| tree.path(i).into_iter().map(H256).collect::<alloc::vec::Vec<_>>();
		Opening {
			index,
			leaf: leaf(index as usize),
			path: path(index).try_into().expect("depth ≤ 32"),
			next: ((index as usize + 1) < leaves.len()).then(|| {
				(leaf(index as usize + 1), path(index + 1).try_into().expect("depth ≤ 32"))
			}),
		}
	}

	fn sign(pair: &sr25519::Pair, epoch: EpochIndex, c: &Commitment, o: Opening) -> SignedOpening {
		let payload = signing_payload(&GENESIS, epoch, &HOST, c, &o);
		SignedOpening { opening: o, signature: pair.sign(&payload).0 }
	}

	fn setup(n: u64) -> (sr25519::Pair, Tree, alloc::vec::Vec<(u64, [u8; 32])>, Commitment) {
		let pair = sr25519::Pair::from_seed(&[5; 32]);
		let leaves = leaves(n);
		let tree = Tree::new(&leaves);
		let commitment =
			Commitment { root: H256(tree.root()), count: n as u32, proof_key: [0; 32] };
		(pair, tree, leaves, commitment)
	}

	const TARGET: H256 = H256::repeat_byte(0x02);

	#[test]
	fn a_sound_opening_passes_including_the_last_leaf() {
		let (pair, tree, leaves, c) = setup(5);
		for i in 0..5 {
			let signed = sign(&pair, 3, &c, opening_of(&tree, &leaves, i));
			assert_eq!(check(&signed, &pair.public().0, &GENESIS, 3, &HOST, &c, &TARGET), Ok(()));
		}
	}

	#[test]
	fn a_replayed_opening_from_another_epoch_or_root_does_not_verify() {
		let (pair, tree, leaves, c) = setup(5);
		let signed = sign(&pair, 3, &c, opening_of(&tree, &leaves, 1));
		let key = pair.public().0;
		assert_eq!(check(&signed, &key, &GENESIS, 4, &HOST, &c, &TARGET), Err(Fault::BadSignature));
		let other = Commitment { root: H256::repeat_byte(3), count: 5, proof_key: [0; 32] };
		assert_eq!(
			check(&signed, &key, &GENESIS, 3, &HOST, &other, &TARGET),
			Err(Fault::BadSignature)
		);
		assert_eq!(check(&signed, &key, &GENESIS, 3, &8u64, &c, &TARGET), Err(Fault::BadSignature));
		let stranger = sr25519::Pair::from_seed(&[6; 32]).public().0;
		assert_eq!(
			check(&signed, &stranger, &GENESIS, 3, &HOST, &c, &TARGET),
			Err(Fault::BadSignature)
		);
	}

	#[test]
	fn a_signed_bad_path_or_broken_order_is_a_broken_proof_and_a_missed_target_a_bad_leaf() {
		let (pair, tree, leaves, c) = setup(5);
		let key = pair.public().0;

		let mut bad_path = opening_of(&tree, &leaves, 1);
		bad_path.path[0].0[0] ^= 1;
		let signed = sign(&pair, 3, &c, bad_path);
		assert_eq!(check(&signed, &key, &GENESIS, 3, &HOST, &c, &TARGET), Err(Fault::BrokenProof));

		let mut out_of_order = opening_of(&tree, &leaves, 1);
		if let Some((next, _)) = out_of_order.next.as_mut() {
			next.nonce = 0;
		}
		let signed = sign(&pair, 3, &c, out_of_order);
		assert_eq!(check(&signed, &key, &GENESIS, 3, &HOST, &c, &TARGET), Err(Fault::BrokenProof));

		let mut no_successor = opening_of(&tree, &leaves, 1);
		no_successor.next = None;
		let signed = sign(&pair, 3, &c, no_successor);
		assert_eq!(check(&signed, &key, &GENESIS, 3, &HOST, &c, &TARGET), Err(Fault::BrokenProof));

		let signed = sign(&pair, 3, &c, opening_of(&tree, &leaves, 1));
		let low_target = H256::repeat_byte(0x01);
		assert_eq!(check(&signed, &key, &GENESIS, 3, &HOST, &c, &low_target), Err(Fault::BadLeaf));
	}

	#[test]
	fn equal_nonces_are_not_strictly_ordered() {
		let pair = sr25519::Pair::from_seed(&[5; 32]);
		let leaves = vec![(4u64, [1u8; 32]), (4, [1u8; 32]), (9, [1u8; 32])];
		let tree = Tree::new(&leaves);
		let c = Commitment { root: H256(tree.root()), count: 3, proof_key: [0; 32] };
		let signed = sign(&pair, 0, &c, opening_of(&tree, &leaves, 0));
		assert_eq!(
			check(&signed, &pair.public().0, &GENESIS, 0, &HOST, &c, &TARGET),
			Err(Fault::BrokenProof)
		);
	}
}

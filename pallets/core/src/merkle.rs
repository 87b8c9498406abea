//! The commitment tree (docs/protocol.md §4), shared by pallet-poc (which checks openings) and the
//! worker (which builds trees and serves openings), so both hash exactly alike.
//!
//! - Leaves are a host's valid `(nonce, digest)` pairs, sorted strictly by nonce.
//! - `leaf = blake2_256("sprint/leaf" ‖ nonce (u64 LE) ‖ digest)`;
//!   `node = blake2_256("sprint/node" ‖ left ‖ right)`: separate domain tags, so a leaf can never
//!   pass for an inner node.
//! - The tree is padded to a power of two with [`empty_leaf`] (never a duplicated node, which
//!   would let a host claim a leaf twice); its depth is ⌈log2 count⌉ and the bits of an index,
//!   lowest first, say left (0) or right (1) at each level from the bottom.
//! - The committed root binds the count: `blake2_256("sprint/root" ‖ count (u32 LE) ‖ tree root)`.

use alloc::{vec, vec::Vec};
use polkadot_sdk::sp_crypto_hashing::blake2_256;

/// A 32-byte hash.
pub type Hash32 = [u8; 32];

const LEAF_TAG: &[u8] = b"sprint/leaf";
const NODE_TAG: &[u8] = b"sprint/node";
const ROOT_TAG: &[u8] = b"sprint/root";

/// The padding leaf: `blake2_256("sprint/empty")`.
pub fn empty_leaf() -> Hash32 {
	blake2_256(b"sprint/empty")
}

/// The hash of leaf `(nonce, digest)`.
pub fn leaf_hash(nonce: u64, digest: &Hash32) -> Hash32 {
	let mut data = [0u8; 11 + 8 + 32];
	data[..11].copy_from_slice(LEAF_TAG);
	data[11..19].copy_from_slice(&nonce.to_le_bytes());
	data[19..].copy_from_slice(digest);
	blake2_256(&data)
}

/// The hash of an inner node.
pub fn node_hash(left: &Hash32, right: &Hash32) -> Hash32 {
	let mut data = [0u8; 11 + 64];
	data[..11].copy_from_slice(NODE_TAG);
	data[11..43].copy_from_slice(left);
	data[43..].copy_from_slice(right);
	blake2_256(&data)
}

/// The committed root: the count bound to the tree root.
pub fn committed_root(count: u32, tree_root: &Hash32) -> Hash32 {
	let mut data = [0u8; 11 + 4 + 32];
	data[..11].copy_from_slice(ROOT_TAG);
	data[11..15].copy_from_slice(&count.to_le_bytes());
	data[15..].copy_from_slice(tree_root);
	blake2_256(&data)
}

/// ⌈log2 count⌉: the depth of a tree of `count` leaves (0 for a single leaf).
pub fn depth(count: u32) -> u32 {
	count.max(1).next_power_of_two().trailing_zeros()
}

/// The root that `leaf` at `index` with sibling `path` (bottom-up) leads to, or `None` when the
/// path's length is not the tree's depth or the index is out of range.
pub fn root_from_path(leaf: &Hash32, index: u32, count: u32, path: &[Hash32]) -> Option<Hash32> {
	if index >= count || path.len() != depth(count) as usize {
		return None;
	}
	let mut node = *leaf;
	for (level, sibling) in path.iter().enumerate() {
		node = if (index >> level) & 1 == 0 {
			node_hash(&node, sibling)
		} else {
			node_hash(sibling, &node)
		};
	}
	Some(node)
}

/// Whether `(nonce, digest)` is leaf `index` of the tree committed as `root` with `count` leaves.
pub fn verify_leaf(
	root: &Hash32,
	count: u32,
	index: u32,
	nonce: u64,
	digest: &Hash32,
	path: &[Hash32],
) -> bool {
	root_from_path(&leaf_hash(nonce, digest), index, count, path)
		.is_some_and(|tree_root| committed_root(count, &tree_root) == *root)
}

/// A whole tree, for the worker, tests and benchmarks: every level, bottom first.
pub struct Tree {
	levels: Vec<Vec<Hash32>>,
	count: u32,
}

impl Tree {
	/// Builds the tree of `leaves` (already sorted strictly by nonce: the caller's duty).
	pub fn new(leaves: &[(u64, Hash32)]) -> Self {
		let count = leaves.len() as u32;
		let width = (leaves.len().max(1)).next_power_of_two();
		let mut level: Vec<Hash32> = leaves.iter().map(|(n, d)| leaf_hash(*n, d)).collect();
		level.resize(width, empty_leaf());
		let mut levels = vec![level];
		while levels.last().map_or(0, Vec::len) > 1 {
			let below = levels.last().expect("levels is never empty; qed");
			levels.push(below.chunks(2).map(|pair| node_hash(&pair[0], &pair[1])).collect());
		}
		Self { levels, count }
	}

	/// The committed root (count bound in).
	pub fn root(&self) -> Hash32 {
		let top = self.levels.last().and_then(|l| l.first()).copied().unwrap_or_else(empty_leaf);
		committed_root(self.count, &top)
	}

	/// The sibling path of leaf `index`, bottom-up.
	pub fn path(&self, index: u32) -> Vec<Hash32> {
		let mut index = index as usize;
		let mut path = Vec::with_capacity(self.levels.len());
		for level in &self.levels[..self.levels.len() - 1] {
			path.push(level[index ^ 1]);
			index /= 2;
		}
		path
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn leaves(n: u64) -> Vec<(u64, Hash32)> {
		(0..n).map(|i| (i * 7 + 3, blake2_256(&i.to_le_bytes()))).collect()
	}

	#[test]
	fn every_leaf_of_trees_of_every_size_verifies_against_the_committed_root() {
		for n in [1u64, 2, 3, 4, 5, 7, 8, 9, 16, 33] {
			let leaves = leaves(n);
			let tree = Tree::new(&leaves);
			for (i, (nonce, digest)) in leaves.iter().enumerate() {
				let path = tree.path(i as u32);
				assert_eq!(path.len() as u32, depth(n as u32));
				assert!(
					verify_leaf(&tree.root(), n as u32, i as u32, *nonce, digest, &path),
					"n={n} i={i}"
				);
			}
		}
	}

	#[test]
	fn a_wrong_leaf_index_path_or_count_does_not_verify() {
		let leaves = leaves(5);
		let tree = Tree::new(&leaves);
		let (nonce, digest) = leaves[2];
		let path = tree.path(2);
		assert!(!verify_leaf(&tree.root(), 5, 3, nonce, &digest, &path));
		assert!(!verify_leaf(&tree.root(), 5, 2, nonce + 1, &digest, &path));
		assert!(!verify_leaf(&tree.root(), 6, 2, nonce, &digest, &path));
		assert!(!verify_leaf(&tree.root(), 5, 2, nonce, &digest, &path[..2]));
		let mut bad = path.clone();
		bad[0][0] ^= 1;
		assert!(!verify_leaf(&tree.root(), 5, 2, nonce, &digest, &bad));
		// Padding positions are not leaves.
		assert!(!verify_leaf(&tree.root(), 5, 5, nonce, &digest, &tree.path(5)));
	}

	#[test]
	fn leaf_and_node_hashes_are_domain_separated() {
		let a = [1u8; 32];
		let b = [2u8; 32];
		assert_ne!(node_hash(&a, &b), leaf_hash(u64::from_le_bytes([1; 8]), &b));
		assert_ne!(empty_leaf(), leaf_hash(0, &[0; 32]));
	}

	#[test]
	fn the_count_is_bound_into_the_root() {
		let tree = Tree::new(&leaves(4));
		let top = node_hash(
			&node_hash(&leaf_hash(3, &leaves(4)[0].1), &leaf_hash(10, &leaves(4)[1].1)),
			&node_hash(&leaf_hash(17, &leaves(4)[2].1), &leaf_hash(24, &leaves(4)[3].1)),
		);
		assert_eq!(tree.root(), committed_root(4, &top));
		assert_ne!(committed_root(3, &top), committed_root(4, &top));
	}
}

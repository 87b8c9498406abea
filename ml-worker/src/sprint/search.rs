//! The nonce search on the CPU reference: nonces in order from a start, valid ones (digest below
//! the target) appended to the [`LeafStore`](super::leaves::LeafStore) in batches, so a crash
//! loses at most the batch in flight and a restart resumes after the last stored nonce.

use std::io;

use sprint_primitives::merkle::Hash32;

use super::{leaves::LeafStore, pow};
use crate::model::Weights;

/// What one call of [`search`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
	/// The next nonce to try.
	pub next: u64,
	/// Nonces tried by this call.
	pub tried: u64,
	/// Valid nonces found by this call.
	pub found: u64,
}

/// Where a search of `store` resumes: after its last stored nonce, or at 0.
pub fn resume_at(store: &LeafStore) -> u64 {
	store.last_nonce().map_or(0, |n| n.saturating_add(1))
}

/// Tries `count` nonces from `start` for `account` in the epoch of `weights` (sprint seed
/// `seed`), storing valid ones `batch` at a time.
#[allow(clippy::too_many_arguments)]
pub fn search(
	weights: &Weights,
	seed: &Hash32,
	account: &Hash32,
	target: &Hash32,
	store: &mut LeafStore,
	start: u64,
	count: u64,
	batch: usize,
) -> io::Result<Progress> {
	let mut pending = Vec::with_capacity(batch.max(1));
	let mut found = 0;
	let end = start.saturating_add(count);
	for nonce in start..end {
		let digest = pow::pow(weights, seed, account, nonce);
		if pow::meets_target(&digest, target) {
			pending.push((nonce, digest));
			found += 1;
			if pending.len() >= batch.max(1) {
				store.append(&pending)?;
				pending.clear();
			}
		}
	}
	store.append(&pending)?;
	Ok(Progress { next: end, tried: end - start, found })
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::model::ModelShape;
	use sprint_primitives::merkle;

	#[test]
	fn a_resumed_search_finds_exactly_what_one_uninterrupted_search_finds() {
		let dir = std::env::temp_dir().join(format!("sprint-search-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		let seed = [5u8; 32];
		let account = [6u8; 32];
		let mut target = [0xffu8; 32];
		target[0] = 0x1f; // one in 8
		let weights = Weights::generate(&seed, ModelShape::DEV);

		let mut whole = LeafStore::open(dir.join("whole")).expect("opens");
		let all = search(&weights, &seed, &account, &target, &mut whole, 0, 200, 4).expect("runs");
		assert_eq!(all.tried, 200);
		assert_eq!(all.found as usize, whole.len());
		assert!(all.found > 5, "{} of 200 at 1/8", all.found);

		let mut parts = LeafStore::open(dir.join("parts")).expect("opens");
		search(&weights, &seed, &account, &target, &mut parts, 0, 120, 4).expect("runs");
		drop(parts); // the worker stops here and restarts
		let mut parts = LeafStore::open(dir.join("parts")).expect("reopens");
		let start = resume_at(&parts);
		assert!(start <= 120);
		search(&weights, &seed, &account, &target, &mut parts, start, 200 - start, 4)
			.expect("runs");
		assert_eq!(parts.leaves(), whole.leaves());

		// Every stored leaf verifies against the committed root of the tree built from the store.
		let tree = parts.tree();
		for (i, (nonce, digest)) in parts.leaves().iter().enumerate() {
			let path = tree.path(i as u32);
			assert!(merkle::verify_leaf(
				&tree.root(),
				parts.len() as u32,
				i as u32,
				*nonce,
				digest,
				&path
			));
		}
		let _ = std::fs::remove_dir_all(&dir);
	}
}

//! The nonce search on the CPU reference: nonces in order from a start, valid ones (digest below
//! the target) appended to the [`LeafStore`](super::leaves::LeafStore) in batches, so a crash
//! loses at most the batch in flight and a restart resumes after the last stored nonce.

use std::io;

use sprint_core::merkle::Hash32;
use thiserror::Error;

use super::{
	backend::{Backend, BackendError},
	leaves::LeafStore,
	pow,
};
use crate::model::{prng, Weights};

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

/// Why a search stopped early.
#[derive(Debug, Error)]
pub enum SearchError {
	#[error("cannot write leaves to disk: {0}")]
	Disk(#[from] io::Error),
	#[error(transparent)]
	Backend(#[from] BackendError),
}

/// Test-only misbehaviour, for the end-to-end tests that prove cheaters are caught.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cheat {
	/// Store every even nonce with a made-up digest below the target, without computing it:
	/// more than half of the leaves are fake.
	pub fake_even_nonces: bool,
}

/// Where a search of `store` resumes: after its last stored nonce, or at 0.
pub fn resume_at(store: &LeafStore) -> u64 {
	store.last_nonce().map_or(0, |n| n.saturating_add(1))
}

/// A made-up digest for `nonce` that meets any target above zero (test-only cheating).
fn fake_digest(nonce: u64) -> Hash32 {
	let mut data = b"sprint/fake".to_vec();
	data.extend_from_slice(&nonce.to_le_bytes());
	let mut digest = prng::blake2_256(&data);
	digest[..4].copy_from_slice(&[0; 4]);
	digest
}

/// Tries `count` nonces from `start` for `account` in the epoch of `weights` (sprint seed
/// `seed`) on `backend`, `backend.batch()` at a time, appending the valid ones to `store` after
/// each batch (so a crash loses at most the batch in flight).
#[allow(clippy::too_many_arguments)]
pub fn search(
	backend: &mut Backend,
	weights: &Weights,
	seed: &Hash32,
	account: &Hash32,
	target: &Hash32,
	store: &mut LeafStore,
	start: u64,
	count: u64,
	cheat: Cheat,
) -> Result<Progress, SearchError> {
	let end = start.saturating_add(count);
	let mut next = start;
	let mut found = 0;
	while next < end {
		let batch_end = next.saturating_add(backend.batch(weights) as u64).min(end);
		found +=
			search_batch(backend, weights, seed, account, target, store, next..batch_end, cheat)?;
		next = batch_end;
	}
	Ok(Progress { next: end, tried: end - start, found })
}

/// One batch of [`search`]: the number of valid nonces found (and stored) in `nonces`.
#[allow(clippy::too_many_arguments)]
pub fn search_batch(
	backend: &mut Backend,
	weights: &Weights,
	seed: &Hash32,
	account: &Hash32,
	target: &Hash32,
	store: &mut LeafStore,
	nonces: std::ops::Range<u64>,
	cheat: Cheat,
) -> Result<u64, SearchError> {
	let mut valid = Vec::new();
	let honest: Vec<u64> =
		nonces.clone().filter(|n| !(cheat.fake_even_nonces && n % 2 == 0)).collect();
	let digests = backend.digests(weights, seed, account, &honest)?;
	let mut computed = honest.iter().zip(digests).peekable();
	for nonce in nonces {
		let digest = match computed.peek() {
			Some((n, _)) if **n == nonce => computed.next().map(|(_, d)| d),
			_ => Some(fake_digest(nonce)),
		};
		if let Some(digest) = digest.filter(|d| pow::meets_target(d, target)) {
			valid.push((nonce, digest));
		}
	}
	store.append(&valid)?;
	Ok(valid.len() as u64)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::model::ModelShape;
	use sprint_core::merkle;

	const HONEST: Cheat = Cheat { fake_even_nonces: false };

	fn cpu() -> Backend {
		Backend::cpu(2)
	}

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
		let all =
			search(&mut cpu(), &weights, &seed, &account, &target, &mut whole, 0, 200, HONEST)
				.expect("runs");
		assert_eq!(all.tried, 200);
		assert_eq!(all.found as usize, whole.len());
		assert!(all.found > 5, "{} of 200 at 1/8", all.found);

		let mut parts = LeafStore::open(dir.join("parts")).expect("opens");
		search(&mut cpu(), &weights, &seed, &account, &target, &mut parts, 0, 120, HONEST)
			.expect("runs");
		drop(parts); // the worker stops here and restarts
		let mut parts = LeafStore::open(dir.join("parts")).expect("reopens");
		let start = resume_at(&parts);
		assert!(start <= 120);
		search(
			&mut cpu(),
			&weights,
			&seed,
			&account,
			&target,
			&mut parts,
			start,
			200 - start,
			HONEST,
		)
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

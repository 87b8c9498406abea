//! What a validator spends per sampled leaf (`sprint-worker bench --validator`): the host's
//! signing, the runtime-identical opening check (sr25519 signature, two Merkle paths, order,
//! target) and the recomputation of the nonce, each timed over a seat's worth of samples.

use std::time::Instant;

use crate::proofs::check;
use polkadot_sdk::sp_core::{crypto::Pair as _, sr25519, H256};

use crate::{
	model::{ModelShape, Weights},
	proofs::Committed,
	sprint::{backend::Backend, pow},
};

/// Microseconds per sampled leaf.
#[derive(Debug, Clone, Copy)]
pub struct LeafCost {
	/// The host signing one opening (proof server side).
	pub sign_us: f64,
	/// Checking one signed opening as the runtime does.
	pub check_us: f64,
	/// Recomputing one nonce on the CPU reference.
	pub recompute_us: f64,
}

/// Times `samples` openings of a tree of `leaves` leaves at `shape`.
pub fn measure(shape: ModelShape, leaves: u32, samples: u32) -> LeafCost {
	let seed = [1u8; 32];
	let host = [2u8; 32];
	let weights = Weights::generate(&seed, shape);
	let found: Vec<(u64, [u8; 32])> =
		(0..u64::from(leaves)).map(|n| (n, pow::digest(&seed, &host, n, &[]))).collect();
	let proof = sr25519::Pair::from_string("//Bench//proof", None).expect("a dev URI; qed");
	let committed = Committed::new(0, host, found, proof.public().0);
	let genesis = H256::repeat_byte(7);
	let target = H256::repeat_byte(0xff);
	let indices: Vec<u32> = (0..samples).map(|t| t.wrapping_mul(2_654_435_761) % leaves).collect();

	let started = Instant::now();
	let signed: Vec<_> =
		indices.iter().filter_map(|i| committed.signed_opening(*i, &proof, &genesis)).collect();
	let sign_us = started.elapsed().as_secs_f64() * 1e6 / f64::from(samples);

	let started = Instant::now();
	for s in &signed {
		let sound = check(s, &proof.public().0, &genesis, 0, &host, &committed.commitment, &target);
		assert!(sound.is_ok(), "the bench's own openings check out");
	}
	let check_us = started.elapsed().as_secs_f64() * 1e6 / f64::from(samples);

	let nonces: Vec<u64> = signed.iter().map(|s| s.opening.leaf.nonce).collect();
	let started = Instant::now();
	let digests = Backend::cpu(1).digests(&weights, &seed, &host, &nonces);
	std::hint::black_box(digests.ok());
	let recompute_us = started.elapsed().as_secs_f64() * 1e6 / f64::from(samples);
	LeafCost { sign_us, check_us, recompute_us }
}

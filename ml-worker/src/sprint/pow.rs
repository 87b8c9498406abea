//! The PoW function (docs/protocol.md §3): a bit-exact integer transformer. This CPU reference is
//! the definition; the GPU kernels must produce the same bytes.
//!
//! For `(seed, account, nonce)`:
//!
//! ```text
//! x  = input: seq_len × d_model int8 from the PRNG keyed by (seed, account, nonce)
//! for each layer:
//!     y = rmsnorm(x)
//!     q, k, v = matmul(y, Wq|Wk|Wv) >> requant_shift(d_model)
//!     a = attention(q, k, v)                      (causal, integer softmax)
//!     x = saturate(x + matmul(a, Wo) >> requant_shift(d_model))
//!     y = rmsnorm(x)
//!     h = relu(matmul(y, W1) >> requant_shift(d_model))
//!     x = saturate(x + matmul(h, W2) >> requant_shift(d_ff))
//! output = the last position of x: d_model int8
//! digest = blake2_256(seed ‖ account ‖ nonce (u64 LE) ‖ output)
//! valid  ⇔ digest < target (both big-endian 256-bit integers)
//! ```

use ndarray::{Array2, ArrayView2};
use sprint_core::merkle::Hash32;

use crate::{
	kernels::{activation, attention, matmul::matmul_requant, rmsnorm::rmsnorm},
	model::{
		prng,
		shape::{requant_shift, score_shift},
		weights::LayerWeights,
		Weights,
	},
};

/// The input of `(account, nonce)`: seq_len × d_model int8.
pub fn input(weights: &Weights, seed: &Hash32, account: &Hash32, nonce: u64) -> Array2<i8> {
	let shape = weights.shape;
	let values = prng::int8_stream(
		&prng::input_key(seed, account, nonce),
		shape.seq_len as usize * shape.d_model as usize,
	);
	Array2::from_shape_vec((shape.seq_len as usize, shape.d_model as usize), values)
		.expect("sized above; qed")
}

fn block(x: ArrayView2<i8>, w: &LayerWeights, weights: &Weights) -> Array2<i8> {
	let shape = weights.shape;
	let shift_d = requant_shift(shape.d_model as usize);
	let y = rmsnorm(x);
	let q = matmul_requant(y.view(), w.wq.view(), shift_d);
	let k = matmul_requant(y.view(), w.wk.view(), shift_d);
	let v = matmul_requant(y.view(), w.wv.view(), shift_d);
	let a = attention::attention(
		q.view(),
		k.view(),
		v.view(),
		shape.n_heads as usize,
		score_shift(shape.head_dim()),
	);
	let o = matmul_requant(a.view(), w.wo.view(), shift_d);
	let x = activation::residual(x, o.view());
	let y = rmsnorm(x.view());
	let h = activation::relu(matmul_requant(y.view(), w.w1.view(), shift_d).view());
	let f = matmul_requant(h.view(), w.w2.view(), requant_shift(shape.d_ff as usize));
	activation::residual(x.view(), f.view())
}

/// The output of `(account, nonce)`: the last position's hidden state.
pub fn output(weights: &Weights, seed: &Hash32, account: &Hash32, nonce: u64) -> Vec<i8> {
	let mut x = input(weights, seed, account, nonce);
	for layer in &weights.layers {
		x = block(x.view(), layer, weights);
	}
	x.row(weights.shape.seq_len as usize - 1).to_vec()
}

/// `blake2_256(seed ‖ account ‖ nonce ‖ output)`.
pub fn digest(seed: &Hash32, account: &Hash32, nonce: u64, output: &[i8]) -> Hash32 {
	let mut data = Vec::with_capacity(32 + 32 + 8 + output.len());
	data.extend_from_slice(seed);
	data.extend_from_slice(account);
	data.extend_from_slice(&nonce.to_le_bytes());
	data.extend(output.iter().map(|v| *v as u8));
	prng::blake2_256(&data)
}

/// Whether `digest` is below `target` (big-endian: byte order is numeric order).
pub fn meets_target(digest: &Hash32, target: &Hash32) -> bool {
	digest < target
}

/// The digest of `(account, nonce)` in the epoch of `weights`.
pub fn pow(weights: &Weights, seed: &Hash32, account: &Hash32, nonce: u64) -> Hash32 {
	digest(seed, account, nonce, &output(weights, seed, account, nonce))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::model::ModelShape;

	const SEED: Hash32 = [3; 32];
	const ALICE: Hash32 = [1; 32];
	const BOB: Hash32 = [2; 32];

	fn dev_weights() -> Weights {
		Weights::generate(&SEED, ModelShape::DEV)
	}

	#[test]
	fn the_pow_is_deterministic_and_binds_account_nonce_and_seed() {
		let w = dev_weights();
		let a = pow(&w, &SEED, &ALICE, 7);
		assert_eq!(a, pow(&w, &SEED, &ALICE, 7));
		assert_ne!(a, pow(&w, &SEED, &ALICE, 8), "another nonce");
		assert_ne!(a, pow(&w, &SEED, &BOB, 7), "another account: no reuse of others' work");
		let other_epoch = Weights::generate(&[4; 32], ModelShape::DEV);
		assert_ne!(a, pow(&other_epoch, &[4; 32], &ALICE, 7), "another seed");
	}

	#[test]
	fn the_output_depends_on_the_input_and_is_not_saturated_flat() {
		let w = dev_weights();
		let out = output(&w, &SEED, &ALICE, 1);
		assert_eq!(out.len(), 64);
		let distinct: std::collections::BTreeSet<i8> = out.iter().copied().collect();
		assert!(distinct.len() > 16, "a spread of values, not a constant: {out:?}");
		let saturated = out.iter().filter(|v| v.abs() == 127).count();
		assert!(saturated < 32, "{saturated} of 64 saturated");
		assert_ne!(out, output(&w, &SEED, &ALICE, 2));
	}

	#[test]
	fn about_the_expected_share_of_nonces_meets_a_target() {
		let w = dev_weights();
		let mut target = [0xffu8; 32];
		target[0] = 0x0f; // one in 16
		let valid =
			(0..400u64).filter(|n| meets_target(&pow(&w, &SEED, &ALICE, *n), &target)).count();
		assert!((10..45).contains(&valid), "{valid} of 400 valid at 1/16");
	}

	#[test]
	fn the_pow_of_a_fixed_nonce_is_pinned() {
		// Pinned so that any change to the function is a deliberate, visible one: the GPU
		// kernels and every other implementation must give these bytes.
		let w = dev_weights();
		let d = pow(&w, &SEED, &ALICE, 0);
		assert_eq!(hex(&d), PINNED_DIGEST);
	}

	fn hex(bytes: &[u8]) -> String {
		bytes.iter().map(|b| format!("{b:02x}")).collect()
	}

	const PINNED_DIGEST: &str = "11969c2a56ddb7079243d4f44b7fe58ee138fcd1169dd23757db129082b6714f";
}

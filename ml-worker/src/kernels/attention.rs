//! Causal multi-head attention with an integer softmax. For head `h` (columns
//! `h·hd .. (h+1)·hd`), query position `i` and key positions `j ≤ i`:
//!
//! ```text
//! s_j     = (Σ_c q[i][c] · k[j][c]) >> score_shift            (i32, arithmetic shift)
//! t_j     = max_j s_j − s_j                                    (≥ 0)
//! e_j     = FRAC[t_j mod 8] >> ⌊t_j / 8⌋   (0 once ⌊t_j/8⌋ ≥ 17)   ≈ 65536 · 2^(−t_j/8)
//! out[c]  = saturate( trunc( Σ_j e_j · v[j][c] / Σ_j e_j ) )
//! ```
//!
//! `FRAC[r] = round(65536 · 2^(−r/8))`, written out below as integers, so no implementation ever
//! evaluates a float. `Σ_j e_j · v[j][c]` stays below 2^31 for `seq_len ≤ 128`.

use ndarray::{Array2, ArrayView2};

use super::saturate;

/// `round(65536 · 2^(−r/8))` for r = 0..8.
pub const FRAC: [u32; 8] = [65_536, 60_097, 55_109, 50_535, 46_341, 42_495, 38_968, 35_734];

/// ≈ 65536 · 2^(−t/8), in integers.
pub fn exp2_neg_eighths(t: u32) -> u32 {
	let whole = t / 8;
	if whole >= 17 {
		0
	} else {
		FRAC[(t % 8) as usize] >> whole
	}
}

/// Attention of `q`, `k`, `v` (each seq_len × d_model) with `heads` heads.
pub fn attention(
	q: ArrayView2<i8>,
	k: ArrayView2<i8>,
	v: ArrayView2<i8>,
	heads: usize,
	score_shift: u32,
) -> Array2<i8> {
	let (seq, d) = q.dim();
	let hd = d / heads;
	let mut out = Array2::<i8>::zeros((seq, d));
	let mut scores = vec![0i32; seq];
	let mut weights = vec![0i32; seq];
	for h in 0..heads {
		let cols = h * hd..(h + 1) * hd;
		for i in 0..seq {
			for (j, score) in scores.iter_mut().enumerate().take(i + 1) {
				let dot = cols
					.clone()
					.fold(0i32, |s, c| s.wrapping_add(i32::from(q[[i, c]]) * i32::from(k[[j, c]])));
				*score = dot >> score_shift;
			}
			let max = scores[..=i].iter().copied().max().unwrap_or(0);
			let mut total = 0i32;
			for j in 0..=i {
				let t = max.wrapping_sub(scores[j]) as u32;
				weights[j] = exp2_neg_eighths(t) as i32;
				total = total.wrapping_add(weights[j]);
			}
			for c in cols.clone() {
				let sum = (0..=i).fold(0i32, |s, j| {
					s.wrapping_add(weights[j].wrapping_mul(i32::from(v[[j, c]])))
				});
				out[[i, c]] = saturate(sum / total.max(1));
			}
		}
	}
	out
}

#[cfg(test)]
mod tests {
	use super::*;
	use ndarray::array;

	#[test]
	fn the_exponential_halves_every_eight_steps() {
		assert_eq!(exp2_neg_eighths(0), 65_536);
		assert_eq!(exp2_neg_eighths(8), 32_768);
		assert_eq!(exp2_neg_eighths(12), 23_170);
		assert_eq!(exp2_neg_eighths(135), 0);
		assert_eq!(exp2_neg_eighths(u32::MAX), 0);
	}

	#[test]
	fn the_first_position_attends_only_to_itself_and_equal_scores_average() {
		// One head of width 2; zero queries give equal scores, so each output averages v.
		let q = array![[0i8, 0], [0, 0]];
		let k = array![[5i8, 5], [5, 5]];
		let v = array![[10i8, -20], [30, 40]];
		let out = attention(q.view(), k.view(), v.view(), 1, 0);
		assert_eq!(out, array![[10i8, -20], [20, 10]]);
	}

	#[test]
	fn a_dominant_score_takes_nearly_all_the_weight() {
		let q = array![[100i8, 0], [100, 0]];
		let k = array![[100i8, 0], [-100, 0]];
		let v = array![[50i8, 50], [-50, -50]];
		let out = attention(q.view(), k.view(), v.view(), 1, 4);
		// Position 1: key 0 scores 625 above key 1, whose weight is 0: output = v[0].
		assert_eq!(out.row(1).to_vec(), vec![50i8, 50]);
	}
}

//! Integer RMSNorm, per row of `d` values:
//!
//! ```text
//! r      = max(1, ⌊√(⌊Σ x_i² / d⌋)⌋)          (integer square root)
//! out_i  = saturate( trunc(32 · x_i / r) )     (i32 division, rounding toward zero)
//! ```
//!
//! Rows come out with a root mean square near 32, whatever their scale going in.

use ndarray::{Array2, ArrayView2};

use super::saturate;

/// ⌊√n⌋, exactly.
pub fn isqrt(n: u32) -> u32 {
	let mut root = 0u32;
	let mut bit = 1u32 << 30;
	let mut rest = n;
	while bit > n {
		bit >>= 2;
	}
	while bit != 0 {
		if rest >= root + bit {
			rest -= root + bit;
			root = (root >> 1) + bit;
		} else {
			root >>= 1;
		}
		bit >>= 2;
	}
	root
}

/// RMSNorm of each row of `x`.
pub fn rmsnorm(x: ArrayView2<i8>) -> Array2<i8> {
	let d = x.ncols() as i32;
	let mut out = Array2::<i8>::zeros(x.dim());
	for (row, mut out_row) in x.rows().into_iter().zip(out.rows_mut()) {
		let sum_sq = row.iter().fold(0i32, |s, v| s.wrapping_add(i32::from(*v) * i32::from(*v)));
		let r = isqrt((sum_sq / d) as u32).max(1) as i32;
		for (o, v) in out_row.iter_mut().zip(row) {
			*o = saturate(32 * i32::from(*v) / r);
		}
	}
	out
}

#[cfg(test)]
mod tests {
	use super::*;
	use ndarray::array;

	#[test]
	fn isqrt_is_the_floor_of_the_square_root() {
		for n in (0u32..100_000).chain([u32::MAX, u32::MAX - 1, 1 << 30, (1 << 30) - 1]) {
			let r = u64::from(isqrt(n));
			assert!(r * r <= u64::from(n) && (r + 1) * (r + 1) > u64::from(n), "n={n}");
		}
	}

	#[test]
	fn rows_are_scaled_to_a_root_mean_square_near_32() {
		let x = array![[100i8, -100, 100, -100], [1, 2, 0, -2], [0, 0, 0, 0]];
		// Row 0: r = 100 → ±32. Row 1: Σx² = 9, /4 = 2, r = 1 → 32, 64, 0, −64.
		assert_eq!(rmsnorm(x.view()), array![[32i8, -32, 32, -32], [32, 64, 0, -64], [0, 0, 0, 0]]);
	}
}

//! int8 × int8 → i32 matrix product, requantized by a fixed right shift with saturation:
//!
//! ```text
//! out[i][j] = saturate( (Σ_k x[i][k] · w[k][j]) >> shift )      (i32 sum, arithmetic shift)
//! ```

use ndarray::{Array2, ArrayView2};

use super::saturate;

/// `x` (rows × n) times `w` (n × m), requantized by `shift`.
pub fn matmul_requant(x: ArrayView2<i8>, w: ArrayView2<i8>, shift: u32) -> Array2<i8> {
	let (rows, n) = x.dim();
	let m = w.ncols();
	assert_eq!(w.nrows(), n, "inner dimensions agree");
	let mut out = Array2::<i8>::zeros((rows, m));
	let mut acc = vec![0i32; m];
	for i in 0..rows {
		acc.iter_mut().for_each(|a| *a = 0);
		for k in 0..n {
			let xk = i32::from(x[[i, k]]);
			if xk == 0 {
				continue;
			}
			for (a, wkj) in acc.iter_mut().zip(w.row(k)) {
				*a = a.wrapping_add(xk.wrapping_mul(i32::from(*wkj)));
			}
		}
		for (o, a) in out.row_mut(i).iter_mut().zip(&acc) {
			*o = saturate(a >> shift);
		}
	}
	out
}

#[cfg(test)]
mod tests {
	use super::*;
	use ndarray::array;

	#[test]
	fn products_are_summed_shifted_and_saturated() {
		let x = array![[1i8, 2], [-3, 4]];
		let w = array![[10i8, -1], [20, 127]];
		// Row 0: [1·10 + 2·20, 1·(−1) + 2·127] = [50, 253]; row 1: [50, 511].
		assert_eq!(matmul_requant(x.view(), w.view(), 0), array![[50i8, 127], [50, 127]]);
		assert_eq!(matmul_requant(x.view(), w.view(), 2), array![[12i8, 63], [12, 127]]);
		let neg = array![[-1i8]];
		// An arithmetic shift rounds toward −∞: −1 >> 1 = −1.
		assert_eq!(matmul_requant(neg.view(), array![[1i8]].view(), 1), array![[-1i8]]);
	}
}

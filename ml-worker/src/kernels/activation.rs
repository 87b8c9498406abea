//! The FFN's activation and the residual connection:
//!
//! ```text
//! relu(x)         = max(x, 0)
//! residual(x, y)  = saturate(x + y)
//! ```

use ndarray::{Array2, ArrayView2, Zip};

use super::saturate;

/// ReLU, elementwise.
pub fn relu(x: ArrayView2<i8>) -> Array2<i8> {
	x.mapv(|v| v.max(0))
}

/// `x + y`, saturated, elementwise.
pub fn residual(x: ArrayView2<i8>, y: ArrayView2<i8>) -> Array2<i8> {
	Zip::from(x).and(y).map_collect(|a, b| saturate(i32::from(*a) + i32::from(*b)))
}

#[cfg(test)]
mod tests {
	use super::*;
	use ndarray::array;

	#[test]
	fn relu_and_saturated_residuals() {
		assert_eq!(relu(array![[-5i8, 0, 7]].view()), array![[0i8, 0, 7]]);
		let sum = residual(array![[100i8, -100, 3]].view(), array![[100i8, -100, -4]].view());
		assert_eq!(sum, array![[127i8, -127, -1]]);
	}
}

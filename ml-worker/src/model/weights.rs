//! The epoch's int8 weights (docs/protocol.md §3): the same for every host, from the sprint seed.
//!
//! Per layer `l`, six row-major matrices named `layer{l}.{wq,wk,wv,wo}` (d_model × d_model),
//! `layer{l}.w1` (d_model × d_ff) and `layer{l}.w2` (d_ff × d_model); element `(i, j)` of an
//! `n × m` matrix is element `i·m + j` of its PRNG stream ([`super::prng`]).

use ndarray::Array2;
use sprint_core::merkle::Hash32;

use super::{prng, ModelShape};

/// One transformer block's weights.
pub struct LayerWeights {
	pub wq: Array2<i8>,
	pub wk: Array2<i8>,
	pub wv: Array2<i8>,
	pub wo: Array2<i8>,
	pub w1: Array2<i8>,
	pub w2: Array2<i8>,
}

/// Every layer's weights for one epoch.
pub struct Weights {
	pub shape: ModelShape,
	pub layers: Vec<LayerWeights>,
}

fn matrix(seed: &Hash32, name: &str, rows: usize, cols: usize) -> Array2<i8> {
	let values = prng::int8_stream(&prng::weight_key(seed, name), rows * cols);
	Array2::from_shape_vec((rows, cols), values).expect("rows × cols values; qed")
}

impl Weights {
	/// Generates the weights of the epoch with sprint seed `seed`.
	pub fn generate(seed: &Hash32, shape: ModelShape) -> Self {
		let (d, f) = (shape.d_model as usize, shape.d_ff as usize);
		let layers = (0..shape.n_layers)
			.map(|l| {
				let name = |t: &str| format!("layer{l}.{t}");
				LayerWeights {
					wq: matrix(seed, &name("wq"), d, d),
					wk: matrix(seed, &name("wk"), d, d),
					wv: matrix(seed, &name("wv"), d, d),
					wo: matrix(seed, &name("wo"), d, d),
					w1: matrix(seed, &name("w1"), d, f),
					w2: matrix(seed, &name("w2"), f, d),
				}
			})
			.collect();
		Self { shape, layers }
	}
}

//! The PoW model's shape (chain state: pallet-poc's `ModelShape`) and the fixed-point scales that
//! follow from it.

use thiserror::Error;

/// d_model, n_layers, n_heads, d_ff, seq_len (SPEC.md §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelShape {
	pub d_model: usize,
	pub n_layers: usize,
	pub n_heads: usize,
	pub d_ff: usize,
	pub seq_len: usize,
}

/// Why a shape cannot run the PoW function.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ShapeError {
	#[error("every size of the model shape must be above zero")]
	Zero,
	#[error("n_heads ({n_heads}) must divide d_model ({d_model})")]
	Heads { d_model: usize, n_heads: usize },
	#[error("seq_len {0} is above 128: the attention's i32 sums could overflow")]
	SeqLen(usize),
	#[error("d_model and d_ff must be at most 65,536: the i32 accumulators could overflow")]
	TooWide,
}

impl ModelShape {
	/// The dev/test shape: 64, 2, 4, 256, 4.
	pub const DEV: Self = Self { d_model: 64, n_layers: 2, n_heads: 4, d_ff: 256, seq_len: 4 };

	/// The production shape: 1024, 16, 16, 4096, 16 (~201 MB of int8 weights).
	pub const PRODUCTION: Self =
		Self { d_model: 1024, n_layers: 16, n_heads: 16, d_ff: 4096, seq_len: 16 };

	/// Checks the bounds under which the integer arithmetic below never overflows.
	pub fn validate(&self) -> Result<(), ShapeError> {
		let sizes = [self.d_model, self.n_layers, self.n_heads, self.d_ff, self.seq_len];
		if sizes.contains(&0) {
			return Err(ShapeError::Zero);
		}
		if !self.d_model.is_multiple_of(self.n_heads) {
			return Err(ShapeError::Heads { d_model: self.d_model, n_heads: self.n_heads });
		}
		if self.seq_len > 128 {
			return Err(ShapeError::SeqLen(self.seq_len));
		}
		if self.d_model > 65_536 || self.d_ff > 65_536 {
			return Err(ShapeError::TooWide);
		}
		Ok(())
	}

	/// d_model / n_heads.
	pub fn head_dim(&self) -> usize {
		self.d_model / self.n_heads
	}

	/// int8 multiply-accumulates per nonce: the projections, the FFN and the attention.
	pub fn macs_per_nonce(&self) -> u64 {
		let (s, d, f) = (self.seq_len as u64, self.d_model as u64, self.d_ff as u64);
		let per_layer = s * (4 * d * d + 2 * d * f) + 2 * s * s * d;
		per_layer * self.n_layers as u64
	}

	/// Bytes of int8 weights.
	pub fn weight_bytes(&self) -> u64 {
		let (d, f) = (self.d_model as u64, self.d_ff as u64);
		(4 * d * d + 2 * d * f) * self.n_layers as u64
	}
}

/// The right shift that requantizes an i32 sum of `fan_in` int8 products back to int8:
/// `7 + ⌊log2 fan_in⌋ / 2` (the sum's spread grows with √fan_in).
pub fn requant_shift(fan_in: usize) -> u32 {
	7 + (usize::BITS - 1 - fan_in.max(1).leading_zeros()) / 2
}

/// The right shift applied to attention scores of `head_dim` products before the integer
/// softmax: `4 + ⌊log2 head_dim⌋ / 2`.
pub fn score_shift(head_dim: usize) -> u32 {
	4 + (usize::BITS - 1 - head_dim.max(1).leading_zeros()) / 2
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_dev_and_production_shapes_are_valid_and_sized_as_the_spec_says() {
		assert_eq!(ModelShape::DEV.validate(), Ok(()));
		assert_eq!(ModelShape::PRODUCTION.validate(), Ok(()));
		assert_eq!(ModelShape::PRODUCTION.weight_bytes(), 201_326_592);
	}

	#[test]
	fn bad_shapes_are_refused() {
		let bad = ModelShape { n_heads: 3, ..ModelShape::DEV };
		assert_eq!(bad.validate(), Err(ShapeError::Heads { d_model: 64, n_heads: 3 }));
		assert_eq!(
			ModelShape { seq_len: 129, ..ModelShape::DEV }.validate(),
			Err(ShapeError::SeqLen(129))
		);
		assert_eq!(ModelShape { d_ff: 0, ..ModelShape::DEV }.validate(), Err(ShapeError::Zero));
	}

	#[test]
	fn shifts_follow_the_fan_in() {
		assert_eq!(requant_shift(64), 10);
		assert_eq!(requant_shift(256), 11);
		assert_eq!(requant_shift(1024), 12);
		assert_eq!(score_shift(16), 6);
	}
}

//! The PoW model's shape (docs/protocol.md §3) — one type for the chain (genesis, `PocParams`) and
//! the engine (the CPU reference and the WGSL kernels) — and the fixed-point scales that follow
//! from it. [`ModelShape::validate`] holds every rule the engine needs, so the chain refuses at
//! genesis any shape a worker could not run.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// d_model, n_layers, n_heads, d_ff, seq_len (docs/protocol.md §3): dev/test 64, 2, 4, 256, 4.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModelShape {
	pub d_model: u32,
	pub n_layers: u32,
	pub n_heads: u32,
	pub d_ff: u32,
	pub seq_len: u32,
}

/// Why a shape cannot run the PoW function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShapeError {
	/// A size is zero.
	Zero,
	/// `n_heads` does not divide `d_model`.
	Heads { d_model: u32, n_heads: u32 },
	/// `seq_len` above 128: the attention's i32 sums could overflow.
	SeqLen(u32),
	/// `d_model` or `d_ff` above 65,536: the i32 accumulators could overflow.
	TooWide,
	/// `d_model`, `d_ff` or the head width is not a multiple of 4: the GPU kernels pack four
	/// int8 values per 32-bit word.
	NotPackable,
	/// A weight matrix above 128 MiB: wgpu's default storage-binding limit.
	TooLarge,
}

impl core::fmt::Display for ShapeError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::Zero => write!(f, "every size of the model shape must be above zero"),
			Self::Heads { d_model, n_heads } => {
				write!(f, "n_heads ({n_heads}) must divide d_model ({d_model})")
			}
			Self::SeqLen(s) => {
				write!(f, "seq_len {s} is above 128: the attention's i32 sums could overflow")
			}
			Self::TooWide => write!(
				f,
				"d_model and d_ff must be at most 65,536: the i32 accumulators could overflow"
			),
			Self::NotPackable => write!(
				f,
				"d_model, d_ff and d_model / n_heads must be multiples of 4: the GPU kernels pack \
				 four int8 values per word"
			),
			Self::TooLarge => write!(
				f,
				"a weight matrix (d_model × d_ff) is above 128 MiB, wgpu's default storage binding"
			),
		}
	}
}

impl core::error::Error for ShapeError {}

/// The largest weight matrix, in bytes: one GPU buffer per tensor under wgpu's default
/// 128 MiB storage binding.
pub const MAX_MATRIX_BYTES: u64 = 128 << 20;

impl ModelShape {
	/// The dev/test shape: 64, 2, 4, 256, 4.
	pub const DEV: Self = Self { d_model: 64, n_layers: 2, n_heads: 4, d_ff: 256, seq_len: 4 };

	/// The production shape: 1024, 16, 16, 4096, 16 (~201 MB of int8 weights).
	pub const PRODUCTION: Self =
		Self { d_model: 1024, n_layers: 16, n_heads: 16, d_ff: 4096, seq_len: 16 };

	/// Checks every bound the engine needs: the integer arithmetic never overflows, and the GPU
	/// kernels can pack and bind every tensor. Genesis refuses a shape that fails it.
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
		if [self.d_model, self.d_ff, self.d_model / self.n_heads]
			.iter()
			.any(|w| !w.is_multiple_of(4))
		{
			return Err(ShapeError::NotPackable);
		}
		if u64::from(self.d_model) * u64::from(self.d_ff.max(self.d_model)) > MAX_MATRIX_BYTES {
			return Err(ShapeError::TooLarge);
		}
		Ok(())
	}

	/// d_model / n_heads.
	pub fn head_dim(&self) -> usize {
		(self.d_model / self.n_heads.max(1)) as usize
	}

	/// int8 multiply-accumulates per nonce: the projections, the FFN and the attention.
	pub fn macs_per_nonce(&self) -> u64 {
		let (s, d, f) = (u64::from(self.seq_len), u64::from(self.d_model), u64::from(self.d_ff));
		let per_layer = s * (4 * d * d + 2 * d * f) + 2 * s * s * d;
		per_layer * u64::from(self.n_layers)
	}

	/// Bytes of int8 weights.
	pub fn weight_bytes(&self) -> u64 {
		let (d, f) = (u64::from(self.d_model), u64::from(self.d_ff));
		(4 * d * d + 2 * d * f) * u64::from(self.n_layers)
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
		assert_eq!(
			ModelShape { d_model: 70_000, ..ModelShape::DEV }.validate(),
			Err(ShapeError::TooWide)
		);
		// head width 2, and widths that are not multiples of 4: the GPU cannot pack them.
		assert_eq!(
			ModelShape { n_heads: 32, ..ModelShape::DEV }.validate(),
			Err(ShapeError::NotPackable)
		);
		assert_eq!(
			ModelShape { d_model: 6, n_heads: 3, d_ff: 8, ..ModelShape::DEV }.validate(),
			Err(ShapeError::NotPackable)
		);
		assert_eq!(
			ModelShape { d_model: 16_384, n_heads: 16, d_ff: 16_384, ..ModelShape::DEV }.validate(),
			Err(ShapeError::TooLarge)
		);
	}

	#[test]
	fn shifts_follow_the_fan_in() {
		assert_eq!(requant_shift(64), 10);
		assert_eq!(requant_shift(256), 11);
		assert_eq!(requant_shift(1024), 12);
		assert_eq!(score_shift(16), 6);
	}
}

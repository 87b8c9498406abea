//! The model's weights in integer form: a pure function of the GGUF's bytes (docs/protocol.md §7).
//!
//! Every matrix becomes blocks of 32 int8 `q` with two 16-bit integers per block, `D` and `M`,
//! and one exponent `G` per row, so that weight `i` of block `j` of row `r` is
//!
//! ```text
//! w = D_rj · q_i / 2^(G_r + δD_rj) + M_rj / 2^(G_r + δM_rj)
//! ```
//!
//! - Q4_1 (`w = d·q + m`, q in 0..15) keeps its `q`; `D`, `M` are `d`, `m` at the row's exponent.
//! - Q4_0 (`w = d·(q − 8)`) keeps `q − 8`, `M = 0`; Q8_0 (`w = d·q`) keeps `q`, `M = 0`.
//! - F16 and F32 are quantized to Q8_0's form first: per block, `d = max|w| / 127`,
//!   `q = round(w / d)`.
//!
//! Each `D` and `M` is rounded at its own exponent, the largest at which it stays below 2^B
//! (so each keeps B bits), with `B` chosen per format so that `D·Σq·a` and `M·Σa` each stay
//! below 2^30 for the activations the matrix takes (12 bits against 4-bit weights, 8 against
//! int8); `G_r` is the row's coarsest exponent and `δ ≥ 0` each one's distance from it. The f16 → f64 conversion is exact and the roundings are IEEE's, so every machine gets the
//! same integers. Norm weights become Q16 integers.

use super::{
	fixed::det,
	gguf::{Gguf, GgufError, TensorInfo, TensorKind},
};

/// Elements per block, for weights and activations.
pub const BLOCK: usize = 32;

/// A weight matrix in integer form: `rows` outputs of `cols` inputs.
pub struct Matrix {
	/// Output rows.
	pub rows: usize,
	/// Inputs per row (a multiple of [`BLOCK`]).
	pub cols: usize,
	/// `q`, row-major: one int8 per byte, or two 4-bit values per byte when [`Self::nibbles`]
	/// (GGUF's Q4 layout: byte `i` of a block holds `q_i` in its low and `q_(i+16)` in its high
	/// half, both unsigned).
	pub q: Vec<u8>,
	/// Whether `q` holds 4-bit values (Q4_1), half the bytes to stream per token.
	pub nibbles: bool,
	/// Bits of the activations this matrix takes: 12 against 4-bit weights, 8 against int8
	/// weights (whose wider `q` leaves fewer bits for `D`).
	pub activation_bits: u32,
	/// `D` per block, `rows × cols/32`.
	pub scale: Vec<i16>,
	/// `M` per block, `rows × cols/32` (all zero but for Q4_1).
	pub min: Vec<i16>,
	/// Per block, `g_D − G`: `D` is stored at its own, finer exponent `g_D`, so that every
	/// block keeps the full precision of `D` (a row shares `G`, the coarsest).
	pub scale_shift: Vec<u8>,
	/// Per block, `g_M − G`, likewise for `M`.
	pub min_shift: Vec<u8>,
	/// `G` per row.
	pub exponent: Vec<i32>,
	/// The right shift applied to each block's term before the row's blocks are summed, so
	/// that the sum of every block stays below 2^31.
	pub block_shift: u32,
}

impl Matrix {
	/// Blocks per row.
	pub fn blocks(&self) -> usize {
		self.cols / BLOCK
	}

	/// Bytes of `q` per row.
	pub fn row_bytes(&self) -> usize {
		if self.nibbles {
			self.cols / 2
		} else {
			self.cols
		}
	}

	/// `q` of element `i` of row `r`.
	pub fn q_at(&self, r: usize, i: usize) -> i32 {
		let row = &self.q[r * self.row_bytes()..(r + 1) * self.row_bytes()];
		if self.nibbles {
			let byte = row[i / BLOCK * 16 + i % 16];
			i32::from(if i % BLOCK < 16 { byte & 15 } else { byte >> 4 })
		} else {
			i32::from(row[i] as i8)
		}
	}

	/// Row `r` in [`super::fixed::ACT_FRAC`] fixed point (the embedding lookup).
	pub fn row_fixed(&self, r: usize) -> Vec<i32> {
		let blocks = self.blocks();
		let shift = super::fixed::ACT_FRAC as i32 - self.exponent[r];
		(0..self.cols)
			.map(|i| {
				let b = r * blocks + i / BLOCK;
				let d = super::fixed::scale_by_power_of_two(
					i32::from(self.scale[b]) * self.q_at(r, i),
					shift - i32::from(self.scale_shift[b]),
				);
				let m = super::fixed::scale_by_power_of_two(
					i32::from(self.min[b]),
					shift - i32::from(self.min_shift[b]),
				);
				d.saturating_add(m)
			})
			.collect()
	}

	/// Row `r` as reals, `(D·q + M) / 2^G` (for the float reference and tests).
	pub fn row_real(&self, r: usize) -> Vec<f32> {
		let blocks = self.blocks();
		let unit = pow2(-self.exponent[r]);
		(0..self.cols)
			.map(|i| {
				let b = r * blocks + i / BLOCK;
				let w = f64::from(self.scale[b])
					* f64::from(self.q_at(r, i))
					* pow2(-i32::from(self.scale_shift[b]))
					+ f64::from(self.min[b]) * pow2(-i32::from(self.min_shift[b]));
				(w * unit) as f32
			})
			.collect()
	}
}

/// f16 bits to f64, exactly.
pub fn f16_to_f64(bits: u16) -> f64 {
	let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
	let exponent = i32::from((bits >> 10) & 0x1F);
	let mantissa = f64::from(bits & 0x3FF);
	let magnitude = match exponent {
		0 => mantissa * pow2(-24),
		31 => f64::INFINITY,
		e => (1024.0 + mantissa) * pow2(e - 25),
	};
	sign * magnitude
}

fn pow2(n: i32) -> f64 {
	f64::from_bits(((1023 + n) as u64) << 52)
}

/// ⌊log2 |x|⌋ of a normal, non-zero f64, from its bits.
fn exponent_of(x: f64) -> i32 {
	((x.to_bits() >> 52) & 0x7FF) as i32 - 1023
}

/// One block as read from the file: `q`, and the reals `d`, `m`.
struct RawBlock {
	q: [i8; BLOCK],
	d: f64,
	m: f64,
}

fn f16_at(bytes: &[u8], at: usize) -> f64 {
	f16_to_f64(u16::from_le_bytes([bytes[at], bytes[at + 1]]))
}

/// Q8_0's form for plain floats: `d = max|w|/127`, `q = round(w/d)`.
fn quantize_floats(values: &[f64]) -> RawBlock {
	let amax = values.iter().fold(0.0f64, |a, v| a.max(v.abs()));
	let d = amax / 127.0;
	let mut q = [0i8; BLOCK];
	if d > 0.0 {
		for (q, v) in q.iter_mut().zip(values) {
			*q = det::round(v / d).clamp(-127.0, 127.0) as i8;
		}
	}
	RawBlock { q, d, m: 0.0 }
}

fn raw_blocks(kind: TensorKind, bytes: &[u8]) -> Vec<RawBlock> {
	let count = match kind {
		TensorKind::F32 => bytes.len() / 4 / BLOCK,
		TensorKind::F16 => bytes.len() / 2 / BLOCK,
		other => bytes.len() / other.block_bytes() as usize,
	};
	(0..count)
		.map(|b| match kind {
			TensorKind::F32 => {
				let values: Vec<f64> = (0..BLOCK)
					.map(|i| {
						let at = (b * BLOCK + i) * 4;
						let word = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
						f64::from(f32::from_le_bytes(word))
					})
					.collect();
				quantize_floats(&values)
			}
			TensorKind::F16 => {
				let values: Vec<f64> =
					(0..BLOCK).map(|i| f16_at(bytes, (b * BLOCK + i) * 2)).collect();
				quantize_floats(&values)
			}
			TensorKind::Q4_0 | TensorKind::Q4_1 => {
				let size = kind.block_bytes() as usize;
				let block = &bytes[b * size..(b + 1) * size];
				let (d, m, nibbles) = if kind == TensorKind::Q4_1 {
					(f16_at(block, 0), f16_at(block, 2), &block[4..20])
				} else {
					(f16_at(block, 0), 0.0, &block[2..18])
				};
				let offset = if kind == TensorKind::Q4_0 { 8 } else { 0 };
				let mut q = [0i8; BLOCK];
				for (i, byte) in nibbles.iter().enumerate() {
					q[i] = (byte & 0x0F) as i8 - offset;
					q[i + 16] = (byte >> 4) as i8 - offset;
				}
				RawBlock { q, d, m }
			}
			TensorKind::Q8_0 => {
				let block = &bytes[b * 34..(b + 1) * 34];
				let mut q = [0i8; BLOCK];
				for (q, byte) in q.iter_mut().zip(&block[2..34]) {
					*q = *byte as i8;
				}
				RawBlock { q, d: f16_at(block, 0), m: 0.0 }
			}
		})
		.collect()
}

/// Bits of `|D|`, `|M|` for a format whose `|q|` reaches `max_q`, against activations of
/// `activation_bits`: one block's term below 2^30.
fn scale_bits(max_q: u64, has_min: bool, activation_bits: u32) -> u32 {
	let max_a = ((1u64 << (activation_bits - 1)) - 1) * BLOCK as u64;
	let per_unit = max_q * max_a + if has_min { max_a } else { 0 };
	let mut bits = 0;
	while (1u64 << (bits + 1)) * per_unit < (1 << 30) {
		bits += 1;
	}
	bits
}

/// Loads a 2-D tensor (`dims[0]` inputs per row, `dims[1]` rows) in integer form.
pub fn matrix(gguf: &Gguf, name: &str, cols: usize, rows: usize) -> Result<Matrix, GgufError> {
	let info = gguf.tensor(name)?;
	check_dims(info, &[cols as u64, rows as u64])?;
	if !cols.is_multiple_of(BLOCK) {
		return Err(GgufError::Tensor {
			name: name.to_owned(),
			why: format!("rows of {cols} are not whole blocks of {BLOCK}"),
		});
	}
	let raw = raw_blocks(info.kind, gguf.data(info));
	let (max_q, has_min) = match info.kind {
		TensorKind::Q4_1 => (15, true),
		TensorKind::Q4_0 => (8, false),
		_ => (128, false),
	};
	let nibbles = matches!(info.kind, TensorKind::Q4_1 | TensorKind::Q4_0);
	let activation_bits = if nibbles { 12 } else { 8 };
	let bits = scale_bits(max_q, has_min, activation_bits);
	let limit = (1i64 << bits) as f64;
	let blocks = cols / BLOCK;
	let mut out = Matrix {
		rows,
		cols,
		q: Vec::with_capacity(rows * cols),
		nibbles: info.kind == TensorKind::Q4_1,
		activation_bits,
		scale: Vec::with_capacity(rows * blocks),
		min: Vec::with_capacity(rows * blocks),
		scale_shift: Vec::with_capacity(rows * blocks),
		min_shift: Vec::with_capacity(rows * blocks),
		exponent: Vec::with_capacity(rows),
		block_shift: 0,
	};
	// The exponent at which `|v|` rounds into [2^(bits−1), 2^bits); `None` for zero.
	let exponent_for = |v: f64| -> Option<i32> {
		if v == 0.0 || !v.is_finite() {
			return None;
		}
		let g = bits as i32 - 1 - exponent_of(v.abs());
		Some(if det::round(v.abs() * pow2(g)) >= limit { g - 1 } else { g })
	};
	for row in raw.chunks(blocks) {
		let exponents: Vec<(Option<i32>, Option<i32>)> =
			row.iter().map(|b| (exponent_for(b.d), exponent_for(b.m))).collect();
		// The row's unit is the coarsest of its blocks' (the largest scale or minimum).
		let g = exponents.iter().flat_map(|(d, m)| [*d, *m]).flatten().min().unwrap_or(0);
		for (block, (gd, gm)) in row.iter().zip(exponents) {
			if out.nibbles {
				out.q.extend((0..16).map(|i| block.q[i] as u8 | (block.q[i + 16] as u8) << 4));
			} else {
				out.q.extend(block.q.iter().map(|q| *q as u8));
			}
			let (gd, gm) = (gd.unwrap_or(g), gm.unwrap_or(g));
			out.scale.push(det::round(block.d * pow2(gd)).clamp(-limit + 1.0, limit - 1.0) as i16);
			out.min.push(det::round(block.m * pow2(gm)).clamp(-limit + 1.0, limit - 1.0) as i16);
			out.scale_shift.push((gd - g).min(255) as u8);
			out.min_shift.push((gm - g).min(255) as u8);
		}
		out.exponent.push(g);
	}
	// Each block adds two terms below 2^30; after the shift, every one of them stays below 2^31.
	while (2 * blocks as u64) << 30 >> out.block_shift >= 1 << 31 {
		out.block_shift += 1;
	}
	Ok(out)
}

/// Loads a norm's weights (F32 or F16) as Q16 integers.
pub fn norm(gguf: &Gguf, name: &str, len: usize) -> Result<Vec<i32>, GgufError> {
	let info = gguf.tensor(name)?;
	check_dims(info, &[len as u64])?;
	let bytes = gguf.data(info);
	let values: Vec<f64> = match info.kind {
		TensorKind::F32 => bytes
			.chunks_exact(4)
			.map(|w| f64::from(f32::from_le_bytes([w[0], w[1], w[2], w[3]])))
			.collect(),
		TensorKind::F16 => (0..len).map(|i| f16_at(bytes, 2 * i)).collect(),
		other => {
			return Err(GgufError::Tensor {
				name: name.to_owned(),
				why: format!("a norm must be F32 or F16, not {other:?}"),
			})
		}
	};
	Ok(values
		.iter()
		.map(|v| det::round(v * 65_536.0).clamp(-(i32::MAX as f64), i32::MAX as f64) as i32)
		.collect())
}

fn check_dims(info: &TensorInfo, expected: &[u64]) -> Result<(), GgufError> {
	if info.dims != expected {
		return Err(GgufError::Tensor {
			name: info.name.clone(),
			why: format!("dimensions {:?}, expected {expected:?}", info.dims),
		});
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn f16_converts_exactly() {
		assert_eq!(f16_to_f64(0x3C00), 1.0);
		assert_eq!(f16_to_f64(0xC000), -2.0);
		assert_eq!(f16_to_f64(0x0001), pow2(-24));
		assert_eq!(f16_to_f64(0x7BFF), 65_504.0);
		assert_eq!(f16_to_f64(0x3555), 0.333_251_953_125);
	}

	#[test]
	fn scale_bits_keep_one_block_below_2_30() {
		assert_eq!(scale_bits(15, true, 8), 14);
		assert_eq!(scale_bits(128, false, 8), 11);
		assert_eq!(scale_bits(15, true, 12), 10);
		assert_eq!(scale_bits(8, false, 12), 11);
	}
}

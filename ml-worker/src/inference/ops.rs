//! The integer ops of the inference engine (docs/protocol.md §7): the CPU reference, which defines
//! them. Activations are `i32` with [`ACT_FRAC`] fractional bits; every op works row by row, so a
//! token's numbers never depend on which other tokens share its batch.
//!
//! **Block quantization** (before every matrix product, to the matrix's `b` = 12 or 8 bits):
//! per block of 32 values, with `m = max |x|`,
//!
//! ```text
//! e = max(0, bit_length(m) − (b − 1))     a_i = clamp(round(x_i / 2^e), ±(2^(b−1) − 1))
//! ```
//!
//! **Matrix product** against a [`Matrix`] (see [`super::weights`]), for input row `x`
//! and output `r`, with `E = max_j e_j` and the matrix's `block_shift` `s`:
//!
//! ```text
//! acc   = Σ_j ⌊D_rj · Σ_i q_i·a_i / 2^(s + E − e_j + δD_rj)⌋
//!       + Σ_j ⌊M_rj · Σ_i a_i / 2^(s + E − e_j + δM_rj)⌋           (each term < 2^30, acc < 2^31)
//! y_r   = acc · 2^(E + s − G_r)        (saturated if shifted up, rounded if shifted down)
//! ```
//!
//! **RMSNorm** (`g` in Q16): with `v_i = x_i >> σ` below 2^15 and `τ = ⌈log2 d⌉ − 1`,
//! `ms = ⌊Σ (v_i² >> τ) / d⌋` (units 2^(2σ+τ)); `ms` is normalised into [2^28, 2^30) by even
//! shifts, `r = ⌊√ms⌋`, `inv = ⌊2^30 / r⌋`, and `y_i = ⌊⌊x_i · inv / 2^16⌋ · g_i / 2^(16 + P/2)⌋`
//! where `2^P` is `ms`'s unit after normalising.
//!
//! **RoPE**: pairs `(x_2i, x_2i+1)` of each head rotated by Q15 cosines and sines:
//! `x'_2i = ⌊x_2i·c/2^15⌋ − ⌊x_2i+1·s/2^15⌋`, `x'_2i+1 = ⌊x_2i·s/2^15⌋ + ⌊x_2i+1·c/2^15⌋`.
//!
//! **Attention** (K and V cached as quantized blocks): for query block `b` of a head,
//! `S_j = Σ_b ⌊dot_b · C / 2^(31 − e_qb − e_kjb)⌋` (units 2^−12, `C = round(2^15/√head_dim)`),
//! `u_j = ⌊(S_max − S_j) · log2(e)_Q15 / 2^19⌋` (units 2^−8 of a power of two),
//! `w_j = 2^(−u_j/256)` (Q16, [`exp2_neg`]), `p_j = ⌊w_j · 2^15 / Σ w⌋`, and per value block with
//! `E = max_j e_vj`: `out_c = (Σ_j ⌊p_j · v_jc / 2^(E − e_vj)⌋) · 2^(E − 15)`.
//!
//! **SwiGLU**: `y = ⌊⌊g · σ(g) / 2^15⌋ · u / 2^14⌋` with σ from [`sigmoid`]'s table.

use rayon::prelude::*;

use super::{
	fixed::{
		bit_length, exp2_neg, floor_shift, mul_shift, scale_by_power_of_two, sigmoid, ACT_FRAC,
		LOG2_E_Q15,
	},
	weights::{Matrix, BLOCK},
};
use crate::kernels::rmsnorm::isqrt;

/// Rows of activations quantized per block of 32, to `bits` bits (sign included).
#[derive(Clone, Debug, Default)]
pub struct QuantizedRows {
	/// Values per row.
	pub cols: usize,
	/// Bits per value: 8 or 12.
	pub bits: u32,
	/// The values, row-major, in ±(2^(bits−1) − 1).
	pub q: Vec<i16>,
	/// Each block's exponent `e`.
	pub exponent: Vec<u8>,
	/// Each block's `Σ a_i`.
	pub sum: Vec<i32>,
	/// Each row's largest exponent `E`.
	pub max_exponent: Vec<u8>,
}

impl QuantizedRows {
	/// Number of rows.
	pub fn rows(&self) -> usize {
		self.max_exponent.len()
	}
}

/// Bits of the cached keys and values and of the attention's queries (sign included): its dot
/// products are short (`head_dim` terms of at most 2^11 · 2^11 stay far below 2^31).
pub const ATTENTION_BITS: u32 = 12;

/// One block quantized to `bits` bits: `e = max(0, bit_length(max |x|) − (bits − 1))`,
/// `a_i = clamp(round(x_i / 2^e), ±(2^(bits−1) − 1))`.
pub fn quantize_block(x: &[i32], bits: u32, out: &mut [i16]) -> u8 {
	let max = x.iter().fold(0u32, |m, v| m.max(v.unsigned_abs()));
	let e = bit_length(max).saturating_sub(bits - 1);
	let limit = (1 << (bits - 1)) - 1;
	for (o, v) in out.iter_mut().zip(x) {
		*o = super::fixed::round_shift(*v, e).clamp(-limit, limit) as i16;
	}
	e as u8
}

/// Quantizes rows of `cols` values (a multiple of 32) per block, to `bits` bits.
pub fn quantize(x: &[i32], cols: usize, bits: u32) -> QuantizedRows {
	let rows = x.len() / cols;
	let blocks = cols / BLOCK;
	let mut out = QuantizedRows {
		cols,
		bits,
		q: vec![0; x.len()],
		exponent: vec![0; rows * blocks],
		sum: vec![0; rows * blocks],
		max_exponent: vec![0; rows],
	};
	for (b, (values, q)) in x.chunks(BLOCK).zip(out.q.chunks_mut(BLOCK)).enumerate() {
		out.exponent[b] = quantize_block(values, bits, q);
		out.sum[b] = q.iter().map(|v| i32::from(*v)).sum();
	}
	for (row, e) in out.exponent.chunks(blocks).zip(out.max_exponent.iter_mut()) {
		*e = row.iter().copied().max().unwrap_or(0);
	}
	out
}

fn dot_wide(a: &[i16], b: &[i16]) -> i32 {
	let mut sum = 0i32;
	for (x, y) in a.iter().zip(b) {
		sum = sum.wrapping_add(i32::from(*x) * i32::from(*y));
	}
	sum
}

/// `Σ q_i · a_i` over one block of weights `w` (16 bytes of nibbles, or 32 int8).
#[inline(always)]
pub(super) fn block_dot(a: &[i16], w: &[u8], nibbles: bool) -> i32 {
	let mut sum = 0i32;
	if nibbles {
		for i in 0..16 {
			sum += i32::from(w[i] & 15) * i32::from(a[i])
				+ i32::from(w[i] >> 4) * i32::from(a[i + 16]);
		}
	} else {
		for (q, x) in w.iter().zip(a) {
			sum += i32::from(*q as i8) * i32::from(*x);
		}
	}
	sum
}

/// One output of one input row.
fn matmul_one(x: &QuantizedRows, row: usize, w: &Matrix, r: usize) -> i32 {
	let blocks = w.blocks();
	let e_max = i32::from(x.max_exponent[row]);
	let s = w.block_shift as i32;
	let xq = &x.q[row * x.cols..(row + 1) * x.cols];
	let step = w.row_bytes() / blocks;
	let wq = &w.q[r * w.row_bytes()..(r + 1) * w.row_bytes()];
	let mut acc = 0i32;
	for (j, (xb, wb)) in xq.chunks_exact(BLOCK).zip(wq.chunks_exact(step)).enumerate() {
		let b = r * blocks + j;
		let shift = s + e_max - i32::from(x.exponent[row * blocks + j]);
		let td = i32::from(w.scale[b]) * block_dot(xb, wb, w.nibbles);
		let tm = i32::from(w.min[b]) * x.sum[row * blocks + j];
		acc = acc
			.wrapping_add(floor_shift(td, (shift + i32::from(w.scale_shift[b])) as u32))
			.wrapping_add(floor_shift(tm, (shift + i32::from(w.min_shift[b])) as u32));
	}
	scale_by_power_of_two(acc, e_max + s - w.exponent[r])
}

/// Outputs `first..first + column.len() / rows` of every input row, column-major.
pub(super) fn matmul_rows(x: &QuantizedRows, w: &Matrix, first: usize, out: &mut [i32]) {
	let rows = x.rows();
	for (k, column) in out.chunks_mut(rows).enumerate() {
		for (row, o) in column.iter_mut().enumerate() {
			*o = matmul_one(x, row, w, first + k);
		}
	}
}

/// Rows of `w.cols` activations times `w`, quantized first to the matrix's activation width:
/// `rows × w.rows` activations. Output rows are shared out among the threads of rayon's pool.
pub fn matmul(x: &[i32], w: &Matrix) -> Vec<i32> {
	matmul_with(super::simd::detect(), &quantize(x, w.cols, w.activation_bits), w)
}

/// [`matmul`] with a chosen instruction set (the tests run every one against the portable one).
pub fn matmul_with(isa: super::simd::Isa, x: &QuantizedRows, w: &Matrix) -> Vec<i32> {
	assert_eq!(x.cols, w.cols, "the matrix takes rows of {} values", w.cols);
	assert_eq!(x.bits, w.activation_bits, "the matrix takes {}-bit activations", w.activation_bits);
	let rows = x.rows();
	const TILE: usize = 16;
	let mut transposed = vec![0i32; rows * w.rows];
	transposed.par_chunks_mut(rows * TILE).enumerate().for_each(|(tile, out)| {
		super::simd::matmul_rows(isa, x, w, tile * TILE, out);
	});
	let mut out = vec![0i32; rows * w.rows];
	for r in 0..w.rows {
		for row in 0..rows {
			out[row * w.rows + r] = transposed[r * rows + row];
		}
	}
	out
}

/// RMSNorm of each row of `x` (`weight.len()` values per row), times `weight` (Q16).
pub fn rmsnorm(x: &[i32], weight: &[i32]) -> Vec<i32> {
	let d = weight.len();
	let tau = (usize::BITS - (d - 1).leading_zeros()).saturating_sub(1);
	let mut out = vec![0i32; x.len()];
	for (row, out_row) in x.chunks(d).zip(out.chunks_mut(d)) {
		let max = row.iter().fold(0u32, |m, v| m.max(v.unsigned_abs()));
		let sigma = bit_length(max).saturating_sub(15);
		let sum = row.iter().fold(0u32, |s, v| {
			let v = floor_shift(*v, sigma);
			s.wrapping_add(((v * v) as u32) >> tau)
		});
		let mut ms = sum / d as u32;
		if ms == 0 {
			out_row.iter_mut().for_each(|o| *o = 0);
			continue;
		}
		let mut p = 2 * sigma as i32 + tau as i32;
		if p % 2 != 0 {
			ms <<= 1;
			p -= 1;
		}
		while ms < 1 << 28 {
			ms <<= 2;
			p -= 2;
		}
		let r = isqrt(ms);
		let inv = ((1u32 << 30) / r) as i32;
		let shift = 16 + p / 2;
		for ((o, v), g) in out_row.iter_mut().zip(row).zip(weight) {
			*o = mul_shift(mul_shift(*v, inv, 16), *g, shift);
		}
	}
	out
}

/// RoPE tables: for each position, `(cos, sin)` in Q15 of each pair's angle.
pub struct Rope {
	/// Pairs per head.
	pub pairs: usize,
	/// `cos[p · pairs + i]`.
	pub cos: Vec<i32>,
	/// `sin[p · pairs + i]`.
	pub sin: Vec<i32>,
}

impl Rope {
	/// Tables for `positions` positions, rotating `dims` dimensions with base `base`:
	/// `θ_i = base^(−2i/dims)`.
	pub fn new(positions: usize, dims: usize, base: f64) -> Self {
		use super::fixed::det;
		let pairs = dims / 2;
		let ln_base = det::ln(base);
		let theta: Vec<f64> =
			(0..pairs).map(|i| det::exp(-((2 * i) as f64) / dims as f64 * ln_base)).collect();
		let mut cos = Vec::with_capacity(positions * pairs);
		let mut sin = Vec::with_capacity(positions * pairs);
		for p in 0..positions {
			for t in &theta {
				let (c, s) = det::cos_sin(p as f64 * t);
				cos.push(det::round(c * 32_768.0) as i32);
				sin.push(det::round(s * 32_768.0) as i32);
			}
		}
		Self { pairs, cos, sin }
	}

	/// Rotates every head (width `head_dim`) of `row` for position `pos`.
	pub fn apply(&self, row: &mut [i32], head_dim: usize, pos: usize) {
		let cos = &self.cos[pos * self.pairs..(pos + 1) * self.pairs];
		let sin = &self.sin[pos * self.pairs..(pos + 1) * self.pairs];
		for head in row.chunks_mut(head_dim) {
			for (i, (c, s)) in cos.iter().zip(sin).enumerate() {
				let (x0, x1) = (head[2 * i], head[2 * i + 1]);
				head[2 * i] = mul_shift(x0, *c, 15).wrapping_sub(mul_shift(x1, *s, 15));
				head[2 * i + 1] = mul_shift(x0, *s, 15).wrapping_add(mul_shift(x1, *c, 15));
			}
		}
	}
}

/// One layer's cached keys and values: quantized blocks, one row per position.
#[derive(Clone, Debug, Default)]
pub struct LayerCache {
	/// Keys (after RoPE), `positions × kv_dim`.
	pub k: Vec<i16>,
	/// Their block exponents.
	pub k_exponent: Vec<u8>,
	/// Values, `positions × kv_dim`.
	pub v: Vec<i16>,
	/// Their block exponents.
	pub v_exponent: Vec<u8>,
}

impl LayerCache {
	/// Appends one position's key and value rows.
	pub fn push(&mut self, k: &[i32], v: &[i32]) {
		for (keys, values) in k.chunks(BLOCK).zip(v.chunks(BLOCK)) {
			let mut q = [0i16; BLOCK];
			self.k_exponent.push(quantize_block(keys, ATTENTION_BITS, &mut q));
			self.k.extend_from_slice(&q);
			self.v_exponent.push(quantize_block(values, ATTENTION_BITS, &mut q));
			self.v.extend_from_slice(&q);
		}
	}

	/// Drops positions from `len` on.
	pub fn truncate(&mut self, len: usize, kv_dim: usize) {
		self.k.truncate(len * kv_dim);
		self.v.truncate(len * kv_dim);
		self.k_exponent.truncate(len * kv_dim / BLOCK);
		self.v_exponent.truncate(len * kv_dim / BLOCK);
	}
}

/// The attention's constants.
pub struct AttentionShape {
	/// Query heads.
	pub heads: usize,
	/// Key/value heads (each shared by `heads / kv_heads` query heads).
	pub kv_heads: usize,
	/// Width of a head (a multiple of 32).
	pub head_dim: usize,
	/// `round(2^15 / √head_dim)`.
	pub score_scale: i32,
}

/// Causal attention of one query row (`heads × head_dim`, at position `pos`) over the cache's
/// positions `0..=pos`.
pub fn attention(
	shape: &AttentionShape,
	exp2: &[u32; 256],
	query: &[i32],
	cache: &LayerCache,
	pos: usize,
) -> Vec<i32> {
	let hd = shape.head_dim;
	let kv_dim = shape.kv_heads * hd;
	let group = shape.heads / shape.kv_heads;
	let head_blocks = hd / BLOCK;
	let kv_blocks = kv_dim / BLOCK;
	let mut q = vec![0i16; query.len()];
	let q_exponent: Vec<u8> = query
		.chunks(BLOCK)
		.zip(q.chunks_mut(BLOCK))
		.map(|(x, o)| quantize_block(x, ATTENTION_BITS, o))
		.collect();
	let positions = pos + 1;
	let mut out = vec![0i32; query.len()];
	let mut scores = vec![0i32; positions];
	let mut weights = vec![0u32; positions];
	for h in 0..shape.heads {
		let kvh = h / group;
		for (j, score) in scores.iter_mut().enumerate() {
			let mut s = 0i32;
			for b in 0..head_blocks {
				let qb = h * head_blocks + b;
				let kb = j * kv_blocks + kvh * head_blocks + b;
				let dot = dot_wide(
					&q[qb * BLOCK..(qb + 1) * BLOCK],
					&cache.k[kb * BLOCK..(kb + 1) * BLOCK],
				);
				let e = i32::from(q_exponent[qb]) + i32::from(cache.k_exponent[kb]);
				s = s.wrapping_add(mul_shift(dot, shape.score_scale, 31 - e));
			}
			*score = s;
		}
		let max = scores.iter().copied().max().unwrap_or(0);
		let mut total = 0u32;
		for (w, s) in weights.iter_mut().zip(&scores) {
			let t = max.wrapping_sub(*s);
			let u = mul_shift(t, LOG2_E_Q15, 19) as u32;
			*w = exp2_neg(exp2, u);
			total = total.wrapping_add(*w);
		}
		let total = total.max(1);
		for w in weights.iter_mut() {
			*w = (*w << 15) / total;
		}
		for b in 0..head_blocks {
			let vb = |j: usize| j * kv_blocks + kvh * head_blocks + b;
			let e_max = (0..positions).map(|j| cache.v_exponent[vb(j)]).max().unwrap_or(0);
			let column = (h * head_blocks + b) * BLOCK;
			let mut acc = [0i32; BLOCK];
			for (j, w) in weights.iter().enumerate() {
				let block = vb(j);
				let shift = u32::from(e_max - cache.v_exponent[block]);
				let values = &cache.v[block * BLOCK..(block + 1) * BLOCK];
				for (a, v) in acc.iter_mut().zip(values) {
					*a = a.wrapping_add(floor_shift(*w as i32 * i32::from(*v), shift));
				}
			}
			for (o, a) in out[column..column + BLOCK].iter_mut().zip(acc) {
				*o = scale_by_power_of_two(a, i32::from(e_max) - 15);
			}
		}
	}
	out
}

/// SwiGLU: `silu(gate) · up`, elementwise.
pub fn swiglu(sigmoid_table: &[i32], gate: &[i32], up: &[i32]) -> Vec<i32> {
	gate.iter()
		.zip(up)
		.map(|(g, u)| {
			let silu = mul_shift(*g, sigmoid(sigmoid_table, *g), 15);
			mul_shift(silu, *u, ACT_FRAC as i32)
		})
		.collect()
}

/// `x += y`, saturating.
pub fn add_residual(x: &mut [i32], y: &[i32]) {
	for (a, b) in x.iter_mut().zip(y) {
		*a = a.saturating_add(*b);
	}
}

//! The one place the worker uses `unsafe`: calling the matrix product compiled for the CPU's
//! vector instructions (AVX2, or AVX-512 with VNNI) once the CPU has said it has them.
//!
//! The code is the same safe Rust as [`super::ops`]' reference loop, inlined into functions
//! compiled with those instruction sets enabled, so the compiler vectorizes the int8 block dot
//! products. Integer arithmetic gives the same result whatever instructions compute it: the
//! tests compare every variant this CPU runs with the portable build.

#![allow(unsafe_code)]

use super::{ops, ops::QuantizedRows, weights::Matrix};

/// The vector instruction sets a matrix product can use on this CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
	/// The portable build (SSE2 on x86-64).
	Portable,
	/// AVX2.
	Avx2,
	/// AVX-512 (F, BW, VL) with VNNI.
	Avx512Vnni,
}

/// The best variant this CPU runs.
pub fn detect() -> Isa {
	#[cfg(target_arch = "x86_64")]
	{
		if std::is_x86_feature_detected!("avx512f")
			&& std::is_x86_feature_detected!("avx512bw")
			&& std::is_x86_feature_detected!("avx512vl")
			&& std::is_x86_feature_detected!("avx512vnni")
		{
			return Isa::Avx512Vnni;
		}
		if std::is_x86_feature_detected!("avx2") {
			return Isa::Avx2;
		}
	}
	Isa::Portable
}

/// Every variant this CPU can run (for the tests).
pub fn available() -> Vec<Isa> {
	match detect() {
		Isa::Portable => vec![Isa::Portable],
		Isa::Avx2 => vec![Isa::Portable, Isa::Avx2],
		Isa::Avx512Vnni => vec![Isa::Portable, Isa::Avx2, Isa::Avx512Vnni],
	}
}

/// [`ops::matmul_rows`] with the instruction set `isa`, which must be one [`available`] lists
/// (any other falls back to the portable build).
pub fn matmul_rows(isa: Isa, x: &QuantizedRows, w: &Matrix, first: usize, out: &mut [i32]) {
	#[cfg(target_arch = "x86_64")]
	{
		let have = available();
		if isa == Isa::Avx512Vnni && have.contains(&isa) {
			// SAFETY: the CPU reported AVX-512 F/BW/VL and VNNI just above (`available`).
			return unsafe { avx512_vnni(x, w, first, out) };
		}
		if isa == Isa::Avx2 && have.contains(&isa) {
			// SAFETY: the CPU reported AVX2 just above (`available`).
			return unsafe { avx2(x, w, first, out) };
		}
	}
	let _ = isa;
	ops::matmul_rows(x, w, first, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
fn avx2(x: &QuantizedRows, w: &Matrix, first: usize, out: &mut [i32]) {
	let rows = x.rows();
	for (k, column) in out.chunks_mut(rows).enumerate() {
		for (row, o) in column.iter_mut().enumerate() {
			*o = x86::matmul_one(x, row, w, first + k);
		}
	}
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt,avx512f,avx512bw,avx512vl,avx512vnni")]
fn avx512_vnni(x: &QuantizedRows, w: &Matrix, first: usize, out: &mut [i32]) {
	let rows = x.rows();
	for (k, column) in out.chunks_mut(rows).enumerate() {
		for (row, o) in column.iter_mut().enumerate() {
			*o = x86::matmul_one(x, row, w, first + k);
		}
	}
}

/// The reference's `matmul_one` with eight blocks at a time in 256-bit registers: per block,
/// `Σ q·a` by `madd` on 16-bit lanes (weights widened from 4 or 8 bits), eight blocks' sums
/// gathered by `hadd`, then `D·Σqa + M·Σa` and the per-block shifts (`srav`, which fills with the sign
/// from 32 on, as the reference's clamped shift) on eight lanes. Leftover blocks take the
/// scalar path.
#[cfg(target_arch = "x86_64")]
mod x86 {
	use core::arch::x86_64::*;

	use super::super::{
		fixed::{floor_shift, scale_by_power_of_two},
		ops::QuantizedRows,
		weights::{Matrix, BLOCK},
	};

	/// Eight partial sums of one block's `q·a`: int8 weights widened to 16 bits, `madd` with
	/// the 16-bit activations (pairs of products summed into 32-bit lanes).
	#[inline]
	#[target_feature(enable = "avx2")]
	unsafe fn byte_products(a: *const i16, w: *const u8) -> __m256i {
		let w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(w as *const __m128i));
		let w1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(w.add(16) as *const __m128i));
		let a0 = _mm256_loadu_si256(a as *const __m256i);
		let a1 = _mm256_loadu_si256(a.add(16) as *const __m256i);
		_mm256_add_epi32(_mm256_madd_epi16(w0, a0), _mm256_madd_epi16(w1, a1))
	}

	/// The same for 16 bytes of unsigned nibbles: low halves are q_0..15, high halves q_16..31.
	#[inline]
	#[target_feature(enable = "avx2")]
	unsafe fn nibble_products(a: *const i16, w: *const u8) -> __m256i {
		let packed = _mm_loadu_si128(w as *const __m128i);
		let mask = _mm_set1_epi8(15);
		let low = _mm256_cvtepu8_epi16(_mm_and_si128(packed, mask));
		let high = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(packed, 4), mask));
		let a0 = _mm256_loadu_si256(a as *const __m256i);
		let a1 = _mm256_loadu_si256(a.add(16) as *const __m256i);
		_mm256_add_epi32(_mm256_madd_epi16(low, a0), _mm256_madd_epi16(high, a1))
	}

	#[inline]
	#[target_feature(enable = "avx2")]
	pub(super) fn matmul_one(x: &QuantizedRows, row: usize, w: &Matrix, r: usize) -> i32 {
		let blocks = w.blocks();
		let e_max = i32::from(x.max_exponent[row]);
		let s = w.block_shift as i32;
		let xq = &x.q[row * x.cols..(row + 1) * x.cols];
		let step = w.row_bytes() / blocks;
		let wq = &w.q[r * w.row_bytes()..(r + 1) * w.row_bytes()];
		let scale = &w.scale[r * blocks..(r + 1) * blocks];
		let min = &w.min[r * blocks..(r + 1) * blocks];
		let scale_shift = &w.scale_shift[r * blocks..(r + 1) * blocks];
		let min_shift = &w.min_shift[r * blocks..(r + 1) * blocks];
		let exponent = &x.exponent[row * blocks..(row + 1) * blocks];
		let sum = &x.sum[row * blocks..(row + 1) * blocks];
		let groups = blocks / 8;
		let mut total = 0i32;
		// SAFETY: every pointer read below lies inside the slices above: group g covers blocks
		// 8g..8g+8 ≤ blocks, i.e. values up to 256(g+1) ≤ cols of `xq` and 8·step·(g+1) ≤
		// row_bytes of `wq` (a nibble block reads 16 bytes, an int8 block 32 = step), and elements
		// up to 8(g+1) ≤ blocks of `scale`, `min`, both shifts, `exponent` and `sum` (unaligned
		// loads).
		unsafe {
			let mut acc = _mm256_setzero_si256();
			let base = _mm256_set1_epi32(s + e_max);
			for g in 0..groups {
				let a = xq.as_ptr().add(g * 8 * BLOCK);
				let b = wq.as_ptr().add(g * 8 * step);
				let mut p = [_mm256_setzero_si256(); 8];
				for (i, p) in p.iter_mut().enumerate() {
					*p = if w.nibbles {
						nibble_products(a.add(i * BLOCK), b.add(i * step))
					} else {
						byte_products(a.add(i * BLOCK), b.add(i * step))
					};
				}
				let h01 = _mm256_hadd_epi32(p[0], p[1]);
				let h23 = _mm256_hadd_epi32(p[2], p[3]);
				let h45 = _mm256_hadd_epi32(p[4], p[5]);
				let h67 = _mm256_hadd_epi32(p[6], p[7]);
				let h0123 = _mm256_hadd_epi32(h01, h23);
				let h4567 = _mm256_hadd_epi32(h45, h67);
				let dots = _mm256_add_epi32(
					_mm256_permute2x128_si256(h0123, h4567, 0x20),
					_mm256_permute2x128_si256(h0123, h4567, 0x31),
				);
				let d = _mm256_cvtepi16_epi32(_mm_loadu_si128(
					scale.as_ptr().add(g * 8) as *const __m128i
				));
				let m = _mm256_cvtepi16_epi32(_mm_loadu_si128(
					min.as_ptr().add(g * 8) as *const __m128i
				));
				let sa = _mm256_loadu_si256(sum.as_ptr().add(g * 8) as *const __m256i);
				let e = _mm256_cvtepu8_epi32(_mm_loadl_epi64(
					exponent.as_ptr().add(g * 8) as *const __m128i
				));
				let d_shift = _mm256_cvtepu8_epi32(_mm_loadl_epi64(
					scale_shift.as_ptr().add(g * 8) as *const __m128i,
				));
				let m_shift = _mm256_cvtepu8_epi32(_mm_loadl_epi64(
					min_shift.as_ptr().add(g * 8) as *const __m128i
				));
				let shift = _mm256_sub_epi32(base, e);
				let td = _mm256_srav_epi32(
					_mm256_mullo_epi32(d, dots),
					_mm256_add_epi32(shift, d_shift),
				);
				let tm =
					_mm256_srav_epi32(_mm256_mullo_epi32(m, sa), _mm256_add_epi32(shift, m_shift));
				acc = _mm256_add_epi32(acc, _mm256_add_epi32(td, tm));
			}
			let mut lanes = [0i32; 8];
			_mm256_storeu_si256(lanes.as_mut_ptr() as *mut __m256i, acc);
			for lane in lanes {
				total = total.wrapping_add(lane);
			}
		}
		for j in groups * 8..blocks {
			// SAFETY: block j < blocks lies inside `xq` (values 32j..32j+32) and `wq` (bytes
			// step·j..step·(j+1)).
			let dot = unsafe {
				let p = if w.nibbles {
					nibble_products(xq.as_ptr().add(j * BLOCK), wq.as_ptr().add(j * step))
				} else {
					byte_products(xq.as_ptr().add(j * BLOCK), wq.as_ptr().add(j * step))
				};
				let mut lanes = [0i32; 8];
				_mm256_storeu_si256(lanes.as_mut_ptr() as *mut __m256i, p);
				lanes.iter().fold(0i32, |a, b| a.wrapping_add(*b))
			};
			let shift = s + e_max - i32::from(exponent[j]);
			let td = i32::from(scale[j]) * dot;
			let tm = i32::from(min[j]) * sum[j];
			total = total
				.wrapping_add(floor_shift(td, (shift + i32::from(scale_shift[j])) as u32))
				.wrapping_add(floor_shift(tm, (shift + i32::from(min_shift[j])) as u32));
		}
		scale_by_power_of_two(total, e_max + s - w.exponent[r])
	}
}

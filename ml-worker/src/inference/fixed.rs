//! Fixed-point arithmetic and tables of the integer engine (docs/protocol.md §7).
//!
//! Every activation is an `i32` with [`ACT_FRAC`] fractional bits. Products that need more than
//! 32 bits go through [`mul_shift`], `⌊a·b / 2^k⌋` reduced mod 2^32 — exact, and what a WGSL
//! kernel gets from 16-bit limbs, since WGSL has no 64-bit integers. Shifts saturate or round
//! as each helper says; no helper panics on any input.
//!
//! The tables (exp2, sigmoid, log2, RoPE's cosines and sines) are computed once, when a model
//! loads, by [`det`]: only IEEE-754 additions, multiplications, divisions and square roots,
//! which every platform rounds identically — never `exp`/`sin` from the platform's libm, whose
//! last bits differ between systems. Each table is then plain integers, the same everywhere.

/// Fractional bits of every activation (the residual stream included): 1.0 = 2^14.
pub const ACT_FRAC: u32 = 14;

/// `⌊a · b / 2^k⌋` for `k ≥ 0`, `a · b · 2^−k` for `k < 0`, reduced mod 2^32 (exact whenever the
/// result fits an `i32`). `k` is clamped to [−32, 62].
pub fn mul_shift(a: i32, b: i32, k: i32) -> i32 {
	let product = i64::from(a) * i64::from(b);
	if k >= 0 {
		(product >> k.min(62)) as i32
	} else {
		(product << (-k).min(32)) as i32
	}
}

/// `x · 2^k` saturated to the `i32` range for `k ≥ 0`; `x / 2^−k` rounded half up for `k < 0`.
pub fn scale_by_power_of_two(x: i32, k: i32) -> i32 {
	if k >= 0 {
		let k = k.min(31) as u32;
		let limit = i32::MAX >> k;
		if x > limit {
			i32::MAX
		} else if x < -limit {
			-i32::MAX
		} else {
			x << k
		}
	} else {
		round_shift(x, (-k) as u32)
	}
}

/// `x / 2^k` rounded half up, `⌊(x + 2^(k−1)) / 2^k⌋`, computed without overflow as
/// `⌊x / 2^k⌋` plus bit `k − 1` of `x`; 0 from `k = 32` on.
pub fn round_shift(x: i32, k: u32) -> i32 {
	match k {
		0 => x,
		k if k > 31 => 0,
		k => (x >> k) + ((x >> (k - 1)) & 1),
	}
}

/// `x >> k` (toward −∞) for any `k`: 31 and beyond leave the sign (0 or −1).
pub fn floor_shift(x: i32, k: u32) -> i32 {
	x >> k.min(31)
}

/// Number of significant bits of `x` (0 for 0).
pub fn bit_length(x: u32) -> u32 {
	32 - x.leading_zeros()
}

/// log2(e) in Q15.
pub const LOG2_E_Q15: i32 = 47_274;
/// ln(2) in Q16.
pub const LN_2_Q16: i32 = 45_426;

/// `round(2^16 · 2^(−r/256))` for r = 0..256: [`exp2_neg`]'s fraction table.
pub fn exp2_table() -> [u32; 256] {
	let mut table = [0u32; 256];
	for (r, entry) in table.iter_mut().enumerate() {
		*entry = det::round(65_536.0 * det::exp2(-(r as f64) / 256.0)) as u32;
	}
	table
}

/// `2^(−u/256)` in Q16 for `u ≥ 0` (zero from u = 32·256 on).
pub fn exp2_neg(table: &[u32; 256], u: u32) -> u32 {
	if u >= 32 * 256 {
		0
	} else {
		table[(u & 255) as usize] >> (u >> 8)
	}
}

/// Sigmoid sampled every 1/64 on [−16, 16], in Q15: entry `i` is `σ((i − 1024) / 64)`.
pub fn sigmoid_table() -> Vec<i32> {
	(0..=2048)
		.map(|i| {
			let x = (i as f64 - 1024.0) / 64.0;
			det::round(32_768.0 / (1.0 + det::exp(-x))) as i32
		})
		.collect()
}

/// σ(x) in Q15 for `x` with [`ACT_FRAC`] fractional bits: the table, linearly interpolated
/// on the 8 bits below its step, clamped beyond ±16.
pub fn sigmoid(table: &[i32], x: i32) -> i32 {
	let index = x >> (ACT_FRAC - 6);
	if index < -1024 {
		return table[0];
	}
	if index >= 1024 {
		return table[2048];
	}
	let i = (index + 1024) as usize;
	let fraction = x & 255;
	table[i] + (((table[i + 1] - table[i]) * fraction) >> 8)
}

/// `round(2^16 · log2(1 + i/256))` for i = 0..=256.
pub fn log2_table() -> Vec<i32> {
	(0..=256).map(|i| det::round(65_536.0 * det::log2(1.0 + i as f64 / 256.0)) as i32).collect()
}

/// log2(x) in Q16 for x ≥ 1: the integer part from the bit length, the fraction from the table
/// with linear interpolation on the next 8 bits.
pub fn log2_q16(table: &[i32], x: u32) -> i32 {
	let x = x.max(1);
	let whole = bit_length(x) - 1;
	// The mantissa as 16 fractional bits, x / 2^whole − 1.
	let mantissa =
		if whole >= 16 { (x >> (whole - 16)) & 0xFFFF } else { (x << (16 - whole)) & 0xFFFF };
	let i = (mantissa >> 8) as usize;
	let fraction = (mantissa & 255) as i32;
	let frac = table[i] + (((table[i + 1] - table[i]) * fraction) >> 8);
	(whole as i32) * 65_536 + frac
}

/// Deterministic real functions for building tables: IEEE-754 `+ − × ÷ √` only.
pub mod det {
	const LN_2: f64 = core::f64::consts::LN_2;

	/// Round half away from zero.
	pub fn round(x: f64) -> f64 {
		x.round()
	}

	/// 2^n for an integer n in the normal range, exactly.
	fn pow2i(n: i32) -> f64 {
		f64::from_bits(((1023 + n.clamp(-1022, 1023)) as u64) << 52)
	}

	/// e^x: x = n·ln2 + r with |r| ≤ ln2/2, then a Taylor series of r.
	pub fn exp(x: f64) -> f64 {
		if x < -700.0 {
			return 0.0;
		}
		let n = round(x / LN_2);
		let r = x - n * LN_2;
		let mut term = 1.0;
		let mut sum = 1.0;
		for k in 1..=24 {
			term = term * r / k as f64;
			sum += term;
		}
		sum * pow2i(n as i32)
	}

	/// 2^x.
	pub fn exp2(x: f64) -> f64 {
		exp(x * LN_2)
	}

	/// ln x for x > 0: x = m·2^e with m in [√½, √2), then 2·atanh((m−1)/(m+1)).
	pub fn ln(x: f64) -> f64 {
		let bits = x.to_bits();
		let mut e = ((bits >> 52) & 0x7FF) as i32 - 1023;
		let mut m = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
		if m > core::f64::consts::SQRT_2 {
			m /= 2.0;
			e += 1;
		}
		let z = (m - 1.0) / (m + 1.0);
		let z2 = z * z;
		let mut term = z;
		let mut sum = 0.0;
		for k in 0..40 {
			sum += term / (2 * k + 1) as f64;
			term *= z2;
		}
		2.0 * sum + e as f64 * LN_2
	}

	/// log2 x.
	pub fn log2(x: f64) -> f64 {
		ln(x) / LN_2
	}

	/// (cos x, sin x): x reduced modulo 2π to [−π, π], then Taylor series.
	pub fn cos_sin(x: f64) -> (f64, f64) {
		let two_pi = 2.0 * core::f64::consts::PI;
		let r = x - round(x / two_pi) * two_pi;
		let r2 = r * r;
		let (mut c, mut s) = (0.0, 0.0);
		let mut term_c = 1.0;
		let mut term_s = r;
		for k in 0..30 {
			c += term_c;
			s += term_s;
			let k = k as f64;
			term_c = -term_c * r2 / ((2.0 * k + 1.0) * (2.0 * k + 2.0));
			term_s = -term_s * r2 / ((2.0 * k + 2.0) * (2.0 * k + 3.0));
		}
		(c, s)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn mul_shift_is_the_floor_of_the_exact_product_mod_2_32() {
		assert_eq!(mul_shift(3, 5, 1), 7);
		assert_eq!(mul_shift(-3, 5, 1), -8);
		assert_eq!(mul_shift(i32::MAX, i32::MAX, 31), ((i64::from(i32::MAX).pow(2)) >> 31) as i32);
		assert_eq!(mul_shift(3, 5, -2), 60);
		assert_eq!(mul_shift(1 << 20, 1 << 20, 62), 0);
	}

	#[test]
	fn shifts_round_saturate_and_never_panic() {
		assert_eq!(round_shift(5, 1), 3);
		assert_eq!(round_shift(-5, 1), -2);
		assert_eq!(round_shift(i32::MAX, 1), 1 << 30);
		assert_eq!(round_shift(-7, 40), 0);
		assert_eq!(round_shift(i32::MIN, 31), -1);
		assert_eq!(round_shift(-3, 1), -1);
		for x in [-1_000_001, -6, -5, -1, 0, 1, 5, 6, 999_999, i32::MAX - 1] {
			for k in 1..31 {
				let exact = (i64::from(x) + (1i64 << (k - 1))) >> k;
				assert_eq!(i64::from(round_shift(x, k)), exact, "x={x} k={k}");
			}
		}
		assert_eq!(floor_shift(-7, 40), -1);
		assert_eq!(scale_by_power_of_two(1 << 30, 2), i32::MAX);
		assert_eq!(scale_by_power_of_two(-(1 << 30), 2), -i32::MAX);
		assert_eq!(scale_by_power_of_two(3, -1), 2);
	}

	#[test]
	fn deterministic_functions_match_the_platform_to_many_digits() {
		for x in [-20.0, -1.5, -0.1, 0.0, 0.3, 2.0, 11.0] {
			assert!((det::exp(x) / x.exp() - 1.0).abs() < 1e-13, "exp {x}");
		}
		for x in [1e-5, 0.5, 1.0, 3.0, 100_000.0] {
			assert!((det::ln(x) - x.ln()).abs() < 1e-12, "ln {x}");
		}
		for x in [0.0, 1.0, -2.5, 100.0, 8191.0] {
			let (c, s) = det::cos_sin(x);
			assert!((c - x.cos()).abs() < 1e-11 && (s - x.sin()).abs() < 1e-11, "cos/sin {x}");
		}
	}

	#[test]
	fn tables_hold_the_functions_in_fixed_point() {
		let exp2 = exp2_table();
		assert_eq!(exp2[0], 65_536);
		assert_eq!(exp2_neg(&exp2, 256), 32_768);
		assert_eq!(exp2_neg(&exp2, 128), 46_341);
		assert_eq!(exp2_neg(&exp2, 32 * 256), 0);
		let sig = sigmoid_table();
		assert_eq!(sigmoid(&sig, 0), 16_384);
		assert_eq!(sigmoid(&sig, i32::MAX), sig[2048]);
		assert_eq!(sigmoid(&sig, i32::MIN), sig[0]);
		let s1 = sigmoid(&sig, 1 << ACT_FRAC);
		assert!((f64::from(s1) / 32_768.0 - 1.0 / (1.0 + (-1.0f64).exp())).abs() < 1e-4);
		let log2 = log2_table();
		assert_eq!(log2_q16(&log2, 1), 0);
		assert_eq!(log2_q16(&log2, 1 << 20), 20 << 16);
		let l = log2_q16(&log2, 3_000_000);
		assert!((f64::from(l) / 65_536.0 - 3_000_000f64.log2()).abs() < 1e-4);
		assert_eq!(LOG2_E_Q15, det::round(det::log2(core::f64::consts::E) * 32_768.0) as i32);
		assert_eq!(LN_2_Q16, det::round(core::f64::consts::LN_2 * 65_536.0) as i32);
	}
}

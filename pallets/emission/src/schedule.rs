//! The emission schedule: `reward(e) = R0 · exp(−λ · (e − e0))` (docs/protocol.md §6), in
//! deterministic integer fixed point, each epoch's value computed directly from `e` — never by
//! multiplying the previous epoch's value, which would accumulate rounding over ~17,000 epochs.
//!
//! # How
//!
//! Let `x = λ · (e − e0)` in fixed point with [`SCALE`] = 10^27. Reduce the range with
//! `x = k · ln 2 + r`, `0 ≤ r < ln 2`, so `exp(−x) = exp(−r) / 2^k`; `exp(−r)` is the alternating
//! Taylor series `Σ (−r)^i / i!`, whose terms shrink below one unit of 10^-27 within ~30 steps.
//! Every product is `a · b / c` with a 256-bit intermediate (`multiply_by_rational_with_rounding`),
//! rounded down. With at most ~40 roundings of 10^-27 each, the relative error is below 10^-25;
//! on R0 = 3.23·10^14 planck that is far below one planck, so the result is `floor` of the exact
//! value or one planck under it (the tests compare with exact rational arithmetic).
//!
//! λ is chain state as a [`FixedU128`] (18 decimals: 0.000475 is exact).

use polkadot_sdk::sp_arithmetic::{
	helpers_128bit::multiply_by_rational_with_rounding, FixedPointNumber, FixedU128, Rounding,
};

/// The fixed-point scale of the exponential: 10^27.
pub const SCALE: u128 = 1_000_000_000_000_000_000_000_000_000;

/// ln 2 · 10^27, rounded to nearest (0.693147180559945309417232121458...).
pub const LN_2: u128 = 693_147_180_559_945_309_417_232_121;

/// `a · b / c`, rounded down, with a 256-bit intermediate; `None` if the result overflows.
fn mul_div(a: u128, b: u128, c: u128) -> Option<u128> {
	multiply_by_rational_with_rounding(a, b, c, Rounding::Down)
}

/// `exp(−x)` for `x` in fixed point (`x / SCALE`), as a fixed-point value in `[0, SCALE]`.
/// Rounds down; returns 0 when the true value is below one unit.
pub fn exp_neg(x: u128) -> u128 {
	let k = x / LN_2;
	// exp(-x) < 2^-k ≤ 2^-90 < 10^-27: nothing is left at this scale.
	if k >= 90 {
		return 0;
	}
	let r = x - k * LN_2;
	// Σ (−r)^i / i!, positive and negative parts summed apart so nothing underflows.
	let (mut positive, mut negative) = (SCALE, 0u128);
	let mut term = SCALE;
	let mut i: u128 = 1;
	loop {
		// term_i = term_{i-1} · r / (i · SCALE); r < 1 and i ≥ 1, so this never overflows.
		term = match mul_div(term, r, SCALE.saturating_mul(i)) {
			Some(t) => t,
			None => break,
		};
		if term == 0 {
			break;
		}
		if i % 2 == 1 {
			negative += term;
		} else {
			positive += term;
		}
		i += 1;
	}
	positive.saturating_sub(negative) >> k
}

/// `reward(e) = r0 · exp(−λ · (e − e0))`, in planck, rounded down. Epochs before `e0` pay `r0`.
pub fn reward(r0: u128, lambda: FixedU128, e0: u32, e: u32) -> u128 {
	let elapsed = u128::from(e.saturating_sub(e0));
	// λ has 18 decimals; the exponent needs SCALE's 27.
	let lambda_scaled = lambda.into_inner().saturating_mul(SCALE / FixedU128::accuracy());
	let x = lambda_scaled.saturating_mul(elapsed);
	mul_div(r0, exp_neg(x), SCALE).unwrap_or(0)
}

#[cfg(test)]
mod tests {
	use super::*;
	use num_bigint::BigInt;
	use num_rational::BigRational;
	use num_traits::{One, Signed, ToPrimitive, Zero};

	const SPR: u128 = 1_000_000_000;
	const R0: u128 = 323_000 * SPR;

	fn lambda() -> FixedU128 {
		FixedU128::from_rational(475, 1_000_000)
	}

	/// R0 · exp(−λ·e) with exact rational arithmetic: the Taylor series of exp(−x) summed until
	/// the remaining terms cannot change the integer part (no range reduction, no fixed point).
	fn exact_reward(r0: u128, e: u32) -> BigRational {
		let x =
			BigRational::new(BigInt::from(475u32) * BigInt::from(e), BigInt::from(1_000_000u32));
		let mut sum = BigRational::zero();
		let mut term = BigRational::one();
		let bound = BigRational::new(BigInt::one(), BigInt::from(10u32).pow(40));
		let mut i = 1u32;
		loop {
			sum += &term;
			term = -(&term * &x) / BigRational::from_integer(BigInt::from(i));
			// Past the peak, |terms| decrease: the alternating tail is below the next term.
			if BigInt::from(i) > x.to_integer() && term.abs() < bound {
				break;
			}
			i += 1;
		}
		sum * BigRational::from_integer(BigInt::from(r0))
	}

	fn assert_within_one_planck(e: u32) {
		let ours = reward(R0, lambda(), 0, e);
		let exact = exact_reward(R0, e);
		let floor = exact.floor().to_integer().to_u128().expect("fits u128");
		assert!(
			ours == floor || ours + 1 == floor,
			"epoch {e}: fixed point {ours} vs exact floor {floor}"
		);
	}

	#[test]
	fn emission_at_epoch_zero_is_r0() {
		assert_eq!(reward(R0, lambda(), 0, 0), R0);
		assert_eq!(exp_neg(0), SCALE);
	}

	#[test]
	fn emission_is_within_one_planck_of_the_exact_exponential() {
		for e in [1, 2, 3, 10, 100, 365, 1000, 1459, 1460, 2918, 5000, 10_000, 17_000, 30_000] {
			assert_within_one_planck(e);
		}
	}

	#[test]
	fn emission_halves_after_1459_epochs() {
		let half = reward(R0, lambda(), 0, 1459);
		// exp(−0.000475 · 1459) = 0.500061...
		let ratio = half as f64 / R0 as f64;
		assert!((ratio - 0.500061).abs() < 1e-6, "ratio {ratio}");
	}

	#[test]
	fn emission_before_the_start_epoch_is_r0_and_decays_from_it() {
		assert_eq!(reward(R0, lambda(), 100, 50), R0);
		assert_eq!(reward(R0, lambda(), 100, 100), R0);
		assert_eq!(reward(R0, lambda(), 100, 1559), reward(R0, lambda(), 0, 1459));
	}

	#[test]
	fn emission_never_increases_and_reaches_zero() {
		let mut previous = R0;
		for e in (0..200_000).step_by(997) {
			let r = reward(R0, lambda(), 0, e);
			assert!(r <= previous, "epoch {e}");
			previous = r;
		}
		assert_eq!(reward(R0, lambda(), 0, u32::MAX), 0);
		assert_eq!(reward(R0, FixedU128::from_u32(1_000), 0, u32::MAX), 0);
	}

	#[test]
	fn the_sum_over_all_epochs_stays_under_the_680_million_cap() {
		// Σ R0·q^e = R0 / (1 − q), q = exp(−λ): 323,000 / 0.000474887 ≈ 680.16M; the cap
		// (680M) is what bounds it, reached after ~48 years.
		let total: u128 = (0..60_000).map(|e| reward(R0, lambda(), 0, e)).sum();
		assert!(total > 680_000_000 * SPR && total < 681_000_000 * SPR, "{total}");
	}

	proptest::proptest! {
		#[test]
		fn any_epoch_is_within_one_planck_of_exact(e in 0u32..40_000) {
			assert_within_one_planck(e);
		}
	}
}

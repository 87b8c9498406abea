//! Choosing the next token from the integer logits, and their log-probabilities — integer
//! arithmetic only, so an audit replays a sampled answer exactly (docs/protocol.md §7).
//!
//! **Log-softmax** (logits `l` with [`ACT_FRAC`] fractional bits, vocabulary `V`):
//!
//! ```text
//! t_i   = max l − l_i                                  u_i = ⌊t_i · log2(e)_Q15 / 2^21⌋
//! w_i   = 2^(−u_i/256) in Q16, >> δ   (δ = max(0, ⌈log2 V⌉ − 16), so Σ w fits a u32)
//! lnZ   = ⌊(log2_Q16(Σ w) + (δ − 16)·2^16) · ln2_Q16 / 2^18⌋
//! lp_i  = −t_i − lnZ
//! ```
//!
//! **Sampling**: temperature 0 is greedy (the lowest id among equal maxima). Otherwise, with
//! `T₈ = round(256·T)`, each token weighs `w_i = 2^(−u_i/256)` (Q16) where `u_i` is computed as
//! above from `⌊t_i · 256 / T₈⌋`; tokens are ranked by weight (then id), the smallest prefix
//! whose weight reaches `⌈Σw · P₁₆ / 2^16⌉` (`P₁₆ = round(65536·top_p)`) is kept, and the token
//! is the first of that prefix whose running sum exceeds `⌊r · Σkept / 2^32⌋`, where
//! `r = word(seed key, position)` from the counter-based PRNG of [`crate::model::prng`], keyed by
//! the request's seed, and `position` is the sampled token's position in the sequence.

use thiserror::Error;

use super::fixed::{
	exp2_neg, exp2_table, log2_q16, log2_table, mul_shift, ACT_FRAC, LN_2_Q16, LOG2_E_Q15,
};
use crate::model::prng;

/// Sampling parameters out of range.
#[derive(Debug, Error, PartialEq)]
pub enum SamplingError {
	/// `temperature` outside [0, 2].
	#[error("temperature {0} is outside [0, 2]")]
	Temperature(f64),
	/// `top_p` outside (0, 1].
	#[error("top_p {0} is outside (0, 1]")]
	TopP(f64),
}

/// How to choose tokens: integers, so that a ticket can carry them exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SamplingParams {
	/// `round(256 · temperature)`; 0 is greedy.
	pub temperature_q8: u32,
	/// `round(65536 · top_p)`, in 1..=65536.
	pub top_p_q16: u32,
	/// The request's seed.
	pub seed: u64,
}

impl SamplingParams {
	/// Greedy decoding.
	pub const GREEDY: Self = Self { temperature_q8: 0, top_p_q16: 65_536, seed: 0 };

	/// Parameters from a ticket's integers (docs/protocol.md §7): temperature and `top_p` in
	/// thousandths, turned into the sampler's fixed point by integer arithmetic only, so that an
	/// executor and every auditor get the same parameters from the same ticket.
	pub fn from_milli(
		temperature_milli: u32,
		top_p_milli: u32,
		seed: u64,
	) -> Result<Self, SamplingError> {
		if temperature_milli > 2_000 {
			return Err(SamplingError::Temperature(f64::from(temperature_milli) / 1_000.0));
		}
		if top_p_milli == 0 || top_p_milli > 1_000 {
			return Err(SamplingError::TopP(f64::from(top_p_milli) / 1_000.0));
		}
		let scaled = |milli: u32, one: u64| ((u64::from(milli) * one + 500) / 1_000) as u32;
		Ok(Self {
			temperature_q8: scaled(temperature_milli, 256),
			top_p_q16: scaled(top_p_milli, 65_536).max(1),
			seed,
		})
	}

	/// Parameters from an API request's reals.
	pub fn new(temperature: f64, top_p: f64, seed: u64) -> Result<Self, SamplingError> {
		if !(0.0..=2.0).contains(&temperature) {
			return Err(SamplingError::Temperature(temperature));
		}
		if !(top_p > 0.0 && top_p <= 1.0) {
			return Err(SamplingError::TopP(top_p));
		}
		Ok(Self {
			temperature_q8: (temperature * 256.0).round() as u32,
			top_p_q16: ((top_p * 65_536.0).round() as u32).max(1),
			seed,
		})
	}
}

/// The sampler's tables.
pub struct Sampler {
	exp2: [u32; 256],
	log2: Vec<i32>,
}

impl Default for Sampler {
	fn default() -> Self {
		Self::new()
	}
}

/// `⌊t · log2(e) · 256⌋` for `t` with `ACT_FRAC` fractional bits: a power of two's exponent in
/// 1/256 steps.
fn log2_steps(t: i32) -> u32 {
	mul_shift(t.max(0), LOG2_E_Q15, 15 + ACT_FRAC as i32 - 8) as u32
}

impl Sampler {
	/// Builds the tables.
	pub fn new() -> Self {
		Self { exp2: exp2_table(), log2: log2_table() }
	}

	/// Log-probabilities of every token (`ACT_FRAC` fractional bits, ≤ 0).
	pub fn log_softmax(&self, logits: &[i32]) -> Vec<i32> {
		let max = logits.iter().copied().max().unwrap_or(0);
		let drop =
			(usize::BITS - logits.len().saturating_sub(1).leading_zeros()).saturating_sub(16);
		let total = logits.iter().fold(0u32, |sum, l| {
			sum.wrapping_add(exp2_neg(&self.exp2, log2_steps(max.wrapping_sub(*l))) >> drop)
		});
		let log2_total = log2_q16(&self.log2, total) + (drop as i32 - 16) * 65_536;
		let ln_total = mul_shift(log2_total, LN_2_Q16, 32 - ACT_FRAC as i32);
		logits.iter().map(|l| l.wrapping_sub(max).saturating_sub(ln_total)).collect()
	}

	/// The `k` most likely tokens with their log-probabilities, most likely first (ties by id).
	pub fn top_logprobs(&self, logprobs: &[i32], k: usize) -> Vec<(u32, i32)> {
		let mut ranked: Vec<(u32, i32)> =
			logprobs.iter().enumerate().map(|(i, lp)| (i as u32, *lp)).collect();
		let k = k.min(ranked.len());
		if k == 0 {
			return Vec::new();
		}
		ranked.select_nth_unstable_by(k - 1, |a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
		ranked.truncate(k);
		ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
		ranked
	}

	/// The token chosen at `position` under `params`.
	pub fn sample(&self, params: &SamplingParams, logits: &[i32], position: u32) -> u32 {
		let max = logits.iter().copied().max().unwrap_or(0);
		if params.temperature_q8 == 0 {
			return logits.iter().position(|l| *l == max).unwrap_or(0) as u32;
		}
		let mut weighted: Vec<(u32, u32)> = logits
			.iter()
			.enumerate()
			.filter_map(|(i, l)| {
				let t =
					i64::from(max.wrapping_sub(*l).max(0)) * 256 / i64::from(params.temperature_q8);
				let w = exp2_neg(&self.exp2, log2_steps(t.min(i64::from(i32::MAX)) as i32));
				(w > 0).then_some((i as u32, w))
			})
			.collect();
		weighted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
		let total: u64 = weighted.iter().map(|(_, w)| u64::from(*w)).sum();
		let cutoff = (total * u64::from(params.top_p_q16)).div_ceil(65_536);
		let mut kept = 0u64;
		let mut count = 0;
		for (_, w) in &weighted {
			kept += u64::from(*w);
			count += 1;
			if kept >= cutoff {
				break;
			}
		}
		let r = prng::word(&seed_key(params.seed), position);
		let target = (u64::from(r) * kept) >> 32;
		let mut running = 0u64;
		for (id, w) in &weighted[..count] {
			running += u64::from(*w);
			if running > target {
				return *id;
			}
		}
		weighted.first().map_or(0, |(id, _)| *id)
	}
}

/// The PRNG key of a request's seed.
fn seed_key(seed: u64) -> prng::Key {
	[seed as u32, (seed >> 32) as u32, 0x5350_5254, 0x5341_4d50]
}

/// A log-probability in nats, for the API.
pub fn to_nats(logprob: i32) -> f64 {
	f64::from(logprob) / f64::from(1u32 << ACT_FRAC)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn fixed(x: f64) -> i32 {
		(x * f64::from(1u32 << ACT_FRAC)).round() as i32
	}

	#[test]
	fn a_tickets_thousandths_give_the_requests_parameters() {
		for (t, p) in [(0, 1_000), (700, 950), (1_000, 1), (2_000, 1_000), (333, 500)] {
			let from_ticket = SamplingParams::from_milli(t, p, 9).expect("in range");
			let from_reals = SamplingParams::new(f64::from(t) / 1_000.0, f64::from(p) / 1_000.0, 9)
				.expect("in range");
			assert_eq!(from_ticket, from_reals, "temperature {t}‰, top_p {p}‰");
		}
		assert!(SamplingParams::from_milli(2_001, 1_000, 0).is_err());
		assert!(SamplingParams::from_milli(0, 0, 0).is_err());
		assert!(SamplingParams::from_milli(0, 1_001, 0).is_err());
	}

	#[test]
	fn log_softmax_matches_the_real_one_closely() {
		let sampler = Sampler::new();
		let real = [2.0, 1.0, 0.5, -3.0, 7.25, 7.0];
		let logits: Vec<i32> = real.iter().map(|x| fixed(*x)).collect();
		let z = real.iter().map(|x: &f64| x.exp()).sum::<f64>().ln();
		for (lp, x) in sampler.log_softmax(&logits).iter().zip(real) {
			assert!((to_nats(*lp) - (x - z)).abs() < 2e-3, "{} vs {}", to_nats(*lp), x - z);
		}
	}

	#[test]
	fn greedy_takes_the_first_maximum_and_top_logprobs_rank_by_value_then_id() {
		let sampler = Sampler::new();
		let logits = [3, 9, 9, 1];
		assert_eq!(sampler.sample(&SamplingParams::GREEDY, &logits, 0), 1);
		assert_eq!(sampler.top_logprobs(&[-5, -1, -1, -9], 3), vec![(1, -1), (2, -1), (0, -5)]);
	}

	#[test]
	fn sampling_is_a_function_of_seed_and_position_and_follows_the_weights() {
		let sampler = Sampler::new();
		let params = SamplingParams::new(1.0, 1.0, 42).expect("in range");
		let logits: Vec<i32> = [0.0, (3.0f64).ln()].iter().map(|x| fixed(*x)).collect();
		let draws: Vec<u32> = (0..4000).map(|p| sampler.sample(&params, &logits, p)).collect();
		let again: Vec<u32> = (0..4000).map(|p| sampler.sample(&params, &logits, p)).collect();
		assert_eq!(draws, again);
		let ones = draws.iter().filter(|t| **t == 1).count();
		// p(1) = 0.75: 3,000 ± 4σ (σ ≈ 27).
		assert!((2_890..=3_110).contains(&ones), "{ones}");
		let other = SamplingParams { seed: 43, ..params };
		assert_ne!(
			draws,
			(0..4000).map(|p| sampler.sample(&other, &logits, p)).collect::<Vec<_>>()
		);
	}

	#[test]
	fn top_p_keeps_only_the_smallest_prefix_that_reaches_it() {
		let sampler = Sampler::new();
		let logits: Vec<i32> = [0.0, (9.0f64).ln()].iter().map(|x| fixed(*x)).collect();
		let params = SamplingParams::new(1.0, 0.5, 7).expect("in range");
		assert!((0..500).all(|p| sampler.sample(&params, &logits, p) == 1));
	}

	#[test]
	fn parameters_out_of_range_are_refused() {
		assert_eq!(SamplingParams::new(2.5, 1.0, 0), Err(SamplingError::Temperature(2.5)));
		assert_eq!(SamplingParams::new(1.0, 0.0, 0), Err(SamplingError::TopP(0.0)));
		assert_eq!(SamplingParams::new(0.0, 1.0, 0).map(|p| p.temperature_q8), Ok(0));
	}
}

//! Difficulty (docs/protocol.md §3): `target(e+1) = clamp(target(e) · goal / accepted_total(e),
//! target(e)/4, target(e)·4)`, computed with a 512-bit intermediate and saturated at 2^256 − 1;
//! unchanged when nothing was accepted. Accepted totals, not committed counts, drive it, so an
//! inflated commitment cannot starve others.

use polkadot_sdk::sp_core::{U256, U512};

/// The next epoch's target from this epoch's target, the goal and the accepted total.
pub fn next_target(target: U256, goal: u64, accepted_total: u64) -> U256 {
	if accepted_total == 0 {
		return target;
	}
	let wide = U512::from(target);
	let proposed = wide * U512::from(goal) / U512::from(accepted_total);
	let low = wide / 4;
	let high = wide * 4;
	let clamped = proposed.max(low).min(high);
	U256::try_from(clamped).unwrap_or(U256::MAX)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_target_scales_by_goal_over_accepted() {
		let t = U256::from(1_000_000u64);
		assert_eq!(next_target(t, 100, 200), U256::from(500_000u64));
		assert_eq!(next_target(t, 100, 50), U256::from(2_000_000u64));
		assert_eq!(next_target(t, 100, 100), t);
	}

	#[test]
	fn the_difficulty_clamp_holds_at_both_ends() {
		let t = U256::from(1_000_000u64);
		assert_eq!(next_target(t, 100, 1_000_000), t / 4);
		assert_eq!(next_target(t, 1_000_000, 1), t * 4);
	}

	#[test]
	fn zero_accepted_leaves_the_target_unchanged() {
		let t = U256::from(12_345u64);
		assert_eq!(next_target(t, 100, 0), t);
	}

	#[test]
	fn an_easy_target_saturates_at_the_top_of_256_bits() {
		assert_eq!(next_target(U256::MAX, 100, 1), U256::MAX);
		assert_eq!(next_target(U256::MAX / 2, 4, 1), U256::MAX);
	}
}

//! Per-host reward ledgers: linear vesting over `vesting_epochs`, one bucket per epoch
//! (docs/protocol.md §6). Pure functions over [`RewardLedger`]; the pallet moves the funds.

use polkadot_sdk::sp_arithmetic::{
	helpers_128bit::multiply_by_rational_with_rounding, Perbill, Rounding,
};

use crate::types::{EpochIndex, RewardBucket, RewardLedger};

/// What of `bucket` has vested by epoch `now`, rounded down.
pub fn vested_in(bucket: &RewardBucket<u128>, now: EpochIndex) -> u128 {
	let elapsed = now.saturating_sub(bucket.start).min(bucket.duration);
	if elapsed >= bucket.duration {
		return bucket.amount;
	}
	multiply_by_rational_with_rounding(
		bucket.amount,
		u128::from(elapsed),
		u128::from(bucket.duration.max(1)),
		Rounding::Down,
	)
	.unwrap_or(0)
}

/// Moves everything vested by `now` into `ledger.vested` and re-bases the buckets at `now`.
/// Afterwards every bucket starts at `now` and ends at a distinct later epoch.
pub fn release(ledger: &mut RewardLedger<u128>, now: EpochIndex) {
	let mut released = 0u128;
	for bucket in ledger.buckets.iter_mut() {
		let vested = vested_in(bucket, now);
		let elapsed = now.saturating_sub(bucket.start).min(bucket.duration);
		released = released.saturating_add(vested);
		bucket.amount -= vested;
		bucket.duration -= elapsed;
		bucket.start = bucket.start.max(now);
	}
	ledger.buckets.retain(|b| b.amount > 0 && b.duration > 0);
	ledger.vested = ledger.vested.saturating_add(released);
}

/// Adds `amount`, vesting from `now` over `duration` epochs. Releases first, so buckets are
/// keyed by their end epoch and a ledger never holds more than `duration` of them; returns
/// `false` (and changes nothing) only if the bound would still be exceeded.
pub fn credit(
	ledger: &mut RewardLedger<u128>,
	now: EpochIndex,
	amount: u128,
	duration: u32,
) -> bool {
	release(ledger, now);
	let duration = duration.max(1);
	if let Some(bucket) =
		ledger.buckets.iter_mut().find(|b| b.start == now && b.duration == duration)
	{
		bucket.amount = bucket.amount.saturating_add(amount);
		return true;
	}
	let position =
		ledger.buckets.iter().position(|b| b.duration > duration).unwrap_or(ledger.buckets.len());
	ledger.buckets.try_insert(position, RewardBucket { start: now, duration, amount }).is_ok()
}

/// Takes `fraction` of what is still unvested at `now` (vested rewards are the host's and are
/// not touched). Returns the amount taken.
pub fn slash_unvested(ledger: &mut RewardLedger<u128>, now: EpochIndex, fraction: Perbill) -> u128 {
	release(ledger, now);
	let mut taken = 0u128;
	for bucket in ledger.buckets.iter_mut() {
		let cut = fraction.mul_floor(bucket.amount);
		bucket.amount -= cut;
		taken = taken.saturating_add(cut);
	}
	ledger.buckets.retain(|b| b.amount > 0);
	taken
}

/// Still vesting (after a [`release`] at the current epoch).
pub fn unvested(ledger: &RewardLedger<u128>) -> u128 {
	ledger.buckets.iter().fold(0u128, |sum, b| sum.saturating_add(b.amount))
}

#[cfg(test)]
mod tests {
	use super::*;

	fn ledger_with(amount: u128, at: EpochIndex, duration: u32) -> RewardLedger<u128> {
		let mut ledger = RewardLedger::default();
		assert!(credit(&mut ledger, at, amount, duration));
		ledger
	}

	#[test]
	fn rewards_vest_linearly_over_180_epochs() {
		let mut ledger = ledger_with(180_000, 10, 180);
		release(&mut ledger, 10);
		assert_eq!(ledger.vested, 0);
		release(&mut ledger, 11);
		assert_eq!(ledger.vested, 1_000);
		release(&mut ledger, 100);
		assert_eq!(ledger.vested, 90_000);
		release(&mut ledger, 190);
		assert_eq!(ledger.vested, 180_000);
		assert!(ledger.buckets.is_empty());
	}

	#[test]
	fn re_basing_keeps_the_schedule_linear_and_conserves_the_amount() {
		let mut stepped = ledger_with(1_000_003, 0, 7);
		let mut once = stepped.clone();
		for now in 0..=7 {
			release(&mut stepped, now);
		}
		release(&mut once, 7);
		assert_eq!(stepped.vested, 1_000_003);
		assert_eq!(once.vested, 1_000_003);
		assert!(stepped.buckets.is_empty());
	}

	#[test]
	fn a_ledger_holds_at_most_one_bucket_per_remaining_epoch() {
		let mut ledger = RewardLedger::default();
		for epoch in 0..1_000 {
			assert!(credit(&mut ledger, epoch, 100, 180));
			assert!(ledger.buckets.len() <= 180);
		}
		assert_eq!(ledger.vested + unvested(&ledger), 100_000);
	}

	#[test]
	fn slashing_takes_a_fraction_of_the_unvested_part_only() {
		let mut ledger = ledger_with(1_000, 0, 10);
		let taken = slash_unvested(&mut ledger, 5, Perbill::from_percent(20));
		assert_eq!(ledger.vested, 500);
		assert_eq!(taken, 100);
		assert_eq!(unvested(&ledger), 400);
		release(&mut ledger, 10);
		assert_eq!(ledger.vested, 900);
	}

	#[test]
	fn crediting_twice_in_one_epoch_merges_into_one_bucket() {
		let mut ledger = ledger_with(10, 3, 180);
		assert!(credit(&mut ledger, 3, 5, 180));
		assert_eq!(ledger.buckets.len(), 1);
		assert_eq!(unvested(&ledger), 15);
	}
}

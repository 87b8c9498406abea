//! The price per token of each model, moved every block with utilization (docs/protocol.md §7).
//!
//! `utilization = tokens settled in the last utilization_window blocks / (declared tokens/s ×
//! utilization_window × block_seconds)`. In 40–60% the price stays; below 40% it falls by
//! `0.05 × (0.4 − utilization)` of itself (at most 2% a block, at zero traffic); above 60% it
//! rises by `0.05 × (utilization − 0.6)` (at most 2% a block). A fall rounds down and a rise
//! rounds up, so even a price of a few planck moves; the price stays between the model's floor
//! (`MinPrices`, set by governance; 1 planck when unset) and `max_price`. A model that no host
//! declares keeps its price: there is no market to read.
//!
//! The capacity is what every declaring host claims; docs/protocol.md counts only hosts accepted in
//! the last PoC tally, which needs pallet-poc's tally through a trait (left for the runtime
//! wiring).

use polkadot_sdk::sp_arithmetic::{traits::Saturating, FixedPointNumber, FixedU128};

use crate::*;

/// The next price from `price`, the tokens settled in the window and the tokens the declared
/// capacity could serve in it.
pub fn next_price(price: u128, tokens: u64, capacity: u128, max_price: u128) -> u128 {
	if capacity == 0 {
		return price;
	}
	let utilization = FixedU128::saturating_from_rational(u128::from(tokens), capacity);
	let low = FixedU128::saturating_from_rational(2u32, 5u32);
	let high = FixedU128::saturating_from_rational(3u32, 5u32);
	let step = FixedU128::saturating_from_rational(1u32, 20u32);
	let most = FixedU128::saturating_from_rational(1u32, 50u32);
	let next = if utilization < low {
		let fall = step.saturating_mul(low.saturating_sub(utilization)).min(most);
		price.saturating_sub(fall.saturating_mul_int(price).max(1))
	} else if utilization > high {
		let rise = step.saturating_mul(utilization.saturating_sub(high)).min(most);
		// Rounded up: the rise of a small price is at least one planck.
		let inner = rise.into_inner();
		let up = price
			.checked_mul(inner)
			.map(|p| p.div_ceil(FixedU128::accuracy()))
			.unwrap_or_else(|| rise.saturating_mul_int(price));
		price.saturating_add(up.max(1))
	} else {
		price
	};
	next.clamp(1, max_price.max(1))
}

impl<T: Config> Pallet<T> {
	/// Records the prices of a new epoch, then moves every model's price; returns the models
	/// walked.
	pub(crate) fn update_prices() -> u32 {
		let params = Self::params();
		let epoch = T::EpochInfo::current_epoch();
		let new_epoch = PricedEpoch::<T>::get() != Some(epoch);
		let window = params.utilization_window as usize;
		let mut models = 0;
		for (model, price) in Prices::<T>::iter() {
			models += 1;
			if new_epoch {
				EpochPrices::<T>::insert(epoch, model, price);
			}
			let mut recent = RecentTokens::<T>::get(model).into_inner();
			recent.push(BlockTokens::<T>::take(model));
			let excess = recent.len().saturating_sub(window);
			recent.drain(..excess);
			let tokens = recent.iter().fold(0u64, |sum, t| sum.saturating_add(*t));
			let capacity = u128::from(Capacity::<T>::get(model))
				.saturating_mul(u128::from(params.utilization_window))
				.saturating_mul(u128::from(params.block_seconds));
			let floor = MinPrices::<T>::get(model).unwrap_or(1);
			let next = next_price(price, tokens, capacity, params.max_price).max(floor);
			if next != price {
				Prices::<T>::insert(model, next);
			}
			// At most 64 entries: `utilization_window` is checked at genesis.
			RecentTokens::<T>::insert(model, BoundedVec::truncate_from(recent));
		}
		if new_epoch {
			PricedEpoch::<T>::put(epoch);
			EpochBegan::<T>::insert(epoch, Self::block_number());
		}
		models
	}
}

use polkadot_sdk::frame_support::BoundedVec;

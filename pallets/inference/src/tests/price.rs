//! The price per token follows utilization.

use polkadot_sdk::frame_support::{assert_ok, traits::Hooks};

use super::*;
use crate::price::next_price;

#[test]
fn the_price_holds_in_the_band_and_moves_at_most_two_percent_a_block() {
	let p = 1_000_000;
	assert_eq!(next_price(p, 500, 1_000, u128::MAX), p, "50%");
	assert_eq!(next_price(p, 400, 1_000, u128::MAX), p, "40%");
	assert_eq!(next_price(p, 600, 1_000, u128::MAX), p, "60%");
	assert_eq!(next_price(p, 0, 1_000, u128::MAX), 980_000, "idle: −2%");
	assert_eq!(next_price(p, 300, 1_000, u128::MAX), 995_000, "30%: −0.5%");
	assert_eq!(next_price(p, 1_000, 1_000, u128::MAX), 1_020_000, "full: +2%");
	assert_eq!(next_price(p, 700, 1_000, u128::MAX), 1_005_000, "70%: +0.5%");
	assert_eq!(next_price(p, 5_000, 1_000, u128::MAX), 1_020_000, "overload: +2% at most");
}

#[test]
fn the_price_stays_between_one_planck_and_the_ceiling_and_small_prices_still_move() {
	assert_eq!(next_price(1, 0, 1_000, 100), 1);
	assert_eq!(next_price(3, 1_000, 1_000, 100), 4);
	assert_eq!(next_price(3, 0, 1_000, 100), 2);
	assert_eq!(next_price(100, 1_000, 1_000, 100), 100);
	assert_eq!(next_price(1_000, 0, 0, 10_000), 1_000, "no capacity, no market");
}

#[test]
fn settled_tokens_move_the_price_at_the_next_block_and_an_epoch_records_its_prices() {
	ExtBuilder::default().build().execute_with(|| {
		market();
		// 100 tokens/s × 10 blocks × 6 s = 6,000 tokens per window; 5,000 settled: 83%.
		assert_ok!(settle(vec![receipt(ticket(1), 4_936, 64)]));
		Inference::on_initialize(2);
		assert_eq!(Prices::<Test>::get(0), Some(1_012), "+1.17%, rounded up");
		// It keeps rising while those tokens are in the window, then falls 2% a block.
		for block in 3..30 {
			Inference::on_initialize(block);
		}
		assert!(Prices::<Test>::get(0).expect("priced") < 1_012);
		set_epoch(1);
		let at_epoch_start = Prices::<Test>::get(0);
		Inference::on_initialize(30);
		assert_eq!(EpochPrices::<Test>::get(1, 0), at_epoch_start);
		assert_eq!(EpochPrices::<Test>::get(0, 0), Some(1_000));
	});
}

/// Revision 4, attack 5: declared capacity nobody uses drove the price to 1 planck in a few
/// hundred blocks. Governance sets each model's floor; the price never falls below it, and a
/// price in force below a new floor is raised to it at once.
#[test]
fn the_price_never_falls_below_the_models_floor() {
	use polkadot_sdk::frame_support::assert_noop;
	ExtBuilder::default().build().execute_with(|| {
		market();
		assert_noop!(
			Inference::set_min_price(RuntimeOrigin::signed(EXECUTOR), 0, 900),
			polkadot_sdk::sp_runtime::DispatchError::BadOrigin
		);
		assert_noop!(
			Inference::set_min_price(RuntimeOrigin::root(), 0, 0),
			Error::<Test>::InvalidMinPrice
		);
		assert_noop!(
			Inference::set_min_price(RuntimeOrigin::root(), 7, 900),
			Error::<Test>::UnknownModel
		);
		assert_ok!(Inference::set_min_price(RuntimeOrigin::root(), 0, 900));
		// No traffic: −2% a block, down to the floor and no further.
		for block in 2..40 {
			Inference::on_initialize(block);
		}
		assert_eq!(Prices::<Test>::get(0), Some(900));
		assert_ok!(Inference::set_min_price(RuntimeOrigin::root(), 0, 950));
		assert_eq!(Prices::<Test>::get(0), Some(950), "raised at once");
		assert_eq!(
			inference_events().last(),
			Some(&Event::MinPriceSet { model: 0, min_price: 950 })
		);
	});
}

//! Weight activation by collateral (docs/protocol.md §5).

use polkadot_sdk::frame_support::assert_ok;

use crate::{activation::activated_weight, mock::*, CollateralParams};

fn params() -> CollateralParams<u128> {
	CollateralParams::gonka_defaults()
}

#[test]
fn before_the_grace_period_ends_all_weight_counts() {
	assert_eq!(activated_weight(1_000, 0, 0, &params()), 1_000);
	assert_eq!(activated_weight(1_000, 0, 179, &params()), 1_000);
}

#[test]
fn after_the_grace_period_the_bond_alone_activates_20_percent() {
	assert_eq!(activated_weight(1_000, 0, 180, &params()), 200);
}

#[test]
fn the_other_80_percent_counts_as_far_as_collateral_covers_it() {
	// 10 SPR per unit: 3,000 SPR beyond the bond covers 300 of the remaining 800 units.
	assert_eq!(activated_weight(1_000, 3_000 * SPR, 180, &params()), 500);
	assert_eq!(activated_weight(1_000, 8_000 * SPR, 180, &params()), 1_000);
	assert_eq!(activated_weight(1_000, 1_000_000 * SPR, 180, &params()), 1_000);
}

#[test]
fn the_host_bond_does_not_activate_weight_beyond_the_base_share() {
	ExtBuilder::default().with_balance(HOST, 5_000 * SPR).build().execute_with(|| {
		assert_ok!(<Collateral as sprint_primitives::HostBond<_>>::bond_host(&HOST));
		assert_eq!(Collateral::activated_weight(&HOST, 1_000, 200), 200);
		assert_ok!(Collateral::deposit(RuntimeOrigin::signed(HOST), 2_000 * SPR));
		assert_eq!(Collateral::activated_weight(&HOST, 1_000, 200), 400);
	});
}

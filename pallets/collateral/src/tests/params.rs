//! Governance sets the parameters (docs/protocol.md §8), checked as genesis checks them.

use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sp_runtime::DispatchError,
};

use crate::{mock::*, CollateralParams, Error, Event, Params};

#[test]
fn only_governance_sets_the_parameters_and_never_ones_genesis_refuses() {
	ExtBuilder::default().build().execute_with(|| {
		let params = CollateralParams { jail_epochs: 3, ..CollateralParams::gonka_defaults() };
		assert_noop!(
			Collateral::set_params(RuntimeOrigin::signed(HOST), params.clone()),
			DispatchError::BadOrigin
		);
		let short = CollateralParams { unbonding_epochs: 1, ..params.clone() };
		assert_noop!(
			Collateral::set_params(RuntimeOrigin::root(), short),
			Error::<Test>::InvalidParams
		);
		let free = CollateralParams { min_host_bond: 0, ..params.clone() };
		assert_noop!(
			Collateral::set_params(RuntimeOrigin::root(), free),
			Error::<Test>::InvalidParams
		);
		assert_ok!(Collateral::set_params(RuntimeOrigin::root(), params.clone()));
		assert_eq!(Params::<Test>::get(), Some(params.clone()));
		assert_eq!(collateral_events().last(), Some(&Event::ParamsSet { params }));
	});
}

/// Revision 4, attack 10: `jail_epochs` or `unbonding_epochs` of u32::MAX were accepted, so one
/// vote could jail every host or lock every bond for ever. Each has runtime bounds.
#[test]
fn no_vote_sets_a_jail_or_an_unbonding_that_never_ends() {
	ExtBuilder::default().build().execute_with(|| {
		let defaults = CollateralParams::gonka_defaults();
		for bad in [
			CollateralParams { jail_epochs: u32::MAX, ..defaults.clone() },
			CollateralParams { jail_epochs: 0, ..defaults.clone() },
			CollateralParams { unbonding_epochs: u32::MAX, ..defaults.clone() },
			CollateralParams { grace_epochs: u32::MAX, ..defaults.clone() },
		] {
			assert_noop!(
				Collateral::set_params(RuntimeOrigin::root(), bad),
				Error::<Test>::InvalidParams
			);
		}
	});
}

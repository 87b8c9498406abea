//! Governance sets the parameters (docs/protocol.md §8), checked as genesis checks them.

use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sp_runtime::DispatchError,
};

use crate::{mock::*, EmissionParams, Error, Event, Params, TotalMinted};

#[test]
fn only_governance_sets_the_parameters_and_never_a_cap_below_what_was_minted() {
	ExtBuilder::default().build().execute_with(|| {
		let params = EmissionParams { vesting_epochs: 90, ..EmissionParams::gonka_defaults() };
		assert_noop!(
			Emission::set_params(RuntimeOrigin::signed(ALICE), params.clone()),
			DispatchError::BadOrigin
		);
		let no_vesting = EmissionParams { vesting_epochs: 0, ..params.clone() };
		assert_noop!(
			Emission::set_params(RuntimeOrigin::root(), no_vesting),
			Error::<Test>::InvalidParams
		);
		TotalMinted::<Test>::put(1_000 * SPR);
		let spent = EmissionParams { emission_cap: 999 * SPR, ..params.clone() };
		assert_noop!(
			Emission::set_params(RuntimeOrigin::root(), spent),
			Error::<Test>::InvalidParams
		);
		assert_ok!(Emission::set_params(RuntimeOrigin::root(), params.clone()));
		assert_eq!(Params::<Test>::get(), Some(params.clone()));
		assert_eq!(emission_events().last(), Some(&Event::ParamsSet { params }));
	});
}

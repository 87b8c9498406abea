//! Models registered by governance, hosts' service declarations.

use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sp_runtime::DispatchError,
};

use super::*;

#[test]
fn only_governance_registers_models_and_each_gets_the_next_id() {
	ExtBuilder::default().build().execute_with(|| {
		assert_noop!(
			Inference::register_model(RuntimeOrigin::signed(EXECUTOR), smollm2()),
			DispatchError::BadOrigin
		);
		assert_ok!(Inference::register_model(RuntimeOrigin::root(), smollm2()));
		assert_ok!(Inference::register_model(RuntimeOrigin::root(), smollm2()));
		assert_eq!(Models::<Test>::get(1), Some(smollm2()));
		assert_eq!(Prices::<Test>::get(1), Some(1_000));
		assert_eq!(
			inference_events().last(),
			Some(&Event::ModelRegistered { model: 1, price: 1_000 })
		);
	});
}

#[test]
fn a_model_with_a_zero_field_or_a_price_above_the_ceiling_is_refused() {
	ExtBuilder::default().build().execute_with(|| {
		let cases: [fn(&mut ModelInfo<u128>); 5] = [
			|m| m.context_length = 0,
			|m| m.engine_recipe = 0,
			|m| m.compute_units_per_token = 0,
			|m| m.initial_price = 0,
			|m| m.initial_price = 2 * SPR,
		];
		for change in cases {
			let mut model = smollm2();
			change(&mut model);
			assert_noop!(
				Inference::register_model(RuntimeOrigin::root(), model),
				Error::<Test>::InvalidModel
			);
		}
	});
}

#[test]
fn the_number_of_models_is_bounded() {
	ExtBuilder::default().build().execute_with(|| {
		for _ in 0..MAX_MODELS {
			assert_ok!(Inference::register_model(RuntimeOrigin::root(), smollm2()));
		}
		assert_noop!(
			Inference::register_model(RuntimeOrigin::root(), smollm2()),
			Error::<Test>::TooManyModels
		);
	});
}

#[test]
fn declared_capacity_adds_up_per_model_and_leaves_with_the_declaration() {
	ExtBuilder::default().build().execute_with(|| {
		assert_ok!(Inference::register_model(RuntimeOrigin::root(), smollm2()));
		assert_ok!(Inference::register_model(RuntimeOrigin::root(), smollm2()));
		assert_ok!(Inference::declare_service(RuntimeOrigin::signed(EXECUTOR), service(&[0, 1])));
		assert_ok!(Inference::declare_service(RuntimeOrigin::signed(OTHER), service(&[1])));
		assert_eq!((Capacity::<Test>::get(0), Capacity::<Test>::get(1)), (100, 200));
		// A new declaration replaces the old one's capacity.
		let mut bigger = service(&[1]);
		bigger.capacity = 500;
		assert_ok!(Inference::declare_service(RuntimeOrigin::signed(EXECUTOR), bigger));
		assert_eq!((Capacity::<Test>::get(0), Capacity::<Test>::get(1)), (0, 600));
		assert_ok!(Inference::withdraw_service(RuntimeOrigin::signed(EXECUTOR)));
		assert_eq!(Capacity::<Test>::get(1), 100);
		assert_noop!(
			Inference::withdraw_service(RuntimeOrigin::signed(EXECUTOR)),
			Error::<Test>::NoService
		);
	});
}

#[test]
fn a_declaration_of_no_model_an_unknown_model_or_a_model_twice_is_refused() {
	ExtBuilder::default().build().execute_with(|| {
		assert_ok!(Inference::register_model(RuntimeOrigin::root(), smollm2()));
		let declare = |s| Inference::declare_service(RuntimeOrigin::signed(EXECUTOR), s);
		assert_noop!(declare(service(&[])), Error::<Test>::InvalidService);
		assert_noop!(declare(service(&[0, 0])), Error::<Test>::InvalidService);
		assert_noop!(declare(service(&[3])), Error::<Test>::UnknownModel);
		let mut idle = service(&[0]);
		idle.capacity = 0;
		assert_noop!(declare(idle), Error::<Test>::InvalidService);
	});
}

#[test]
#[should_panic(expected = "auditWindowEpochs must be at most 6")]
fn genesis_refuses_an_audit_window_longer_than_the_fee_buckets_hold() {
	ExtBuilder::default().with_params(|p| p.audit_window_epochs = 7).build();
}

#[test]
fn only_governance_sets_the_market_parameters_and_never_ones_genesis_refuses() {
	ExtBuilder::default().build().execute_with(|| {
		let params = InferenceParams { ticket_lifetime: 50, ..InferenceParams::defaults() };
		assert_noop!(
			Inference::set_params(RuntimeOrigin::signed(EXECUTOR), params.clone()),
			DispatchError::BadOrigin
		);
		let long_window = InferenceParams { audit_window_epochs: 7, ..params.clone() };
		assert_noop!(
			Inference::set_params(RuntimeOrigin::root(), long_window),
			Error::<Test>::InvalidParams
		);
		assert_ok!(Inference::set_params(RuntimeOrigin::root(), params.clone()));
		assert_eq!(Params::<Test>::get(), Some(params.clone()));
		assert_eq!(inference_events().last(), Some(&Event::ParamsSet { params }));
	});
}

/// Revision 4, attack 10: every governed parameter has runtime bounds; a ticket lifetime or a
/// block time no chain could run with is refused.
#[test]
fn no_vote_sets_a_ticket_lifetime_or_block_time_out_of_bounds() {
	ExtBuilder::default().build().execute_with(|| {
		let defaults = InferenceParams::<u128>::defaults();
		for bad in [
			InferenceParams { ticket_lifetime: u32::MAX, ..defaults.clone() },
			InferenceParams { block_seconds: u32::MAX, ..defaults.clone() },
			InferenceParams {
				community_fee_share: polkadot_sdk::sp_runtime::Perbill::one(),
				..defaults.clone()
			},
		] {
			assert_noop!(
				Inference::set_params(RuntimeOrigin::root(), bad),
				Error::<Test>::InvalidParams
			);
		}
	});
}

/// Revision 4, attack 5: any account, with no bond, declared a service of capacity u32::MAX and
/// crashed the price to 1 planck for a day. Only a bonded, unjailed host declares a service.
#[test]
fn only_a_bonded_unjailed_host_declares_a_service() {
	ExtBuilder::default().build().execute_with(|| {
		assert_ok!(Inference::register_model(RuntimeOrigin::root(), smollm2()));
		let declare = |who| Inference::declare_service(RuntimeOrigin::signed(who), service(&[0]));
		unbond(OTHER);
		assert_noop!(declare(OTHER), Error::<Test>::NotBonded);
		jail(REQUESTER);
		assert_noop!(declare(REQUESTER), Error::<Test>::Jailed);
		assert_ok!(declare(EXECUTOR));
		assert_eq!(Capacity::<Test>::get(0), 100);
	});
}

/// Revision 4 (§9, no state without a deposit): a service declaration holds the service deposit
/// from the first declaration to its withdrawal, once however often it is changed.
#[test]
fn a_service_holds_its_deposit_until_it_is_withdrawn() {
	use polkadot_sdk::frame_support::traits::fungible::InspectHold;
	ExtBuilder::default().build().execute_with(|| {
		assert_ok!(Inference::register_model(RuntimeOrigin::root(), smollm2()));
		let held = || {
			Balances::balance_on_hold(
				&RuntimeHoldReason::Inference(HoldReason::ServiceDeposit),
				&EXECUTOR,
			)
		};
		let deposit = InferenceParams::<u128>::defaults().service_deposit;
		assert_ok!(Inference::declare_service(RuntimeOrigin::signed(EXECUTOR), service(&[0])));
		assert_eq!(held(), deposit);
		assert_ok!(Inference::declare_service(RuntimeOrigin::signed(EXECUTOR), service(&[0])));
		assert_eq!(held(), deposit, "a changed declaration holds nothing more");
		assert_ok!(Inference::withdraw_service(RuntimeOrigin::signed(EXECUTOR)));
		assert_eq!(held(), 0);
		// An account that cannot hold it declares nothing.
		let poor = 77;
		assert_noop!(
			Inference::declare_service(RuntimeOrigin::signed(poor), service(&[0])),
			Error::<Test>::ServiceDepositTooLow
		);
	});
}

/// SPEC rev 4, attack 13: an executor is slashable from its first acceptance. A declared service
/// is a duty (pallet-collateral completes no withdrawal while it lasts), and its collateral stays
/// slashable three epochs after it is withdrawn: a ticket accepted in the last epoch may settle
/// in the next and be reported missed in the one after.
#[test]
fn a_declared_service_keeps_the_executors_collateral_until_its_tickets_are_accounted_for() {
	use sprint_primitives::CollateralDuties;
	ExtBuilder::default().build().execute_with(|| {
		assert_ok!(Inference::register_model(RuntimeOrigin::root(), smollm2()));
		assert!(!<Inference as CollateralDuties<AccountId>>::on_duty(&EXECUTOR));
		assert_ok!(Inference::declare_service(RuntimeOrigin::signed(EXECUTOR), service(&[0])));
		assert!(<Inference as CollateralDuties<AccountId>>::on_duty(&EXECUTOR));
		set_epoch(5);
		assert_ok!(Inference::withdraw_service(RuntimeOrigin::signed(EXECUTOR)));
		assert!(!<Inference as CollateralDuties<AccountId>>::on_duty(&EXECUTOR));
		assert!(kept_slashable().contains(&(EXECUTOR, 8)), "{:?}", kept_slashable());
	});
}

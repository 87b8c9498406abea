//! Energy declarations (docs/protocol.md §9): part of the service declaration, in force from the
//! epoch after they are made, kept for the epochs whose certificates are still minted, and
//! cleared and blocked by a dispute.

use super::*;
use polkadot_sdk::{frame_support::assert_noop, sp_runtime::DispatchError};
use sprint_primitives::EnergyDeclarations;

fn in_force(epoch: EpochIndex) -> Option<(EnergySource, Vec<u8>)> {
	<Inference as EnergyDeclarations<AccountId>>::energy_in(epoch, &EXECUTOR)
		.map(|d| (d.source, d.region.into_inner()))
}

fn declare(energy: EnergySource, region: &[u8]) {
	let service = ServiceDeclaration {
		energy,
		region: region.to_vec().try_into().expect("short; qed"),
		..service(&[0])
	};
	assert_ok!(Inference::declare_service(RuntimeOrigin::signed(EXECUTOR), service));
}

fn registered() {
	assert_ok!(Inference::register_model(RuntimeOrigin::root(), smollm2()));
}

#[test]
fn a_declaration_takes_effect_from_the_next_epoch() {
	ExtBuilder::default().build().execute_with(|| {
		registered();
		set_epoch(4);
		declare(EnergySource::Wind, b"DE");
		assert_eq!(in_force(4), None, "work already under way keeps no label");
		assert_eq!(in_force(5), Some((EnergySource::Wind, b"DE".to_vec())));
		System::assert_has_event(
			Event::EnergyDeclared {
				host: EXECUTOR,
				declaration: Some(EnergyDeclaration {
					source: EnergySource::Wind,
					region: b"DE".to_vec().try_into().expect("short; qed"),
				}),
				epoch: 5,
			}
			.into(),
		);

		set_epoch(6);
		declare(EnergySource::Solar, b"ES");
		assert_eq!(in_force(5), Some((EnergySource::Wind, b"DE".to_vec())));
		assert_eq!(in_force(6), Some((EnergySource::Wind, b"DE".to_vec())));
		assert_eq!(in_force(7), Some((EnergySource::Solar, b"ES".to_vec())));
	});
}

#[test]
fn a_second_change_in_one_epoch_replaces_the_pending_one_and_redeclaring_is_no_change() {
	ExtBuilder::default().build().execute_with(|| {
		registered();
		set_epoch(1);
		declare(EnergySource::Fossil, b"PL");
		declare(EnergySource::Hydro, b"NO");
		assert_eq!(in_force(2), Some((EnergySource::Hydro, b"NO".to_vec())));
		assert_eq!(Energy::<Test>::get(EXECUTOR).len(), 1);

		set_epoch(3);
		System::reset_events();
		declare(EnergySource::Hydro, b"NO");
		assert_eq!(Energy::<Test>::get(EXECUTOR).len(), 1);
		assert!(!System::events()
			.iter()
			.any(|r| matches!(r.event, RuntimeEvent::Inference(Event::EnergyDeclared { .. }))));
	});
}

#[test]
fn the_history_keeps_the_epochs_whose_certificates_are_minted() {
	ExtBuilder::default().build().execute_with(|| {
		registered();
		let sources = EnergySource::ALL;
		for epoch in 0..20u32 {
			set_epoch(epoch);
			declare(sources[epoch as usize % sources.len()], b"DE");
			// The epoch before (being certified now), this one and the next are exact.
			for e in epoch.saturating_sub(1)..=epoch + 1 {
				let expected = e.checked_sub(1).map(|d| sources[d as usize % sources.len()]);
				assert_eq!(in_force(e).map(|(s, _)| s), expected, "epoch {e} seen from {epoch}");
			}
			assert!(Energy::<Test>::get(EXECUTOR).len() as u32 <= ENERGY_HISTORY);
		}
	});
}

#[test]
fn withdrawing_the_service_ends_the_declaration_with_the_epoch() {
	ExtBuilder::default().build().execute_with(|| {
		registered();
		set_epoch(1);
		declare(EnergySource::Nuclear, b"FR");
		set_epoch(3);
		assert_ok!(Inference::withdraw_service(RuntimeOrigin::signed(EXECUTOR)));
		assert_eq!(in_force(3), Some((EnergySource::Nuclear, b"FR".to_vec())));
		assert_eq!(in_force(4), None);
	});
}

#[test]
fn a_dispute_clears_the_declaration_and_blocks_a_new_one() {
	ExtBuilder::default().build().execute_with(|| {
		registered();
		set_epoch(1);
		declare(EnergySource::Solar, b"DE");
		set_epoch(5);
		assert_noop!(
			Inference::dispute_energy(RuntimeOrigin::signed(REQUESTER), EXECUTOR),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Inference::dispute_energy(RuntimeOrigin::root(), REQUESTER),
			Error::<Test>::NoEnergyDeclaration
		);
		assert_ok!(Inference::dispute_energy(RuntimeOrigin::root(), EXECUTOR));
		// Cleared for every epoch not yet certified, the current one included.
		assert_eq!(in_force(4), None);
		assert_eq!(in_force(5), None);
		let until = 5 + 1 + InferenceParams::<u128>::defaults().energy_dispute_epochs;
		System::assert_last_event(Event::EnergyDisputed { host: EXECUTOR, epoch: until }.into());

		// The service still counts while the block lasts; its energy does not.
		set_epoch(until - 1);
		declare(EnergySource::Solar, b"DE");
		assert!(Services::<Test>::contains_key(EXECUTOR));
		assert_eq!(in_force(until), None);
		System::assert_last_event(
			Event::EnergyDeclarationBlocked { host: EXECUTOR, epoch: until }.into(),
		);
		assert_noop!(
			Inference::dispute_energy(RuntimeOrigin::root(), EXECUTOR),
			Error::<Test>::NoEnergyDeclaration
		);

		set_epoch(until);
		declare(EnergySource::Wind, b"DK");
		assert_eq!(in_force(until + 1), Some((EnergySource::Wind, b"DK".to_vec())));
		assert!(!EnergyBlocked::<Test>::contains_key(EXECUTOR));
	});
}

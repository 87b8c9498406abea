//! Minting: one certificate per accepted host and epoch, after the tally, in bounded steps.

use polkadot_sdk::{
	frame_support::{
		assert_noop, assert_ok, traits::tokens::nonfungibles_v2::Inspect, weights::WeightMeter,
	},
	pallet_nfts,
	sp_runtime::DispatchError,
};
use sprint_primitives::EnergySource;

use crate::{mock::*, *};

fn owner(id: CertificateId) -> Option<AccountId> {
	let collection = CertificateCollection::<Test>::get().expect("made at genesis");
	<Nfts as Inspect<AccountId>>::owner(&collection, &id)
}

fn minted_events() -> Vec<(CertificateId, EpochIndex, AccountId)> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Carbon(Event::CertificateMinted { certificate, epoch, host, .. }) => {
				Some((certificate, epoch, host))
			}
			_ => None,
		})
		.collect()
}

#[test]
fn genesis_makes_a_collection_the_pallet_owns_and_moves_the_counter_past_it() {
	new_test_ext().execute_with(|| {
		let collection = CertificateCollection::<Test>::get().expect("made at genesis");
		assert_eq!(
			<Nfts as Inspect<AccountId>>::collection_owner(&collection),
			Some(Carbon::account_id())
		);
		assert_eq!(pallet_nfts::NextCollectionId::<Test>::get(), Some(collection + 1));
		// Anyone's own collection gets the next id, not ours.
		assert_ok!(Nfts::create(RuntimeOrigin::signed(acc(1)), acc(1), Default::default()));
		assert_eq!(<Nfts as Inspect<AccountId>>::collection_owner(&(collection + 1)), Some(acc(1)));
	});
}

#[test]
fn a_chain_upgraded_to_carbon_gets_its_collection_and_certificates_from_then_on() {
	use polkadot_sdk::frame_support::traits::Hooks;
	new_test_ext().execute_with(|| {
		// As if the pallet had not been there at genesis.
		CertificateCollection::<Test>::kill();
		set_epoch(7);
		Carbon::on_runtime_upgrade();
		let collection = CertificateCollection::<Test>::get().expect("made by the upgrade");
		assert_eq!(collection, 1, "the next free id");
		assert_eq!(Cursor::<Test>::get(), MintCursor { epoch: 7, next: 0, minted: 0 });
		// A second upgrade leaves it alone.
		Carbon::on_runtime_upgrade();
		assert_eq!(CertificateCollection::<Test>::get(), Some(collection));
	});
}

#[test]
fn pallet_poc_keeps_an_epoch_until_its_certificates_are_minted() {
	use sprint_primitives::EpochReaders;
	new_test_ext().execute_with(|| {
		assert!(Carbon::still_reading(0));
		tally(0, vec![(acc(1), work(1, 1))]);
		run_blocks(1);
		assert!(!Carbon::still_reading(0), "epoch 0 is certified");
		assert!(Carbon::still_reading(1));
	});
}

#[test]
fn only_accepted_hosts_get_a_certificate_once_the_tally_has_ended() {
	new_test_ext().execute_with(|| {
		set_epoch(1);
		run_blocks(3);
		assert!(minted_events().is_empty(), "epoch 0's tally has not ended");

		// acc(2) was rejected or a fraud: the tally reports no accepted work for it.
		for n in 1..=3 {
			declare(&acc(n), 0, EnergySource::GridMixed, b"FR");
		}
		tally(0, vec![(acc(1), work(10, 500)), (acc(2), None), (acc(3), work(4, 200))]);
		run_blocks(1);
		assert_eq!(minted_events(), vec![(0, 0, acc(1)), (1, 0, acc(3))]);
		assert_eq!(owner(0), Some(acc(1)));
		assert_eq!(owner(1), Some(acc(3)));
		System::assert_has_event(Event::EpochCertified { epoch: 0, certificates: 2 }.into());

		// Never twice, however long the hook runs.
		run_blocks(5);
		assert_eq!(minted_events().len(), 2);
		assert_eq!(NextCertificate::<Test>::get(), 2);
		assert_eq!(Cursor::<Test>::get(), MintCursor { epoch: 1, next: 0, minted: 0 });
	});
}

#[test]
fn a_certificate_states_the_work_its_energy_and_the_declaration_of_that_epoch() {
	new_test_ext().execute_with(|| {
		declare(&acc(1), 0, EnergySource::Wind, b"DK");
		declare(&acc(1), 1, EnergySource::Fossil, b"PL");
		declare(&acc(2), 0, EnergySource::Nuclear, b"");
		tally(0, vec![(acc(1), work(100, 7_000)), (acc(2), work(3, 1))]);
		run_blocks(1);

		// 100 leaves × 2^16 nonces × 2,000 nJ = 13,107.2 J.
		let expected_mj = 100 * 65_536 * 2_000 / 1_000_000;
		let first = Certificates::<Test>::get(0).expect("minted");
		assert_eq!(
			first,
			Certificate {
				epoch: 0,
				host: acc(1),
				weight: 7_000,
				committed: 100,
				energy_mj: expected_mj,
				source: Some(EnergySource::Wind),
				region: b"DK".to_vec().try_into().expect("short"),
			}
		);
		let second = Certificates::<Test>::get(1).expect("minted");
		assert_eq!((second.source, second.region.len()), (Some(EnergySource::Nuclear), 0));

		let collection = CertificateCollection::<Test>::get().expect("made at genesis");
		let metadata = pallet_nfts::ItemMetadataOf::<Test>::get(collection, 0).expect("set");
		let json = String::from_utf8(metadata.data.into_inner()).expect("utf-8");
		assert!(json.contains(r#""epoch":0"#), "{json}");
		assert!(json.contains(r#""kwh":"0.000003640""#), "{json}");
		assert!(json.contains(r#""source":"wind","region":"DK""#), "{json}");
		assert!(json.contains(r#""leaves":100"#), "{json}");
		let nuclear = pallet_nfts::ItemMetadataOf::<Test>::get(collection, 1).expect("set");
		assert!(String::from_utf8_lossy(&nuclear.data).contains(r#""source":"nuclear""#));

		assert_eq!(Totals::<Test>::get(Some(EnergySource::Wind)).minted_mj, expected_mj);
		assert_eq!(Totals::<Test>::get(Some(EnergySource::Nuclear)).minted, 1);
		assert_eq!(Carbon::totals().len(), 7);
	});
}

#[test]
fn a_shape_without_a_figure_mints_certificates_of_zero_energy_and_says_so() {
	new_test_ext().execute_with(|| {
		assert_ok!(Carbon::set_energy_per_nonce(RuntimeOrigin::root(), SHAPE, 0));
		assert_eq!(EnergyPerNonce::<Test>::get(SHAPE), None);
		declare(&acc(1), 0, EnergySource::Solar, b"ES");
		declare(&acc(3), 0, EnergySource::Solar, b"ES");
		tally(0, vec![(acc(1), work(100, 7_000)), (acc(3), work(1, 1))]);
		run_blocks(1);
		assert_eq!(Certificates::<Test>::get(0).map(|c| c.energy_mj), Some(0));
		let missing = System::events()
			.iter()
			.filter(|r| {
				matches!(r.event, RuntimeEvent::Carbon(Event::EnergyFigureMissing { epoch: 0 }))
			})
			.count();
		assert_eq!(missing, 1, "once per epoch");
	});
}

#[test]
fn only_governance_sets_energy_figures_and_only_for_shapes_the_pow_runs() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Carbon::set_energy_per_nonce(RuntimeOrigin::signed(acc(1)), SHAPE, 5),
			DispatchError::BadOrigin
		);
		let broken = sprint_core::ModelShape { n_heads: 3, ..SHAPE };
		assert_noop!(
			Carbon::set_energy_per_nonce(RuntimeOrigin::root(), broken, 5),
			Error::<Test>::InvalidShape
		);
		assert_ok!(Carbon::set_energy_per_nonce(RuntimeOrigin::root(), SHAPE, 5));
		System::assert_last_event(
			Event::EnergyPerNonceSet { shape: SHAPE, nanojoules: Some(5) }.into(),
		);
	});
}

#[test]
fn epochs_are_certified_in_order_and_empty_ones_are_passed() {
	new_test_ext().execute_with(|| {
		declare(&acc(1), 1, EnergySource::Wind, b"DK");
		declare(&acc(1), 2, EnergySource::Wind, b"DK");
		declare(&acc(2), 2, EnergySource::Wind, b"DK");
		tally(0, vec![]);
		tally(1, vec![(acc(1), work(1, 1))]);
		tally(2, vec![(acc(1), work(1, 1)), (acc(2), work(1, 1))]);
		run_blocks(1);
		assert_eq!(minted_events(), vec![(0, 1, acc(1)), (1, 2, acc(1)), (2, 2, acc(2))]);
		assert_eq!(Cursor::<Test>::get().epoch, 3);
	});
}

/// 10,000 accepted hosts with generated weights: no block's minting passes the hook budget,
/// every host gets exactly one certificate, in as few blocks as the budget allows.
#[test]
fn ten_thousand_accepted_hosts_are_certified_in_bounded_steps() {
	new_test_ext().execute_with(|| {
		let hosts = 10_000u32;
		let participants = (0..hosts)
			.map(|n| {
				// Weights and counts spread over the whole range, the largest included.
				let weight = u128::MAX / u128::from(n + 1);
				let committed = u32::MAX / (n + 1);
				declare(&acc(100 + n), 0, EnergySource::Hydro, b"NO");
				fund(&acc(100 + n));
				(acc(100 + n), work(committed, weight))
			})
			.collect();
		tally(0, participants);
		let budget: polkadot_sdk::frame_support::weights::Weight = HookBudget::get();
		let mut blocks = 0;
		while Cursor::<Test>::get().epoch == 0 {
			let mut meter = WeightMeter::with_limit(budget);
			Carbon::mint_step(&mut meter);
			assert!(meter.consumed().all_lte(budget));
			blocks += 1;
			assert!(blocks <= 100, "minting does not progress");
		}
		assert_eq!(NextCertificate::<Test>::get(), hosts);
		let per_block = budget.ref_time() / <() as WeightInfo>::mint_certificate().ref_time();
		assert_eq!(blocks, u64::from(hosts).div_ceil(per_block) as u32);
		// Each host owns exactly its own.
		for n in [0u32, 1, 4_999, 9_999] {
			assert_eq!(owner(n), Some(acc(100 + n)));
		}
		let largest = Certificates::<Test>::get(0).expect("minted");
		assert_eq!(largest.weight, u128::MAX);
		assert!(largest.energy_mj > 0);
	});
}

/// The total size of every key and value in state, but frame-system's (events live one block).
fn state_bytes() -> usize {
	let system = polkadot_sdk::sp_io::hashing::twox_128(b"System");
	let mut total = 0;
	let mut key = Vec::new();
	while let Some(next) = polkadot_sdk::sp_io::storage::next_key(&key) {
		if !next.starts_with(&system) {
			let value = polkadot_sdk::sp_io::storage::get(&next).map_or(0, |v| v.len());
			total += next.len() + value;
		}
		key = next;
	}
	total
}

/// Storage per certificate (docs/protocol.md §9 "Measured"): the bytes of keys and values a
/// certificate adds to state — pallet-nfts' item, owner index, item config and JSON metadata,
/// and this pallet's statement — averaged over 100, with 32-byte accounts and 16-byte regions.
#[test]
fn a_certificate_costs_under_900_bytes_of_state() {
	new_test_ext().execute_with(|| {
		let participants = (0..100u32)
			.map(|n| {
				declare(&acc(100 + n), 0, EnergySource::GridMixed, b"US-CAL-NORTH-016");
				fund(&acc(100 + n));
				(acc(100 + n), work(u32::MAX - n, u128::MAX - u128::from(n)))
			})
			.collect();
		tally(0, participants);
		// Minting the first one writes the once-per-epoch entries (cursor, totals).
		let mut meter = WeightMeter::with_limit(
			<() as WeightInfo>::hook_base().saturating_add(<() as WeightInfo>::mint_certificate()),
		);
		Carbon::mint_step(&mut meter);
		assert_eq!(NextCertificate::<Test>::get(), 1);
		let before = state_bytes();
		run_blocks(1);
		assert_eq!(NextCertificate::<Test>::get(), 100);
		let per_certificate = (state_bytes() - before) / 99;
		println!("state per certificate: {per_certificate} bytes");
		assert!(per_certificate < 900, "{per_certificate} bytes");
	});
}

fn not_certified() -> Vec<(EpochIndex, AccountId, Uncertified)> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Carbon(Event::NotCertified { epoch, host, reason }) => {
				Some((epoch, host, reason))
			}
			_ => None,
		})
		.collect()
}

/// SPEC rev 4, attack 13 (no state without a deposit): a certificate is minted only for a host
/// whose energy declaration is in force, holding pallet-nfts' item deposit from its free
/// balance; retiring it returns the deposit.
#[test]
fn a_host_without_a_declaration_in_force_gets_no_certificate_and_an_event_says_so() {
	new_test_ext().execute_with(|| {
		declare(&acc(1), 0, EnergySource::Solar, b"ES");
		tally(0, vec![(acc(1), work(10, 10)), (acc(2), work(10, 10))]);
		run_blocks(1);
		assert_eq!(minted_events(), vec![(0, 0, acc(1))]);
		assert_eq!(not_certified(), vec![(0, acc(2), Uncertified::Undeclared)]);
		System::assert_has_event(Event::EpochCertified { epoch: 0, certificates: 1 }.into());
	});
}

#[test]
fn a_certificate_holds_the_item_deposit_from_the_hosts_free_balance_until_it_is_retired() {
	new_test_ext().execute_with(|| {
		declare(&acc(1), 0, EnergySource::Wind, b"DK");
		let free = Balances::free_balance(acc(1));
		tally(0, vec![(acc(1), work(10, 10))]);
		run_blocks(1);
		assert_eq!(minted_events(), vec![(0, 0, acc(1))]);
		assert_eq!(Balances::reserved_balance(acc(1)), ITEM_DEPOSIT);
		assert_eq!(Balances::free_balance(acc(1)), free - ITEM_DEPOSIT);
		assert_eq!(Balances::reserved_balance(Carbon::account_id()), 0, "not the pallet's");
		assert_ok!(Carbon::retire(RuntimeOrigin::signed(acc(1)), 0));
		assert_eq!(Balances::reserved_balance(acc(1)), 0, "retiring returns it");
		assert_eq!(Balances::free_balance(acc(1)), free);
	});
}

#[test]
fn a_host_that_cannot_pay_the_deposit_gets_none_that_epoch_and_an_event_says_so() {
	new_test_ext().execute_with(|| {
		// acc(9) holds nothing.
		declare(&acc(9), 0, EnergySource::Hydro, b"NO");
		declare(&acc(1), 0, EnergySource::Hydro, b"NO");
		tally(0, vec![(acc(9), work(10, 10)), (acc(1), work(10, 10))]);
		run_blocks(1);
		assert_eq!(minted_events(), vec![(0, 0, acc(1))], "minting goes on with the next host");
		assert_eq!(not_certified(), vec![(0, acc(9), Uncertified::NoDeposit)]);
	});
}

#[test]
fn the_upgrade_to_storage_version_1_makes_the_live_collection_require_deposits() {
	use pallet_nfts::{CollectionConfigOf, CollectionSetting, CollectionSettings};
	use polkadot_sdk::frame_support::traits::{GetStorageVersion, Hooks, StorageVersion};
	new_test_ext().execute_with(|| {
		// A chain from before revision 4: a collection without deposits, storage version 0.
		let collection = CertificateCollection::<Test>::get().expect("made at genesis");
		CollectionConfigOf::<Test>::mutate(collection, |c| {
			if let Some(c) = c {
				c.settings =
					CollectionSettings::from_disabled(CollectionSetting::DepositRequired.into());
			}
		});
		StorageVersion::new(0).put::<Carbon>();
		Carbon::on_runtime_upgrade();
		let config = CollectionConfigOf::<Test>::get(collection).expect("kept");
		assert!(config.is_setting_enabled(CollectionSetting::DepositRequired));
		assert!(config.is_setting_enabled(CollectionSetting::TransferableItems));
		assert_eq!(Carbon::on_chain_storage_version(), 1);
		// Minting holds the deposit from then on.
		declare(&acc(1), 0, EnergySource::Wind, b"DK");
		tally(0, vec![(acc(1), work(10, 10))]);
		run_blocks(1);
		assert_eq!(Balances::reserved_balance(acc(1)), ITEM_DEPOSIT);
	});
}

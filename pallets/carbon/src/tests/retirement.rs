//! Retirement: the owner burns a certificate through this pallet, the ledger records it.

use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok, traits::tokens::nonfungibles_v2::Inspect},
	sp_runtime::DispatchError,
};
use sprint_primitives::EnergySource;

use crate::{mock::*, *};

/// Certificate 0 for acc(1) (wind, 100 leaves) and 1 for acc(2) (hydro, 10 leaves).
fn certified() -> (u128, u128) {
	declare(&acc(1), 0, EnergySource::Wind, b"DK");
	declare(&acc(2), 0, EnergySource::Hydro, b"NO");
	tally(0, vec![(acc(1), work(100, 7_000)), (acc(2), work(10, 10))]);
	run_blocks(1);
	(
		Certificates::<Test>::get(0).expect("minted").energy_mj,
		Certificates::<Test>::get(1).expect("minted").energy_mj,
	)
}

#[test]
fn the_owner_retires_a_certificate_and_the_ledger_records_it() {
	new_test_ext().execute_with(|| {
		let (wind_mj, _) = certified();
		System::set_block_number(9);
		assert_ok!(Carbon::retire(RuntimeOrigin::signed(acc(1)), 0));

		let collection = CertificateCollection::<Test>::get().expect("made at genesis");
		assert_eq!(<Nfts as Inspect<AccountId>>::owner(&collection, &0), None, "burned");
		assert_eq!(Certificates::<Test>::get(0), None);
		let (ledger, total) = Carbon::retirements_of(&acc(1));
		assert_eq!(
			ledger,
			vec![Retirement {
				certificate: 0,
				host: acc(1),
				epoch: 0,
				energy_mj: wind_mj,
				source: Some(EnergySource::Wind),
				region: b"DK".to_vec().try_into().expect("short"),
				block: 9,
			}]
		);
		assert_eq!(total, RetiredTotal { certificates: 1, energy_mj: wind_mj });
		let wind = Totals::<Test>::get(Some(EnergySource::Wind));
		assert_eq!((wind.minted, wind.retired, wind.retired_mj), (1, 1, wind_mj));
		System::assert_last_event(
			Event::Retired {
				who: acc(1),
				certificate: 0,
				energy_mj: wind_mj,
				source: Some(EnergySource::Wind),
			}
			.into(),
		);
		assert_noop!(
			Carbon::retire(RuntimeOrigin::signed(acc(1)), 0),
			Error::<Test>::UnknownCertificate
		);
	});
}

#[test]
fn only_the_owner_retires_and_a_transferred_certificate_is_the_new_owners() {
	new_test_ext().execute_with(|| {
		let (_, hydro_mj) = certified();
		assert_noop!(Carbon::retire(RuntimeOrigin::signed(acc(1)), 1), Error::<Test>::NotOwner);
		assert_noop!(Carbon::retire(RuntimeOrigin::none(), 1), DispatchError::BadOrigin);
		assert_noop!(
			Carbon::retire(RuntimeOrigin::signed(acc(1)), 7),
			Error::<Test>::UnknownCertificate
		);

		let collection = CertificateCollection::<Test>::get().expect("made at genesis");
		assert_ok!(Nfts::transfer(RuntimeOrigin::signed(acc(2)), collection, 1, acc(3)));
		assert_eq!(Carbon::certificates_of(&acc(3)).len(), 1);
		assert!(Carbon::certificates_of(&acc(2)).is_empty());
		assert_noop!(Carbon::retire(RuntimeOrigin::signed(acc(2)), 1), Error::<Test>::NotOwner);
		assert_ok!(Carbon::retire(RuntimeOrigin::signed(acc(3)), 1));

		// The ledger is the retirer's; the certificate still names the host.
		let (ledger, total) = Carbon::retirements_of(&acc(3));
		assert_eq!((ledger[0].host.clone(), ledger[0].source), (acc(2), Some(EnergySource::Hydro)));
		assert_eq!(total.energy_mj, hydro_mj);
		assert_eq!(Carbon::retirements_of(&acc(2)).1, RetiredTotal::default());
	});
}

#[test]
fn retirements_add_up_per_account() {
	new_test_ext().execute_with(|| {
		let (wind_mj, hydro_mj) = certified();
		let collection = CertificateCollection::<Test>::get().expect("made at genesis");
		assert_ok!(Nfts::transfer(RuntimeOrigin::signed(acc(1)), collection, 0, acc(4)));
		assert_ok!(Nfts::transfer(RuntimeOrigin::signed(acc(2)), collection, 1, acc(4)));
		assert_eq!(
			Carbon::certificates_of(&acc(4)).iter().map(|(id, _)| *id).collect::<Vec<_>>(),
			vec![0, 1]
		);
		assert_ok!(Carbon::retire(RuntimeOrigin::signed(acc(4)), 1));
		assert_ok!(Carbon::retire(RuntimeOrigin::signed(acc(4)), 0));
		let (ledger, total) = Carbon::retirements_of(&acc(4));
		assert_eq!(ledger.iter().map(|r| r.certificate).collect::<Vec<_>>(), vec![1, 0]);
		assert_eq!(total, RetiredTotal { certificates: 2, energy_mj: wind_mj + hydro_mj });
		assert!(Carbon::certificates_of(&acc(4)).is_empty());
	});
}

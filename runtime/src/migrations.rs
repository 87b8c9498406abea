//! The runtime's own storage migrations: those that span pallets, run by [`crate::Executive`]
//! before the pallets' own `on_runtime_upgrade` hooks.
//!
//! - [`RecountTallies`] (spec 106, pallet-poc-voting storage version 1): every ongoing
//!   referendum's tally, stored by pallet-referenda, gains its count of aye accounts and is
//!   recounted from its votes with each capped at a quarter of its snapshot (docs/protocol.md
//!   §8). Only the runtime knows the types of pallet-referenda's storage, so the translation
//!   lives here; the recount is pallet-poc-voting's.

use alloc::collections::BTreeMap;

use pallet_poc_voting::migrations::{recount, TallyV0};
use polkadot_sdk::{
	frame_support::{
		traits::{GetStorageVersion, OnRuntimeUpgrade},
		weights::Weight,
	},
	pallet_referenda::{
		BalanceOf, BoundedCallOf, PalletsOriginOf, ReferendumInfo, ReferendumInfoFor,
		ReferendumStatus, ScheduleAddressOf, TrackIdOf,
	},
};

use crate::{AccountId, BlockNumber, PocVoting, Runtime};

/// A referendum as pallet-referenda stored it with a storage-version-0 tally.
pub type ReferendumInfoV0 = ReferendumInfo<
	TrackIdOf<Runtime, ()>,
	PalletsOriginOf<Runtime>,
	BlockNumber,
	BoundedCallOf<Runtime, ()>,
	BalanceOf<Runtime, ()>,
	TallyV0,
	AccountId,
	ScheduleAddressOf<Runtime, ()>,
>;

/// The migrations this runtime runs on an upgrade (each checks its own storage version, so
/// running one twice changes nothing).
pub type Migrations = (RecountTallies,);

/// Recounts the ongoing referenda's tallies for pallet-poc-voting's storage version 1.
pub struct RecountTallies;

impl OnRuntimeUpgrade for RecountTallies {
	fn on_runtime_upgrade() -> Weight {
		let db = <Runtime as polkadot_sdk::frame_system::Config>::DbWeight::get();
		if PocVoting::on_chain_storage_version() >= pallet_poc_voting::migrations::STORAGE_VERSION {
			return db.reads(1);
		}
		let mut old: BTreeMap<u32, TallyV0> = BTreeMap::new();
		let mut referenda = 0u64;
		ReferendumInfoFor::<Runtime>::translate::<ReferendumInfoV0, _>(|index, info| {
			referenda += 1;
			Some(match info {
				ReferendumInfo::Ongoing(status) => {
					old.insert(index, status.tally.clone());
					// The recount below replaces this tally before the block ends.
					let tally =
						pallet_poc_voting::Tally::empty(status.tally.snapshot, status.tally.total);
					ReferendumInfo::Ongoing(ReferendumStatus {
						track: status.track,
						origin: status.origin,
						proposal: status.proposal,
						enactment: status.enactment,
						submitted: status.submitted,
						submission_deposit: status.submission_deposit,
						decision_deposit: status.decision_deposit,
						deciding: status.deciding,
						tally,
						in_queue: status.in_queue,
						alarm: status.alarm,
					})
				}
				ReferendumInfo::Approved(a, b, c) => ReferendumInfo::Approved(a, b, c),
				ReferendumInfo::Rejected(a, b, c) => ReferendumInfo::Rejected(a, b, c),
				ReferendumInfo::Cancelled(a, b, c) => ReferendumInfo::Cancelled(a, b, c),
				ReferendumInfo::TimedOut(a, b, c) => ReferendumInfo::TimedOut(a, b, c),
				ReferendumInfo::Killed(a) => ReferendumInfo::Killed(a),
			})
		});
		let (tallies, recounted) = recount::<Runtime>(&old);
		for (index, tally) in tallies {
			ReferendumInfoFor::<Runtime>::mutate(index, |info| {
				if let Some(ReferendumInfo::Ongoing(status)) = info {
					status.tally = tally;
				}
			});
		}
		pallet_poc_voting::migrations::STORAGE_VERSION.put::<PocVoting>();
		let ongoing = old.len() as u64;
		db.reads_writes(referenda.saturating_add(ongoing), referenda.saturating_add(ongoing) + 1)
			.saturating_add(recounted)
	}
}

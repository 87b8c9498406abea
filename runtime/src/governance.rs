//! Governance and the community fund (docs/protocol.md §8), on polkadot-sdk's own pallets so that
//! polkadot-js apps and other tools show them as they are: `pallet-referenda` (tracks,
//! deciding, confirming), `pallet-scheduler` (enactment), `pallet-preimage` (proposals' calls)
//! and `pallet-treasury` (the community fund, whose account is the `spr/fund` account that holds
//! the genesis 120M and receives slashes and fee shares). Votes are `pallet-poc-voting`'s: an
//! account votes with its accepted PoC weight in the referendum's snapshot epoch.
//!
//! Four tracks ([`Tracks`]), each needing a quorum of 33.4% of the snapshot's voting power in
//! ayes and abstentions (nays never help a proposal reach its quorum), ayes from at least two
//! accounts, and a majority of ayes over ayes and nays — more than 50%, two thirds on `root`
//! and `emergency` — held for the track's confirm period (no vote counts for more than 25% of
//! its snapshot: pallet-poc-voting):
//! - `root` (0): anything, a runtime upgrade (`system.setCode`) included; one at a time, the
//!   longest confirmation.
//! - `params` (1): the protocol's parameters and model registration, dispatched with the
//!   [`Origin::Params`] origin ([`EnsureParams`]).
//! - `treasury` (2): spends from the community fund ([`Origin::Treasury`]), at most
//!   [`MAX_TREASURY_SPEND`] each.
//! - `emergency` (3): cancels or kills a referendum ([`Origin::Emergency`]), with a deciding
//!   slot of its own (so it never queues behind the `root` referendum it acts on), the bar of
//!   `root`, and a confirmation plus enactment shorter than `root`'s confirmation plus its
//!   minimum enactment, so it lands before the referendum it stops.
//!
//! Any bonded host may submit a referendum ([`BondedHost`]); its submission deposit comes back
//! unless the referendum is killed as spam. The periods are chain state set at genesis
//! ([`pallet_governance::GenesisConfig`]): days on a production chain, a few blocks on dev and
//! local chains, so that a referendum passes there in about a minute.

use alloc::borrow::Cow;

use polkadot_sdk::{
	frame_support::traits::{EnsureOrigin, EnsureOriginWithArg, Get, OriginTrait},
	frame_system,
	pallet_referenda::{Curve, Track, TrackInfo, TracksInfo},
	sp_runtime::{str_array, Perbill},
};
use sprint_primitives::HostBond;

use crate::{
	AccountId, Balance, BlockNumber, Collateral, OriginCaller, RuntimeOrigin, DAYS, HOURS, SPR,
};

pub use pallet_governance::Origin;

/// The most one `treasury` referendum may spend: 1,000,000 SPR (a larger spend needs `root`).
pub const MAX_TREASURY_SPEND: Balance = 1_000_000 * SPR;

/// Track ids.
pub const ROOT_TRACK: u16 = 0;
/// The `params` track.
pub const PARAMS_TRACK: u16 = 1;
/// The `treasury` track.
pub const TREASURY_TRACK: u16 = 2;
/// The `emergency` track.
pub const EMERGENCY_TRACK: u16 = 3;

/// The quorum: 33.4% of the snapshot's voting power takes part.
pub const QUORUM: Perbill = Perbill::from_parts(334_000_000);
/// Approval must exceed 50%: the smallest Perbill above it.
pub const APPROVAL: Perbill = Perbill::from_parts(500_000_001);
/// `root` and `emergency` approval: at least two thirds (rounded up).
pub const ROOT_APPROVAL: Perbill = Perbill::from_parts(666_666_667);

/// The tracks' periods, in blocks (chain state, set at genesis).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	codec::Encode,
	codec::Decode,
	codec::MaxEncodedLen,
	scale_info::TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Periods {
	/// Blocks a referendum waits after submission before it may be decided.
	pub prepare: BlockNumber,
	/// Blocks a referendum may take to be decided (then it is rejected).
	pub decision: BlockNumber,
	/// Blocks `root` referenda must keep passing to be approved.
	pub confirm_root: BlockNumber,
	/// Blocks `params` and `treasury` referenda must keep passing to be approved.
	pub confirm: BlockNumber,
	/// Blocks at least between approval and enactment.
	pub enactment: BlockNumber,
	/// Blocks a referendum may wait for its decision deposit (then it times out).
	pub undeciding_timeout: BlockNumber,
}

impl Periods {
	/// A production chain's: a week to decide, a day to confirm (three for `root`).
	pub const fn production() -> Self {
		Self {
			prepare: 2 * HOURS,
			decision: 7 * DAYS,
			confirm_root: 3 * DAYS,
			confirm: DAYS,
			enactment: DAYS,
			undeciding_timeout: 14 * DAYS,
		}
	}

	/// Dev and local chains': a referendum passes about ten blocks after its votes are in.
	pub const fn dev() -> Self {
		Self {
			prepare: 2,
			decision: 200,
			confirm_root: 5,
			confirm: 3,
			enactment: 2,
			undeciding_timeout: 200,
		}
	}

	/// The most blocks a referendum can live while votes count: waiting for its deposit, then
	/// deciding and confirming.
	pub const fn longest_vote(&self) -> BlockNumber {
		let confirm =
			if self.confirm_root > self.confirm { self.confirm_root } else { self.confirm };
		self.undeciding_timeout
			.saturating_add(self.prepare)
			.saturating_add(self.decision)
			.saturating_add(confirm)
	}
}

impl Default for Periods {
	fn default() -> Self {
		Self::production()
	}
}

/// The runtime's governance origins and periods (pallet index 24).
#[polkadot_sdk::frame_support::pallet]
pub mod pallet_governance {
	use polkadot_sdk::frame_support::pallet_prelude::*;

	use super::Periods;

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {}

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// The origins of the tracks below `root`: a passed referendum dispatches its call with
	/// its track's origin.
	#[pallet::origin]
	#[derive(
		PartialEq, Eq, Clone, MaxEncodedLen, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug,
	)]
	pub enum Origin {
		/// A passed `params` referendum: sets protocol parameters, registers models.
		Params,
		/// A passed `treasury` referendum: spends from the community fund.
		Treasury,
		/// A passed `emergency` referendum: cancels or kills a referendum.
		Emergency,
	}

	/// The tracks' periods.
	#[pallet::storage]
	pub type TrackPeriods<T: Config> = StorageValue<_, Periods, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(polkadot_sdk::frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The tracks' periods, in blocks.
		pub periods: Periods,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let p = self.periods;
			assert!(
				p.confirm < p.confirm_root.saturating_add(p.enactment),
				"governance.periods: confirm must be shorter than confirmRoot + enactment, so an \
				 emergency referendum lands before the root referendum it stops"
			);
			TrackPeriods::<T>::put(self.periods);
		}
	}
}

/// The tracks' periods as the chain holds them.
pub fn periods() -> Periods {
	pallet_governance::TrackPeriods::<crate::Runtime>::get()
}

const fn flat(level: Perbill) -> Curve {
	Curve::LinearDecreasing { length: Perbill::one(), floor: level, ceil: level }
}

struct TrackTerms {
	max_deciding: u32,
	decision_deposit: Balance,
	confirm: BlockNumber,
	enactment: BlockNumber,
	approval: Perbill,
}

fn track(
	id: u16,
	name: &str,
	terms: TrackTerms,
	periods: &Periods,
) -> Track<u16, Balance, BlockNumber> {
	let TrackTerms { max_deciding, decision_deposit, confirm, enactment, approval } = terms;
	Track {
		id,
		info: TrackInfo {
			name: str_array(name),
			max_deciding,
			decision_deposit,
			prepare_period: periods.prepare,
			decision_period: periods.decision,
			confirm_period: confirm,
			min_enactment_period: enactment,
			min_approval: flat(approval),
			min_support: flat(QUORUM),
		},
	}
}

/// The four tracks (module docs).
pub struct Tracks;

impl TracksInfo<Balance, BlockNumber> for Tracks {
	type Id = u16;
	type RuntimeOrigin = <RuntimeOrigin as OriginTrait>::PalletsOrigin;

	fn tracks() -> impl Iterator<Item = Cow<'static, Track<u16, Balance, BlockNumber>>> {
		let p = periods();
		let terms = |max_deciding, deposit, confirm, enactment, approval| TrackTerms {
			max_deciding,
			decision_deposit: deposit,
			confirm,
			enactment,
			approval,
		};
		[
			track(
				ROOT_TRACK,
				"root",
				terms(1, 1_000 * SPR, p.confirm_root, p.enactment, ROOT_APPROVAL),
				&p,
			),
			track(
				PARAMS_TRACK,
				"params",
				terms(10, 100 * SPR, p.confirm, p.enactment, APPROVAL),
				&p,
			),
			track(
				TREASURY_TRACK,
				"treasury",
				terms(10, 100 * SPR, p.confirm, p.enactment, APPROVAL),
				&p,
			),
			// Enacted one block after it is confirmed: with `confirm < confirm_root + enactment`
			// (checked at genesis) it lands before the `root` referendum it stops.
			track(
				EMERGENCY_TRACK,
				"emergency",
				terms(1, 1_000 * SPR, p.confirm, 1, ROOT_APPROVAL),
				&p,
			),
		]
		.into_iter()
		.map(Cow::Owned)
	}

	fn track_for(origin: &Self::RuntimeOrigin) -> Result<u16, ()> {
		match origin {
			OriginCaller::system(frame_system::RawOrigin::Root) => Ok(ROOT_TRACK),
			OriginCaller::Governance(Origin::Params) => Ok(PARAMS_TRACK),
			OriginCaller::Governance(Origin::Treasury) => Ok(TREASURY_TRACK),
			OriginCaller::Governance(Origin::Emergency) => Ok(EMERGENCY_TRACK),
			_ => Err(()),
		}
	}
}

/// Who sets protocol parameters and registers models: a passed `params` referendum, or root
/// (a `root` referendum, or sudo on `--dev`).
pub type ParamsOrigin = polkadot_sdk::frame_support::traits::EitherOfDiverse<
	frame_system::EnsureRoot<AccountId>,
	EnsureParams,
>;

/// Passes the origin of a passed referendum on the track whose origin is `O`.
pub struct EnsureTrack<O>(core::marker::PhantomData<O>);

impl<O: Get<Origin>> EnsureOrigin<RuntimeOrigin> for EnsureTrack<O> {
	type Success = ();

	fn try_origin(o: RuntimeOrigin) -> Result<(), RuntimeOrigin> {
		let origin: Result<Origin, RuntimeOrigin> = o.clone().into();
		match origin {
			Ok(origin) if origin == O::get() => Ok(()),
			_ => Err(o),
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn try_successful_origin() -> Result<RuntimeOrigin, ()> {
		Ok(RuntimeOrigin::from(O::get()))
	}
}

polkadot_sdk::frame_support::parameter_types! {
	pub const ParamsTrackOrigin: Origin = Origin::Params;
	pub const TreasuryTrackOrigin: Origin = Origin::Treasury;
	pub const EmergencyTrackOrigin: Origin = Origin::Emergency;
}

/// Passes a passed `emergency` referendum's origin.
pub type EnsureEmergency = EnsureTrack<EmergencyTrackOrigin>;

/// Who cancels or kills a referendum: a passed `emergency` referendum, or root (a `root`
/// referendum, or sudo on `--dev`).
pub type EmergencyOrigin = polkadot_sdk::frame_support::traits::EitherOfDiverse<
	frame_system::EnsureRoot<AccountId>,
	EnsureEmergency,
>;

/// Passes a passed `params` referendum's origin.
pub type EnsureParams = EnsureTrack<ParamsTrackOrigin>;

/// Passes a passed `treasury` referendum's origin.
pub type EnsureTreasury = EnsureTrack<TreasuryTrackOrigin>;

/// Who may submit a referendum on any track: a signed account holding a host bond that is not
/// unbonding (docs/protocol.md §8).
pub struct BondedHost;

impl EnsureOriginWithArg<RuntimeOrigin, OriginCaller> for BondedHost {
	type Success = AccountId;

	fn try_origin(o: RuntimeOrigin, _: &OriginCaller) -> Result<AccountId, RuntimeOrigin> {
		match frame_system::ensure_signed(o.clone()) {
			Ok(who) if <Collateral as HostBond<AccountId>>::has_bond(&who) => Ok(who),
			_ => Err(o),
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn try_successful_origin(_: &OriginCaller) -> Result<RuntimeOrigin, ()> {
		use polkadot_sdk::frame_support::traits::fungible::Mutate;
		let who: AccountId = polkadot_sdk::frame_benchmarking::account("proposer", 0, 0);
		let _ = crate::Balances::set_balance(&who, 1_000_000 * SPR);
		<Collateral as HostBond<AccountId>>::bond_host(&who).map_err(|_| ())?;
		Ok(RuntimeOrigin::signed(who))
	}
}

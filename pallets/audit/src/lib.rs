//! # pallet-audit
//!
//! The random audit of inference (docs/protocol.md §7): every receipt settled in epoch `e` may be
//! audited by any validator, with a probability set by its power, the epoch's traffic and the
//! executor's reputation, drawn with the validator's secret of epoch `e + 1` — committed two epochs
//! ahead and revealed only in `e + 1`'s validation window, after `e`'s settlements are final, so
//! nobody knows while cheating still pays which receipts will be audited.
//!
//! The timeline of epoch `e`'s receipts, in epoch `e + 1` (pallet-poc's periods):
//! - **validation and answer periods**: an auditor that revealed its secret replays each receipt
//!   its draw hits and submits [`Pallet::submit_audits`]: `Pass`, `Fail` (the first differing
//!   position, the payload's hash and the executor's signature over it) or `Unavailable`, each
//!   with the receipt's inclusion proof against its batch's Merkle root. Claims (`Fail`,
//!   `Unavailable`) only in the validation window, so the accused always has the whole answer
//!   period to post; Passes through the answer period. An `Unavailable` payload must be posted
//!   on chain by the executor ([`Pallet::post_payload`], free) before the answer period ends. A
//!   `Fail`'s payload may be posted too, by its auditor or its executor (bytes whose hash is the
//!   one the executor signed), so that its jurors can read it even when the executor withholds it
//!   from them; the worker's auditor posts every `Fail`'s payload;
//! - **answer and check periods**: when the answer period opens, after claims have closed, the
//!   epoch's jury randomness is fixed ([`JuryRandomness`]); each dispute's jury — min(5,
//!   eligible) validators by power, never the executor or the claimant — is derived from it on
//!   demand ([`Pallet::jury`]) and its jurors [`Pallet::vote`]. More than half of the jury
//!   confirming fraud refunds the payer, forfeits all the executor's pending fees, and slashes it
//!   for inference fraud (20%, jail) at once — the engine is exact, so one confirmed difference is
//!   enough; more than half refuting costs a `Fail`'s auditor the refuted-claim penalty;
//! - **tally period**: open disputes are decided (a payload never posted is fraud; otherwise the
//!   majority of the votes cast, with at least min(3, jurors) cast, else the claim is void);
//!   jurors that never voted are charged a silent juror, and jurors against the decision the lazy
//!   penalty;
//! - **from the check period to the end of epoch `e + 2`**: anyone may
//!   [`Pallet::report_missed_audit`]: a receipt whose draw under a validator's revealed secret
//!   hits and which that validator never audited costs it a missed audit (0.1% per instance, at
//!   most 10% an epoch), a share to the
//!   reporter. The chain never enumerates receipts × validators.
//!
//! Reputation ([`Standing`]) ramps from 0 to 1 over 30 epochs from an executor's first
//! settlement and starts again at each confirmed fraud and each downtime slash. Pallets meet through the traits of
//! `sprint-primitives`: [`AuditValidators`] (pallet-poc), [`AuditedMarket`] (pallet-inference),
//! [`Slasher`] (pallet-collateral), and this pallet implements [`OnSettle`].

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
pub mod runtime_api;
pub mod types;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use alloc::vec::Vec;
use polkadot_sdk::{
	frame_support::{
		self,
		traits::{
			fungible::{Inspect, Mutate, MutateHold},
			tokens::{Fortitude, Precision, Restriction},
			Get,
		},
		weights::Weight,
	},
	frame_system,
	sp_core::sr25519,
	sp_runtime::Saturating,
};
use sprint_core::market::{
	audit_draw, audit_probability_ppb, audit_target_ppb, draw_by_weight, draw_hits,
	jury_randomness, jury_seed, min_average_ppb, payload_statement, reputation_ppb,
};
use sprint_primitives::{
	merkle::verify_leaf, AuditValidators, AuditedMarket, EpochStage, OffenceKind, OnSettle,
	SigningKeys, Slasher,
};

/// Most audits in one [`Pallet::submit_audits`] call.
pub const MAX_AUDITS_PER_CHUNK: u32 = 64;

/// Most claims (`Fail`s and `Unavailable`s) in one [`Pallet::submit_audits`] call, so that a
/// chunk's bonds and disputes fit one extrinsic. Not a cap on claims: an auditor sends more
/// chunks.
pub const MAX_CLAIMS_PER_CHUNK: u32 = 8;

/// The claim bond a new chain starts with: 10 SPR (in planck).
pub const DEFAULT_CLAIM_BOND: u128 = 10_000_000_000;

/// The smallest claim bond governance may set: 1 SPR.
pub const MIN_CLAIM_BOND: u128 = 1_000_000_000;

/// The largest claim bond governance may set: 10,000 SPR.
pub const MAX_CLAIM_BOND: u128 = 10_000_000_000_000;

/// Most disputes decided per block once their votes are closed.
pub const RESOLVE_PER_BLOCK: u32 = 32;

/// Most bytes of a posted payload (prompt and output, as the executor served it).
pub const MAX_PAYLOAD: u32 = 256 * 1024;

/// Most entries pruned per storage map per block.
pub const PRUNE_PER_BLOCK: u32 = 256;

/// The receipt type audited.
pub type ReceiptOf<T> = Receipt<<T as frame_system::Config>::AccountId, u128>;

/// A chunk of audits.
pub type AuditsOf<T> = polkadot_sdk::frame_support::BoundedVec<
	Audit<<T as frame_system::Config>::AccountId, u128>,
	polkadot_sdk::frame_support::traits::ConstU32<MAX_AUDITS_PER_CHUNK>,
>;

/// A posted payload.
pub type Payload = polkadot_sdk::frame_support::BoundedVec<
	u8,
	polkadot_sdk::frame_support::traits::ConstU32<MAX_PAYLOAD>,
>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use polkadot_sdk::{frame_support::pallet_prelude::*, frame_system::pallet_prelude::*};

	#[pallet::pallet]
	#[pallet::storage_version(migrations::STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The settled batches, refunds and forfeits (pallet-inference).
		type Market: AuditedMarket<Self::AccountId, Balance = u128>;

		/// Validators' secrets and power, and the epoch's stage (pallet-poc).
		type Validators: AuditValidators<Self::AccountId>;

		/// Slashes for fraud, refuted claims and silent seats (pallet-collateral).
		type Slasher: Slasher<Self::AccountId, Balance = u128>;

		/// The key each executor signs its served payloads with (pallet-poc's proof key).
		type SigningKeys: SigningKeys<Self::AccountId>;

		/// Holds claim bonds (pallet-balances).
		type Currency: Inspect<Self::AccountId, Balance = u128>
			+ Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons, of which this pallet's [`HoldReason`] is one.
		type RuntimeHoldReason: From<HoldReason>;

		/// Where forfeited claim bonds go: the community fund's account.
		type CommunityFund: Get<Self::AccountId>;

		/// Who sets the claim bond: governance's `params` track, or root.
		type ParamsOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The most validators an epoch's pool holds (what a re-run draw reads).
		#[pallet::constant]
		type MaxValidators: Get<u32>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Receipts of at least 16 tokens settled in each epoch: the traffic that sets the minimum
	/// audit rate.
	#[pallet::storage]
	pub type Traffic<T: Config> = StorageMap<_, Twox64Concat, EpochIndex, u64, ValueQuery>;

	/// Each executor's reputation. Keyed by account: `Blake2_128Concat`.
	#[pallet::storage]
	pub type Standings<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, Standing, OptionQuery>;

	/// The change before an executor's last one: `(the epoch it was made in, clean_since before
	/// it)`. With [`Standings`] it gives the reputation at any epoch whose missed-audit reports
	/// are still open, across two resets (docs/protocol.md §7: draws read a snapshot).
	#[pallet::storage]
	pub type EarlierStandings<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		(EpochIndex, Option<EpochIndex>),
		OptionQuery,
	>;

	/// Audits submitted: `(settle epoch, receipt id, validator)`.
	#[pallet::storage]
	pub type Audited<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Twox64Concat, EpochIndex>,
			NMapKey<Identity, Hash32>,
			NMapKey<Blake2_128Concat, T::AccountId>,
		),
		(),
		OptionQuery,
	>;

	/// Missed audits reported: `(settle epoch, receipt id, validator)`, so none is charged twice.
	#[pallet::storage]
	pub type Reported<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Twox64Concat, EpochIndex>,
			NMapKey<Identity, Hash32>,
			NMapKey<Blake2_128Concat, T::AccountId>,
		),
		(),
		OptionQuery,
	>;

	/// Disputes by settle epoch and receipt id (receipt ids are hashes: `Identity`).
	#[pallet::storage]
	pub type Disputes<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Identity,
		Hash32,
		Dispute<T::AccountId, u128>,
		OptionQuery,
	>;

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// An auditor's claim bond, while its claim is open.
		ClaimBond,
	}

	/// The disputes of each settle epoch not decided yet, as a set (receipt ids are hashes:
	/// `Identity`). No cap: each claim holds a bond, and the block hook decides at most
	/// [`RESOLVE_PER_BLOCK`] a block once their votes have closed.
	#[pallet::storage]
	pub type OpenClaims<T: Config> =
		StorageDoubleMap<_, Twox64Concat, EpochIndex, Identity, Hash32, (), OptionQuery>;

	/// How many disputes of each settle epoch are open (the size of [`OpenClaims`]' prefix).
	#[pallet::storage]
	pub type OpenCount<T: Config> = StorageMap<_, Twox64Concat, EpochIndex, u32, ValueQuery>;

	/// The bond each claimant holds for its claim over a receipt: `(settle epoch, receipt id,
	/// auditor)`.
	#[pallet::storage]
	pub type ClaimBonds<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Twox64Concat, EpochIndex>,
			NMapKey<Identity, Hash32>,
			NMapKey<Blake2_128Concat, T::AccountId>,
		),
		u128,
		OptionQuery,
	>;

	/// The bond each `Fail` or `Unavailable` holds (governed: [`Pallet::set_claim_bond`], within
	/// [`MIN_CLAIM_BOND`]–[`MAX_CLAIM_BOND`]).
	#[pallet::storage]
	pub type ClaimBond<T: Config> = StorageValue<_, u128, ValueQuery, DefaultClaimBond>;

	/// [`DEFAULT_CLAIM_BOND`].
	pub struct DefaultClaimBond;
	impl Get<u128> for DefaultClaimBond {
		fn get() -> u128 {
			DEFAULT_CLAIM_BOND
		}
	}

	/// Disputes each auditor opened over an epoch's receipts (a count for dashboards; no cap).
	#[pallet::storage]
	pub type AuditorDisputes<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Blake2_128Concat,
		T::AccountId,
		u32,
		ValueQuery,
	>;

	/// Payloads posted in disputes (by the executor of an `Unavailable`, by the auditor or the
	/// executor of a `Fail`): the one case a payload goes on chain.
	#[pallet::storage]
	pub type Payloads<T: Config> =
		StorageDoubleMap<_, Twox64Concat, EpochIndex, Identity, Hash32, Payload, OptionQuery>;

	/// Each settle epoch's audit counts.
	#[pallet::storage]
	pub type Stats<T: Config> = StorageMap<_, Twox64Concat, EpochIndex, AuditStats, ValueQuery>;

	/// The oldest settle epoch whose audit state is not pruned yet.
	#[pallet::storage]
	pub type NextPrune<T: Config> = StorageValue<_, EpochIndex, ValueQuery>;

	/// Each settle epoch's jury randomness ([`sprint_core::market::jury_randomness`]), fixed at
	/// the first block of the auditing epoch's answer period, once its claims have closed: every
	/// jury of its disputes is derived from it on demand ([`Pallet::jury`]).
	#[pallet::storage]
	pub type JuryRandomness<T: Config> =
		StorageMap<_, Twox64Concat, EpochIndex, Hash32, OptionQuery>;

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Decides the disputes whose votes have closed (at most [`RESOLVE_PER_BLOCK`]) and
		/// prunes the audit state of an epoch whose reports have closed.
		/// Migrates stored state to this code's storage version (see [`migrations`]).
		fn on_runtime_upgrade() -> Weight {
			migrations::migrate::<T>()
		}

		fn on_initialize(_: BlockNumberFor<T>) -> Weight {
			let fixed = Pallet::<T>::fix_jury_randomness();
			let resolved = Pallet::<T>::resolve_closed();
			let pruned = Pallet::<T>::prune_step();
			// Each may draw its jury (one nobody voted on), at the largest pool.
			T::WeightInfo::close_dispute()
				.saturating_add(T::WeightInfo::dispute(T::MaxValidators::get()))
				.saturating_mul(u64::from(resolved))
				.saturating_add(T::WeightInfo::prune_step(pruned))
				.saturating_add(T::DbWeight::get().reads_writes(5, u64::from(fixed)))
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `validator` audited `receipt` of `epoch`'s settlements and found it as it said
		/// (`Pass`).
		Passed { epoch: EpochIndex, receipt: Hash32, validator: T::AccountId },
		/// `auditor` claimed `receipt` of `epoch` fails (or its payload is unavailable; emitted
		/// again with the posted payload's hash once the executor posts it). Its jury is drawn
		/// only when the answer period opens: [`Pallet::jury`].
		Disputed {
			epoch: EpochIndex,
			receipt: Hash32,
			auditor: T::AccountId,
			executor: T::AccountId,
			claim: Claim,
		},
		/// `by` (the executor, or a `Fail`'s auditor) posted the payload of `receipt`, whose
		/// blake2 hash is `hash`: its jurors read it from [`Payloads`].
		PayloadPosted { epoch: EpochIndex, receipt: Hash32, by: T::AccountId, hash: Hash32 },
		/// A juror voted.
		Voted { epoch: EpochIndex, receipt: Hash32, voter: T::AccountId, fraud: bool },
		/// Governance set the claim bond.
		ClaimBondSet { bond: u128 },
		/// `auditor`'s claim bond over `receipt` came back (`returned`) or went to the community
		/// fund (a refuted claim).
		ClaimBondSettled {
			epoch: EpochIndex,
			receipt: Hash32,
			auditor: T::AccountId,
			amount: u128,
			returned: bool,
		},
		/// The dispute over `receipt` ended: on fraud, `refunded` went back to the payer,
		/// `forfeited` fees to the community fund, and `slashed` was taken from the executor
		/// (from the auditor on a refuted claim).
		Resolved {
			epoch: EpochIndex,
			receipt: Hash32,
			resolution: Resolution,
			refunded: u128,
			forfeited: u128,
			slashed: u128,
		},
		/// `reporter` showed that `validator` missed its audit of `receipt`: `slashed` (the
		/// missed-audit penalty), of which the reporter gets the confirmers' share.
		MissedAuditReported {
			epoch: EpochIndex,
			receipt: Hash32,
			validator: T::AccountId,
			reporter: T::AccountId,
			slashed: u128,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// Audits of epoch `e`'s receipts are submitted in epoch `e + 1` only.
		WrongEpoch,
		/// Not in the period this call belongs to (see the module docs' timeline).
		OutsideWindow,
		/// An empty chunk.
		NoAudits,
		/// The caller has not revealed its secret for the auditing epoch (reveal it with
		/// `poc.reveal_secret` or a verdict chunk first).
		SecretNotRevealed,
		/// The caller has no power in the auditing epoch (no accepted weight, or no committed
		/// secret): it audits nothing.
		NoPower,
		/// No settled batch has that number in that epoch.
		UnknownBatch,
		/// The receipt's inclusion proof does not lead to its batch's root, or its executor is
		/// not the batch's.
		NotInBatch,
		/// A validator never audits its own receipts.
		OwnReceipt,
		/// The caller's draw does not hit this receipt.
		NotDrawn,
		/// The caller audited this receipt already.
		AlreadyAudited,
		/// The executor's signature over the payload's hash is wrong (or it has no signing
		/// key): a `Fail` must carry what the executor signed when it served the payload.
		BadPayloadSignature,
		/// The caller's free balance cannot hold the claim bond of every claim in the chunk
		/// (`ClaimBond` each).
		ClaimBondTooLow,
		/// No dispute over that receipt.
		UnknownDispute,
		/// Only the receipt's executor posts the payload of an `Unavailable` (and only the
		/// executor or the auditor that of a `Fail`).
		NotTheExecutor,
		/// The dispute is over, or its payload is posted already.
		NothingToPost,
		/// An empty payload.
		EmptyPayload,
		/// The caller is not a juror of the dispute (see [`Pallet::jury`]).
		NotASeat,
		/// The seat voted already.
		AlreadyVoted,
		/// Nothing to vote on yet (a payload not posted) or any more (the dispute ended).
		NothingToVoteOn,
		/// The caller's draw hits the receipt, but it did audit it (or the validator reported
		/// did not reveal its secret, so it audited nothing and its silence is charged by the
		/// PoC tally).
		NotMissed,
		/// This missed audit was reported already.
		AlreadyReported,
		/// A validator never reports itself (it would collect the reporter's share of its own
		/// penalty).
		SelfReport,
		/// The posted bytes are not the payload the `Fail` claims (their blake2 hash is not the
		/// hash the executor signed).
		WrongPayload,
		/// A claim bond outside [`MIN_CLAIM_BOND`]–[`MAX_CLAIM_BOND`].
		InvalidClaimBond,
		/// More than [`MAX_CLAIMS_PER_CHUNK`] claims in one chunk: send them in several.
		TooManyClaims,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Submits a chunk of the caller's audits of `epoch`'s settled receipts (module docs).
		/// Each names the receipt's batch, its place and path, and the result; each must be hit
		/// by the caller's draw `H(secret_{epoch+1} ‖ receipt id)`. A `Fail` opens a dispute with
		/// its re-run seats; an `Unavailable` opens one awaiting the executor's payload; another
		/// auditor's claim over the same receipt joins the open dispute.
		///
		/// Origin: signed, a validator with power in `epoch + 1` that revealed its secret. A
		/// chunk with a `Fail` or an `Unavailable` in epoch `epoch + 1`'s validation window only
		/// (so the executor has the whole answer period to post the payload); a chunk of Passes
		/// through the answer period too. Free when it succeeds. Emits
		/// `Passed` and `Disputed`. Fails with `WrongEpoch`, `OutsideWindow`, `NoAudits`,
		/// `SecretNotRevealed`, `NoPower`, `UnknownBatch`, `NotInBatch`, `OwnReceipt`,
		/// `NotDrawn`, `AlreadyAudited`, `BadPayloadSignature` or `ClaimBondTooLow`; a failing
		/// chunk changes nothing and pays its fee. Each `Fail` or `Unavailable` holds the claim
		/// bond (`ClaimBond`) until its dispute ends: returned unless the claim is refuted. No
		/// cap refuses claims.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::submit_audits(audits.len() as u32)
			.saturating_add(T::WeightInfo::dispute(T::MaxValidators::get())
				.saturating_mul(audits.iter().filter(|a| !matches!(a.result, AuditResult::Pass)).count() as u64)))]
		pub fn submit_audits(
			origin: OriginFor<T>,
			epoch: EpochIndex,
			audits: AuditsOf<T>,
		) -> DispatchResultWithPostInfo {
			let validator = ensure_signed(origin)?;
			Self::do_submit_audits(validator, epoch, audits)?;
			Ok(Pays::No.into())
		}

		/// Posts the payload of `receipt` (settled in `epoch`) on chain, in one of two disputes:
		/// - an `Unavailable` (an auditor could not fetch it): by the executor, in epoch
		///   `epoch + 1`'s validation and answer periods; its jury then replays it. An executor
		///   that does not post it by the end of the answer period is charged inference fraud.
		///   Emits `PayloadPosted` and `Disputed`.
		/// - a `Fail`: by its auditor or the executor, while its seats vote (to the end of epoch
		///   `epoch + 1`'s check period); the bytes must hash to the claim's `payload_hash`,
		///   which the executor signed, so only the payload it served can be posted. The seats
		///   then read it from the chain, whoever withholds it. Emits `PayloadPosted`.
		///
		/// Origin: signed, as above. Once per dispute. Free when it succeeds. Fails with
		/// `WrongEpoch`, `OutsideWindow`, `UnknownDispute`, `NotTheExecutor`, `NothingToPost`,
		/// `EmptyPayload` or `WrongPayload`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::post_payload(payload.len() as u32))]
		pub fn post_payload(
			origin: OriginFor<T>,
			epoch: EpochIndex,
			receipt: Hash32,
			payload: Payload,
		) -> DispatchResultWithPostInfo {
			let by = ensure_signed(origin)?;
			Self::do_post_payload(by, epoch, receipt, payload)?;
			Ok(Pays::No.into())
		}

		/// Votes, as a juror of the dispute over `receipt` (settled in `epoch`), whether the
		/// exact replay of the payload shows fraud (`fraud: true`) or matches the receipt. The
		/// jury — min(5, eligible) validators by weight, never the executor or the claimant — is
		/// drawn from randomness fixed when epoch `epoch + 1`'s answer period opens, after claims
		/// close ([`Pallet::jury`]), and stored with the first vote. Votes of more than half of
		/// the jury decide at once; otherwise, when the check period ends, the majority of the
		/// votes cast decides if at least min(3, eligible) were cast, and the claim is void if
		/// not. A juror who voted against the decision pays the lazy penalty.
		///
		/// Origin: signed, a juror. In epoch `epoch + 1`'s answer and check periods. Free when
		/// it succeeds. Emits `Voted` (and `Resolved`). Fails with `WrongEpoch`,
		/// `OutsideWindow`, `UnknownDispute`, `NothingToVoteOn`, `NotASeat` or `AlreadyVoted`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::vote()
			.saturating_add(T::WeightInfo::resolve())
			.saturating_add(T::WeightInfo::dispute(T::MaxValidators::get())))]
		pub fn vote(
			origin: OriginFor<T>,
			epoch: EpochIndex,
			receipt: Hash32,
			fraud: bool,
		) -> DispatchResultWithPostInfo {
			let voter = ensure_signed(origin)?;
			Self::do_vote(voter, epoch, receipt, fraud)?;
			Ok(Pays::No.into())
		}

		/// Sets the bond each `Fail` or `Unavailable` holds from the next claim on.
		///
		/// Origin: `ParamsOrigin` (a passed `params` referendum, or root). Emits
		/// `ClaimBondSet`. Fails with `InvalidClaimBond` (outside 1–10,000 SPR).
		#[pallet::call_index(4)]
		#[pallet::weight(T::DbWeight::get().writes(1))]
		pub fn set_claim_bond(origin: OriginFor<T>, bond: u128) -> DispatchResult {
			T::ParamsOrigin::ensure_origin(origin)?;
			ensure!(
				(MIN_CLAIM_BOND..=MAX_CLAIM_BOND).contains(&bond),
				Error::<T>::InvalidClaimBond
			);
			ClaimBond::<T>::put(bond);
			Self::deposit_event(Event::ClaimBondSet { bond });
			Ok(())
		}

		/// Reports that `validator` missed its audit of a receipt settled in `epoch`: the
		/// receipt (with batch, place and path) is hit by `validator`'s draw under its revealed
		/// secret, and `validator` submitted nothing for it. Charges `validator` the missed-audit
		/// penalty (per instance: 0.1% each, at most 10% per validator and epoch); the caller gets
		/// the confirmers' share. Fails with `SelfReport` when the caller is `validator`.
		///
		/// Origin: signed, anyone. From epoch `epoch + 1`'s check period to the end of epoch
		/// `epoch + 2`. Emits `MissedAuditReported`. Fails with `OutsideWindow`,
		/// `UnknownBatch`, `NotInBatch`, `OwnReceipt`, `NotDrawn`, `NotMissed` or
		/// `AlreadyReported`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::report_missed_audit())]
		pub fn report_missed_audit(
			origin: OriginFor<T>,
			epoch: EpochIndex,
			validator: T::AccountId,
			audit: alloc::boxed::Box<Audit<T::AccountId, u128>>,
		) -> DispatchResult {
			let reporter = ensure_signed(origin)?;
			Self::do_report(reporter, epoch, validator, *audit)
		}
	}
}

impl<T: Config> OnSettle<T::AccountId> for Pallet<T> {
	fn on_settle(executor: &T::AccountId, epoch: EpochIndex, traffic: u32) {
		Traffic::<T>::mutate(epoch, |t| *t = t.saturating_add(u64::from(traffic)));
		if !Standings::<T>::contains_key(executor) {
			Standings::<T>::insert(
				executor,
				Standing { clean_since: epoch, changed: epoch, before: None },
			);
		}
	}

	fn on_downtime(executor: &T::AccountId, epoch: EpochIndex) {
		Self::reset_standing(executor, epoch);
	}
}

/// Whether `key`'s sr25519 signature over `message` is `signature`.
/// A dispute's votes cast: `(fraud, no fraud)`.
fn votes<AccountId>(dispute: &Dispute<AccountId, u128>) -> (usize, usize) {
	let cast = |fraud: bool| dispute.seats.iter().filter(|(_, v)| *v == Some(fraud)).count();
	(cast(true), cast(false))
}

fn signed_by(key: &[u8; 32], message: &[u8], signature: &SignatureBytes) -> bool {
	polkadot_sdk::sp_io::crypto::sr25519_verify(
		&sr25519::Signature::from_raw(*signature),
		message,
		&sr25519::Public::from_raw(*key),
	)
}

impl<T: Config> Pallet<T> {
	/// The probability, in ppb, that a validator of power `power` in `epoch + 1` audits a
	/// receipt of `executor` settled in `epoch` (docs/protocol.md §7).
	pub fn audit_probability(
		epoch: EpochIndex,
		executor: &T::AccountId,
		power: u128,
		total: u128,
	) -> u64 {
		let min_average = min_average_ppb(Traffic::<T>::get(epoch));
		let reputation = Self::clean_epochs_at(executor, epoch).map_or(0, reputation_ppb);
		let target = audit_target_ppb(min_average, reputation);
		let exec_power = T::Validators::power(epoch.saturating_add(1), executor);
		audit_probability_ppb(target, power, total, exec_power)
	}

	/// The probability, in ppb, that `validator` audits a receipt of `executor` settled in
	/// `epoch` (the runtime API's `audit_probability`).
	pub fn probability_for(
		epoch: EpochIndex,
		validator: &T::AccountId,
		executor: &T::AccountId,
	) -> u64 {
		if validator == executor {
			return 0;
		}
		let auditing = epoch.saturating_add(1);
		let power = T::Validators::power(auditing, validator);
		let total = T::Validators::total_power(auditing);
		Self::audit_probability(epoch, executor, power, total)
	}

	/// Whether `validator`'s draw (secret `secret`, power `power`) hits `receipt` of `epoch`.
	pub fn is_drawn(
		epoch: EpochIndex,
		receipt: &ReceiptOf<T>,
		secret: &Hash32,
		power: u128,
		total: u128,
	) -> bool {
		let probability = Self::audit_probability(epoch, &receipt.ticket.executor, power, total);
		draw_hits(audit_draw(secret, &receipt.id()), probability)
	}

	/// Checks that `audit`'s receipt is settled in `epoch` where it says; returns its id.
	fn check_inclusion(
		epoch: EpochIndex,
		audit: &Audit<T::AccountId, u128>,
	) -> Result<Hash32, Error<T>> {
		let (executor, count, root) =
			T::Market::batch(epoch, audit.batch).ok_or(Error::<T>::UnknownBatch)?;
		let id = audit.receipt.id();
		let included = audit.receipt.ticket.executor == executor
			&& verify_leaf(&root, count, audit.index, u64::from(audit.index), &id, &audit.path);
		if included {
			Ok(id)
		} else {
			Err(Error::<T>::NotInBatch)
		}
	}

	fn in_stage(epoch: EpochIndex, stages: &[EpochStage]) -> Result<(), Error<T>> {
		let (now, stage) = T::Validators::stage();
		if now != epoch.saturating_add(1) {
			return Err(Error::<T>::WrongEpoch);
		}
		if !stages.contains(&stage) {
			return Err(Error::<T>::OutsideWindow);
		}
		Ok(())
	}

	fn do_submit_audits(
		validator: T::AccountId,
		epoch: EpochIndex,
		audits: AuditsOf<T>,
	) -> Result<(), polkadot_sdk::sp_runtime::DispatchError> {
		use polkadot_sdk::frame_support::ensure;
		ensure!(!audits.is_empty(), Error::<T>::NoAudits);
		let claim_count = audits.iter().filter(|a| !matches!(a.result, AuditResult::Pass)).count();
		ensure!(claim_count <= MAX_CLAIMS_PER_CHUNK as usize, Error::<T>::TooManyClaims);
		// Claims only in the validation window, so the accused executor always has a whole
		// answer period to post the payload; Passes through the answer period.
		let claims = audits.iter().any(|a| !matches!(a.result, AuditResult::Pass));
		if claims {
			Self::in_stage(epoch, &[EpochStage::Validation])?;
		} else {
			Self::in_stage(epoch, &[EpochStage::Validation, EpochStage::Answer])?;
		}
		let auditing = epoch.saturating_add(1);
		let secret = T::Validators::revealed_secret(auditing, &validator)
			.ok_or(Error::<T>::SecretNotRevealed)?;
		let power = T::Validators::power(auditing, &validator);
		ensure!(power > 0, Error::<T>::NoPower);
		let total = T::Validators::total_power(auditing);
		// Checked in full first: a failing chunk changes nothing.
		let mut ids = Vec::with_capacity(audits.len());
		for audit in audits.iter() {
			let id = Self::check_inclusion(epoch, audit)?;
			let executor = &audit.receipt.ticket.executor;
			ensure!(*executor != validator, Error::<T>::OwnReceipt);
			ensure!(
				!Audited::<T>::contains_key((epoch, id, &validator)) && !ids.contains(&id),
				Error::<T>::AlreadyAudited
			);
			ensure!(
				Self::is_drawn(epoch, &audit.receipt, &secret, power, total),
				Error::<T>::NotDrawn
			);
			if let AuditResult::Fail { payload_hash, executor_signature, .. } = &audit.result {
				// The executor's current key, or one it retired within the audit window: a
				// host that deregisters cannot escape a Fail.
				let statement = payload_statement(&id, payload_hash);
				ensure!(
					T::SigningKeys::signing_keys(executor).iter().any(|key| signed_by(
						key,
						&statement,
						executor_signature
					)),
					Error::<T>::BadPayloadSignature
				);
			}
			ids.push(id);
		}
		let opening = audits
			.iter()
			.zip(&ids)
			.filter(|(a, id)| {
				!matches!(a.result, AuditResult::Pass) && !Disputes::<T>::contains_key(epoch, id)
			})
			.count() as u32;
		if opening > 0 {
			AuditorDisputes::<T>::mutate(epoch, &validator, |n| *n = n.saturating_add(opening));
		}
		// Every claim, opening a dispute or joining one, holds a bond: no cap refuses claims,
		// and a refuted one costs its sender (the once-per-epoch penalty alone made every
		// refuted claim after the first free).
		let bond = ClaimBond::<T>::get();
		for (audit, id) in audits.iter().zip(&ids) {
			if matches!(audit.result, AuditResult::Pass) {
				continue;
			}
			T::Currency::hold(&HoldReason::ClaimBond.into(), &validator, bond)
				.map_err(|_| Error::<T>::ClaimBondTooLow)?;
			ClaimBonds::<T>::insert((epoch, *id, &validator), bond);
		}

		let mut stats = Stats::<T>::get(epoch);
		for (audit, id) in audits.into_iter().zip(ids) {
			Audited::<T>::insert((epoch, id, &validator), ());
			let claim = match audit.result {
				AuditResult::Pass => {
					stats.passed.saturating_inc();
					Self::deposit_event(Event::Passed {
						epoch,
						receipt: id,
						validator: validator.clone(),
					});
					continue;
				}
				AuditResult::Fail { position, payload_hash, .. } => {
					stats.failed.saturating_inc();
					Claim::Fail { position, payload_hash }
				}
				AuditResult::Unavailable => {
					stats.unavailable.saturating_inc();
					Claim::Unavailable { posted: None }
				}
			};
			if Disputes::<T>::contains_key(epoch, id) {
				// Another auditor's claim is being decided: this one joins it.
				continue;
			}
			// No jury yet: it is drawn from randomness fixed only once claims have closed
			// (attack 6 of revision 4: a jury known at claim time lets the claimant file only
			// where colluders sit).
			let executor = audit.receipt.ticket.executor.clone();
			Self::deposit_event(Event::Disputed {
				epoch,
				receipt: id,
				auditor: validator.clone(),
				executor,
				claim: claim.clone(),
			});
			let dispute = Dispute {
				receipt: audit.receipt,
				auditor: validator.clone(),
				claim,
				seats: Default::default(),
				resolution: None,
			};
			Disputes::<T>::insert(epoch, id, dispute);
			OpenClaims::<T>::insert(epoch, id, ());
			OpenCount::<T>::mutate(epoch, |n| n.saturating_inc());
		}
		Stats::<T>::insert(epoch, stats);
		Ok(())
	}

	/// Fixes the jury randomness of the settle epoch whose auditing epoch has just opened its
	/// answer period (its claims have closed), once. Returns whether it wrote it.
	pub(crate) fn fix_jury_randomness() -> bool {
		let (now, stage) = T::Validators::stage();
		let Some(epoch) = now.checked_sub(1) else { return false };
		if !matches!(stage, EpochStage::Answer | EpochStage::Check)
			|| JuryRandomness::<T>::contains_key(epoch)
		{
			return false;
		}
		let parent: Hash32 =
			frame_system::Pallet::<T>::parent_hash().as_ref().try_into().unwrap_or_default();
		let digest = T::Validators::reveal_digest(now).unwrap_or_default();
		JuryRandomness::<T>::insert(epoch, jury_randomness(&parent, &digest));
		true
	}

	/// The jury of the dispute over receipt `id` settled in `epoch`: min(5, eligible) validators
	/// of epoch `epoch + 1` drawn by power from its jury randomness, never the executor or the
	/// claimant (docs/protocol.md §7). `None` before the randomness is fixed (claims may still
	/// come) or for an unknown dispute. Derived on demand: nothing is stored until the first
	/// vote.
	pub fn jury(epoch: EpochIndex, id: Hash32) -> Option<Vec<T::AccountId>> {
		let dispute = Disputes::<T>::get(epoch, id)?;
		if !dispute.seats.is_empty() {
			return Some(dispute.seats.into_iter().map(|(v, _)| v).collect());
		}
		Self::draw_jury(epoch, &dispute, &id)
			.map(|seats| seats.into_iter().map(|(v, _)| v).collect())
	}

	fn draw_jury(
		epoch: EpochIndex,
		dispute: &Dispute<T::AccountId, u128>,
		id: &Hash32,
	) -> Option<
		polkadot_sdk::frame_support::BoundedVec<
			RerunSeat<T::AccountId>,
			polkadot_sdk::frame_support::traits::ConstU32<MAX_RERUN_SEATS>,
		>,
	> {
		let randomness = JuryRandomness::<T>::get(epoch)?;
		let executor = &dispute.receipt.ticket.executor;
		let pool: Vec<(T::AccountId, u128)> = T::Validators::pool(epoch.saturating_add(1))
			.into_iter()
			.filter(|(v, _)| v != executor && *v != dispute.auditor)
			.collect();
		let weights: Vec<u128> = pool.iter().map(|(_, w)| *w).collect();
		let picks = draw_by_weight(&weights, MAX_RERUN_SEATS as usize, &jury_seed(&randomness, id));
		let seats: Vec<RerunSeat<T::AccountId>> =
			picks.into_iter().filter_map(|i| pool.get(i).map(|(v, _)| (v.clone(), None))).collect();
		Some(seats.try_into().unwrap_or_default())
	}

	/// The dispute's jury, drawn and stored if it was not yet (`None` before the randomness).
	fn with_jury(
		epoch: EpochIndex,
		id: &Hash32,
		dispute: &mut Dispute<T::AccountId, u128>,
	) -> bool {
		if !dispute.seats.is_empty() {
			return true;
		}
		match Self::draw_jury(epoch, dispute, id) {
			Some(seats) => {
				dispute.seats = seats;
				true
			}
			None => false,
		}
	}

	/// What the votes cast decide, once `closed` (the check period is over) or whenever one
	/// side has more than half of the jury: the majority of the votes cast, with at least
	/// min(3, jurors) cast; `None` while undecided (or, closed, too few or tied votes).
	fn decided(dispute: &Dispute<T::AccountId, u128>, closed: bool) -> Option<Resolution> {
		let jurors = dispute.seats.len();
		let (confirms, refutes) = votes(dispute);
		let cast = confirms + refutes;
		let enough = cast >= jurors.min(MIN_JURY_VOTES as usize) && jurors > 0;
		let cleared = match dispute.claim {
			Claim::Fail { .. } => Resolution::Refuted,
			Claim::Unavailable { .. } => Resolution::Answered,
		};
		if 2 * confirms > jurors || (closed && enough && confirms > refutes) {
			Some(Resolution::Fraud)
		} else if 2 * refutes > jurors || (closed && enough && refutes > confirms) {
			Some(cleared)
		} else {
			None
		}
	}

	fn do_post_payload(
		by: T::AccountId,
		epoch: EpochIndex,
		id: Hash32,
		payload: Payload,
	) -> Result<(), polkadot_sdk::sp_runtime::DispatchError> {
		use polkadot_sdk::frame_support::ensure;
		let mut dispute = Disputes::<T>::get(epoch, id).ok_or(Error::<T>::UnknownDispute)?;
		if let Claim::Fail { payload_hash, .. } = dispute.claim {
			return Self::post_failed_payload(by, epoch, id, dispute, payload_hash, payload);
		}
		Self::in_stage(epoch, &[EpochStage::Validation, EpochStage::Answer])?;
		let executor = by;
		ensure!(dispute.receipt.ticket.executor == executor, Error::<T>::NotTheExecutor);
		ensure!(
			dispute.resolution.is_none() && dispute.claim == Claim::Unavailable { posted: None },
			Error::<T>::NothingToPost
		);
		ensure!(!payload.is_empty(), Error::<T>::EmptyPayload);
		let hash = polkadot_sdk::sp_io::hashing::blake2_256(&payload);
		dispute.claim = Claim::Unavailable { posted: Some(hash) };
		Payloads::<T>::insert(epoch, id, payload);
		Self::deposit_event(Event::PayloadPosted {
			epoch,
			receipt: id,
			by: executor.clone(),
			hash,
		});
		Self::deposit_event(Event::Disputed {
			epoch,
			receipt: id,
			auditor: dispute.auditor.clone(),
			executor: dispute.receipt.ticket.executor.clone(),
			claim: dispute.claim.clone(),
		});
		Disputes::<T>::insert(epoch, id, dispute);
		Ok(())
	}

	/// Posts a `Fail`'s payload (see [`Pallet::post_payload`]): its seats are drawn already,
	/// so this only stores the bytes the executor signed.
	fn post_failed_payload(
		by: T::AccountId,
		epoch: EpochIndex,
		id: Hash32,
		dispute: Dispute<T::AccountId, u128>,
		payload_hash: Hash32,
		payload: Payload,
	) -> Result<(), polkadot_sdk::sp_runtime::DispatchError> {
		use polkadot_sdk::frame_support::ensure;
		Self::in_stage(epoch, &[EpochStage::Validation, EpochStage::Answer, EpochStage::Check])?;
		ensure!(
			by == dispute.auditor || by == dispute.receipt.ticket.executor,
			Error::<T>::NotTheExecutor
		);
		ensure!(
			dispute.resolution.is_none() && !Payloads::<T>::contains_key(epoch, id),
			Error::<T>::NothingToPost
		);
		ensure!(!payload.is_empty(), Error::<T>::EmptyPayload);
		let hash = polkadot_sdk::sp_io::hashing::blake2_256(&payload);
		ensure!(hash == payload_hash, Error::<T>::WrongPayload);
		Payloads::<T>::insert(epoch, id, payload);
		Self::deposit_event(Event::PayloadPosted { epoch, receipt: id, by, hash });
		Ok(())
	}

	fn do_vote(
		voter: T::AccountId,
		epoch: EpochIndex,
		id: Hash32,
		fraud: bool,
	) -> Result<(), polkadot_sdk::sp_runtime::DispatchError> {
		use polkadot_sdk::frame_support::ensure;
		// Only once claims have closed: the jury's randomness is fixed then.
		Self::in_stage(epoch, &[EpochStage::Answer, EpochStage::Check])?;
		let mut dispute = Disputes::<T>::get(epoch, id).ok_or(Error::<T>::UnknownDispute)?;
		ensure!(
			dispute.resolution.is_none() && dispute.claim != Claim::Unavailable { posted: None },
			Error::<T>::NothingToVoteOn
		);
		ensure!(Self::with_jury(epoch, &id, &mut dispute), Error::<T>::NothingToVoteOn);
		let seat =
			dispute.seats.iter_mut().find(|(v, _)| *v == voter).ok_or(Error::<T>::NotASeat)?;
		ensure!(seat.1.is_none(), Error::<T>::AlreadyVoted);
		seat.1 = Some(fraud);
		Self::deposit_event(Event::Voted { epoch, receipt: id, voter, fraud });
		let decided = Self::decided(&dispute, false);
		Disputes::<T>::insert(epoch, id, dispute.clone());
		if let Some(resolution) = decided {
			Self::resolve(epoch, id, dispute, resolution);
		}
		Ok(())
	}

	/// Ends a dispute: punishes the executor for fraud or the auditor for a refuted claim, and
	/// records the resolution. Seats that never voted are charged by [`Self::resolve_closed`].
	fn resolve(
		epoch: EpochIndex,
		id: Hash32,
		mut dispute: Dispute<T::AccountId, u128>,
		resolution: Resolution,
	) {
		let auditing = epoch.saturating_add(1);
		let (mut refunded, mut forfeited, mut slashed) = (0, 0, 0);
		let mut stats = Stats::<T>::get(epoch);
		// A juror who voted against a decision the votes made pays the lazy penalty (a claim
		// voided, or decided without a majority of votes, makes nobody lazy).
		let (confirms, refutes) = votes(&dispute);
		let against = match resolution {
			Resolution::Fraud if confirms > refutes => Some(false),
			Resolution::Refuted | Resolution::Answered if refutes > confirms => Some(true),
			_ => None,
		};
		for (juror, vote) in dispute.seats.iter() {
			if against.is_some() && *vote == against {
				T::Slasher::slash(juror, OffenceKind::LazyValidation, auditing, &[]);
			}
		}
		match resolution {
			Resolution::Fraud => {
				stats.frauds.saturating_inc();
				let executor = dispute.receipt.ticket.executor.clone();
				(refunded, forfeited) = T::Market::punish_fraud(&dispute.receipt);
				let mut confirmers = alloc::vec![dispute.auditor.clone()];
				confirmers.extend(
					dispute.seats.iter().filter(|(_, v)| *v == Some(true)).map(|(s, _)| s.clone()),
				);
				slashed =
					T::Slasher::slash(&executor, OffenceKind::InferenceFraud, epoch, &confirmers);
				Self::reset_standing(&executor, auditing);
			}
			Resolution::Refuted => {
				stats.refuted.saturating_inc();
				let refuters: Vec<T::AccountId> = dispute
					.seats
					.iter()
					.filter(|(_, v)| *v == Some(false))
					.map(|(s, _)| s.clone())
					.collect();
				slashed = T::Slasher::slash(
					&dispute.auditor,
					OffenceKind::RefutedClaim,
					auditing,
					&refuters,
				);
			}
			Resolution::Answered | Resolution::Undecided => {}
		}
		Self::settle_claim_bonds(epoch, id, resolution == Resolution::Refuted);
		if OpenClaims::<T>::take(epoch, id).is_some() {
			OpenCount::<T>::mutate(epoch, |n| *n = n.saturating_sub(1));
		}
		Stats::<T>::insert(epoch, stats);
		dispute.resolution = Some(resolution);
		Disputes::<T>::insert(epoch, id, dispute);
		Self::deposit_event(Event::Resolved {
			epoch,
			receipt: id,
			resolution,
			refunded,
			forfeited,
			slashed,
		});
	}

	/// Returns the claim bonds over receipt `id` to their auditors, or sends them to the
	/// community fund when the claim was refuted. Bounded by the claimants: validators the
	/// receipt's draw hit.
	fn settle_claim_bonds(epoch: EpochIndex, id: Hash32, refuted: bool) {
		let reason: T::RuntimeHoldReason = HoldReason::ClaimBond.into();
		for (auditor, amount) in ClaimBonds::<T>::drain_prefix((epoch, id)) {
			let moved = if refuted {
				T::Currency::transfer_on_hold(
					&reason,
					&auditor,
					&T::CommunityFund::get(),
					amount,
					Precision::BestEffort,
					Restriction::Free,
					Fortitude::Force,
				)
			} else {
				T::Currency::release(&reason, &auditor, amount, Precision::BestEffort)
			};
			let amount = moved.unwrap_or_default();
			Self::deposit_event(Event::ClaimBondSettled {
				epoch,
				receipt: id,
				auditor,
				amount,
				returned: !refuted,
			});
		}
	}

	/// The open disputes over `epoch`'s receipts (the runtime API's `open_disputes`).
	pub fn open_disputes(epoch: EpochIndex) -> Vec<Hash32> {
		OpenClaims::<T>::iter_key_prefix(epoch).collect()
	}

	/// The executor's clean record starts again in `now`.
	fn reset_standing(executor: &T::AccountId, now: EpochIndex) {
		Standings::<T>::mutate(executor, |standing| {
			let before = match standing {
				Some(s) if s.changed < now => {
					// The change this one follows stays readable for the epochs before it.
					EarlierStandings::<T>::insert(executor, (s.changed, s.before));
					Some(s.clean_since)
				}
				Some(s) => s.before,
				None => None,
			};
			*standing = Some(Standing { clean_since: now, changed: now, before });
		});
	}

	/// `executor`'s clean epochs at the end of `epoch`, as its record stood then: exact for any
	/// epoch at most two changes back — every epoch whose missed-audit reports are still open,
	/// since a change is made at most once per epoch and reports close two epochs on.
	pub fn clean_epochs_at(executor: &T::AccountId, epoch: EpochIndex) -> Option<u32> {
		let standing = Standings::<T>::get(executor)?;
		if epoch >= standing.changed {
			return standing.clean_epochs_at(epoch);
		}
		let since = match EarlierStandings::<T>::get(executor) {
			Some((changed, before)) if epoch < changed => before?,
			_ => standing.before?,
		};
		Some(epoch.saturating_sub(since))
	}

	/// Decides, at most [`RESOLVE_PER_BLOCK`] per block, the disputes whose votes have closed:
	/// those of the previous epoch's settlements once this epoch's tally period has begun, and
	/// any older ones left. A payload never posted is fraud; a `Fail` the votes cast did not
	/// decide is void (`Undecided`: its bond returned, its auditor not charged — silence never
	/// refutes a claim); a posted payload short of a majority is answered. Seats that never
	/// voted are charged a silent juror (per instance). Returns how many it decided.
	pub(crate) fn resolve_closed() -> u32 {
		let (now, stage) = T::Validators::stage();
		let mut epochs = Vec::with_capacity(2);
		if let Some(e) = now.checked_sub(2) {
			epochs.push(e);
		}
		if stage == EpochStage::Tally {
			if let Some(e) = now.checked_sub(1) {
				epochs.push(e);
			}
		}
		// And any older epoch whose queue a backlog left open (never pruned before it empties).
		let oldest = NextPrune::<T>::get();
		for e in oldest..now.saturating_sub(2) {
			if OpenCount::<T>::get(e) > 0 && !epochs.contains(&e) {
				epochs.insert(0, e);
			}
		}
		let mut done = 0;
		for epoch in epochs {
			if done >= RESOLVE_PER_BLOCK || OpenCount::<T>::get(epoch) == 0 {
				continue;
			}
			let batch: Vec<Hash32> = OpenClaims::<T>::iter_key_prefix(epoch)
				.take(RESOLVE_PER_BLOCK.saturating_sub(done) as usize)
				.collect();
			for id in batch {
				done += 1;
				let dispute = match Disputes::<T>::get(epoch, id) {
					Some(dispute) if dispute.resolution.is_none() => dispute,
					// Decided already, or gone: no longer open.
					_ => {
						if OpenClaims::<T>::take(epoch, id).is_some() {
							OpenCount::<T>::mutate(epoch, |n| *n = n.saturating_sub(1));
						}
						continue;
					}
				};
				let mut dispute = dispute;
				let needs_jury = dispute.claim != Claim::Unavailable { posted: None };
				if needs_jury && Self::with_jury(epoch, &id, &mut dispute) {
					for (seat, vote) in dispute.seats.iter() {
						if vote.is_none() {
							T::Slasher::slash(
								seat,
								OffenceKind::SilentJuror,
								epoch.saturating_add(1),
								&[],
							);
						}
					}
				}
				let resolution = match dispute.claim {
					Claim::Unavailable { posted: None } => Resolution::Fraud,
					// Decided only by votes cast, at least min(3, jurors) of them: short of
					// that the claim is void — silence never refutes a claim. (A posted
					// payload the votes did not decide counts as answered: its bond returned,
					// nobody slashed, as void.)
					_ => Self::decided(&dispute, true).unwrap_or(match dispute.claim {
						Claim::Fail { .. } => Resolution::Undecided,
						Claim::Unavailable { .. } => Resolution::Answered,
					}),
				};
				Self::resolve(epoch, id, dispute, resolution);
			}
		}
		done
	}

	fn do_report(
		reporter: T::AccountId,
		epoch: EpochIndex,
		validator: T::AccountId,
		audit: Audit<T::AccountId, u128>,
	) -> polkadot_sdk::sp_runtime::DispatchResult {
		use polkadot_sdk::frame_support::ensure;
		let (now, stage) = T::Validators::stage();
		let open = (now == epoch.saturating_add(1)
			&& matches!(stage, EpochStage::Check | EpochStage::Tally))
			|| now == epoch.saturating_add(2);
		ensure!(open, Error::<T>::OutsideWindow);
		ensure!(reporter != validator, Error::<T>::SelfReport);
		let id = Self::check_inclusion(epoch, &audit)?;
		ensure!(audit.receipt.ticket.executor != validator, Error::<T>::OwnReceipt);
		let auditing = epoch.saturating_add(1);
		let secret =
			T::Validators::revealed_secret(auditing, &validator).ok_or(Error::<T>::NotMissed)?;
		let power = T::Validators::power(auditing, &validator);
		let total = T::Validators::total_power(auditing);
		ensure!(Self::is_drawn(epoch, &audit.receipt, &secret, power, total), Error::<T>::NotDrawn);
		ensure!(!Audited::<T>::contains_key((epoch, id, &validator)), Error::<T>::NotMissed);
		ensure!(!Reported::<T>::contains_key((epoch, id, &validator)), Error::<T>::AlreadyReported);
		Reported::<T>::insert((epoch, id, &validator), ());
		Stats::<T>::mutate(epoch, |s| s.missed.saturating_inc());
		let slashed = T::Slasher::slash(
			&validator,
			OffenceKind::MissedAudit,
			auditing,
			core::slice::from_ref(&reporter),
		);
		Self::deposit_event(Event::MissedAuditReported {
			epoch,
			receipt: id,
			validator,
			reporter,
			slashed,
		});
		Ok(())
	}

	/// Prunes the audit state of the oldest settle epoch whose reports have closed (before
	/// `now − 2`), at most [`PRUNE_PER_BLOCK`] entries per map; returns how many it removed.
	pub(crate) fn prune_step() -> u32 {
		let (now, _) = T::Validators::stage();
		let epoch = NextPrune::<T>::get();
		// Never before its disputes are all decided (a backlog is decided first).
		if epoch.saturating_add(3) > now || OpenCount::<T>::get(epoch) > 0 {
			return 0;
		}
		let audited = Audited::<T>::clear_prefix((epoch,), PRUNE_PER_BLOCK, None);
		let reported = Reported::<T>::clear_prefix((epoch,), PRUNE_PER_BLOCK, None);
		let disputes = Disputes::<T>::clear_prefix(epoch, PRUNE_PER_BLOCK, None);
		let payloads = Payloads::<T>::clear_prefix(epoch, PRUNE_PER_BLOCK, None);
		let auditors = AuditorDisputes::<T>::clear_prefix(epoch, PRUNE_PER_BLOCK, None);
		let removed =
			audited.unique + reported.unique + disputes.unique + payloads.unique + auditors.unique;
		let done = [&audited, &reported, &disputes, &payloads, &auditors]
			.iter()
			.all(|r| r.maybe_cursor.is_none());
		if done {
			Traffic::<T>::remove(epoch);
			Stats::<T>::remove(epoch);
			OpenCount::<T>::remove(epoch);
			JuryRandomness::<T>::remove(epoch);
			NextPrune::<T>::put(epoch.saturating_add(1));
		}
		removed
	}
}

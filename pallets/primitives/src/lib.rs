//! # Sprint primitives
//!
//! Types, constants and (as the protocol pallets arrive) the small traits through which Sprint's
//! pallets talk to each other — `WeightProvider`, `Slasher`, `EpochInfo` in docs/protocol.md §1 —
//! wired together in `sprint-runtime`, so that a researcher can fork one pallet and keep the rest.
//!
//! This crate is deliberately tiny and `no_std`: it is compiled into the WASM runtime, the node
//! and the worker alike.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

/// The commitment tree, from sprint-core (re-exported for the pallets that used it here).
pub use sprint_core::merkle;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::{
	frame_support::PalletId,
	sp_runtime::DispatchResult,
	sp_runtime::{
		traits::{IdentifyAccount, Verify},
		MultiSignature, Perbill,
	},
};

/// An index to a block. `u32` lasts ~800 years at one block every 6 s.
pub type BlockNumber = u32;

/// Alias to 512-bit hash when used in the context of a transaction signature on the chain.
pub type Signature = MultiSignature;

/// Some way of identifying an account on the chain (an `AccountId32`, SS58 prefix 42).
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;

/// Balance of an account, in planck (10^-9 SPR).
pub type Balance = u128;

/// Index of a transaction in the chain.
pub type Nonce = u32;

/// A hash of some data used by the chain.
pub type Hash = polkadot_sdk::sp_core::H256;

/// Number of decimals of the SPR token.
pub const TOKEN_DECIMALS: u8 = 9;

/// The token's symbol, as polkadot-js shows it.
pub const TOKEN_SYMBOL: &str = "SPR";

/// SS58 address format: 42, the generic Substrate prefix (docs/protocol.md: "unless a reason
/// appears").
pub const SS58_PREFIX: u16 = 42;

/// One planck, the smallest unit of SPR.
pub const PLANCK: Balance = 1;

/// One SPR = 10^9 planck.
pub const SPR: Balance = 1_000_000_000;

/// One thousandth of an SPR.
pub const MILLI_SPR: Balance = SPR / 1_000;

/// The cap on total issuance: 1,000,000,000 SPR. The one protocol number that is a runtime
/// constant rather than chain state (docs/protocol.md, preamble): pallets that mint must never pass
/// it.
pub const TOTAL_ISSUANCE_CAP: Balance = 1_000_000_000 * SPR;

/// The community fund's `PalletId`. Its account (`into_account_truncating`) exists from genesis,
/// before `pallet-community-fund` does, so the genesis allocation can be paid into it.
pub const COMMUNITY_FUND_PALLET_ID: PalletId = PalletId(*b"spr/fund");

/// An epoch's index (docs/protocol.md §2): epochs are counted from 0 at genesis.
pub use sprint_core::EpochIndex;

/// Where a pallet learns the current epoch (implemented by pallet-poc).
pub trait EpochInfo {
	/// The epoch the chain is in now.
	fn current_epoch() -> EpochIndex;

	/// Whether the tally of `epoch` has ended (so its seat penalties are all charged).
	fn tally_ended(epoch: EpochIndex) -> bool;

	/// Moves the chain to `epoch`, for benchmarks that need time to pass.
	#[cfg(feature = "runtime-benchmarks")]
	fn set_current_epoch(epoch: EpochIndex);
}

/// The offences that cost collateral (docs/protocol.md §4–§5). Fraud jails; the other kinds do not.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	scale_info::TypeInfo,
)]
pub enum OffenceKind {
	/// A PoC leaf proven bad (self-proving evidence or a majority of seats), or a PoC challenge
	/// left unanswered (withholding cannot be told apart from hiding bad leaves): 20% of
	/// collateral and of unvested rewards, jail.
	PocFraud,
	/// An inference audit's `Fail` confirmed by re-runs, or a payload withheld from an auditor
	/// and never posted (docs/protocol.md §7): 20% of collateral and of unvested rewards, jail.
	InferenceFraud,
	/// More than 5% of an executor's accepted inference tickets missed in an epoch
	/// (docs/protocol.md §7): 10%, no jail.
	Downtime,
	/// A seat penalty: a `Valid` over a leaf proven bad as committed (docs/protocol.md §4): 10%, no
	/// jail.
	LazyValidation,
	/// A seat penalty: no verdict in the window, no vote where one was due, or a committed
	/// secret never revealed: 1%, no jail.
	SilentSeat,
	/// A seat penalty: a fraud claim refuted by a majority of the participant's seats: 5%, no
	/// jail.
	RefutedClaim,
	/// An inference audit its draw hit and the validator never submitted, reported with the
	/// receipt (docs/protocol.md §7): charged per instance, 0.1% each, at most 10% per validator
	/// and epoch — one report must not license skipping every other audit.
	MissedAudit,
	/// A re-run seat (juror) that never voted on a dispute's posted payload: per instance, as
	/// `MissedAudit`.
	SilentJuror,
}

impl OffenceKind {
	/// Whether the offender is jailed for it: fraud only.
	pub fn jails(self) -> bool {
		matches!(self, Self::PocFraud | Self::InferenceFraud)
	}

	/// Whether each instance is charged (up to a per-epoch cap) rather than the kind once per
	/// epoch: missed audits and silent jurors, whose instances are distinct duties.
	pub fn per_instance(self) -> bool {
		matches!(self, Self::MissedAudit | Self::SilentJuror)
	}

	/// Whether it also takes the same fraction of the offender's unvested rewards: fraud only.
	pub fn takes_unvested_rewards(self) -> bool {
		matches!(self, Self::PocFraud | Self::InferenceFraud)
	}
}

/// Slashes collateral for offences; implemented by pallet-collateral, called by the pallets that
/// decide offences (the PoC tally, later the inference audit).
pub trait Slasher<AccountId> {
	/// The amount type.
	type Balance;

	/// Slashes `offender` the fraction of its held collateral (active and unbonding) that
	/// `kind` costs, for its offence in `epoch`; a fraud also takes that fraction of its unvested
	/// rewards and jails it ([`OffenceKind::jails`]). `confirmers` share the confirmers' part
	/// (equal parts; none for an empty list), the rest goes to the community fund. The same
	/// offence (offender, epoch, kind) is slashed once, however many seats or receipts earned
	/// it: a repeat returns zero. Returns the collateral slashed.
	fn slash(
		offender: &AccountId,
		kind: OffenceKind,
		epoch: EpochIndex,
		confirmers: &[AccountId],
	) -> Self::Balance;

	/// Whether `who` is jailed now (a jailed host is skipped by seat draws and acceptance).
	fn is_jailed(who: &AccountId) -> bool;
}

/// The host bond behind registration (docs/protocol.md §4: `min_host_bond`, held and slashable).
pub trait HostBond<AccountId> {
	/// Holds the host bond from `who`'s free balance; a bond already held for `who` (a genesis
	/// validator's, held at genesis) is kept as it is.
	fn bond_host(who: &AccountId) -> DispatchResult;

	/// Starts unbonding `who`'s host bond (when it deregisters).
	fn unbond_host(who: &AccountId) -> DispatchResult;

	/// Whether `who` holds a host bond that is not unbonding: what a seat needs at stake.
	fn has_bond(who: &AccountId) -> bool;

	/// Keeps all of `who`'s collateral slashable until the tally of `epoch`, in which it holds
	/// a seat, has ended: no withdrawal completes before (docs/protocol.md §4, seat eligibility).
	fn keep_slashable(who: &AccountId, epoch: EpochIndex);

	/// Pays `to` up to `amount` out of `from`'s held collateral (its bond included): a
	/// displacer's compensation to the host it displaced (docs/protocol.md §4). Returns what was
	/// paid.
	fn pay_from_bond(from: &AccountId, to: &AccountId, amount: u128) -> u128;
}

/// The key an account signs its off-chain messages with — an executor's inference receipts —
/// implemented by pallet-poc (a host's proof key).
pub trait SigningKeys<AccountId> {
	/// `who`'s sr25519 public key, if it registered one.
	fn signing_key(who: &AccountId) -> Option<[u8; 32]>;

	/// Every key that still signs for `who`: its current key first, then a key it retired
	/// within the audit window (docs/protocol.md §7: acceptances stay checkable under previous
	/// proof keys). A signature by any of them is `who`'s.
	fn signing_keys(who: &AccountId) -> alloc::vec::Vec<[u8; 32]> {
		Self::signing_key(who).into_iter().collect()
	}

	/// Benchmarks only: makes `key` `who`'s signing key.
	#[cfg(feature = "runtime-benchmarks")]
	fn set_signing_key(who: &AccountId, key: [u8; 32]);
}

/// Duties that keep an account's collateral from leaving, beyond its seats (docs/protocol.md §7:
/// an executor is slashable from its first acceptance), implemented by pallet-inference, asked by
/// pallet-collateral before a withdrawal completes.
pub trait CollateralDuties<AccountId> {
	/// Whether `who` is on duty now: it declares an inference service, so every ticket it
	/// accepts may still end in a downtime or fraud slash.
	fn on_duty(who: &AccountId) -> bool;
}

/// No duties (a runtime without pallet-inference, and tests).
impl<AccountId> CollateralDuties<AccountId> for () {
	fn on_duty(_: &AccountId) -> bool {
		false
	}
}

/// Collateral activation (docs/protocol.md §5), implemented by pallet-collateral, asked by the PoC
/// tally.
pub trait WeightActivation<AccountId> {
	/// The part of `weight` that counts for `who` in `epoch`: the base share, plus what its
	/// collateral beyond the bond covers, or all of it during the grace period.
	fn activated_weight(who: &AccountId, weight: u128, epoch: EpochIndex) -> u128;
}

/// Rewards by accepted weight (docs/protocol.md §6), implemented by pallet-emission, called by the
/// PoC tally once per accepted host.
pub trait RewardSink<AccountId> {
	/// Credits `host` `reward(epoch) · weight / total_weight`, vesting; returns what was credited
	/// (less than the share only when a cap is reached).
	fn credit_reward(epoch: EpochIndex, host: &AccountId, weight: u128, total_weight: u128)
		-> u128;

	/// What `reward(epoch) · weight / total_weight` comes to, crediting nothing: a displaced
	/// host's expected reward (docs/protocol.md §4).
	fn expected_reward(epoch: EpochIndex, weight: u128, total_weight: u128) -> u128;
}

/// Unvested rewards that a fraud slash also takes (docs/protocol.md §5: "20% of collateral and of
/// unvested rewards"), implemented by pallet-emission, called by pallet-collateral.
pub trait UnvestedRewards<AccountId> {
	/// Takes `fraction` of `who`'s unvested rewards; pays `confirmers_share` of it to
	/// `confirmers` in equal parts and the rest to `fund`. Returns the amount taken.
	fn slash_unvested(
		who: &AccountId,
		fraction: Perbill,
		confirmers: &[AccountId],
		confirmers_share: Perbill,
		fund: &AccountId,
	) -> u128;
}

/// No unvested rewards to slash (a runtime without pallet-emission, and tests).
impl<AccountId> UnvestedRewards<AccountId> for () {
	fn slash_unvested(
		_: &AccountId,
		_: Perbill,
		_: &[AccountId],
		_: Perbill,
		_: &AccountId,
	) -> u128 {
		0
	}
}

/// Every weight counts in full (a runtime without pallet-collateral, and tests).
impl<AccountId> WeightActivation<AccountId> for () {
	fn activated_weight(_: &AccountId, weight: u128, _: EpochIndex) -> u128 {
		weight
	}
}

/// Rewards go nowhere (a runtime without pallet-emission, and tests).
impl<AccountId> RewardSink<AccountId> for () {
	fn credit_reward(_: EpochIndex, _: &AccountId, _: u128, _: u128) -> u128 {
		0
	}

	fn expected_reward(_: EpochIndex, _: u128, _: u128) -> u128 {
		0
	}
}

/// Where the current epoch is in its timeline (docs/protocol.md §2), as pallets other than
/// pallet-poc see it: the audit of epoch `e`'s receipts runs in epoch `e + 1`'s validation, answer
/// and check periods.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EpochStage {
	/// Hosts run the sprint.
	Generation,
	/// Hosts commit.
	Commit,
	/// Validators reveal their secrets and submit verdicts and audits.
	Validation,
	/// Challenged parties answer; disputes are voted.
	Answer,
	/// The last votes.
	Check,
	/// The tally: nothing more is submitted for this epoch.
	Tally,
}

/// The validators of an epoch as the inference audit sees them (docs/protocol.md §7), implemented
/// by pallet-poc: their revealed secrets and their power — the weight they hold in the epoch's
/// seat draw, over validators with a committed secret.
pub trait AuditValidators<AccountId> {
	/// The current epoch and its stage.
	fn stage() -> (EpochIndex, EpochStage);

	/// `who`'s secret for `epoch`, once revealed.
	fn revealed_secret(epoch: EpochIndex, who: &AccountId) -> Option<[u8; 32]>;

	/// `who`'s power in `epoch`'s draws; zero without a committed secret.
	fn power(epoch: EpochIndex, who: &AccountId) -> u128;

	/// The power of every validator with a committed secret in `epoch`, summed.
	fn total_power(epoch: EpochIndex) -> u128;

	/// Every validator with power in `epoch`, and its power, in a fixed order (re-run draws).
	fn pool(epoch: EpochIndex) -> alloc::vec::Vec<(AccountId, u128)>;

	/// The running digest of every secret revealed in `epoch` so far (`None` before the first):
	/// part of the jury randomness (docs/protocol.md §7).
	fn reveal_digest(epoch: EpochIndex) -> Option<[u8; 32]>;

	/// Benchmarks only: makes `pool` the validators of `epoch`, each with `secret` revealed,
	/// and moves the chain to `stage` of `epoch`.
	#[cfg(feature = "runtime-benchmarks")]
	fn set_validators(
		epoch: EpochIndex,
		stage: EpochStage,
		pool: alloc::vec::Vec<(AccountId, u128)>,
		secret: [u8; 32],
	);
}

/// Where governance's voting power comes from (docs/protocol.md §8), implemented by pallet-poc: an
/// account's accepted, activated, capped weight ŵ in one epoch — the same epoch for every voter
/// of a referendum, and for its total.
pub trait VotingPower<AccountId> {
	/// The snapshot a referendum submitted now votes with: the latest tallied epoch that
	/// accepted anyone, or `None` before any did (then each genesis validator has power 1).
	fn snapshot() -> Option<EpochIndex>;

	/// `who`'s power in `snapshot`; zero if it had none (or that epoch's weights are no longer
	/// kept).
	fn power(snapshot: Option<EpochIndex>, who: &AccountId) -> u128;

	/// The power of every account in `snapshot`, summed: the base of the quorum.
	fn total(snapshot: Option<EpochIndex>) -> u128;

	/// Benchmarks only: gives `who` `power` in a fresh snapshot (epoch `epoch`), which becomes
	/// the one referenda submitted from now on vote with.
	#[cfg(feature = "runtime-benchmarks")]
	fn set_power(epoch: EpochIndex, who: &AccountId, power: u128);
}

/// What a confirmed inference fraud does to the market (docs/protocol.md §7), implemented by
/// pallet-inference, called by pallet-audit.
pub trait AuditedMarket<AccountId> {
	/// The amount type.
	type Balance;

	/// Batch `index` settled in `epoch`: its executor, receipt count and Merkle root.
	fn batch(epoch: EpochIndex, index: u32) -> Option<(AccountId, u32, [u8; 32])>;

	/// Fraud confirmed on `receipt` (settled, its inclusion proven): its cost goes back into
	/// the payer's deposit, and every pending fee of its executor is forfeited to the community
	/// fund. The caller calls it once per receipt. Returns `(refunded, forfeited)`.
	fn punish_fraud(
		receipt: &sprint_core::market::Receipt<AccountId, Self::Balance>,
	) -> (Self::Balance, Self::Balance);

	/// Benchmarks only: records a settled batch of `ids` by `executor` in `epoch`, paid by
	/// `payer` through API key `key`, with pending fees to forfeit; returns its number.
	#[cfg(feature = "runtime-benchmarks")]
	fn record_batch(
		epoch: EpochIndex,
		executor: &AccountId,
		ids: &[[u8; 32]],
		payer: &AccountId,
		key: [u8; 32],
	) -> u32;
}

/// Told of every settled batch and of inference downtime (implemented by pallet-audit): the
/// epoch's traffic sets the audit rate, an executor's first settlement starts its reputation,
/// and a miss starts it again.
pub trait OnSettle<AccountId> {
	/// `executor` settled a batch in `epoch` with `traffic` receipts of at least 16 tokens.
	fn on_settle(executor: &AccountId, epoch: EpochIndex, traffic: u32);

	/// `executor` was slashed for downtime in `epoch`.
	fn on_downtime(executor: &AccountId, epoch: EpochIndex);
}

/// Nobody listens (a runtime without pallet-audit, and tests).
impl<AccountId> OnSettle<AccountId> for () {
	fn on_settle(_: &AccountId, _: EpochIndex, _: u32) {}
	fn on_downtime(_: &AccountId, _: EpochIndex) {}
}

/// Where a host's power comes from (docs/protocol.md §9), as it declares it in its inference
/// service declaration.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	scale_info::TypeInfo,
)]
pub enum EnergySource {
	/// Solar.
	Solar,
	/// Wind.
	Wind,
	/// Hydro.
	Hydro,
	/// Nuclear.
	Nuclear,
	/// The grid's mix.
	GridMixed,
	/// Fossil.
	Fossil,
}

impl EnergySource {
	/// Every source, in SCALE order.
	pub const ALL: [EnergySource; 6] = [
		EnergySource::Solar,
		EnergySource::Wind,
		EnergySource::Hydro,
		EnergySource::Nuclear,
		EnergySource::GridMixed,
		EnergySource::Fossil,
	];

	/// Its lower-case name, as certificates' metadata and the worker's config spell it.
	pub fn name(&self) -> &'static str {
		match self {
			EnergySource::Solar => "solar",
			EnergySource::Wind => "wind",
			EnergySource::Hydro => "hydro",
			EnergySource::Nuclear => "nuclear",
			EnergySource::GridMixed => "grid-mixed",
			EnergySource::Fossil => "fossil",
		}
	}
}

/// A grid region's code (e.g. `DE`, `US-CAL`): at most 16 bytes.
pub type Region =
	polkadot_sdk::frame_support::BoundedVec<u8, polkadot_sdk::frame_support::traits::ConstU32<16>>;

/// A host's energy declaration: its source and grid region (docs/protocol.md §9).
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	scale_info::TypeInfo,
)]
pub struct EnergyDeclaration {
	/// Where its power comes from.
	pub source: EnergySource,
	/// Its grid region.
	pub region: Region,
}

/// Hosts' energy declarations by epoch (docs/protocol.md §9), implemented by pallet-inference
/// (the declaration is part of the inference service declaration), read by pallet-carbon.
pub trait EnergyDeclarations<AccountId> {
	/// The declaration in force for `who`'s work in `epoch`: a change takes effect from the
	/// epoch after the one it was made in; `None` if it had none then (never declared,
	/// withdrawn, or cleared by a dispute). Exact for the last few epochs (the ones whose
	/// certificates are being minted).
	fn energy_in(epoch: EpochIndex, who: &AccountId) -> Option<EnergyDeclaration>;

	/// Benchmarks only: makes `declaration` `who`'s, in force from `epoch`.
	#[cfg(feature = "runtime-benchmarks")]
	fn set_energy(who: &AccountId, epoch: EpochIndex, declaration: EnergyDeclaration);
}

/// Nobody declares anything (a runtime without pallet-inference, and tests).
impl<AccountId> EnergyDeclarations<AccountId> for () {
	fn energy_in(_: EpochIndex, _: &AccountId) -> Option<EnergyDeclaration> {
		None
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_energy(_: &AccountId, _: EpochIndex, _: EnergyDeclaration) {}
}

/// A host's accepted PoC work in one epoch: what its carbon certificate states.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct AcceptedWork {
	/// Its accepted weight ŵ (activated by collateral and capped).
	pub weight: u128,
	/// The leaves it committed: the work done, whatever part of it collateral activated.
	pub committed: u32,
}

/// The PoC tally's results as carbon certificates read them (docs/protocol.md §9), implemented
/// by pallet-poc.
pub trait CertifiableWork<AccountId> {
	/// Participant number `index` (commit order) of `epoch`, while the epoch's state is kept.
	fn participant(epoch: EpochIndex, index: u32) -> Option<AccountId>;

	/// What `who` was accepted for in `epoch`, once its tally has ended: `None` unless its
	/// outcome was `Accepted`.
	fn accepted(epoch: EpochIndex, who: &AccountId) -> Option<AcceptedWork>;

	/// `epoch`'s leaf target and PoW model shape.
	fn work_terms(epoch: EpochIndex) -> Option<(Hash, sprint_core::ModelShape)>;

	/// Benchmarks only: makes `who` participant `index` of `epoch`, accepted for `work` (or
	/// rejected with `None`), under `target` and `shape`, with the epoch's tally ended.
	#[cfg(feature = "runtime-benchmarks")]
	fn set_participant(
		epoch: EpochIndex,
		index: u32,
		who: &AccountId,
		work: Option<AcceptedWork>,
		target: Hash,
		shape: sprint_core::ModelShape,
	);
}

/// Pallets that still read an epoch's PoC state after its tally (pallet-carbon, minting that
/// epoch's certificates): pallet-poc prunes no epoch one of them still reads.
pub trait EpochReaders {
	/// Whether `epoch`'s PoC state is still needed.
	fn still_reading(epoch: EpochIndex) -> bool;

	/// Benchmarks only: the reader is done with every epoch up to `epoch`.
	#[cfg(feature = "runtime-benchmarks")]
	fn done_reading(_epoch: EpochIndex) {}
}

/// Nobody reads past the tally (a runtime without pallet-carbon, and tests).
impl EpochReaders for () {
	fn still_reading(_: EpochIndex) -> bool {
		false
	}
}

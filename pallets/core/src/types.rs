//! The structs pallet-poc stores and the worker reads: SCALE-identical on both sides, since both
//! are built from this crate.

use bounded_collections::{BoundedVec, ConstU32};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::sp_arithmetic::Perbill;
use primitive_types::H256;
use scale_info::TypeInfo;

pub use crate::shape::ModelShape;

/// An epoch's index (docs/protocol.md §2): epochs are counted from 0 at genesis.
pub type EpochIndex = u32;

/// The sprint's parameters (docs/protocol.md §2–§4): chain state, set from genesis, snapshotted per
/// epoch. Windows are in blocks and follow each other from the epoch's first block.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PocParams {
	/// Blocks per epoch (prod 14,400 = 24 h; dev 60).
	pub epoch_length: u32,
	/// The sprint itself: hosts search nonces (prod 100; dev 20).
	pub generation_window: u32,
	/// Hosts submit `commit` (prod 10; dev 5).
	pub commit_window: u32,
	/// Seats fetch openings and submit verdicts (prod 50; dev 15).
	pub validation_window: u32,
	/// Challenged hosts post openings; seats vote on fraud claims (prod 200; dev 10).
	pub answer_period: u32,
	/// Seats vote on posted openings (prod 50; dev 5).
	pub check_period: u32,
	/// Valid nonces wanted network-wide per epoch (default 100,000): drives difficulty.
	pub goal: u64,
	/// The most leaves one commitment may claim (default 4 × goal).
	pub max_count: u32,
	/// Seats drawn per participant, k_v (default 8).
	pub seats_per_participant: u32,
	/// Indices each seat opens (default 32, at most [`MAX_SAMPLES`]).
	pub samples_per_seat: u32,
	/// With at least `power_cap_min_hosts` accepted hosts, none counts for more than this share
	/// of the accepted total (docs/protocol.md §5: 25%).
	pub power_cap: Perbill,
	/// How many accepted hosts switch the power cap on (docs/protocol.md §5: 4).
	pub power_cap_min_hosts: u32,
	/// The most hosts that commit in one epoch, and the most secret committers (at most the
	/// runtime's `MaxParticipants`): genesis checks that the seat draw, the tally and the
	/// pruning of that many fit an epoch, each step inside the hook budget (prod 4,096: the
	/// draw's first step filters every candidate in one block; dev 512).
	pub max_participants: u32,
	/// The PoW model's shape.
	pub model: ModelShape,
}

/// The most seats one participant can have (`seats_per_participant` ≤ this).
pub const MAX_SEATS: u32 = 16;
/// The most indices one seat can open (`samples_per_seat` ≤ this).
pub const MAX_SAMPLES: u32 = 64;
/// The deepest tree an opening can prove (2^32 leaves: `count` is a `u32`).
pub const MAX_DEPTH: u32 = 32;
/// The most verdicts in one chunk.
pub const MAX_VERDICTS_PER_CHUNK: u32 = 64;
/// The most genesis validators (stand-ins for the seat draw).
pub const MAX_GENESIS_VALIDATORS: u32 = 64;

/// A committed leaf: a valid nonce and its PoW digest.
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
	TypeInfo,
)]
pub struct Leaf {
	pub nonce: u64,
	pub digest: H256,
}

/// A sibling path, bottom-up.
pub type Path = BoundedVec<H256, ConstU32<MAX_DEPTH>>;

/// An opening of index `index` (docs/protocol.md §4): the leaf and its path, and — unless it is the
/// last leaf — its successor and the successor's path, which prove strict order.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Opening {
	pub index: u32,
	pub leaf: Leaf,
	pub path: Path,
	pub next: Option<(Leaf, Path)>,
}

/// An opening signed by the host's proof key (sr25519) over
/// `SCALE(("sprint/opening", genesis_hash, epoch, host, root, count, opening))`
/// ([`crate::opening::signing_payload`]).
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct SignedOpening {
	pub opening: Opening,
	pub signature: [u8; 64],
}

/// What a seat says about its participant (docs/protocol.md §4, verdicts).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Verdict {
	/// Every sampled leaf checked out.
	Valid,
	/// A sampled leaf is bad; the host-signed opening proves what the host claimed.
	Fraud(SignedOpening),
	/// The host did not answer after bounded retries. Names every sampled index of the seat
	/// (the runtime recomputes them and refuses a partial list), so a challenge checks as many
	/// leaves as a fetch would have; the host must post them with `answer_challenge`.
	Unavailable(BoundedVec<u32, ConstU32<MAX_SAMPLES>>),
}

/// A leaf the host posted on chain to answer a challenge.
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
	TypeInfo,
)]
pub struct PostedLeaf {
	pub index: u32,
	pub leaf: Leaf,
}

/// Where a seat's verdict stands.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub enum SeatVerdict {
	/// Nothing submitted yet (a seat still silent at the tally loses its reward).
	Silent,
	/// `Valid`.
	Valid,
	/// A signed opening with a broken path or order: fraud at once, no vote — but it proves
	/// nothing about what the tree holds at `index`, so it makes no `Valid` lazy.
	ProvenFraud { index: u32 },
	/// A signed opening whose paths and order verify, of a leaf whose digest misses the target:
	/// fraud at once, no vote, and leaf `index` is proven bad as committed.
	ProvenBadLeaf { index: u32 },
	/// A claim that leaf `index` (`leaf`) has a wrong digest; the seats vote in the answer period.
	FraudClaim { index: u32, leaf: Leaf },
	/// A challenge for `indices`; `answer` holds the leaves the host posted, once it has.
	Unavailable {
		indices: BoundedVec<u32, ConstU32<MAX_SAMPLES>>,
		answer: Option<BoundedVec<PostedLeaf, ConstU32<MAX_SAMPLES>>>,
	},
}

/// One seat of a participant: who sits, its verdict, and the votes of the participant's seats on
/// that verdict's claim or posted answer.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Seat<AccountId> {
	pub validator: AccountId,
	pub verdict: SeatVerdict,
	/// `(voter's seat, bad leaf)`: `Some(index)` confirms that leaf `index` is bad, `None`
	/// refutes the claim (or finds the posted answer good).
	pub votes: BoundedVec<(u32, Option<u32>), ConstU32<MAX_SEATS>>,
}

/// The tally's decision for one participant (docs/protocol.md §4).
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
	TypeInfo,
)]
pub enum Outcome {
	/// At least half of its seats voted and more than half of those count as `Valid`.
	Accepted,
	/// Not enough votes or not enough `Valid`s: weight zero, no slash, still in W(e).
	Rejected,
	/// Fraud confirmed (self-proving evidence or a majority of seats): slashed, weight zero, out
	/// of W(e).
	Fraud,
	/// A challenge left unanswered: treated as fraud (weight zero, the fraud slash, jail, out of
	/// W(e)), since withholding sampled leaves cannot be told from hiding bad ones.
	Unanswered,
}

/// A participant's line in the tally.
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
	TypeInfo,
)]
pub struct TallyLine {
	pub outcome: Outcome,
	/// Its committed count after collateral activation (zero for `Fraud` and `Unanswered`).
	pub activated: u128,
}

/// One entry of pallet-poc's ranking heaps (`ParticipantRanks`, `SecretCommitterRanks`): a weight
/// and the slot (index in `Participants` or `SecretCommitters`) of the account that carries it.
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
	TypeInfo,
)]
pub struct Rank {
	/// Compared first: the lightest is displaced.
	pub weight: u128,
	/// Breaks ties deterministically (never arrival order: an equal weight never displaces).
	pub slot: u32,
}

/// A host displaced from an epoch's participants: where it sat and what it had committed.
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
	TypeInfo,
)]
pub struct Displacement {
	/// The slot it lost; whoever holds that slot when the tally ends is the one that pays.
	pub slot: u32,
	/// Its committed count: the weight its expected reward is reckoned on.
	pub count: u32,
	/// Whether its compensation was paid (or found not owed) already.
	pub settled: bool,
}

/// The stages of an epoch's tally, each a pass over its participants in bounded steps.
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
	TypeInfo,
)]
pub enum TallyStage {
	/// Decide each participant, slash, mark forfeited rewards, activate weight.
	Decide,
	/// Charge a silent seat to each secret committer that never revealed.
	Reveals,
	/// Sum W(e) with the power cap.
	Weigh,
	/// Record accepted weights, credit rewards, build the next seat pool.
	Credit,
	/// Finished; the next target is set.
	Done,
}

/// An epoch's tally in progress.
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
	TypeInfo,
)]
pub struct TallyProgress {
	pub stage: TallyStage,
	/// The next participant (by commit order), or secret committer in `Reveals`, of the
	/// current stage.
	pub next: u32,
	/// Accepted participants so far.
	pub accepted_hosts: u32,
	/// Σ activated weight of accepted participants (the power cap's base).
	pub accepted_activated: u128,
	/// Σ committed counts of accepted participants (drives difficulty).
	pub accepted_nonces: u64,
	/// The power cap, fixed when `Decide` ends (`u128::MAX` when it does not apply).
	pub cap: u128,
	/// W(e): Σ capped activated weight over participants not excluded by their own doing.
	pub total_weight: u128,
	/// Σ accepted weight ŵ credited so far: at the end, the epoch's total voting power.
	pub accepted_weight: u128,
}

/// An epoch's seat draw in progress.
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
	TypeInfo,
)]
pub struct DrawProgress {
	/// `blake2(parent_hash ‖ secrets revealed in the previous epoch)`, fixed at the draw's
	/// first block.
	pub randomness: H256,
	/// The next participant (by commit order) to seat.
	pub next: u32,
	/// Whether every participant is seated.
	pub done: bool,
}

/// Where an epoch is (docs/protocol.md §2), in order.
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
	TypeInfo,
)]
pub enum Phase {
	/// The sprint: hosts search nonces.
	Generation,
	/// Hosts submit `commit`.
	Commit,
	/// Seats fetch openings and submit verdict chunks.
	Validation,
	/// Challenged hosts post openings; seats vote on fraud claims.
	Answer,
	/// Seats vote on posted openings.
	Check,
	/// After the check period: the tally runs in bounded steps; hosts serve inference.
	Tally,
}

/// A registered host.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct HostInfo {
	/// The sr25519 key that signs openings (not the key holding its collateral).
	pub proof_key: [u8; 32],
	/// Where the host's proof server answers (`POST /v1/poc/proofs`).
	pub proof_url: BoundedVec<u8, ConstU32<{ crate::proof_url::MAX_PROOF_URL }>>,
	/// Free-form (hardware, region), at most 1 KiB.
	pub metadata: BoundedVec<u8, ConstU32<1024>>,
	/// The epoch of registration.
	pub registered_at: EpochIndex,
}

/// A host's commitment for an epoch: the committed root (count bound in) and the leaf count.
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
	TypeInfo,
)]
pub struct Commitment {
	pub root: H256,
	pub count: u32,
	/// The host's proof key when it committed: its openings for this commitment are checked
	/// against it even if the host deregisters or rotates its key afterwards.
	pub proof_key: [u8; 32],
}

impl TallyProgress {
	/// A tally at `stage` with nothing counted yet (and no power cap).
	pub fn at(stage: TallyStage) -> Self {
		Self {
			stage,
			next: 0,
			accepted_hosts: 0,
			accepted_activated: 0,
			accepted_nonces: 0,
			cap: u128::MAX,
			total_weight: 0,
			accepted_weight: 0,
		}
	}
}

impl PocParams {
	/// docs/protocol.md §2's production column and §3–§4's defaults, with the production model
	/// shape (1024, 16, 16, 4096, 16).
	pub fn production_defaults() -> Self {
		Self {
			epoch_length: 14_400,
			generation_window: 100,
			commit_window: 10,
			validation_window: 50,
			answer_period: 200,
			check_period: 50,
			goal: 100_000,
			max_count: 400_000,
			seats_per_participant: 8,
			samples_per_seat: 32,
			power_cap: Perbill::from_percent(25),
			power_cap_min_hosts: 4,
			max_participants: 4_096,
			model: ModelShape::PRODUCTION,
		}
	}

	/// docs/protocol.md §2's dev column (60-block epochs) with the dev/test model shape (64, 2, 4,
	/// 256, 4).
	pub fn dev_defaults() -> Self {
		Self {
			epoch_length: 60,
			generation_window: 20,
			commit_window: 5,
			validation_window: 15,
			answer_period: 10,
			check_period: 5,
			max_participants: 512,
			model: ModelShape::DEV,
			..Self::production_defaults()
		}
	}
}

/// Where the chain stands in the sprint: what a worker needs each block.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct EpochStatus<BlockNumber> {
	/// The current epoch.
	pub epoch: EpochIndex,
	/// Its phase at the block the API was called at.
	pub phase: Phase,
	/// Its first block.
	pub epoch_start: BlockNumber,
	/// Its sprint seed.
	pub seed: H256,
	/// Its PoW target (big-endian 256-bit).
	pub target: H256,
	/// Its parameters (windows, goal, model shape).
	pub params: PocParams,
}

/// Why an account earns nothing for an epoch although its weight may be accepted (docs/protocol.md
/// §4).
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
	TypeInfo,
)]
pub enum ForfeitReason {
	/// It sat in a seat and submitted no verdict, never voted on the leaves posted to answer
	/// its own challenge, or never revealed the secret it committed (also slashed 1%).
	SilentSeat,
	/// Its fraud claim was refuted by a majority of the participant's seats (also slashed 5%).
	RefutedClaim,
	/// It said `Valid` while its own sampled indices held a leaf proven bad as committed (also
	/// slashed 10%).
	LazyValid,
}

/// A verdict as events report it.
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
	TypeInfo,
)]
pub enum VerdictKind {
	Valid,
	/// A signed opening with a broken path or order (fraud by itself).
	ProvenFraud,
	/// A verifying signed opening of a leaf that misses the target (fraud by itself).
	ProvenBadLeaf,
	/// A fraud claim the seats vote on.
	FraudClaim,
	/// An `Unavailable` challenge.
	Unavailable,
}

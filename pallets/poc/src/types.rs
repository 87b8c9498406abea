//! The structs pallet-poc stores.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::{
	frame_support::{pallet_prelude::ConstU32, BoundedVec},
	sp_core::H256,
};
use scale_info::TypeInfo;
pub use sprint_primitives::EpochIndex;

/// The PoW model's shape (SPEC.md §3): dev/test 64, 2, 4, 256, 4.
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
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModelShape {
	pub d_model: u32,
	pub n_layers: u32,
	pub n_heads: u32,
	pub d_ff: u32,
	pub seq_len: u32,
}

/// The sprint's parameters (SPEC.md §2–§4): chain state, set from genesis, snapshotted per
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
	/// Indices each seat opens (default 32).
	pub samples_per_seat: u32,
	/// The PoW model's shape.
	pub model: ModelShape,
}

/// Where an epoch is (SPEC.md §2), in order.
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
	pub proof_url: BoundedVec<u8, ConstU32<256>>,
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
}

impl PocParams {
	/// SPEC.md §2's production column and §3–§4's defaults, with the production model shape
	/// (1024, 16, 16, 4096, 16).
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
			model: ModelShape { d_model: 1024, n_layers: 16, n_heads: 16, d_ff: 4096, seq_len: 16 },
		}
	}

	/// SPEC.md §2's dev column (60-block epochs) with the dev/test model shape (64, 2, 4, 256, 4).
	pub fn dev_defaults() -> Self {
		Self {
			epoch_length: 60,
			generation_window: 20,
			commit_window: 5,
			validation_window: 15,
			answer_period: 10,
			check_period: 5,
			model: ModelShape { d_model: 64, n_layers: 2, n_heads: 4, d_ff: 256, seq_len: 4 },
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

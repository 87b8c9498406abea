//! # pallet-poc
//!
//! Sprint's proof of compute (docs/protocol.md §2–§4): epochs and their sprint phases, the host
//! registry, PoW commitments, the seat draw, verdicts, challenges, the tally and difficulty.
//!
//! Each epoch starts with the **generation window** — the Sprint, in which hosts search nonces
//! of the integer transformer PoW — then the **commit window**, in which each host submits one
//! [`Pallet::commit`] `(epoch, root, count)` of its valid leaves' Merkle tree
//! ([`sprint_primitives::merkle`]); nothing else of the sprint goes on chain.
//!
//! When the commit window closes, the pallet **draws seats** ([`seats`]): `k_v` validators per
//! participant, by weight, from the previous epoch's accepted hosts that published a secret
//! commitment and hold a host bond that is not unbonding (stake at risk), never the participant
//! itself; genesis validators (bonded from genesis) stand in until `2 · k_v` are eligible.
//! The assignment is stored both ways: [`Seats`] (who checks P) and [`Assignments`]
//! (whom V checks). In the **validation window** each seat opens the indices its revealed
//! secret derives ([`sampling::sample_indices`]) and submits [`Pallet::submit_verdicts`]:
//! `Valid`, `Fraud` with the host-signed opening ([`opening`]), or `Unavailable` for every sampled
//! index. In the **answer period** challenged hosts post their openings
//! ([`Pallet::answer_challenge`], top priority in the pool while the challenge is open:
//! [`priority`]) and the seats [`Pallet::vote`] on fraud claims; in the **check period** they vote
//! on posted answers, the challenger first among them (its vote is its verdict).
//! Then the **tally** ([`tally`]) decides each participant in bounded steps: fraud slashes and seat
//! penalties through [`Slasher`], accepted weights after collateral activation and the power cap,
//! rewards through [`RewardSink`], the next epoch's seat pool and target ([`difficulty`]).
//!
//! At the first block of each epoch the pallet stores the **sprint seed**: the parent hash as
//! seen in that block (a block cannot read its own hash, and `frame_system` forgets block hashes
//! after `BlockHashCount`, so the seed is stored, never looked up later). Grinding it gains
//! nothing: every seed asks the same work of everyone.
//!
//! Everything a client needs is plain storage, readable by @polkadot/api and
//! py-substrate-interface without custom types: [`CurrentEpoch`], [`EpochStart`], [`Seeds`],
//! [`Targets`] (big-endian 256-bit), [`Params`] and [`EpochParams`] (windows, model shape),
//! [`Commitments`], [`Seats`], [`Assignments`], [`Outcomes`], [`AcceptedWeights`]; the worker
//! also has the [`runtime_api::PocApi`].
//!
//! ## Terms
//! - *participant*: a host that committed in the epoch. *seat*: a validator drawn to check one.
//! - *W(e)*: Σ activated, capped weight over participants not excluded by their own doing
//!   (confirmed fraud, unanswered challenge) — a rejected host stays in it (docs/protocol.md §6).
//! - *forfeit*: an account earns nothing for the epoch (silent seat, refuted claim, lazy `Valid`).
//!
//! ## Example (from `tests/tally.rs`)
//! ```ignore
//! run_to_phase(Phase::Commit);
//! Poc::commit(RuntimeOrigin::signed(HOST), 0, root, count)?;
//! run_to_phase(Phase::Validation); // seats drawn
//! Poc::submit_verdicts(RuntimeOrigin::signed(VALIDATOR), 0, Some(secret), verdicts)?;
//! run_to_phase(Phase::Tally);     // tally runs
//! assert_eq!(AcceptedWeights::<Test>::get(0, HOST), Some(count as u128));
//! ```

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod audit;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod difficulty;
pub mod opening;
/// The proof-URL rules, from sprint-core.
pub use sprint_core::proof_url;
pub mod budget;
pub mod phases;
pub mod priority;
pub mod pruning;
pub mod ranking;
pub mod runtime_api;
/// Seats and samples, from sprint-core.
pub use sprint_core::sampling;
pub mod seats;
pub mod tally;
pub mod voting;
/// The SCALE types pallet-poc stores, from sprint-core (the worker decodes the same ones).
pub use sprint_core::types;
mod verdicts;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use priority::PrioritizeChallengeAnswers;
pub use pruning::PRUNE_PER_BLOCK;
pub use types::*;
pub use weights::WeightInfo;

use alloc::vec::Vec;
use polkadot_sdk::{
	frame_support::{
		self,
		weights::{Weight, WeightMeter},
	},
	frame_system::{self, pallet_prelude::BlockNumberFor},
	sp_core::H256,
	sp_runtime::traits::{Saturating, UniqueSaturatedInto},
};
use sprint_primitives::{
	AcceptedWork, CertifiableWork, EpochInfo, EpochReaders, HostBond, RewardSink, SigningKeys,
	Slasher, WeightActivation,
};

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use polkadot_sdk::{frame_support::pallet_prelude::*, frame_system::pallet_prelude::*};

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Holds the host bond at registration (pallet-collateral).
		type HostBond: HostBond<Self::AccountId>;

		/// Slashes offences and knows who is jailed (pallet-collateral).
		type Slasher: Slasher<Self::AccountId>;

		/// Collateral activation of accepted weight (pallet-collateral).
		type WeightActivation: WeightActivation<Self::AccountId>;

		/// Pays rewards by accepted weight (pallet-emission).
		type Rewards: RewardSink<Self::AccountId>;

		/// The most hosts that can commit in one epoch: bounds the seat draw, the tally and the
		/// seat pool (a commit beyond it fails with `TooManyParticipants`).
		#[pallet::constant]
		type MaxParticipants: Get<u32>;

		/// The weight `on_initialize` may spend per block on the seat draw and the tally, so
		/// that most of each block stays for transactions.
		#[pallet::constant]
		type HookBudget: Get<Weight>;

		/// How many epochs each epoch's accepted weights are kept after it (never fewer than the
		/// three the protocol reads them): governance votes with a past epoch's weights
		/// (docs/protocol.md §8), so this must cover a referendum's whole life.
		#[pallet::constant]
		type KeepWeights: Get<u32>;

		/// Pallets that read an epoch's state after its tally (pallet-carbon): no epoch is
		/// pruned while one of them still reads it.
		type Readers: EpochReaders;

		/// Who may change the protocol parameters ([`Pallet::set_params`]): a passed `params`
		/// referendum (docs/protocol.md §8), or root.
		type ParamsOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Weights of this pallet's calls and steps.
		type WeightInfo: WeightInfo;

		/// Funds accounts for the benchmarks (bonds and slashes need real balances).
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// The parameters new epochs take (docs/protocol.md §2–§5), set from genesis.
	#[pallet::storage]
	pub type Params<T: Config> = StorageValue<_, PocParams, OptionQuery>;

	/// Each epoch's parameters, as they were when it started. Epochs are sequential, not
	/// user-chosen: `Twox64Concat`. Pruned after epoch e+2, like every per-epoch item below.
	#[pallet::storage]
	pub type EpochParams<T: Config> =
		StorageMap<_, Twox64Concat, EpochIndex, PocParams, OptionQuery>;

	/// The epoch the chain is in.
	#[pallet::storage]
	pub type CurrentEpoch<T: Config> = StorageValue<_, EpochIndex, ValueQuery>;

	/// The first block of the current epoch (`None` before block 1).
	#[pallet::storage]
	pub type EpochStart<T: Config> = StorageValue<_, BlockNumberFor<T>, OptionQuery>;

	/// Each epoch's sprint seed: the parent hash seen by its first block.
	#[pallet::storage]
	pub type Seeds<T: Config> = StorageMap<_, Twox64Concat, EpochIndex, H256, OptionQuery>;

	/// Each epoch's PoW target, a big-endian 256-bit integer: a nonce is valid iff its digest is
	/// below it.
	#[pallet::storage]
	pub type Targets<T: Config> = StorageMap<_, Twox64Concat, EpochIndex, H256, OptionQuery>;

	/// Registered hosts. Keyed by account (user-chosen): `Blake2_128Concat`.
	#[pallet::storage]
	pub type Hosts<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, HostInfo, OptionQuery>;

	/// The genesis validators: they stand in for the seat draw until `2 · k_v` accepted hosts
	/// are eligible (docs/protocol.md §4).
	#[pallet::storage]
	pub type GenesisValidators<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, ConstU32<MAX_GENESIS_VALIDATORS>>, ValueQuery>;

	/// The accounts that vote, one each, before any epoch has accepted a host (empty: the
	/// genesis validators do), set at genesis (docs/protocol.md §8).
	#[pallet::storage]
	pub type GenesisVoters<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, ConstU32<MAX_GENESIS_VALIDATORS>>, ValueQuery>;

	/// Validators' secret commitments `blake2_256(secret_e)` per epoch.
	#[pallet::storage]
	pub type SecretCommitments<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Blake2_128Concat,
		T::AccountId,
		H256,
		OptionQuery,
	>;

	/// Each epoch's secret committers in commit order: the tally walks them in steps and
	/// charges a silent seat to each that never revealed (docs/protocol.md §4).
	#[pallet::storage]
	pub type SecretCommitters<T: Config> =
		StorageDoubleMap<_, Twox64Concat, EpochIndex, Twox64Concat, u32, T::AccountId, OptionQuery>;

	/// Each epoch's secret committers as a min-heap of `(last accepted weight, slot)` by heap
	/// position ([`ranking`]): its root is the commitment a heavier validator displaces once
	/// `max_participants` have committed (docs/protocol.md §4).
	#[pallet::storage]
	pub type SecretCommitterRanks<T: Config> =
		StorageDoubleMap<_, Twox64Concat, EpochIndex, Twox64Concat, u32, Rank, OptionQuery>;

	/// How many validators committed to a secret for each epoch.
	#[pallet::storage]
	pub type SecretCommitterCount<T: Config> =
		StorageMap<_, Twox64Concat, EpochIndex, u32, ValueQuery>;

	/// Secrets revealed with validators' first verdict chunk of the epoch, or alone with
	/// `reveal_secret`.
	#[pallet::storage]
	pub type RevealedSecrets<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Blake2_128Concat,
		T::AccountId,
		H256,
		OptionQuery,
	>;

	/// A running hash of every secret revealed in an epoch (`blake2(previous ‖ secret)`), part
	/// of the next epoch's seat-draw randomness.
	#[pallet::storage]
	pub type RevealDigest<T: Config> = StorageMap<_, Twox64Concat, EpochIndex, H256, OptionQuery>;

	/// Hosts' PoW commitments per epoch.
	#[pallet::storage]
	pub type Commitments<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Blake2_128Concat,
		T::AccountId,
		Commitment,
		OptionQuery,
	>;

	/// How many hosts committed in each epoch.
	#[pallet::storage]
	pub type CommitmentCount<T: Config> = StorageMap<_, Twox64Concat, EpochIndex, u32, ValueQuery>;

	/// Each epoch's participants by slot (the seat draw and the tally walk them in steps): in
	/// commit order, except that a displacer takes the slot of the participant it displaced.
	#[pallet::storage]
	pub type Participants<T: Config> =
		StorageDoubleMap<_, Twox64Concat, EpochIndex, Twox64Concat, u32, T::AccountId, OptionQuery>;

	/// Each epoch's participants as a min-heap of `(count, slot)` by heap position
	/// ([`ranking`]): its root is the participant a larger commit displaces once
	/// `max_participants` have committed (docs/protocol.md §4).
	#[pallet::storage]
	pub type ParticipantRanks<T: Config> =
		StorageDoubleMap<_, Twox64Concat, EpochIndex, Twox64Concat, u32, Rank, OptionQuery>;

	/// How many participants of each epoch were displaced: at most `max_participants`, so the
	/// epoch's storage stays bounded for pruning (docs/protocol.md §4, §9).
	#[pallet::storage]
	pub type DisplacedCount<T: Config> = StorageMap<_, Twox64Concat, EpochIndex, u32, ValueQuery>;

	/// Hosts displaced from an epoch's participants: the slot they lost and their count. Once
	/// the tally has ended, [`Pallet::compensate_displaced`] pays each its expected reward from
	/// the bond of the slot's final holder if that holder's epoch was not accepted.
	#[pallet::storage]
	pub type Displaced<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Blake2_128Concat,
		T::AccountId,
		Displacement,
		OptionQuery,
	>;

	/// Who checks participant P: its seats in draw order, each with its verdict and the votes
	/// on it.
	#[pallet::storage]
	pub type Seats<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<Seat<T::AccountId>, ConstU32<MAX_SEATS>>,
		OptionQuery,
	>;

	/// Whom validator V checks: `(epoch, V, P) → V's seat number among P's seats`.
	#[pallet::storage]
	pub type Assignments<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Twox64Concat, EpochIndex>,
			NMapKey<Blake2_128Concat, T::AccountId>,
			NMapKey<Blake2_128Concat, T::AccountId>,
		),
		u32,
		OptionQuery,
	>;

	/// The candidates of an epoch's seat draw with their weights: the hosts the previous
	/// epoch's tally accepted, with their accepted weights.
	#[pallet::storage]
	pub type ValidatorPool<T: Config> = StorageMap<
		_,
		Twox64Concat,
		EpochIndex,
		BoundedVec<(T::AccountId, u128), T::MaxParticipants>,
		ValueQuery,
	>;

	/// A host's last retired proof key (by deregistering) and the last epoch it still signs
	/// for the host in ([`RETIRED_KEY_EPOCHS`] on): its receipts, acceptances and payload
	/// statements stay checkable through the audit window (docs/protocol.md §7). One entry per
	/// account that ever deregistered, replaced when it deregisters again.
	#[pallet::storage]
	pub type RetiredProofKeys<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, ([u8; 32], EpochIndex), OptionQuery>;

	/// Each validator's place in its epoch's [`ValidatorPool`], written as the tally credits it:
	/// what [`AuditEligible`]'s bits are indexed by.
	#[pallet::storage]
	pub type PoolIndex<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Blake2_128Concat,
		T::AccountId,
		u32,
		OptionQuery,
	>;

	/// Which members of an epoch's [`ValidatorPool`] were eligible (a committed secret, not
	/// jailed, bonded) when its seat draw started — when its audits opened: one bit per
	/// [`PoolIndex`]. With the accepted weights it is the snapshot every audit draw and
	/// missed-audit report of the epoch reads, never live state (docs/protocol.md §7; absent
	/// when the genesis validators stood in, whose [`AuditPool`] is small enough to read).
	#[pallet::storage]
	pub type AuditEligible<T: Config> = StorageMap<
		_,
		Twox64Concat,
		EpochIndex,
		BoundedVec<u8, ConstU32<MAX_ELIGIBLE_BYTES>>,
		OptionQuery,
	>;

	/// The seat draw under way: its eligible candidates (after the secret and jail filters, or
	/// the stand-ins), read once per block of the draw.
	#[pallet::storage]
	pub type DrawPool<T: Config> =
		StorageValue<_, BoundedVec<(T::AccountId, u128), T::MaxParticipants>, ValueQuery>;

	/// Each epoch's seat draw: randomness and progress.
	#[pallet::storage]
	pub type DrawStatus<T: Config> =
		StorageMap<_, Twox64Concat, EpochIndex, DrawProgress, OptionQuery>;

	/// Each epoch's tally: stage and running sums.
	#[pallet::storage]
	pub type TallyStatus<T: Config> =
		StorageMap<_, Twox64Concat, EpochIndex, TallyProgress, OptionQuery>;

	/// The epoch whose tally is running, if one is.
	#[pallet::storage]
	pub type Tallying<T: Config> = StorageValue<_, EpochIndex, OptionQuery>;

	/// The tally's decision and activated weight per participant.
	#[pallet::storage]
	pub type Outcomes<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Blake2_128Concat,
		T::AccountId,
		TallyLine,
		OptionQuery,
	>;

	/// Accepted weight ŵ per host and epoch: activated by collateral and capped (docs/protocol.md
	/// §5). The reward share, the next seat draw and voting power follow it.
	#[pallet::storage]
	pub type AcceptedWeights<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Blake2_128Concat,
		T::AccountId,
		u128,
		OptionQuery,
	>;

	/// Σ accepted weight ŵ of each epoch that accepted anyone: the total voting power of a
	/// referendum that takes its snapshot there. Kept as long as [`AcceptedWeights`].
	#[pallet::storage]
	pub type AcceptedPower<T: Config> = StorageMap<_, Twox64Concat, EpochIndex, u128, OptionQuery>;

	/// The latest tallied epoch that accepted anyone: where a referendum submitted now takes
	/// its voting power from (docs/protocol.md §8).
	#[pallet::storage]
	pub type LastAccepted<T: Config> = StorageValue<_, EpochIndex, OptionQuery>;

	/// The oldest epoch whose accepted weights are not deleted yet: they are kept
	/// [`Config::KeepWeights`] epochs, longer than the rest of an epoch's state.
	#[pallet::storage]
	pub type WeightsPruneNext<T: Config> = StorageValue<_, EpochIndex, ValueQuery>;

	/// Accounts that earn nothing for an epoch, and why.
	#[pallet::storage]
	pub type Forfeited<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Blake2_128Concat,
		T::AccountId,
		ForfeitReason,
		OptionQuery,
	>;

	/// Each epoch's validators for inference audits (docs/protocol.md §7): the seat draw's eligible
	/// pool as it started (accepted hosts with a committed secret, or the stand-ins), kept for
	/// the re-run draws of audit disputes.
	#[pallet::storage]
	pub type AuditPool<T: Config> = StorageMap<
		_,
		Twox64Concat,
		EpochIndex,
		BoundedVec<(T::AccountId, u128), T::MaxParticipants>,
		ValueQuery,
	>;

	/// Each epoch's total audit power and whether the genesis validators stood in (all of
	/// equal power then), fixed when its seat draw started.
	#[pallet::storage]
	pub type AuditPower<T: Config> =
		StorageMap<_, Twox64Concat, EpochIndex, (u128, bool), OptionQuery>;

	/// The oldest epoch whose per-epoch storage is not deleted yet: pruning walks the epochs in
	/// order from it, [`PRUNE_PER_BLOCK`] entries per block, so that pruning after 16,384 hosts
	/// never overruns a block and never leaves an epoch half-pruned ([`pruning`]).
	#[pallet::storage]
	pub type PruneNext<T: Config> = StorageValue<_, EpochIndex, ValueQuery>;

	#[pallet::genesis_config]
	pub struct GenesisConfig<T: Config> {
		/// The parameters (default: docs/protocol.md §2's production column).
		pub params: PocParams,
		/// Epoch 0's target (big-endian 256-bit; default 2^236 − 1, one nonce in ~2^20 valid).
		pub initial_target: H256,
		/// The genesis validators and their secret commitments for epochs 0 and 1
		/// (`(validator, blake2_256(secret_0), blake2_256(secret_1))`: secrets are committed two
		/// epochs ahead, so genesis holds the first two). They stand in for the seat draw until
		/// `2 · k_v` accepted hosts are eligible; each needs its host bond held from genesis
		/// (pallet-collateral's `host_bonds`) to sit.
		pub secret_commitments: Vec<(T::AccountId, H256, H256)>,
		/// The accounts that vote, one each, before any epoch has accepted a host
		/// (docs/protocol.md §8; dev and local chains list Alice, Bob, Charlie and Dave); empty:
		/// the genesis validators. Two of them must vote `Aye` for anything to pass.
		#[serde(default)]
		pub genesis_voters: Vec<T::AccountId>,
	}

	impl<T: Config> Default for GenesisConfig<T> {
		fn default() -> Self {
			let mut target = [0xffu8; 32];
			target[0] = 0;
			target[1] = 0;
			target[2] = 0x0f;
			Self {
				params: PocParams::production_defaults(),
				initial_target: H256(target),
				secret_commitments: Vec::new(),
				genesis_voters: Vec::new(),
			}
		}
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let params = self.params.clone();
			if let Err(why) = Pallet::<T>::check_params(&params) {
				panic!("invalid PoC parameters in the chain spec: {why}");
			}
			assert!(self.initial_target != H256::zero(), "poc.initialTarget must be above zero");
			Params::<T>::put(params);
			Targets::<T>::insert(0, self.initial_target);
			let mut validators = Vec::new();
			for (validator, first, second) in &self.secret_commitments {
				assert!(
					!validators.contains(validator),
					"a validator is listed twice in poc.secretCommitments"
				);
				Pallet::<T>::record_secret_commitment(0, validator, *first);
				Pallet::<T>::record_secret_commitment(1, validator, *second);
				validators.push(validator.clone());
			}
			let validators = BoundedVec::try_from(validators)
				.expect("at most 64 genesis validators in poc.secretCommitments");
			GenesisValidators::<T>::put(validators);
			let mut voters: Vec<T::AccountId> = Vec::new();
			for voter in &self.genesis_voters {
				assert!(!voters.contains(voter), "an account is listed twice in poc.genesisVoters");
				voters.push(voter.clone());
			}
			let voters =
				BoundedVec::try_from(voters).expect("at most 64 accounts in poc.genesisVoters");
			GenesisVoters::<T>::put(voters);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Epoch `epoch` started at `block` with sprint seed `seed`.
		EpochStarted { epoch: EpochIndex, block: BlockNumberFor<T>, seed: H256 },
		/// Governance set the protocol parameters: epochs from the next one on run with
		/// `params`.
		ParamsSet { params: PocParams },
		/// `host` registered (and bonded its host bond).
		HostRegistered { host: T::AccountId },
		/// `host` deregistered (its bond unbonds).
		HostDeregistered { host: T::AccountId },
		/// `validator` committed to its secret for `epoch`.
		SecretCommitted { epoch: EpochIndex, validator: T::AccountId },
		/// `host` committed `count` leaves under `root` for `epoch`.
		Committed { epoch: EpochIndex, host: T::AccountId, root: H256, count: u32 },
		/// The participants of `epoch` were full: `by` committed more leaves than the smallest,
		/// `displaced` (which had committed `count`), and took its slot. The displaced host's
		/// bond is untouched; if `by`'s epoch is not accepted, `displaced` is owed its expected
		/// reward (`compensate_displaced`).
		ParticipantDisplaced {
			epoch: EpochIndex,
			displaced: T::AccountId,
			by: T::AccountId,
			count: u32,
		},
		/// The secret commitments of `epoch` were full: `by`, of larger last accepted weight,
		/// displaced `displaced`'s commitment (which then takes no seat and owes no reveal).
		SecretCommitmentDisplaced { epoch: EpochIndex, displaced: T::AccountId, by: T::AccountId },
		/// `by`, holding at the tally's end the slot `displaced` lost in `epoch`, was not
		/// accepted: it paid `displaced` its expected reward, `amount`, from its own bond.
		DisplacementCompensated {
			epoch: EpochIndex,
			displaced: T::AccountId,
			by: T::AccountId,
			amount: u128,
		},
		/// The seat draw of `epoch` began with `candidates` eligible validators (`stand_ins`:
		/// genesis validators joined because fewer than `2 · k_v` were eligible).
		SeatDrawStarted { epoch: EpochIndex, candidates: u32, stand_ins: bool },
		/// Every participant of `epoch` has its seats.
		SeatsDrawn { epoch: EpochIndex, participants: u32 },
		/// `validator` revealed its secret for `epoch`.
		SecretRevealed { epoch: EpochIndex, validator: T::AccountId },
		/// `validator` submitted its verdict on `participant`.
		VerdictSubmitted {
			epoch: EpochIndex,
			validator: T::AccountId,
			participant: T::AccountId,
			verdict: VerdictKind,
		},
		/// `participant` answered `validator`'s challenge with `leaves` openings on chain.
		ChallengeAnswered {
			epoch: EpochIndex,
			participant: T::AccountId,
			validator: T::AccountId,
			leaves: u32,
		},
		/// `voter` cast `votes` votes on claims or answers about `participant`.
		Voted { epoch: EpochIndex, participant: T::AccountId, voter: T::AccountId, votes: u32 },
		/// The tally decided `participant`: `outcome`, with `activated` weight before the cap.
		Tallied { epoch: EpochIndex, participant: T::AccountId, outcome: Outcome, activated: u128 },
		/// `who` earns nothing for `epoch`.
		RewardForfeited { epoch: EpochIndex, who: T::AccountId, reason: ForfeitReason },
		/// The tally of `epoch` finished: `accepted` hosts, W(e) = `total_weight`,
		/// `accepted_nonces` accepted leaves, and the next epoch's target (`None` when the tally
		/// finished after the next epoch had started, which keeps its target).
		TallyFinished {
			epoch: EpochIndex,
			accepted: u32,
			total_weight: u128,
			accepted_nonces: u64,
			next_target: Option<H256>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a registered host.
		AlreadyRegistered,
		/// The account is not a registered host: call `register_host` first (it needs the
		/// host bond, `min_host_bond`, in free balance).
		NotRegistered,
		/// The proof-server URL is longer than 256 bytes.
		ProofUrlTooLong,
		/// The proof URL is not a plain `http(s)://host[:port][/path]`: no user info, query or
		/// fragment, printable ASCII only (see `proof_url::check`). Validators fetch it.
		BadProofUrl,
		/// The metadata is longer than 1,024 bytes.
		MetadataTooLong,
		/// The account is jailed for an offence and cannot commit until its jail ends.
		Jailed,
		/// The call names another epoch than the current one. Use `CurrentEpoch`.
		WrongEpoch,
		/// The commitment arrived outside the commit window of its epoch. Submit between
		/// `generation_window` and `generation_window + commit_window` blocks after `EpochStart`.
		CommitOutsideWindow,
		/// A commitment of zero leaves: a host with no valid nonce has nothing to commit.
		CountZero,
		/// More leaves than `max_count` (default 4 × goal): such a commitment cannot be honest.
		CountAboveMax,
		/// The host already committed for this epoch; commitments cannot be replaced.
		AlreadyCommitted,
		/// `max_participants` hosts have committed this epoch already and the smallest of them
		/// committed as many leaves as this commit or more (a larger commit displaces it), or
		/// `max_participants` have been displaced this epoch already; try again next epoch.
		TooManyParticipants,
		/// A secret commitment for another epoch than two ahead: commit to epoch e's secret
		/// during epoch e−2, before any receipt it could audit exists (docs/protocol.md §4).
		SecretCommitmentOutOfTime,
		/// The validator already committed to a secret for this epoch.
		SecretAlreadyCommitted,
		/// Only an account whose host bond is held (and not unbonding) commits a secret: every
		/// seat, and every unrevealed secret, must have collateral at stake. Register as a host
		/// (`register_host`) first.
		NotBonded,
		/// `max_participants` validators committed to a secret for this epoch already, none of
		/// them with a smaller last accepted weight than the caller's (a larger one displaces
		/// the smallest).
		TooManySecretCommitments,
		/// `compensate_displaced` before the epoch's tally has ended: the displacer's outcome and
		/// W(e) are not known yet.
		TallyNotEnded,
		/// `compensate_displaced` for a host that was not displaced in that epoch, was paid
		/// already, or is owed nothing: the holder of its slot was accepted.
		NothingToCompensate,
		/// A secret is revealed only in its epoch's validation window (after the commit window
		/// closes, so no host can learn its samples before it commits).
		RevealOutsideWindow,
		/// The secret for this epoch is revealed already.
		SecretAlreadyRevealed,
		/// Verdicts are accepted only in the validation window of the current epoch.
		VerdictOutsideWindow,
		/// The caller does not sit in a seat of this participant (or the seats are not drawn
		/// yet: they are, a few blocks into the validation window at most). See `Assignments`.
		NotASeat,
		/// This seat already gave its verdict on this participant; verdicts are final.
		VerdictAlreadySubmitted,
		/// The validator's first verdict chunk of the epoch must carry its secret.
		SecretNotRevealed,
		/// `blake2_256(secret)` is not the validator's secret commitment for this epoch (or a
		/// later chunk carries another secret than the one revealed).
		SecretMismatch,
		/// The validator never committed to a secret for this epoch, so it has no seat.
		NoSecretCommitment,
		/// An index the verdict names is not among the seat's sampled indices, which follow
		/// from the revealed secret (`sampling::sample_indices`).
		IndexNotSampled,
		/// An `Unavailable` verdict must name every sampled index of the seat (see
		/// `sampling::sample_indices`), so that a challenge checks as many leaves as a fetch.
		PartialChallenge,
		/// A verdict chunk with no verdicts records nothing and is refused (it would be free).
		/// Reveal a secret with your first verdict.
		NoVerdicts,
		/// A vote call with no votes records nothing and is refused (it would be free).
		NoVotes,
		/// The opening's signature is not the participant's proof key's over this epoch and
		/// commitment (docs/protocol.md §4). It proves nothing; report `Unavailable` instead.
		BadOpeningSignature,
		/// Challenges are answered only in the validation window and answer period.
		AnswerOutsideWindow,
		/// That seat has no open `Unavailable` challenge against the caller.
		NoChallenge,
		/// The challenge was already answered.
		AlreadyAnswered,
		/// The openings must answer the challenged indices exactly, in the challenge's order.
		AnswerMismatch,
		/// A posted opening fails its signature, path, order or target check; post sound ones.
		BadAnswer,
		/// Votes on fraud claims are taken in the answer period, on posted answers in the check
		/// period.
		VoteOutsideWindow,
		/// That seat has no claim (answer period) or posted answer (check period) to vote on.
		NothingToVoteOn,
		/// The caller already voted on that claim or answer.
		AlreadyVoted,
		/// A confirming vote must name the claimed index (claims) or a posted index (answers).
		BadVoteIndex,
		/// Parameters refused as genesis refuses them: windows that do not fit the epoch, an
		/// invalid model shape, `max_participants` above the runtime's cap, or hook work that
		/// does not fit its budget at that cap (see `phases::validate` and `budget`).
		InvalidParams,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// The audits' eligibility bitmap must hold a bit for every possible validator.
		fn integrity_test() {
			assert!(
				T::MaxParticipants::get() <= MAX_ELIGIBLE_BYTES.saturating_mul(8),
				"MaxParticipants exceeds the AuditEligible bitmap's 32,768 bits"
			);
		}

		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			// The running epoch ends as it began, whatever governance set since.
			let epoch_length: BlockNumberFor<T> = EpochParams::<T>::get(CurrentEpoch::<T>::get())
				.or_else(Params::<T>::get)
				.map_or(u32::MAX, |p| p.epoch_length)
				.into();
			let due = match EpochStart::<T>::get() {
				None => true,
				Some(start) => now.saturating_sub(start) >= epoch_length,
			};
			let mut weight = T::WeightInfo::on_initialize_idle();
			if due {
				Self::start_epoch(now);
				weight.saturating_accrue(T::WeightInfo::start_epoch());
			}
			// The tally of an epoch runs before the next draw, and pruning after both, in one
			// budget per block.
			let mut meter = WeightMeter::with_limit(T::HookBudget::get());
			Self::tally_steps(&mut meter);
			Self::draw_steps(&mut meter);
			Self::prune_steps(&mut meter);
			weight.saturating_add(meter.consumed())
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers the caller as a host: holds the host bond (`min_host_bond`) from its free
		/// balance in pallet-collateral (a genesis validator's bond, held from genesis, serves
		/// as it is) and records its proof key, proof-server URL and metadata.
		///
		/// Origin: signed. Emits `HostRegistered`. Fails with `AlreadyRegistered`,
		/// `ProofUrlTooLong`, `BadProofUrl`, `MetadataTooLong`, or pallet-collateral's
		/// `InsufficientBalance`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_host())]
		pub fn register_host(
			origin: OriginFor<T>,
			proof_key: [u8; 32],
			proof_url: Vec<u8>,
			metadata: Vec<u8>,
		) -> DispatchResult {
			let host = ensure_signed(origin)?;
			ensure!(!Hosts::<T>::contains_key(&host), Error::<T>::AlreadyRegistered);
			let proof_url: BoundedVec<u8, ConstU32<{ proof_url::MAX_PROOF_URL }>> =
				proof_url.try_into().map_err(|_| Error::<T>::ProofUrlTooLong)?;
			proof_url::check(&proof_url).map_err(|_| Error::<T>::BadProofUrl)?;
			let info = HostInfo {
				proof_key,
				proof_url,
				metadata: metadata.try_into().map_err(|_| Error::<T>::MetadataTooLong)?,
				registered_at: CurrentEpoch::<T>::get(),
			};
			T::HostBond::bond_host(&host)?;
			Hosts::<T>::insert(&host, info);
			Self::deposit_event(Event::HostRegistered { host });
			Ok(())
		}

		/// Deregisters the caller; its host bond starts unbonding (pallet-collateral), and it
		/// gets no seat in any draw from now on (no bond held, nothing at stake).
		///
		/// Origin: signed, a registered host. Emits `HostDeregistered`. Fails with
		/// `NotRegistered`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::deregister_host())]
		pub fn deregister_host(origin: OriginFor<T>) -> DispatchResult {
			let host = ensure_signed(origin)?;
			let info = Hosts::<T>::get(&host).ok_or(Error::<T>::NotRegistered)?;
			T::HostBond::unbond_host(&host)?;
			Hosts::<T>::remove(&host);
			// Its receipts, acceptances and payload statements stay checkable through the
			// audit window (docs/protocol.md §7).
			RetiredProofKeys::<T>::insert(
				&host,
				(info.proof_key, CurrentEpoch::<T>::get().saturating_add(RETIRED_KEY_EPOCHS)),
			);
			Self::deposit_event(Event::HostDeregistered { host });
			Ok(())
		}

		/// Commits the caller to `blake2_256(secret_epoch)`, the secret from which its seat
		/// samples in `epoch` (and later its audits) are derived, two epochs ahead
		/// (docs/protocol.md §4). A validator without one is skipped when seats are drawn. The
		/// secret must be revealed in `epoch`'s validation window — with the first verdict chunk,
		/// or with
		/// `reveal_secret` when it holds no seat — or the tally charges it a silent seat.
		///
		/// Origin: signed, an account whose host bond is held and not unbonding (a registered
		/// host, or a genesis validator bonded from genesis). Only during epoch `epoch − 2`
		/// (epochs 0 and 1 are committed in genesis). Emits `SecretCommitted`. Fails with
		/// `SecretCommitmentOutOfTime`, `NotBonded`, `SecretAlreadyCommitted` or
		/// `TooManySecretCommitments`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::commit_secret())]
		pub fn commit_secret(
			origin: OriginFor<T>,
			epoch: EpochIndex,
			commitment: H256,
		) -> DispatchResult {
			let validator = ensure_signed(origin)?;
			let current = CurrentEpoch::<T>::get();
			ensure!(epoch == current.saturating_add(2), Error::<T>::SecretCommitmentOutOfTime);
			ensure!(T::HostBond::has_bond(&validator), Error::<T>::NotBonded);
			ensure!(
				!SecretCommitments::<T>::contains_key(epoch, &validator),
				Error::<T>::SecretAlreadyCommitted
			);
			let cap =
				Params::<T>::get().map_or(0, |p| p.max_participants).min(T::MaxParticipants::get());
			let len = SecretCommitterCount::<T>::get(epoch);
			if len < cap {
				Self::record_secret_commitment(epoch, &validator, commitment);
			} else {
				// Full: the lightest commitment by last accepted weight gives way to a heavier
				// validator, never to an earlier arrival (docs/protocol.md §4).
				let weight = Self::last_accepted_weight(&validator);
				let lightest = ranking::lightest::<ranking::ByAcceptedWeight<T>>(epoch)
					.filter(|r| r.weight < weight)
					.ok_or(Error::<T>::TooManySecretCommitments)?;
				let slot = lightest.slot;
				let displaced = SecretCommitters::<T>::get(epoch, slot)
					.ok_or(Error::<T>::TooManySecretCommitments)?;
				SecretCommitments::<T>::remove(epoch, &displaced);
				SecretCommitments::<T>::insert(epoch, &validator, commitment);
				SecretCommitters::<T>::insert(epoch, slot, &validator);
				ranking::replace_lightest::<ranking::ByAcceptedWeight<T>>(
					epoch,
					len,
					Rank { weight, slot },
				);
				Self::deposit_event(Event::SecretCommitmentDisplaced {
					epoch,
					displaced,
					by: validator.clone(),
				});
			}
			Self::deposit_event(Event::SecretCommitted { epoch, validator });
			Ok(())
		}

		/// Commits the caller's sprint: the committed root (count bound in, docs/protocol.md §4) of
		/// its
		/// `count` valid leaves for `epoch`.
		///
		/// Origin: signed, a registered host that is not jailed. Only in the current epoch's
		/// commit window, once per epoch, with `1 ≤ count ≤ max_count`. Free when it succeeds.
		/// Emits `Committed`. Fails with `NotRegistered`, `Jailed`, `WrongEpoch`,
		/// `CommitOutsideWindow`, `CountZero`, `CountAboveMax`, `AlreadyCommitted` or
		/// `TooManyParticipants`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::commit())]
		pub fn commit(
			origin: OriginFor<T>,
			epoch: EpochIndex,
			root: H256,
			count: u32,
		) -> DispatchResultWithPostInfo {
			let host = ensure_signed(origin)?;
			let info = Hosts::<T>::get(&host).ok_or(Error::<T>::NotRegistered)?;
			ensure!(!T::Slasher::is_jailed(&host), Error::<T>::Jailed);
			ensure!(epoch == CurrentEpoch::<T>::get(), Error::<T>::WrongEpoch);
			ensure!(Self::current_phase() == Some(Phase::Commit), Error::<T>::CommitOutsideWindow);
			ensure!(count > 0, Error::<T>::CountZero);
			let max_count = EpochParams::<T>::get(epoch).map_or(0, |p| p.max_count);
			ensure!(count <= max_count, Error::<T>::CountAboveMax);
			ensure!(
				!Commitments::<T>::contains_key(epoch, &host)
					&& !Displaced::<T>::contains_key(epoch, &host),
				Error::<T>::AlreadyCommitted
			);
			let len = CommitmentCount::<T>::get(epoch);
			let cap = EpochParams::<T>::get(epoch)
				.map_or(0, |p| p.max_participants)
				.min(T::MaxParticipants::get());
			let commitment = Commitment { root, count, proof_key: info.proof_key };
			if len < cap {
				Commitments::<T>::insert(epoch, &host, commitment);
				Participants::<T>::insert(epoch, len, &host);
				CommitmentCount::<T>::insert(epoch, len.saturating_add(1));
				ranking::push::<ranking::ByCount<T>>(
					epoch,
					len,
					Rank { weight: count.into(), slot: len },
				);
			} else {
				// Full: the smallest participant gives way to strictly more leaves, never to
				// an earlier arrival (docs/protocol.md §4).
				let lightest = ranking::lightest::<ranking::ByCount<T>>(epoch)
					.filter(|r| r.weight < u128::from(count))
					.ok_or(Error::<T>::TooManyParticipants)?;
				let displaced_count = DisplacedCount::<T>::get(epoch);
				ensure!(displaced_count < cap, Error::<T>::TooManyParticipants);
				let slot = lightest.slot;
				let displaced =
					Participants::<T>::get(epoch, slot).ok_or(Error::<T>::TooManyParticipants)?;
				Commitments::<T>::remove(epoch, &displaced);
				let displaced_leaves = u32::try_from(lightest.weight).unwrap_or(u32::MAX);
				Displaced::<T>::insert(
					epoch,
					&displaced,
					Displacement { slot, count: displaced_leaves, settled: false },
				);
				DisplacedCount::<T>::insert(epoch, displaced_count.saturating_add(1));
				// Whoever holds the slot at the tally's end may owe the displaced its reward.
				T::HostBond::keep_slashable(&host, epoch.saturating_add(1));
				Commitments::<T>::insert(epoch, &host, commitment);
				Participants::<T>::insert(epoch, slot, &host);
				ranking::replace_lightest::<ranking::ByCount<T>>(
					epoch,
					len,
					Rank { weight: count.into(), slot },
				);
				Self::deposit_event(Event::ParticipantDisplaced {
					epoch,
					displaced,
					by: host.clone(),
					count: displaced_leaves,
				});
			}
			Self::deposit_event(Event::Committed { epoch, host, root, count });
			Ok(Pays::No.into())
		}

		/// Submits a chunk of the caller's verdicts for `epoch` (docs/protocol.md §4), one per
		/// seat:
		/// `Valid`; `Fraud` with the participant-signed opening of one of the seat's sampled
		/// indices (checked here: a bad signature is refused; a broken path or order is fraud at
		/// once, and so is a verifying opening of a leaf above the target — a leaf proven bad as
		/// committed; otherwise the seats vote on the digest in the answer period); or
		/// `Unavailable` naming every sampled index of the seat (the host must post them with
		/// `answer_challenge`, and the challenger must then vote on them in the check period:
		/// that vote is its verdict). The first chunk of the epoch carries `secret`, whose
		/// `blake2_256` must be the caller's secret commitment: the runtime derives each seat's
		/// sampled indices from it.
		///
		/// Origin: signed, a seat of every participant named. Only in the validation window.
		/// Free when it succeeds; a chunk must hold at least one verdict. Emits `SecretRevealed`
		/// and `VerdictSubmitted`. Fails with `WrongEpoch`, `VerdictOutsideWindow`, `NoVerdicts`,
		/// `SecretNotRevealed`, `SecretMismatch`, `NoSecretCommitment`, `NotASeat`,
		/// `VerdictAlreadySubmitted`, `IndexNotSampled`, `PartialChallenge` or
		/// `BadOpeningSignature`; a failing chunk changes nothing and pays its fee.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::submit_verdicts(verdicts.len() as u32))]
		pub fn submit_verdicts(
			origin: OriginFor<T>,
			epoch: EpochIndex,
			secret: Option<H256>,
			verdicts: BoundedVec<(T::AccountId, Verdict), ConstU32<MAX_VERDICTS_PER_CHUNK>>,
		) -> DispatchResultWithPostInfo {
			let validator = ensure_signed(origin)?;
			Self::do_submit_verdicts(validator, epoch, secret, verdicts)?;
			Ok(Pays::No.into())
		}

		/// Reveals the caller's secret for `epoch` without a verdict: for a validator that
		/// committed one but holds no seat (a seat's first verdict chunk reveals it anyway).
		/// Its `blake2_256` must be the caller's commitment. The revealed secrets feed the next
		/// seat draw's randomness; a committed secret left unrevealed at the end of the
		/// validation window costs a silent seat (1%, reward forfeited).
		///
		/// Origin: signed, a validator with a secret commitment for `epoch`. Only in the
		/// current epoch's validation window. Free when it succeeds. Emits `SecretRevealed`.
		/// Fails with `WrongEpoch`, `RevealOutsideWindow`, `SecretAlreadyRevealed`,
		/// `NoSecretCommitment` or `SecretMismatch`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::reveal_secret())]
		pub fn reveal_secret(
			origin: OriginFor<T>,
			epoch: EpochIndex,
			secret: H256,
		) -> DispatchResultWithPostInfo {
			let validator = ensure_signed(origin)?;
			ensure!(epoch == CurrentEpoch::<T>::get(), Error::<T>::WrongEpoch);
			ensure!(Self::in_phase(epoch, Phase::Validation), Error::<T>::RevealOutsideWindow);
			// A free call must record something new (docs/protocol.md §4).
			ensure!(
				!RevealedSecrets::<T>::contains_key(epoch, &validator),
				Error::<T>::SecretAlreadyRevealed
			);
			Self::reveal(epoch, &validator, Some(secret))?;
			Ok(Pays::No.into())
		}

		/// Sets the protocol parameters (docs/protocol.md §2–§4). The running epoch keeps the
		/// parameters it started with; the next one starts with these. Checked exactly as
		/// genesis checks them, so a referendum cannot set an epoch whose windows do not fit.
		///
		/// Origin: `ParamsOrigin` (a passed `params` referendum, or root). Emits `ParamsSet`.
		/// Fails with `InvalidParams`.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::set_params())]
		pub fn set_params(origin: OriginFor<T>, params: PocParams) -> DispatchResult {
			T::ParamsOrigin::ensure_origin(origin)?;
			Self::check_params(&params).map_err(|_| Error::<T>::InvalidParams)?;
			Params::<T>::put(params.clone());
			Self::deposit_event(Event::ParamsSet { params });
			Ok(())
		}

		/// Answers `validator`'s `Unavailable` challenge against the caller: the signed openings
		/// of exactly the challenged indices, in order. Each is checked (signature, path, order,
		/// target); in the check period the challenger must recompute the posted leaves and vote
		/// (its vote is its verdict for the seat), and P's other seats may. An unanswered
		/// challenge is treated as fraud: weight zero, the fraud slash and jail.
		///
		/// Origin: signed, the challenged participant. In the validation window or the answer
		/// period. Free when it succeeds. Emits `ChallengeAnswered`. Fails with `WrongEpoch`,
		/// `AnswerOutsideWindow`, `NoChallenge`, `AlreadyAnswered`, `AnswerMismatch` or
		/// `BadAnswer`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::answer_challenge(openings.len() as u32))]
		pub fn answer_challenge(
			origin: OriginFor<T>,
			epoch: EpochIndex,
			validator: T::AccountId,
			openings: BoundedVec<SignedOpening, ConstU32<MAX_SAMPLES>>,
		) -> DispatchResultWithPostInfo {
			let host = ensure_signed(origin)?;
			Self::do_answer_challenge(host, epoch, validator, openings)?;
			Ok(Pays::No.into())
		}

		/// Votes, as a seat of `participant`, on other seats' claims (answer period) or on the
		/// leaves the participant posted (check period): `(seat, Some(index))` confirms that
		/// leaf `index` is bad — its digest, recomputed from on-chain data (seed, participant,
		/// nonce), is not the one committed; `(seat, None)` refutes the claim, or finds the
		/// posted leaves good.
		///
		/// A claim or posted leaf is confirmed bad only by more than half of P's seats including
		/// at least two seats other than the one that made the claim or the challenge.
		///
		/// Origin: signed, a seat of `participant`. Free when it succeeds; a call must hold at
		/// least one vote. Emits `Voted`. Fails with `WrongEpoch`, `VoteOutsideWindow`,
		/// `NoVotes`, `NotASeat`, `NothingToVoteOn`, `AlreadyVoted` or `BadVoteIndex`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::vote(votes.len() as u32))]
		pub fn vote(
			origin: OriginFor<T>,
			epoch: EpochIndex,
			participant: T::AccountId,
			votes: BoundedVec<(u32, Option<u32>), ConstU32<MAX_SEATS>>,
		) -> DispatchResultWithPostInfo {
			let voter = ensure_signed(origin)?;
			Self::do_vote(voter, epoch, participant, votes)?;
			Ok(Pays::No.into())
		}

		/// Pays `displaced`, a host displaced from `epoch`'s participants (`ParticipantDisplaced`),
		/// its expected reward — `reward(epoch) · ŵ / (W(epoch) + ŵ)`, ŵ its count as its
		/// collateral activates it, capped like any weight — out of the bond of whoever holds
		/// the slot it lost when the tally ends, if that holder's epoch was not accepted
		/// (docs/protocol.md §4): claiming a large count to evict honest hosts costs more than it
		/// gains. A holder whose epoch is accepted owes nothing (its larger count was real). The
		/// holder's collateral stays slashable until the next epoch's tally has ended, so the
		/// claim has at least a whole epoch.
		///
		/// Origin: signed, anyone (the payment always goes to `displaced`); `sprint-worker`
		/// claims its own. Once the epoch's tally has ended, once per displaced host, until the
		/// epoch is pruned. Free when it succeeds. Emits `DisplacementCompensated`. Fails with
		/// `NothingToCompensate` or `TallyNotEnded`.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::compensate_displaced())]
		pub fn compensate_displaced(
			origin: OriginFor<T>,
			epoch: EpochIndex,
			displaced: T::AccountId,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			let mut record = Displaced::<T>::get(epoch, &displaced)
				.filter(|d| !d.settled)
				.ok_or(Error::<T>::NothingToCompensate)?;
			let tally = TallyStatus::<T>::get(epoch)
				.filter(|p| p.stage == TallyStage::Done)
				.ok_or(Error::<T>::TallyNotEnded)?;
			let holder = Participants::<T>::get(epoch, record.slot)
				.ok_or(Error::<T>::NothingToCompensate)?;
			let accepted = Outcomes::<T>::get(epoch, &holder)
				.is_some_and(|line| line.outcome == Outcome::Accepted);
			ensure!(!accepted, Error::<T>::NothingToCompensate);
			let weight =
				T::WeightActivation::activated_weight(&displaced, record.count.into(), epoch)
					.min(tally.cap);
			let owed = T::Rewards::expected_reward(
				epoch,
				weight,
				tally.total_weight.saturating_add(weight),
			);
			let amount = T::HostBond::pay_from_bond(&holder, &displaced, owed);
			record.settled = true;
			Displaced::<T>::insert(epoch, &displaced, record);
			Self::deposit_event(Event::DisplacementCompensated {
				epoch,
				displaced,
				by: holder,
				amount,
			});
			Ok(Pays::No.into())
		}
	}

	impl<T: Config> Pallet<T> {
		/// Whether `params` may run: the phases fit the epoch and the model shape is valid,
		/// `max_participants` is within the runtime's cap, and the hooks' work at that cap fits
		/// their budget. Genesis and [`Pallet::set_params`] both require it.
		pub fn check_params(params: &PocParams) -> Result<(), &'static str> {
			phases::validate(params)?;
			if params.max_participants > T::MaxParticipants::get() {
				return Err("max_participants is above the runtime's MaxParticipants");
			}
			Self::check_hook_work(params).map(|_| ())
		}

		/// The current epoch's phase (`None` before the first epoch starts, at block 1).
		pub fn current_phase() -> Option<Phase> {
			let start = EpochStart::<T>::get()?;
			let params = EpochParams::<T>::get(CurrentEpoch::<T>::get())?;
			let offset: u32 = frame_system::Pallet::<T>::block_number()
				.saturating_sub(start)
				.unique_saturated_into();
			Some(phases::phase_at(offset, &params))
		}

		/// Where the chain stands, for the worker's runtime API ([`runtime_api::PocApi`]).
		pub fn epoch_status() -> Option<EpochStatus<BlockNumberFor<T>>> {
			let epoch = CurrentEpoch::<T>::get();
			Some(EpochStatus {
				epoch,
				phase: Self::current_phase()?,
				epoch_start: EpochStart::<T>::get()?,
				seed: Seeds::<T>::get(epoch)?,
				target: Targets::<T>::get(epoch)?,
				params: EpochParams::<T>::get(epoch)?,
			})
		}

		/// The genesis hash, bound into every opening's signature.
		pub fn genesis_hash() -> H256 {
			H256::from_slice(
				frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::from(0u32)).as_ref(),
			)
		}

		/// Starts the next epoch at block `now` (the first epoch, 0, at the first block).
		pub(crate) fn start_epoch(now: BlockNumberFor<T>) {
			let epoch = match EpochStart::<T>::get() {
				None => 0,
				Some(_) => CurrentEpoch::<T>::get().saturating_add(1),
			};
			let seed = H256::from_slice(frame_system::Pallet::<T>::parent_hash().as_ref());
			CurrentEpoch::<T>::put(epoch);
			EpochStart::<T>::put(now);
			Seeds::<T>::insert(epoch, seed);
			if let Some(params) = Params::<T>::get() {
				EpochParams::<T>::insert(epoch, params);
			}
			// The previous tally sets this epoch's target; if it has not, the last one holds.
			if !Targets::<T>::contains_key(epoch) {
				if let Some(previous) = epoch.checked_sub(1).and_then(Targets::<T>::get) {
					Targets::<T>::insert(epoch, previous);
				}
			}
			Self::deposit_event(Event::EpochStarted { epoch, block: now, seed });
		}
	}
}

/// Whether the block is in `phase` of `epoch`.
impl<T: Config> Pallet<T> {
	/// Takes `step` from the block's hook budget. The first step of a block is always taken,
	/// even over budget, so that a budget set below one step slows the draw and the tally down
	/// but can never stall them.
	///
	/// The meter stays honest about it: its limit grows to the step it let through, so what it
	/// reports consumed never exceeds its limit (FRAME's `WeightMeter` asserts that in debug
	/// builds).
	pub(crate) fn take_step(meter: &mut WeightMeter, step: Weight) -> bool {
		if meter.try_consume(step).is_ok() {
			return true;
		}
		if meter.consumed() == Weight::zero() {
			*meter = WeightMeter::with_limit(meter.limit().max(step));
			meter.consume(step);
			return true;
		}
		false
	}

	pub(crate) fn in_phase(epoch: EpochIndex, phase: Phase) -> bool {
		CurrentEpoch::<T>::get() == epoch && Self::current_phase() == Some(phase)
	}

	/// Stores `validator`'s secret commitment for `epoch` and lists it among the epoch's
	/// committers (the tally's reveal check walks them).
	pub(crate) fn record_secret_commitment(
		epoch: EpochIndex,
		validator: &T::AccountId,
		commitment: H256,
	) {
		SecretCommitments::<T>::insert(epoch, validator, commitment);
		let index = SecretCommitterCount::<T>::get(epoch);
		SecretCommitters::<T>::insert(epoch, index, validator);
		SecretCommitterCount::<T>::insert(epoch, index.saturating_add(1));
		let weight = Self::last_accepted_weight(validator);
		ranking::push::<ranking::ByAcceptedWeight<T>>(epoch, index, Rank { weight, slot: index });
	}

	/// `who`'s accepted weight in the latest epoch that accepted anyone (zero if it was not
	/// accepted there): what ranks its secret commitments once their cap is full.
	pub fn last_accepted_weight(who: &T::AccountId) -> u128 {
		LastAccepted::<T>::get()
			.and_then(|epoch| AcceptedWeights::<T>::get(epoch, who))
			.unwrap_or(0)
	}
}

/// Epochs a retired proof key keeps signing for its host: a ticket of the epoch it retires in
/// settles by the end of the next, is audited in the one after, and its disputes end then.
pub const RETIRED_KEY_EPOCHS: u32 = 3;

/// The bytes of an [`AuditEligible`] bitmap: one bit for each of up to 32,768 validators
/// (the runtime's `MaxParticipants` must not exceed it; `integrity_test` checks).
pub const MAX_ELIGIBLE_BYTES: u32 = 4_096;

/// What the benchmarks need from the runtime.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Gives `who` enough free balance for a host bond, deposits and fees.
	fn fund(who: &AccountId);
}

/// A host's proof key also signs its inference receipts (pallet-inference).
impl<T: Config> SigningKeys<T::AccountId> for Pallet<T> {
	fn signing_key(who: &T::AccountId) -> Option<[u8; 32]> {
		Hosts::<T>::get(who).map(|host| host.proof_key)
	}

	fn signing_keys(who: &T::AccountId) -> Vec<[u8; 32]> {
		let mut keys: Vec<[u8; 32]> = Self::signing_key(who).into_iter().collect();
		if let Some((key, until)) = RetiredProofKeys::<T>::get(who) {
			if CurrentEpoch::<T>::get() <= until && !keys.contains(&key) {
				keys.push(key);
			}
		}
		keys
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_signing_key(who: &T::AccountId, key: [u8; 32]) {
		Hosts::<T>::mutate(who, |host| match host {
			Some(host) => host.proof_key = key,
			None => {
				*host = Some(HostInfo {
					proof_key: key,
					proof_url: Default::default(),
					metadata: Default::default(),
					registered_at: CurrentEpoch::<T>::get(),
				})
			}
		});
	}
}

impl<T: Config> CertifiableWork<T::AccountId> for Pallet<T> {
	fn participant(epoch: EpochIndex, index: u32) -> Option<T::AccountId> {
		Participants::<T>::get(epoch, index)
	}

	fn accepted(epoch: EpochIndex, who: &T::AccountId) -> Option<AcceptedWork> {
		let line = Outcomes::<T>::get(epoch, who)?;
		if line.outcome != Outcome::Accepted {
			return None;
		}
		Some(AcceptedWork {
			weight: AcceptedWeights::<T>::get(epoch, who)?,
			committed: Commitments::<T>::get(epoch, who)?.count,
		})
	}

	fn work_terms(epoch: EpochIndex) -> Option<(H256, sprint_core::ModelShape)> {
		Some((Targets::<T>::get(epoch)?, EpochParams::<T>::get(epoch)?.model))
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_participant(
		epoch: EpochIndex,
		index: u32,
		who: &T::AccountId,
		work: Option<AcceptedWork>,
		target: H256,
		shape: sprint_core::ModelShape,
	) {
		Participants::<T>::insert(epoch, index, who);
		let outcome = if work.is_some() { Outcome::Accepted } else { Outcome::Rejected };
		let work = work.unwrap_or_default();
		Outcomes::<T>::insert(epoch, who, TallyLine { outcome, activated: work.weight });
		if outcome == Outcome::Accepted {
			AcceptedWeights::<T>::insert(epoch, who, work.weight);
		}
		Commitments::<T>::insert(
			epoch,
			who,
			Commitment { root: H256::zero(), count: work.committed, proof_key: [0; 32] },
		);
		Targets::<T>::insert(epoch, target);
		EpochParams::<T>::insert(epoch, PocParams { model: shape, ..PocParams::dev_defaults() });
		TallyStatus::<T>::insert(epoch, TallyProgress::at(TallyStage::Done));
	}
}

impl<T: Config> EpochInfo for Pallet<T> {
	fn current_epoch() -> EpochIndex {
		CurrentEpoch::<T>::get()
	}

	fn tally_ended(epoch: EpochIndex) -> bool {
		match TallyStatus::<T>::get(epoch) {
			Some(progress) => progress.stage == TallyStage::Done,
			// Pruned long after it ended, or not started yet.
			None => epoch.saturating_add(2) < CurrentEpoch::<T>::get(),
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_current_epoch(epoch: EpochIndex) {
		CurrentEpoch::<T>::put(epoch);
	}
}

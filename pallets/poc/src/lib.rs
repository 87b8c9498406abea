//! # pallet-poc
//!
//! Sprint's proof of compute (SPEC.md §2–§4): epochs and their sprint phases, the host registry,
//! validators' secret commitments and hosts' PoW commitments, and difficulty.
//!
//! Each epoch starts with the **generation window** — the Sprint, in which hosts search nonces
//! of the integer transformer PoW — then the **commit window**, in which each host submits one
//! [`Pallet::commit`] `(epoch, root, count)` of its valid leaves' Merkle tree
//! ([`sprint_primitives::merkle`]); nothing else of the sprint goes on chain. Then come the
//! validation window, the answer and check periods, and the tally (SPEC.md §4).
//!
//! At the first block of each epoch the pallet stores the **sprint seed**: the parent hash as
//! seen in that block (a block cannot read its own hash, and `frame_system` forgets block hashes
//! after `BlockHashCount`, so the seed is stored, never looked up later). Grinding it gains
//! nothing: every seed asks the same work of everyone.
//!
//! Registering as a host holds the host bond in pallet-collateral (through [`HostBond`]), so a
//! commitment always has something at stake; a jailed host cannot commit.
//!
//! Everything a client needs is plain storage, readable by @polkadot/api and
//! py-substrate-interface without custom types: [`CurrentEpoch`], [`EpochStart`], [`Seeds`],
//! [`Targets`] (big-endian 256-bit), [`Params`] and [`EpochParams`] (windows, model shape),
//! [`Commitments`].
//!
//! Not yet here (issue #3): running the seat draw at the commit window's close, verdict chunks
//! and openings, challenges, the tally, penalties, the power cap and the difficulty update at the
//! tally. Their pure parts exist: [`sampling`] (sample indices, weighted seat draw) and
//! [`difficulty`] (the target formula).
//!
//! ## Example (from `tests/commit.rs`)
//! ```ignore
//! run_to_phase(Phase::Commit);
//! Poc::commit(RuntimeOrigin::signed(HOST), 0, root, 10)?;
//! ```

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod difficulty;
pub mod phases;
pub mod runtime_api;
pub mod sampling;
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
	frame_support,
	frame_system::{self, pallet_prelude::BlockNumberFor},
	sp_core::H256,
	sp_runtime::traits::{Saturating, UniqueSaturatedInto},
};
use sprint_primitives::{EpochInfo, HostBond, Slasher};

/// Per-host entries of a past epoch deleted per block.
pub const PRUNE_PER_BLOCK: u32 = 500;

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

		/// Knows who is jailed (pallet-collateral).
		type Slasher: Slasher<Self::AccountId>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// The parameters new epochs take (SPEC.md §2–§4), set from genesis.
	#[pallet::storage]
	pub type Params<T: Config> = StorageValue<_, PocParams, OptionQuery>;

	/// Each epoch's parameters, as they were when it started. Epochs are sequential, not
	/// user-chosen: `Twox64Concat`. Pruned after epoch e+2.
	#[pallet::storage]
	pub type EpochParams<T: Config> =
		StorageMap<_, Twox64Concat, EpochIndex, PocParams, OptionQuery>;

	/// The epoch the chain is in.
	#[pallet::storage]
	pub type CurrentEpoch<T: Config> = StorageValue<_, EpochIndex, ValueQuery>;

	/// The first block of the current epoch (`None` before block 1).
	#[pallet::storage]
	pub type EpochStart<T: Config> = StorageValue<_, BlockNumberFor<T>, OptionQuery>;

	/// Each epoch's sprint seed: the parent hash seen by its first block. Pruned after e+2.
	#[pallet::storage]
	pub type Seeds<T: Config> = StorageMap<_, Twox64Concat, EpochIndex, H256, OptionQuery>;

	/// Each epoch's PoW target, a big-endian 256-bit integer: a nonce is valid iff its digest is
	/// below it. Pruned after e+2.
	#[pallet::storage]
	pub type Targets<T: Config> = StorageMap<_, Twox64Concat, EpochIndex, H256, OptionQuery>;

	/// Registered hosts. Keyed by account (user-chosen): `Blake2_128Concat`.
	#[pallet::storage]
	pub type Hosts<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, HostInfo, OptionQuery>;

	/// Validators' secret commitments `H(secret_e)` per epoch (SPEC.md §4: seats and samples).
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

	/// An epoch whose per-host storage is still being deleted, [`PRUNE_PER_BLOCK`] entries per
	/// block, so that pruning after 10,000 hosts never overruns a block.
	#[pallet::storage]
	pub type PruningEpoch<T: Config> = StorageValue<_, EpochIndex, OptionQuery>;

	#[pallet::genesis_config]
	pub struct GenesisConfig<T: Config> {
		/// The parameters (default: SPEC.md §2's production column).
		pub params: PocParams,
		/// Epoch 0's target (big-endian 256-bit; default 2^236 − 1, one nonce in ~2^20 valid).
		pub initial_target: H256,
		/// Genesis validators' secret commitments for epoch 0.
		pub secret_commitments: Vec<(T::AccountId, H256)>,
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
			}
		}
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let params = self.params.clone();
			if let Err(why) = phases::validate(&params) {
				panic!("invalid PoC parameters in the chain spec: {why}");
			}
			assert!(self.initial_target != H256::zero(), "poc.initialTarget must be above zero");
			Params::<T>::put(params);
			Targets::<T>::insert(0, self.initial_target);
			for (validator, commitment) in &self.secret_commitments {
				SecretCommitments::<T>::insert(0, validator, commitment);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Epoch `epoch` started at `block` with sprint seed `seed`.
		EpochStarted { epoch: EpochIndex, block: BlockNumberFor<T>, seed: H256 },
		/// `host` registered (and bonded its host bond).
		HostRegistered { host: T::AccountId },
		/// `host` deregistered (its bond unbonds).
		HostDeregistered { host: T::AccountId },
		/// `validator` committed to its secret for `epoch`.
		SecretCommitted { epoch: EpochIndex, validator: T::AccountId },
		/// `host` committed `count` leaves under `root` for `epoch`.
		Committed { epoch: EpochIndex, host: T::AccountId, root: H256, count: u32 },
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
		/// The metadata is longer than 1,024 bytes.
		MetadataTooLong,
		/// The account is jailed for an offence and cannot commit until its jail ends.
		Jailed,
		/// The commitment names another epoch than the current one. Commit for `CurrentEpoch`.
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
		/// A secret commitment for an epoch that has passed its commit window, or for more than
		/// one epoch ahead. Commit to epoch e's secret during epoch e−1 or e's generation window.
		SecretCommitmentOutOfTime,
		/// The validator already committed to a secret for this epoch.
		SecretAlreadyCommitted,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let db = T::DbWeight::get();
			let epoch_length: BlockNumberFor<T> =
				Params::<T>::get().map_or(u32::MAX, |p| p.epoch_length).into();
			let due = match EpochStart::<T>::get() {
				None => true,
				Some(start) => now.saturating_sub(start) >= epoch_length,
			};
			let pruned = Self::prune_step();
			let pruning = db.reads_writes(1 + pruned, 1 + pruned);
			if !due {
				return db.reads(2).saturating_add(pruning);
			}
			Self::start_epoch(now);
			db.reads_writes(4, 9).saturating_add(pruning)
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers the caller as a host: holds the host bond (`min_host_bond`) from its free
		/// balance in pallet-collateral and records its proof key, proof-server URL and metadata.
		///
		/// Origin: signed. Emits `HostRegistered`. Fails with `AlreadyRegistered`,
		/// `ProofUrlTooLong`, `MetadataTooLong`, or pallet-collateral's `InsufficientBalance`.
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
			let info = HostInfo {
				proof_key,
				proof_url: proof_url.try_into().map_err(|_| Error::<T>::ProofUrlTooLong)?,
				metadata: metadata.try_into().map_err(|_| Error::<T>::MetadataTooLong)?,
				registered_at: CurrentEpoch::<T>::get(),
			};
			T::HostBond::bond_host(&host)?;
			Hosts::<T>::insert(&host, info);
			Self::deposit_event(Event::HostRegistered { host });
			Ok(())
		}

		/// Deregisters the caller; its host bond starts unbonding (pallet-collateral).
		///
		/// Origin: signed, a registered host. Emits `HostDeregistered`. Fails with
		/// `NotRegistered`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::deregister_host())]
		pub fn deregister_host(origin: OriginFor<T>) -> DispatchResult {
			let host = ensure_signed(origin)?;
			ensure!(Hosts::<T>::contains_key(&host), Error::<T>::NotRegistered);
			T::HostBond::unbond_host(&host)?;
			Hosts::<T>::remove(&host);
			Self::deposit_event(Event::HostDeregistered { host });
			Ok(())
		}

		/// Commits the caller to `H(secret_epoch)`, the secret from which its seat samples in
		/// `epoch` are derived. A validator without one is skipped when seats are drawn.
		///
		/// Origin: signed. Allowed during epoch `epoch − 1`, and in epoch `epoch` until its
		/// commit window opens. Emits `SecretCommitted`. Fails with `SecretCommitmentOutOfTime`
		/// or `SecretAlreadyCommitted`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::commit_secret())]
		pub fn commit_secret(
			origin: OriginFor<T>,
			epoch: EpochIndex,
			commitment: H256,
		) -> DispatchResult {
			let validator = ensure_signed(origin)?;
			let current = CurrentEpoch::<T>::get();
			let in_time = epoch == current.saturating_add(1)
				|| (epoch == current && Self::current_phase() == Some(Phase::Generation));
			ensure!(in_time, Error::<T>::SecretCommitmentOutOfTime);
			ensure!(
				!SecretCommitments::<T>::contains_key(epoch, &validator),
				Error::<T>::SecretAlreadyCommitted
			);
			SecretCommitments::<T>::insert(epoch, &validator, commitment);
			Self::deposit_event(Event::SecretCommitted { epoch, validator });
			Ok(())
		}

		/// Commits the caller's sprint: the committed root (count bound in, SPEC.md §4) of its
		/// `count` valid leaves for `epoch`.
		///
		/// Origin: signed, a registered host that is not jailed. Only in the current epoch's
		/// commit window, once per epoch, with `1 ≤ count ≤ max_count`. Emits `Committed`.
		/// Fails with `NotRegistered`, `Jailed`, `WrongEpoch`, `CommitOutsideWindow`,
		/// `CountZero`, `CountAboveMax` or `AlreadyCommitted`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::commit())]
		pub fn commit(
			origin: OriginFor<T>,
			epoch: EpochIndex,
			root: H256,
			count: u32,
		) -> DispatchResult {
			let host = ensure_signed(origin)?;
			ensure!(Hosts::<T>::contains_key(&host), Error::<T>::NotRegistered);
			ensure!(!T::Slasher::is_jailed(&host), Error::<T>::Jailed);
			ensure!(epoch == CurrentEpoch::<T>::get(), Error::<T>::WrongEpoch);
			ensure!(Self::current_phase() == Some(Phase::Commit), Error::<T>::CommitOutsideWindow);
			ensure!(count > 0, Error::<T>::CountZero);
			let max_count = EpochParams::<T>::get(epoch).map_or(0, |p| p.max_count);
			ensure!(count <= max_count, Error::<T>::CountAboveMax);
			ensure!(!Commitments::<T>::contains_key(epoch, &host), Error::<T>::AlreadyCommitted);
			Commitments::<T>::insert(epoch, &host, Commitment { root, count });
			CommitmentCount::<T>::mutate(epoch, |n| *n = n.saturating_add(1));
			Self::deposit_event(Event::Committed { epoch, host, root, count });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
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

		/// Starts the next epoch at block `now` (the first epoch, 0, at the first block).
		fn start_epoch(now: BlockNumberFor<T>) {
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
			// Until the tally adjusts it (SPEC.md §3), a new epoch keeps the last target.
			if !Targets::<T>::contains_key(epoch) {
				if let Some(previous) = epoch.checked_sub(1).and_then(Targets::<T>::get) {
					Targets::<T>::insert(epoch, previous);
				}
			}
			if let Some(old) = epoch.checked_sub(3) {
				Self::prune(old);
			}
			Self::deposit_event(Event::EpochStarted { epoch, block: now, seed });
		}

		/// Drops epoch `old`'s per-epoch storage (SPEC.md §2: kept until after e+2): its single
		/// values now, its per-host maps over the next blocks ([`Self::prune_step`]).
		fn prune(old: EpochIndex) {
			EpochParams::<T>::remove(old);
			Seeds::<T>::remove(old);
			Targets::<T>::remove(old);
			CommitmentCount::<T>::remove(old);
			PruningEpoch::<T>::put(old);
		}

		/// Deletes up to [`PRUNE_PER_BLOCK`] per-host entries of the epoch being pruned; returns
		/// how many it deleted.
		pub(crate) fn prune_step() -> u64 {
			let Some(old) = PruningEpoch::<T>::get() else { return 0 };
			let commitments = Commitments::<T>::clear_prefix(old, PRUNE_PER_BLOCK, None);
			let mut removed = commitments.backend;
			if commitments.maybe_cursor.is_none() {
				let left = PRUNE_PER_BLOCK.saturating_sub(commitments.backend);
				let secrets = SecretCommitments::<T>::clear_prefix(old, left.max(1), None);
				removed = removed.saturating_add(secrets.backend);
				if secrets.maybe_cursor.is_none() {
					PruningEpoch::<T>::kill();
				}
			}
			u64::from(removed)
		}
	}
}

impl<T: Config> EpochInfo for Pallet<T> {
	fn current_epoch() -> EpochIndex {
		CurrentEpoch::<T>::get()
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_current_epoch(epoch: EpochIndex) {
		CurrentEpoch::<T>::put(epoch);
	}
}

//! What the inference audit (pallet-audit) reads of the validators (docs/protocol.md §7): the
//! epoch's stage, revealed secrets, and each validator's power — its weight in the epoch's seat
//! draw, over validators with a committed secret.
//!
//! The pool and its total are fixed when the epoch's seat draw starts — when its audits open
//! ([`AuditPool`], [`AuditPower`]) — and so is each validator's power (docs/protocol.md §7,
//! revision 4, attack 8): its accepted weight of the previous epoch (the pool's weight for it)
//! if it was eligible then (a committed secret, not jailed, bonded: its bit in
//! [`AuditEligible`], at its [`PoolIndex`]), read in O(1). Unbonding, a jail or a new bond later
//! change nothing, so audits and missed-audit reports are judged against the same snapshot, and
//! nobody escapes a report by deregistering. When the genesis validators stand in, every member
//! of the (small) pool has power 1.

use alloc::vec::Vec;
use sprint_primitives::{AuditValidators, EpochStage};

use crate::*;

impl<T: Config> AuditValidators<T::AccountId> for Pallet<T> {
	fn stage() -> (EpochIndex, EpochStage) {
		let stage = match Self::current_phase() {
			None | Some(Phase::Generation) => EpochStage::Generation,
			Some(Phase::Commit) => EpochStage::Commit,
			Some(Phase::Validation) => EpochStage::Validation,
			Some(Phase::Answer) => EpochStage::Answer,
			Some(Phase::Check) => EpochStage::Check,
			Some(Phase::Tally) => EpochStage::Tally,
		};
		(CurrentEpoch::<T>::get(), stage)
	}

	fn revealed_secret(epoch: EpochIndex, who: &T::AccountId) -> Option<[u8; 32]> {
		RevealedSecrets::<T>::get(epoch, who).map(|s| s.0)
	}

	fn power(epoch: EpochIndex, who: &T::AccountId) -> u128 {
		let Some((_, stand_ins)) = AuditPower::<T>::get(epoch) else { return 0 };
		if stand_ins {
			return AuditPool::<T>::get(epoch)
				.iter()
				.find(|(v, _)| v == who)
				.map_or(0, |(_, w)| *w);
		}
		let eligible = match AuditEligible::<T>::get(epoch) {
			Some(bits) => PoolIndex::<T>::get(epoch, who).is_some_and(|index| {
				bits.get(index as usize / 8).is_some_and(|b| b & (1 << (index % 8)) != 0)
			}),
			// A pool credited before the snapshot existed (one epoch after the upgrade).
			None => {
				SecretCommitments::<T>::contains_key(epoch, who)
					&& !T::Slasher::is_jailed(who)
					&& T::HostBond::has_bond(who)
			}
		};
		if !eligible {
			return 0;
		}
		epoch
			.checked_sub(1)
			.and_then(|previous| AcceptedWeights::<T>::get(previous, who))
			.unwrap_or(0)
	}

	fn total_power(epoch: EpochIndex) -> u128 {
		AuditPower::<T>::get(epoch).map_or(0, |(total, _)| total)
	}

	fn pool(epoch: EpochIndex) -> Vec<(T::AccountId, u128)> {
		AuditPool::<T>::get(epoch).into_inner()
	}

	fn reveal_digest(epoch: EpochIndex) -> Option<[u8; 32]> {
		RevealDigest::<T>::get(epoch).map(|digest| digest.0)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_validators(
		epoch: EpochIndex,
		stage: EpochStage,
		pool: Vec<(T::AccountId, u128)>,
		secret: [u8; 32],
	) {
		use polkadot_sdk::{frame_support::BoundedVec, sp_io::hashing::blake2_256};
		CurrentEpoch::<T>::put(epoch);
		let params = EpochParams::<T>::get(epoch)
			.or_else(Params::<T>::get)
			.expect("benchmarks run on a chain with PoC parameters; qed");
		EpochParams::<T>::insert(epoch, params.clone());
		let windows = [
			params.generation_window,
			params.commit_window,
			params.validation_window,
			params.answer_period,
			params.check_period,
		];
		let before = match stage {
			EpochStage::Generation => 0,
			EpochStage::Commit => 1,
			EpochStage::Validation => 2,
			EpochStage::Answer => 3,
			EpochStage::Check => 4,
			EpochStage::Tally => 5,
		};
		let offset: u32 = windows[..before].iter().sum();
		let now = frame_system::Pallet::<T>::block_number();
		let now = now.max(BlockNumberFor::<T>::from(offset.saturating_add(1)));
		frame_system::Pallet::<T>::set_block_number(now);
		EpochStart::<T>::put(now.saturating_sub(BlockNumberFor::<T>::from(offset)));
		for (validator, _) in &pool {
			SecretCommitments::<T>::insert(epoch, validator, H256(blake2_256(&secret)));
			RevealedSecrets::<T>::insert(epoch, validator, H256(secret));
		}
		let total = pool.iter().fold(0u128, |sum, (_, w)| sum.saturating_add(*w));
		AuditPower::<T>::insert(epoch, (total, true));
		let bounded: BoundedVec<_, T::MaxParticipants> =
			pool.try_into().expect("benchmarks stay within MaxParticipants; qed");
		AuditPool::<T>::insert(epoch, bounded);
	}
}

//! Voting power for governance (docs/protocol.md §8): an account's accepted weight ŵ in the
//! referendum's snapshot epoch — the latest tallied epoch that accepted anyone when the
//! referendum was submitted. One epoch for every voter and for the total, so weight moved to a
//! fresh account afterwards counts nowhere and support can never exceed 100%. Before any epoch
//! accepted anyone, the chain spec's genesis voters (or else the genesis validators) vote with
//! power 1 each, so governance works from the first block. Accepted weights are kept [`Config::KeepWeights`] epochs for this.

use sprint_primitives::VotingPower;

use crate::*;

/// Who votes before any epoch accepted a host: the chain spec's genesis voters, or else the
/// genesis validators.
fn genesis_voters<T: Config>() -> alloc::vec::Vec<T::AccountId> {
	let voters = GenesisVoters::<T>::get();
	if voters.is_empty() {
		GenesisValidators::<T>::get().into_inner()
	} else {
		voters.into_inner()
	}
}

impl<T: Config> VotingPower<T::AccountId> for Pallet<T> {
	fn snapshot() -> Option<EpochIndex> {
		LastAccepted::<T>::get()
	}

	fn power(snapshot: Option<EpochIndex>, who: &T::AccountId) -> u128 {
		match snapshot {
			Some(epoch) => AcceptedWeights::<T>::get(epoch, who).unwrap_or(0),
			None => u128::from(genesis_voters::<T>().contains(who)),
		}
	}

	fn total(snapshot: Option<EpochIndex>) -> u128 {
		match snapshot {
			Some(epoch) => AcceptedPower::<T>::get(epoch).unwrap_or(0),
			None => genesis_voters::<T>().len() as u128,
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_power(epoch: EpochIndex, who: &T::AccountId, power: u128) {
		AcceptedWeights::<T>::insert(epoch, who, power);
		AcceptedPower::<T>::mutate(epoch, |total| {
			*total = Some(total.unwrap_or(0).saturating_add(power));
		});
		LastAccepted::<T>::put(epoch);
	}
}

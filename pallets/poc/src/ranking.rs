//! Caps shared by weight, never by arrival (docs/protocol.md §4 "Participants, bonds and genesis
//! secrets"): each epoch's participants and secret committers are also kept in a binary min-heap
//! in storage, keyed by weight (a participant's committed count, a secret committer's last
//! accepted weight) and ordered by `(weight, slot)`. Once a cap is full, a newcomer heavier than
//! the heap's root takes the root's slot: the root is read in O(1) and the heap restored in
//! `⌈log2 cap⌉` levels of two reads and one write — bounded work per call, whatever the cap.

use crate::*;

/// Where a ranking heap lives in storage.
pub(crate) trait RankStore {
	fn get(epoch: EpochIndex, position: u32) -> Option<Rank>;
	fn put(epoch: EpochIndex, position: u32, rank: Rank);
}

/// The participants' heap ([`ParticipantRanks`]).
pub(crate) struct ByCount<T>(core::marker::PhantomData<T>);
impl<T: Config> RankStore for ByCount<T> {
	fn get(epoch: EpochIndex, position: u32) -> Option<Rank> {
		ParticipantRanks::<T>::get(epoch, position)
	}
	fn put(epoch: EpochIndex, position: u32, rank: Rank) {
		ParticipantRanks::<T>::insert(epoch, position, rank)
	}
}

/// The secret committers' heap ([`SecretCommitterRanks`]).
pub(crate) struct ByAcceptedWeight<T>(core::marker::PhantomData<T>);
impl<T: Config> RankStore for ByAcceptedWeight<T> {
	fn get(epoch: EpochIndex, position: u32) -> Option<Rank> {
		SecretCommitterRanks::<T>::get(epoch, position)
	}
	fn put(epoch: EpochIndex, position: u32, rank: Rank) {
		SecretCommitterRanks::<T>::insert(epoch, position, rank)
	}
}

/// The lightest entry of a heap.
pub(crate) fn lightest<S: RankStore>(epoch: EpochIndex) -> Option<Rank> {
	S::get(epoch, 0)
}

/// Adds `rank` to a heap of `len` entries (it becomes entry `len`) and sifts it up.
pub(crate) fn push<S: RankStore>(epoch: EpochIndex, len: u32, rank: Rank) {
	let mut position = len;
	while position > 0 {
		let parent = (position - 1) / 2;
		match S::get(epoch, parent) {
			Some(above) if above > rank => {
				S::put(epoch, position, above);
				position = parent;
			}
			_ => break,
		}
	}
	S::put(epoch, position, rank);
}

/// Replaces the lightest entry of a heap of `len` entries with `rank` and sifts it down.
pub(crate) fn replace_lightest<S: RankStore>(epoch: EpochIndex, len: u32, rank: Rank) {
	let mut position = 0u32;
	loop {
		let left = position.saturating_mul(2).saturating_add(1);
		if left >= len {
			break;
		}
		let right = left.saturating_add(1);
		let (Some(l), r) = (S::get(epoch, left), S::get(epoch, right).filter(|_| right < len))
		else {
			break;
		};
		let (child, below) = match r {
			Some(r) if r < l => (right, r),
			_ => (left, l),
		};
		if below >= rank {
			break;
		}
		S::put(epoch, position, below);
		position = child;
	}
	S::put(epoch, position, rank);
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::{cell::RefCell, collections::BTreeMap};

	std::thread_local! {
		static HEAP: RefCell<BTreeMap<u32, Rank>> = const { RefCell::new(BTreeMap::new()) };
	}
	struct Memory;
	impl RankStore for Memory {
		fn get(_: EpochIndex, position: u32) -> Option<Rank> {
			HEAP.with(|h| h.borrow().get(&position).copied())
		}
		fn put(_: EpochIndex, position: u32, rank: Rank) {
			HEAP.with(|h| h.borrow_mut().insert(position, rank));
		}
	}

	fn rank(weight: u128, slot: u32) -> Rank {
		Rank { weight, slot }
	}

	#[test]
	fn the_root_is_always_the_lightest_through_pushes_and_replacements() {
		HEAP.with(|h| h.borrow_mut().clear());
		// A fixed pseudo-random sequence (no dependency needed for a test's weights).
		let mut x = 0x2545_f491_u64;
		let mut next = || {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			u128::from(x % 1_000)
		};
		let cap = 37u32;
		let mut model: Vec<Rank> = Vec::new();
		for slot in 0..cap {
			let r = rank(next(), slot);
			push::<Memory>(0, slot, r);
			model.push(r);
			assert_eq!(lightest::<Memory>(0), model.iter().min().copied());
		}
		for _ in 0..500 {
			let root = lightest::<Memory>(0).expect("full");
			let weight = next();
			if weight <= root.weight {
				continue;
			}
			let newcomer = rank(weight, root.slot);
			replace_lightest::<Memory>(0, cap, newcomer);
			let at = model.iter().position(|r| *r == root).expect("in the model");
			model[at] = newcomer;
			assert_eq!(lightest::<Memory>(0), model.iter().min().copied());
		}
		let mut stored: Vec<Rank> = (0..cap).filter_map(|p| Memory::get(0, p)).collect();
		stored.sort();
		model.sort();
		assert_eq!(stored, model, "no entry lost or duplicated");
	}
}

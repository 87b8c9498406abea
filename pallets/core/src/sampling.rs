//! Seats and samples (docs/protocol.md §4), as pure functions the runtime and the worker compute
//! alike.
//!
//! - [`sample_indices`]: the validator in seat `j` of participant `P` opens
//!   `index_{j,t} = H(secret_e ‖ P ‖ root ‖ count ‖ j ‖ t) mod count`, `t = 0..samples`. The host
//!   cannot know them before it commits; the runtime recomputes them from the revealed secret.
//! - [`draw_seats`]: `k` distinct seats for one participant, by weight, never the participant,
//!   from `blake2(randomness ‖ participant ‖ draw)`. Prefix sums are built once per epoch
//!   ([`SeatPool::new`], O(N)); each draw is a binary search (O(log N)), so drawing `k_v` seats
//!   for N participants is O(N · k_v · log N), not O(N²).
//!
//! `H` is blake2-256 over the SCALE encoding of the tuple (fixed-width little-endian integers,
//! raw 32-byte hashes and account ids); the first 8 bytes of the hash, little-endian, are the
//! random number (its modulo bias, below count/2^64, is negligible for count ≤ 2^32).

use alloc::vec::Vec;
use codec::Encode;
use polkadot_sdk::sp_crypto_hashing::blake2_256;
use primitive_types::H256;

fn random_u64(data: impl Encode) -> u64 {
	let hash = data.using_encoded(blake2_256);
	let mut first = [0u8; 8];
	first.copy_from_slice(&hash[..8]);
	u64::from_le_bytes(first)
}

/// The `samples` leaf indices seat `seat` of `participant` opens in a tree of `count` leaves.
pub fn sample_indices<AccountId: Encode>(
	secret: &H256,
	participant: &AccountId,
	root: &H256,
	count: u32,
	seat: u32,
	samples: u32,
) -> Vec<u32> {
	if count == 0 {
		return Vec::new();
	}
	(0..samples)
		.map(|t| {
			(random_u64((secret, participant, root, count, seat, t)) % u64::from(count)) as u32
		})
		.collect()
}

/// The candidates for seats in one epoch, with cumulative weights for O(log N) draws.
pub struct SeatPool<AccountId> {
	candidates: Vec<AccountId>,
	/// `cumulative[i]` = Σ weights of candidates `0..=i`.
	cumulative: Vec<u128>,
}

impl<AccountId: Clone + PartialEq + Encode> SeatPool<AccountId> {
	/// A pool of `(candidate, weight)`; zero weights are dropped.
	pub fn new(weighted: Vec<(AccountId, u128)>) -> Self {
		let mut candidates = Vec::with_capacity(weighted.len());
		let mut cumulative = Vec::with_capacity(weighted.len());
		let mut total = 0u128;
		for (who, weight) in weighted.into_iter().filter(|(_, w)| *w > 0) {
			total = total.saturating_add(weight);
			candidates.push(who);
			cumulative.push(total);
		}
		Self { candidates, cumulative }
	}

	/// How many candidates can sit.
	pub fn len(&self) -> usize {
		self.candidates.len()
	}

	/// Whether nobody can sit.
	pub fn is_empty(&self) -> bool {
		self.candidates.is_empty()
	}

	fn total(&self) -> u128 {
		self.cumulative.last().copied().unwrap_or(0)
	}

	/// The candidate whose weight interval holds `point` (< total).
	fn at(&self, point: u128) -> &AccountId {
		let index = self.cumulative.partition_point(|&c| c <= point);
		&self.candidates[index.min(self.candidates.len() - 1)]
	}
}

/// Draws up to `k` distinct seats for `participant` from `pool`, by weight, never the
/// participant itself. Fewer than `k` only when fewer eligible candidates exist. Deterministic in
/// `(randomness, participant)`; retries on a repeat are bounded (`64 · k` draws), after which
/// the remaining seats are filled in pool order so the result never depends on luck.
pub fn draw_seats<AccountId: Clone + PartialEq + Encode>(
	randomness: &H256,
	participant: &AccountId,
	pool: &SeatPool<AccountId>,
	k: u32,
) -> Vec<AccountId> {
	let eligible = pool.candidates.iter().filter(|c| *c != participant).count();
	let wanted = (k as usize).min(eligible);
	let mut seats: Vec<AccountId> = Vec::with_capacity(wanted);
	let total = pool.total();
	let mut draw = 0u32;
	while seats.len() < wanted && draw < 64 * k.max(1) {
		let point = u128::from(random_u64((randomness, participant, draw))) % total.max(1);
		let who = pool.at(point);
		if who != participant && !seats.contains(who) {
			seats.push(who.clone());
		}
		draw += 1;
	}
	for who in &pool.candidates {
		if seats.len() >= wanted {
			break;
		}
		if who != participant && !seats.contains(who) {
			seats.push(who.clone());
		}
	}
	seats
}

#[cfg(test)]
mod tests {
	use super::*;

	const SECRET: H256 = H256::repeat_byte(1);
	const ROOT: H256 = H256::repeat_byte(2);

	#[test]
	fn sample_indices_are_in_range_and_follow_from_the_secret() {
		let a = sample_indices(&SECRET, &7u64, &ROOT, 1_000, 0, 32);
		assert_eq!(a.len(), 32);
		assert!(a.iter().all(|&i| i < 1_000));
		assert_eq!(a, sample_indices(&SECRET, &7u64, &ROOT, 1_000, 0, 32), "deterministic");
		assert_ne!(
			a,
			sample_indices(&H256::repeat_byte(9), &7u64, &ROOT, 1_000, 0, 32),
			"another secret"
		);
		assert_ne!(a, sample_indices(&SECRET, &7u64, &ROOT, 1_000, 1, 32), "another seat");
		assert_ne!(a, sample_indices(&SECRET, &8u64, &ROOT, 1_000, 0, 32), "another participant");
		assert!(sample_indices(&SECRET, &7u64, &ROOT, 0, 0, 32).is_empty());
	}

	#[test]
	fn seats_are_distinct_never_the_participant_and_at_most_k() {
		let pool = SeatPool::new((0u64..20).map(|v| (v, 1 + v as u128)).collect());
		for participant in 0u64..20 {
			let seats = draw_seats(&SECRET, &participant, &pool, 8);
			assert_eq!(seats.len(), 8);
			assert!(!seats.contains(&participant));
			let mut unique = seats.clone();
			unique.sort();
			unique.dedup();
			assert_eq!(unique.len(), 8);
		}
	}

	#[test]
	fn with_few_eligible_validators_every_one_sits() {
		let pool = SeatPool::new(vec![(1u64, 5), (2, 1), (3, 0)]);
		assert_eq!(pool.len(), 2, "zero weight cannot sit");
		let mut seats = draw_seats(&SECRET, &9u64, &pool, 8);
		seats.sort();
		assert_eq!(seats, vec![1, 2]);
		assert_eq!(draw_seats(&SECRET, &1u64, &pool, 8), vec![2]);
	}

	#[test]
	fn heavier_validators_sit_more_often() {
		let pool = SeatPool::new(vec![(1u64, 1), (2, 1), (3, 1), (4, 97)]);
		let heavy = (100u64..1_100)
			.filter(|p| draw_seats(&H256::from_low_u64_be(*p), p, &pool, 1) == vec![4])
			.count();
		assert!(heavy > 900, "weight 97 of 100 sat {heavy} times in 1,000 draws");
	}
}

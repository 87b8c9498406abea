//! The inference market's signed messages (docs/protocol.md §7), shared by pallet-inference (which
//! checks and settles them) and the worker (which signs and serves them), so both encode and hash
//! them exactly alike.
//!
//! - A **ticket** is what a transfer agent signs with the requester's API key before an executor
//!   runs a request: who runs it, which model, the request's hash, `max_tokens`, the sampling
//!   parameters and seed, the price per token, a nonce, the epoch and an expiry block. The key
//!   signs [`Ticket::signing_payload`].
//! - A **receipt** is the ticket and its signature, the prompt and completion token counts and the
//!   output commitment (blake2-256 of the output tokens and each position's integer top-5
//!   log-probabilities), signed by the executor ([`Receipt::executor_payload`]).
//! - A settled **batch** of receipts is stored as one Merkle root ([`batch_root`]) over the
//!   receipts' ids in the order settled (the commitment tree of [`crate::merkle`], the receipt's
//!   index in the batch standing for the nonce), so that an auditor proves a receipt's place
//!   with a path instead of the chain storing every receipt.
//!
//! Every signed payload starts with its own domain tag, so a signature over one kind of message
//! can never pass for another.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::sp_crypto_hashing::blake2_256;
use scale_info::TypeInfo;

use crate::{
	merkle::{Hash32, Tree},
	EpochIndex,
};

/// A registered model's number.
pub type ModelId = u32;

/// An sr25519 public key (an API key, an executor's signing key).
pub type PublicKey = [u8; 32];

/// An sr25519 signature.
pub type SignatureBytes = [u8; 64];

const TICKET_TAG: &[u8] = b"sprint/ticket";
const RECEIPT_TAG: &[u8] = b"sprint/receipt";
const API_KEY_TAG: &[u8] = b"sprint/api-key";
const PAYLOAD_TAG: &[u8] = b"sprint/payload";
const ACCEPT_TAG: &[u8] = b"sprint/accept";
const AUDIT_DRAW_TAG: &[u8] = b"sprint/audit";
const RERUN_TAG: &[u8] = b"sprint/rerun";
const JURY_TAG: &[u8] = b"sprint/jury";

/// What an API key signs to show that it belongs to the account registering it: SCALE of
/// (`"sprint/api-key"`, the account, the chain's genesis hash as bytes).
pub fn key_ownership_payload<AccountId: Encode>(owner: &AccountId, genesis: &[u8]) -> Vec<u8> {
	(API_KEY_TAG, owner, genesis).encode()
}

/// The sampling parameters a ticket fixes, so that an audit replays the sampler exactly.
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
pub struct Sampling {
	/// Temperature × 1,000 (0 = greedy; at most 2,000).
	pub temperature_milli: u32,
	/// `top_p` × 1,000 (1..=1,000).
	pub top_p_milli: u32,
	/// The seed of the counter-based random stream.
	pub seed: u64,
}

/// A request's ticket, signed by the requester's API key (docs/protocol.md §7).
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Ticket<AccountId, Balance> {
	/// The chain's genesis hash: a ticket for another chain never settles here.
	pub genesis: Hash32,
	/// The API key that signed it.
	pub key: PublicKey,
	/// The host that runs it.
	pub executor: AccountId,
	/// The model.
	pub model: ModelId,
	/// blake2-256 of the request as the executor received it (messages or prompt).
	pub request_hash: Hash32,
	/// The most completion tokens.
	pub max_tokens: u32,
	/// Sampling parameters and seed.
	pub sampling: Sampling,
	/// Price per token (prompt and completion alike), at most the key's price cap.
	pub price: Balance,
	/// Unique per key among the tickets of its epoch.
	pub nonce: u64,
	/// The epoch it was issued in.
	pub epoch: EpochIndex,
	/// The last block at which the executor may start it.
	pub expiry: u32,
}

impl<AccountId: Encode, Balance: Encode> Ticket<AccountId, Balance> {
	/// What the API key signs.
	pub fn signing_payload(&self) -> Vec<u8> {
		(TICKET_TAG, self).encode()
	}

	/// The ticket's hash.
	pub fn hash(&self) -> Hash32 {
		blake2_256(&self.encode())
	}
}

/// What an executor settles: the ticket, its signature and the answer's counts and commitment,
/// signed by the executor.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Receipt<AccountId, Balance> {
	/// The ticket.
	pub ticket: Ticket<AccountId, Balance>,
	/// The API key's signature over [`Ticket::signing_payload`].
	pub ticket_signature: SignatureBytes,
	/// Prompt tokens processed.
	pub prompt_tokens: u32,
	/// Completion tokens generated.
	pub completion_tokens: u32,
	/// blake2-256 of the output tokens and each position's integer top-5 log-probabilities.
	pub output_commitment: Hash32,
	/// The executor's signature over [`Receipt::executor_payload`].
	pub executor_signature: SignatureBytes,
}

impl<AccountId: Encode, Balance: Encode> Receipt<AccountId, Balance> {
	/// What the executor signs: the ticket's hash, the counts and the commitment.
	pub fn executor_payload(&self) -> Vec<u8> {
		(
			RECEIPT_TAG,
			self.ticket.hash(),
			self.prompt_tokens,
			self.completion_tokens,
			self.output_commitment,
		)
			.encode()
	}

	/// The receipt's id: blake2-256 of its encoding (its leaf in the batch tree).
	pub fn id(&self) -> Hash32 {
		blake2_256(&self.encode())
	}

	/// Tokens charged: prompt plus completion.
	pub fn tokens(&self) -> u64 {
		u64::from(self.prompt_tokens) + u64::from(self.completion_tokens)
	}
}

/// The Merkle root of a batch: the commitment tree over `(index, id)` of each receipt in order.
pub fn batch_root(ids: &[Hash32]) -> Hash32 {
	let leaves: Vec<(u64, Hash32)> =
		ids.iter().enumerate().map(|(i, id)| (i as u64, *id)).collect();
	Tree::new(&leaves).root()
}

/// The sibling path of receipt `index` in its batch, for [`crate::merkle::verify_leaf`] with
/// `nonce = index` and `digest = id`.
pub fn batch_path(ids: &[Hash32], index: u32) -> Vec<Hash32> {
	let leaves: Vec<(u64, Hash32)> =
		ids.iter().enumerate().map(|(i, id)| (i as u64, *id)).collect();
	Tree::new(&leaves).path(index)
}

/// What an executor signs when it accepts a ticket, before running it: SCALE of
/// (`"sprint/accept"`, the ticket's hash). The transfer agent keeps it: an accepted ticket with
/// no settled receipt counts as missed (docs/protocol.md §7, inference downtime).
pub fn acceptance_payload(ticket_hash: &Hash32) -> Vec<u8> {
	(ACCEPT_TAG, ticket_hash).encode()
}

/// What an executor signs when it serves a receipt's payload (prompt and output) to an auditor:
/// SCALE of (`"sprint/payload"`, the receipt's id, blake2-256 of the payload bytes). A `Fail`
/// carries this signature, so the chain knows the executor served exactly that payload.
pub fn payload_statement(receipt_id: &Hash32, payload_hash: &Hash32) -> Vec<u8> {
	(PAYLOAD_TAG, receipt_id, payload_hash).encode()
}

/// Parts per billion: the unit of every audit probability.
pub const PPB: u64 = 1_000_000_000;

/// Settled receipts of at least [`AUDIT_MIN_TOKENS`] tokens in an epoch at and above which the
/// minimum audit rate is 1% (docs/protocol.md §7).
pub const BUSY_TRAFFIC: u64 = 10_000;
/// Settled receipts in an epoch at and below which every receipt is audited.
pub const QUIET_TRAFFIC: u64 = 100;
/// The fewest tokens for a receipt to count as traffic.
pub const AUDIT_MIN_TOKENS: u64 = 16;
/// Epochs without an invalidation or a miss after which an executor's reputation is full.
pub const REPUTATION_EPOCHS: u32 = 30;

/// The minimum average audit rate for an epoch's traffic, in ppb: 100% at or below
/// [`QUIET_TRAFFIC`] receipts, 1% at or above [`BUSY_TRAFFIC`], linear between.
pub fn min_average_ppb(traffic: u64) -> u64 {
	let floor = PPB / 100;
	if traffic <= QUIET_TRAFFIC {
		return PPB;
	}
	if traffic >= BUSY_TRAFFIC {
		return floor;
	}
	let span = BUSY_TRAFFIC - QUIET_TRAFFIC;
	PPB - (PPB - floor) * (traffic - QUIET_TRAFFIC) / span
}

/// An executor's reputation in ppb after `clean_epochs` epochs without an invalidation or a
/// miss: from 0 to 1 over [`REPUTATION_EPOCHS`].
pub fn reputation_ppb(clean_epochs: u32) -> u64 {
	u64::from(clean_epochs.min(REPUTATION_EPOCHS)) * PPB / u64::from(REPUTATION_EPOCHS)
}

/// The audit target for a receipt, in ppb: `minAvg + (1 − minAvg)(1 − reputation)`.
pub fn audit_target_ppb(min_average: u64, reputation: u64) -> u64 {
	let min_average = min_average.min(PPB);
	let distrust = PPB - reputation.min(PPB);
	min_average + (PPB - min_average) * distrust / PPB
}

/// The probability, in ppb, that a validator of power `p_v` audits a receipt whose executor has
/// power `p_exec`, out of a total `p_total` over validators with a committed secret:
/// `min(1, target · P_V / (P_total − P_exec))`; zero for a validator without power, or when
/// nobody but the executor holds any.
pub fn audit_probability_ppb(target: u64, p_v: u128, p_total: u128, p_exec: u128) -> u64 {
	let others = p_total.saturating_sub(p_exec);
	if p_v == 0 || others == 0 {
		return 0;
	}
	// target ≤ 2^30: scale both powers below 2^96 so the product fits.
	let shift = (128 - others.max(p_v).leading_zeros()).saturating_sub(96);
	let (p_v, others) = (p_v >> shift, (others >> shift).max(1));
	let p = u128::from(target.min(PPB)) * p_v / others;
	p.min(u128::from(PPB)) as u64
}

/// The draw `H("sprint/audit" ‖ secret ‖ receipt id)`, its first 8 bytes as a little-endian
/// fraction of 2^64.
pub fn audit_draw(secret: &Hash32, receipt_id: &Hash32) -> u64 {
	let h = blake2_256(&(AUDIT_DRAW_TAG, secret, receipt_id).encode());
	u64::from_le_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]])
}

/// Whether a draw falls under a probability in ppb.
pub fn draw_hits(draw: u64, probability_ppb: u64) -> bool {
	if probability_ppb >= PPB {
		return true;
	}
	// draw / 2^64 < p / 10^9, without division.
	u128::from(draw) * u128::from(PPB) < u128::from(probability_ppb) << 64
}

/// The randomness every jury of an auditing epoch is drawn from (docs/protocol.md §7), fixed
/// when its answer period opens — after claims close: the parent hash of the answer period's
/// first block and the running digest of every secret revealed by then. The claimant cannot
/// foresee its jury; biasing it takes the last revealer and that block's author at once.
pub fn jury_randomness(parent_hash: &Hash32, reveal_digest: &Hash32) -> Hash32 {
	blake2_256(&(JURY_TAG, parent_hash, reveal_digest).encode())
}

/// The seed of receipt `receipt_id`'s jury, from its epoch's [`jury_randomness`].
pub fn jury_seed(randomness: &Hash32, receipt_id: &Hash32) -> Hash32 {
	blake2_256(&(RERUN_TAG, randomness, receipt_id).encode())
}

/// Draws up to `n` distinct entries of `pool` (each with a weight above zero) by weight, without
/// replacement, from `randomness`; returns their indices in draw order.
pub fn draw_by_weight(pool: &[u128], n: usize, randomness: &Hash32) -> Vec<usize> {
	let mut taken: Vec<usize> = Vec::with_capacity(n);
	let mut remaining: u128 = pool.iter().fold(0u128, |s, w| s.saturating_add(*w));
	for round in 0..n as u32 {
		if remaining == 0 {
			break;
		}
		let h = blake2_256(&(randomness, round).encode());
		let mut r = u128::from_le_bytes(h[..16].try_into().unwrap_or([0; 16])) % remaining;
		let Some(pick) = pool.iter().enumerate().position(|(i, w)| {
			if *w == 0 || taken.contains(&i) {
				return false;
			}
			if r < *w {
				true
			} else {
				r -= *w;
				false
			}
		}) else {
			break;
		};
		remaining = remaining.saturating_sub(pool[pick]);
		taken.push(pick);
	}
	taken
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::merkle::verify_leaf;

	fn receipt(nonce: u64) -> Receipt<u64, u128> {
		Receipt {
			ticket: Ticket {
				genesis: [1; 32],
				key: [2; 32],
				executor: 7,
				model: 0,
				request_hash: [3; 32],
				max_tokens: 64,
				sampling: Sampling { temperature_milli: 700, top_p_milli: 1_000, seed: 42 },
				price: 10,
				nonce,
				epoch: 3,
				expiry: 100,
			},
			ticket_signature: [4; 64],
			prompt_tokens: 12,
			completion_tokens: 30,
			output_commitment: [5; 32],
			executor_signature: [6; 64],
		}
	}

	#[test]
	fn every_receipt_of_a_batch_proves_its_place_under_the_batch_root() {
		for n in [1u64, 2, 3, 5, 8, 13] {
			let ids: Vec<Hash32> = (0..n).map(|i| receipt(i).id()).collect();
			let root = batch_root(&ids);
			for (i, id) in ids.iter().enumerate() {
				let path = batch_path(&ids, i as u32);
				assert!(verify_leaf(&root, n as u32, i as u32, i as u64, id, &path));
				assert!(!verify_leaf(&root, n as u32, i as u32, i as u64 + 1, id, &path));
			}
		}
	}

	#[test]
	fn ticket_and_receipt_payloads_are_domain_separated() {
		let r = receipt(1);
		assert_ne!(r.ticket.signing_payload(), r.executor_payload());
		assert!(r.ticket.signing_payload().starts_with(&(TICKET_TAG).encode()));
		assert_eq!(r.tokens(), 42);
		let mut other = r.clone();
		other.completion_tokens += 1;
		assert_ne!(r.executor_payload(), other.executor_payload());
		assert_ne!(r.id(), other.id());
	}

	#[test]
	fn audit_rates_follow_traffic_reputation_and_power() {
		assert_eq!(min_average_ppb(0), PPB);
		assert_eq!(min_average_ppb(100), PPB);
		assert_eq!(min_average_ppb(10_000), PPB / 100);
		assert_eq!(min_average_ppb(u64::MAX), PPB / 100);
		assert_eq!(min_average_ppb(5_050), PPB - (PPB - PPB / 100) / 2);
		assert_eq!(reputation_ppb(0), 0);
		assert_eq!(reputation_ppb(15), PPB / 2);
		assert_eq!(reputation_ppb(300), PPB);
		// A new executor is audited at 100% whatever the traffic; a trusted one at minAvg.
		assert_eq!(audit_target_ppb(PPB / 100, 0), PPB);
		assert_eq!(audit_target_ppb(PPB / 100, PPB), PPB / 100);
		assert_eq!(audit_target_ppb(PPB / 100, PPB / 2), PPB / 100 + 495_000_000);
		// Power: a quarter of the others' power, a 10% target → 2.5%.
		assert_eq!(audit_probability_ppb(PPB / 10, 25, 110, 10), PPB / 40);
		assert_eq!(audit_probability_ppb(PPB, 50, 60, 10), PPB);
		assert_eq!(audit_probability_ppb(PPB, 0, 60, 10), 0);
		assert_eq!(audit_probability_ppb(PPB, 10, 10, 10), 0);
		// Huge weights do not overflow.
		let huge = audit_probability_ppb(PPB / 2, u128::MAX / 4, u128::MAX / 2, 0);
		assert!((PPB / 4 - 1..=PPB / 4).contains(&huge), "{huge}");
	}

	#[test]
	fn draws_hit_in_proportion_to_their_probability() {
		assert!(draw_hits(u64::MAX, PPB));
		assert!(!draw_hits(0, 0));
		let hits = (0u32..20_000)
			.filter(|i| draw_hits(audit_draw(&[7; 32], &blake2_256(&i.encode())), PPB / 10))
			.count();
		assert!((1_800..2_200).contains(&hits), "{hits} hits of 20,000 at 10%");
		assert_ne!(audit_draw(&[7; 32], &[1; 32]), audit_draw(&[8; 32], &[1; 32]));
	}

	#[test]
	fn re_run_voters_are_drawn_by_weight_without_repeats() {
		let pool = [5u128, 0, 1, 100, 3];
		for seed in 0u32..50 {
			let picks = draw_by_weight(&pool, 3, &blake2_256(&seed.encode()));
			assert_eq!(picks.len(), 3);
			assert!(!picks.contains(&1), "a zero weight is never drawn");
			let mut sorted = picks.clone();
			sorted.sort();
			sorted.dedup();
			assert_eq!(sorted.len(), 3);
		}
		// The heaviest is drawn first most of the time.
		let first_heavy = (0u32..200)
			.filter(|s| draw_by_weight(&pool, 1, &blake2_256(&s.encode())) == [3])
			.count();
		assert!(first_heavy > 170, "{first_heavy}");
		assert_eq!(draw_by_weight(&[0, 0], 3, &[1; 32]), Vec::<usize>::new());
		assert_eq!(draw_by_weight(&[2, 2], 3, &[1; 32]).len(), 2);
	}
}

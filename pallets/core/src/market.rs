//! The inference market's signed messages (SPEC.md §7), shared by pallet-inference (which checks
//! and settles them) and the worker (which signs and serves them), so both encode and hash them
//! exactly alike.
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

/// A request's ticket, signed by the requester's API key (SPEC.md §7).
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
}

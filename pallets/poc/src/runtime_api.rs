//! The runtime API the worker calls (through the node's `state_call`) to follow the sprint
//! without decoding storage itself. Everything here is also plain storage (see the crate docs).

// `decl_runtime_apis!` repeats the trait's generic bounds on each method it generates.
#![allow(clippy::multiple_bound_locations)]

use crate::types::{EpochIndex, EpochStatus};
use alloc::vec::Vec;
use codec::Codec;

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// Sprint's PoC state for workers.
	pub trait PocApi<BlockNumber: Codec, AccountId: Codec> {
		/// The current epoch, its phase, first block, seed, target and parameters; `None` before
		/// the first epoch starts (at block 1).
		fn epoch_status() -> Option<EpochStatus<BlockNumber>>;

		/// Who sits in `participant`'s seats in `epoch`, in seat order (empty until drawn).
		fn seats(epoch: EpochIndex, participant: AccountId) -> Vec<AccountId>;

		/// Whom `validator` checks in `epoch`: `(participant, seat number)` pairs.
		fn assignments(epoch: EpochIndex, validator: AccountId) -> Vec<(AccountId, u32)>;

		/// `host`'s accepted weight in `epoch`, once the tally has accepted it.
		fn accepted_weight(epoch: EpochIndex, host: AccountId) -> Option<u128>;
	}
}

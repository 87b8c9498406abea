//! The runtime API an auditor calls (through the node's `state_call`) to know its odds without
//! reading the power and reputation storage itself, and a juror to know its disputes.

// `decl_runtime_apis!` repeats the trait's generic bounds on each method it generates.
#![allow(clippy::multiple_bound_locations)]

use crate::types::{EpochIndex, Hash32};
use alloc::vec::Vec;
use codec::Codec;

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// Sprint's inference audit.
	pub trait AuditApi<AccountId: Codec> {
		/// The probability, in parts per billion, that `validator` audits a receipt of
		/// `executor` settled in `epoch` (its draw hits when `audit_draw(secret, id)` falls
		/// under it: `sprint_core::market::draw_hits`).
		fn audit_probability(epoch: EpochIndex, validator: AccountId, executor: AccountId) -> u64;

		/// The receipts of `epoch`'s settlements under dispute and not decided yet.
		fn open_disputes(epoch: EpochIndex) -> Vec<Hash32>;

		/// The jury of the dispute over `receipt` settled in `epoch` (docs/protocol.md §7):
		/// `None` until its randomness is fixed, when epoch `epoch + 1`'s answer period opens.
		fn jury(epoch: EpochIndex, receipt: Hash32) -> Option<Vec<AccountId>>;
	}
}

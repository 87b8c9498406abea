//! The runtime API the worker calls (through the node's `state_call`) to follow the sprint
//! without decoding storage itself. Everything here is also plain storage (see the crate docs).

use crate::types::EpochStatus;
use codec::Codec;

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// Sprint's PoC state for workers.
	pub trait PocApi<BlockNumber: Codec> {
		/// The current epoch, its phase, first block, seed, target and parameters; `None` before
		/// the first epoch starts (at block 1).
		fn epoch_status() -> Option<EpochStatus<BlockNumber>>;
	}
}

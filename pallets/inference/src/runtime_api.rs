//! The runtime API that shows the market to workers and dApps (through the node's
//! `state_call`, or `api.call.inferenceApi` in @polkadot/api). Everything here is also plain
//! storage.

// `decl_runtime_apis!` repeats the trait's generic bounds on each method it generates.
#![allow(clippy::multiple_bound_locations)]

use crate::types::{ModelId, ModelInfo};
use alloc::vec::Vec;
use codec::Codec;

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// Sprint's inference market.
	pub trait InferenceApi<Balance: Codec> {
		/// Every registered model with its price per token now, by id.
		fn models() -> Vec<(ModelId, ModelInfo<Balance>, Balance)>;
	}
}

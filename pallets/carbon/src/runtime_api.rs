//! The runtime API that shows carbon certificates to dApps (through the node's `state_call`,
//! or `api.call.carbonApi` in @polkadot/api). Everything here is also plain storage.

// `decl_runtime_apis!` repeats the trait's generic bounds on each method it generates.
#![allow(clippy::multiple_bound_locations)]

use crate::types::{
	Certificate, CertificateId, EnergySource, RetiredTotal, Retirement, SourceTotals,
};
use alloc::vec::Vec;
use codec::Codec;

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// Sprint's carbon certificates.
	pub trait CarbonApi<AccountId: Codec, CollectionId: Codec> {
		/// The pallet-nfts collection that holds the certificates.
		fn collection() -> Option<CollectionId>;
		/// The certificates `who` owns (not retired), by id.
		fn certificates_of(who: AccountId) -> Vec<(CertificateId, Certificate<AccountId>)>;
		/// `who`'s retirements, oldest first, and their total.
		fn retirements_of(who: AccountId) -> (Vec<Retirement<AccountId>>, RetiredTotal);
		/// Certificates minted and retired per energy source (`None`: undeclared).
		fn totals() -> Vec<(Option<EnergySource>, SourceTotals)>;
	}
}

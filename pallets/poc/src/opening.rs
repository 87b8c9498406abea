//! Signed openings (docs/protocol.md §4): sprint-core's checks, with the runtime's sr25519
//! verification (sp-io's host function, through `sp_runtime::traits::Verify`).

use codec::Encode;
use polkadot_sdk::{
	sp_core::{sr25519, H256},
	sp_runtime::traits::Verify,
};
pub use sprint_core::opening::{meets_target, signing_payload, Fault, Sr25519Verify, OPENING_TAG};

use crate::types::{Commitment, EpochIndex, SignedOpening};

/// sr25519 verification through the runtime's host function.
pub struct RuntimeVerify;

impl Sr25519Verify for RuntimeVerify {
	fn verify(&self, message: &[u8], signature: &[u8; 64], public: &[u8; 32]) -> bool {
		sr25519::Signature::from_raw(*signature)
			.verify(message, &sr25519::Public::from_raw(*public))
	}
}

/// [`sprint_core::opening::check`] with [`RuntimeVerify`].
pub fn check<AccountId: Encode>(
	signed: &SignedOpening,
	proof_key: &[u8; 32],
	genesis_hash: &H256,
	epoch: EpochIndex,
	host: &AccountId,
	commitment: &Commitment,
	target: &H256,
) -> Result<(), Fault> {
	sprint_core::opening::check(
		&RuntimeVerify,
		signed,
		proof_key,
		genesis_hash,
		epoch,
		host,
		commitment,
		target,
	)
}

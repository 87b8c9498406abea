//! The worker's two sr25519 keys: the *account* key signs extrinsics (it holds the host's bond),
//! the *proof* key signs openings (docs/protocol.md §4), so a leaked proof key cannot move funds.

use polkadot_sdk::sp_core::{crypto::Pair as _, sr25519};
use subxt::{
	config::SubstrateConfig,
	tx::Signer,
	utils::{AccountId32, MultiSignature},
};

use super::AccountId;

/// Signs this worker's extrinsics.
#[derive(Clone)]
pub struct AccountSigner(sr25519::Pair);

impl AccountSigner {
	pub fn new(pair: sr25519::Pair) -> Self {
		Self(pair)
	}

	/// The account id (public key bytes).
	pub fn account(&self) -> AccountId {
		self.0.public().0
	}
}

impl Signer<SubstrateConfig> for AccountSigner {
	fn account_id(&self) -> AccountId32 {
		AccountId32(self.account())
	}

	fn sign(&self, signer_payload: &[u8]) -> MultiSignature {
		MultiSignature::Sr25519(self.0.sign(signer_payload).0)
	}
}

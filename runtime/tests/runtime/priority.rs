//! The pool's view of `poc.answer_challenge` (docs/protocol.md §4): top priority only for an open
//! challenge, so that an answer with nothing to answer cannot borrow it, while every other
//! transaction validates as before.

use crate::common;

use polkadot_sdk::{
	sp_core::H256,
	sp_genesis_builder::DEV_RUNTIME_PRESET,
	sp_keyring::Sr25519Keyring,
	sp_runtime::transaction_validity::{
		InvalidTransaction, TransactionSource, TransactionValidityError,
	},
};
use sprint_runtime::{Executive, RuntimeCall};

fn validate(xt: sprint_runtime::UncheckedExtrinsic) -> Result<u64, TransactionValidityError> {
	Executive::validate_transaction(TransactionSource::External, xt, H256::zero())
		.map(|valid| valid.priority)
}

#[test]
fn an_answer_to_no_open_challenge_is_refused_by_the_pool() {
	common::genesis_of(DEV_RUNTIME_PRESET).execute_with(|| {
		common::start_block_one();
		let answer = RuntimeCall::Poc(pallet_poc::Call::answer_challenge {
			epoch: 0,
			validator: Sr25519Keyring::Alice.to_account_id(),
			openings: Default::default(),
		});
		assert_eq!(
			validate(common::signed(Sr25519Keyring::Bob, answer, 0)),
			Err(InvalidTransaction::Custom(pallet_poc::priority::NO_OPEN_CHALLENGE).into())
		);
		let remark =
			RuntimeCall::System(polkadot_sdk::frame_system::Call::remark { remark: vec![0; 100] });
		let priority = validate(common::signed(Sr25519Keyring::Bob, remark, 0)).expect("valid");
		assert!(priority < u64::MAX / 2, "ordinary traffic keeps its ordinary priority");
	});
}

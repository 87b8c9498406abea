//! [`PrioritizeChallengeAnswers`]: the transaction extension that gives
//! [`Pallet::answer_challenge`] the pool's top priority, and only while its challenge is open
//! (docs/protocol.md §4).
//!
//! An unanswered challenge is slashed as fraud, so a host's answer must land in the answer period
//! whatever else is in the pool: a flood of paid transactions (large `system.remark`s, say) must
//! not crowd it out. The extension sets the answer's priority to the maximum when the signer is the
//! challenged host and the challenge is open (current epoch, validation window or answer period,
//! `Unavailable` not yet answered), and refuses it from the pool otherwise — an answer to nothing
//! would fail on dispatch anyway, so no one can borrow the top priority for other traffic. Every
//! other call passes through untouched.
//!
//! The extension carries no data (it encodes to nothing), so clients that do not know it —
//! polkadot-js, subxt — sign transactions as before.

use codec::{Decode, DecodeWithMemTracking, Encode};
use core::marker::PhantomData;
use polkadot_sdk::{
	frame_support::{
		pallet_prelude::TransactionSource,
		traits::{Get, IsSubType, OriginTrait},
		weights::Weight,
		DefaultNoBound,
	},
	frame_system,
	sp_runtime::{
		impl_tx_ext_default,
		traits::{DispatchInfoOf, TransactionExtension, ValidateResult},
		transaction_validity::{InvalidTransaction, TransactionPriority, ValidTransaction},
	},
};
use scale_info::TypeInfo;

use crate::{Call, Config, Pallet};

/// The `InvalidTransaction::Custom` code of an `answer_challenge` with no open challenge.
pub const NO_OPEN_CHALLENGE: u8 = 1;

/// Gives `answer_challenge` top priority while its challenge is open; refuses it otherwise.
#[derive(Encode, Decode, DecodeWithMemTracking, DefaultNoBound, Clone, Eq, PartialEq, TypeInfo)]
#[scale_info(skip_type_params(T))]
pub struct PrioritizeChallengeAnswers<T>(PhantomData<T>);

impl<T> PrioritizeChallengeAnswers<T> {
	/// The extension (it holds nothing).
	pub fn new() -> Self {
		Self(PhantomData)
	}
}

impl<T> core::fmt::Debug for PrioritizeChallengeAnswers<T> {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		write!(f, "PrioritizeChallengeAnswers")
	}
}

impl<T: Config + Send + Sync> TransactionExtension<<T as frame_system::Config>::RuntimeCall>
	for PrioritizeChallengeAnswers<T>
where
	<T as frame_system::Config>::RuntimeCall: IsSubType<Call<T>>,
{
	const IDENTIFIER: &'static str = "PrioritizeChallengeAnswers";
	type Implicit = ();
	type Val = ();
	type Pre = ();

	fn weight(&self, call: &<T as frame_system::Config>::RuntimeCall) -> Weight {
		match call.is_sub_type() {
			// The epoch, its start, its parameters, the assignment and the seats.
			Some(Call::answer_challenge { .. }) => T::DbWeight::get().reads(5),
			_ => Weight::zero(),
		}
	}

	fn validate(
		&self,
		origin: <T as frame_system::Config>::RuntimeOrigin,
		call: &<T as frame_system::Config>::RuntimeCall,
		_info: &DispatchInfoOf<<T as frame_system::Config>::RuntimeCall>,
		_len: usize,
		_self_implicit: Self::Implicit,
		_inherited_implication: &impl Encode,
		_source: TransactionSource,
	) -> ValidateResult<Self::Val, <T as frame_system::Config>::RuntimeCall> {
		let Some(Call::answer_challenge { epoch, validator, .. }) = call.is_sub_type() else {
			return Ok((ValidTransaction::default(), (), origin));
		};
		let Some(host) = origin.as_signer() else {
			return Ok((ValidTransaction::default(), (), origin));
		};
		if !Pallet::<T>::challenge_open(*epoch, validator, host) {
			return Err(InvalidTransaction::Custom(NO_OPEN_CHALLENGE).into());
		}
		let valid = ValidTransaction { priority: TransactionPriority::MAX, ..Default::default() };
		Ok((valid, (), origin))
	}

	impl_tx_ext_default!(<T as frame_system::Config>::RuntimeCall; prepare);
}

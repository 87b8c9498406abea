//! Benchmarks of pallet-poc-voting's calls, on a referendum that 16,384 others voted on.

use polkadot_sdk::{
	frame_benchmarking::v2::*, frame_support::traits::Polling, frame_system::RawOrigin,
};
use sprint_primitives::VotingPower;

use crate::*;

/// Voters already on the referendum: the 16,384 hosts a tally can accept.
const VOTERS: u32 = 16_384;

/// A referendum whose snapshot gives `caller` power, with [`VOTERS`] votes cast.
fn voted_poll<T: Config>(caller: &T::AccountId) -> PollIndexOf<T> {
	for i in 0..VOTERS {
		let voter: T::AccountId = account("voter", i, 0);
		T::Power::set_power(7, &voter, 1_000);
	}
	T::Power::set_power(7, caller, 1_000);
	let class = T::Polls::classes().into_iter().next().expect("a class");
	let poll = T::Polls::create_ongoing(class).expect("a referendum can be made");
	for i in 0..VOTERS {
		let voter: T::AccountId = account("voter", i, 0);
		Pallet::<T>::vote(RawOrigin::Signed(voter).into(), poll, Vote::Nay).expect("votes");
	}
	poll
}

#[benchmarks]
mod benches {
	use super::*;

	#[benchmark]
	fn vote() {
		let caller: T::AccountId = whitelisted_caller();
		let poll = voted_poll::<T>(&caller);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), poll, Vote::Aye);

		assert_eq!(VotingFor::<T>::get(&caller, poll), Some((Vote::Aye, 1_000)));
	}

	#[benchmark]
	fn remove_vote() {
		let caller: T::AccountId = whitelisted_caller();
		let poll = voted_poll::<T>(&caller);
		Pallet::<T>::vote(RawOrigin::Signed(caller.clone()).into(), poll, Vote::Aye)
			.expect("votes");

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), poll);

		assert_eq!(VotingFor::<T>::get(&caller, poll), None);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}

//! # sprint-runtime
//!
//! Sprint's FRAME runtime. The node compiles nothing of it natively into consensus: it executes
//! the WASM blob built from this crate (`WASM_BINARY`) on wasmtime, so a runtime upgrade is one
//! `set_code` away.
//!
//! What is in it today (issue #2, the chain foundation): `frame-system`, `pallet-timestamp`,
//! `pallet-aura` and `pallet-grandpa` (block authoring and finality), `pallet-balances` (the SPR
//! token: 9 decimals, existential deposit [`EXISTENTIAL_DEPOSIT`]), `pallet-transaction-payment`
//! (fees, paid into the community fund, with the runtime API behind polkadot-js `paymentInfo`),
//! `pallet-vesting` (founders' allocation), `pallet-utility` and `pallet-sudo` (whose key is set
//! only in the `development` preset: other chains change by referendum); and Sprint's own
//! `pallet-poc` (epochs, sprint phases, host registry, commitments), `pallet-collateral` (host
//! bond, collateral, slashes) and `pallet-emission` (the halving reward and its vesting ledgers),
//! wired through the traits in `sprint-primitives` (issue #3 adds the seat draw, verdicts and
//! tally).
//!
//! Governance (issue #12, docs/protocol.md §8): `pallet-scheduler`, `pallet-preimage`,
//! `pallet-referenda` with Sprint's `pallet-poc-voting` (votes weighted by accepted PoC weight)
//! and `pallet-treasury` as the community fund; the tracks and origins are in [`governance`].
//!
//! - [`configs`]: every pallet's configuration and the numbers in it.
//! - [`genesis`]: the genesis presets `development`, `local_testnet` and `mainnet_template`
//!   (docs/protocol.md §6's allocation).
//! - [`apis`]: the runtime APIs the node, polkadot-js and the worker call.
//!
//! The one protocol number that is a constant rather than chain state is the total-issuance cap,
//! [`sprint_primitives::TOTAL_ISSUANCE_CAP`] (1,000,000,000 SPR), re-exported here as
//! [`TOTAL_ISSUANCE_CAP`]; every pallet that mints must respect it.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime`'s expansion is large.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

/// The WASM of this runtime one `spec_version` later (built with the `upgrade-test` feature by
/// this crate's build script, beside [`WASM_BINARY`]), for the forkless-upgrade test on the local
/// net only: never put it on a real chain. `WASM_BINARY_PATH` is where the compressed blob lies.
#[cfg(feature = "std")]
pub mod upgrade_test {
	include!(concat!(env!("OUT_DIR"), "/sprint_runtime_upgrade_test"));
}

extern crate alloc;

pub mod apis;
pub mod configs;
pub mod genesis;
pub mod governance;
pub mod migrations;

use alloc::vec::Vec;
use polkadot_sdk::{
	sp_runtime::{generic, impl_opaque_keys, traits::BlakeTwo256},
	*,
};
use sp_version::RuntimeVersion;

pub use sprint_primitives::{
	AccountId, Balance, BlockNumber, Hash, Nonce, Signature, MILLI_SPR, PLANCK, SPR,
	TOTAL_ISSUANCE_CAP,
};

/// Opaque types: what the node needs to know of the chain's blocks without the runtime's types.
pub mod opaque {
	use super::*;
	#[allow(unused_imports)]
	use alloc::vec::Vec;
	use polkadot_sdk::sp_runtime::OpaqueExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, OpaqueExtrinsic>;
	/// Opaque block identifier type.
	pub type BlockId = generic::BlockId<Block>;

	impl_opaque_keys! {
		/// The session keys of a validator: its Aura (block authoring) and GRANDPA (finality) keys.
		pub struct SessionKeys {
			pub aura: super::Aura,
			pub grandpa: super::Grandpa,
		}
	}
}

pub use opaque::SessionKeys;

/// The runtime's version. Bump `spec_version` with every change of runtime logic, and
/// `transaction_version` whenever the encoding of calls or transaction extensions changes.
#[cfg(not(feature = "upgrade-test"))]
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("sprint"),
	impl_name: alloc::borrow::Cow::Borrowed("sprint-node"),
	authoring_version: 1,
	spec_version: 107,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 2,
	system_version: 1,
};

/// The same runtime one `spec_version` later, for the forkless-upgrade test only (the
/// `upgrade-test` feature; the build script builds it as [`upgrade_test::WASM_BINARY`]): the
/// version macro takes a literal, so the number cannot come from a build variable. Keep it
/// `spec_version + 1` of the one above.
#[cfg(feature = "upgrade-test")]
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("sprint"),
	impl_name: alloc::borrow::Cow::Borrowed("sprint-node"),
	authoring_version: 1,
	spec_version: 108,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 2,
	system_version: 1,
};

/// Target block time on production chains (Aura slot). The dev node seals faster than this
/// with slot-consistent timestamps (see `sprint-node --dev-block-time`).
pub const MILLI_SECS_PER_BLOCK: u64 = 6_000;

/// Aura's slot duration. Changing it on a live chain stalls block production.
pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;

/// Blocks per minute, hour, day and year at [`MILLI_SECS_PER_BLOCK`].
pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
/// Blocks per hour.
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks per day.
pub const DAYS: BlockNumber = HOURS * 24;
/// Blocks per (365-day) year.
pub const YEARS: BlockNumber = DAYS * 365;

/// The smallest balance an account may hold: 0.01 SPR. Below it the account is reaped, so that
/// dust cannot bloat state.
pub const EXISTENTIAL_DEPOSIT: Balance = 10 * MILLI_SPR;

/// The address format for describing accounts.
pub type Address = sp_runtime::MultiAddress<AccountId, ()>;
/// Block header type as expected by this runtime.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block type as expected by this runtime.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// A block signed with a justification.
pub type SignedBlock = generic::SignedBlock<Block>;
/// `BlockId` type as expected by this runtime.
pub type BlockId = generic::BlockId<Block>;

/// The transaction extensions checked on every signed transaction, in order. polkadot-js and
/// subxt know each of them by name (or, like `PrioritizeChallengeAnswers`, which carries no
/// data, need not); their order is part of the signed payload.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckMortality<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	pallet_poc::PrioritizeChallengeAnswers<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// Unchecked extrinsic type as expected by this runtime.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;

/// The payload being signed in transactions.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Executive: handles dispatch to the various pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	migrations::Migrations,
>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(6)]
	pub type Vesting = pallet_vesting;

	#[runtime::pallet_index(7)]
	pub type Utility = pallet_utility;

	#[runtime::pallet_index(8)]
	pub type Sudo = pallet_sudo;

	#[runtime::pallet_index(10)]
	pub type Poc = pallet_poc;

	#[runtime::pallet_index(11)]
	pub type Collateral = pallet_collateral;

	#[runtime::pallet_index(12)]
	pub type Emission = pallet_emission;

	#[runtime::pallet_index(13)]
	pub type Inference = pallet_inference;

	#[runtime::pallet_index(14)]
	pub type Audit = pallet_audit;

	#[runtime::pallet_index(20)]
	pub type Scheduler = pallet_scheduler;

	#[runtime::pallet_index(21)]
	pub type Preimage = pallet_preimage;

	#[runtime::pallet_index(22)]
	pub type Referenda = pallet_referenda;

	#[runtime::pallet_index(23)]
	pub type PocVoting = pallet_poc_voting;

	#[runtime::pallet_index(24)]
	pub type Governance = governance::pallet_governance;

	#[runtime::pallet_index(25)]
	pub type Treasury = pallet_treasury;

	#[runtime::pallet_index(30)]
	pub type Nfts = pallet_nfts;

	#[runtime::pallet_index(31)]
	pub type Carbon = pallet_carbon;
}

/// The pallets whose benchmarks `sprint-node benchmark pallet` runs (`make bench`).
#[cfg(feature = "runtime-benchmarks")]
mod benches {
	polkadot_sdk::frame_benchmarking::define_benchmarks!(
		[frame_system, SystemBench::<Runtime>]
		[pallet_balances, Balances]
		[pallet_timestamp, Timestamp]
		[pallet_vesting, Vesting]
		[pallet_utility, Utility]
		[pallet_sudo, Sudo]
		[pallet_poc, Poc]
		[pallet_collateral, Collateral]
		[pallet_emission, Emission]
		[pallet_inference, Inference]
		[pallet_audit, Audit]
		[pallet_carbon, Carbon]
		[pallet_poc_voting, PocVoting]
	);
}

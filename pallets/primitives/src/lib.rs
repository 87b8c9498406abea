//! # Sprint primitives
//!
//! Types, constants and (as the protocol pallets arrive) the small traits through which Sprint's
//! pallets talk to each other — `WeightProvider`, `Slasher`, `EpochInfo` in SPEC.md §1 — wired
//! together in `sprint-runtime`, so that a researcher can fork one pallet and keep the rest.
//!
//! This crate is deliberately tiny and `no_std`: it is compiled into the WASM runtime, the node
//! and the worker alike.

#![cfg_attr(not(feature = "std"), no_std)]

use polkadot_sdk::{
	frame_support::PalletId,
	sp_runtime::{
		traits::{IdentifyAccount, Verify},
		MultiSignature,
	},
};

/// An index to a block. `u32` lasts ~800 years at one block every 6 s.
pub type BlockNumber = u32;

/// Alias to 512-bit hash when used in the context of a transaction signature on the chain.
pub type Signature = MultiSignature;

/// Some way of identifying an account on the chain (an `AccountId32`, SS58 prefix 42).
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;

/// Balance of an account, in planck (10^-9 SPR).
pub type Balance = u128;

/// Index of a transaction in the chain.
pub type Nonce = u32;

/// A hash of some data used by the chain.
pub type Hash = polkadot_sdk::sp_core::H256;

/// Number of decimals of the SPR token.
pub const TOKEN_DECIMALS: u8 = 9;

/// The token's symbol, as polkadot-js shows it.
pub const TOKEN_SYMBOL: &str = "SPR";

/// SS58 address format: 42, the generic Substrate prefix (SPEC.md: "unless a reason appears").
pub const SS58_PREFIX: u16 = 42;

/// One planck, the smallest unit of SPR.
pub const PLANCK: Balance = 1;

/// One SPR = 10^9 planck.
pub const SPR: Balance = 1_000_000_000;

/// One thousandth of an SPR.
pub const MILLI_SPR: Balance = SPR / 1_000;

/// The cap on total issuance: 1,000,000,000 SPR. The one protocol number that is a runtime
/// constant rather than chain state (SPEC.md, preamble): pallets that mint must never pass it.
pub const TOTAL_ISSUANCE_CAP: Balance = 1_000_000_000 * SPR;

/// The community fund's `PalletId`. Its account (`into_account_truncating`) exists from genesis,
/// before `pallet-community-fund` does, so the genesis allocation can be paid into it.
pub const COMMUNITY_FUND_PALLET_ID: PalletId = PalletId(*b"spr/fund");

/// An epoch's index (SPEC.md §2): epochs are counted from 0 at genesis.
pub type EpochIndex = u32;

/// Where a pallet learns the current epoch (implemented by pallet-poc).
pub trait EpochInfo {
	/// The epoch the chain is in now.
	fn current_epoch() -> EpochIndex;

	/// Moves the chain to `epoch`, for benchmarks that need time to pass.
	#[cfg(feature = "runtime-benchmarks")]
	fn set_current_epoch(epoch: EpochIndex);
}

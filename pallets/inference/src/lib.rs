//! # pallet-inference
//!
//! The inference market (docs/protocol.md §7): models registered by governance, hosts' service
//! declarations, requesters' deposits and API keys, and the settlement of signed receipts in
//! batches, with a price per token that follows utilization.
//!
//! Terms:
//! - A **requester** holds an inference **deposit** (held from its free balance) and registers
//!   **API keys**: sr25519 public keys with a spending cap per epoch, a price cap and an expiry.
//!   The key's secret is the Bearer token an OpenAI client sends to a transfer agent (TA).
//! - A **ticket** ([`Ticket`]) is what the TA signs with the key for one request; the
//!   **executor** runs it and signs a **receipt** ([`Receipt`]): the ticket, the token counts and
//!   the output commitment.
//! - [`Pallet::settle`] takes up to [`MAX_RECEIPTS_PER_SETTLE`] receipts of one executor, checks
//!   every rule of docs/protocol.md §7, charges `(prompt + completion tokens) × price` to each key
//!   owner's deposit, gives the community fund its share at once and the executor the rest as
//!   pending fees, claimable ([`Pallet::claim_fees`]) once the receipts' audit window has closed;
//!   it stores one [`BatchRecord`] per call — the Merkle root of the receipts, not the receipts.
//! - The **price** per token of each model moves every block with the tokens settled in the
//!   last `utilization_window` blocks against the capacity hosts declare ([`price`]).
//!
//! ## Example (from `tests/settle.rs`)
//! ```ignore
//! Inference::deposit(RuntimeOrigin::signed(REQUESTER), 1_000 * SPR)?;
//! Inference::add_api_key(RuntimeOrigin::signed(REQUESTER), key.public(), cap, price_cap, expiry, proof)?;
//! // The executor settles the receipts of the tickets the key signed.
//! Inference::settle(RuntimeOrigin::signed(EXECUTOR), receipts.try_into()?)?;
//! ```
//!
//! Audits (pallet-audit) read the batch roots and refund, forfeit and slash through this pallet;
//! the worker's transfer agent, executor and auditor roles are in `sprint-worker`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
pub mod price;
pub mod runtime_api;
pub mod settle;
pub mod types;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use polkadot_sdk::{
	frame_support::{
		self,
		traits::{
			fungible::{Inspect, InspectHold, Mutate, MutateHold},
			tokens::{Fortitude, Precision, Preservation},
			Get,
		},
		PalletId,
	},
	frame_system,
	sp_core::sr25519,
	sp_runtime::traits::AccountIdConversion,
};
use sprint_primitives::{
	AuditedMarket, CollateralDuties, EnergyDeclarations, EpochInfo, HostBond, OffenceKind,
	OnSettle, SigningKeys, Slasher,
};

/// The balance type of the pallet's currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Most receipts in one `settle` call.
pub const MAX_RECEIPTS_PER_SETTLE: u32 = 1_024;

/// Epochs an executor's collateral stays slashable after it withdraws its service: a ticket
/// accepted in that epoch may settle in the next and be reported missed in the one after.
pub const SERVICE_DUTY_TAIL: u32 = 3;

/// Most models registered at once.
pub const MAX_MODELS: u32 = 64;

/// Most API keys (revoked ones included, until forgotten) per account.
pub const MAX_API_KEYS: u32 = 16;

/// The receipts of one `settle` call.
pub type ReceiptsOf<T> = polkadot_sdk::frame_support::BoundedVec<
	Receipt<<T as frame_system::Config>::AccountId, BalanceOf<T>>,
	polkadot_sdk::frame_support::traits::ConstU32<MAX_RECEIPTS_PER_SETTLE>,
>;

pub use sprint_core::market::key_ownership_payload;

/// Whether `signature` is `key`'s sr25519 signature of `message`.
fn signed_by(key: &PublicKey, message: &[u8], signature: &SignatureBytes) -> bool {
	polkadot_sdk::sp_io::crypto::sr25519_verify(
		&sr25519::Signature::from_raw(*signature),
		message,
		&sr25519::Public::from_raw(*key),
	)
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use polkadot_sdk::{frame_support::pallet_prelude::*, frame_system::pallet_prelude::*};

	#[pallet::pallet]
	#[pallet::storage_version(migrations::STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The token (pallet-balances), with holds.
		type Currency: Mutate<Self::AccountId, Balance = u128>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons, of which ours is one.
		type RuntimeHoldReason: From<HoldReason>;

		/// The current epoch (pallet-poc).
		type EpochInfo: EpochInfo;

		/// Where the community's share of each settled cost goes.
		type CommunityFund: Get<Self::AccountId>;

		/// Who registers models and sets the market's parameters: a passed `params`
		/// referendum (docs/protocol.md §8), or root.
		type ParamsOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The key each executor signs receipts with (pallet-poc's proof key).
		type SigningKeys: SigningKeys<Self::AccountId>;

		/// Keeps an executor's collateral slashable until its receipts' audit windows close
		/// (pallet-collateral).
		type Collateral: HostBond<Self::AccountId>;

		/// Told of every settled batch and downtime slash (pallet-audit: traffic and
		/// reputation).
		type OnSettle: OnSettle<Self::AccountId>;

		/// Slashes executors for downtime (pallet-collateral).
		type Slasher: Slasher<Self::AccountId, Balance = u128>;

		/// The account that escrows pending fees (`spr/infr`).
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A requester's inference deposit, until settled or withdrawn.
		InferenceDeposit,
		/// A host's service deposit, while its service is declared.
		ServiceDeposit,
	}

	/// The market's parameters (docs/protocol.md §7), set from genesis.
	#[pallet::storage]
	pub type Params<T: Config> = StorageValue<_, InferenceParams<BalanceOf<T>>, OptionQuery>;

	/// Registered models. Keyed by the chain's own counter: `Twox64Concat`.
	#[pallet::storage]
	pub type Models<T: Config> =
		StorageMap<_, Twox64Concat, ModelId, ModelInfo<BalanceOf<T>>, OptionQuery>;

	/// The number the next registered model gets.
	#[pallet::storage]
	pub type NextModelId<T: Config> = StorageValue<_, ModelId, ValueQuery>;

	/// Models registered now (at most [`MAX_MODELS`]): what the price update walks each block.
	#[pallet::storage]
	pub type ModelCount<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// Each model's price per token now. Keyed by model: `Twox64Concat`.
	#[pallet::storage]
	pub type Prices<T: Config> = StorageMap<_, Twox64Concat, ModelId, BalanceOf<T>, OptionQuery>;

	/// Each model's price when an epoch began: a ticket of that epoch is charged at most this.
	/// Kept as long as the batches that charged it (an audit's refund pays it back).
	#[pallet::storage]
	pub type EpochPrices<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Twox64Concat,
		ModelId,
		BalanceOf<T>,
		OptionQuery,
	>;

	/// The epoch whose prices [`EpochPrices`] last recorded.
	#[pallet::storage]
	pub type PricedEpoch<T: Config> = StorageValue<_, EpochIndex, OptionQuery>;

	/// The first block of each epoch whose tickets may still settle, recorded when the epoch
	/// begins: a ticket's expiry may not fall before its own epoch began (its signer chooses
	/// the expiry, so otherwise a revoked or expired key could date a later ticket back).
	#[pallet::storage]
	pub type EpochBegan<T: Config> = StorageMap<_, Twox64Concat, EpochIndex, u32, OptionQuery>;

	/// Tokens settled per model in each of the last `utilization_window` blocks, newest last.
	#[pallet::storage]
	pub type RecentTokens<T: Config> =
		StorageMap<_, Twox64Concat, ModelId, BoundedVec<u64, ConstU32<64>>, ValueQuery>;

	/// Tokens settled per model in this block (moved into [`RecentTokens`] at the next block).
	#[pallet::storage]
	pub type BlockTokens<T: Config> = StorageMap<_, Twox64Concat, ModelId, u64, ValueQuery>;

	/// Tokens/s declared for each model, summed over the hosts that serve it.
	#[pallet::storage]
	pub type Capacity<T: Config> = StorageMap<_, Twox64Concat, ModelId, u64, ValueQuery>;

	/// The service deposit each declaring host holds (returned when it withdraws its service):
	/// declarations are state, and no state grows without a deposit (docs/protocol.md §9).
	#[pallet::storage]
	pub type ServiceDeposits<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, BalanceOf<T>, OptionQuery>;

	/// Each model's price floor, set by governance (`set_min_price`); 1 planck when unset. The
	/// dynamic price never falls below it, so declared capacity nobody uses cannot crash it.
	#[pallet::storage]
	pub type MinPrices<T: Config> = StorageMap<_, Twox64Concat, ModelId, BalanceOf<T>, OptionQuery>;

	/// Hosts' service declarations. Keyed by account (user-chosen): `Blake2_128Concat`.
	#[pallet::storage]
	pub type Services<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, ServiceDeclaration, OptionQuery>;

	/// Requesters' deposits. Keyed by account: `Blake2_128Concat`.
	#[pallet::storage]
	pub type Deposits<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, DepositLedger<BalanceOf<T>>, OptionQuery>;

	/// API keys by public key (user-chosen): `Blake2_128Concat`.
	#[pallet::storage]
	pub type ApiKeys<T: Config> =
		StorageMap<_, Blake2_128Concat, PublicKey, ApiKey<T::AccountId, BalanceOf<T>>, OptionQuery>;

	/// How many API keys each account holds (at most [`MAX_API_KEYS`]).
	#[pallet::storage]
	pub type ApiKeyCount<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// What each key's tickets of an epoch cost so far: `(epoch, key)`. Kept for the current and
	/// the previous epoch, whose tickets settle, and the one before, whose missed tickets are
	/// reported.
	#[pallet::storage]
	pub type Spent<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Blake2_128Concat,
		PublicKey,
		BalanceOf<T>,
		ValueQuery,
	>;

	/// Nonces settled or reported missed: `(epoch, key, nonce)`, so that no ticket settles twice
	/// nor is missed after it settled. Kept as long as [`Spent`].
	#[pallet::storage]
	pub type UsedNonces<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Twox64Concat, EpochIndex>,
			NMapKey<Blake2_128Concat, PublicKey>,
			NMapKey<Twox64Concat, u64>,
		),
		(),
		OptionQuery,
	>;

	/// Receipts settled per executor for the tickets of each epoch: `(ticket epoch, executor)`.
	/// Kept as long as [`Spent`].
	#[pallet::storage]
	pub type Served<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Blake2_128Concat,
		T::AccountId,
		u32,
		ValueQuery,
	>;

	/// Accepted tickets reported missed per executor: `(ticket epoch, executor)`. Kept as long
	/// as [`Spent`].
	#[pallet::storage]
	pub type Missed<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Blake2_128Concat,
		T::AccountId,
		u32,
		ValueQuery,
	>;

	/// The oldest epoch whose [`Spent`] and [`UsedNonces`] entries are not all pruned yet.
	#[pallet::storage]
	pub type NextPrune<T: Config> = StorageValue<_, EpochIndex, ValueQuery>;

	/// Settled batches: `(epoch, index)`. Auditors prove a receipt against its batch's root.
	#[pallet::storage]
	pub type Batches<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Twox64Concat,
		u32,
		BatchRecord<T::AccountId, BalanceOf<T>>,
		OptionQuery,
	>;

	/// Batches settled in each epoch.
	#[pallet::storage]
	pub type BatchCount<T: Config> = StorageMap<_, Twox64Concat, EpochIndex, u32, ValueQuery>;

	/// Each executor's pending fees: `(first epoch claimable, amount)` buckets, oldest first.
	#[pallet::storage]
	pub type PendingFees<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, FeeBuckets<BalanceOf<T>>, ValueQuery>;

	/// Each host's energy declarations (docs/protocol.md §9) by the epoch they take effect from,
	/// oldest first, the last [`ENERGY_HISTORY`] kept: the one in force for an epoch is the last
	/// that took effect by then. Written by `declare_service` and `withdraw_service`; cleared by
	/// `dispute_energy`.
	#[pallet::storage]
	pub type Energy<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, EnergyHistory, ValueQuery>;

	/// Hosts whose energy declaration a dispute cleared: the first epoch in which they may
	/// declare one again.
	#[pallet::storage]
	pub type EnergyBlocked<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, EpochIndex, OptionQuery>;

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Moves every model's price with its utilization ([`price`]), records the prices of a
		/// new epoch, and prunes the nonces and spending of epochs whose tickets no longer settle
		/// (at most [`settle::PRUNE_PER_BLOCK`] entries per block).
		fn on_initialize(_: BlockNumberFor<T>) -> Weight {
			let models = Pallet::<T>::update_prices();
			let pruned = Pallet::<T>::prune_step();
			T::WeightInfo::update_prices(models)
				.saturating_add(T::WeightInfo::prune_step(pruned))
				// `EpochBegan`, written once an epoch.
				.saturating_add(T::DbWeight::get().writes(1))
		}

		/// Migrates stored state to this code's storage version (see [`migrations`]).
		fn on_runtime_upgrade() -> Weight {
			migrations::migrate::<T>()
		}
	}

	#[pallet::genesis_config]
	pub struct GenesisConfig<T: Config> {
		/// The parameters; `None` keeps [`InferenceParams::defaults`].
		pub params: Option<InferenceParams<BalanceOf<T>>>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	impl<T: Config> Default for GenesisConfig<T> {
		fn default() -> Self {
			Self { params: None, _config: Default::default() }
		}
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let params = self.params.clone().unwrap_or_else(InferenceParams::defaults);
			if let Err(why) = settle::check_params(&params) {
				panic!("inference.params: {why}");
			}
			Params::<T>::put(params);
			// The escrow account must exist before fees below the existential deposit arrive:
			// its existential deposit comes out of the community fund (minted only where the
			// fund cannot spare it, as in tests).
			let escrow = Pallet::<T>::account_id();
			let ed = T::Currency::minimum_balance();
			if T::Currency::balance(&escrow) < ed
				&& T::Currency::transfer(
					&T::CommunityFund::get(),
					&escrow,
					ed,
					Preservation::Preserve,
				)
				.is_err()
			{
				let _ = T::Currency::mint_into(&escrow, ed);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Model `model` was registered at `price` per token.
		ModelRegistered { model: ModelId, price: BalanceOf<T> },
		/// `host` declared (or changed) its service.
		ServiceDeclared { host: T::AccountId, capacity: u32 },
		/// An audit confirmed fraud on a receipt of `executor`: `refunded` went back into
		/// `payer`'s deposit, and `forfeited` of the executor's pending fees to the community
		/// fund.
		FraudPunished {
			executor: T::AccountId,
			payer: Option<T::AccountId>,
			refunded: BalanceOf<T>,
			forfeited: BalanceOf<T>,
		},
		/// `executor` missed an accepted ticket of `epoch`: `missed` of its `missed + served`
		/// accepted tickets that epoch so far; `slashed` is the downtime slash when the share
		/// passed 5% (once per epoch).
		TicketMissed {
			executor: T::AccountId,
			epoch: EpochIndex,
			missed: u32,
			served: u32,
			slashed: Option<u128>,
		},
		/// `host` withdrew its service declaration.
		ServiceWithdrawn { host: T::AccountId },
		/// `who` added `amount` to its inference deposit.
		Deposited { who: T::AccountId, amount: BalanceOf<T> },
		/// `who` asked for `amount` back, which completes from `epoch`.
		WithdrawalRequested { who: T::AccountId, amount: BalanceOf<T>, epoch: EpochIndex },
		/// `amount` of `who`'s deposit went back to its free balance.
		Withdrawn { who: T::AccountId, amount: BalanceOf<T> },
		/// `owner` registered API key `key`.
		ApiKeyAdded { owner: T::AccountId, key: PublicKey },
		/// `key` was revoked: no ticket issued from now on settles.
		ApiKeyRevoked { key: PublicKey },
		/// A revoked `key` was forgotten, its place freed.
		ApiKeyForgotten { key: PublicKey },
		/// `executor` settled batch `index` of `epoch`: `count` receipts, `tokens` tokens,
		/// `cost` paid by requesters, `fund` of it to the community fund.
		Settled {
			executor: T::AccountId,
			epoch: EpochIndex,
			index: u32,
			count: u32,
			tokens: u64,
			cost: BalanceOf<T>,
			fund: BalanceOf<T>,
		},
		/// `executor` claimed `amount` of fees whose audit windows have closed.
		FeesClaimed { executor: T::AccountId, amount: BalanceOf<T> },
		/// Governance set the parameters to `params` (from the next settlement, ticket and price step on).
		ParamsSet { params: InferenceParams<BalanceOf<T>> },
		/// `host`'s energy declaration becomes `declaration` (`None`: withdrawn) from `epoch`
		/// on: its certificates of that epoch and later carry it.
		EnergyDeclared {
			host: T::AccountId,
			declaration: Option<EnergyDeclaration>,
			epoch: EpochIndex,
		},
		/// Governance set `model`'s price floor to `min_price` (the price in force is raised to it
		/// if below).
		MinPriceSet { model: ModelId, min_price: BalanceOf<T> },
		/// `host` declared its service while a dispute blocks its energy declarations: the
		/// service counts, its energy declaration does not (it may declare one again from
		/// `epoch`).
		EnergyDeclarationBlocked { host: T::AccountId, epoch: EpochIndex },
		/// Governance upheld a dispute of `host`'s energy declaration: cleared (its
		/// certificates not yet minted carry none) and blocked until `epoch`.
		EnergyDisputed { host: T::AccountId, epoch: EpochIndex },
		/// In batch `index` of `epoch` (see `Settled`), `owner`'s deposit paid `cost` for
		/// `receipts` receipts (`tokens` tokens) of tickets signed by `key`: one event per key
		/// and batch, so a requester learns what each of its keys spent from the events alone.
		Charged {
			owner: T::AccountId,
			key: PublicKey,
			executor: T::AccountId,
			epoch: EpochIndex,
			index: u32,
			receipts: u32,
			tokens: u64,
			cost: BalanceOf<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// An amount of zero. Pass an amount above zero.
		ZeroAmount,
		/// [`MAX_MODELS`] models are registered already.
		TooManyModels,
		/// No model has that id. See `Models` for the registered ones.
		UnknownModel,
		/// A model with a context length, recipe or compute units of zero, or a price above
		/// `max_price`.
		InvalidModel,
		/// A service declaration with no models, a model twice, zero capacity or an empty URL.
		InvalidService,
		/// The account declared no service.
		NoService,
		/// Only a bonded host declares a service: register with `poc.registerHost` (its host
		/// bond held, not unbonding) first.
		NotBonded,
		/// A jailed host declares no service until its jail ends (`collateral.jailedUntil`).
		Jailed,
		/// A price floor of zero or above `max_price`.
		InvalidMinPrice,
		/// The caller's free balance cannot hold the service deposit (`service_deposit`).
		ServiceDepositTooLow,
		/// The free balance cannot cover the deposit. Deposit less, or top up.
		InsufficientBalance,
		/// The account has no inference deposit.
		NoDeposit,
		/// More than the deposit holds was asked back.
		WithdrawalTooLarge,
		/// A withdrawal is already pending: wait for it, then ask again.
		WithdrawalPending,
		/// No withdrawal is pending, or it does not complete before its epoch (see
		/// `Deposits`).
		WithdrawalNotReady,
		/// That public key is registered already (by this account or another).
		ApiKeyExists,
		/// The key's signature over `key_ownership_payload(owner, genesis)` is wrong: sign it
		/// with the key's secret to show it is yours.
		BadKeyProof,
		/// The account holds [`MAX_API_KEYS`] keys: forget revoked ones first.
		TooManyApiKeys,
		/// No such API key, or it belongs to another account.
		UnknownApiKey,
		/// The key was revoked already.
		ApiKeyRevoked,
		/// The key is not revoked, or tickets of it may still settle or be audited (until
		/// `audit_window_epochs + 2` epochs after its revocation).
		ApiKeyInUse,
		/// An expiry block that has passed already.
		ExpiryInThePast,
		/// A receipt of another executor's ticket. Settle only tickets addressed to you.
		NotYourTicket,
		/// A ticket signed for another chain (its genesis hash differs).
		WrongChain,
		/// A ticket of an epoch before the previous one: tickets settle in their epoch or the
		/// next.
		TicketTooOld,
		/// A ticket of an epoch that has not begun.
		TicketFromTheFuture,
		/// The executor does not declare the ticket's model.
		ModelNotServed,
		/// The key had expired or was revoked when the ticket was signed: the ticket expires
		/// after its key does, or more than `ticket_lifetime` blocks after its revocation, or
		/// before its own epoch began, or its epoch is after the revocation's.
		KeyExpired,
		/// The ticket's price is above its key's price cap or `max_price`.
		PriceAboveCap,
		/// More completion tokens than the ticket's `max_tokens`, no prompt token, or prompt and
		/// completion beyond the model's context.
		BadTokenCounts,
		/// The API key's signature over the ticket is wrong.
		BadTicketSignature,
		/// The executor has no signing key (register as a host first).
		NoSigningKey,
		/// The executor's signature over the receipt is wrong.
		BadExecutorSignature,
		/// This ticket (key, epoch, nonce) settled already.
		NonceReused,
		/// The ticket would take its key past its cap for that epoch.
		KeyCapExceeded,
		/// The key owner's deposit cannot pay the batch's tickets.
		DepositTooLow,
		/// A cost that does not fit the balance type.
		Overflow,
		/// An empty batch.
		NoReceipts,
		/// A missed ticket is reported in the epoch after the last one its receipt could settle
		/// in (its epoch + 2) only.
		ReportOutOfWindow,
		/// The executor's acceptance signature over the ticket's hash is wrong (or it has no
		/// signing key).
		BadAcceptanceSignature,
		/// The ticket settled (or was reported missed already).
		TicketSettled,
		/// No fees have left their audit window yet.
		NothingToClaim,
		/// The executor holds fees of too many epochs at once: claim the ones that are due.
		TooManyFeeBuckets,
		/// Parameters refused as genesis refuses them ([`Pallet::set_params`] says which).
		InvalidParams,
		/// The host has no energy declaration, in force or pending, to dispute.
		NoEnergyDeclaration,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Sets this pallet's parameters (from the next settlement, ticket and price step on),
		/// checked exactly as genesis checks them.
		///
		/// Origin: `ParamsOrigin` (a passed `params` referendum, or root). Emits `ParamsSet`.
		/// Fails with `InvalidParams`.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::set_params())]
		pub fn set_params(
			origin: OriginFor<T>,
			params: InferenceParams<BalanceOf<T>>,
		) -> DispatchResult {
			T::ParamsOrigin::ensure_origin(origin)?;
			settle::check_params(&params).map_err(|_| Error::<T>::InvalidParams)?;
			Params::<T>::put(params.clone());
			Self::deposit_event(Event::ParamsSet { params });
			Ok(())
		}

		/// Sets `model`'s price floor (docs/protocol.md §7): the dynamic price never falls below
		/// it, and a price in force below it is raised to it at once.
		///
		/// Origin: `ParamsOrigin` (a passed `params` referendum, or root). Emits `MinPriceSet`.
		/// Fails with `UnknownModel` or `InvalidMinPrice` (zero, or above `max_price`).
		#[pallet::call_index(14)]
		#[pallet::weight(T::WeightInfo::set_params())]
		pub fn set_min_price(
			origin: OriginFor<T>,
			model: ModelId,
			min_price: BalanceOf<T>,
		) -> DispatchResult {
			T::ParamsOrigin::ensure_origin(origin)?;
			ensure!(Models::<T>::contains_key(model), Error::<T>::UnknownModel);
			ensure!(
				min_price > 0 && min_price <= Self::params().max_price,
				Error::<T>::InvalidMinPrice
			);
			MinPrices::<T>::insert(model, min_price);
			Prices::<T>::mutate(model, |price| {
				if let Some(price) = price {
					*price = (*price).max(min_price);
				}
			});
			Self::deposit_event(Event::MinPriceSet { model, min_price });
			Ok(())
		}

		/// Upholds a dispute of `host`'s energy declaration (docs/protocol.md §9): clears it —
		/// in force and pending, so its certificates not yet minted carry no energy source — and
		/// blocks a new one for `energy_dispute_epochs` epochs (its service declarations still
		/// count meanwhile).
		///
		/// Origin: `ParamsOrigin` (a passed `params` referendum, or root). Emits
		/// `EnergyDisputed`. Fails with `NoEnergyDeclaration`.
		#[pallet::call_index(13)]
		#[pallet::weight(T::WeightInfo::dispute_energy())]
		pub fn dispute_energy(origin: OriginFor<T>, host: T::AccountId) -> DispatchResult {
			T::ParamsOrigin::ensure_origin(origin)?;
			let history = Energy::<T>::take(&host);
			ensure!(history.iter().any(|(_, d)| d.is_some()), Error::<T>::NoEnergyDeclaration);
			let until = T::EpochInfo::current_epoch()
				.saturating_add(1)
				.saturating_add(Self::params().energy_dispute_epochs);
			EnergyBlocked::<T>::insert(&host, until);
			Self::deposit_event(Event::EnergyDisputed { host, epoch: until });
			Ok(())
		}

		/// Registers a model, which its hosts may then declare and its tickets name.
		///
		/// Origin: [`Config::ParamsOrigin`] (governance). Emits `ModelRegistered`. Fails with
		/// `InvalidModel` (a zero field or a starting price above `max_price`) or
		/// `TooManyModels`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_model())]
		pub fn register_model(
			origin: OriginFor<T>,
			model: ModelInfo<BalanceOf<T>>,
		) -> DispatchResult {
			T::ParamsOrigin::ensure_origin(origin)?;
			let params = Self::params();
			ensure!(
				model.context_length > 0
					&& model.engine_recipe > 0
					&& model.compute_units_per_token > 0
					&& model.initial_price > 0
					&& model.initial_price <= params.max_price
					&& !model.name.is_empty(),
				Error::<T>::InvalidModel
			);
			let count = ModelCount::<T>::get();
			ensure!(count < MAX_MODELS, Error::<T>::TooManyModels);
			let id = NextModelId::<T>::get();
			NextModelId::<T>::put(id.saturating_add(1));
			ModelCount::<T>::put(count + 1);
			Prices::<T>::insert(id, model.initial_price);
			EpochPrices::<T>::insert(T::EpochInfo::current_epoch(), id, model.initial_price);
			let price = model.initial_price;
			Models::<T>::insert(id, model);
			Self::deposit_event(Event::ModelRegistered { model: id, price });
			Ok(())
		}

		/// Declares (or replaces) the caller's inference service: models, capacity in tokens/s,
		/// API URL, energy source and grid region. The service counts at once; a new or changed
		/// energy declaration takes effect from the next epoch (docs/protocol.md §9: a host
		/// cannot relabel work it has already done), and not at all while a dispute blocks it.
		///
		/// Origin: signed, a bonded host (its host bond held, not unbonding) that is not jailed;
		/// the first declaration holds `service_deposit` of its free balance until the service is
		/// withdrawn. Emits `ServiceDeclared`, and `EnergyDeclared` when the energy changes (or
		/// `EnergyDeclarationBlocked`). Fails with `NotBonded`, `Jailed`, `InvalidService` (no
		/// model, a model twice, zero capacity, an empty URL), `UnknownModel` or
		/// `ServiceDepositTooLow`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::declare_service())]
		pub fn declare_service(
			origin: OriginFor<T>,
			service: ServiceDeclaration,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			// Revision 4: declarations move the price and routing, so they need stake at risk.
			ensure!(T::Collateral::has_bond(&who), Error::<T>::NotBonded);
			ensure!(!T::Slasher::is_jailed(&who), Error::<T>::Jailed);
			let mut models = service.models.clone().into_inner();
			models.sort_unstable();
			models.dedup();
			ensure!(
				!models.is_empty()
					&& models.len() == service.models.len()
					&& service.capacity > 0
					&& !service.api_url.is_empty(),
				Error::<T>::InvalidService
			);
			for model in &models {
				ensure!(Models::<T>::contains_key(model), Error::<T>::UnknownModel);
			}
			if !ServiceDeposits::<T>::contains_key(&who) {
				let deposit = Self::params().service_deposit;
				T::Currency::hold(&HoldReason::ServiceDeposit.into(), &who, deposit)
					.map_err(|_| Error::<T>::ServiceDepositTooLow)?;
				ServiceDeposits::<T>::insert(&who, deposit);
			}
			Self::withdraw_capacity(&who);
			for model in &models {
				Capacity::<T>::mutate(model, |c| {
					*c = c.saturating_add(u64::from(service.capacity))
				});
			}
			let capacity = service.capacity;
			let energy =
				EnergyDeclaration { source: service.energy, region: service.region.clone() };
			Services::<T>::insert(&who, service);
			Self::deposit_event(Event::ServiceDeclared { host: who.clone(), capacity });
			Self::note_energy(&who, Some(energy));
			Ok(())
		}

		/// Withdraws the caller's service declaration and returns its service deposit; settling
		/// its earlier receipts still works. Its energy declaration ends with the current epoch.
		/// Its collateral stays slashable three epochs more (a ticket accepted now may settle in
		/// the next epoch and be reported missed in the one after: docs/protocol.md §7).
		///
		/// Origin: signed. Emits `ServiceWithdrawn` (and `EnergyDeclared` with none). Fails with
		/// `NoService`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::declare_service())]
		pub fn withdraw_service(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(Services::<T>::contains_key(&who), Error::<T>::NoService);
			Self::withdraw_capacity(&who);
			Services::<T>::remove(&who);
			if let Some(deposit) = ServiceDeposits::<T>::take(&who) {
				// What is held is at least what was recorded (nothing else holds it).
				let _ = T::Currency::release(
					&HoldReason::ServiceDeposit.into(),
					&who,
					deposit,
					Precision::BestEffort,
				);
			}
			T::Collateral::keep_slashable(
				&who,
				T::EpochInfo::current_epoch().saturating_add(SERVICE_DUTY_TAIL),
			);
			Self::deposit_event(Event::ServiceWithdrawn { host: who.clone() });
			Self::note_energy(&who, None);
			Ok(())
		}

		/// Adds `amount` of the caller's free balance to its inference deposit (held).
		///
		/// Origin: signed. Emits `Deposited`. Fails with `ZeroAmount` or `InsufficientBalance`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::deposit())]
		pub fn deposit(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(amount > 0, Error::<T>::ZeroAmount);
			T::Currency::hold(&HoldReason::InferenceDeposit.into(), &who, amount)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			Deposits::<T>::mutate(&who, |ledger| {
				let ledger = ledger.get_or_insert_with(Default::default);
				ledger.held = ledger.held.saturating_add(amount);
			});
			Self::deposit_event(Event::Deposited { who, amount });
			Ok(())
		}

		/// Asks for `amount` of the deposit back. It keeps paying settlements until it
		/// completes, `audit_window_epochs + 2` epochs from now: every ticket issued before the
		/// request settles (in its epoch or the next) and is audited first.
		///
		/// Origin: signed. Emits `WithdrawalRequested`. Fails with `ZeroAmount`, `NoDeposit`,
		/// `WithdrawalTooLarge` or `WithdrawalPending`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::request_withdrawal())]
		pub fn request_withdrawal(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(amount > 0, Error::<T>::ZeroAmount);
			let mut ledger = Deposits::<T>::get(&who).ok_or(Error::<T>::NoDeposit)?;
			ensure!(ledger.withdrawal.is_none(), Error::<T>::WithdrawalPending);
			ensure!(amount <= ledger.held, Error::<T>::WithdrawalTooLarge);
			let epoch = T::EpochInfo::current_epoch()
				.saturating_add(Self::params().audit_window_epochs)
				.saturating_add(2);
			ledger.withdrawal = Some((amount, epoch));
			Deposits::<T>::insert(&who, ledger);
			Self::deposit_event(Event::WithdrawalRequested { who, amount, epoch });
			Ok(())
		}

		/// Completes a requested withdrawal: the amount (or what settlements left of it) goes
		/// back to the free balance.
		///
		/// Origin: signed. Emits `Withdrawn`. Fails with `NoDeposit` or `WithdrawalNotReady`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::withdraw())]
		pub fn withdraw(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut ledger = Deposits::<T>::get(&who).ok_or(Error::<T>::NoDeposit)?;
			let (amount, epoch) = ledger.withdrawal.ok_or(Error::<T>::WithdrawalNotReady)?;
			ensure!(T::EpochInfo::current_epoch() >= epoch, Error::<T>::WithdrawalNotReady);
			let amount = amount.min(ledger.held);
			T::Currency::release(
				&HoldReason::InferenceDeposit.into(),
				&who,
				amount,
				Precision::Exact,
			)?;
			ledger.held = ledger.held.saturating_sub(amount);
			ledger.withdrawal = None;
			if ledger.held == 0 {
				Deposits::<T>::remove(&who);
			} else {
				Deposits::<T>::insert(&who, ledger);
			}
			Self::deposit_event(Event::Withdrawn { who, amount });
			Ok(())
		}

		/// Registers API key `key` for the caller's deposit: its tickets may cost at most
		/// `cap_per_epoch` per epoch, carry at most `price_cap` per token and expire no later
		/// than block `expires_at`. `proof` is the key's signature over
		/// [`key_ownership_payload`]`(caller, genesis hash)`, so nobody registers another's key.
		///
		/// Origin: signed. Emits `ApiKeyAdded`. Fails with `ApiKeyExists`, `BadKeyProof`,
		/// `TooManyApiKeys`, `ZeroAmount` (a zero cap) or `ExpiryInThePast`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::add_api_key())]
		pub fn add_api_key(
			origin: OriginFor<T>,
			key: PublicKey,
			cap_per_epoch: BalanceOf<T>,
			price_cap: BalanceOf<T>,
			expires_at: u32,
			proof: SignatureBytes,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(cap_per_epoch > 0 && price_cap > 0, Error::<T>::ZeroAmount);
			ensure!(expires_at > Self::block_number(), Error::<T>::ExpiryInThePast);
			ensure!(!ApiKeys::<T>::contains_key(key), Error::<T>::ApiKeyExists);
			let payload = key_ownership_payload(&who, Self::genesis_hash().as_ref());
			ensure!(signed_by(&key, &payload, &proof), Error::<T>::BadKeyProof);
			let count = ApiKeyCount::<T>::get(&who);
			ensure!(count < MAX_API_KEYS, Error::<T>::TooManyApiKeys);
			ApiKeyCount::<T>::insert(&who, count + 1);
			ApiKeys::<T>::insert(
				key,
				ApiKey { owner: who.clone(), cap_per_epoch, price_cap, expires_at, revoked: None },
			);
			Self::deposit_event(Event::ApiKeyAdded { owner: who, key });
			Ok(())
		}

		/// Revokes one of the caller's API keys at once: tickets it signs from now on never
		/// settle. Tickets that may have been issued before (expiring within `ticket_lifetime`
		/// blocks of the revocation) still settle, so revoking cannot dodge paying for answers
		/// already served.
		///
		/// Origin: signed (the key's owner). Emits `ApiKeyRevoked`. Fails with `UnknownApiKey`
		/// or `ApiKeyRevoked`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::revoke_api_key())]
		pub fn revoke_api_key(origin: OriginFor<T>, key: PublicKey) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut api_key = ApiKeys::<T>::get(key).ok_or(Error::<T>::UnknownApiKey)?;
			ensure!(api_key.owner == who, Error::<T>::UnknownApiKey);
			ensure!(api_key.revoked.is_none(), Error::<T>::ApiKeyRevoked);
			api_key.revoked = Some((Self::block_number(), T::EpochInfo::current_epoch()));
			ApiKeys::<T>::insert(key, api_key);
			Self::deposit_event(Event::ApiKeyRevoked { key });
			Ok(())
		}

		/// Forgets a revoked key whose tickets can no longer settle nor be audited
		/// (`audit_window_epochs + 2` epochs after its revocation: an audit that confirms fraud
		/// refunds the key's owner), freeing its place among the caller's keys.
		///
		/// Origin: signed (the key's owner). Emits `ApiKeyForgotten`. Fails with
		/// `UnknownApiKey` or `ApiKeyInUse`.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::revoke_api_key())]
		pub fn forget_api_key(origin: OriginFor<T>, key: PublicKey) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let api_key = ApiKeys::<T>::get(key).ok_or(Error::<T>::UnknownApiKey)?;
			ensure!(api_key.owner == who, Error::<T>::UnknownApiKey);
			let (_, epoch) = api_key.revoked.ok_or(Error::<T>::ApiKeyInUse)?;
			ensure!(
				T::EpochInfo::current_epoch()
					>= epoch.saturating_add(Self::params().audit_window_epochs).saturating_add(2),
				Error::<T>::ApiKeyInUse
			);
			ApiKeys::<T>::remove(key);
			ApiKeyCount::<T>::mutate(&who, |c| *c = c.saturating_sub(1));
			Self::deposit_event(Event::ApiKeyForgotten { key });
			Ok(())
		}

		/// Settles a batch of the caller's receipts ([`settle`] lists every check). All or
		/// nothing: one bad receipt fails the batch, so check them before sending.
		///
		/// Origin: signed (the executor of every ticket). Emits `Settled`. Fails with any of
		/// the receipt errors (`NotYourTicket`, `WrongChain`, `TicketTooOld`, …), `NoReceipts`,
		/// `DepositTooLow` or `TooManyFeeBuckets`.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::settle(receipts.len() as u32))]
		pub fn settle(origin: OriginFor<T>, receipts: ReceiptsOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::settle_batch(&who, &receipts)
		}

		/// Reports a ticket its executor accepted (signed `acceptance_payload(ticket hash)`) and
		/// never settled, in the epoch after the last one it could settle in. At least
		/// `min_missed` (10) and more than 5% of an executor's accepted tickets of an epoch
		/// missed (missed against missed + settled) costs it the downtime slash (10%, once per
		/// epoch) and starts its reputation again.
		///
		/// Origin: signed, anyone (the transfer agent that holds the acceptance). Emits
		/// `TicketMissed`. Fails with `ReportOutOfWindow`, `WrongChain`, `BadTicketSignature`,
		/// `BadAcceptanceSignature` or `TicketSettled`.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::report_missed_ticket())]
		pub fn report_missed_ticket(
			origin: OriginFor<T>,
			ticket: Ticket<T::AccountId, BalanceOf<T>>,
			ticket_signature: SignatureBytes,
			acceptance: SignatureBytes,
		) -> DispatchResult {
			ensure_signed(origin)?;
			let now = T::EpochInfo::current_epoch();
			ensure!(now == ticket.epoch.saturating_add(2), Error::<T>::ReportOutOfWindow);
			ensure!(Self::genesis_hash().as_ref() == &ticket.genesis[..], Error::<T>::WrongChain);
			ensure!(
				signed_by(&ticket.key, &ticket.signing_payload(), &ticket_signature),
				Error::<T>::BadTicketSignature
			);
			let executor = ticket.executor.clone();
			// The executor's current key, or one it retired within the audit window.
			let accepted = sprint_core::market::acceptance_payload(&ticket.hash());
			ensure!(
				T::SigningKeys::signing_keys(&executor).iter().any(|key| signed_by(
					key,
					&accepted,
					&acceptance
				)),
				Error::<T>::BadAcceptanceSignature
			);
			let nonce = (ticket.epoch, ticket.key, ticket.nonce);
			ensure!(!UsedNonces::<T>::contains_key(nonce), Error::<T>::TicketSettled);
			UsedNonces::<T>::insert(nonce, ());
			let missed = Missed::<T>::mutate(ticket.epoch, &executor, |m| {
				*m = m.saturating_add(1);
				*m
			});
			let served = Served::<T>::get(ticket.epoch, &executor);
			// At least `min_missed`, and above 5%: missed / (missed + served) > 1/20.
			let down = missed >= Self::params().min_missed
				&& u64::from(missed) * 20 > u64::from(missed) + u64::from(served);
			let slashed = down.then(|| {
				let slashed =
					T::Slasher::slash(&executor, OffenceKind::Downtime, ticket.epoch, &[]);
				T::OnSettle::on_downtime(&executor, now);
				slashed
			});
			Self::deposit_event(Event::TicketMissed {
				executor,
				epoch: ticket.epoch,
				missed,
				served,
				slashed,
			});
			Ok(())
		}

		/// Pays the caller the pending fees whose audit windows have closed.
		///
		/// Origin: signed (an executor). Emits `FeesClaimed`. Fails with `NothingToClaim`.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::claim_fees())]
		pub fn claim_fees(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let now = T::EpochInfo::current_epoch();
			let mut buckets = PendingFees::<T>::get(&who);
			let due: BalanceOf<T> = buckets
				.iter()
				.filter(|(epoch, _)| *epoch <= now)
				.fold(0, |sum, (_, amount)| sum.saturating_add(*amount));
			ensure!(due > 0, Error::<T>::NothingToClaim);
			T::Currency::transfer(&Self::account_id(), &who, due, Preservation::Preserve)?;
			buckets.retain(|(epoch, _)| *epoch > now);
			if buckets.is_empty() {
				PendingFees::<T>::remove(&who);
			} else {
				PendingFees::<T>::insert(&who, buckets);
			}
			Self::deposit_event(Event::FeesClaimed { executor: who, amount: due });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The escrow account of pending fees.
	pub fn account_id() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

	/// The parameters (the defaults before genesis has set them).
	pub fn params() -> InferenceParams<BalanceOf<T>> {
		Params::<T>::get().unwrap_or_else(InferenceParams::defaults)
	}

	/// Every registered model with its price per token now (the runtime API's `models`).
	pub fn models() -> alloc::vec::Vec<(ModelId, ModelInfo<BalanceOf<T>>, BalanceOf<T>)> {
		let mut models: alloc::vec::Vec<_> = Models::<T>::iter()
			.map(|(id, info)| (id, info, Prices::<T>::get(id).unwrap_or_default()))
			.collect();
		models.sort_by_key(|(id, _, _)| *id);
		models
	}

	/// What `who`'s inference deposit holds.
	pub fn deposit_of(who: &T::AccountId) -> BalanceOf<T> {
		T::Currency::balance_on_hold(&HoldReason::InferenceDeposit.into(), who)
	}

	fn block_number() -> u32 {
		use polkadot_sdk::sp_runtime::SaturatedConversion;
		frame_system::Pallet::<T>::block_number().saturated_into()
	}

	fn genesis_hash() -> T::Hash {
		frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::default())
	}

	/// Records `declaration` as `who`'s energy from the next epoch on (replacing a change still
	/// pending), unless a dispute blocks it; nothing when it is the one in force already.
	fn note_energy(who: &T::AccountId, declaration: Option<EnergyDeclaration>) {
		let now = T::EpochInfo::current_epoch();
		if let Some(until) = EnergyBlocked::<T>::get(who) {
			if now < until {
				if declaration.is_some() {
					Self::deposit_event(Event::EnergyDeclarationBlocked {
						host: who.clone(),
						epoch: until,
					});
				}
				return;
			}
			EnergyBlocked::<T>::remove(who);
		}
		let from = now.saturating_add(1);
		Energy::<T>::mutate_exists(who, |maybe| {
			let mut history = maybe.take().unwrap_or_default();
			let before = history.len();
			history.retain(|(epoch, _)| *epoch < from);
			let replaced_pending = history.len() != before;
			let in_force = history.last().and_then(|(_, d)| d.clone());
			if in_force != declaration {
				if history.is_full() {
					history.remove(0);
				}
				// Not full: one was just removed if it was.
				let _ = history.try_push((from, declaration.clone()));
				Self::deposit_event(Event::EnergyDeclared {
					host: who.clone(),
					declaration,
					epoch: from,
				});
			} else if replaced_pending {
				Self::deposit_event(Event::EnergyDeclared {
					host: who.clone(),
					declaration,
					epoch: from,
				});
			}
			if !history.is_empty() {
				*maybe = Some(history);
			}
		});
	}

	/// Takes `who`'s declared capacity out of its models' totals.
	fn withdraw_capacity(who: &T::AccountId) {
		if let Some(old) = Services::<T>::get(who) {
			for model in old.models.iter() {
				Capacity::<T>::mutate(model, |c| *c = c.saturating_sub(u64::from(old.capacity)));
			}
		}
	}
}

use polkadot_sdk::frame_system::pallet_prelude::BlockNumberFor;

/// A declared service is a duty: the executor's collateral answers for every ticket it accepts,
/// from the first (docs/protocol.md §7), so pallet-collateral completes no withdrawal meanwhile.
impl<T: Config> CollateralDuties<T::AccountId> for Pallet<T> {
	fn on_duty(who: &T::AccountId) -> bool {
		Services::<T>::contains_key(who)
	}
}

impl<T: Config> EnergyDeclarations<T::AccountId> for Pallet<T> {
	fn energy_in(epoch: EpochIndex, who: &T::AccountId) -> Option<EnergyDeclaration> {
		Energy::<T>::get(who)
			.iter()
			.rev()
			.find(|(from, _)| *from <= epoch)
			.and_then(|(_, declaration)| declaration.clone())
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_energy(who: &T::AccountId, epoch: EpochIndex, declaration: EnergyDeclaration) {
		let history: EnergyHistory =
			alloc::vec![(epoch, Some(declaration))].try_into().unwrap_or_default();
		Energy::<T>::insert(who, history);
	}
}

impl<T: Config> AuditedMarket<T::AccountId> for Pallet<T> {
	type Balance = BalanceOf<T>;

	fn batch(epoch: EpochIndex, index: u32) -> Option<(T::AccountId, u32, [u8; 32])> {
		Batches::<T>::get(epoch, index).map(|b| (b.executor, b.count, b.root))
	}

	/// Forfeits the executor's pending fees into the fund, then pays the receipt's cost (at the
	/// price it was charged) from the fund back into the payer's deposit. A payer whose key is
	/// gone (it cannot be, within the audit window) is refunded nothing.
	fn punish_fraud(receipt: &Receipt<T::AccountId, BalanceOf<T>>) -> (BalanceOf<T>, BalanceOf<T>) {
		let executor = &receipt.ticket.executor;
		let fund = T::CommunityFund::get();
		let pending: BalanceOf<T> = PendingFees::<T>::take(executor)
			.iter()
			.fold(0, |sum, (_, amount)| sum.saturating_add(*amount));
		let forfeited = if pending > 0
			&& T::Currency::transfer(&Self::account_id(), &fund, pending, Preservation::Preserve)
				.is_ok()
		{
			pending
		} else {
			0
		};
		let ticket = &receipt.ticket;
		let price = EpochPrices::<T>::get(ticket.epoch, ticket.model)
			.map_or(ticket.price, |p| p.min(ticket.price));
		let cost = price.saturating_mul(u128::from(receipt.tokens()));
		let payer = ApiKeys::<T>::get(ticket.key).map(|k| k.owner);
		let mut refunded = 0;
		if let Some(payer) = &payer {
			let available =
				T::Currency::reducible_balance(&fund, Preservation::Preserve, Fortitude::Polite);
			let amount = cost.min(available);
			if amount > 0
				&& T::Currency::transfer_and_hold(
					&HoldReason::InferenceDeposit.into(),
					&fund,
					payer,
					amount,
					Precision::Exact,
					Preservation::Preserve,
					Fortitude::Polite,
				)
				.is_ok()
			{
				Deposits::<T>::mutate(payer, |ledger| {
					let ledger = ledger.get_or_insert_with(Default::default);
					ledger.held = ledger.held.saturating_add(amount);
				});
				refunded = amount;
			}
		}
		Self::deposit_event(Event::FraudPunished {
			executor: executor.clone(),
			payer,
			refunded,
			forfeited,
		});
		(refunded, forfeited)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn record_batch(
		epoch: EpochIndex,
		executor: &T::AccountId,
		ids: &[[u8; 32]],
		payer: &T::AccountId,
		key: PublicKey,
	) -> u32 {
		let fees: BalanceOf<T> = 1_000_000;
		let _ = T::Currency::mint_into(&Self::account_id(), fees);
		let _ = Self::add_pending_fees(executor, epoch.saturating_add(2), fees);
		if !ApiKeys::<T>::contains_key(key) {
			ApiKeys::<T>::insert(
				key,
				ApiKey {
					owner: payer.clone(),
					cap_per_epoch: fees,
					price_cap: fees,
					expires_at: u32::MAX,
					revoked: None,
				},
			);
		}
		let index = BatchCount::<T>::get(epoch);
		BatchCount::<T>::insert(epoch, index.saturating_add(1));
		Batches::<T>::insert(
			epoch,
			index,
			BatchRecord {
				executor: executor.clone(),
				count: ids.len() as u32,
				root: sprint_core::market::batch_root(ids),
				tokens: 0,
				cost: 0,
			},
		);
		index
	}
}

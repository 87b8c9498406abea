//! # pallet-collateral
//!
//! What a Sprint host puts at stake (docs/protocol.md §5). Collateral is held from the host's free
//! balance (a `fungible` hold, `HoldReason::Collateral`), so it stays in the host's account, counts
//! in total issuance, and can be slashed. It has three uses:
//!
//! - the **host bond** (`min_host_bond`, default 1,000 SPR) that registration requires, so that a
//!   commitment always has something at stake ([`HostBond`], called by pallet-poc);
//! - **weight activation**: 20% of a host's weight counts with its bond alone, the other 80% only
//!   as far as collateral beyond the bond covers it at 10 SPR per unit ([`activation`]);
//! - **slashes** for offences decided elsewhere ([`Slasher`]): fraud (and an unanswered PoC
//!   challenge) 20%, inference downtime 10%, and the seat penalties — a lazy `Valid` 10%, a
//!   refuted claim 5%, a silent seat 1%; of a slash with confirmers, 10% goes to them and the
//!   rest to the community fund; the same offence is never slashed twice. Only fraud jails (for
//!   `jail_epochs`), and only fraud also takes the same fraction of the offender's unvested
//!   rewards, routed the same way, through [`Config::UnvestedRewards`] (pallet-emission).
//!
//! A validator's collateral stays slashable until the tally of every epoch in which it held a
//! seat has ended ([`SlashableUntil`], set by pallet-poc through [`HostBond::keep_slashable`]):
//! seat penalties are charged at the tally, so no withdrawal completes before it.
//!
//! Hosts add collateral with [`Pallet::deposit`], and take it back in two steps:
//! [`Pallet::request_unbond`] (it stops backing weight but stays slashable) and, after
//! `unbonding_epochs`, [`Pallet::withdraw_unbonded`].
//!
//! ## Example (from `tests/slashing.rs`)
//! ```ignore
//! Collateral::deposit(RuntimeOrigin::signed(HOST), 1_000 * SPR)?;
//! // Fraud confirmed by two seats: 20% slashed, 10% of that to the seats, the rest to the fund.
//! assert_eq!(<Collateral as Slasher<_>>::slash(&HOST, OffenceKind::PocFraud, 3, &[V1, V2]), 200 * SPR);
//! ```

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod activation;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
pub mod pruning;
pub mod types;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;

/// The longest unbonding governance may set (docs/protocol.md §8: every governed parameter has
/// bounds).
pub const MAX_UNBONDING_EPOCHS: u32 = 60;

/// The longest jail governance may set.
pub const MAX_JAIL_EPOCHS: u32 = 30;

/// The latest end of the grace period (everything counts before it) governance may set.
pub const MAX_GRACE_EPOCHS: u32 = 3_650;
pub use pruning::{OFFENCE_RECORD_EPOCHS, PRUNE_PER_BLOCK};
pub use types::*;
pub use weights::WeightInfo;

use polkadot_sdk::{
	frame_support::{
		self,
		traits::{
			fungible::{Inspect, InspectHold, Mutate, MutateHold},
			tokens::{Fortitude, Precision, Restriction},
			Get,
		},
	},
	frame_system,
	sp_arithmetic::Perbill,
	sp_runtime::DispatchError,
};
use sprint_primitives::{
	CollateralDuties, EpochInfo, HostBond, Slasher, UnvestedRewards, WeightActivation,
};

/// The balance type of the pallet's currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use polkadot_sdk::{frame_support::pallet_prelude::*, frame_system::pallet_prelude::*};

	#[pallet::pallet]
	#[pallet::storage_version(crate::migrations::STORAGE_VERSION)]
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

		/// Where slashed collateral goes, less the confirmers' share.
		type CommunityFund: Get<Self::AccountId>;

		/// Unvested rewards, which a fraud slash also takes (pallet-emission).
		type UnvestedRewards: UnvestedRewards<Self::AccountId>;

		/// Duties that keep collateral from leaving (pallet-inference: a declared service).
		type Duties: CollateralDuties<Self::AccountId>;

		/// Weights of this pallet's calls.
		/// Who may change this pallet's parameters ([`Pallet::set_params`]): a passed `params`
		/// referendum (docs/protocol.md §8), or root.
		type ParamsOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// Collateral: host bond and deposits, until withdrawn or slashed.
		Collateral,
	}

	/// The parameters (docs/protocol.md §5), set from genesis.
	#[pallet::storage]
	pub type Params<T: Config> = StorageValue<_, CollateralParams<BalanceOf<T>>, OptionQuery>;

	/// Each account's collateral. Keyed by account (user-chosen): `Blake2_128Concat`.
	#[pallet::storage]
	pub type Collaterals<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, CollateralLedger<BalanceOf<T>>, OptionQuery>;

	/// Jailed accounts and the first epoch they are free again.
	#[pallet::storage]
	pub type JailedUntil<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, EpochIndex, OptionQuery>;

	/// The last epoch in which each account held a seat: its collateral stays slashable (no
	/// withdrawal completes) until that epoch's tally has ended. Keyed by account:
	/// `Blake2_128Concat`.
	#[pallet::storage]
	pub type SlashableUntil<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, EpochIndex, OptionQuery>;

	/// Each jail's release: `(epoch it ends, account)`, so that expired [`JailedUntil`] entries
	/// are pruned epoch by epoch without scanning every account.
	#[pallet::storage]
	pub type JailReleases<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Blake2_128Concat,
		T::AccountId,
		(),
		OptionQuery,
	>;

	/// The oldest release epoch whose expired jails are not all pruned yet.
	#[pallet::storage]
	pub type NextJailRelease<T: Config> = StorageValue<_, EpochIndex, ValueQuery>;

	/// Offences already slashed, with the amount: `(epoch, (offender, kind))`. Nothing is slashed
	/// twice for the same offence. Keyed by epoch first and kept for [`OFFENCE_RECORD_EPOCHS`]
	/// epochs, after which an offence of that epoch is no longer slashable, so pruning its
	/// record can never let it be slashed twice.
	#[pallet::storage]
	pub type SlashedOffences<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Blake2_128Concat,
		(T::AccountId, OffenceKind),
		BalanceOf<T>,
		OptionQuery,
	>;

	/// How many per-instance offences (missed audits, silent jurors) each account was charged
	/// in each epoch: they stop costing at `instance_slash_cap`.
	#[pallet::storage]
	pub type OffenceInstances<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Blake2_128Concat,
		T::AccountId,
		u32,
		ValueQuery,
	>;

	/// The oldest epoch whose offence records are not pruned yet.
	#[pallet::storage]
	pub type NextOffencePrune<T: Config> = StorageValue<_, EpochIndex, ValueQuery>;

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Prunes expired jails and offence records older than [`OFFENCE_RECORD_EPOCHS`], at
		/// most [`PRUNE_PER_BLOCK`] entries of each per block ([`Pallet::prune_step`]).
		/// Migrates stored state to this code's storage version (see [`crate::migrations`]).
		fn on_runtime_upgrade() -> Weight {
			crate::migrations::migrate::<T>()
		}

		fn on_initialize(_: BlockNumberFor<T>) -> Weight {
			if Pallet::<T>::prune_step() {
				T::WeightInfo::prune_step()
			} else {
				T::DbWeight::get().reads(3)
			}
		}
	}

	#[pallet::genesis_config]
	pub struct GenesisConfig<T: Config> {
		/// The parameters; `None` keeps [`CollateralParams::gonka_defaults`].
		pub params: Option<CollateralParams<BalanceOf<T>>>,
		/// Accounts whose host bond (`min_host_bond`) is held from genesis: the genesis
		/// validators, so that their seats have stake from the first epoch. Each must have the
		/// bond in its genesis balance, beyond what it keeps for fees.
		pub host_bonds: alloc::vec::Vec<T::AccountId>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	impl<T: Config> Default for GenesisConfig<T> {
		fn default() -> Self {
			Self { params: None, host_bonds: Default::default(), _config: Default::default() }
		}
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let params = self.params.clone().unwrap_or_else(CollateralParams::gonka_defaults);
			if let Err(why) = Pallet::<T>::check_params(&params) {
				panic!("collateral.params: {why}");
			}
			Params::<T>::put(params);
			for who in &self.host_bonds {
				if let Err(why) = <Pallet<T> as HostBond<T::AccountId>>::bond_host(who) {
					panic!("collateral.hostBonds: cannot hold the host bond of {who:?}: {why:?}");
				}
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `who` added `amount` of collateral.
		Deposited { who: T::AccountId, amount: BalanceOf<T> },
		/// `who` bonded `amount` as its host bond.
		HostBonded { who: T::AccountId, amount: BalanceOf<T> },
		/// `amount` of `who`'s collateral stops backing weight and unlocks at `unlock_epoch`.
		UnbondRequested { who: T::AccountId, amount: BalanceOf<T>, unlock_epoch: EpochIndex },
		/// `amount` of unlocked collateral went back to `who`'s free balance.
		Withdrawn { who: T::AccountId, amount: BalanceOf<T> },
		/// `who` was slashed `amount` of collateral for `kind` in `epoch`; `bounty` of it went to
		/// confirmers. A fraud also took `unvested` of its unvested rewards (pallet-emission).
		Slashed {
			who: T::AccountId,
			kind: OffenceKind,
			epoch: EpochIndex,
			amount: BalanceOf<T>,
			bounty: BalanceOf<T>,
			unvested: BalanceOf<T>,
		},
		/// `who` is jailed until `until` (exclusive).
		Jailed { who: T::AccountId, until: EpochIndex },
		/// Governance set the parameters to `params` (bonds, slashes and jail from their next use; activation from the next tally).
		ParamsSet { params: CollateralParams<BalanceOf<T>> },
		/// `amount` of `from`'s held collateral was paid to `to`: a displacer's compensation to
		/// the host it displaced (docs/protocol.md §4).
		PaidFromBond { from: T::AccountId, to: T::AccountId, amount: BalanceOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// A deposit or unbond of zero. Pass an amount above zero.
		ZeroAmount,
		/// The free balance cannot cover the deposit (or the host bond). Deposit less, or top up.
		InsufficientBalance,
		/// More than the active collateral, less the host bond, was asked to unbond. The host
		/// bond leaves only when the host deregisters.
		InsufficientCollateral,
		/// Too many unbonding requests in flight: withdraw the unlocked ones first, or wait.
		TooManyUnbondingChunks,
		/// Nothing has unlocked yet: collateral unlocks `unbonding_epochs` after the request.
		NothingToWithdraw,
		/// The account holds no host bond.
		NotBonded,
		/// The account held a seat in an epoch whose tally has not ended: its collateral stays
		/// slashable until then (see `SlashableUntil`). Withdraw after that tally.
		SeatTallyPending,
		/// The account declares an inference service: its collateral answers for every ticket
		/// it accepts (docs/protocol.md §7). Withdraw the service first
		/// (`inference.withdrawService`); the collateral stays slashable three epochs more.
		OnDuty,
		/// Parameters refused as genesis refuses them ([`Pallet::set_params`] says which).
		InvalidParams,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Sets this pallet's parameters (bonds, slashes and jail from their next use; activation
		/// from the next tally), checked exactly as genesis checks them.
		///
		/// Origin: `ParamsOrigin` (a passed `params` referendum, or root). Emits `ParamsSet`.
		/// Fails with `InvalidParams`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::set_params())]
		pub fn set_params(
			origin: OriginFor<T>,
			params: CollateralParams<BalanceOf<T>>,
		) -> DispatchResult {
			T::ParamsOrigin::ensure_origin(origin)?;
			Self::check_params(&params).map_err(|_| Error::<T>::InvalidParams)?;
			Params::<T>::put(params.clone());
			Self::deposit_event(Event::ParamsSet { params });
			Ok(())
		}

		/// Holds `amount` of the caller's free balance as collateral.
		///
		/// Origin: signed. Emits `Deposited`. Fails with `ZeroAmount` or `InsufficientBalance`
		/// (and then holds nothing).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::deposit())]
		pub fn deposit(
			origin: OriginFor<T>,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::hold_into_active(&who, amount)?;
			Self::deposit_event(Event::Deposited { who, amount });
			Ok(())
		}

		/// Stops `amount` of the caller's active collateral from backing weight; it stays held
		/// and slashable until `withdraw_unbonded` after `unbonding_epochs`.
		///
		/// Origin: signed. Emits `UnbondRequested`. Fails with `ZeroAmount`,
		/// `InsufficientCollateral` (the host bond cannot be unbonded this way) or
		/// `TooManyUnbondingChunks`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::request_unbond())]
		pub fn request_unbond(
			origin: OriginFor<T>,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(amount > 0, Error::<T>::ZeroAmount);
			let mut ledger = Collaterals::<T>::get(&who).unwrap_or_default();
			ensure!(
				amount <= ledger.active.saturating_sub(ledger.host_bond),
				Error::<T>::InsufficientCollateral
			);
			let unlock_epoch = Self::start_unbonding(&mut ledger, amount)?;
			Collaterals::<T>::insert(&who, ledger);
			Self::deposit_event(Event::UnbondRequested { who, amount, unlock_epoch });
			Ok(())
		}

		/// Releases every unbonding chunk that has unlocked back to the caller's free balance.
		///
		/// Origin: signed. Emits `Withdrawn`. Fails with `NothingToWithdraw`,
		/// `SeatTallyPending` while the tally of an epoch in which the caller held a seat runs,
		/// or `OnDuty` while it declares an inference service (its collateral answers for every
		/// ticket it accepts: docs/protocol.md §7).
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded())]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let now = T::EpochInfo::current_epoch();
			let mut ledger = Collaterals::<T>::get(&who).ok_or(Error::<T>::NothingToWithdraw)?;
			ensure!(!T::Duties::on_duty(&who), Error::<T>::OnDuty);
			if let Some(seat_epoch) = SlashableUntil::<T>::get(&who) {
				ensure!(T::EpochInfo::tally_ended(seat_epoch), Error::<T>::SeatTallyPending);
				SlashableUntil::<T>::remove(&who);
			}
			let unlocked: BalanceOf<T> = ledger
				.unbonding
				.iter()
				.filter(|c| c.unlock_epoch <= now)
				.fold(0, |sum, c| sum.saturating_add(c.amount));
			ensure!(unlocked > 0, Error::<T>::NothingToWithdraw);
			T::Currency::release(&HoldReason::Collateral.into(), &who, unlocked, Precision::Exact)?;
			ledger.unbonding.retain(|c| c.unlock_epoch > now);
			Self::store(&who, ledger);
			Self::deposit_event(Event::Withdrawn { who, amount: unlocked });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// Whether `params` may be in force: unbonding must outlast a seat's tally (at least
		/// two epochs) and end ([`MAX_UNBONDING_EPOCHS`]), a jail must last an epoch and end
		/// ([`MAX_JAIL_EPOCHS`]), the grace period ends ([`MAX_GRACE_EPOCHS`]), and a host bond
		/// of zero would let anyone take seats for free. So no vote can lock funds or jail hosts
		/// for ever.
		pub fn check_params(params: &CollateralParams<BalanceOf<T>>) -> Result<(), &'static str> {
			use polkadot_sdk::sp_runtime::traits::Zero;
			if params.unbonding_epochs < 2 {
				return Err("unbonding_epochs must be at least 2: a seat's epoch is tallied \
				            before its collateral can leave");
			}
			if params.unbonding_epochs > MAX_UNBONDING_EPOCHS {
				return Err(
					"unbonding_epochs must be at most 60: bonds may not be locked for ever",
				);
			}
			if !(1..=MAX_JAIL_EPOCHS).contains(&params.jail_epochs) {
				return Err("jail_epochs must be between 1 and 30");
			}
			if params.grace_epochs > MAX_GRACE_EPOCHS {
				return Err("grace_epochs must be at most 3,650: collateral must count some day");
			}
			if params.instance_slash.is_zero() || params.instance_slash > params.instance_slash_cap
			{
				return Err("instance_slash must be above zero and at most instance_slash_cap");
			}
			if params.instance_slash_cap > Perbill::from_percent(20) {
				return Err("instance_slash_cap must be at most 20% (the fraud slash)");
			}
			if params.min_host_bond.is_zero() {
				return Err("min_host_bond must be above zero: seats need stake");
			}
			Ok(())
		}

		/// The parameters in force.
		pub fn params() -> CollateralParams<BalanceOf<T>> {
			Params::<T>::get().unwrap_or_else(CollateralParams::gonka_defaults)
		}

		/// Everything held for `who` (active and unbonding).
		pub fn held(who: &T::AccountId) -> BalanceOf<T> {
			T::Currency::balance_on_hold(&HoldReason::Collateral.into(), who)
		}

		/// Active collateral beyond the host bond: what activates weight beyond the base share.
		pub fn collateral_beyond_bond(who: &T::AccountId) -> BalanceOf<T> {
			Collaterals::<T>::get(who).map_or(0, |l| l.active.saturating_sub(l.host_bond))
		}

		/// `weight` as it counts for `who` in `epoch`, after collateral activation
		/// (docs/protocol.md §5).
		pub fn activated_weight(who: &T::AccountId, weight: u128, epoch: EpochIndex) -> u128 {
			activation::activated_weight(
				weight,
				Self::collateral_beyond_bond(who),
				epoch,
				&Self::params(),
			)
		}

		pub(crate) fn hold_into_active(
			who: &T::AccountId,
			amount: BalanceOf<T>,
		) -> Result<(), DispatchError> {
			ensure!(amount > 0, Error::<T>::ZeroAmount);
			T::Currency::hold(&HoldReason::Collateral.into(), who, amount)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			Collaterals::<T>::mutate(who, |ledger| {
				let ledger = ledger.get_or_insert_with(Default::default);
				ledger.active = ledger.active.saturating_add(amount);
			});
			Ok(())
		}

		/// Moves `amount` from active to a chunk unlocking `unbonding_epochs` from now.
		pub(crate) fn start_unbonding(
			ledger: &mut CollateralLedger<BalanceOf<T>>,
			amount: BalanceOf<T>,
		) -> Result<EpochIndex, DispatchError> {
			let unlock_epoch =
				T::EpochInfo::current_epoch().saturating_add(Self::params().unbonding_epochs);
			match ledger.unbonding.iter_mut().find(|c| c.unlock_epoch == unlock_epoch) {
				Some(chunk) => chunk.amount = chunk.amount.saturating_add(amount),
				None => ledger
					.unbonding
					.try_push(UnbondingChunk { unlock_epoch, amount })
					.map_err(|_| Error::<T>::TooManyUnbondingChunks)?,
			}
			ledger.active = ledger.active.saturating_sub(amount);
			Ok(unlock_epoch)
		}

		pub(crate) fn store(who: &T::AccountId, ledger: CollateralLedger<BalanceOf<T>>) {
			if ledger.active == 0 && ledger.unbonding.is_empty() {
				Collaterals::<T>::remove(who);
			} else {
				Collaterals::<T>::insert(who, ledger);
			}
		}

		/// Takes `amount` out of `ledger`: active first (the host bond last), then unbonding
		/// chunks, newest first (the ones furthest from leaving).
		pub(crate) fn take(ledger: &mut CollateralLedger<BalanceOf<T>>, amount: BalanceOf<T>) {
			let from_active = amount.min(ledger.active);
			ledger.active -= from_active;
			ledger.host_bond = ledger.host_bond.min(ledger.active);
			let mut left = amount - from_active;
			for chunk in ledger.unbonding.iter_mut().rev() {
				let cut = left.min(chunk.amount);
				chunk.amount -= cut;
				left -= cut;
			}
			ledger.unbonding.retain(|c| c.amount > 0);
		}

		/// Moves up to `amount` of `from`'s held collateral to `to`'s free balance.
		pub(crate) fn pay_out(
			from: &T::AccountId,
			to: &T::AccountId,
			amount: BalanceOf<T>,
		) -> BalanceOf<T> {
			if amount == 0 {
				return 0;
			}
			T::Currency::transfer_on_hold(
				&HoldReason::Collateral.into(),
				from,
				to,
				amount,
				Precision::BestEffort,
				Restriction::Free,
				Fortitude::Force,
			)
			.unwrap_or(0)
		}
	}
}

impl<T: Config> Slasher<T::AccountId> for Pallet<T> {
	type Balance = BalanceOf<T>;

	fn slash(
		offender: &T::AccountId,
		kind: OffenceKind,
		epoch: EpochIndex,
		confirmers: &[T::AccountId],
	) -> Self::Balance {
		// An offence older than the record horizon is no longer slashable: its record may be
		// pruned, and a repeat must never be slashed again.
		let current = T::EpochInfo::current_epoch();
		if epoch.saturating_add(OFFENCE_RECORD_EPOCHS) <= current {
			return 0;
		}
		let params = Self::params();
		// Per-instance kinds (missed audits, silent jurors) are charged each time, while their
		// sum in the epoch stays within `instance_slash_cap`; the other kinds once per epoch.
		let instances = if kind.per_instance() {
			let most = params
				.instance_slash_cap
				.deconstruct()
				.checked_div(params.instance_slash.deconstruct())
				.unwrap_or(0);
			let count = OffenceInstances::<T>::get(epoch, offender);
			if count >= most {
				return 0;
			}
			Some(count)
		} else {
			if SlashedOffences::<T>::contains_key(epoch, (offender, kind)) {
				return 0;
			}
			None
		};
		let mut ledger = Collaterals::<T>::get(offender).unwrap_or_default();
		let held = Self::held(offender);
		let amount = params.slash_fraction(kind).mul_floor(held);

		// Confirmers share their part equally; the division's remainder goes to the fund.
		let per_confirmer = match u128::try_from(confirmers.len()) {
			Ok(n) if n > 0 => params.confirmers_share.mul_floor(amount) / n,
			_ => 0,
		};
		let mut bounty = 0;
		for confirmer in confirmers {
			bounty += Self::pay_out(offender, confirmer, per_confirmer);
		}
		let fund = T::CommunityFund::get();
		let to_fund = Self::pay_out(offender, &fund, amount - bounty);
		let slashed = bounty + to_fund;
		// docs/protocol.md §5: fraud also costs the same fraction of the offender's unvested
		// rewards.
		let unvested = if kind.takes_unvested_rewards() {
			T::UnvestedRewards::slash_unvested(
				offender,
				params.slash_fraction(kind),
				confirmers,
				params.confirmers_share,
				&fund,
			)
		} else {
			0
		};
		Self::take(&mut ledger, slashed);
		Self::store(offender, ledger);
		match instances {
			Some(count) => {
				OffenceInstances::<T>::insert(epoch, offender, count.saturating_add(1));
				SlashedOffences::<T>::mutate(epoch, (offender, kind), |total| {
					*total = Some(total.unwrap_or(0).saturating_add(slashed));
				});
			}
			None => SlashedOffences::<T>::insert(epoch, (offender, kind), slashed),
		}
		Self::deposit_event(Event::Slashed {
			who: offender.clone(),
			kind,
			epoch,
			amount: slashed,
			bounty,
			unvested,
		});
		if kind.jails() {
			let until =
				T::EpochInfo::current_epoch().saturating_add(params.jail_epochs).saturating_add(1);
			let until = JailedUntil::<T>::mutate(offender, |j| {
				let later = j.map_or(until, |j| j.max(until));
				*j = Some(later);
				later
			});
			JailReleases::<T>::insert(until, offender, ());
			Self::deposit_event(Event::Jailed { who: offender.clone(), until });
		}
		slashed
	}

	fn is_jailed(who: &T::AccountId) -> bool {
		JailedUntil::<T>::get(who).is_some_and(|until| T::EpochInfo::current_epoch() < until)
	}
}

impl<T: Config> WeightActivation<T::AccountId> for Pallet<T> {
	fn activated_weight(who: &T::AccountId, weight: u128, epoch: EpochIndex) -> u128 {
		Pallet::<T>::activated_weight(who, weight, epoch)
	}
}

impl<T: Config> HostBond<T::AccountId> for Pallet<T> {
	fn bond_host(who: &T::AccountId) -> polkadot_sdk::sp_runtime::DispatchResult {
		let ledger = Collaterals::<T>::get(who).unwrap_or_default();
		// A genesis validator's bond, held at genesis, backs its registration as it is.
		if ledger.host_bond > 0 {
			return Ok(());
		}
		let bond = Self::params().min_host_bond;
		Self::hold_into_active(who, bond)?;
		Collaterals::<T>::mutate(who, |l| {
			if let Some(l) = l {
				l.host_bond = bond;
			}
		});
		Self::deposit_event(Event::HostBonded { who: who.clone(), amount: bond });
		Ok(())
	}

	fn unbond_host(who: &T::AccountId) -> polkadot_sdk::sp_runtime::DispatchResult {
		let mut ledger = Collaterals::<T>::get(who).ok_or(Error::<T>::NotBonded)?;
		let bond = ledger.host_bond;
		frame_support::ensure!(bond > 0, Error::<T>::NotBonded);
		ledger.host_bond = 0;
		let unlock_epoch = Self::start_unbonding(&mut ledger, bond)?;
		Collaterals::<T>::insert(who, ledger);
		Self::deposit_event(Event::UnbondRequested {
			who: who.clone(),
			amount: bond,
			unlock_epoch,
		});
		Ok(())
	}

	fn has_bond(who: &T::AccountId) -> bool {
		Collaterals::<T>::get(who).is_some_and(|l| l.host_bond > 0)
	}

	fn keep_slashable(who: &T::AccountId, epoch: EpochIndex) {
		SlashableUntil::<T>::mutate(who, |until| {
			*until = Some(until.map_or(epoch, |until| until.max(epoch)))
		});
	}

	fn pay_from_bond(from: &T::AccountId, to: &T::AccountId, amount: u128) -> u128 {
		let paid = Self::pay_out(from, to, amount);
		if paid > 0 {
			let mut ledger = Collaterals::<T>::get(from).unwrap_or_default();
			Self::take(&mut ledger, paid);
			Self::store(from, ledger);
			Self::deposit_event(Event::PaidFromBond {
				from: from.clone(),
				to: to.clone(),
				amount: paid,
			});
		}
		paid
	}
}

impl CollateralParams<u128> {
	/// docs/protocol.md §5's defaults (Gonka's mainnet values).
	pub fn gonka_defaults() -> Self {
		use sprint_primitives::SPR;
		Self {
			min_host_bond: 1_000 * SPR,
			unbonding_epochs: 2,
			jail_epochs: 1,
			fraud_slash: Perbill::from_percent(20),
			downtime_slash: Perbill::from_percent(10),
			lazy_validation_slash: Perbill::from_percent(10),
			silent_seat_slash: Perbill::from_percent(1),
			refuted_claim_slash: Perbill::from_percent(5),
			confirmers_share: Perbill::from_percent(10),
			base_weight_ratio: Perbill::from_percent(20),
			collateral_per_weight_unit: 10 * SPR,
			grace_epochs: 180,
			instance_slash: Perbill::from_parts(1_000_000),
			instance_slash_cap: Perbill::from_percent(10),
		}
	}
}

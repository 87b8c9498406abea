//! # pallet-emission
//!
//! Sprint's halving emission (docs/protocol.md §6). Each epoch `e` may mint
//! `reward(e) = R0 · exp(−λ · (e − e0))` SPR, computed directly from `e` in integer fixed point
//! ([`schedule`]). An accepted host earns `reward(e) · ŵ_i / W(e)` — its activated, capped weight
//! over the epoch's denominator, both decided by the PoC tally, which calls
//! [`Pallet::credit_reward`] once per accepted host. A host rejected for lack of votes stays in
//! `W(e)`: its share is simply never minted.
//!
//! Rewards are minted into this pallet's own account, never into the host's: each host has a
//! [`RewardLedger`] with one bucket per epoch, vesting linearly over `vesting_epochs` (180 by
//! default). Unvested rewards cannot double as collateral, can be slashed
//! ([`Pallet::slash_unvested`]), and pallet-vesting's per-account schedule limit does not apply.
//! Hosts pull what has vested with [`Pallet::claim_rewards`].
//!
//! Two caps bound minting: the emission cap (a parameter, 680,000,000 SPR by default) on the
//! total this pallet ever mints, and the runtime constant [`sprint_primitives::TOTAL_ISSUANCE_CAP`]
//! on total issuance. pallet-balances is the one source of truth for issuance: this pallet only
//! counts what it minted.
//!
//! ## Terms
//! - *budget* of epoch `e`: `reward(e)` less what the caps leave no room for, fixed when the
//!   epoch's first reward is credited ([`EpochBudget`]).
//! - *pot*: this pallet's account (from [`Config::PalletId`]). It keeps the existential deposit
//!   (minted with the first reward and counted as emission) plus every ledger's balance.
//!
//! ## Example (from `tests/claims.rs`)
//! ```ignore
//! // Epoch 0 pays R0; Alice holds all the weight.
//! Emission::credit_reward(0, &ALICE, 10, 10);
//! set_epoch(90);
//! Emission::claim_rewards(RuntimeOrigin::signed(ALICE))?; // half of R0 has vested
//! ```
//!
//! The fixed-point exponential is in [`schedule`], the vesting arithmetic in [`ledger`].

#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod ledger;
pub mod schedule;
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
			fungible::{Balanced, Credit, Inspect, Mutate},
			tokens::{Fortitude, Precision, Preservation},
			Get,
		},
		PalletId,
	},
	frame_system,
	sp_arithmetic::{helpers_128bit::multiply_by_rational_with_rounding, Perbill, Rounding},
	sp_runtime::traits::AccountIdConversion,
};
use sprint_primitives::{EpochIndex as Epoch, EpochInfo, RewardSink, UnvestedRewards};

/// The balance type of the pallet's currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use polkadot_sdk::{frame_support::pallet_prelude::*, frame_system::pallet_prelude::*};

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The token (pallet-balances): rewards are minted into the pot and claimed from it.
		type Currency: Mutate<Self::AccountId, Balance = u128> + Balanced<Self::AccountId>;

		/// Derives the pot account.
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// The current epoch, from pallet-poc; vesting is counted in epochs.
		type EpochInfo: EpochInfo;

		/// Weights of this pallet's calls.
		/// Who may change this pallet's parameters ([`Pallet::set_params`]): a passed `params`
		/// referendum (docs/protocol.md §8), or root.
		type ParamsOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		type WeightInfo: WeightInfo;
	}

	/// The schedule's parameters (docs/protocol.md §6), set from genesis.
	#[pallet::storage]
	pub type Params<T: Config> = StorageValue<_, EmissionParams<BalanceOf<T>>, OptionQuery>;

	/// Everything this pallet has minted, the pot's existential deposit included; never above
	/// `Params::emission_cap`.
	#[pallet::storage]
	pub type TotalMinted<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	/// Each epoch's budget and what it has minted. Epochs are sequential, not user-chosen, so
	/// `Twox64Concat` is safe. Kept two epochs, then pruned by the next distribution.
	#[pallet::storage]
	pub type EpochBudgets<T: Config> =
		StorageMap<_, Twox64Concat, EpochIndex, EpochBudget<BalanceOf<T>>, OptionQuery>;

	/// Each host's rewards held by the pot. Keyed by account (user-chosen): `Blake2_128Concat`.
	#[pallet::storage]
	pub type Ledgers<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, RewardLedger<BalanceOf<T>>, OptionQuery>;

	#[pallet::genesis_config]
	pub struct GenesisConfig<T: Config> {
		/// The schedule's parameters; `None` keeps [`EmissionParams::gonka_defaults`].
		pub params: Option<EmissionParams<BalanceOf<T>>>,
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
			let params = self.params.clone().unwrap_or_else(EmissionParams::gonka_defaults);
			if let Err(why) = params.validate() {
				panic!("invalid emission parameters in the chain spec: {why}");
			}
			Params::<T>::put(params);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Epoch `epoch`'s budget was fixed: at most `budget` will be minted for it.
		EpochBudgetSet { epoch: EpochIndex, budget: BalanceOf<T> },
		/// `host` was credited `amount` for epoch `epoch`, minted into the pot and vesting.
		RewardCredited { epoch: EpochIndex, host: T::AccountId, amount: BalanceOf<T> },
		/// `who` claimed `amount` of vested rewards.
		RewardsClaimed { who: T::AccountId, amount: BalanceOf<T> },
		/// `amount` of `who`'s unvested rewards was slashed.
		UnvestedRewardsSlashed { who: T::AccountId, amount: BalanceOf<T> },
		/// Governance set the parameters to `params` (from the next epoch's budget on).
		ParamsSet { params: EmissionParams<BalanceOf<T>> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// Nothing of the caller's rewards has vested since its last claim (or it has none).
		/// Rewards vest linearly over `vesting_epochs` after the epoch that earned them.
		NothingToClaim,
		/// The pot holds less than the ledgers say. This is a bug: please report it.
		PotShortfall,
		/// Parameters refused as genesis refuses them ([`Pallet::set_params`] says which).
		InvalidParams,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Sets this pallet's parameters (from the next epoch's budget on; a new `vesting_epochs`
		/// applies to rewards credited from then on, buckets already vesting keep their
		/// schedule), checked as genesis checks them, and the cap never below what was minted
		/// already.
		///
		/// Origin: `ParamsOrigin` (a passed `params` referendum, or root). Emits `ParamsSet`.
		/// Fails with `InvalidParams`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::set_params())]
		pub fn set_params(
			origin: OriginFor<T>,
			params: EmissionParams<BalanceOf<T>>,
		) -> DispatchResult {
			T::ParamsOrigin::ensure_origin(origin)?;
			params.validate().map_err(|_| Error::<T>::InvalidParams)?;
			// A cap below what was minted already would stop emission for good.
			ensure!(params.emission_cap >= TotalMinted::<T>::get(), Error::<T>::InvalidParams);
			Params::<T>::put(params.clone());
			Self::deposit_event(Event::ParamsSet { params });
			Ok(())
		}

		/// Moves the caller's vested rewards from the pot to the caller's free balance.
		///
		/// Origin: signed, any host with a ledger. Emits `RewardsClaimed`. Fails with
		/// `NothingToClaim` when nothing has vested since the last claim.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::claim_rewards())]
		pub fn claim_rewards(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let now = T::EpochInfo::current_epoch();
			let mut ledger = Ledgers::<T>::get(&who).ok_or(Error::<T>::NothingToClaim)?;
			ledger::release(&mut ledger, now);
			let amount = ledger.vested;
			ensure!(amount > 0, Error::<T>::NothingToClaim);
			T::Currency::transfer(&Self::pot(), &who, amount, Preservation::Preserve)
				.map_err(|_| Error::<T>::PotShortfall)?;
			ledger.vested = 0;
			if ledger.buckets.is_empty() {
				Ledgers::<T>::remove(&who);
			} else {
				Ledgers::<T>::insert(&who, ledger);
			}
			Self::deposit_event(Event::RewardsClaimed { who, amount });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// The pot: this pallet's account.
		pub fn pot() -> T::AccountId {
			T::PalletId::get().into_account_truncating()
		}

		/// `reward(e)` by the current parameters, before caps.
		pub fn scheduled_reward(epoch: EpochIndex) -> BalanceOf<T> {
			let params = Params::<T>::get().unwrap_or_else(EmissionParams::gonka_defaults);
			schedule::reward(
				params.initial_reward,
				params.decay_per_epoch,
				params.start_epoch,
				epoch,
			)
		}

		/// Room left under both caps: the emission cap on what this pallet mints, and the total
		/// issuance cap on everything.
		pub fn mint_room() -> BalanceOf<T> {
			let params = Params::<T>::get().unwrap_or_else(EmissionParams::gonka_defaults);
			let emission_room = params.emission_cap.saturating_sub(TotalMinted::<T>::get());
			let issuance_room =
				sprint_primitives::TOTAL_ISSUANCE_CAP.saturating_sub(T::Currency::total_issuance());
			emission_room.min(issuance_room)
		}

		/// Epoch `epoch`'s budget, fixing it (and pruning the budget of `epoch − 2`) the first
		/// time it is asked for.
		pub fn epoch_budget(epoch: EpochIndex) -> EpochBudget<BalanceOf<T>> {
			if let Some(budget) = EpochBudgets::<T>::get(epoch) {
				return budget;
			}
			let budget = EpochBudget {
				budget: Self::scheduled_reward(epoch).min(Self::mint_room()),
				minted: 0,
			};
			EpochBudgets::<T>::insert(epoch, &budget);
			if let Some(old) = epoch.checked_sub(2) {
				EpochBudgets::<T>::remove(old);
			}
			Self::deposit_event(Event::EpochBudgetSet { epoch, budget: budget.budget });
			budget
		}

		/// Credits `host` its share of epoch `epoch`'s budget, `weight / total_weight`, minted
		/// into the pot and vesting from the current epoch. Called by the PoC tally once per
		/// accepted host (`weight` = ŵ_i, `total_weight` = W(e)). Returns what was credited: less
		/// than the share only when a cap is reached, zero for a zero weight or denominator.
		pub fn credit_reward(
			epoch: EpochIndex,
			host: &T::AccountId,
			weight: u128,
			total_weight: u128,
		) -> BalanceOf<T> {
			if weight == 0 || total_weight == 0 {
				return 0;
			}
			let mut budget = Self::epoch_budget(epoch);
			let share = multiply_by_rational_with_rounding(
				budget.budget,
				weight.min(total_weight),
				total_weight,
				Rounding::Down,
			)
			.unwrap_or(0);

			// The pot keeps the existential deposit so that amounts of any size can land in it;
			// the deposit is minted with the first reward and counts as emission.
			let pot = Self::pot();
			let deposit =
				if T::Currency::balance(&pot) == 0 { T::Currency::minimum_balance() } else { 0 };
			let room = Self::mint_room().saturating_sub(deposit);
			let amount = share.min(budget.budget.saturating_sub(budget.minted)).min(room);
			if amount == 0 {
				return 0;
			}

			let params = Params::<T>::get().unwrap_or_else(EmissionParams::gonka_defaults);
			let mut ledger = Ledgers::<T>::get(host).unwrap_or_default();
			if !ledger::credit(
				&mut ledger,
				T::EpochInfo::current_epoch(),
				amount,
				params.vesting_epochs,
			) || T::Currency::mint_into(&pot, deposit.saturating_add(amount)).is_err()
			{
				return 0;
			}
			Ledgers::<T>::insert(host, ledger);
			TotalMinted::<T>::mutate(|total| *total = total.saturating_add(deposit + amount));
			budget.minted = budget.minted.saturating_add(amount);
			EpochBudgets::<T>::insert(epoch, budget);
			Self::deposit_event(Event::RewardCredited { epoch, host: host.clone(), amount });
			amount
		}

		/// Takes `fraction` of `who`'s unvested rewards out of the pot and returns them as a
		/// credit for the caller (pallet-collateral) to route: to the confirmers and the
		/// community fund (docs/protocol.md §5). Vested rewards are not touched.
		pub fn slash_unvested(
			who: &T::AccountId,
			fraction: Perbill,
		) -> Credit<T::AccountId, T::Currency> {
			let Some(mut ledger) = Ledgers::<T>::get(who) else { return Default::default() };
			let taken =
				ledger::slash_unvested(&mut ledger, T::EpochInfo::current_epoch(), fraction);
			let credit = T::Currency::withdraw(
				&Self::pot(),
				taken,
				Precision::Exact,
				Preservation::Preserve,
				Fortitude::Force,
			);
			match credit {
				Ok(credit) => {
					Ledgers::<T>::insert(who, ledger);
					Self::deposit_event(Event::UnvestedRewardsSlashed {
						who: who.clone(),
						amount: taken,
					});
					credit
				}
				Err(_) => Default::default(),
			}
		}

		/// `(vested and unclaimed, still vesting)` of `who` at the current epoch.
		pub fn rewards_of(who: &T::AccountId) -> (BalanceOf<T>, BalanceOf<T>) {
			let mut ledger = Ledgers::<T>::get(who).unwrap_or_default();
			ledger::release(&mut ledger, T::EpochInfo::current_epoch());
			(ledger.vested, ledger::unvested(&ledger))
		}
	}
}

impl<T: Config> RewardSink<T::AccountId> for Pallet<T> {
	fn credit_reward(epoch: Epoch, host: &T::AccountId, weight: u128, total_weight: u128) -> u128 {
		Pallet::<T>::credit_reward(epoch, host, weight, total_weight)
	}

	fn expected_reward(epoch: Epoch, weight: u128, total_weight: u128) -> u128 {
		if total_weight == 0 {
			return 0;
		}
		// Read only: an epoch's budget as it was set, or as it would be.
		let budget = EpochBudgets::<T>::get(epoch)
			.map_or_else(|| Pallet::<T>::scheduled_reward(epoch), |b| b.budget);
		multiply_by_rational_with_rounding(
			budget,
			weight.min(total_weight),
			total_weight,
			Rounding::Down,
		)
		.unwrap_or(0)
	}
}

impl<T: Config> UnvestedRewards<T::AccountId> for Pallet<T> {
	fn slash_unvested(
		who: &T::AccountId,
		fraction: Perbill,
		confirmers: &[T::AccountId],
		confirmers_share: Perbill,
		fund: &T::AccountId,
	) -> u128 {
		use frame_support::traits::Imbalance;
		let mut credit = Pallet::<T>::slash_unvested(who, fraction);
		let taken = credit.peek();
		// Confirmers share their part equally; what cannot land (an amount below the existential
		// deposit for a new account) goes to the fund with the rest.
		if let Ok(count) = u128::try_from(confirmers.len()) {
			let per_confirmer = confirmers_share.mul_floor(taken).checked_div(count).unwrap_or(0);
			for confirmer in confirmers {
				if per_confirmer == 0 {
					break;
				}
				let (part, rest) = credit.split(per_confirmer);
				credit = rest;
				if let Err(back) = T::Currency::resolve(confirmer, part) {
					credit = credit.merge(back);
				}
			}
		}
		if let Err(left) = T::Currency::resolve(fund, credit) {
			// The fund always exists (it is endowed at genesis); should it not, the amount is
			// burned rather than left in the pot, where no ledger would account for it.
			drop(left);
		}
		taken
	}
}

impl EmissionParams<u128> {
	/// docs/protocol.md §6's defaults (Gonka's mainnet values): R0 = 323,000 SPR, λ = 0.000475, e0
	/// = 0, cap 680,000,000 SPR, 180-epoch vesting.
	pub fn gonka_defaults() -> Self {
		use sprint_primitives::SPR;
		Self {
			initial_reward: 323_000 * SPR,
			decay_per_epoch: polkadot_sdk::sp_arithmetic::FixedU128::from_rational(475, 1_000_000),
			start_epoch: 0,
			emission_cap: 680_000_000 * SPR,
			vesting_epochs: 180,
		}
	}

	/// Checks what genesis sets: vesting within the ledger bound, a cap within total issuance.
	pub fn validate(&self) -> Result<(), &'static str> {
		if self.vesting_epochs == 0 || self.vesting_epochs > MaxBuckets::get() {
			return Err("vesting_epochs must be between 1 and 1000");
		}
		if self.emission_cap > sprint_primitives::TOTAL_ISSUANCE_CAP {
			return Err("emission_cap is above the 1,000,000,000 SPR total-issuance cap");
		}
		Ok(())
	}
}

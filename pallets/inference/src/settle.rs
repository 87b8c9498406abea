//! Settling receipts (docs/protocol.md §7) and pruning what settlement remembers.
//!
//! The rules, each with what it stops:
//! 1. Every ticket names the caller as executor — nobody settles another's work.
//! 2. The ticket's genesis hash is this chain's — a ticket signed for a testnet never pays here.
//! 3. The ticket's epoch is the current or the previous one — old tickets cannot surface after
//!    their nonces are pruned, and the spending cap of an epoch is final one epoch later.
//! 4. The model is registered and the executor declares it.
//! 5. The key exists, the ticket expires no later than the key and not before its own epoch
//!    began, and a revoked key's tickets settle only if they could have been issued before the
//!    revocation (an epoch no later than the revocation's, an expiry within `ticket_lifetime`
//!    blocks of it) — the signer chooses the expiry, so without the epoch bounds a leaked key
//!    could date tickets of later epochs back; with them a revoked or expired key stops costing
//!    within one ticket lifetime, yet revoking cannot dodge paying for answers already served.
//!    (The expiry's upper bound at the end of the next epoch needs no check: a ticket settles
//!    only until then, rule 3.)
//! 6. The ticket's price is within the key's price cap and `max_price`; the price charged is the
//!    lower of it and the model's price when the ticket's epoch began — a TA cannot overcharge
//!    beyond what the requester allowed, nor an executor profit from a price spike mid-epoch.
//! 7. Completion tokens ≤ `max_tokens`, at least one prompt token, prompt + completion within
//!    the model's context — counts the executor cannot inflate past what the ticket allowed
//!    (an audit replays the exact counts).
//! 8. The key signed the ticket and the executor's signing key signed the receipt.
//! 9. `(epoch, key, nonce)` settles once — no replay, within a batch or across batches.
//! 10. The key's spending in the ticket's epoch stays within its cap, and each owner's deposit
//!     covers what the batch charges it.
//!
//! Downtime: a ticket the executor signed as accepted and never settled may be reported in the
//! epoch after the last one it could settle in ([`Pallet::report_missed_ticket`]); receipts
//! settled and tickets missed are counted per executor and ticket epoch, and more than 5% missed
//! costs the downtime slash. Nonces and counts are kept until those reports close.
//!
//! Then each owner's cost leaves its held deposit for the escrow account, the community fund's
//! share (`community_fee_share` of the batch's cost) leaves the escrow at once, and the rest
//! becomes the executor's pending fees, claimable from `settle epoch + audit_window_epochs + 1`;
//! the executor's collateral stays slashable through its receipts' audit window and the epoch
//! after, when its last disputes are decided. The batch is stored as one [`BatchRecord`] with
//! the Merkle root of its receipts' ids.

use alloc::{collections::BTreeMap, vec::Vec};
use polkadot_sdk::{
	frame_support::{ensure, traits::tokens::Restriction},
	sp_runtime::{DispatchError, DispatchResult},
};
use sprint_core::market::batch_root;

use crate::*;

/// Most entries [`Pallet::prune_step`] removes per block.
pub const PRUNE_PER_BLOCK: u32 = 256;

/// Checks parameters before genesis stores them.
pub fn check_params<Balance: PartialOrd + From<u64>>(
	params: &InferenceParams<Balance>,
) -> Result<(), &'static str> {
	if params.audit_window_epochs > 6 {
		return Err("auditWindowEpochs must be at most 6: an executor keeps at most 8 fee buckets");
	}
	if params.utilization_window == 0 || params.utilization_window > 64 {
		return Err("utilizationWindow must be between 1 and 64 blocks");
	}
	if params.block_seconds == 0 || params.ticket_lifetime == 0 {
		return Err("blockSeconds and ticketLifetime must be at least 1");
	}
	if params.block_seconds > 60 {
		return Err("blockSeconds must be at most 60");
	}
	if params.ticket_lifetime > 14_400 {
		return Err("ticketLifetime must be at most 14,400 blocks (a day of 6 s blocks)");
	}
	if params.community_fee_share > polkadot_sdk::sp_runtime::Perbill::from_percent(50) {
		return Err("communityFeeShare must be at most 50%: executors are paid for their work");
	}
	if params.max_price < Balance::from(1) {
		return Err("maxPrice must be at least 1 planck");
	}
	if params.energy_dispute_epochs > 10_000 {
		return Err("energyDisputeEpochs must be at most 10,000");
	}
	if params.service_deposit > Balance::from(10_000_000_000_000) {
		return Err("serviceDeposit must be at most 10,000 SPR");
	}
	if params.min_missed == 0 || params.min_missed > 10_000 {
		return Err("minMissed must be between 1 and 10,000 missed tickets");
	}
	Ok(())
}

impl<T: Config> Pallet<T> {
	/// Settles `receipts` for executor `who` (the rules at the top of this module).
	pub(crate) fn settle_batch(
		who: &T::AccountId,
		receipts: &[Receipt<T::AccountId, BalanceOf<T>>],
	) -> DispatchResult {
		ensure!(!receipts.is_empty(), Error::<T>::NoReceipts);
		let params = Self::params();
		let now = T::EpochInfo::current_epoch();
		let genesis = Self::genesis_hash();
		let served = Services::<T>::get(who).map(|s| s.models).unwrap_or_default();
		// The current key, or one retired within the audit window.
		let signing_keys = T::SigningKeys::signing_keys(who);
		ensure!(!signing_keys.is_empty(), Error::<T>::NoSigningKey);
		let mut owed: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		// Per key: its owner, receipts, tokens and cost in this batch (the `Charged` events).
		let mut by_key: BTreeMap<PublicKey, (T::AccountId, u32, u64, BalanceOf<T>)> =
			BTreeMap::new();
		let mut model_tokens: BTreeMap<ModelId, u64> = BTreeMap::new();
		let mut ids = Vec::with_capacity(receipts.len());
		let (mut tokens, mut cost) = (0u64, BalanceOf::<T>::default());
		let mut traffic = 0u32;
		let mut served_by_epoch: BTreeMap<EpochIndex, u32> = BTreeMap::new();
		for receipt in receipts {
			let ticket = &receipt.ticket;
			ensure!(ticket.executor == *who, Error::<T>::NotYourTicket);
			ensure!(genesis.as_ref() == &ticket.genesis[..], Error::<T>::WrongChain);
			ensure!(ticket.epoch <= now, Error::<T>::TicketFromTheFuture);
			ensure!(ticket.epoch.saturating_add(1) >= now, Error::<T>::TicketTooOld);
			let model = Models::<T>::get(ticket.model).ok_or(Error::<T>::UnknownModel)?;
			ensure!(served.contains(&ticket.model), Error::<T>::ModelNotServed);
			let key = ApiKeys::<T>::get(ticket.key).ok_or(Error::<T>::UnknownApiKey)?;
			ensure!(ticket.expiry <= key.expires_at, Error::<T>::KeyExpired);
			// The signer chooses the expiry: it may not date a ticket before its epoch began,
			// so a key that expired before an epoch signs nothing that settles in it.
			ensure!(
				EpochBegan::<T>::get(ticket.epoch).is_none_or(|began| ticket.expiry >= began),
				Error::<T>::KeyExpired
			);
			if let Some((revoked_at, revoked_in)) = key.revoked {
				ensure!(
					ticket.epoch <= revoked_in
						&& ticket.expiry <= revoked_at.saturating_add(params.ticket_lifetime),
					Error::<T>::KeyExpired
				);
			}
			ensure!(
				ticket.price <= key.price_cap && ticket.price <= params.max_price,
				Error::<T>::PriceAboveCap
			);
			ensure!(
				receipt.prompt_tokens > 0
					&& receipt.completion_tokens <= ticket.max_tokens
					&& receipt.tokens() <= u64::from(model.context_length),
				Error::<T>::BadTokenCounts
			);
			ensure!(
				signed_by(&ticket.key, &ticket.signing_payload(), &receipt.ticket_signature),
				Error::<T>::BadTicketSignature
			);
			let payload = receipt.executor_payload();
			ensure!(
				signing_keys.iter().any(|k| signed_by(k, &payload, &receipt.executor_signature)),
				Error::<T>::BadExecutorSignature
			);
			let nonce = (ticket.epoch, ticket.key, ticket.nonce);
			ensure!(!UsedNonces::<T>::contains_key(nonce), Error::<T>::NonceReused);
			UsedNonces::<T>::insert(nonce, ());
			let price = EpochPrices::<T>::get(ticket.epoch, ticket.model)
				.map_or(ticket.price, |p| p.min(ticket.price));
			let charge =
				price.checked_mul(u128::from(receipt.tokens())).ok_or(Error::<T>::Overflow)?;
			Spent::<T>::try_mutate(ticket.epoch, ticket.key, |spent| -> DispatchResult {
				let total = spent.checked_add(charge).ok_or(Error::<T>::Overflow)?;
				ensure!(total <= key.cap_per_epoch, Error::<T>::KeyCapExceeded);
				*spent = total;
				Ok(())
			})?;
			let charged = by_key.entry(ticket.key).or_insert_with(|| (key.owner.clone(), 0, 0, 0));
			charged.1 = charged.1.saturating_add(1);
			charged.2 = charged.2.saturating_add(receipt.tokens());
			charged.3 = charged.3.saturating_add(charge);
			let owner = owed.entry(key.owner).or_default();
			*owner = owner.checked_add(charge).ok_or(Error::<T>::Overflow)?;
			cost = cost.checked_add(charge).ok_or(Error::<T>::Overflow)?;
			tokens = tokens.saturating_add(receipt.tokens());
			*served_by_epoch.entry(ticket.epoch).or_default() += 1;
			if receipt.tokens() >= sprint_core::market::AUDIT_MIN_TOKENS {
				traffic += 1;
			}
			let per_model = model_tokens.entry(ticket.model).or_default();
			*per_model = per_model.saturating_add(receipt.tokens());
			ids.push(receipt.id());
		}

		let escrow = Self::account_id();
		for (owner, charge) in owed {
			let mut ledger = Deposits::<T>::get(&owner).ok_or(Error::<T>::DepositTooLow)?;
			ensure!(ledger.held >= charge, Error::<T>::DepositTooLow);
			T::Currency::transfer_on_hold(
				&HoldReason::InferenceDeposit.into(),
				&owner,
				&escrow,
				charge,
				Precision::Exact,
				Restriction::Free,
				Fortitude::Polite,
			)
			.map_err(|_| Error::<T>::DepositTooLow)?;
			ledger.held = ledger.held.saturating_sub(charge);
			Deposits::<T>::insert(&owner, ledger);
		}
		let fund = params.community_fee_share.mul_floor(cost);
		if fund > 0 {
			T::Currency::transfer(&escrow, &T::CommunityFund::get(), fund, Preservation::Preserve)?;
		}
		let fees = cost.saturating_sub(fund);
		if fees > 0 {
			Self::add_pending_fees(who, now.saturating_add(params.audit_window_epochs + 1), fees)?;
		}
		// Audits of this batch end in epoch `now + audit_window_epochs`; disputes still open
		// then are decided early in the next one: slashable until that epoch's tally.
		T::Collateral::keep_slashable(who, now.saturating_add(params.audit_window_epochs + 1));
		for (model, n) in model_tokens {
			BlockTokens::<T>::mutate(model, |t| *t = t.saturating_add(n));
		}
		let index = BatchCount::<T>::get(now);
		BatchCount::<T>::insert(now, index.saturating_add(1));
		let count = ids.len() as u32;
		Batches::<T>::insert(
			now,
			index,
			BatchRecord { executor: who.clone(), count, root: batch_root(&ids), tokens, cost },
		);
		for (epoch, n) in served_by_epoch {
			Served::<T>::mutate(epoch, who, |s| *s = s.saturating_add(n));
		}
		T::OnSettle::on_settle(who, now, traffic);
		for (key, (owner, receipts, tokens, cost)) in by_key {
			Self::deposit_event(Event::Charged {
				owner,
				key,
				executor: who.clone(),
				epoch: now,
				index,
				receipts,
				tokens,
				cost,
			});
		}
		Self::deposit_event(Event::Settled {
			executor: who.clone(),
			epoch: now,
			index,
			count,
			tokens,
			cost,
			fund,
		});
		Ok(())
	}

	/// Adds `amount` to `who`'s fees claimable from `epoch`, folding the buckets that are due
	/// already into one, so an executor never holds more than the audit window's buckets.
	pub(crate) fn add_pending_fees(
		who: &T::AccountId,
		epoch: EpochIndex,
		amount: BalanceOf<T>,
	) -> Result<(), DispatchError> {
		let now = T::EpochInfo::current_epoch();
		PendingFees::<T>::try_mutate(who, |buckets| {
			let due: BalanceOf<T> = buckets
				.iter()
				.filter(|(e, _)| *e <= now)
				.fold(0, |sum, (_, a)| sum.saturating_add(*a));
			let mut kept: Vec<(EpochIndex, BalanceOf<T>)> =
				buckets.iter().copied().filter(|(e, _)| *e > now).collect();
			if due > 0 {
				kept.insert(0, (now, due));
			}
			match kept.iter_mut().find(|(e, _)| *e == epoch) {
				Some((_, a)) => *a = a.saturating_add(amount),
				None => kept.push((epoch, amount)),
			}
			*buckets = kept.try_into().map_err(|_| Error::<T>::TooManyFeeBuckets)?;
			Ok(())
		})
	}

	/// Prunes [`Spent`], [`Served`], [`Missed`] and [`UsedNonces`] of epochs whose tickets no
	/// longer settle nor are reported missed (before `now − 2`), and [`Batches`] and [`EpochPrices`] whose audit window has long closed,
	/// at most [`PRUNE_PER_BLOCK`] entries of each per call; returns how many it removed.
	pub(crate) fn prune_step() -> u32 {
		let now = T::EpochInfo::current_epoch();
		let epoch = NextPrune::<T>::get();
		// Tickets of `epoch` settle until `epoch + 1` ends and are reported missed in `epoch + 2`.
		if epoch.saturating_add(3) > now {
			return 0;
		}
		let mut removed = 0;
		EpochBegan::<T>::remove(epoch);
		let spent = Spent::<T>::clear_prefix(epoch, PRUNE_PER_BLOCK, None);
		removed += spent.unique;
		let served = Served::<T>::clear_prefix(epoch, PRUNE_PER_BLOCK, None);
		removed += served.unique;
		let missed = Missed::<T>::clear_prefix(epoch, PRUNE_PER_BLOCK, None);
		removed += missed.unique;
		let nonces = UsedNonces::<T>::clear_prefix((epoch,), PRUNE_PER_BLOCK, None);
		removed += nonces.unique;
		// Batches, and the prices their receipts were charged (an audit's refund pays that
		// price back), stay for the audit window and as long again, for late reports of missed
		// audits.
		let audit_window = Self::params().audit_window_epochs;
		let mut batches_done = true;
		if let Some(old) = epoch.checked_sub(2 * audit_window + 2) {
			let prices = EpochPrices::<T>::clear_prefix(old, MAX_MODELS, None);
			removed += prices.unique;
			let batches = Batches::<T>::clear_prefix(old, PRUNE_PER_BLOCK, None);
			removed += batches.unique;
			batches_done = batches.maybe_cursor.is_none() && prices.maybe_cursor.is_none();
			if batches_done {
				BatchCount::<T>::remove(old);
			}
		}
		if spent.maybe_cursor.is_none()
			&& served.maybe_cursor.is_none()
			&& missed.maybe_cursor.is_none()
			&& nonces.maybe_cursor.is_none()
			&& batches_done
		{
			NextPrune::<T>::put(epoch.saturating_add(1));
		}
		removed
	}
}

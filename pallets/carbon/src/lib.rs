//! # pallet-carbon
//!
//! Carbon certificates (docs/protocol.md §9). Each epoch in which a host's PoC work is accepted
//! mints it one certificate, an NFT of polkadot-sdk's `pallet-nfts` in a collection this pallet
//! owns, so that polkadot-js apps and NFT tooling show it. A certificate states the epoch, the
//! host, its accepted weight, the leaves it committed, the work's **estimated energy** and the
//! host's **declared energy source and grid region**:
//!
//! - the energy follows the work ([`energy`]): committed leaves × `2^256 / target` nonces per
//!   leaf × the joules one nonce costs on the epoch's PoW model shape ([`EnergyPerNonce`], set
//!   by governance) — an estimate from a declaration, not a meter reading;
//! - the source and region are the host's energy declaration in force for that epoch, part of
//!   its inference service declaration (pallet-inference, read through
//!   [`EnergyDeclarations`]): a change counts from the next epoch, and governance can clear a
//!   false one.
//!
//! A certificate is transferred with pallet-nfts as any NFT. It is **retired** — burned to claim
//! the energy it states — only through [`Pallet::retire`], which records the retirement in a
//! ledger (who, which certificate, its energy, source and epoch, the block) and a running total
//! per account; the runtime's call filter refuses pallet-nfts' own `burn` on this collection, so
//! the ledger is complete.
//!
//! Minting runs in `on_initialize` after each epoch's tally has ended, walking the epoch's
//! participants in commit order within [`Config::HookBudget`] per block (a cursor,
//! [`Cursor`]), so 10,000 accepted hosts never overrun a block; each participant is visited once,
//! so no host gets two certificates for one epoch.
//!
//! ## For researchers who fork it
//! The PoC results come through [`CertifiableWork`] (pallet-poc) and the declarations through
//! [`EnergyDeclarations`] (pallet-inference): a metered energy feed, or another estimate, is a
//! different implementation of those traits or of [`energy`], with no change to the NFT side.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod energy;
pub mod runtime_api;
mod types;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use sprint_primitives::{CertifiableWork, EnergyDeclarations};
pub use types::*;
pub use weights::WeightInfo;

use alloc::{string::String, vec::Vec};
use codec::Encode;
use polkadot_sdk::{
	frame_support::{
		storage::with_storage_layer,
		traits::{
			tokens::nonfungibles_v2::{Inspect, InspectEnumerable, Mutate},
			Get, Incrementable, ReservableCurrency,
		},
		weights::WeightMeter,
	},
	pallet_nfts,
	sp_runtime::{traits::AccountIdConversion, DispatchError},
};
use sprint_primitives::EpochInfo;

#[polkadot_sdk::frame_support::pallet]
pub mod pallet {
	use super::*;
	use polkadot_sdk::{
		frame_support::{pallet_prelude::*, PalletId},
		frame_system::pallet_prelude::*,
	};
	use sprint_core::ModelShape;

	/// Version 1 (SPEC revision 4): certificates hold pallet-nfts' item deposit, so the
	/// collection requires deposits.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config:
		polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>>
		+ pallet_nfts::Config<ItemId = CertificateId>
	{
		/// The current epoch and whether an epoch's tally has ended (pallet-poc).
		type EpochInfo: EpochInfo;

		/// Each epoch's accepted work (pallet-poc).
		type Work: CertifiableWork<Self::AccountId>;

		/// Hosts' energy declarations (pallet-inference).
		type Energy: EnergyDeclarations<Self::AccountId>;

		/// Who sets the energy per nonce of a model shape (the `params` track, or root).
		type ParamsOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// This pallet's id: its account owns the certificates' collection.
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// The most weight minting takes in one block.
		#[pallet::constant]
		type HookBudget: Get<Weight>;

		/// Weights of this pallet's calls and hook steps.
		type WeightInfo: WeightInfo;
	}

	/// The pallet-nfts collection that holds the certificates, made at genesis.
	#[pallet::storage]
	pub type CertificateCollection<T: Config> = StorageValue<_, T::CollectionId, OptionQuery>;

	/// The id the next certificate gets.
	#[pallet::storage]
	pub type NextCertificate<T: Config> = StorageValue<_, CertificateId, ValueQuery>;

	/// What each certificate not retired yet states.
	#[pallet::storage]
	pub type Certificates<T: Config> =
		StorageMap<_, Twox64Concat, CertificateId, Certificate<T::AccountId>, OptionQuery>;

	/// Where minting stands.
	#[pallet::storage]
	pub type Cursor<T: Config> = StorageValue<_, MintCursor, ValueQuery>;

	/// The energy one nonce costs on each PoW model shape, in nanojoules (governance's figure).
	#[pallet::storage]
	pub type EnergyPerNonce<T: Config> =
		StorageMap<_, Blake2_128Concat, ModelShape, u64, OptionQuery>;

	/// The retirement ledger: each account's retirements, numbered from 0.
	#[pallet::storage]
	pub type Retirements<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		u32,
		Retirement<T::AccountId>,
		OptionQuery,
	>;

	/// Each account's retirements, summed (its count numbers the next one).
	#[pallet::storage]
	pub type RetiredBy<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, RetiredTotal, ValueQuery>;

	/// Certificates minted and retired per energy source (`None`: undeclared).
	#[pallet::storage]
	pub type Totals<T: Config> =
		StorageMap<_, Twox64Concat, Option<EnergySource>, SourceTotals, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(polkadot_sdk::frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The energy per nonce of each model shape, in nanojoules.
		pub energy_per_nonce: Vec<(ModelShape, u64)>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (shape, nanojoules) in &self.energy_per_nonce {
				assert!(shape.validate().is_ok(), "energy_per_nonce names an invalid shape");
				assert!(*nanojoules > 0, "energy_per_nonce: a figure of zero");
				EnergyPerNonce::<T>::insert(shape, nanojoules);
			}
			if let Err(e) = Pallet::<T>::create_collection() {
				panic!("the certificates' collection cannot be created: {e:?}");
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Mints the certificates of the epoch whose tally ended, within
		/// [`Config::HookBudget`].
		fn on_initialize(_: BlockNumberFor<T>) -> Weight {
			let mut meter = WeightMeter::with_limit(T::HookBudget::get());
			Pallet::<T>::mint_step(&mut meter);
			meter.consumed()
		}

		/// A chain that gains this pallet by a runtime upgrade (rather than at genesis) gets
		/// its collection then, and certificates from the current epoch on; a chain that has
		/// it already is left as it is, but for storage version 1: its collection now requires
		/// deposits, so each certificate minted from then on holds the item deposit of its host
		/// (those minted before hold none, and their retirement returns none).
		fn on_runtime_upgrade() -> Weight {
			let db = T::DbWeight::get();
			if let Some(collection) = CertificateCollection::<T>::get() {
				if StorageVersion::get::<Pallet<T>>() >= 1 {
					return db.reads(2);
				}
				pallet_nfts::CollectionConfigOf::<T>::mutate(collection, |config| {
					if let Some(config) = config {
						config.enable_setting(pallet_nfts::CollectionSetting::DepositRequired);
					}
				});
				STORAGE_VERSION.put::<Pallet<T>>();
				return db.reads_writes(3, 2);
			}
			STORAGE_VERSION.put::<Pallet<T>>();
			// It fails only when pallet-nfts has no collection id left: then nothing is minted.
			if Pallet::<T>::create_collection().is_ok() {
				let epoch = T::EpochInfo::current_epoch();
				Cursor::<T>::put(MintCursor { epoch, next: 0, minted: 0 });
			}
			db.reads_writes(4, 8)
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Certificate `certificate` was minted to `host` for its accepted work in `epoch`:
		/// `energy_mj` millijoules estimated, from `source` (`None`: undeclared).
		CertificateMinted {
			certificate: CertificateId,
			epoch: EpochIndex,
			host: T::AccountId,
			energy_mj: u128,
			source: Option<EnergySource>,
		},
		/// Every certificate of `epoch` is minted: `certificates` of them.
		EpochCertified { epoch: EpochIndex, certificates: u32 },
		/// `epoch`'s model shape has no energy figure: its certificates state zero energy.
		EnergyFigureMissing { epoch: EpochIndex },
		/// A certificate for `host`'s work in `epoch` could not be minted (`error`); minting
		/// went on with the next host.
		MintFailed { epoch: EpochIndex, host: T::AccountId, error: DispatchError },
		/// `host`'s accepted work in `epoch` gets no certificate, for `reason`: it had no
		/// energy declaration in force, or could not hold the item deposit in free balance.
		NotCertified { epoch: EpochIndex, host: T::AccountId, reason: Uncertified },
		/// `who` retired `certificate`: `energy_mj` millijoules from `source`.
		Retired {
			who: T::AccountId,
			certificate: CertificateId,
			energy_mj: u128,
			source: Option<EnergySource>,
		},
		/// Governance set the energy per nonce of `shape` (`None`: removed).
		EnergyPerNonceSet { shape: ModelShape, nanojoules: Option<u64> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No certificate has that id, or it was retired already.
		UnknownCertificate,
		/// The caller does not own the certificate: only its owner retires it.
		NotOwner,
		/// A model shape the PoW cannot run (a size of zero, heads that do not divide the
		/// width, …).
		InvalidShape,
		/// The chain has no certificates' collection (its genesis made none).
		NoCollection,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Retires (burns) `certificate` to claim the energy it states, and records it in the
		/// retirement ledger: who, the certificate, its energy, source and epoch, the block.
		/// The only way to burn a certificate.
		///
		/// Origin: signed, the certificate's owner. Emits `Retired`. Fails with
		/// `UnknownCertificate` or `NotOwner` (or pallet-nfts' `ItemLocked` if its owner
		/// locked it).
		#[pallet::call_index(0)]
		#[pallet::weight(<T as Config>::WeightInfo::retire())]
		pub fn retire(origin: OriginFor<T>, certificate: CertificateId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let collection = CertificateCollection::<T>::get().ok_or(Error::<T>::NoCollection)?;
			let stated =
				Certificates::<T>::get(certificate).ok_or(Error::<T>::UnknownCertificate)?;
			ensure!(
				<pallet_nfts::Pallet<T> as Inspect<T::AccountId>>::owner(&collection, &certificate)
					.as_ref() == Some(&who),
				Error::<T>::NotOwner
			);
			<pallet_nfts::Pallet<T> as Mutate<T::AccountId, pallet_nfts::ItemConfig>>::burn(
				&collection,
				&certificate,
				Some(&who),
			)?;
			Certificates::<T>::remove(certificate);
			let total = RetiredBy::<T>::get(&who);
			Retirements::<T>::insert(
				&who,
				total.certificates,
				Retirement {
					certificate,
					host: stated.host,
					epoch: stated.epoch,
					energy_mj: stated.energy_mj,
					source: stated.source,
					region: stated.region,
					block: Self::block_number(),
				},
			);
			RetiredBy::<T>::insert(
				&who,
				RetiredTotal {
					certificates: total.certificates.saturating_add(1),
					energy_mj: total.energy_mj.saturating_add(stated.energy_mj),
				},
			);
			Totals::<T>::mutate(stated.source, |t| {
				t.retired = t.retired.saturating_add(1);
				t.retired_mj = t.retired_mj.saturating_add(stated.energy_mj);
			});
			Self::deposit_event(Event::Retired {
				who,
				certificate,
				energy_mj: stated.energy_mj,
				source: stated.source,
			});
			Ok(())
		}

		/// Sets the energy one nonce costs on `shape`, in nanojoules (`0` removes the figure):
		/// certificates minted from now on use it.
		///
		/// Origin: `ParamsOrigin` (a passed `params` referendum, or root). Emits
		/// `EnergyPerNonceSet`. Fails with `InvalidShape`.
		#[pallet::call_index(1)]
		#[pallet::weight(<T as Config>::WeightInfo::set_energy_per_nonce())]
		pub fn set_energy_per_nonce(
			origin: OriginFor<T>,
			shape: ModelShape,
			nanojoules: u64,
		) -> DispatchResult {
			T::ParamsOrigin::ensure_origin(origin)?;
			ensure!(shape.validate().is_ok(), Error::<T>::InvalidShape);
			let nanojoules = (nanojoules > 0).then_some(nanojoules);
			EnergyPerNonce::<T>::set(shape, nanojoules);
			Self::deposit_event(Event::EnergyPerNonceSet { shape, nanojoules });
			Ok(())
		}
	}
}

/// pallet-poc keeps an epoch's state until its certificates are minted: were minting to fall
/// behind pruning, accepted hosts would be skipped.
impl<T: Config> sprint_primitives::EpochReaders for Pallet<T> {
	fn still_reading(epoch: EpochIndex) -> bool {
		CertificateCollection::<T>::exists() && Cursor::<T>::get().epoch <= epoch
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn done_reading(epoch: EpochIndex) {
		Cursor::<T>::put(MintCursor { epoch: epoch.saturating_add(1), next: 0, minted: 0 });
	}
}

impl<T: Config> Pallet<T> {
	/// The account that owns the certificates' collection.
	pub fn account_id() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

	/// Makes the certificates' collection: owned and administered by this pallet's account,
	/// only it mints, items transferable, deposits required — each item holds pallet-nfts' item
	/// deposit of the host it is minted to (its metadata, set by this pallet as root, holds
	/// none).
	/// Takes the next free collection id and moves pallet-nfts' counter past it.
	pub fn create_collection() -> Result<(), DispatchError> {
		use pallet_nfts::{CollectionConfig, CollectionSettings, MintSettings, NextCollectionId};
		let owner = Self::account_id();
		let collection = NextCollectionId::<T>::get()
			.or(T::CollectionId::initial_value())
			.ok_or(Error::<T>::NoCollection)?;
		let config = CollectionConfig {
			settings: CollectionSettings::all_enabled(),
			max_supply: None,
			mint_settings: MintSettings::default(),
		};
		pallet_nfts::Pallet::<T>::do_create_collection(
			collection,
			owner.clone(),
			owner.clone(),
			config,
			Default::default(),
			pallet_nfts::Event::ForceCreated { collection, owner },
		)?;
		NextCollectionId::<T>::set(collection.increment());
		<pallet_nfts::Pallet<T> as Mutate<T::AccountId, pallet_nfts::ItemConfig>>::set_collection_metadata(
			None,
			&collection,
			br#"{"name":"Sprint carbon certificates","description":"One per accepted epoch of PoC work: its estimated energy and the host's declared source"}"#,
		)?;
		CertificateCollection::<T>::put(collection);
		Ok(())
	}

	/// Mints certificates while `meter` allows: each step visits one participant of the
	/// cursor's epoch (once its tally has ended), minting for an accepted one; past the last
	/// participant the cursor moves to the next epoch.
	pub fn mint_step(meter: &mut WeightMeter) {
		if meter.try_consume(<T as Config>::WeightInfo::hook_base()).is_err() {
			return;
		}
		let Some(collection) = CertificateCollection::<T>::get() else { return };
		let mut cursor = Cursor::<T>::get();
		let start = cursor;
		// The most one step costs: an epoch's terms and figure are read with each mint.
		let step = <T as Config>::WeightInfo::mint_certificate()
			.max(<T as Config>::WeightInfo::skip_participant());
		while cursor.epoch < T::EpochInfo::current_epoch()
			&& T::EpochInfo::tally_ended(cursor.epoch)
			&& meter.can_consume(step)
		{
			let Some(host) = T::Work::participant(cursor.epoch, cursor.next) else {
				meter.consume(<T as Config>::WeightInfo::skip_participant());
				Self::deposit_event(Event::EpochCertified {
					epoch: cursor.epoch,
					certificates: cursor.minted,
				});
				cursor = MintCursor { epoch: cursor.epoch.saturating_add(1), next: 0, minted: 0 };
				continue;
			};
			cursor.next = cursor.next.saturating_add(1);
			let Some(work) = T::Work::accepted(cursor.epoch, &host) else {
				meter.consume(<T as Config>::WeightInfo::skip_participant());
				continue;
			};
			meter.consume(<T as Config>::WeightInfo::mint_certificate());
			// docs/protocol.md §9 (revision 4): only under a declaration in force, and only
			// with the item deposit in free balance — no state without a deposit.
			let uncertified = if T::Energy::energy_in(cursor.epoch, &host).is_none() {
				Some(Uncertified::Undeclared)
			} else if !<T as pallet_nfts::Config>::Currency::can_reserve(
				&host,
				<T as pallet_nfts::Config>::ItemDeposit::get(),
			) {
				Some(Uncertified::NoDeposit)
			} else {
				None
			};
			if let Some(reason) = uncertified {
				Self::deposit_event(Event::NotCertified { epoch: cursor.epoch, host, reason });
				continue;
			}
			let first = cursor.minted == 0;
			match with_storage_layer(|| Self::mint(&collection, cursor.epoch, &host, work, first)) {
				Ok(()) => cursor.minted = cursor.minted.saturating_add(1),
				Err(error) => {
					Self::deposit_event(Event::MintFailed { epoch: cursor.epoch, host, error })
				}
			}
		}
		if cursor != start {
			Cursor::<T>::put(cursor);
		}
	}

	/// Mints `host`'s certificate for `work` in `epoch` (all or nothing: the caller runs it in
	/// a storage layer).
	fn mint(
		collection: &T::CollectionId,
		epoch: EpochIndex,
		host: &T::AccountId,
		work: sprint_primitives::AcceptedWork,
		first_of_epoch: bool,
	) -> Result<(), DispatchError> {
		let figure = T::Work::work_terms(epoch)
			.and_then(|(target, shape)| Some((target, EnergyPerNonce::<T>::get(shape)?)));
		let energy_mj = figure.map_or(0, |(target, nanojoules)| {
			energy::energy_millijoules(work.committed, &target, nanojoules)
		});
		if figure.is_none() && first_of_epoch {
			Self::deposit_event(Event::EnergyFigureMissing { epoch });
		}
		let declaration = T::Energy::energy_in(epoch, host);
		let certificate = Certificate {
			epoch,
			host: host.clone(),
			weight: work.weight,
			committed: work.committed,
			energy_mj,
			source: declaration.as_ref().map(|d| d.source),
			region: declaration.map(|d| d.region).unwrap_or_default(),
		};
		let id = NextCertificate::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::UnknownCertificate)?;
		type Nfts<T> = pallet_nfts::Pallet<T>;
		<Nfts<T> as Mutate<T::AccountId, pallet_nfts::ItemConfig>>::mint_into(
			collection,
			&id,
			host,
			&pallet_nfts::ItemConfig::default(),
			// The host holds the item deposit, not the collection's owner.
			false,
		)?;
		<Nfts<T> as Mutate<T::AccountId, pallet_nfts::ItemConfig>>::set_item_metadata(
			None,
			collection,
			&id,
			Self::metadata(&certificate).as_bytes(),
		)?;
		NextCertificate::<T>::put(next);
		Totals::<T>::mutate(certificate.source, |t| {
			t.minted = t.minted.saturating_add(1);
			t.minted_mj = t.minted_mj.saturating_add(energy_mj);
		});
		Self::deposit_event(Event::CertificateMinted {
			certificate: id,
			epoch,
			host: host.clone(),
			energy_mj,
			source: certificate.source,
		});
		Certificates::<T>::insert(id, certificate);
		Ok(())
	}

	/// A certificate's pallet-nfts metadata: one JSON object, at most 240 bytes for a 32-byte
	/// account.
	pub fn metadata(certificate: &Certificate<T::AccountId>) -> String {
		let region: String = certificate
			.region
			.iter()
			.map(|b| if b.is_ascii_alphanumeric() || *b == b'-' { *b as char } else { '?' })
			.collect();
		let host: String =
			certificate.host.encode().iter().map(|b| alloc::format!("{b:02x}")).collect();
		alloc::format!(
			r#"{{"epoch":{},"host":"0x{}","weight":"{}","leaves":{},"kwh":"{}","source":"{}","region":"{}"}}"#,
			certificate.epoch,
			host,
			certificate.weight,
			certificate.committed,
			energy::kwh_decimal(certificate.energy_mj),
			certificate.source.map_or("undeclared", |s| s.name()),
			region,
		)
	}

	/// `who`'s certificates not retired yet, by id.
	pub fn certificates_of(who: &T::AccountId) -> Vec<(CertificateId, Certificate<T::AccountId>)> {
		let Some(collection) = CertificateCollection::<T>::get() else { return Vec::new() };
		let mut owned: Vec<_> =
			<pallet_nfts::Pallet<T> as InspectEnumerable<T::AccountId>>::owned_in_collection(
				&collection,
				who,
			)
			.filter_map(|id| Some((id, Certificates::<T>::get(id)?)))
			.collect();
		owned.sort_by_key(|(id, _)| *id);
		owned
	}

	/// `who`'s retirements, oldest first, and their total.
	pub fn retirements_of(who: &T::AccountId) -> (Vec<Retirement<T::AccountId>>, RetiredTotal) {
		let total = RetiredBy::<T>::get(who);
		let ledger =
			(0..total.certificates).filter_map(|i| Retirements::<T>::get(who, i)).collect();
		(ledger, total)
	}

	/// Minted and retired certificates per energy source (`None`: undeclared), every source
	/// listed.
	pub fn totals() -> Vec<(Option<EnergySource>, SourceTotals)> {
		core::iter::once(None)
			.chain(EnergySource::ALL.into_iter().map(Some))
			.map(|source| (source, Totals::<T>::get(source)))
			.collect()
	}

	fn block_number() -> u32 {
		use polkadot_sdk::sp_runtime::SaturatedConversion;
		polkadot_sdk::frame_system::Pallet::<T>::block_number().saturated_into()
	}
}

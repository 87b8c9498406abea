//! The runtime APIs: what the node (block authoring, import, finality), polkadot-js (metadata,
//! `paymentInfo`, `accountNextIndex`) and chain-spec tooling (genesis presets) call.

use alloc::vec::Vec;
use polkadot_sdk::frame_support::traits::tokens::nonfungibles_v2::Inspect;
use polkadot_sdk::{
	frame_support::{
		genesis_builder_helper::{build_state, get_preset},
		weights::Weight,
	},
	pallet_grandpa::AuthorityId as GrandpaId,
	sp_api::impl_runtime_apis,
	sp_consensus_aura::sr25519::AuthorityId as AuraId,
	sp_core::{crypto::KeyTypeId, OpaqueMetadata},
	sp_runtime::{
		traits::{Block as BlockT, NumberFor},
		transaction_validity::{TransactionSource, TransactionValidity},
		ApplyExtrinsicResult,
	},
	*,
};
use sp_version::RuntimeVersion;

use super::{
	genesis, AccountId, Aura, Balance, Block, BlockNumber, Executive, Grandpa, InherentDataExt,
	Nonce, Runtime, RuntimeCall, RuntimeGenesisConfig, SessionKeys, System, TransactionPayment,
	VERSION,
};

impl_runtime_apis! {
	impl sp_api::Core<Block> for Runtime {
		fn version() -> RuntimeVersion {
			VERSION
		}

		fn execute_block(block: <Block as BlockT>::LazyBlock) {
			Executive::execute_block(block);
		}

		fn initialize_block(header: &<Block as BlockT>::Header) -> sp_runtime::ExtrinsicInclusionMode {
			Executive::initialize_block(header)
		}
	}

	impl sp_api::Metadata<Block> for Runtime {
		fn metadata() -> OpaqueMetadata {
			OpaqueMetadata::new(Runtime::metadata().into())
		}

		fn metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
			Runtime::metadata_at_version(version)
		}

		fn metadata_versions() -> Vec<u32> {
			Runtime::metadata_versions()
		}
	}

	impl sp_block_builder::BlockBuilder<Block> for Runtime {
		fn apply_extrinsic(extrinsic: <Block as BlockT>::Extrinsic) -> ApplyExtrinsicResult {
			Executive::apply_extrinsic(extrinsic)
		}

		fn finalize_block() -> <Block as BlockT>::Header {
			Executive::finalize_block()
		}

		fn inherent_extrinsics(data: sp_inherents::InherentData) -> Vec<<Block as BlockT>::Extrinsic> {
			data.create_extrinsics()
		}

		fn check_inherents(
			block: <Block as BlockT>::LazyBlock,
			data: sp_inherents::InherentData,
		) -> sp_inherents::CheckInherentsResult {
			data.check_extrinsics(&block)
		}
	}

	impl sp_transaction_pool::runtime_api::TaggedTransactionQueue<Block> for Runtime {
		fn validate_transaction(
			source: TransactionSource,
			tx: <Block as BlockT>::Extrinsic,
			block_hash: <Block as BlockT>::Hash,
		) -> TransactionValidity {
			Executive::validate_transaction(source, tx, block_hash)
		}
	}

	impl sp_offchain::OffchainWorkerApi<Block> for Runtime {
		fn offchain_worker(header: &<Block as BlockT>::Header) {
			Executive::offchain_worker(header)
		}
	}

	impl sp_consensus_aura::AuraApi<Block, AuraId> for Runtime {
		fn slot_duration() -> sp_consensus_aura::SlotDuration {
			sp_consensus_aura::SlotDuration::from_millis(Aura::slot_duration())
		}

		fn authorities() -> Vec<AuraId> {
			pallet_aura::Authorities::<Runtime>::get().into_inner()
		}
	}

	impl sp_session::SessionKeys<Block> for Runtime {
		fn generate_session_keys(owner: Vec<u8>, seed: Option<Vec<u8>>) -> sp_session::OpaqueGeneratedSessionKeys {
			SessionKeys::generate(&owner, seed).into()
		}

		fn decode_session_keys(encoded: Vec<u8>) -> Option<Vec<(Vec<u8>, KeyTypeId)>> {
			SessionKeys::decode_into_raw_public_keys(&encoded)
		}
	}

	impl sp_consensus_grandpa::GrandpaApi<Block> for Runtime {
		fn grandpa_authorities() -> sp_consensus_grandpa::AuthorityList {
			Grandpa::grandpa_authorities()
		}

		fn current_set_id() -> sp_consensus_grandpa::SetId {
			Grandpa::current_set_id()
		}

		fn submit_report_equivocation_unsigned_extrinsic(
			_equivocation_proof: sp_consensus_grandpa::EquivocationProof<
				<Block as BlockT>::Hash,
				NumberFor<Block>,
			>,
			_key_owner_proof: sp_consensus_grandpa::OpaqueKeyOwnershipProof,
		) -> Option<()> {
			// Equivocations are not reported on chain yet: without pallet-session there is no key
			// ownership to prove (KeyOwnerProof is the empty type).
			None
		}

		fn generate_key_ownership_proof(
			_set_id: sp_consensus_grandpa::SetId,
			_authority_id: GrandpaId,
		) -> Option<sp_consensus_grandpa::OpaqueKeyOwnershipProof> {
			None
		}
	}

	impl frame_system_rpc_runtime_api::AccountNonceApi<Block, AccountId, Nonce> for Runtime {
		fn account_nonce(account: AccountId) -> Nonce {
			System::account_nonce(account)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentApi<Block, Balance> for Runtime {
		fn query_info(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment_rpc_runtime_api::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_info(uxt, len)
		}
		fn query_fee_details(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_fee_details(uxt, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentCallApi<Block, Balance, RuntimeCall>
		for Runtime
	{
		fn query_call_info(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_call_info(call, len)
		}
		fn query_call_fee_details(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_call_fee_details(call, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	impl frame_benchmarking::Benchmark<Block> for Runtime {
		fn benchmark_metadata(extra: bool) -> (
			Vec<frame_benchmarking::BenchmarkList>,
			Vec<frame_support::traits::StorageInfo>,
		) {
			use frame_benchmarking::{BenchmarkList, Benchmarking};
			use frame_support::traits::StorageInfoTrait;
			use frame_system_benchmarking::Pallet as SystemBench;
			use super::{benches::*, *};

			let mut list = Vec::<BenchmarkList>::new();
			list_benchmarks!(list, extra);
			(list, AllPalletsWithSystem::storage_info())
		}

		fn dispatch_benchmark(
			config: frame_benchmarking::BenchmarkConfig
		) -> Result<Vec<frame_benchmarking::BenchmarkBatch>, alloc::string::String> {
			use frame_benchmarking::{BenchmarkBatch, Benchmarking};
			use frame_support::traits::WhitelistedStorageKeys;
			use frame_system_benchmarking::Pallet as SystemBench;
			use sp_storage::TrackedStorageKey;
			use super::{benches::*, *};

			impl frame_system_benchmarking::Config for Runtime {}

			let whitelist: Vec<TrackedStorageKey> = AllPalletsWithSystem::whitelisted_storage_keys();
			let mut batches = Vec::<BenchmarkBatch>::new();
			let params = (&config, &whitelist);
			add_benchmarks!(params, batches);
			Ok(batches)
		}
	}

	impl pallet_poc::runtime_api::PocApi<Block, BlockNumber, AccountId> for Runtime {
		fn epoch_status() -> Option<pallet_poc::EpochStatus<BlockNumber>> {
			pallet_poc::Pallet::<Runtime>::epoch_status()
		}

		fn seats(epoch: pallet_poc::EpochIndex, participant: AccountId) -> Vec<AccountId> {
			pallet_poc::Seats::<Runtime>::get(epoch, participant)
				.map(|seats| seats.into_iter().map(|s| s.validator).collect())
				.unwrap_or_default()
		}

		fn assignments(
			epoch: pallet_poc::EpochIndex,
			validator: AccountId,
		) -> Vec<(AccountId, u32)> {
			pallet_poc::Assignments::<Runtime>::iter_prefix((epoch, validator)).collect()
		}

		fn accepted_weight(epoch: pallet_poc::EpochIndex, host: AccountId) -> Option<u128> {
			pallet_poc::AcceptedWeights::<Runtime>::get(epoch, host)
		}
	}

	impl pallet_inference::runtime_api::InferenceApi<Block, Balance> for Runtime {
		fn models() -> Vec<(
			pallet_inference::ModelId,
			pallet_inference::ModelInfo<Balance>,
			Balance,
		)> {
			pallet_inference::Pallet::<Runtime>::models()
		}
	}

	impl pallet_audit::runtime_api::AuditApi<Block, AccountId> for Runtime {
		fn audit_probability(
			epoch: pallet_audit::EpochIndex,
			validator: AccountId,
			executor: AccountId,
		) -> u64 {
			pallet_audit::Pallet::<Runtime>::probability_for(epoch, &validator, &executor)
		}

		fn open_disputes(epoch: pallet_audit::EpochIndex) -> Vec<pallet_audit::Hash32> {
			pallet_audit::Pallet::<Runtime>::open_disputes(epoch)
		}

		fn jury(
			epoch: pallet_audit::EpochIndex,
			receipt: pallet_audit::Hash32,
		) -> Option<Vec<AccountId>> {
			pallet_audit::Pallet::<Runtime>::jury(epoch, receipt)
		}
	}

	impl pallet_carbon::runtime_api::CarbonApi<Block, AccountId, u32> for Runtime {
		fn collection() -> Option<u32> {
			pallet_carbon::CertificateCollection::<Runtime>::get()
		}

		fn certificates_of(
			who: AccountId,
		) -> Vec<(pallet_carbon::CertificateId, pallet_carbon::Certificate<AccountId>)> {
			pallet_carbon::Pallet::<Runtime>::certificates_of(&who)
		}

		fn retirements_of(
			who: AccountId,
		) -> (Vec<pallet_carbon::Retirement<AccountId>>, pallet_carbon::RetiredTotal) {
			pallet_carbon::Pallet::<Runtime>::retirements_of(&who)
		}

		fn totals() -> Vec<(Option<pallet_carbon::EnergySource>, pallet_carbon::SourceTotals)> {
			pallet_carbon::Pallet::<Runtime>::totals()
		}
	}

	impl pallet_nfts_runtime_api::NftsApi<Block, AccountId, u32, u32> for Runtime {
		fn owner(collection: u32, item: u32) -> Option<AccountId> {
			<pallet_nfts::Pallet<Runtime> as Inspect<AccountId>>::owner(&collection, &item)
		}

		fn collection_owner(collection: u32) -> Option<AccountId> {
			<pallet_nfts::Pallet<Runtime> as Inspect<AccountId>>::collection_owner(&collection)
		}

		fn attribute(collection: u32, item: u32, key: Vec<u8>) -> Option<Vec<u8>> {
			<pallet_nfts::Pallet<Runtime> as Inspect<AccountId>>::attribute(&collection, &item, &key)
		}

		fn custom_attribute(
			account: AccountId,
			collection: u32,
			item: u32,
			key: Vec<u8>,
		) -> Option<Vec<u8>> {
			<pallet_nfts::Pallet<Runtime> as Inspect<AccountId>>::custom_attribute(
				&account,
				&collection,
				&item,
				&key,
			)
		}

		fn system_attribute(collection: u32, item: Option<u32>, key: Vec<u8>) -> Option<Vec<u8>> {
			<pallet_nfts::Pallet<Runtime> as Inspect<AccountId>>::system_attribute(
				&collection,
				item.as_ref(),
				&key,
			)
		}

		fn collection_attribute(collection: u32, key: Vec<u8>) -> Option<Vec<u8>> {
			<pallet_nfts::Pallet<Runtime> as Inspect<AccountId>>::collection_attribute(&collection, &key)
		}
	}

	impl sp_genesis_builder::GenesisBuilder<Block> for Runtime {
		fn build_state(config: Vec<u8>) -> sp_genesis_builder::Result {
			build_state::<RuntimeGenesisConfig>(config)
		}

		fn get_preset(id: &Option<sp_genesis_builder::PresetId>) -> Option<Vec<u8>> {
			get_preset::<RuntimeGenesisConfig>(id, genesis::get_preset)
		}

		fn preset_names() -> Vec<sp_genesis_builder::PresetId> {
			genesis::preset_names()
		}
	}
}

//! The configuration of every pallet in the runtime, and the numbers in it.

use polkadot_sdk::{
	frame_support::{
		derive_impl,
		dispatch::DispatchClass,
		parameter_types,
		traits::{
			tokens::imbalance::ResolveTo, ConstBool, ConstU128, ConstU32, ConstU64, ConstU8,
			VariantCountOf, WithdrawReasons,
		},
		weights::{
			constants::{ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
			ConstantMultiplier, Weight, WeightToFeeCoefficient, WeightToFeeCoefficients,
			WeightToFeePolynomial,
		},
		PalletId,
	},
	frame_system::limits::{BlockLength, BlockWeights},
	pallet_transaction_payment::{FungibleAdapter, Multiplier, TargetedFeeAdjustment},
	sp_consensus_aura::sr25519::AuthorityId as AuraId,
	sp_runtime::{
		traits::{AccountIdConversion, Bounded, ConvertInto},
		FixedPointNumber, Perbill, Perquintill,
	},
	*,
};
use smallvec::smallvec;
use sp_version::RuntimeVersion;

use super::{
	AccountId, Audit, Aura, Balance, Balances, Block, BlockNumber, Carbon, Collateral, Emission,
	Hash, Inference, Nonce, OriginCaller, PalletInfo, Poc, Preimage, Referenda, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason, RuntimeOrigin, RuntimeTask,
	Scheduler, System, Treasury, EXISTENTIAL_DEPOSIT, MILLI_SPR, SLOT_DURATION, SPR, VERSION,
};

/// 75% of each block is for ordinary transactions; the rest is kept for operational ones.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

parameter_types! {
	/// Block hashes kept by `frame_system` (about 4 hours at 6 s blocks). Anything that needs an
	/// older hash, such as the sprint seed, must store it (docs/protocol.md §2).
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;

	/// Two seconds of compute in a six-second block.
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
		NORMAL_DISPATCH_RATIO,
	);
	/// 5 MiB blocks, of which the normal-class share is the same 75% as for weight.
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(5 * 1024 * 1024)
		.modify_max_length_for_class(DispatchClass::Normal, |max| *max = NORMAL_DISPATCH_RATIO * *max)
		.build();
	pub const SS58Prefix: u16 = sprint_primitives::SS58_PREFIX;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	/// The node stores state in ParityDB, so its weights are the ones that count.
	type DbWeight = ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
	type BaseCallFilter = BaseCallFilter;
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<100>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<100>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_timestamp::Config for Runtime {
	/// Milliseconds since the Unix epoch.
	type Moment = u64;
	type OnTimestampSet = Aura;
	/// Half a slot, so that Aura's slot duration is `SLOT_DURATION`.
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ConstU32<50>;
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

parameter_types! {
	/// The community fund's account (docs/protocol.md §8), derived from its `PalletId`. It exists
	/// from genesis; transaction fees are paid into it.
	pub CommunityFundAccount: AccountId =
		sprint_primitives::COMMUNITY_FUND_PALLET_ID.into_account_truncating();

	/// Fee adjustment with congestion: the multiplier rises while blocks are fuller than a
	/// quarter and decays back otherwise, so that a flood of transactions prices itself out.
	pub const TargetBlockFullness: Perquintill = Perquintill::from_percent(25);
	pub AdjustmentVariable: Multiplier = Multiplier::saturating_from_rational(3, 100_000);
	pub MinimumMultiplier: Multiplier = Multiplier::saturating_from_rational(1, 10u128);
	pub MaximumMultiplier: Multiplier = Bounded::max_value();

	/// One milli-SPR per kilobyte of transaction.
	pub const TransactionByteFee: Balance = MILLI_SPR / 1_000;
}

/// Turns a transaction's weight into its fee: the base extrinsic weight (what an empty
/// transaction costs to check and include) is priced at 1 milli-SPR, linearly.
pub struct WeightToFee;
impl WeightToFeePolynomial for WeightToFee {
	type Balance = Balance;
	fn polynomial() -> WeightToFeeCoefficients<Self::Balance> {
		let base_weight =
			polkadot_sdk::frame_support::weights::constants::ExtrinsicBaseWeight::get();
		let p = MILLI_SPR;
		let q = Balance::from(base_weight.ref_time());
		smallvec![WeightToFeeCoefficient {
			degree: 1,
			negative: false,
			coeff_frac: Perbill::from_rational(p % q, q),
			coeff_integer: p / q,
		}]
	}
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, ResolveTo<CommunityFundAccount, Balances>>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = WeightToFee;
	type LengthToFee = ConstantMultiplier<Balance, TransactionByteFee>;
	type FeeMultiplierUpdate = TargetedFeeAdjustment<
		Self,
		TargetBlockFullness,
		AdjustmentVariable,
		MinimumMultiplier,
		MaximumMultiplier,
	>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// The smallest amount `vested_transfer` moves, so that schedules cannot be spammed.
	pub const MinVestedTransfer: Balance = SPR;
	/// Locked (unvested) funds can pay fees, but cannot be transferred or reserved.
	pub UnvestedFundsAllowedWithdrawReasons: WithdrawReasons =
		WithdrawReasons::except(WithdrawReasons::TRANSFER | WithdrawReasons::RESERVE);
}

impl pallet_vesting::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type BlockNumberToBalance = ConvertInto;
	type MinVestedTransfer = MinVestedTransfer;
	type WeightInfo = pallet_vesting::weights::SubstrateWeight<Runtime>;
	type UnvestedFundsAllowedWithdrawReasons = UnvestedFundsAllowedWithdrawReasons;
	type BlockNumberProvider = System;
	const MAX_VESTING_SCHEDULES: u32 = 28;
}

impl pallet_utility::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type PalletsOrigin = OriginCaller;
	type WeightInfo = pallet_utility::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// On-initialize's share of each block for the seat draw and the tally: a quarter of the
	/// block, so that transactions keep most of it (docs/protocol.md §2: bounded steps).
	pub PocHookBudget: Weight = Perbill::from_percent(25) * RuntimeBlockWeights::get().max_block;
	/// Accepted weights are kept 64 epochs: a referendum votes with those of the latest epoch
	/// that accepted anyone when it was submitted, and lives far fewer epochs (a runtime test
	/// checks the longest track against the shortest epoch).
	pub const KeepWeights: u32 = 64;
}

impl pallet_poc::Config for Runtime {
	type HostBond = Collateral;
	type Slasher = Collateral;
	type WeightActivation = Collateral;
	type Rewards = Emission;
	/// 16,384 participants per epoch: the protocol's 10,000-host scale with room.
	type MaxParticipants = ConstU32<16_384>;
	type HookBudget = PocHookBudget;
	type KeepWeights = KeepWeights;
	/// Carbon certificates are minted from an epoch's participants and commitments.
	type Readers = Carbon;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkFunder;
	type WeightInfo = pallet_poc::weights::SubstrateWeight<Runtime>;
	type ParamsOrigin = crate::governance::ParamsOrigin;
}

impl pallet_collateral::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type EpochInfo = Poc;
	type CommunityFund = CommunityFundAccount;
	type UnvestedRewards = Emission;
	type Duties = Inference;
	type WeightInfo = pallet_collateral::weights::SubstrateWeight<Runtime>;
	type ParamsOrigin = crate::governance::ParamsOrigin;
}

parameter_types! {
	/// Emission's pot: unvested rewards are minted here, with a ledger per host.
	pub const EmissionPalletId: PalletId = PalletId(*b"spr/emis");
}

impl pallet_emission::Config for Runtime {
	type Currency = Balances;
	type PalletId = EmissionPalletId;
	type EpochInfo = Poc;
	type WeightInfo = pallet_emission::weights::SubstrateWeight<Runtime>;
	type ParamsOrigin = crate::governance::ParamsOrigin;
}

parameter_types! {
	/// The escrow of executors' pending inference fees.
	pub const InferencePalletId: PalletId = PalletId(*b"spr/infr");
}

impl pallet_inference::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type EpochInfo = Poc;
	type CommunityFund = CommunityFundAccount;
	/// Governance's `params` track once it lands (docs/protocol.md §8); root (sudo on dev) until
	/// then.
	type ParamsOrigin = crate::governance::ParamsOrigin;
	/// A host's proof key signs its receipts too.
	type SigningKeys = Poc;
	type Collateral = Collateral;
	/// Settled traffic and executors' first settlements feed the audit rate.
	type OnSettle = Audit;
	/// The downtime slash.
	type Slasher = Collateral;
	type PalletId = InferencePalletId;
	type WeightInfo = pallet_inference::weights::SubstrateWeight<Runtime>;
}

impl pallet_audit::Config for Runtime {
	type Market = Inference;
	/// Validators' secrets, power and the epoch's periods come from the PoC.
	type Validators = Poc;
	type Slasher = Collateral;
	type SigningKeys = Poc;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	/// Forfeited claim bonds go to the community fund.
	type CommunityFund = CommunityFundAccount;
	type ParamsOrigin = crate::governance::ParamsOrigin;
	/// The seat draw's pool: at most the PoC's participants.
	type MaxValidators = ConstU32<16_384>;
	type WeightInfo = pallet_audit::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Every pallet-nfts feature (trading, attributes, approvals, swaps) for anyone's
	/// collections; the certificates' collection is pallet-carbon's.
	pub NftsFeatures: pallet_nfts::PalletFeatures = pallet_nfts::PalletFeatures::all_enabled();
	pub const NftsMaxDeadlineDuration: BlockNumber = 12 * 30 * 14_400;
	pub const CarbonPalletId: PalletId = PalletId(*b"spr/carb");
	/// Minting certificates takes at most a tenth of a block.
	pub CarbonHookBudget: Weight = Perbill::from_percent(10) * RuntimeBlockWeights::get().max_block;
}

/// NFTs (polkadot-sdk's pallet-nfts): anyone's collections, with deposits, and the carbon
/// certificates (docs/protocol.md §9), which pallet-carbon mints without deposits.
impl pallet_nfts::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type CollectionId = u32;
	type ItemId = u32;
	type Currency = Balances;
	type CreateOrigin =
		frame_support::traits::AsEnsureOriginWithArg<frame_system::EnsureSigned<AccountId>>;
	type ForceOrigin = frame_system::EnsureRoot<AccountId>;
	type Locker = ();
	type CollectionDeposit = ConstU128<{ 10 * SPR }>;
	type ItemDeposit = ConstU128<{ 10 * MILLI_SPR }>;
	type MetadataDepositBase = ConstU128<{ 100 * MILLI_SPR }>;
	type AttributeDepositBase = ConstU128<{ 100 * MILLI_SPR }>;
	type DepositPerByte = ConstU128<{ MILLI_SPR }>;
	/// Room for a certificate's JSON metadata.
	type StringLimit = ConstU32<320>;
	type KeyLimit = ConstU32<64>;
	type ValueLimit = ConstU32<256>;
	type ApprovalsLimit = ConstU32<20>;
	type ItemAttributesApprovalsLimit = ConstU32<20>;
	type MaxTips = ConstU32<10>;
	type MaxDeadlineDuration = NftsMaxDeadlineDuration;
	type MaxAttributesPerCall = ConstU32<10>;
	type Features = NftsFeatures;
	type OffchainSignature = sprint_primitives::Signature;
	type OffchainPublic = <sprint_primitives::Signature as sp_runtime::traits::Verify>::Signer;
	type WeightInfo = pallet_nfts::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type Helper = ();
	type BlockNumberProvider = System;
}

impl pallet_carbon::Config for Runtime {
	type EpochInfo = Poc;
	/// Accepted hosts, their leaves and weights, each epoch's target and shape.
	type Work = Poc;
	/// Energy declarations are part of the inference service declaration.
	type Energy = Inference;
	type ParamsOrigin = crate::governance::ParamsOrigin;
	type PalletId = CarbonPalletId;
	type HookBudget = CarbonHookBudget;
	type WeightInfo = pallet_carbon::weights::SubstrateWeight<Runtime>;
}

/// The runtime's call filter: pallet-nfts' own `burn` is refused on the carbon certificates'
/// collection, so a certificate leaves the world only through `carbon.retire`, which records it
/// (docs/protocol.md §9). Everything else passes.
pub struct BaseCallFilter;
impl frame_support::traits::Contains<RuntimeCall> for BaseCallFilter {
	fn contains(call: &RuntimeCall) -> bool {
		match call {
			RuntimeCall::Nfts(pallet_nfts::Call::burn { collection, .. }) => {
				pallet_carbon::CertificateCollection::<Runtime>::get() != Some(*collection)
			}
			_ => true,
		}
	}
}

/// Funds the PoC benchmarks' accounts.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchmarkFunder;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_poc::BenchmarkHelper<AccountId> for BenchmarkFunder {
	fn fund(who: &AccountId) {
		use polkadot_sdk::frame_support::traits::fungible::Mutate;
		let _ = Balances::set_balance(who, 1_000_000 * SPR);
	}
}

// Governance (docs/protocol.md §8): see `governance` for the tracks and origins.

parameter_types! {
	/// Referenda waiting for a decision deposit time out after this many blocks.
	pub UndecidingTimeout: BlockNumber = crate::governance::periods().undeciding_timeout;
	/// What submitting a referendum holds until it ends (refunded unless killed as spam).
	pub const SubmissionDeposit: Balance = 10 * SPR;
	/// The scheduler may spend 80% of a block on due calls: a runtime upgrade fits.
	pub MaximumSchedulerWeight: Weight = Perbill::from_percent(80) * RuntimeBlockWeights::get().max_block;
	pub const PreimageBaseDeposit: Balance = SPR;
	pub const PreimageByteDeposit: Balance = MILLI_SPR / 100;
	pub const PreimageHoldReason: RuntimeHoldReason =
		RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
	pub const CommunityFundPalletId: PalletId = sprint_primitives::COMMUNITY_FUND_PALLET_ID;
	pub const MaxTreasurySpend: Balance = crate::governance::MAX_TREASURY_SPEND;
	pub const MaxBalance: Balance = Balance::MAX;
	/// Approved `spend_local`s are paid every day (`spend`s are claimed with `payout`).
	pub const SpendPeriod: BlockNumber = crate::DAYS;
	/// An approved `spend` may be claimed for 30 days.
	pub const PayoutPeriod: BlockNumber = 30 * crate::DAYS;
}

impl pallet_referenda::Config for Runtime {
	type RuntimeCall = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_referenda::weights::SubstrateWeight<Runtime>;
	type Scheduler = Scheduler;
	type Currency = Balances;
	type SubmitOrigin = crate::governance::BondedHost;
	type CancelOrigin = crate::governance::EmergencyOrigin;
	type KillOrigin = crate::governance::EmergencyOrigin;
	type Slash = Treasury;
	type Votes = u128;
	type Tally = pallet_poc_voting::Tally<Runtime>;
	type SubmissionDeposit = SubmissionDeposit;
	type MaxQueued = ConstU32<100>;
	type UndecidingTimeout = UndecidingTimeout;
	type AlarmInterval = ConstU32<1>;
	type Tracks = crate::governance::Tracks;
	type Preimages = Preimage;
	type BlockNumberProvider = System;
}

impl pallet_poc_voting::Config for Runtime {
	type Polls = Referenda;
	type Power = Poc;
	type MaxVotes = ConstU32<256>;
	type WeightInfo = pallet_poc_voting::weights::SubstrateWeight<Runtime>;
}

impl pallet_scheduler::Config for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type RuntimeEvent = RuntimeEvent;
	type PalletsOrigin = OriginCaller;
	type RuntimeCall = RuntimeCall;
	type MaximumWeight = MaximumSchedulerWeight;
	type ScheduleOrigin = polkadot_sdk::frame_system::EnsureRoot<AccountId>;
	type MaxScheduledPerBlock = ConstU32<50>;
	type WeightInfo = pallet_scheduler::weights::SubstrateWeight<Runtime>;
	type OriginPrivilegeCmp = polkadot_sdk::frame_support::traits::EqualPrivilegeOnly;
	type Preimages = Preimage;
	type BlockNumberProvider = System;
}

impl pallet_preimage::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_preimage::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type ManagerOrigin = polkadot_sdk::frame_system::EnsureRoot<AccountId>;
	type Consideration = polkadot_sdk::frame_support::traits::fungible::HoldConsideration<
		AccountId,
		Balances,
		PreimageHoldReason,
		polkadot_sdk::frame_support::traits::LinearStoragePrice<
			PreimageBaseDeposit,
			PreimageByteDeposit,
			Balance,
		>,
	>;
}

/// Spends: root without limit, the `treasury` track up to its cap.
pub type TreasurySpender = polkadot_sdk::frame_support::traits::EitherOf<
	polkadot_sdk::frame_system::EnsureRootWithSuccess<AccountId, MaxBalance>,
	polkadot_sdk::frame_system::EnsureWithSuccess<
		crate::governance::EnsureTreasury,
		AccountId,
		MaxTreasurySpend,
	>,
>;

impl pallet_treasury::Config for Runtime {
	type Currency = Balances;
	type RejectOrigin = polkadot_sdk::frame_system::EnsureRoot<AccountId>;
	type RuntimeEvent = RuntimeEvent;
	type SpendPeriod = SpendPeriod;
	type Burn = ();
	type PalletId = CommunityFundPalletId;
	type BurnDestination = ();
	type WeightInfo = pallet_treasury::weights::SubstrateWeight<Runtime>;
	type SpendFunds = ();
	type MaxApprovals = ConstU32<100>;
	type SpendOrigin = TreasurySpender;
	type AssetKind = ();
	type Beneficiary = AccountId;
	type BeneficiaryLookup = polkadot_sdk::sp_runtime::traits::IdentityLookup<AccountId>;
	type Paymaster = polkadot_sdk::frame_support::traits::tokens::pay::PayFromAccount<
		Balances,
		CommunityFundAccount,
	>;
	type BalanceConverter =
		polkadot_sdk::frame_support::traits::tokens::UnityAssetBalanceConversion;
	type PayoutPeriod = PayoutPeriod;
	type BlockNumberProvider = System;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
}

impl crate::governance::pallet_governance::Config for Runtime {}

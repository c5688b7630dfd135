//! Every user operation, as one enum. On the wire an action is `{"type": "<name>", ...fields}`
//! with EigenLayer's function and argument names in camelCase, amounts as decimal strings and
//! addresses/hashes as `0x` hex. Optional fields default to the sender (`operator`, `avs`) or
//! to "none"; unknown fields are refused.

use crate::allocation::{
    AllocateParams, CreateSetParams, RegistrationApproval, RegistrationPolicy,
};
use crate::delegation::QueuedWithdrawalParams;
use crate::evidence::SignedAttestation;
use crate::pause::PauseTarget;
use crate::rewards::{OperatorReward, StrategyAndMultiplier};
use crate::vault::{VaultAssetInit, VaultParams};
use alloy_primitives::{Address, B256, Bytes, U256};
use borsh::{BorshDeserialize, BorshSerialize};
use restake_beacon::{BalanceContainerProof, BalanceProof, StateRootProof, ValidatorProof};
use restake_primitives::decimal::{u256 as dec, u256_vec as dec_vec};
use serde::{Deserialize, Serialize};

/// A user operation. The handler of each variant documents its rules.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum Action {
    // Asset ledger
    Transfer {
        token: Address,
        to: Address,
        #[serde(with = "dec")]
        amount: U256,
    },
    Mint {
        token: Address,
        to: Address,
        #[serde(with = "dec")]
        amount: U256,
    },
    Burn {
        token: Address,
        #[serde(with = "dec")]
        amount: U256,
    },
    RegisterToken {
        symbol: String,
        decimals: u8,
        minter: Address,
    },
    // Pools and token manager
    CreateStrategy {
        token: Address,
    },
    AddStrategiesToDepositWhitelist {
        strategies: Vec<Address>,
    },
    RemoveStrategiesFromDepositWhitelist {
        strategies: Vec<Address>,
    },
    SetStrategyWhitelister {
        new_strategy_whitelister: Address,
    },
    SetTvlLimits {
        strategy: Address,
        #[serde(with = "dec")]
        max_per_deposit: U256,
        #[serde(with = "dec")]
        max_total_deposits: U256,
    },
    DepositIntoStrategy {
        strategy: Address,
        token: Address,
        #[serde(with = "dec")]
        amount: U256,
    },
    DepositIntoStrategyWithSignature {
        strategy: Address,
        token: Address,
        #[serde(with = "dec")]
        amount: U256,
        staker: Address,
        expiry: u64,
        signature: Bytes,
    },
    ClearBurnOrRedistributableShares {
        avs: Address,
        operator_set_id: u32,
        slash_id: u64,
    },
    ClearBurnOrRedistributableSharesByStrategy {
        avs: Address,
        operator_set_id: u32,
        slash_id: u64,
        strategy: Address,
    },
    // Delegation
    RegisterAsOperator {
        delegation_approver: Address,
        allocation_delay: u32,
        metadata_uri: String,
    },
    ModifyOperatorDetails {
        #[serde(default)]
        operator: Option<Address>,
        delegation_approver: Address,
    },
    UpdateOperatorMetadataUri {
        #[serde(default)]
        operator: Option<Address>,
        metadata_uri: String,
    },
    DelegateTo {
        operator: Address,
        #[serde(default)]
        approver_signature: Option<Bytes>,
        #[serde(default)]
        approver_expiry: u64,
        #[serde(default)]
        approver_salt: B256,
    },
    Undelegate {
        staker: Address,
    },
    Redelegate {
        new_operator: Address,
        #[serde(default)]
        approver_signature: Option<Bytes>,
        #[serde(default)]
        approver_expiry: u64,
        #[serde(default)]
        approver_salt: B256,
    },
    QueueWithdrawals {
        params: Vec<QueuedWithdrawalParams>,
    },
    CompleteQueuedWithdrawal {
        withdrawal_root: B256,
        receive_as_tokens: bool,
    },
    CompleteQueuedWithdrawals {
        withdrawal_roots: Vec<B256>,
        receive_as_tokens: Vec<bool>,
    },
    // Allocation manager (operator sets, allocations, slashing)
    UpdateAvsMetadataUri {
        #[serde(default)]
        avs: Option<Address>,
        metadata_uri: String,
    },
    CreateOperatorSets {
        #[serde(default)]
        avs: Option<Address>,
        params: Vec<CreateSetParams>,
    },
    AddStrategiesToOperatorSet {
        #[serde(default)]
        avs: Option<Address>,
        operator_set_id: u32,
        strategies: Vec<Address>,
    },
    RemoveStrategiesFromOperatorSet {
        #[serde(default)]
        avs: Option<Address>,
        operator_set_id: u32,
        strategies: Vec<Address>,
    },
    UpdateSlasher {
        #[serde(default)]
        avs: Option<Address>,
        operator_set_id: u32,
        slasher: Address,
    },
    SetRegistrationPolicy {
        #[serde(default)]
        avs: Option<Address>,
        operator_set_id: u32,
        policy: RegistrationPolicy,
    },
    UpdateAllowlist {
        #[serde(default)]
        avs: Option<Address>,
        operator_set_id: u32,
        operators: Vec<Address>,
        allowed: bool,
    },
    RegisterForOperatorSets {
        #[serde(default)]
        operator: Option<Address>,
        avs: Address,
        operator_set_ids: Vec<u32>,
        #[serde(default)]
        approval: Option<RegistrationApproval>,
    },
    DeregisterFromOperatorSets {
        #[serde(default)]
        operator: Option<Address>,
        avs: Address,
        operator_set_ids: Vec<u32>,
    },
    SetAllocationDelay {
        #[serde(default)]
        operator: Option<Address>,
        delay: u32,
    },
    ModifyAllocations {
        #[serde(default)]
        operator: Option<Address>,
        params: Vec<AllocateParams>,
    },
    ClearDeallocationQueue {
        operator: Address,
        strategies: Vec<Address>,
        num_to_clear: Vec<u16>,
    },
    SlashOperator {
        #[serde(default)]
        avs: Option<Address>,
        operator: Address,
        operator_set_id: u32,
        strategies: Vec<Address>,
        #[serde(with = "dec_vec")]
        wads_to_slash: Vec<U256>,
        description: String,
    },
    SetOperatorSetRiskProfile {
        /// The set's AVS (default: the sender).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        avs: Option<Address>,
        operator_set_id: u32,
        #[serde(with = "dec")]
        pfc_low: U256,
        #[serde(with = "dec")]
        pfc_high: U256,
        #[serde(with = "dec")]
        alpha_wad: U256,
    },
    SlashWithEquivocationProof {
        avs: Address,
        operator_set_id: u32,
        operator: Address,
        height: u64,
        first: SignedAttestation,
        second: SignedAttestation,
    },
    // Native restaking. Proof fields also accept the key names of EigenLayer's proof files
    // (`StateRootProof`, `ValidatorIndices`, `ValidatorFieldsProofs`, `ValidatorFields`, ...).
    CreatePod {},
    SetProofSubmitter {
        new_proof_submitter: Address,
    },
    VerifyWithdrawalCredentials {
        /// The pod (default: the sender's).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pod: Option<Address>,
        beacon_timestamp: u64,
        #[serde(alias = "StateRootProof")]
        state_root_proof: StateRootProof,
        #[serde(alias = "ValidatorIndices")]
        validator_indices: Vec<u64>,
        #[serde(
            alias = "ValidatorFieldsProofs",
            with = "restake_beacon::json::proof_list"
        )]
        validator_fields_proofs: Vec<Vec<B256>>,
        #[serde(alias = "ValidatorFields")]
        validator_fields: Vec<Vec<B256>>,
    },
    StartCheckpoint {
        /// The pod (default: the sender's).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pod: Option<Address>,
        beacon_timestamp: u64,
        #[serde(default)]
        revert_if_no_balance: bool,
    },
    VerifyCheckpointProofs {
        pod: Address,
        #[serde(alias = "BalanceContainerProof", alias = "validatorBalancesRootProof")]
        balance_container_proof: BalanceContainerProof,
        #[serde(alias = "BalanceProofs", alias = "balanceProofs")]
        proofs: Vec<BalanceProof>,
    },
    VerifyStaleBalance {
        pod: Address,
        beacon_timestamp: u64,
        #[serde(alias = "StateRootProof")]
        state_root_proof: StateRootProof,
        proof: ValidatorProof,
    },
    // Beacon oracle
    PostBeaconRoot {
        timestamp: u64,
        block_root: B256,
    },
    PostPodBalance {
        pod: Address,
        timestamp: u64,
        #[serde(with = "dec")]
        balance_wei: U256,
        payouts_executed: u64,
    },
    // Rewards
    CreateRewardsSubmission {
        /// The set's AVS (default: the sender).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        avs: Option<Address>,
        operator_set_id: u32,
        strategies_and_multipliers: Vec<StrategyAndMultiplier>,
        token: Address,
        /// Total for stake-weighted rewards; ignored (the sum of `operatorRewards`) otherwise.
        #[serde(with = "dec", default)]
        amount: U256,
        /// Per-operator amounts; empty for stake-weighted rewards.
        #[serde(default)]
        operator_rewards: Vec<OperatorReward>,
        start_epoch: u64,
        duration_epochs: u32,
    },
    SetOperatorAvsSplit {
        /// The operator (default: the sender).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        operator: Option<Address>,
        avs: Address,
        split: u16,
    },
    SetRewardsRecipient {
        recipient: Address,
    },
    ClaimRewards {
        tokens: Vec<Address>,
    },
    // Liquid restaking vaults
    CreateVault {
        symbol: String,
        assets: Vec<VaultAssetInit>,
        /// Parameters (default: the documented defaults).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        params: Option<Box<VaultParams>>,
    },
    AddVaultOperator {
        vault: Address,
        operator: Address,
        weight_bps: u16,
    },
    DepositIntoVault {
        vault: Address,
        token: Address,
        #[serde(with = "dec")]
        amount: U256,
        #[serde(with = "dec", default)]
        min_shares_out: U256,
        /// Latest block timestamp to execute at; 0 for none.
        #[serde(default)]
        deadline: u64,
    },
    RequestRedeem {
        vault: Address,
        #[serde(with = "dec")]
        shares: U256,
        token: Address,
    },
    FinalizeRedeemRequests {
        vault: Address,
        max_requests: u32,
    },
    ClaimRedeem {
        vault: Address,
        request_id: u64,
    },
    InstantRedeem {
        vault: Address,
        #[serde(with = "dec")]
        shares: U256,
        token: Address,
        #[serde(with = "dec", default)]
        min_amount_out: U256,
    },
    RestakeVaultAssets {
        vault: Address,
        token: Address,
        #[serde(with = "dec")]
        amount: U256,
        /// The node delegator (default: routed by target weights).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delegator: Option<u32>,
    },
    QueueVaultWithdrawal {
        vault: Address,
        delegator: u32,
        token: Address,
        #[serde(with = "dec")]
        deposit_shares: U256,
    },
    CompleteVaultWithdrawal {
        vault: Address,
        withdrawal_root: B256,
    },
    RedelegateVaultDelegator {
        vault: Address,
        delegator: u32,
    },
    UpdateVaultAssetRate {
        vault: Address,
        token: Address,
        #[serde(with = "dec")]
        rate_wad: U256,
    },
    SetVaultPaused {
        vault: Address,
        #[serde(with = "restake_primitives::decimal::u64_str")]
        paused: u64,
    },
    SetVaultRoles {
        vault: Address,
        admin: Address,
        pauser: Address,
        manager: Address,
    },
    QueueVaultParams {
        vault: Address,
        params: Box<VaultParams>,
    },
    ApplyVaultParams {
        vault: Address,
    },
    HarvestVaultRewards {
        vault: Address,
    },
    CreateVaultPod {
        vault: Address,
        delegator: u32,
    },
    PostVaultBond {
        vault: Address,
        delegator: u32,
        #[serde(with = "dec")]
        shares: U256,
    },
    RequestVaultBondWithdrawal {
        vault: Address,
        delegator: u32,
        #[serde(with = "dec")]
        shares: U256,
    },
    WithdrawVaultBond {
        vault: Address,
        delegator: u32,
    },
    StartVaultCheckpoint {
        vault: Address,
        delegator: u32,
        beacon_timestamp: u64,
    },
    DepositValidatorsIntoVault {
        vault: Address,
        delegator: u32,
        recipient: Address,
        #[serde(with = "dec", default)]
        min_shares_out: U256,
        beacon_timestamp: u64,
        #[serde(alias = "StateRootProof")]
        state_root_proof: Box<StateRootProof>,
        #[serde(alias = "ValidatorIndices")]
        validator_indices: Vec<u64>,
        #[serde(
            alias = "ValidatorFieldsProofs",
            with = "restake_beacon::json::proof_list"
        )]
        validator_fields_proofs: Vec<Vec<B256>>,
        #[serde(alias = "ValidatorFields")]
        validator_fields: Vec<Vec<B256>>,
    },
    // Permissions
    AddPendingAdmin {
        account: Address,
        admin: Address,
    },
    RemovePendingAdmin {
        account: Address,
        admin: Address,
    },
    AcceptAdmin {
        account: Address,
    },
    RemoveAdmin {
        account: Address,
        admin: Address,
    },
    SetAppointee {
        account: Address,
        appointee: Address,
        selector: String,
    },
    RemoveAppointee {
        account: Address,
        appointee: Address,
        selector: String,
    },
    // Pausing
    Pause {
        target: PauseTarget,
        #[serde(with = "restake_primitives::decimal::u64_str")]
        new_paused_status: u64,
    },
    PauseAll {},
    Unpause {
        target: PauseTarget,
        #[serde(with = "restake_primitives::decimal::u64_str")]
        new_paused_status: u64,
    },
}

impl Action {
    /// The action's wire name (its `type`), also the selector used for appointees.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Transfer { .. } => "transfer",
            Self::Mint { .. } => "mint",
            Self::Burn { .. } => "burn",
            Self::RegisterToken { .. } => "registerToken",
            Self::CreateStrategy { .. } => "createStrategy",
            Self::AddStrategiesToDepositWhitelist { .. } => "addStrategiesToDepositWhitelist",
            Self::RemoveStrategiesFromDepositWhitelist { .. } => {
                "removeStrategiesFromDepositWhitelist"
            }
            Self::SetStrategyWhitelister { .. } => "setStrategyWhitelister",
            Self::SetTvlLimits { .. } => "setTvlLimits",
            Self::DepositIntoStrategy { .. } => "depositIntoStrategy",
            Self::DepositIntoStrategyWithSignature { .. } => "depositIntoStrategyWithSignature",
            Self::ClearBurnOrRedistributableShares { .. } => "clearBurnOrRedistributableShares",
            Self::ClearBurnOrRedistributableSharesByStrategy { .. } => {
                "clearBurnOrRedistributableSharesByStrategy"
            }
            Self::RegisterAsOperator { .. } => "registerAsOperator",
            Self::ModifyOperatorDetails { .. } => "modifyOperatorDetails",
            Self::UpdateOperatorMetadataUri { .. } => "updateOperatorMetadataUri",
            Self::DelegateTo { .. } => "delegateTo",
            Self::Undelegate { .. } => "undelegate",
            Self::Redelegate { .. } => "redelegate",
            Self::QueueWithdrawals { .. } => "queueWithdrawals",
            Self::CompleteQueuedWithdrawal { .. } => "completeQueuedWithdrawal",
            Self::CompleteQueuedWithdrawals { .. } => "completeQueuedWithdrawals",
            Self::UpdateAvsMetadataUri { .. } => "updateAvsMetadataUri",
            Self::CreateOperatorSets { .. } => "createOperatorSets",
            Self::AddStrategiesToOperatorSet { .. } => "addStrategiesToOperatorSet",
            Self::RemoveStrategiesFromOperatorSet { .. } => "removeStrategiesFromOperatorSet",
            Self::UpdateSlasher { .. } => "updateSlasher",
            Self::SetRegistrationPolicy { .. } => "setRegistrationPolicy",
            Self::UpdateAllowlist { .. } => "updateAllowlist",
            Self::RegisterForOperatorSets { .. } => "registerForOperatorSets",
            Self::DeregisterFromOperatorSets { .. } => "deregisterFromOperatorSets",
            Self::SetAllocationDelay { .. } => "setAllocationDelay",
            Self::ModifyAllocations { .. } => "modifyAllocations",
            Self::ClearDeallocationQueue { .. } => "clearDeallocationQueue",
            Self::SlashOperator { .. } => "slashOperator",
            Self::SlashWithEquivocationProof { .. } => "slashWithEquivocationProof",
            Self::SetOperatorSetRiskProfile { .. } => "setOperatorSetRiskProfile",
            Self::CreatePod {} => "createPod",
            Self::SetProofSubmitter { .. } => "setProofSubmitter",
            Self::VerifyWithdrawalCredentials { .. } => "verifyWithdrawalCredentials",
            Self::StartCheckpoint { .. } => "startCheckpoint",
            Self::VerifyCheckpointProofs { .. } => "verifyCheckpointProofs",
            Self::VerifyStaleBalance { .. } => "verifyStaleBalance",
            Self::PostBeaconRoot { .. } => "postBeaconRoot",
            Self::PostPodBalance { .. } => "postPodBalance",
            Self::CreateRewardsSubmission { .. } => "createRewardsSubmission",
            Self::SetOperatorAvsSplit { .. } => "setOperatorAvsSplit",
            Self::SetRewardsRecipient { .. } => "setRewardsRecipient",
            Self::ClaimRewards { .. } => "claimRewards",
            Self::CreateVault { .. } => "createVault",
            Self::AddVaultOperator { .. } => "addVaultOperator",
            Self::DepositIntoVault { .. } => "depositIntoVault",
            Self::RequestRedeem { .. } => "requestRedeem",
            Self::FinalizeRedeemRequests { .. } => "finalizeRedeemRequests",
            Self::ClaimRedeem { .. } => "claimRedeem",
            Self::InstantRedeem { .. } => "instantRedeem",
            Self::RestakeVaultAssets { .. } => "restakeVaultAssets",
            Self::QueueVaultWithdrawal { .. } => "queueVaultWithdrawal",
            Self::CompleteVaultWithdrawal { .. } => "completeVaultWithdrawal",
            Self::RedelegateVaultDelegator { .. } => "redelegateVaultDelegator",
            Self::UpdateVaultAssetRate { .. } => "updateVaultAssetRate",
            Self::SetVaultPaused { .. } => "setVaultPaused",
            Self::SetVaultRoles { .. } => "setVaultRoles",
            Self::QueueVaultParams { .. } => "queueVaultParams",
            Self::ApplyVaultParams { .. } => "applyVaultParams",
            Self::HarvestVaultRewards { .. } => "harvestVaultRewards",
            Self::CreateVaultPod { .. } => "createVaultPod",
            Self::PostVaultBond { .. } => "postVaultBond",
            Self::RequestVaultBondWithdrawal { .. } => "requestVaultBondWithdrawal",
            Self::WithdrawVaultBond { .. } => "withdrawVaultBond",
            Self::StartVaultCheckpoint { .. } => "startVaultCheckpoint",
            Self::DepositValidatorsIntoVault { .. } => "depositValidatorsIntoVault",
            Self::AddPendingAdmin { .. } => "addPendingAdmin",
            Self::RemovePendingAdmin { .. } => "removePendingAdmin",
            Self::AcceptAdmin { .. } => "acceptAdmin",
            Self::RemoveAdmin { .. } => "removeAdmin",
            Self::SetAppointee { .. } => "setAppointee",
            Self::RemoveAppointee { .. } => "removeAppointee",
            Self::Pause { .. } => "pause",
            Self::PauseAll {} => "pauseAll",
            Self::Unpause { .. } => "unpause",
        }
    }
}

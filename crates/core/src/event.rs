//! Everything an action can announce. Events are published only when the action succeeds.
//! Names follow EigenLayer's Solidity events; on the wire they are `{"type": "<Name>", ...}` with
//! camelCase fields and amounts as decimal strings.

use crate::allocation::RegistrationPolicy;
use crate::delegation::Withdrawal;
use crate::keys::KeyScheme;
use crate::pause::PauseTarget;
use crate::tables::Weighting;
use crate::validators::ValidatorChange;
use alloy_primitives::{Address, B256, Bytes, U256};
use borsh::{BorshDeserialize, BorshSerialize};
use restake_primitives::OperatorSet;
use restake_primitives::decimal::{u256 as dec, u256_vec as dec_vec};
use serde::{Deserialize, Serialize};

/// A protocol event.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
pub enum Event {
    // Ledger
    TokenRegistered {
        token: Address,
        symbol: String,
        decimals: u8,
        minter: Address,
    },
    Transfer {
        token: Address,
        from: Address,
        to: Address,
        #[serde(with = "dec")]
        amount: U256,
    },
    // Pools and token manager
    StrategyCreated {
        strategy: Address,
        token: Address,
    },
    ExchangeRateEmitted {
        strategy: Address,
        #[serde(with = "dec")]
        rate: U256,
    },
    TvlLimitsSet {
        strategy: Address,
        #[serde(with = "dec")]
        max_per_deposit: U256,
        #[serde(with = "dec")]
        max_total_deposits: U256,
    },
    StrategyAddedToDepositWhitelist {
        strategy: Address,
    },
    StrategyRemovedFromDepositWhitelist {
        strategy: Address,
    },
    StrategyWhitelisterChanged {
        previous: Address,
        new: Address,
    },
    Deposit {
        staker: Address,
        strategy: Address,
        #[serde(with = "dec")]
        shares: U256,
    },
    BurnOrRedistributableSharesIncreased {
        operator_set: OperatorSet,
        slash_id: u64,
        strategy: Address,
        #[serde(with = "dec")]
        shares: U256,
    },
    BurnOrRedistributableSharesDecreased {
        operator_set: OperatorSet,
        slash_id: u64,
        strategy: Address,
        #[serde(with = "dec")]
        shares: U256,
        recipient: Address,
        #[serde(with = "dec")]
        amount: U256,
    },
    // Delegation
    OperatorRegistered {
        operator: Address,
        delegation_approver: Address,
    },
    DelegationApproverUpdated {
        operator: Address,
        new_delegation_approver: Address,
    },
    OperatorMetadataUriUpdated {
        operator: Address,
        metadata_uri: String,
    },
    StakerDelegated {
        staker: Address,
        operator: Address,
    },
    StakerUndelegated {
        staker: Address,
        operator: Address,
    },
    StakerForceUndelegated {
        staker: Address,
        operator: Address,
    },
    DepositScalingFactorUpdated {
        staker: Address,
        strategy: Address,
        #[serde(with = "dec")]
        new_deposit_scaling_factor: U256,
    },
    OperatorSharesIncreased {
        operator: Address,
        staker: Address,
        strategy: Address,
        #[serde(with = "dec")]
        shares: U256,
    },
    OperatorSharesDecreased {
        operator: Address,
        staker: Address,
        strategy: Address,
        #[serde(with = "dec")]
        shares: U256,
    },
    OperatorSharesSlashed {
        operator: Address,
        strategy: Address,
        #[serde(with = "dec")]
        total_slashed_shares: U256,
    },
    SlashingWithdrawalQueued {
        withdrawal_root: B256,
        withdrawal: Withdrawal,
        #[serde(with = "dec_vec")]
        withdrawable_shares: Vec<U256>,
    },
    SlashingWithdrawalCompleted {
        withdrawal_root: B256,
    },
    // Allocation manager
    AvsMetadataUriUpdated {
        avs: Address,
        metadata_uri: String,
    },
    OperatorSetCreated {
        operator_set: OperatorSet,
    },
    RedistributionAddressSet {
        operator_set: OperatorSet,
        redistribution_recipient: Address,
    },
    StrategyAddedToOperatorSet {
        operator_set: OperatorSet,
        strategy: Address,
    },
    StrategyRemovedFromOperatorSet {
        operator_set: OperatorSet,
        strategy: Address,
    },
    SlasherUpdated {
        operator_set: OperatorSet,
        slasher: Address,
        effect_block: u32,
    },
    RegistrationPolicySet {
        operator_set: OperatorSet,
        policy: RegistrationPolicy,
    },
    AllowlistUpdated {
        operator_set: OperatorSet,
        operator: Address,
        allowed: bool,
    },
    OperatorAddedToOperatorSet {
        operator: Address,
        operator_set: OperatorSet,
    },
    OperatorRemovedFromOperatorSet {
        operator: Address,
        operator_set: OperatorSet,
        slashable_until: u32,
    },
    AllocationDelaySet {
        operator: Address,
        delay: u32,
        effect_block: u32,
    },
    AllocationUpdated {
        operator: Address,
        operator_set: OperatorSet,
        strategy: Address,
        #[serde(with = "restake_primitives::decimal::u64_str")]
        magnitude: u64,
        effect_block: u32,
    },
    EncumberedMagnitudeUpdated {
        operator: Address,
        strategy: Address,
        #[serde(with = "restake_primitives::decimal::u64_str")]
        encumbered_magnitude: u64,
    },
    MaxMagnitudeUpdated {
        operator: Address,
        strategy: Address,
        #[serde(with = "restake_primitives::decimal::u64_str")]
        max_magnitude: u64,
    },
    OperatorSlashed {
        operator: Address,
        operator_set: OperatorSet,
        slash_id: u64,
        strategies: Vec<Address>,
        #[serde(with = "dec_vec")]
        wad_slashed: Vec<U256>,
        description: String,
    },
    EquivocationProven {
        operator: Address,
        operator_set: OperatorSet,
        height: u64,
    },
    // Permissions and pausing
    PendingAdminAdded {
        account: Address,
        admin: Address,
    },
    PendingAdminRemoved {
        account: Address,
        admin: Address,
    },
    AdminSet {
        account: Address,
        admin: Address,
    },
    AdminRemoved {
        account: Address,
        admin: Address,
    },
    AppointeeSet {
        account: Address,
        appointee: Address,
        selector: String,
    },
    AppointeeRemoved {
        account: Address,
        appointee: Address,
        selector: String,
    },
    Paused {
        account: Address,
        target: PauseTarget,
        #[serde(with = "restake_primitives::decimal::u64_str")]
        new_paused_status: u64,
    },
    Unpaused {
        account: Address,
        target: PauseTarget,
        #[serde(with = "restake_primitives::decimal::u64_str")]
        new_paused_status: u64,
    },
    // Beacon oracle
    BeaconRootAccepted {
        timestamp: u64,
        block_root: B256,
    },
    PodBalanceAccepted {
        pod: Address,
        timestamp: u64,
        #[serde(with = "dec")]
        balance_wei: U256,
        payouts_executed: u64,
    },
    /// A member's report differs from another report or from the accepted value (keccak of the
    /// values); the report was not counted.
    OracleConflictReported {
        member: Address,
        pod: Option<Address>,
        timestamp: u64,
        existing: B256,
        reported: B256,
    },
    // Native restaking
    PodDeployed {
        pod: Address,
        owner: Address,
    },
    ProofSubmitterUpdated {
        pod: Address,
        prev_proof_submitter: Address,
        new_proof_submitter: Address,
    },
    ValidatorRestaked {
        pod: Address,
        pubkey_hash: B256,
        validator_index: u64,
    },
    ValidatorBalanceUpdated {
        pod: Address,
        validator_index: u64,
        beacon_timestamp: u64,
        balance_gwei: u64,
    },
    CheckpointCreated {
        pod: Address,
        checkpoint_timestamp: u64,
        beacon_block_root: B256,
        validator_count: u64,
    },
    ValidatorCheckpointed {
        pod: Address,
        checkpoint_timestamp: u64,
        validator_index: u64,
        balance_gwei: u64,
    },
    ValidatorWithdrawn {
        pod: Address,
        checkpoint_timestamp: u64,
        validator_index: u64,
    },
    CheckpointFinalized {
        pod: Address,
        checkpoint_timestamp: u64,
        #[serde(with = "restake_primitives::decimal::i128_str")]
        total_share_delta_wei: i128,
    },
    PodSharesUpdated {
        pod_owner: Address,
        #[serde(with = "restake_primitives::decimal::i128_str")]
        shares_delta: i128,
    },
    BeaconChainSlashingFactorDecreased {
        staker: Address,
        #[serde(with = "restake_primitives::decimal::u64_str")]
        prev_beacon_chain_slashing_factor: u64,
        #[serde(with = "restake_primitives::decimal::u64_str")]
        new_beacon_chain_slashing_factor: u64,
    },
    /// An instruction for the bridge: send `amountWei` from the pod to `recipient` on Ethereum.
    /// Instructions are numbered per pod from 1; the oracle reports how many were carried out.
    PodPayout {
        pod: Address,
        recipient: Address,
        #[serde(with = "dec")]
        amount_wei: U256,
        payout_index: u64,
    },
    BurnableEthSharesIncreased {
        #[serde(with = "dec")]
        shares: U256,
    },
    // Rewards
    RewardsSubmissionCreated {
        submission: crate::rewards::Submission,
    },
    OperatorAvsSplitSet {
        operator: Address,
        avs: Address,
        activated_at_epoch: u64,
        old_split_bips: u16,
        new_split_bips: u16,
    },
    RewardsRecipientSet {
        earner: Address,
        recipient: Address,
    },
    RewardsClaimed {
        earner: Address,
        recipient: Address,
        token: Address,
        #[serde(with = "dec")]
        amount: U256,
    },
    // Liquid restaking vaults
    VaultCreated {
        vault: Address,
        id: u64,
        lrt: Address,
        admin: Address,
    },
    VaultOperatorAdded {
        vault: Address,
        operator: Address,
        delegator: Address,
        index: u32,
        weight_bps: u16,
    },
    VaultDeposit {
        vault: Address,
        depositor: Address,
        token: Address,
        #[serde(with = "dec")]
        amount: U256,
        #[serde(with = "dec")]
        value: U256,
        #[serde(with = "dec")]
        shares: U256,
    },
    VaultFeeCharged {
        vault: Address,
        #[serde(with = "dec")]
        shares: U256,
        #[serde(with = "dec")]
        value: U256,
        #[serde(with = "dec")]
        high_water_mark: U256,
    },
    RedeemRequested {
        vault: Address,
        request_id: u64,
        owner: Address,
        #[serde(with = "dec")]
        shares: U256,
        token: Address,
        #[serde(with = "dec")]
        rate_at_request: U256,
    },
    RedeemFinalized {
        vault: Address,
        request_id: u64,
        token: Address,
        #[serde(with = "dec")]
        amount: U256,
        #[serde(with = "dec")]
        rate_applied: U256,
    },
    RedeemClaimed {
        vault: Address,
        request_id: u64,
        owner: Address,
        token: Address,
        #[serde(with = "dec")]
        amount: U256,
    },
    InstantRedeemed {
        vault: Address,
        owner: Address,
        #[serde(with = "dec")]
        shares: U256,
        token: Address,
        #[serde(with = "dec")]
        amount: U256,
        fee_bps: u16,
    },
    VaultRestaked {
        vault: Address,
        delegator: Address,
        operator: Address,
        token: Address,
        #[serde(with = "dec")]
        amount: U256,
        #[serde(with = "dec")]
        shares: U256,
    },
    VaultWithdrawalQueued {
        vault: Address,
        delegator: Address,
        withdrawal_root: B256,
    },
    VaultWithdrawalCompleted {
        vault: Address,
        delegator: Address,
        withdrawal_root: B256,
        token: Address,
        #[serde(with = "dec")]
        amount: U256,
    },
    VaultAssetRateUpdated {
        vault: Address,
        token: Address,
        #[serde(with = "dec")]
        old_rate: U256,
        #[serde(with = "dec")]
        new_rate: U256,
        is_override: bool,
    },
    VaultPausedSet {
        vault: Address,
        paused: u64,
    },
    VaultRolesSet {
        vault: Address,
        admin: Address,
        pauser: Address,
        manager: Address,
    },
    VaultParamsQueued {
        vault: Address,
        effective_at_block: u32,
    },
    VaultParamsApplied {
        vault: Address,
    },
    VaultValidatorsDeposited {
        vault: Address,
        delegator: Address,
        recipient: Address,
        validators: u32,
        #[serde(with = "dec")]
        value: U256,
        #[serde(with = "dec")]
        shares: U256,
    },
    VaultBondPosted {
        vault: Address,
        operator: Address,
        #[serde(with = "dec")]
        shares: U256,
        #[serde(with = "dec")]
        bond: U256,
    },
    VaultBondUnlocking {
        vault: Address,
        operator: Address,
        #[serde(with = "dec")]
        shares: U256,
        unlock_at: u32,
    },
    VaultBondWithdrawn {
        vault: Address,
        operator: Address,
        #[serde(with = "dec")]
        shares: U256,
    },
    VaultBondBurned {
        vault: Address,
        operator: Address,
        #[serde(with = "dec")]
        shares: U256,
        #[serde(with = "dec")]
        loss: U256,
    },
    OperatorSetRiskProfileSet {
        operator_set: OperatorSet,
        #[serde(with = "dec")]
        pfc_low: U256,
        #[serde(with = "dec")]
        pfc_high: U256,
        #[serde(with = "dec")]
        alpha_wad: U256,
    },
    VaultRewardsHarvested {
        vault: Address,
        delegator: Address,
        token: Address,
        #[serde(with = "dec")]
        amount: U256,
    },
    // Validators
    ValidatorSetUpdateQueued {
        activation_height: u64,
        changes: Vec<ValidatorChange>,
    },
    ValidatorSetChanged {
        height: u64,
        validator_set_hash: B256,
    },
    // Operator-set keys
    OperatorSetConfigured {
        operator_set: OperatorSet,
        key_scheme: KeyScheme,
    },
    KeyRegistered {
        operator: Address,
        operator_set: OperatorSet,
        key_scheme: KeyScheme,
        key_data: Bytes,
    },
    KeyDeregistered {
        operator: Address,
        operator_set: OperatorSet,
        key_data: Bytes,
    },
    // Operator tables
    OperatorTableCalculatorSet {
        operator_set: OperatorSet,
        weighting: Weighting,
        #[serde(with = "dec")]
        operator_cap: U256,
    },
    OperatorTableUpdated {
        operator_set: OperatorSet,
        reference_height: u64,
        root: B256,
        operator_count: u32,
        #[serde(with = "dec")]
        total_weight: U256,
    },
    // Tasks
    TaskCreated {
        task_id: u64,
        operator_set: OperatorSet,
        creator: Address,
        payload_hash: B256,
        fee_token: Address,
        #[serde(with = "dec")]
        fee: U256,
        reference_height: u64,
        deadline: u64,
    },
    TaskCompleted {
        task_id: u64,
        response: B256,
        #[serde(with = "dec")]
        signed_weight: U256,
        #[serde(with = "dec")]
        total_weight: U256,
    },
    TaskFeePaid {
        task_id: u64,
        operator: Address,
        #[serde(with = "dec")]
        amount: U256,
    },
    TaskExpired {
        task_id: u64,
        #[serde(with = "dec")]
        refund: U256,
    },
    ConflictingResponsesProven {
        operator: Address,
        operator_set: OperatorSet,
        task_id: u64,
    },
}

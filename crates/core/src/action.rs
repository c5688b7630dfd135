//! Every user operation, declared once.
//!
//! On the wire an action is `{"type": "<name>", ...fields}` with EigenLayer's function and
//! argument names in camelCase, amounts as decimal strings and addresses/hashes as `0x` hex.
//! Optional fields default to the sender (`operator`, `avs`) or to "none"; unknown fields are
//! refused. In Borsh (the form blocks carry) an action's tag is its position in the declaration.
//!
//! # Declaring an action
//!
//! The `declare_actions!` block below is the only place an action is listed. From each entry
//! come its variant of [`Action`] (with the derives and serde attributes written on the enum),
//! its wire name ([`Action::name`], [`Action::NAMES`]), the EIP-712 struct a transaction signs
//! ([`crate::tx::typed_action`]) and the call of its handler ([`crate::app::dispatch`]).
//!
//! ```text
//! declaration := attributes "pub enum Action |" ex "," sender "|" "{" entry,* "}"
//! entry       := attributes Variant "{" field,* "}" "=>" handler
//! field       := attributes name ":" RustType ["as" conversion]
//! ```
//!
//! - `Variant` is the EIP-712 primary type; serde's camelCase of it is the wire `type` and
//!   [`Action::name`] (`DepositIntoStrategy` → `depositIntoStrategy`).
//! - A field is read and written under the camelCase of its name (serde's `rename_all_fields`)
//!   and signed under that same name, in declaration order; the transaction appends
//!   `uint64 nonce`. Its attributes (`#[serde(...)]`, docs) go on the enum field as written.
//! - A field is signed as its value, with the EIP-712 type of its Rust type
//!   ([`Typed`]: `Address` → `address`, `U256` → `uint256`, `u32` → `uint32`, `Vec<T>` →
//!   `T[]`, `Box<T>` → `T`, and the structs declared in `signed_structs!` below).
//!   `as conversion`, a closure given the field by reference, signs its result instead, with
//!   that result's type: how an omitted option is signed (`|o| o.unwrap_or(sender)`), or a
//!   different type (`|d| d.map_or(u64::MAX, u64::from)` signs a `u32` as `uint64`). The
//!   closure may use `sender`, the transaction's sender.
//! - `handler` is an expression run with the fields bound by reference, `ex` (the
//!   [`Exec`](crate::exec::Exec) the action runs in) and `sender`. It returns
//!   `Result<T, Error>`; the `T` is dropped (the events carry it).
//!
//! Structs nested in actions are signed as EIP-712 structs declared in `signed_structs!`:
//! `RustStruct ["as" Eip712Name] "{" field ["as" conversion],* "}"`, naming every field of the
//! Rust struct (the build fails otherwise) in signing order, each under the camelCase of its
//! name, converted as above (the conversion sees only the field).
//!
//! Adding an action: write its handler, append its entry at the end of the declaration (an
//! entry placed earlier would move the Borsh tags of the actions after it), and write its page
//! in `docs/spec/`.

mod macros;

use self::macros::{declare_actions, signed_structs};
use crate::allocation::{
    self, AllocateParams, CreateSetParams, RegistrationApproval, RegistrationPolicy,
};
use crate::beacon_oracle;
use crate::delegation::{self, QueuedWithdrawalParams};
use crate::evidence::{self, SignedAttestation, SignedResponse};
use crate::keys::{self, KeyScheme};
use crate::pause::{self, PauseTarget};
use crate::permissions;
use crate::pods;
use crate::rewards::{self, OperatorReward, StrategyAndMultiplier};
use crate::risk_profile;
use crate::strategy_manager as sm;
use crate::tables::{self, Weighting};
use crate::tasks;
use crate::tokens;
use crate::typed_data::{StructType, Ty, Typed, Val};
use crate::validators::{self, ValidatorChange};
use crate::vault::{self, VaultAssetInit, VaultParams};
use alloy_primitives::{Address, B256, Bytes, U256};
use borsh::{BorshDeserialize, BorshSerialize};
use restake_beacon::{BalanceContainerProof, BalanceProof, StateRootProof, ValidatorProof};
use restake_certificate::Certificate;
use restake_primitives::OperatorSet;
use restake_primitives::decimal::{u256 as dec, u256_vec as dec_vec};
use restake_primitives::ed25519::PublicKey;
use serde::{Deserialize, Serialize};

declare_actions! {
    /// A user operation. The handler of each variant documents its rules.
    #[allow(missing_docs)]
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
    #[serde(
        tag = "type",
        rename_all = "camelCase",
        rename_all_fields = "camelCase",
        deny_unknown_fields
    )]
    pub enum Action |ex, sender| {
        // Asset ledger
        Transfer {
            token: Address,
            to: Address,
            #[serde(with = "dec")]
            amount: U256,
        } => tokens::transfer(ex, sender, *token, *to, *amount),
        Mint {
            token: Address,
            to: Address,
            #[serde(with = "dec")]
            amount: U256,
        } => tokens::mint(ex, sender, *token, *to, *amount),
        Burn {
            token: Address,
            #[serde(with = "dec")]
            amount: U256,
        } => tokens::burn(ex, sender, *token, *amount),
        RegisterToken {
            symbol: String,
            decimals: u8,
            minter: Address,
        } => tokens::register_token(ex, sender, symbol, *decimals, *minter),
        // Pools and token manager
        CreateStrategy {
            token: Address,
        } => sm::create_strategy(ex, sender, *token),
        AddStrategiesToDepositWhitelist {
            strategies: Vec<Address>,
        } => sm::add_to_whitelist(ex, sender, strategies),
        RemoveStrategiesFromDepositWhitelist {
            strategies: Vec<Address>,
        } => sm::remove_from_whitelist(ex, sender, strategies),
        SetStrategyWhitelister {
            new_strategy_whitelister: Address,
        } => sm::set_strategy_whitelister(ex, sender, *new_strategy_whitelister),
        SetTvlLimits {
            strategy: Address,
            #[serde(with = "dec")]
            max_per_deposit: U256,
            #[serde(with = "dec")]
            max_total_deposits: U256,
        } => sm::set_tvl_limits(ex, sender, *strategy, *max_per_deposit, *max_total_deposits),
        DepositIntoStrategy {
            strategy: Address,
            token: Address,
            #[serde(with = "dec")]
            amount: U256,
        } => sm::deposit_into_strategy(ex, sender, *strategy, *token, *amount),
        DepositIntoStrategyWithSignature {
            strategy: Address,
            token: Address,
            #[serde(with = "dec")]
            amount: U256,
            staker: Address,
            expiry: u64,
            signature: Bytes,
        } => sm::deposit_into_strategy_with_signature(
            ex, sender, *strategy, *token, *amount, *staker, *expiry, signature,
        ),
        ClearBurnOrRedistributableShares {
            avs: Address,
            operator_set_id: u32,
            slash_id: u64,
        } => sm::clear_burn_or_redistributable_shares(
            ex,
            OperatorSet::new(*avs, *operator_set_id),
            *slash_id,
        ),
        ClearBurnOrRedistributableSharesByStrategy {
            avs: Address,
            operator_set_id: u32,
            slash_id: u64,
            strategy: Address,
        } => sm::clear_burn_or_redistributable_shares_by_strategy(
            ex,
            OperatorSet::new(*avs, *operator_set_id),
            *slash_id,
            *strategy,
        ),
        // Delegation
        RegisterAsOperator {
            delegation_approver: Address,
            allocation_delay: u32,
            metadata_uri: String,
        } => delegation::register_as_operator(
            ex,
            sender,
            *delegation_approver,
            *allocation_delay,
            metadata_uri.clone(),
        ),
        ModifyOperatorDetails {
            #[serde(default)]
            operator: Option<Address> as |o| o.unwrap_or(sender),
            delegation_approver: Address,
        } => delegation::modify_operator_details(
            ex,
            sender,
            operator.unwrap_or(sender),
            *delegation_approver,
        ),
        UpdateOperatorMetadataUri {
            #[serde(default)]
            operator: Option<Address> as |o| o.unwrap_or(sender),
            metadata_uri: String,
        } => delegation::update_operator_metadata_uri(
            ex,
            sender,
            operator.unwrap_or(sender),
            metadata_uri.clone(),
        ),
        DelegateTo {
            operator: Address,
            #[serde(default)]
            approver_signature: Option<Bytes> as |s| s.clone().unwrap_or_default(),
            #[serde(default)]
            approver_expiry: u64,
            #[serde(default)]
            approver_salt: B256,
        } => delegation::delegate_to(
            ex,
            sender,
            *operator,
            approver_signature.as_ref(),
            *approver_expiry,
            *approver_salt,
        ),
        Undelegate {
            staker: Address,
        } => delegation::undelegate(ex, sender, *staker),
        Redelegate {
            new_operator: Address,
            #[serde(default)]
            approver_signature: Option<Bytes> as |s| s.clone().unwrap_or_default(),
            #[serde(default)]
            approver_expiry: u64,
            #[serde(default)]
            approver_salt: B256,
        } => delegation::redelegate(
            ex,
            sender,
            *new_operator,
            approver_signature.as_ref(),
            *approver_expiry,
            *approver_salt,
        ),
        QueueWithdrawals {
            params: Vec<QueuedWithdrawalParams>,
        } => delegation::queue_withdrawals(ex, sender, params),
        CompleteQueuedWithdrawal {
            withdrawal_root: B256,
            receive_as_tokens: bool,
        } => delegation::complete_queued_withdrawal(ex, sender, *withdrawal_root, *receive_as_tokens),
        CompleteQueuedWithdrawals {
            withdrawal_roots: Vec<B256>,
            receive_as_tokens: Vec<bool>,
        } => delegation::complete_queued_withdrawals(ex, sender, withdrawal_roots, receive_as_tokens),
        // Allocation manager (operator sets, allocations, slashing)
        UpdateAvsMetadataUri {
            #[serde(default)]
            avs: Option<Address> as |a| a.unwrap_or(sender),
            metadata_uri: String,
        } => allocation::update_avs_metadata_uri(
            ex,
            sender,
            avs.unwrap_or(sender),
            metadata_uri.clone(),
        ),
        CreateOperatorSets {
            #[serde(default)]
            avs: Option<Address> as |a| a.unwrap_or(sender),
            params: Vec<CreateSetParams>,
        } => allocation::create_operator_sets(ex, sender, avs.unwrap_or(sender), params),
        AddStrategiesToOperatorSet {
            #[serde(default)]
            avs: Option<Address> as |a| a.unwrap_or(sender),
            operator_set_id: u32,
            strategies: Vec<Address>,
        } => allocation::add_strategies_to_operator_set(
            ex,
            sender,
            avs.unwrap_or(sender),
            *operator_set_id,
            strategies,
        ),
        RemoveStrategiesFromOperatorSet {
            #[serde(default)]
            avs: Option<Address> as |a| a.unwrap_or(sender),
            operator_set_id: u32,
            strategies: Vec<Address>,
        } => allocation::remove_strategies_from_operator_set(
            ex,
            sender,
            avs.unwrap_or(sender),
            *operator_set_id,
            strategies,
        ),
        UpdateSlasher {
            #[serde(default)]
            avs: Option<Address> as |a| a.unwrap_or(sender),
            operator_set_id: u32,
            slasher: Address,
        } => allocation::update_slasher(
            ex,
            sender,
            avs.unwrap_or(sender),
            *operator_set_id,
            *slasher,
        ),
        SetRegistrationPolicy {
            #[serde(default)]
            avs: Option<Address> as |a| a.unwrap_or(sender),
            operator_set_id: u32,
            policy: RegistrationPolicy,
        } => allocation::set_registration_policy(
            ex,
            sender,
            avs.unwrap_or(sender),
            *operator_set_id,
            *policy,
        ),
        UpdateAllowlist {
            #[serde(default)]
            avs: Option<Address> as |a| a.unwrap_or(sender),
            operator_set_id: u32,
            operators: Vec<Address>,
            allowed: bool,
        } => allocation::update_allowlist(
            ex,
            sender,
            avs.unwrap_or(sender),
            *operator_set_id,
            operators,
            *allowed,
        ),
        RegisterForOperatorSets {
            #[serde(default)]
            operator: Option<Address> as |o| o.unwrap_or(sender),
            avs: Address,
            operator_set_ids: Vec<u32>,
            // Signed as an array of zero or one approval.
            #[serde(default)]
            approval: Option<RegistrationApproval> as |a| a.as_slice(),
        } => allocation::register_for_operator_sets(
            ex,
            sender,
            operator.unwrap_or(sender),
            *avs,
            operator_set_ids,
            approval.as_ref(),
        ),
        DeregisterFromOperatorSets {
            #[serde(default)]
            operator: Option<Address> as |o| o.unwrap_or(sender),
            avs: Address,
            operator_set_ids: Vec<u32>,
        } => allocation::deregister_from_operator_sets(
            ex,
            sender,
            operator.unwrap_or(sender),
            *avs,
            operator_set_ids,
        ),
        SetAllocationDelay {
            #[serde(default)]
            operator: Option<Address> as |o| o.unwrap_or(sender),
            delay: u32,
        } => allocation::set_allocation_delay(ex, sender, operator.unwrap_or(sender), *delay),
        ModifyAllocations {
            #[serde(default)]
            operator: Option<Address> as |o| o.unwrap_or(sender),
            params: Vec<AllocateParams>,
        } => allocation::modify_allocations(ex, sender, operator.unwrap_or(sender), params),
        ClearDeallocationQueue {
            operator: Address,
            strategies: Vec<Address>,
            num_to_clear: Vec<u16>,
        } => allocation::clear_deallocation_queue(ex, *operator, strategies, num_to_clear),
        SlashOperator {
            #[serde(default)]
            avs: Option<Address> as |a| a.unwrap_or(sender),
            operator: Address,
            operator_set_id: u32,
            strategies: Vec<Address>,
            #[serde(with = "dec_vec")]
            wads_to_slash: Vec<U256>,
            description: String,
        } => allocation::slash_operator(
            ex,
            sender,
            avs.unwrap_or(sender),
            *operator,
            *operator_set_id,
            strategies,
            wads_to_slash,
            description.clone(),
        ),
        SetOperatorSetRiskProfile {
            /// The set's AVS (default: the sender).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            avs: Option<Address> as |a| a.unwrap_or(sender),
            operator_set_id: u32,
            #[serde(with = "dec")]
            pfc_low: U256,
            #[serde(with = "dec")]
            pfc_high: U256,
            #[serde(with = "dec")]
            alpha_wad: U256,
        } => risk_profile::set_risk_profile(
            ex,
            sender,
            OperatorSet::new(avs.unwrap_or(sender), *operator_set_id),
            risk_profile::RiskProfile {
                pfc_low: *pfc_low,
                pfc_high: *pfc_high,
                alpha_wad: *alpha_wad,
            },
        ),
        SlashWithEquivocationProof {
            avs: Address,
            operator_set_id: u32,
            operator: Address,
            height: u64,
            first: SignedAttestation,
            second: SignedAttestation,
        } => evidence::slash_with_equivocation_proof(
            ex,
            *avs,
            *operator_set_id,
            *operator,
            *height,
            first,
            second,
        ),
        // Native restaking. Proof fields also accept the key names of EigenLayer's proof files
        // (`StateRootProof`, `ValidatorIndices`, `ValidatorFieldsProofs`, `ValidatorFields`, ...).
        CreatePod {} => pods::create_pod(ex, sender),
        SetProofSubmitter {
            new_proof_submitter: Address,
        } => pods::set_proof_submitter(ex, sender, *new_proof_submitter),
        VerifyWithdrawalCredentials {
            /// The pod (default: the sender's).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pod: Option<Address> as |p| p.unwrap_or_default(),
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
        } => pods::verify_withdrawal_credentials(
            ex,
            sender,
            *pod,
            *beacon_timestamp,
            state_root_proof,
            validator_indices,
            validator_fields_proofs,
            validator_fields,
        ),
        StartCheckpoint {
            /// The pod (default: the sender's).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pod: Option<Address> as |p| p.unwrap_or_default(),
            beacon_timestamp: u64,
            #[serde(default)]
            revert_if_no_balance: bool,
        } => pods::start_checkpoint(ex, sender, *pod, *beacon_timestamp, *revert_if_no_balance),
        VerifyCheckpointProofs {
            pod: Address,
            #[serde(alias = "BalanceContainerProof", alias = "validatorBalancesRootProof")]
            balance_container_proof: BalanceContainerProof,
            #[serde(alias = "BalanceProofs", alias = "balanceProofs")]
            proofs: Vec<BalanceProof>,
        } => pods::verify_checkpoint_proofs(ex, *pod, balance_container_proof, proofs),
        VerifyStaleBalance {
            pod: Address,
            beacon_timestamp: u64,
            #[serde(alias = "StateRootProof")]
            state_root_proof: StateRootProof,
            proof: ValidatorProof,
        } => pods::verify_stale_balance(ex, *pod, *beacon_timestamp, state_root_proof, proof),
        // Beacon oracle
        PostBeaconRoot {
            timestamp: u64,
            block_root: B256,
        } => beacon_oracle::post_beacon_root(ex, sender, *timestamp, *block_root),
        PostPodBalance {
            pod: Address,
            timestamp: u64,
            #[serde(with = "dec")]
            balance_wei: U256,
            payouts_executed: u64,
        } => beacon_oracle::post_pod_balance(
            ex,
            sender,
            *pod,
            *timestamp,
            beacon_oracle::PodBalance {
                balance_wei: *balance_wei,
                payouts_executed: *payouts_executed,
            },
        ),
        // Rewards
        CreateRewardsSubmission {
            /// The set's AVS (default: the sender).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            avs: Option<Address> as |a| a.unwrap_or(sender),
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
        } => rewards::create_rewards_submission(
            ex,
            sender,
            OperatorSet::new(avs.unwrap_or(sender), *operator_set_id),
            strategies_and_multipliers,
            *token,
            *amount,
            operator_rewards,
            *start_epoch,
            *duration_epochs,
        ),
        SetOperatorAvsSplit {
            /// The operator (default: the sender).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            operator: Option<Address> as |o| o.unwrap_or(sender),
            avs: Address,
            split: u16,
        } => rewards::set_operator_avs_split(ex, sender, operator.unwrap_or(sender), *avs, *split),
        SetRewardsRecipient {
            recipient: Address,
        } => rewards::set_rewards_recipient(ex, sender, *recipient),
        ClaimRewards {
            tokens: Vec<Address>,
        } => rewards::claim_rewards(ex, sender, tokens),
        // Liquid restaking vaults
        CreateVault {
            symbol: String,
            assets: Vec<VaultAssetInit>,
            /// Parameters (default: the documented defaults). Omitted, signed as the all-default
            /// `VaultParams`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            params: Option<Box<VaultParams>> as |p| p.as_deref().cloned().unwrap_or_default(),
        } => vault::create_vault(ex, sender, symbol, assets, params.as_deref()),
        AddVaultOperator {
            vault: Address,
            operator: Address,
            weight_bps: u16,
        } => vault::add_vault_operator(ex, sender, *vault, *operator, *weight_bps),
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
        } => vault::deposit_into_vault(
            ex,
            sender,
            *vault,
            *token,
            *amount,
            *min_shares_out,
            *deadline,
        ),
        RequestRedeem {
            vault: Address,
            #[serde(with = "dec")]
            shares: U256,
            token: Address,
        } => vault::request_redeem(ex, sender, *vault, *shares, *token),
        FinalizeRedeemRequests {
            vault: Address,
            max_requests: u32,
        } => vault::finalize_redeem_requests(ex, *vault, *max_requests),
        ClaimRedeem {
            vault: Address,
            request_id: u64,
        } => vault::claim_redeem(ex, sender, *vault, *request_id),
        InstantRedeem {
            vault: Address,
            #[serde(with = "dec")]
            shares: U256,
            token: Address,
            #[serde(with = "dec", default)]
            min_amount_out: U256,
        } => vault::instant_redeem(ex, sender, *vault, *shares, *token, *min_amount_out),
        RestakeVaultAssets {
            vault: Address,
            token: Address,
            #[serde(with = "dec")]
            amount: U256,
            /// The node delegator (default: routed by target weights). Signed as `uint64`,
            /// omitted as 2^64 - 1, which no index can be.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            delegator: Option<u32> as |d| d.map_or(u64::MAX, u64::from),
        } => vault::restake_vault_assets(ex, sender, *vault, *token, *amount, *delegator),
        QueueVaultWithdrawal {
            vault: Address,
            delegator: u32,
            token: Address,
            #[serde(with = "dec")]
            deposit_shares: U256,
        } => vault::queue_vault_withdrawal(ex, sender, *vault, *delegator, *token, *deposit_shares),
        CompleteVaultWithdrawal {
            vault: Address,
            withdrawal_root: B256,
        } => vault::complete_vault_withdrawal(ex, *vault, *withdrawal_root),
        RedelegateVaultDelegator {
            vault: Address,
            delegator: u32,
        } => vault::redelegate_vault_delegator(ex, sender, *vault, *delegator),
        UpdateVaultAssetRate {
            vault: Address,
            token: Address,
            #[serde(with = "dec")]
            rate_wad: U256,
        } => vault::update_vault_asset_rate(ex, sender, *vault, *token, *rate_wad),
        SetVaultPaused {
            vault: Address,
            #[serde(with = "restake_primitives::decimal::u64_str")]
            paused: u64,
        } => vault::set_vault_paused(ex, sender, *vault, *paused),
        SetVaultRoles {
            vault: Address,
            admin: Address,
            pauser: Address,
            manager: Address,
        } => vault::set_vault_roles(ex, sender, *vault, *admin, *pauser, *manager),
        QueueVaultParams {
            vault: Address,
            params: Box<VaultParams>,
        } => vault::queue_vault_params(ex, sender, *vault, params),
        ApplyVaultParams {
            vault: Address,
        } => vault::apply_vault_params(ex, *vault),
        HarvestVaultRewards {
            vault: Address,
        } => vault::harvest_vault_rewards(ex, *vault),
        CreateVaultPod {
            vault: Address,
            delegator: u32,
        } => vault::create_vault_pod(ex, sender, *vault, *delegator),
        PostVaultBond {
            vault: Address,
            delegator: u32,
            #[serde(with = "dec")]
            shares: U256,
        } => vault::post_vault_bond(ex, sender, *vault, *delegator, *shares),
        RequestVaultBondWithdrawal {
            vault: Address,
            delegator: u32,
            #[serde(with = "dec")]
            shares: U256,
        } => vault::request_vault_bond_withdrawal(ex, sender, *vault, *delegator, *shares),
        WithdrawVaultBond {
            vault: Address,
            delegator: u32,
        } => vault::withdraw_vault_bond(ex, sender, *vault, *delegator),
        StartVaultCheckpoint {
            vault: Address,
            delegator: u32,
            beacon_timestamp: u64,
        } => vault::start_vault_checkpoint(ex, sender, *vault, *delegator, *beacon_timestamp),
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
        } => vault::deposit_validators_into_vault(
            ex,
            sender,
            *vault,
            *delegator,
            *recipient,
            *min_shares_out,
            *beacon_timestamp,
            state_root_proof,
            validator_indices,
            validator_fields_proofs,
            validator_fields,
        ),
        // Permissions
        AddPendingAdmin {
            account: Address,
            admin: Address,
        } => permissions::add_pending_admin(ex, sender, *account, *admin),
        RemovePendingAdmin {
            account: Address,
            admin: Address,
        } => permissions::remove_pending_admin(ex, sender, *account, *admin),
        AcceptAdmin {
            account: Address,
        } => permissions::accept_admin(ex, sender, *account),
        RemoveAdmin {
            account: Address,
            admin: Address,
        } => permissions::remove_admin(ex, sender, *account, *admin),
        SetAppointee {
            account: Address,
            appointee: Address,
            selector: String,
        } => permissions::set_appointee(ex, sender, *account, *appointee, selector),
        RemoveAppointee {
            account: Address,
            appointee: Address,
            selector: String,
        } => permissions::remove_appointee(ex, sender, *account, *appointee, selector),
        // Pausing
        Pause {
            target: PauseTarget,
            #[serde(with = "restake_primitives::decimal::u64_str")]
            new_paused_status: u64,
        } => pause::pause(ex, sender, *target, *new_paused_status),
        PauseAll {} => pause::pause_all(ex, sender),
        Unpause {
            target: PauseTarget,
            #[serde(with = "restake_primitives::decimal::u64_str")]
            new_paused_status: u64,
        } => pause::unpause(ex, sender, *target, *new_paused_status),
        // Validators
        UpdateValidatorSet {
            changes: Vec<ValidatorChange>,
            activation_height: u64,
        } => validators::update_validator_set(ex, sender, changes, *activation_height),
        // Operator-set keys
        ConfigureOperatorSet {
            /// The set's AVS (default: the sender).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            avs: Option<Address> as |a| a.unwrap_or(sender),
            operator_set_id: u32,
            key_scheme: KeyScheme,
        } => keys::configure_operator_set(
            ex,
            sender,
            OperatorSet::new(avs.unwrap_or(sender), *operator_set_id),
            *key_scheme,
        ),
        RegisterKey {
            /// The operator (default: the sender).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            operator: Option<Address> as |o| o.unwrap_or(sender),
            avs: Address,
            operator_set_id: u32,
            key_data: Bytes,
            signature: Bytes,
        } => keys::register_key(
            ex,
            sender,
            operator.unwrap_or(sender),
            OperatorSet::new(*avs, *operator_set_id),
            key_data,
            signature,
        ),
        DeregisterKey {
            /// The operator (default: the sender).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            operator: Option<Address> as |o| o.unwrap_or(sender),
            avs: Address,
            operator_set_id: u32,
        } => keys::deregister_key(
            ex,
            sender,
            operator.unwrap_or(sender),
            OperatorSet::new(*avs, *operator_set_id),
        ),
        // Operator tables
        SetOperatorTableCalculator {
            /// The set's AVS (default: the sender).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            avs: Option<Address> as |a| a.unwrap_or(sender),
            operator_set_id: u32,
            weighting: Weighting,
            /// Per-strategy integer multipliers (default: every strategy counts once).
            #[serde(default)]
            multipliers: Vec<StrategyAndMultiplier>,
            /// The most one operator may weigh; `"0"` (the default) for no cap.
            #[serde(default, with = "dec")]
            operator_cap: U256,
        } => tables::set_operator_table_calculator(
            ex,
            sender,
            OperatorSet::new(avs.unwrap_or(sender), *operator_set_id),
            *weighting,
            multipliers,
            *operator_cap,
        ),
        UpdateOperatorTable {
            avs: Address,
            operator_set_id: u32,
        } => tables::update_operator_table(ex, OperatorSet::new(*avs, *operator_set_id)),
        // Tasks
        CreateTask {
            /// The set's AVS (default: the sender).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            avs: Option<Address> as |a| a.unwrap_or(sender),
            operator_set_id: u32,
            payload_hash: B256,
            fee_token: Address,
            #[serde(with = "dec")]
            fee: U256,
            threshold_bips: u16,
            deadline_blocks: u32,
        } => tasks::create_task(
            ex,
            sender,
            OperatorSet::new(avs.unwrap_or(sender), *operator_set_id),
            *payload_hash,
            *fee_token,
            *fee,
            *threshold_bips,
            *deadline_blocks,
        ),
        RespondToTask {
            task_id: u64,
            response: B256,
            /// Signed as its borsh encoding (`bytes`).
            certificate: Box<Certificate>,
        } => tasks::respond_to_task(ex, *task_id, *response, certificate),
        ExpireTask {
            task_id: u64,
        } => tasks::expire_task(ex, *task_id),
        SlashWithConflictingResponses {
            task_id: u64,
            operator: Address,
            first: SignedResponse,
            second: SignedResponse,
        } => evidence::slash_with_conflicting_responses(ex, *task_id, *operator, first, second),
    }
}

signed_structs! {
    /// `QueuedWithdrawalParams(address[] strategies,uint256[] depositShares)`.
    QueuedWithdrawalParams { strategies, deposit_shares }

    /// `CreateSetParams(uint32 operatorSetId,address[] strategies,address redistributionRecipient,
    /// address slasher,string registrationPolicy,uint256 equivocationWadToSlash)`, omitted
    /// options signed as zero.
    CreateSetParams {
        operator_set_id,
        strategies,
        redistribution_recipient as |r| r.unwrap_or_default(),
        slasher as |s| s.unwrap_or_default(),
        registration_policy,
        equivocation_wad_to_slash as |w| w.unwrap_or_default(),
    }

    /// `AllocateParams(address avs,uint32 operatorSetId,address[] strategies,
    /// uint64[] newMagnitudes)`.
    AllocateParams { avs, operator_set_id, strategies, new_magnitudes }

    /// `RegistrationApproval(bytes signature,bytes32 salt,uint64 expiry)`.
    RegistrationApproval { signature, salt, expiry }

    /// `SignedAttestation(bytes32 payloadHash,bytes signature)`.
    SignedAttestation { payload_hash, signature }

    /// `SignedResponse(bytes32 response,bytes signature)`.
    SignedResponse { response, signature }

    /// `StrategyAndMultiplier(address strategy,uint256 multiplier)`.
    StrategyAndMultiplier { strategy, multiplier }

    /// `OperatorReward(address operator,uint256 amount)`.
    OperatorReward { operator, amount }

    /// `VaultAsset(address token,uint256 rateWad)`.
    VaultAssetInit as VaultAsset { token, rate_wad }

    /// `VaultParams(uint256 minDepositValue,uint256 totalCapValue,uint256[] assetCaps,
    /// uint16 operatorCapBps,uint16 feeBps,address treasury,uint32 cooldownBlocks,
    /// uint16 instantFeeMinBps,uint16 instantFeeMaxBps,uint16 bufferTargetBps,
    /// uint16 bufferFloorBps,uint16 maxRateStepBps,uint32 maxRateAgeBlocks,
    /// uint32 paramDelayBlocks)`.
    VaultParams {
        min_deposit_value,
        total_cap_value,
        asset_caps,
        operator_cap_bps,
        fee_bps,
        treasury,
        cooldown_blocks,
        instant_fee_min_bps,
        instant_fee_max_bps,
        buffer_target_bps,
        buffer_floor_bps,
        max_rate_step_bps,
        max_rate_age_blocks,
        param_delay_blocks,
    }

    /// `StateRootProof(bytes32 beaconStateRoot,bytes32[] proof)`.
    StateRootProof { beacon_state_root, proof }

    /// `BalanceContainerProof(bytes32 balanceContainerRoot,bytes32[] proof)`.
    BalanceContainerProof { balance_container_root, proof }

    /// `BalanceProof(bytes32 pubkeyHash,bytes32 balanceRoot,bytes32[] proof)`.
    BalanceProof { pubkey_hash, balance_root, proof }

    /// `ValidatorProof(bytes32[] validatorFields,bytes32[] proof)`.
    ValidatorProof { validator_fields, proof }

    /// `ValidatorChange(bytes32 consensusKey,uint64 power)`.
    ValidatorChange { consensus_key, power }
}

/// `bytes32`: the key's 32 bytes.
impl Typed for PublicKey {
    fn eip712_type() -> Ty {
        Ty::Bytes32
    }

    fn eip712_value(&self) -> Val {
        Val::Bytes32(B256::from(self.to_bytes()))
    }
}

/// `bytes`: the certificate's borsh encoding (the form blocks carry it in).
impl Typed for Certificate {
    fn eip712_type() -> Ty {
        Ty::Bytes
    }

    fn eip712_value(&self) -> Val {
        Val::Bytes(borsh::to_vec(self).unwrap_or_default().into())
    }
}

/// `string`: `"slashable"` or `"delegated"`.
impl Typed for Weighting {
    fn eip712_type() -> Ty {
        Ty::String
    }

    fn eip712_value(&self) -> Val {
        Val::String(self.name().into())
    }
}

/// `string`: `"ecdsa"` or `"bls12381"`.
impl Typed for KeyScheme {
    fn eip712_type() -> Ty {
        Ty::String
    }

    fn eip712_value(&self) -> Val {
        Val::String(self.name().into())
    }
}

/// `string`: `"open"`, `"allowlist"` or `"approval"`.
impl Typed for RegistrationPolicy {
    fn eip712_type() -> Ty {
        Ty::String
    }

    fn eip712_value(&self) -> Val {
        Val::String(
            match self {
                Self::Open => "open",
                Self::Allowlist => "allowlist",
                Self::Approval => "approval",
            }
            .into(),
        )
    }
}

const PAUSE_TARGET: StructType = StructType {
    name: "PauseTarget",
    fields: || vec![("component", Ty::String), ("pool", Ty::Address)],
};

/// `PauseTarget(string component,address pool)`: the component's wire name, and the pool of a
/// pool target (zero for the others).
impl Typed for PauseTarget {
    fn eip712_type() -> Ty {
        Ty::Struct(PAUSE_TARGET)
    }

    fn eip712_value(&self) -> Val {
        let (component, pool) = match self {
            Self::TokenManager => ("tokenManager", Address::ZERO),
            Self::DelegationManager => ("delegationManager", Address::ZERO),
            Self::AllocationManager => ("allocationManager", Address::ZERO),
            Self::Evidence => ("evidence", Address::ZERO),
            Self::Pool(p) => ("pool", *p),
            Self::PodManager => ("podManager", Address::ZERO),
            Self::Rewards => ("rewards", Address::ZERO),
        };
        PAUSE_TARGET.value(vec![Val::String(component.into()), Val::Address(pool)])
    }
}

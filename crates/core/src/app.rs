//! The application: genesis, and `execute`, which runs one action all-or-nothing.
//!
//! `execute` runs the action on an [`Overlay`](crate::state::Overlay) over the state and applies
//! the overlay only on success, so a failed action leaves the state exactly as it was (nonces
//! and fees are the transaction layer's business, outside this crate).

use crate::action::Action;
use crate::allocation;
use crate::beacon_oracle::{self, OracleConfig};
use crate::config::{ConfigRead, ConfigWrite, Params, Roles};
use crate::context::BlockContext;
use crate::delegation;
use crate::error::Error;
use crate::event::Event;
use crate::evidence;
use crate::exec::Exec;
use crate::pause;
use crate::permissions;
use crate::pods;
use crate::rewards;
use crate::risk_profile;
use crate::state::StateWrite;
use crate::strategy_manager as sm;
use crate::tokens;
use crate::vault;
use alloy_primitives::{Address, U256};
use restake_primitives::OperatorSet;
use serde::{Deserialize, Serialize};

/// Runs `action` from `sender` in `block`. On success the state changes and the events are
/// returned; on failure nothing changes.
pub fn execute<S: StateWrite>(
    state: &mut S,
    block: &BlockContext,
    sender: Address,
    action: &Action,
) -> Result<Vec<Event>, Error> {
    let (changes, events) = {
        let mut ex = Exec::new(&*state, *block);
        dispatch(&mut ex, sender, action)?;
        ex.finish()
    };
    state.apply(changes);
    Ok(events)
}

/// Work the protocol does at the start of every block, before its transactions: distributing
/// the rewards of an epoch that just ended. All or nothing; an error means the block is invalid.
pub fn begin_block<S: StateWrite>(state: &mut S, block: &BlockContext) -> Result<(), Error> {
    let (changes, _) = {
        let mut ex = Exec::new(&*state, *block);
        rewards::begin_block(&mut ex)?;
        ex.finish()
    };
    state.apply(changes);
    Ok(())
}

/// Routes an action to its handler.
pub fn dispatch(ex: &mut Exec<'_>, sender: Address, action: &Action) -> Result<(), Error> {
    use Action as A;
    match action {
        A::Transfer { token, to, amount } => tokens::transfer(ex, sender, *token, *to, *amount),
        A::Mint { token, to, amount } => tokens::mint(ex, sender, *token, *to, *amount),
        A::Burn { token, amount } => tokens::burn(ex, sender, *token, *amount),
        A::RegisterToken {
            symbol,
            decimals,
            minter,
        } => tokens::register_token(ex, sender, symbol, *decimals, *minter).map(drop),
        A::CreateStrategy { token } => sm::create_strategy(ex, sender, *token).map(drop),
        A::AddStrategiesToDepositWhitelist { strategies } => {
            sm::add_to_whitelist(ex, sender, strategies)
        }
        A::RemoveStrategiesFromDepositWhitelist { strategies } => {
            sm::remove_from_whitelist(ex, sender, strategies)
        }
        A::SetStrategyWhitelister {
            new_strategy_whitelister,
        } => sm::set_strategy_whitelister(ex, sender, *new_strategy_whitelister),
        A::SetTvlLimits {
            strategy,
            max_per_deposit,
            max_total_deposits,
        } => sm::set_tvl_limits(ex, sender, *strategy, *max_per_deposit, *max_total_deposits),
        A::DepositIntoStrategy {
            strategy,
            token,
            amount,
        } => sm::deposit_into_strategy(ex, sender, *strategy, *token, *amount).map(drop),
        A::DepositIntoStrategyWithSignature {
            strategy,
            token,
            amount,
            staker,
            expiry,
            signature,
        } => sm::deposit_into_strategy_with_signature(
            ex, sender, *strategy, *token, *amount, *staker, *expiry, signature,
        )
        .map(drop),
        A::ClearBurnOrRedistributableShares {
            avs,
            operator_set_id,
            slash_id,
        } => sm::clear_burn_or_redistributable_shares(
            ex,
            OperatorSet::new(*avs, *operator_set_id),
            *slash_id,
        ),
        A::ClearBurnOrRedistributableSharesByStrategy {
            avs,
            operator_set_id,
            slash_id,
            strategy,
        } => sm::clear_burn_or_redistributable_shares_by_strategy(
            ex,
            OperatorSet::new(*avs, *operator_set_id),
            *slash_id,
            *strategy,
        ),
        A::RegisterAsOperator {
            delegation_approver,
            allocation_delay,
            metadata_uri,
        } => delegation::register_as_operator(
            ex,
            sender,
            *delegation_approver,
            *allocation_delay,
            metadata_uri.clone(),
        ),
        A::ModifyOperatorDetails {
            operator,
            delegation_approver,
        } => delegation::modify_operator_details(
            ex,
            sender,
            operator.unwrap_or(sender),
            *delegation_approver,
        ),
        A::UpdateOperatorMetadataUri {
            operator,
            metadata_uri,
        } => delegation::update_operator_metadata_uri(
            ex,
            sender,
            operator.unwrap_or(sender),
            metadata_uri.clone(),
        ),
        A::DelegateTo {
            operator,
            approver_signature,
            approver_expiry,
            approver_salt,
        } => delegation::delegate_to(
            ex,
            sender,
            *operator,
            approver_signature.as_ref(),
            *approver_expiry,
            *approver_salt,
        ),
        A::Undelegate { staker } => delegation::undelegate(ex, sender, *staker).map(drop),
        A::Redelegate {
            new_operator,
            approver_signature,
            approver_expiry,
            approver_salt,
        } => delegation::redelegate(
            ex,
            sender,
            *new_operator,
            approver_signature.as_ref(),
            *approver_expiry,
            *approver_salt,
        )
        .map(drop),
        A::QueueWithdrawals { params } => {
            delegation::queue_withdrawals(ex, sender, params).map(drop)
        }
        A::CompleteQueuedWithdrawal {
            withdrawal_root,
            receive_as_tokens,
        } => {
            delegation::complete_queued_withdrawal(ex, sender, *withdrawal_root, *receive_as_tokens)
        }
        A::CompleteQueuedWithdrawals {
            withdrawal_roots,
            receive_as_tokens,
        } => {
            delegation::complete_queued_withdrawals(ex, sender, withdrawal_roots, receive_as_tokens)
        }
        A::UpdateAvsMetadataUri { avs, metadata_uri } => allocation::update_avs_metadata_uri(
            ex,
            sender,
            avs.unwrap_or(sender),
            metadata_uri.clone(),
        ),
        A::CreateOperatorSets { avs, params } => {
            allocation::create_operator_sets(ex, sender, avs.unwrap_or(sender), params)
        }
        A::AddStrategiesToOperatorSet {
            avs,
            operator_set_id,
            strategies,
        } => allocation::add_strategies_to_operator_set(
            ex,
            sender,
            avs.unwrap_or(sender),
            *operator_set_id,
            strategies,
        ),
        A::RemoveStrategiesFromOperatorSet {
            avs,
            operator_set_id,
            strategies,
        } => allocation::remove_strategies_from_operator_set(
            ex,
            sender,
            avs.unwrap_or(sender),
            *operator_set_id,
            strategies,
        ),
        A::UpdateSlasher {
            avs,
            operator_set_id,
            slasher,
        } => allocation::update_slasher(
            ex,
            sender,
            avs.unwrap_or(sender),
            *operator_set_id,
            *slasher,
        ),
        A::SetRegistrationPolicy {
            avs,
            operator_set_id,
            policy,
        } => allocation::set_registration_policy(
            ex,
            sender,
            avs.unwrap_or(sender),
            *operator_set_id,
            *policy,
        ),
        A::UpdateAllowlist {
            avs,
            operator_set_id,
            operators,
            allowed,
        } => allocation::update_allowlist(
            ex,
            sender,
            avs.unwrap_or(sender),
            *operator_set_id,
            operators,
            *allowed,
        ),
        A::RegisterForOperatorSets {
            operator,
            avs,
            operator_set_ids,
            approval,
        } => allocation::register_for_operator_sets(
            ex,
            sender,
            operator.unwrap_or(sender),
            *avs,
            operator_set_ids,
            approval.as_ref(),
        ),
        A::DeregisterFromOperatorSets {
            operator,
            avs,
            operator_set_ids,
        } => allocation::deregister_from_operator_sets(
            ex,
            sender,
            operator.unwrap_or(sender),
            *avs,
            operator_set_ids,
        ),
        A::SetAllocationDelay { operator, delay } => {
            allocation::set_allocation_delay(ex, sender, operator.unwrap_or(sender), *delay)
        }
        A::ModifyAllocations { operator, params } => {
            allocation::modify_allocations(ex, sender, operator.unwrap_or(sender), params)
        }
        A::ClearDeallocationQueue {
            operator,
            strategies,
            num_to_clear,
        } => allocation::clear_deallocation_queue(ex, *operator, strategies, num_to_clear),
        A::SlashOperator {
            avs,
            operator,
            operator_set_id,
            strategies,
            wads_to_slash,
            description,
        } => allocation::slash_operator(
            ex,
            sender,
            avs.unwrap_or(sender),
            *operator,
            *operator_set_id,
            strategies,
            wads_to_slash,
            description.clone(),
        )
        .map(drop),
        A::SlashWithEquivocationProof {
            avs,
            operator_set_id,
            operator,
            height,
            first,
            second,
        } => evidence::slash_with_equivocation_proof(
            ex,
            *avs,
            *operator_set_id,
            *operator,
            *height,
            first,
            second,
        )
        .map(drop),
        A::AddPendingAdmin { account, admin } => {
            permissions::add_pending_admin(ex, sender, *account, *admin)
        }
        A::RemovePendingAdmin { account, admin } => {
            permissions::remove_pending_admin(ex, sender, *account, *admin)
        }
        A::AcceptAdmin { account } => permissions::accept_admin(ex, sender, *account),
        A::RemoveAdmin { account, admin } => {
            permissions::remove_admin(ex, sender, *account, *admin)
        }
        A::SetAppointee {
            account,
            appointee,
            selector,
        } => permissions::set_appointee(ex, sender, *account, *appointee, selector),
        A::RemoveAppointee {
            account,
            appointee,
            selector,
        } => permissions::remove_appointee(ex, sender, *account, *appointee, selector),
        A::Pause {
            target,
            new_paused_status,
        } => pause::pause(ex, sender, *target, *new_paused_status),
        A::PauseAll {} => pause::pause_all(ex, sender),
        A::CreatePod {} => pods::create_pod(ex, sender).map(drop),
        A::SetProofSubmitter {
            new_proof_submitter,
        } => pods::set_proof_submitter(ex, sender, *new_proof_submitter),
        A::VerifyWithdrawalCredentials {
            pod,
            beacon_timestamp,
            state_root_proof,
            validator_indices,
            validator_fields_proofs,
            validator_fields,
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
        A::StartCheckpoint {
            pod,
            beacon_timestamp,
            revert_if_no_balance,
        } => pods::start_checkpoint(ex, sender, *pod, *beacon_timestamp, *revert_if_no_balance),
        A::VerifyCheckpointProofs {
            pod,
            balance_container_proof,
            proofs,
        } => pods::verify_checkpoint_proofs(ex, *pod, balance_container_proof, proofs),
        A::VerifyStaleBalance {
            pod,
            beacon_timestamp,
            state_root_proof,
            proof,
        } => pods::verify_stale_balance(ex, *pod, *beacon_timestamp, state_root_proof, proof),
        A::CreateRewardsSubmission {
            avs,
            operator_set_id,
            strategies_and_multipliers,
            token,
            amount,
            operator_rewards,
            start_epoch,
            duration_epochs,
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
        )
        .map(drop),
        A::SetOperatorAvsSplit {
            operator,
            avs,
            split,
        } => rewards::set_operator_avs_split(ex, sender, operator.unwrap_or(sender), *avs, *split),
        A::SetRewardsRecipient { recipient } => {
            rewards::set_rewards_recipient(ex, sender, *recipient)
        }
        A::ClaimRewards { tokens } => rewards::claim_rewards(ex, sender, tokens),
        A::SetOperatorSetRiskProfile {
            avs,
            operator_set_id,
            pfc_low,
            pfc_high,
            alpha_wad,
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
        A::CreateVault {
            symbol,
            assets,
            params,
        } => vault::create_vault(ex, sender, symbol, assets, params.as_deref()).map(drop),
        A::AddVaultOperator {
            vault: v,
            operator,
            weight_bps,
        } => vault::add_vault_operator(ex, sender, *v, *operator, *weight_bps),
        A::DepositIntoVault {
            vault: v,
            token,
            amount,
            min_shares_out,
            deadline,
        } => vault::deposit_into_vault(ex, sender, *v, *token, *amount, *min_shares_out, *deadline)
            .map(drop),
        A::RequestRedeem {
            vault: v,
            shares,
            token,
        } => vault::request_redeem(ex, sender, *v, *shares, *token).map(drop),
        A::FinalizeRedeemRequests {
            vault: v,
            max_requests,
        } => vault::finalize_redeem_requests(ex, *v, *max_requests).map(drop),
        A::ClaimRedeem {
            vault: v,
            request_id,
        } => vault::claim_redeem(ex, sender, *v, *request_id),
        A::InstantRedeem {
            vault: v,
            shares,
            token,
            min_amount_out,
        } => vault::instant_redeem(ex, sender, *v, *shares, *token, *min_amount_out).map(drop),
        A::RestakeVaultAssets {
            vault: v,
            token,
            amount,
            delegator,
        } => vault::restake_vault_assets(ex, sender, *v, *token, *amount, *delegator),
        A::QueueVaultWithdrawal {
            vault: v,
            delegator,
            token,
            deposit_shares,
        } => vault::queue_vault_withdrawal(ex, sender, *v, *delegator, *token, *deposit_shares)
            .map(drop),
        A::CompleteVaultWithdrawal {
            vault: v,
            withdrawal_root,
        } => vault::complete_vault_withdrawal(ex, *v, *withdrawal_root),
        A::RedelegateVaultDelegator {
            vault: v,
            delegator,
        } => vault::redelegate_vault_delegator(ex, sender, *v, *delegator),
        A::UpdateVaultAssetRate {
            vault: v,
            token,
            rate_wad,
        } => vault::update_vault_asset_rate(ex, sender, *v, *token, *rate_wad),
        A::SetVaultPaused { vault: v, paused } => vault::set_vault_paused(ex, sender, *v, *paused),
        A::SetVaultRoles {
            vault: v,
            admin,
            pauser,
            manager,
        } => vault::set_vault_roles(ex, sender, *v, *admin, *pauser, *manager),
        A::QueueVaultParams { vault: v, params } => {
            vault::queue_vault_params(ex, sender, *v, params).map(drop)
        }
        A::ApplyVaultParams { vault: v } => vault::apply_vault_params(ex, *v),
        A::HarvestVaultRewards { vault: v } => vault::harvest_vault_rewards(ex, *v),
        A::CreateVaultPod {
            vault: v,
            delegator,
        } => vault::create_vault_pod(ex, sender, *v, *delegator).map(drop),
        A::PostVaultBond {
            vault: v,
            delegator,
            shares,
        } => vault::post_vault_bond(ex, sender, *v, *delegator, *shares),
        A::RequestVaultBondWithdrawal {
            vault: v,
            delegator,
            shares,
        } => vault::request_vault_bond_withdrawal(ex, sender, *v, *delegator, *shares),
        A::WithdrawVaultBond {
            vault: v,
            delegator,
        } => vault::withdraw_vault_bond(ex, sender, *v, *delegator).map(drop),
        A::StartVaultCheckpoint {
            vault: v,
            delegator,
            beacon_timestamp,
        } => vault::start_vault_checkpoint(ex, sender, *v, *delegator, *beacon_timestamp),
        A::DepositValidatorsIntoVault {
            vault: v,
            delegator,
            recipient,
            min_shares_out,
            beacon_timestamp,
            state_root_proof,
            validator_indices,
            validator_fields_proofs,
            validator_fields,
        } => vault::deposit_validators_into_vault(
            ex,
            sender,
            *v,
            *delegator,
            *recipient,
            *min_shares_out,
            *beacon_timestamp,
            state_root_proof,
            validator_indices,
            validator_fields_proofs,
            validator_fields,
        )
        .map(drop),
        A::PostBeaconRoot {
            timestamp,
            block_root,
        } => beacon_oracle::post_beacon_root(ex, sender, *timestamp, *block_root),
        A::PostPodBalance {
            pod,
            timestamp,
            balance_wei,
            payouts_executed,
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
        A::Unpause {
            target,
            new_paused_status,
        } => pause::unpause(ex, sender, *target, *new_paused_status),
    }
}

/// A token created at genesis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenesisToken {
    /// Ticker.
    pub symbol: String,
    /// Display decimals.
    #[serde(default = "eighteen")]
    pub decimals: u8,
    /// Who may mint and burn it.
    pub minter: Address,
    /// Create a whitelisted pool for it.
    #[serde(default = "yes")]
    pub pool: bool,
    /// Initial balances.
    #[serde(default)]
    pub balances: Vec<GenesisBalance>,
}

fn eighteen() -> u8 {
    18
}

fn yes() -> bool {
    true
}

/// An initial balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenesisBalance {
    /// Holder.
    pub account: Address,
    /// Amount in the token's smallest unit (decimal string).
    #[serde(with = "restake_primitives::decimal::u256")]
    pub amount: U256,
}

/// The initial state of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Genesis {
    /// Delays (defaults: mainnet values).
    #[serde(default)]
    pub params: Params,
    /// Governance roles.
    pub roles: Roles,
    /// Tokens, their pools and balances.
    #[serde(default)]
    pub tokens: Vec<GenesisToken>,
    /// The beacon oracle: who reports beacon roots and pod balances, and how many must agree
    /// (default: none, so native restaking has no roots to prove against).
    #[serde(default)]
    pub beacon_oracle: OracleConfig,
}

/// Writes the genesis state. Fails, changing nothing, if anything in it is invalid.
pub fn init_genesis<S: StateWrite>(
    state: &mut S,
    genesis: &Genesis,
    block: &BlockContext,
) -> Result<Vec<Event>, Error> {
    let (changes, events) = {
        let mut ex = Exec::new(&*state, *block);
        if ex.state.get_raw(b"cfg/params")?.is_some() {
            return Err(Error::Genesis("state is already initialised".into()));
        }
        ex.state.set_params(&genesis.params);
        ex.state.set_roles(&genesis.roles);
        beacon_oracle::init(&mut ex.state, &genesis.beacon_oracle)?;
        for t in &genesis.tokens {
            let token = tokens::register(&mut ex, &t.symbol, t.decimals, t.minter)?;
            for b in &t.balances {
                tokens::genesis_mint(&mut ex, token, b.account, b.amount)?;
            }
            if t.pool {
                let strategy = crate::pool::create(&mut ex, token)?;
                let whitelister = ex.state.roles()?.strategy_whitelister;
                sm::add_to_whitelist(&mut ex, whitelister, &[strategy])?;
            }
        }
        ex.finish()
    };
    state.apply(changes);
    Ok(events)
}

use crate::state::StateRead;

//! Signed transactions: `{from, nonce, action, signature}`.
//!
//! The signature is EIP-712 over the domain `{name: "Restake", version: "1", chainId}` with the
//! action's own struct as primary type: the action's name capitalised (`depositIntoStrategy` →
//! `DepositIntoStrategy`), its fields in wire order, then `uint64 nonce`. Optional fields are
//! signed as they will be read: an omitted `operator`/`avs` is the sender, an omitted address or
//! amount is zero, an omitted approval is an empty array. So any Ethereum wallet can sign an
//! action with `eth_signTypedData_v4`, and [`Transaction::typed_data`] gives the exact document.

use crate::action::Action;
use crate::allocation::{
    AllocateParams, CreateSetParams, RegistrationApproval, RegistrationPolicy,
};
use crate::delegation::QueuedWithdrawalParams;
use crate::evidence::SignedAttestation;
use crate::pause::PauseTarget;
use crate::typed_data::{Domain, Struct, StructType, Ty, Val, signing_hash, typed_data_json};
use crate::vault::VaultParams;
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use borsh::{BorshDeserialize, BorshSerialize};
use restake_primitives::signature::{SignatureError, recover_signer};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a transaction is not validly signed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TxError {
    /// The signature is malformed or non-canonical.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// The signature recovers to another account than `from`.
    #[error("signature is by {recovered}, not by {from}")]
    WrongSigner {
        /// Claimed sender.
        from: Address,
        /// Actual signer.
        recovered: Address,
    },
}

/// A signed transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Transaction {
    /// Sender.
    pub from: Address,
    /// The sender's nonce.
    pub nonce: u64,
    /// What to do.
    pub action: Action,
    /// 65-byte EIP-712 signature `r || s || v`.
    pub signature: Bytes,
}

impl Transaction {
    /// The EIP-712 digest the sender signs on chain `chain_id`.
    pub fn signing_hash(from: Address, nonce: u64, action: &Action, chain_id: u64) -> B256 {
        signing_hash(&Domain { chain_id }, &typed_action(from, nonce, action))
    }

    /// The `eth_signTypedData_v4` document for an unsigned transaction.
    pub fn typed_data(
        from: Address,
        nonce: u64,
        action: &Action,
        chain_id: u64,
    ) -> serde_json::Value {
        typed_data_json(&Domain { chain_id }, &typed_action(from, nonce, action))
    }

    /// Checks the signature (canonical form first) and that it is `from`'s.
    pub fn verify(&self, chain_id: u64) -> Result<(), TxError> {
        let digest = Self::signing_hash(self.from, self.nonce, &self.action, chain_id);
        let recovered = recover_signer(&digest, &self.signature)?;
        if recovered != self.from {
            return Err(TxError::WrongSigner {
                from: self.from,
                recovered,
            });
        }
        Ok(())
    }

    /// Checks the signature like [`Transaction::verify`] and returns the transaction id, hashing
    /// the typed data once for both.
    pub fn verify_and_hash(&self, chain_id: u64) -> Result<B256, TxError> {
        let digest = Self::signing_hash(self.from, self.nonce, &self.action, chain_id);
        let recovered = recover_signer(&digest, &self.signature)?;
        if recovered != self.from {
            return Err(TxError::WrongSigner {
                from: self.from,
                recovered,
            });
        }
        Ok(id(&digest, &self.from))
    }

    /// The transaction id: `keccak256(signingHash || from)`. Signatures are canonical, so the
    /// signing hash and the sender identify the transaction.
    pub fn hash(&self, chain_id: u64) -> B256 {
        id(
            &Self::signing_hash(self.from, self.nonce, &self.action, chain_id),
            &self.from,
        )
    }
}

fn id(digest: &B256, from: &Address) -> B256 {
    let mut buf = [0u8; 52];
    let (d, f) = buf.split_at_mut(32);
    d.copy_from_slice(digest.as_slice());
    f.copy_from_slice(from.as_slice());
    keccak256(buf)
}

fn addr(a: Address) -> Val {
    Val::Address(a)
}

fn uint<T: Into<u128>>(v: T) -> Val {
    Val::Uint(U256::from(v.into()))
}

fn addrs(v: &[Address]) -> Val {
    Val::Array(v.iter().map(|a| Val::Address(*a)).collect())
}

fn uints(v: &[U256]) -> Val {
    Val::Array(v.iter().map(|a| Val::Uint(*a)).collect())
}

fn arr(t: Ty) -> Ty {
    Ty::Array(Box::new(t))
}

// Nested struct types. Each is declared once (its schema); values are built from the schema, so
// a type's definition is in the signed document even when an array of it is empty.

fn queued_fields() -> Vec<(&'static str, Ty)> {
    vec![
        ("strategies", arr(Ty::Address)),
        ("depositShares", arr(Ty::Uint(256))),
    ]
}
const QUEUED: StructType = StructType {
    name: "QueuedWithdrawalParams",
    fields: queued_fields,
};

fn create_fields() -> Vec<(&'static str, Ty)> {
    vec![
        ("operatorSetId", Ty::Uint(32)),
        ("strategies", arr(Ty::Address)),
        ("redistributionRecipient", Ty::Address),
        ("slasher", Ty::Address),
        ("registrationPolicy", Ty::String),
        ("equivocationWadToSlash", Ty::Uint(256)),
    ]
}
const CREATE: StructType = StructType {
    name: "CreateSetParams",
    fields: create_fields,
};

fn allocate_fields() -> Vec<(&'static str, Ty)> {
    vec![
        ("avs", Ty::Address),
        ("operatorSetId", Ty::Uint(32)),
        ("strategies", arr(Ty::Address)),
        ("newMagnitudes", arr(Ty::Uint(64))),
    ]
}
const ALLOCATE: StructType = StructType {
    name: "AllocateParams",
    fields: allocate_fields,
};

fn approval_fields() -> Vec<(&'static str, Ty)> {
    vec![
        ("signature", Ty::Bytes),
        ("salt", Ty::Bytes32),
        ("expiry", Ty::Uint(64)),
    ]
}
const APPROVAL: StructType = StructType {
    name: "RegistrationApproval",
    fields: approval_fields,
};

fn attestation_fields() -> Vec<(&'static str, Ty)> {
    vec![("payloadHash", Ty::Bytes32), ("signature", Ty::Bytes)]
}
const ATTESTATION: StructType = StructType {
    name: "SignedAttestation",
    fields: attestation_fields,
};

fn target_fields() -> Vec<(&'static str, Ty)> {
    vec![("component", Ty::String), ("pool", Ty::Address)]
}
const TARGET: StructType = StructType {
    name: "PauseTarget",
    fields: target_fields,
};

fn params_queue(p: &QueuedWithdrawalParams) -> Val {
    QUEUED.value(vec![addrs(&p.strategies), uints(&p.deposit_shares)])
}

fn policy_name(p: RegistrationPolicy) -> Val {
    Val::String(
        match p {
            RegistrationPolicy::Open => "open",
            RegistrationPolicy::Allowlist => "allowlist",
            RegistrationPolicy::Approval => "approval",
        }
        .into(),
    )
}

fn params_create(p: &CreateSetParams) -> Val {
    CREATE.value(vec![
        uint(p.operator_set_id),
        addrs(&p.strategies),
        addr(p.redistribution_recipient.unwrap_or_default()),
        addr(p.slasher.unwrap_or_default()),
        policy_name(p.registration_policy),
        Val::Uint(p.equivocation_wad_to_slash.unwrap_or_default()),
    ])
}

fn words(v: &[B256]) -> Val {
    Val::Array(v.iter().map(|w| Val::Bytes32(*w)).collect())
}

fn strategy_and_multiplier_fields() -> Vec<(&'static str, Ty)> {
    vec![("strategy", Ty::Address), ("multiplier", Ty::Uint(256))]
}
const STRATEGY_AND_MULTIPLIER: StructType = StructType {
    name: "StrategyAndMultiplier",
    fields: strategy_and_multiplier_fields,
};

fn operator_reward_fields() -> Vec<(&'static str, Ty)> {
    vec![("operator", Ty::Address), ("amount", Ty::Uint(256))]
}
const OPERATOR_REWARD: StructType = StructType {
    name: "OperatorReward",
    fields: operator_reward_fields,
};

fn vault_asset_fields() -> Vec<(&'static str, Ty)> {
    vec![("token", Ty::Address), ("rateWad", Ty::Uint(256))]
}
const VAULT_ASSET: StructType = StructType {
    name: "VaultAsset",
    fields: vault_asset_fields,
};

fn vault_params_fields() -> Vec<(&'static str, Ty)> {
    vec![
        ("minDepositValue", Ty::Uint(256)),
        ("totalCapValue", Ty::Uint(256)),
        ("assetCaps", arr(Ty::Uint(256))),
        ("operatorCapBps", Ty::Uint(16)),
        ("feeBps", Ty::Uint(16)),
        ("treasury", Ty::Address),
        ("cooldownBlocks", Ty::Uint(32)),
        ("instantFeeMinBps", Ty::Uint(16)),
        ("instantFeeMaxBps", Ty::Uint(16)),
        ("bufferTargetBps", Ty::Uint(16)),
        ("bufferFloorBps", Ty::Uint(16)),
        ("maxRateStepBps", Ty::Uint(16)),
        ("maxRateAgeBlocks", Ty::Uint(32)),
        ("paramDelayBlocks", Ty::Uint(32)),
    ]
}
const VAULT_PARAMS: StructType = StructType {
    name: "VaultParams",
    fields: vault_params_fields,
};

fn vault_params(p: &VaultParams) -> Val {
    VAULT_PARAMS.value(vec![
        Val::Uint(p.min_deposit_value),
        Val::Uint(p.total_cap_value),
        uints(&p.asset_caps),
        uint(p.operator_cap_bps),
        uint(p.fee_bps),
        addr(p.treasury),
        uint(p.cooldown_blocks),
        uint(p.instant_fee_min_bps),
        uint(p.instant_fee_max_bps),
        uint(p.buffer_target_bps),
        uint(p.buffer_floor_bps),
        uint(p.max_rate_step_bps),
        uint(p.max_rate_age_blocks),
        uint(p.param_delay_blocks),
    ])
}

fn state_root_fields() -> Vec<(&'static str, Ty)> {
    vec![
        ("beaconStateRoot", Ty::Bytes32),
        ("proof", arr(Ty::Bytes32)),
    ]
}
const STATE_ROOT_PROOF: StructType = StructType {
    name: "StateRootProof",
    fields: state_root_fields,
};

fn balance_container_fields() -> Vec<(&'static str, Ty)> {
    vec![
        ("balanceContainerRoot", Ty::Bytes32),
        ("proof", arr(Ty::Bytes32)),
    ]
}
const BALANCE_CONTAINER_PROOF: StructType = StructType {
    name: "BalanceContainerProof",
    fields: balance_container_fields,
};

fn balance_proof_fields() -> Vec<(&'static str, Ty)> {
    vec![
        ("pubkeyHash", Ty::Bytes32),
        ("balanceRoot", Ty::Bytes32),
        ("proof", arr(Ty::Bytes32)),
    ]
}
const BALANCE_PROOF: StructType = StructType {
    name: "BalanceProof",
    fields: balance_proof_fields,
};

fn validator_proof_fields() -> Vec<(&'static str, Ty)> {
    vec![
        ("validatorFields", arr(Ty::Bytes32)),
        ("proof", arr(Ty::Bytes32)),
    ]
}
const VALIDATOR_PROOF: StructType = StructType {
    name: "ValidatorProof",
    fields: validator_proof_fields,
};

fn state_root_value(p: &restake_beacon::StateRootProof) -> Val {
    STATE_ROOT_PROOF.value(vec![Val::Bytes32(p.beacon_state_root), words(&p.proof)])
}

fn params_allocate(p: &AllocateParams) -> Val {
    ALLOCATE.value(vec![
        addr(p.avs),
        uint(p.operator_set_id),
        addrs(&p.strategies),
        Val::Array(p.new_magnitudes.iter().map(|m| uint(*m)).collect()),
    ])
}

fn approval(a: &RegistrationApproval) -> Val {
    APPROVAL.value(vec![
        Val::Bytes(a.signature.clone()),
        Val::Bytes32(a.salt),
        uint(a.expiry),
    ])
}

fn attestation(a: &SignedAttestation) -> Val {
    ATTESTATION.value(vec![
        Val::Bytes32(a.payload_hash),
        Val::Bytes(a.signature.clone()),
    ])
}

fn target(t: &PauseTarget) -> Val {
    let (component, pool) = match t {
        PauseTarget::TokenManager => ("tokenManager", Address::ZERO),
        PauseTarget::DelegationManager => ("delegationManager", Address::ZERO),
        PauseTarget::AllocationManager => ("allocationManager", Address::ZERO),
        PauseTarget::Evidence => ("evidence", Address::ZERO),
        PauseTarget::Pool(p) => ("pool", *p),
        PauseTarget::PodManager => ("podManager", Address::ZERO),
        PauseTarget::Rewards => ("rewards", Address::ZERO),
    };
    TARGET.value(vec![Val::String(component.into()), addr(pool)])
}

/// `depositIntoStrategy` → `DepositIntoStrategy`.
fn primary_type(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase())
        .into_iter()
        .chain(chars)
        .collect()
}

/// The action as an EIP-712 struct, with the nonce as its last field.
pub fn typed_action(from: Address, nonce: u64, action: &Action) -> Struct {
    use Action as A;
    let s = Struct::new(primary_type(action.name()));
    let s = match action {
        A::Transfer { token, to, amount } | A::Mint { token, to, amount } => s
            .field("token", Ty::Address, addr(*token))
            .field("to", Ty::Address, addr(*to))
            .field("amount", Ty::Uint(256), Val::Uint(*amount)),
        A::Burn { token, amount } => s.field("token", Ty::Address, addr(*token)).field(
            "amount",
            Ty::Uint(256),
            Val::Uint(*amount),
        ),
        A::RegisterToken {
            symbol,
            decimals,
            minter,
        } => s
            .field("symbol", Ty::String, Val::String(symbol.clone()))
            .field("decimals", Ty::Uint(8), uint(*decimals))
            .field("minter", Ty::Address, addr(*minter)),
        A::CreateStrategy { token } => s.field("token", Ty::Address, addr(*token)),
        A::AddStrategiesToDepositWhitelist { strategies }
        | A::RemoveStrategiesFromDepositWhitelist { strategies } => {
            s.field("strategies", arr(Ty::Address), addrs(strategies))
        }
        A::SetStrategyWhitelister {
            new_strategy_whitelister,
        } => s.field(
            "newStrategyWhitelister",
            Ty::Address,
            addr(*new_strategy_whitelister),
        ),
        A::SetTvlLimits {
            strategy,
            max_per_deposit,
            max_total_deposits,
        } => s
            .field("strategy", Ty::Address, addr(*strategy))
            .field("maxPerDeposit", Ty::Uint(256), Val::Uint(*max_per_deposit))
            .field(
                "maxTotalDeposits",
                Ty::Uint(256),
                Val::Uint(*max_total_deposits),
            ),
        A::DepositIntoStrategy {
            strategy,
            token,
            amount,
        } => s
            .field("strategy", Ty::Address, addr(*strategy))
            .field("token", Ty::Address, addr(*token))
            .field("amount", Ty::Uint(256), Val::Uint(*amount)),
        A::DepositIntoStrategyWithSignature {
            strategy,
            token,
            amount,
            staker,
            expiry,
            signature,
        } => s
            .field("strategy", Ty::Address, addr(*strategy))
            .field("token", Ty::Address, addr(*token))
            .field("amount", Ty::Uint(256), Val::Uint(*amount))
            .field("staker", Ty::Address, addr(*staker))
            .field("expiry", Ty::Uint(64), uint(*expiry))
            .field("signature", Ty::Bytes, Val::Bytes(signature.clone())),
        A::ClearBurnOrRedistributableShares {
            avs,
            operator_set_id,
            slash_id,
        } => s
            .field("avs", Ty::Address, addr(*avs))
            .field("operatorSetId", Ty::Uint(32), uint(*operator_set_id))
            .field("slashId", Ty::Uint(64), uint(*slash_id)),
        A::ClearBurnOrRedistributableSharesByStrategy {
            avs,
            operator_set_id,
            slash_id,
            strategy,
        } => s
            .field("avs", Ty::Address, addr(*avs))
            .field("operatorSetId", Ty::Uint(32), uint(*operator_set_id))
            .field("slashId", Ty::Uint(64), uint(*slash_id))
            .field("strategy", Ty::Address, addr(*strategy)),
        A::RegisterAsOperator {
            delegation_approver,
            allocation_delay,
            metadata_uri,
        } => s
            .field(
                "delegationApprover",
                Ty::Address,
                addr(*delegation_approver),
            )
            .field("allocationDelay", Ty::Uint(32), uint(*allocation_delay))
            .field("metadataUri", Ty::String, Val::String(metadata_uri.clone())),
        A::ModifyOperatorDetails {
            operator,
            delegation_approver,
        } => s
            .field("operator", Ty::Address, addr(operator.unwrap_or(from)))
            .field(
                "delegationApprover",
                Ty::Address,
                addr(*delegation_approver),
            ),
        A::UpdateOperatorMetadataUri {
            operator,
            metadata_uri,
        } => s
            .field("operator", Ty::Address, addr(operator.unwrap_or(from)))
            .field("metadataUri", Ty::String, Val::String(metadata_uri.clone())),
        A::DelegateTo {
            operator,
            approver_signature,
            approver_expiry,
            approver_salt,
        } => s
            .field("operator", Ty::Address, addr(*operator))
            .field(
                "approverSignature",
                Ty::Bytes,
                Val::Bytes(approver_signature.clone().unwrap_or_default()),
            )
            .field("approverExpiry", Ty::Uint(64), uint(*approver_expiry))
            .field("approverSalt", Ty::Bytes32, Val::Bytes32(*approver_salt)),
        A::Undelegate { staker } => s.field("staker", Ty::Address, addr(*staker)),
        A::Redelegate {
            new_operator,
            approver_signature,
            approver_expiry,
            approver_salt,
        } => s
            .field("newOperator", Ty::Address, addr(*new_operator))
            .field(
                "approverSignature",
                Ty::Bytes,
                Val::Bytes(approver_signature.clone().unwrap_or_default()),
            )
            .field("approverExpiry", Ty::Uint(64), uint(*approver_expiry))
            .field("approverSalt", Ty::Bytes32, Val::Bytes32(*approver_salt)),
        A::QueueWithdrawals { params } => s.field(
            "params",
            arr(Ty::Struct(QUEUED)),
            Val::Array(params.iter().map(params_queue).collect()),
        ),
        A::CompleteQueuedWithdrawal {
            withdrawal_root,
            receive_as_tokens,
        } => s
            .field(
                "withdrawalRoot",
                Ty::Bytes32,
                Val::Bytes32(*withdrawal_root),
            )
            .field("receiveAsTokens", Ty::Bool, Val::Bool(*receive_as_tokens)),
        A::CompleteQueuedWithdrawals {
            withdrawal_roots,
            receive_as_tokens,
        } => s
            .field(
                "withdrawalRoots",
                arr(Ty::Bytes32),
                Val::Array(withdrawal_roots.iter().map(|r| Val::Bytes32(*r)).collect()),
            )
            .field(
                "receiveAsTokens",
                arr(Ty::Bool),
                Val::Array(receive_as_tokens.iter().map(|b| Val::Bool(*b)).collect()),
            ),
        A::UpdateAvsMetadataUri { avs, metadata_uri } => s
            .field("avs", Ty::Address, addr(avs.unwrap_or(from)))
            .field("metadataUri", Ty::String, Val::String(metadata_uri.clone())),
        A::CreateOperatorSets { avs, params } => s
            .field("avs", Ty::Address, addr(avs.unwrap_or(from)))
            .field(
                "params",
                arr(Ty::Struct(CREATE)),
                Val::Array(params.iter().map(params_create).collect()),
            ),
        A::AddStrategiesToOperatorSet {
            avs,
            operator_set_id,
            strategies,
        }
        | A::RemoveStrategiesFromOperatorSet {
            avs,
            operator_set_id,
            strategies,
        } => s
            .field("avs", Ty::Address, addr(avs.unwrap_or(from)))
            .field("operatorSetId", Ty::Uint(32), uint(*operator_set_id))
            .field("strategies", arr(Ty::Address), addrs(strategies)),
        A::UpdateSlasher {
            avs,
            operator_set_id,
            slasher,
        } => s
            .field("avs", Ty::Address, addr(avs.unwrap_or(from)))
            .field("operatorSetId", Ty::Uint(32), uint(*operator_set_id))
            .field("slasher", Ty::Address, addr(*slasher)),
        A::SetRegistrationPolicy {
            avs,
            operator_set_id,
            policy,
        } => s
            .field("avs", Ty::Address, addr(avs.unwrap_or(from)))
            .field("operatorSetId", Ty::Uint(32), uint(*operator_set_id))
            .field("policy", Ty::String, policy_name(*policy)),
        A::UpdateAllowlist {
            avs,
            operator_set_id,
            operators,
            allowed,
        } => s
            .field("avs", Ty::Address, addr(avs.unwrap_or(from)))
            .field("operatorSetId", Ty::Uint(32), uint(*operator_set_id))
            .field("operators", arr(Ty::Address), addrs(operators))
            .field("allowed", Ty::Bool, Val::Bool(*allowed)),
        A::RegisterForOperatorSets {
            operator,
            avs,
            operator_set_ids,
            approval: appr,
        } => s
            .field("operator", Ty::Address, addr(operator.unwrap_or(from)))
            .field("avs", Ty::Address, addr(*avs))
            .field(
                "operatorSetIds",
                arr(Ty::Uint(32)),
                Val::Array(operator_set_ids.iter().map(|i| uint(*i)).collect()),
            )
            .field(
                "approval",
                arr(Ty::Struct(APPROVAL)),
                Val::Array(appr.iter().map(approval).collect()),
            ),
        A::DeregisterFromOperatorSets {
            operator,
            avs,
            operator_set_ids,
        } => s
            .field("operator", Ty::Address, addr(operator.unwrap_or(from)))
            .field("avs", Ty::Address, addr(*avs))
            .field(
                "operatorSetIds",
                arr(Ty::Uint(32)),
                Val::Array(operator_set_ids.iter().map(|i| uint(*i)).collect()),
            ),
        A::SetAllocationDelay { operator, delay } => s
            .field("operator", Ty::Address, addr(operator.unwrap_or(from)))
            .field("delay", Ty::Uint(32), uint(*delay)),
        A::ModifyAllocations { operator, params } => s
            .field("operator", Ty::Address, addr(operator.unwrap_or(from)))
            .field(
                "params",
                arr(Ty::Struct(ALLOCATE)),
                Val::Array(params.iter().map(params_allocate).collect()),
            ),
        A::ClearDeallocationQueue {
            operator,
            strategies,
            num_to_clear,
        } => s
            .field("operator", Ty::Address, addr(*operator))
            .field("strategies", arr(Ty::Address), addrs(strategies))
            .field(
                "numToClear",
                arr(Ty::Uint(16)),
                Val::Array(num_to_clear.iter().map(|n| uint(*n)).collect()),
            ),
        A::SlashOperator {
            avs,
            operator,
            operator_set_id,
            strategies,
            wads_to_slash,
            description,
        } => s
            .field("avs", Ty::Address, addr(avs.unwrap_or(from)))
            .field("operator", Ty::Address, addr(*operator))
            .field("operatorSetId", Ty::Uint(32), uint(*operator_set_id))
            .field("strategies", arr(Ty::Address), addrs(strategies))
            .field("wadsToSlash", arr(Ty::Uint(256)), uints(wads_to_slash))
            .field("description", Ty::String, Val::String(description.clone())),
        A::SlashWithEquivocationProof {
            avs,
            operator_set_id,
            operator,
            height,
            first,
            second,
        } => s
            .field("avs", Ty::Address, addr(*avs))
            .field("operatorSetId", Ty::Uint(32), uint(*operator_set_id))
            .field("operator", Ty::Address, addr(*operator))
            .field("height", Ty::Uint(64), uint(*height))
            .field("first", Ty::Struct(ATTESTATION), attestation(first))
            .field("second", Ty::Struct(ATTESTATION), attestation(second)),
        A::CreatePod {} => s,
        A::SetProofSubmitter {
            new_proof_submitter,
        } => s.field("newProofSubmitter", Ty::Address, addr(*new_proof_submitter)),
        A::VerifyWithdrawalCredentials {
            pod,
            beacon_timestamp,
            state_root_proof,
            validator_indices,
            validator_fields_proofs,
            validator_fields,
        } => s
            .field("pod", Ty::Address, addr(pod.unwrap_or_default()))
            .field("beaconTimestamp", Ty::Uint(64), uint(*beacon_timestamp))
            .field(
                "stateRootProof",
                Ty::Struct(STATE_ROOT_PROOF),
                state_root_value(state_root_proof),
            )
            .field(
                "validatorIndices",
                arr(Ty::Uint(64)),
                Val::Array(validator_indices.iter().map(|i| uint(*i)).collect()),
            )
            .field(
                "validatorFieldsProofs",
                arr(arr(Ty::Bytes32)),
                Val::Array(validator_fields_proofs.iter().map(|p| words(p)).collect()),
            )
            .field(
                "validatorFields",
                arr(arr(Ty::Bytes32)),
                Val::Array(validator_fields.iter().map(|f| words(f)).collect()),
            ),
        A::StartCheckpoint {
            pod,
            beacon_timestamp,
            revert_if_no_balance,
        } => s
            .field("pod", Ty::Address, addr(pod.unwrap_or_default()))
            .field("beaconTimestamp", Ty::Uint(64), uint(*beacon_timestamp))
            .field(
                "revertIfNoBalance",
                Ty::Bool,
                Val::Bool(*revert_if_no_balance),
            ),
        A::VerifyCheckpointProofs {
            pod,
            balance_container_proof,
            proofs,
        } => s
            .field("pod", Ty::Address, addr(*pod))
            .field(
                "balanceContainerProof",
                Ty::Struct(BALANCE_CONTAINER_PROOF),
                BALANCE_CONTAINER_PROOF.value(vec![
                    Val::Bytes32(balance_container_proof.balance_container_root),
                    words(&balance_container_proof.proof),
                ]),
            )
            .field(
                "proofs",
                arr(Ty::Struct(BALANCE_PROOF)),
                Val::Array(
                    proofs
                        .iter()
                        .map(|p| {
                            BALANCE_PROOF.value(vec![
                                Val::Bytes32(p.pubkey_hash),
                                Val::Bytes32(p.balance_root),
                                words(&p.proof),
                            ])
                        })
                        .collect(),
                ),
            ),
        A::VerifyStaleBalance {
            pod,
            beacon_timestamp,
            state_root_proof,
            proof,
        } => s
            .field("pod", Ty::Address, addr(*pod))
            .field("beaconTimestamp", Ty::Uint(64), uint(*beacon_timestamp))
            .field(
                "stateRootProof",
                Ty::Struct(STATE_ROOT_PROOF),
                state_root_value(state_root_proof),
            )
            .field(
                "proof",
                Ty::Struct(VALIDATOR_PROOF),
                VALIDATOR_PROOF.value(vec![words(&proof.validator_fields), words(&proof.proof)]),
            ),
        A::PostBeaconRoot {
            timestamp,
            block_root,
        } => s.field("timestamp", Ty::Uint(64), uint(*timestamp)).field(
            "blockRoot",
            Ty::Bytes32,
            Val::Bytes32(*block_root),
        ),
        A::PostPodBalance {
            pod,
            timestamp,
            balance_wei,
            payouts_executed,
        } => s
            .field("pod", Ty::Address, addr(*pod))
            .field("timestamp", Ty::Uint(64), uint(*timestamp))
            .field("balanceWei", Ty::Uint(256), Val::Uint(*balance_wei))
            .field("payoutsExecuted", Ty::Uint(64), uint(*payouts_executed)),
        A::CreateRewardsSubmission {
            avs,
            operator_set_id,
            strategies_and_multipliers,
            token,
            amount,
            operator_rewards,
            start_epoch,
            duration_epochs,
        } => s
            .field("avs", Ty::Address, addr(avs.unwrap_or(from)))
            .field("operatorSetId", Ty::Uint(32), uint(*operator_set_id))
            .field(
                "strategiesAndMultipliers",
                arr(Ty::Struct(STRATEGY_AND_MULTIPLIER)),
                Val::Array(
                    strategies_and_multipliers
                        .iter()
                        .map(|x| {
                            STRATEGY_AND_MULTIPLIER
                                .value(vec![addr(x.strategy), Val::Uint(x.multiplier)])
                        })
                        .collect(),
                ),
            )
            .field("token", Ty::Address, addr(*token))
            .field("amount", Ty::Uint(256), Val::Uint(*amount))
            .field(
                "operatorRewards",
                arr(Ty::Struct(OPERATOR_REWARD)),
                Val::Array(
                    operator_rewards
                        .iter()
                        .map(|r| OPERATOR_REWARD.value(vec![addr(r.operator), Val::Uint(r.amount)]))
                        .collect(),
                ),
            )
            .field("startEpoch", Ty::Uint(64), uint(*start_epoch))
            .field("durationEpochs", Ty::Uint(32), uint(*duration_epochs)),
        A::SetOperatorAvsSplit {
            operator,
            avs,
            split,
        } => s
            .field("operator", Ty::Address, addr(operator.unwrap_or(from)))
            .field("avs", Ty::Address, addr(*avs))
            .field("split", Ty::Uint(16), uint(*split)),
        A::SetRewardsRecipient { recipient } => s.field("recipient", Ty::Address, addr(*recipient)),
        A::ClaimRewards { tokens } => s.field("tokens", arr(Ty::Address), addrs(tokens)),
        A::SetOperatorSetRiskProfile {
            avs,
            operator_set_id,
            pfc_low,
            pfc_high,
            alpha_wad,
        } => s
            .field("avs", Ty::Address, addr(avs.unwrap_or(from)))
            .field("operatorSetId", Ty::Uint(32), uint(*operator_set_id))
            .field("pfcLow", Ty::Uint(256), Val::Uint(*pfc_low))
            .field("pfcHigh", Ty::Uint(256), Val::Uint(*pfc_high))
            .field("alphaWad", Ty::Uint(256), Val::Uint(*alpha_wad)),
        A::CreateVault {
            symbol,
            assets,
            params,
        } => s
            .field("symbol", Ty::String, Val::String(symbol.clone()))
            .field(
                "assets",
                arr(Ty::Struct(VAULT_ASSET)),
                Val::Array(
                    assets
                        .iter()
                        .map(|a| VAULT_ASSET.value(vec![addr(a.token), Val::Uint(a.rate_wad)]))
                        .collect(),
                ),
            )
            .field(
                "params",
                Ty::Struct(VAULT_PARAMS),
                vault_params(params.as_deref().unwrap_or(&VaultParams::default())),
            ),
        A::AddVaultOperator {
            vault,
            operator,
            weight_bps,
        } => s
            .field("vault", Ty::Address, addr(*vault))
            .field("operator", Ty::Address, addr(*operator))
            .field("weightBps", Ty::Uint(16), uint(*weight_bps)),
        A::DepositIntoVault {
            vault,
            token,
            amount,
            min_shares_out,
            deadline,
        } => s
            .field("vault", Ty::Address, addr(*vault))
            .field("token", Ty::Address, addr(*token))
            .field("amount", Ty::Uint(256), Val::Uint(*amount))
            .field("minSharesOut", Ty::Uint(256), Val::Uint(*min_shares_out))
            .field("deadline", Ty::Uint(64), uint(*deadline)),
        A::RequestRedeem {
            vault,
            shares,
            token,
        } => s
            .field("vault", Ty::Address, addr(*vault))
            .field("shares", Ty::Uint(256), Val::Uint(*shares))
            .field("token", Ty::Address, addr(*token)),
        A::FinalizeRedeemRequests {
            vault,
            max_requests,
        } => s.field("vault", Ty::Address, addr(*vault)).field(
            "maxRequests",
            Ty::Uint(32),
            uint(*max_requests),
        ),
        A::ClaimRedeem { vault, request_id } => s.field("vault", Ty::Address, addr(*vault)).field(
            "requestId",
            Ty::Uint(64),
            uint(*request_id),
        ),
        A::InstantRedeem {
            vault,
            shares,
            token,
            min_amount_out,
        } => s
            .field("vault", Ty::Address, addr(*vault))
            .field("shares", Ty::Uint(256), Val::Uint(*shares))
            .field("token", Ty::Address, addr(*token))
            .field("minAmountOut", Ty::Uint(256), Val::Uint(*min_amount_out)),
        A::RestakeVaultAssets {
            vault,
            token,
            amount,
            delegator,
        } => s
            .field("vault", Ty::Address, addr(*vault))
            .field("token", Ty::Address, addr(*token))
            .field("amount", Ty::Uint(256), Val::Uint(*amount))
            // Absent (routed by weight) signs as 2^64 - 1, which no index can be.
            .field(
                "delegator",
                Ty::Uint(64),
                uint(delegator.map_or(u64::MAX, u64::from)),
            ),
        A::QueueVaultWithdrawal {
            vault,
            delegator,
            token,
            deposit_shares,
        } => s
            .field("vault", Ty::Address, addr(*vault))
            .field("delegator", Ty::Uint(32), uint(*delegator))
            .field("token", Ty::Address, addr(*token))
            .field("depositShares", Ty::Uint(256), Val::Uint(*deposit_shares)),
        A::CompleteVaultWithdrawal {
            vault,
            withdrawal_root,
        } => s.field("vault", Ty::Address, addr(*vault)).field(
            "withdrawalRoot",
            Ty::Bytes32,
            Val::Bytes32(*withdrawal_root),
        ),
        A::RedelegateVaultDelegator { vault, delegator } => s
            .field("vault", Ty::Address, addr(*vault))
            .field("delegator", Ty::Uint(32), uint(*delegator)),
        A::UpdateVaultAssetRate {
            vault,
            token,
            rate_wad,
        } => s
            .field("vault", Ty::Address, addr(*vault))
            .field("token", Ty::Address, addr(*token))
            .field("rateWad", Ty::Uint(256), Val::Uint(*rate_wad)),
        A::SetVaultPaused { vault, paused } => {
            s.field("vault", Ty::Address, addr(*vault))
                .field("paused", Ty::Uint(64), uint(*paused))
        }
        A::SetVaultRoles {
            vault,
            admin,
            pauser,
            manager,
        } => s
            .field("vault", Ty::Address, addr(*vault))
            .field("admin", Ty::Address, addr(*admin))
            .field("pauser", Ty::Address, addr(*pauser))
            .field("manager", Ty::Address, addr(*manager)),
        A::QueueVaultParams { vault, params } => s.field("vault", Ty::Address, addr(*vault)).field(
            "params",
            Ty::Struct(VAULT_PARAMS),
            vault_params(params),
        ),
        A::ApplyVaultParams { vault } | A::HarvestVaultRewards { vault } => {
            s.field("vault", Ty::Address, addr(*vault))
        }
        A::CreateVaultPod { vault, delegator } | A::WithdrawVaultBond { vault, delegator } => s
            .field("vault", Ty::Address, addr(*vault))
            .field("delegator", Ty::Uint(32), uint(*delegator)),
        A::PostVaultBond {
            vault,
            delegator,
            shares,
        }
        | A::RequestVaultBondWithdrawal {
            vault,
            delegator,
            shares,
        } => s
            .field("vault", Ty::Address, addr(*vault))
            .field("delegator", Ty::Uint(32), uint(*delegator))
            .field("shares", Ty::Uint(256), Val::Uint(*shares)),
        A::StartVaultCheckpoint {
            vault,
            delegator,
            beacon_timestamp,
        } => s
            .field("vault", Ty::Address, addr(*vault))
            .field("delegator", Ty::Uint(32), uint(*delegator))
            .field("beaconTimestamp", Ty::Uint(64), uint(*beacon_timestamp)),
        A::DepositValidatorsIntoVault {
            vault,
            delegator,
            recipient,
            min_shares_out,
            beacon_timestamp,
            state_root_proof,
            validator_indices,
            validator_fields_proofs,
            validator_fields,
        } => s
            .field("vault", Ty::Address, addr(*vault))
            .field("delegator", Ty::Uint(32), uint(*delegator))
            .field("recipient", Ty::Address, addr(*recipient))
            .field("minSharesOut", Ty::Uint(256), Val::Uint(*min_shares_out))
            .field("beaconTimestamp", Ty::Uint(64), uint(*beacon_timestamp))
            .field(
                "stateRootProof",
                Ty::Struct(STATE_ROOT_PROOF),
                state_root_value(state_root_proof),
            )
            .field(
                "validatorIndices",
                arr(Ty::Uint(64)),
                Val::Array(validator_indices.iter().map(|i| uint(*i)).collect()),
            )
            .field(
                "validatorFieldsProofs",
                arr(arr(Ty::Bytes32)),
                Val::Array(validator_fields_proofs.iter().map(|p| words(p)).collect()),
            )
            .field(
                "validatorFields",
                arr(arr(Ty::Bytes32)),
                Val::Array(validator_fields.iter().map(|f| words(f)).collect()),
            ),
        A::AddPendingAdmin { account, admin }
        | A::RemovePendingAdmin { account, admin }
        | A::RemoveAdmin { account, admin } => s
            .field("account", Ty::Address, addr(*account))
            .field("admin", Ty::Address, addr(*admin)),
        A::AcceptAdmin { account } => s.field("account", Ty::Address, addr(*account)),
        A::SetAppointee {
            account,
            appointee,
            selector,
        }
        | A::RemoveAppointee {
            account,
            appointee,
            selector,
        } => s
            .field("account", Ty::Address, addr(*account))
            .field("appointee", Ty::Address, addr(*appointee))
            .field("selector", Ty::String, Val::String(selector.clone())),
        A::Pause {
            target: t,
            new_paused_status,
        }
        | A::Unpause {
            target: t,
            new_paused_status,
        } => s.field("target", Ty::Struct(TARGET), target(t)).field(
            "newPausedStatus",
            Ty::Uint(64),
            uint(*new_paused_status),
        ),
        A::PauseAll {} => s,
    };
    s.field("nonce", Ty::Uint(64), uint(nonce))
}

//! The liquid restaking vault (an LRT such as rsETH, ezETH or pufETH, built into the ledger).
//!
//! A vault is an account that takes several LSTs, issues its own token (the LRT) in the asset
//! ledger, and restakes through one node-delegator account per operator. Because it lives on
//! the same ledger as the restaking core it reads the core's state directly: no reporter tells it
//! what its restaked position is worth.
//!
//! Exact rules (also in `docs/vault.md`):
//! - **Value.** Every amount is valued in ETH-wei with one rate per asset (`rateWad`, ETH per
//!   token unit, reported by the vault manager within a step cap): `value(a) = ⌊a · rate / 1e18⌋`.
//! - **Total assets** `A = Σ_assets value(idle + delegated + queued)`, where `idle` is the vault's
//!   internal balance (never its ledger balance, so donations change nothing), `delegated` the
//!   underlying of each node delegator's *withdrawable* shares (after AVS and beacon slashing)
//!   and `queued` the underlying of each delegator's pending withdrawals at the payout the core
//!   would make now (slashing during the delay included, forced undelegations included).
//!   Finalized redemptions waiting to be claimed are held apart and are not in `A`.
//! - **Shares.** `S` is the LRT supply (escrowed redemption shares included). Conversions use
//!   `V = 1e6` virtual shares and virtual wei: deposits mint `⌊v · (S + V) / (A + V)⌋`; the rate
//!   is `r = ⌊(A + V) · 1e18 / (S + V)⌋`; every rounding favours the vault.
//! - **Exits.** A redemption request escrows shares and records `r`; after `cooldownBlocks`
//!   (at least the core's withdrawal delay) requests are finalized first-in first-out and pay
//!   `⌊shares · min(r_request, r_finalize) / 1e18⌋` of value in the requested asset; the shares
//!   are burned and the payout is held for the owner's claim. An instant exit pays from idle
//!   liquidity with a fee that rises linearly from `instantFeeMinBps` to `instantFeeMaxBps` as
//!   idle value falls from `bufferTargetBps` of `A` to `bufferFloorBps`, and is refused below it.
//! - **Protocol fee.** Before every priced action, if `r` is above the high-water mark, the fee
//!   `feeBps` (at most 20%) of the gain `(r − HWM) · S` is minted to the treasury as shares
//!   worth it; the mark then moves to the rate after the mint. Losses are never charged again.
//! - **Safety.** Pause flags per operation (the pauser may only set them, the admin may clear
//!   them); parameter changes wait `paramDelayBlocks` (at least the cooldown, so every holder can
//!   leave first); a deposit and a redemption by the same account in the same block are refused.

use crate::config::ConfigRead;
use crate::delegation::{self, DelegationRead, QueuedWithdrawalParams};
use crate::error::Error;
use crate::event::Event;
use crate::exec::Exec;
use crate::pool::PoolRead;
use crate::rewards::{self, RewardsRead};
use crate::state::{StateError, StateRead, StateWrite, key};
use crate::strategy_manager;
use crate::tokens::{self, TokensRead};
use alloy_primitives::{Address, B256, U256, keccak256};
use borsh::{BorshDeserialize, BorshSerialize};
use restake_primitives::WAD;
use restake_primitives::decimal::u256 as dec;
use restake_primitives::math::{self, MathError, Rounding, mul_div};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Virtual shares and virtual wei in every conversion (the first-depositor defence).
pub const VIRTUAL: U256 = U256::from_limbs([1_000_000, 0, 0, 0]);
/// Basis points in one.
pub const BPS: u16 = 10_000;
/// Largest protocol fee: 20% of gains.
pub const MAX_FEE_BPS: u16 = 2_000;
/// Largest instant-exit fee: 10%.
pub const MAX_INSTANT_FEE_BPS: u16 = 1_000;
/// Most assets a vault accepts.
pub const MAX_ASSETS: usize = 8;
/// Most operators (node delegators) of a vault.
pub const MAX_OPERATORS: usize = 16;
/// Most redemption requests one `finalizeRedeemRequests` processes.
pub const MAX_FINALIZE_PER_CALL: u32 = 100;

/// Pause bit: deposits.
pub const PAUSED_DEPOSITS: u8 = 0;
/// Pause bit: redemption requests.
pub const PAUSED_REQUESTS: u8 = 1;
/// Pause bit: finalizing requests.
pub const PAUSED_FINALIZE: u8 = 2;
/// Pause bit: claims of finalized requests.
pub const PAUSED_CLAIMS: u8 = 3;
/// Pause bit: instant exits.
pub const PAUSED_INSTANT: u8 = 4;
/// Pause bit: restaking idle assets and queueing core withdrawals.
pub const PAUSED_RESTAKING: u8 = 5;

const VAULT: &[u8] = b"vt/v/";
const COUNT: &[u8] = b"vt/n";
const REQUEST: &[u8] = b"vt/r/";
const LAST_DEPOSIT: &[u8] = b"vt/ld/";
const OWNER_REQUEST: &[u8] = b"vt/o/";

/// Vault failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VaultError {
    /// No vault at this address.
    #[error("no vault at {0}")]
    UnknownVault(Address),
    /// The sender lacks the role.
    #[error("{caller} is not the vault's {role}")]
    NotAuthorized {
        /// Who asked.
        caller: Address,
        /// The role needed.
        role: &'static str,
    },
    /// The operation's pause bit is set.
    #[error("vault operation {bit} is paused")]
    Paused {
        /// The bit.
        bit: u8,
    },
    /// The pauser tried to clear a bit.
    #[error("only the admin may clear pause bits")]
    OnlyAdminUnpauses,
    /// A token the vault does not take.
    #[error("{0} is not an asset of this vault")]
    UnknownAsset(Address),
    /// A token without a pool, repeated, or too many assets.
    #[error("invalid asset list: {0}")]
    InvalidAssets(&'static str),
    /// A parameter outside its bounds.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParam {
        /// Field name.
        name: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// The deposit is worth less than the minimum.
    #[error("deposit worth {value} wei is below the minimum {min}")]
    BelowMinimumDeposit {
        /// Its value.
        value: U256,
        /// The minimum.
        min: U256,
    },
    /// Fewer shares than asked for.
    #[error("would mint {shares} shares, fewer than minSharesOut {min}")]
    SlippageShares {
        /// What it would mint.
        shares: U256,
        /// The floor asked for.
        min: U256,
    },
    /// Fewer tokens than asked for.
    #[error("would pay {amount}, less than minAmountOut {min}")]
    SlippageAmount {
        /// What it would pay.
        amount: U256,
        /// The floor asked for.
        min: U256,
    },
    /// The deadline has passed.
    #[error("deadline {deadline} is before the block time {now}")]
    DeadlinePassed {
        /// The deadline.
        deadline: u64,
        /// Block timestamp.
        now: u64,
    },
    /// A cap would be exceeded.
    #[error("{cap} cap exceeded: {after} > {limit}")]
    CapExceeded {
        /// Which cap.
        cap: &'static str,
        /// The total after the operation.
        after: U256,
        /// The cap.
        limit: U256,
    },
    /// Rounds to nothing.
    #[error("the amount rounds to zero")]
    ZeroOutput,
    /// The asset's rate is too old to price a deposit.
    #[error("the rate of {token} was set at block {set_at}, older than {max_age} blocks")]
    StaleRate {
        /// Asset.
        token: Address,
        /// Block of the last report.
        set_at: u32,
        /// Largest age.
        max_age: u32,
    },
    /// A rate report moves more than the step cap.
    #[error("rate change from {old} to {new} exceeds {max_bps} bps")]
    RateStepTooLarge {
        /// Current rate.
        old: U256,
        /// Reported rate.
        new: U256,
        /// Step cap.
        max_bps: u16,
    },
    /// Deposit and redemption by one account in one block.
    #[error("{0} deposited in this block; redeem in a later one")]
    SameBlockRedeem(Address),
    /// Unknown request.
    #[error("no redemption request {0}")]
    UnknownRequest(u64),
    /// The request is not in the state the operation needs.
    #[error("request {id} is {status}")]
    RequestNotClaimable {
        /// Request.
        id: u64,
        /// Its status.
        status: &'static str,
    },
    /// Nothing could be finalized.
    #[error("no request can be finalized yet")]
    NothingToFinalize,
    /// The instant exit would take idle value below the floor.
    #[error("idle value {after} after the exit would be below the floor {floor}")]
    BufferBelowFloor {
        /// Idle value after.
        after: U256,
        /// The floor.
        floor: U256,
    },
    /// Not enough idle tokens.
    #[error("idle {token} is {idle}, {needed} needed")]
    InsufficientIdle {
        /// Asset.
        token: Address,
        /// Idle amount.
        idle: U256,
        /// Needed.
        needed: U256,
    },
    /// The operator is already in the vault, or the list is full.
    #[error("operator {0} cannot be added")]
    OperatorNotAddable(Address),
    /// No node delegator with this index.
    #[error("no node delegator {0}")]
    UnknownDelegator(u32),
    /// The node delegator is not delegated to its operator (forced undelegation).
    #[error("node delegator {delegator} is not delegated to {operator}")]
    DelegatorNotDelegated {
        /// Node delegator account.
        delegator: Address,
        /// Configured operator.
        operator: Address,
    },
    /// No operator has room under the per-operator cap.
    #[error("no operator can take the deposit within the operator cap")]
    NoRoute,
    /// The root is not a pending withdrawal of a node delegator.
    #[error("{0} is not a pending withdrawal of this vault")]
    NotVaultWithdrawal(B256),
    /// No parameter change is pending, or it is not due.
    #[error("no parameter change is due (effective at block {effective_at:?})")]
    ParamsNotDue {
        /// When the pending change lands.
        effective_at: Option<u32>,
    },
    /// Nothing to harvest.
    #[error("the node delegators have no rewards in the vault's assets")]
    NothingToHarvest,
}

/// Tunable parameters (JSON defaults in brackets follow the reference design's suggestions).
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct VaultParams {
    /// Smallest deposit, in ETH-wei of value [0.01 ETH].
    #[serde(with = "dec")]
    pub min_deposit_value: U256,
    /// Largest total assets `A` after a deposit, in wei [no cap].
    #[serde(with = "dec")]
    pub total_cap_value: U256,
    /// Per-asset caps on the vault's holding in token units, in asset order [none: no caps].
    #[serde(with = "restake_primitives::decimal::u256_vec")]
    pub asset_caps: Vec<U256>,
    /// Largest share of `A` one operator may hold after restaking, in bps [10000].
    pub operator_cap_bps: u16,
    /// Protocol fee on gains above the high-water mark, in bps, at most 2000 [1000].
    pub fee_bps: u16,
    /// Receives fee shares [the creator].
    pub treasury: Address,
    /// Blocks between a redemption request and its finalization, at least the core's
    /// withdrawal delay [that delay].
    pub cooldown_blocks: u32,
    /// Instant-exit fee with a full buffer, in bps [5].
    pub instant_fee_min_bps: u16,
    /// Instant-exit fee at the floor, in bps, at most 1000 [100].
    pub instant_fee_max_bps: u16,
    /// Idle value at which the instant fee starts to rise, in bps of `A` [1000].
    pub buffer_target_bps: u16,
    /// Idle value below which instant exits are refused, in bps of `A` [300].
    pub buffer_floor_bps: u16,
    /// Largest move of an asset rate per report, in bps [100].
    pub max_rate_step_bps: u16,
    /// Oldest rate that may price a deposit, in blocks; 0 turns the check off [0].
    pub max_rate_age_blocks: u32,
    /// Blocks a parameter change waits, at least `cooldownBlocks` [the cooldown].
    pub param_delay_blocks: u32,
}

impl Default for VaultParams {
    fn default() -> Self {
        Self {
            min_deposit_value: U256::from(10_000_000_000_000_000u64),
            total_cap_value: U256::MAX,
            asset_caps: Vec::new(),
            operator_cap_bps: BPS,
            fee_bps: 1_000,
            treasury: Address::ZERO,
            cooldown_blocks: 0,
            instant_fee_min_bps: 5,
            instant_fee_max_bps: 100,
            buffer_target_bps: 1_000,
            buffer_floor_bps: 300,
            max_rate_step_bps: 100,
            max_rate_age_blocks: 0,
            param_delay_blocks: 0,
        }
    }
}

/// An asset at creation: the token and its first rate (ETH-wei per token unit, WAD).
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VaultAssetInit {
    /// The LST.
    pub token: Address,
    /// ETH per token, WAD.
    #[serde(with = "dec")]
    pub rate_wad: U256,
}

/// An accepted asset and the vault's internal balances of it.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VaultAsset {
    /// The LST.
    pub token: Address,
    /// Its token pool.
    pub strategy: Address,
    /// ETH-wei per token unit, WAD.
    #[serde(with = "dec")]
    pub rate_wad: U256,
    /// Block of the last rate report.
    pub rate_block: u32,
    /// Tokens the vault holds for holders (counted in `A`).
    #[serde(with = "dec")]
    pub idle: U256,
    /// Tokens held for finalized, unclaimed redemptions (not in `A`).
    #[serde(with = "dec")]
    pub escrow: U256,
}

/// One node delegator: a staker account of the vault delegated to one operator.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeDelegator {
    /// The staker account (no key: only the vault moves it).
    pub account: Address,
    /// The operator it delegates to.
    pub operator: Address,
    /// Target weight for routing deposits (relative).
    pub weight_bps: u16,
}

/// A vault's stored configuration and books.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Vault {
    /// Creation number.
    pub id: u64,
    /// The vault account.
    pub address: Address,
    /// Its LRT token.
    pub lrt: Address,
    /// Changes parameters, adds operators, clears pause bits, overrides rate steps.
    pub admin: Address,
    /// Sets pause bits.
    pub pauser: Address,
    /// Reports asset rates and moves assets between idle and restaked.
    pub manager: Address,
    /// Pause bitmap.
    pub paused: u64,
    /// Current parameters.
    pub params: VaultParams,
    /// A queued change and the block it may be applied at.
    pub pending_params: Option<(VaultParams, u32)>,
    /// Accepted assets.
    pub assets: Vec<VaultAsset>,
    /// Node delegators, in the order they were added.
    pub delegators: Vec<NodeDelegator>,
    /// Highest rate the fee was charged at, WAD.
    #[serde(with = "dec")]
    pub high_water_mark: U256,
    /// Next request id.
    pub next_request: u64,
    /// Oldest request not yet finalized (the FIFO head).
    pub finalize_head: u64,
}

impl Vault {
    fn asset_index(&self, token: &Address) -> Result<usize, VaultError> {
        self.assets
            .iter()
            .position(|a| a.token == *token)
            .ok_or(VaultError::UnknownAsset(*token))
    }

    fn asset_mut(&mut self, i: usize) -> Result<&mut VaultAsset, VaultError> {
        self.assets
            .get_mut(i)
            .ok_or(VaultError::InvalidAssets("index"))
    }

    fn require_not_paused(&self, bit: u8) -> Result<(), VaultError> {
        if self.paused & (1u64 << bit) != 0 {
            return Err(VaultError::Paused { bit });
        }
        Ok(())
    }

    fn require(
        &self,
        who: Address,
        role_holder: Address,
        role: &'static str,
    ) -> Result<(), VaultError> {
        if who != role_holder {
            return Err(VaultError::NotAuthorized { caller: who, role });
        }
        Ok(())
    }
}

/// Status of a redemption request.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum RequestStatus {
    /// Waiting in the queue.
    Pending,
    /// Paid into escrow, waiting for the owner's claim.
    Finalized,
    /// Paid out.
    Claimed,
}

impl RequestStatus {
    fn name(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Finalized => "finalized",
            Self::Claimed => "claimed",
        }
    }
}

/// A redemption request.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RedeemRequest {
    /// Its number in the vault's queue.
    pub id: u64,
    /// Who receives the payout.
    pub owner: Address,
    /// Escrowed LRT shares.
    #[serde(with = "dec")]
    pub shares: U256,
    /// The asset to pay in.
    pub token: Address,
    /// The vault rate at the request, WAD.
    #[serde(with = "dec")]
    pub rate_at_request: U256,
    /// Block of the request.
    pub requested_at: u32,
    /// Where it is.
    pub status: RequestStatus,
    /// Tokens paid (set at finalization).
    #[serde(with = "dec")]
    pub payout: U256,
}

/// Typed reads of vaults.
pub trait VaultRead: StateRead {
    /// The vault at `address`.
    fn vault(&self, address: &Address) -> Result<Option<Vault>, StateError>
    where
        Self: Sized,
    {
        self.get(&key(VAULT, &[address.as_slice()]))
    }

    /// Every vault, by address.
    fn vaults(&self) -> Result<Vec<Vault>, StateError>
    where
        Self: Sized,
    {
        self.scan_prefix(VAULT)?
            .into_iter()
            .map(|(k, v)| crate::state::decode(&k, &v))
            .collect()
    }

    /// Ids of an owner's requests not yet claimed, oldest first.
    fn open_requests_of(&self, vault: &Address, owner: &Address) -> Result<Vec<u64>, StateError>
    where
        Self: Sized,
    {
        let prefix = key(OWNER_REQUEST, &[vault.as_slice(), owner.as_slice()]);
        Ok(self
            .scan_prefix(&prefix)?
            .into_iter()
            .filter_map(|(k, _)| {
                k.get(prefix.len()..)
                    .and_then(|b| <[u8; 8]>::try_from(b).ok())
                    .map(u64::from_be_bytes)
            })
            .collect())
    }

    /// A redemption request.
    fn redeem_request(&self, vault: &Address, id: u64) -> Result<Option<RedeemRequest>, StateError>
    where
        Self: Sized,
    {
        self.get(&request_key(vault, id))
    }
}
impl<T: StateRead + ?Sized> VaultRead for T {}

fn request_key(vault: &Address, id: u64) -> Vec<u8> {
    key(REQUEST, &[vault.as_slice(), &id.to_be_bytes()])
}

fn owner_request_key(vault: &Address, owner: &Address, id: u64) -> Vec<u8> {
    key(
        OWNER_REQUEST,
        &[vault.as_slice(), owner.as_slice(), &id.to_be_bytes()],
    )
}

fn require_vault<R: StateRead>(s: &R, address: &Address) -> Result<Vault, Error> {
    Ok(s.vault(address)?
        .ok_or(VaultError::UnknownVault(*address))?)
}

fn save(ex: &mut Exec<'_>, v: &Vault) {
    ex.state.put(key(VAULT, &[v.address.as_slice()]), v);
}

/// The vault account of vault number `id`: the last 20 bytes of `keccak256("restake.vault" ‖ id)`.
pub fn vault_address(id: u64) -> Address {
    let mut buf = b"restake.vault".to_vec();
    buf.extend_from_slice(&id.to_be_bytes());
    Address::from_slice(keccak256(buf).get(12..).unwrap_or(&[0u8; 20]))
}

/// Node delegator `index` of `vault`: `keccak256("restake.vault.delegator" ‖ vault ‖ index)`.
pub fn delegator_address(vault: &Address, index: u32) -> Address {
    let mut buf = b"restake.vault.delegator".to_vec();
    buf.extend_from_slice(vault.as_slice());
    buf.extend_from_slice(&index.to_be_bytes());
    Address::from_slice(keccak256(buf).get(12..).unwrap_or(&[0u8; 20]))
}

// ---------------------------------------------------------------------------------------------
// Valuation: the one rate function

/// `⌊amount · rate / 1e18⌋`: the ETH-wei value of a token amount.
pub fn value_of(amount: U256, rate_wad: U256) -> Result<U256, MathError> {
    mul_div(amount, rate_wad, WAD, Rounding::Down)
}

/// What one asset of the vault is made of, in token units.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetHolding {
    /// Idle in the vault.
    #[serde(with = "dec")]
    pub idle: U256,
    /// Underlying of the node delegators' withdrawable shares.
    #[serde(with = "dec")]
    pub delegated: U256,
    /// Underlying of their pending core withdrawals, at today's payout.
    #[serde(with = "dec")]
    pub queued: U256,
    /// `idle + delegated + queued`.
    #[serde(with = "dec")]
    pub total: U256,
    /// `value(total)`.
    #[serde(with = "dec")]
    pub value: U256,
}

/// The vault's books as of block `now`: per-asset holdings, per-delegator value, `A` and `S`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Books {
    /// Per asset, in the vault's asset order.
    pub assets: Vec<AssetHolding>,
    /// Value restaked or queued through each node delegator.
    #[serde(with = "restake_primitives::decimal::u256_vec")]
    pub delegator_values: Vec<U256>,
    /// Value of idle assets.
    #[serde(with = "dec")]
    pub idle_value: U256,
    /// Total assets `A`.
    #[serde(with = "dec")]
    pub total_assets: U256,
    /// LRT supply `S`.
    #[serde(with = "dec")]
    pub total_supply: U256,
}

impl Books {
    /// `⌊(A + V) · 1e18 / (S + V)⌋`.
    pub fn rate(&self) -> Result<U256, MathError> {
        mul_div(
            math::add(self.total_assets, VIRTUAL)?,
            WAD,
            math::add(self.total_supply, VIRTUAL)?,
            Rounding::Down,
        )
    }

    /// Shares minted for `value`: `⌊value · (S + V) / (A + V)⌋`.
    pub fn shares_for(&self, value: U256) -> Result<U256, MathError> {
        mul_div(
            value,
            math::add(self.total_supply, VIRTUAL)?,
            math::add(self.total_assets, VIRTUAL)?,
            Rounding::Down,
        )
    }
}

/// Computes the books of `v` from the core's state at block `now`.
pub fn books<R: StateRead>(s: &R, v: &Vault, now: u32) -> Result<Books, Error> {
    let mut assets: Vec<AssetHolding> = v
        .assets
        .iter()
        .map(|a| AssetHolding {
            idle: a.idle,
            ..AssetHolding::default()
        })
        .collect();
    let mut delegator_values = Vec::with_capacity(v.delegators.len());
    for d in &v.delegators {
        let mut dv = U256::ZERO;
        for (a, h) in v.assets.iter().zip(assets.iter_mut()) {
            let Some(pool) = s.pool(&a.strategy)? else {
                continue;
            };
            let w = s.withdrawable_shares(&d.account, &a.strategy)?;
            let units = pool.shares_to_underlying(w)?;
            h.delegated = math::add(h.delegated, units)?;
            dv = math::add(dv, value_of(units, a.rate_wad)?)?;
        }
        for q in delegation::queued_withdrawals(s, &d.account, now)? {
            for (strategy, shares) in q.withdrawal.strategies.iter().zip(&q.shares) {
                let Some(i) = v.assets.iter().position(|a| a.strategy == *strategy) else {
                    continue;
                };
                let (Some(a), Some(h), Some(pool)) =
                    (v.assets.get(i), assets.get_mut(i), s.pool(strategy)?)
                else {
                    continue;
                };
                let units = pool.shares_to_underlying(*shares)?;
                h.queued = math::add(h.queued, units)?;
                dv = math::add(dv, value_of(units, a.rate_wad)?)?;
            }
        }
        delegator_values.push(dv);
    }
    let mut total_assets = U256::ZERO;
    let mut idle_value = U256::ZERO;
    for (a, h) in v.assets.iter().zip(assets.iter_mut()) {
        h.total = math::add(math::add(h.idle, h.delegated)?, h.queued)?;
        h.value = value_of(h.total, a.rate_wad)?;
        total_assets = math::add(total_assets, h.value)?;
        idle_value = math::add(idle_value, value_of(h.idle, a.rate_wad)?)?;
    }
    let total_supply = s.token(&v.lrt)?.map(|t| t.total_supply).unwrap_or_default();
    Ok(Books {
        assets,
        delegator_values,
        idle_value,
        total_assets,
        total_supply,
    })
}

/// Charges the protocol fee on gains above the high-water mark (see the module doc). Returns the
/// books after the charge.
fn accrue_fee(ex: &mut Exec<'_>, v: &mut Vault) -> Result<Books, Error> {
    let mut b = books(&ex.state, v, ex.block.number)?;
    let r = b.rate()?;
    if r <= v.high_water_mark {
        return Ok(b);
    }
    let gain = mul_div(
        math::sub(r, v.high_water_mark)?,
        b.total_supply,
        WAD,
        Rounding::Down,
    )?;
    let fee_value = mul_div(
        gain,
        U256::from(v.params.fee_bps),
        U256::from(BPS),
        Rounding::Down,
    )?;
    let assets_v = math::add(b.total_assets, VIRTUAL)?;
    let fee_shares = if fee_value.is_zero() || fee_value >= assets_v {
        U256::ZERO
    } else {
        // Shares worth `fee_value` once minted: f / (S + V + f) = fee / (A + V).
        mul_div(
            fee_value,
            math::add(b.total_supply, VIRTUAL)?,
            math::sub(assets_v, fee_value)?,
            Rounding::Down,
        )?
    };
    if !fee_shares.is_zero() {
        mint_lrt(ex, v, v.params.treasury, fee_shares)?;
        b.total_supply = math::add(b.total_supply, fee_shares)?;
    }
    let new_mark = b.rate()?;
    if !fee_shares.is_zero() {
        ex.emit(Event::VaultFeeCharged {
            vault: v.address,
            shares: fee_shares,
            value: fee_value,
            high_water_mark: new_mark,
        });
    }
    v.high_water_mark = new_mark;
    Ok(b)
}

fn mint_lrt(ex: &mut Exec<'_>, v: &Vault, to: Address, shares: U256) -> Result<(), Error> {
    tokens::mint(ex, v.address, v.lrt, to, shares)
}

fn burn_lrt(ex: &mut Exec<'_>, v: &Vault, holder: Address, shares: U256) -> Result<(), Error> {
    tokens::destroy(ex, v.lrt, holder, shares)
}

fn validate_params(p: &VaultParams, assets: usize, core_delay: u32) -> Result<(), VaultError> {
    let bad = |name, reason| Err(VaultError::InvalidParam { name, reason });
    if p.fee_bps > MAX_FEE_BPS {
        return bad("feeBps", "at most 2000 (20%)");
    }
    if p.fee_bps > 0 && p.treasury.is_zero() {
        return bad("treasury", "needed when feeBps is set");
    }
    if p.operator_cap_bps == 0 || p.operator_cap_bps > BPS {
        return bad("operatorCapBps", "between 1 and 10000");
    }
    if p.instant_fee_max_bps > MAX_INSTANT_FEE_BPS || p.instant_fee_min_bps > p.instant_fee_max_bps
    {
        return bad("instantFeeMaxBps", "min <= max <= 1000");
    }
    if p.buffer_floor_bps > p.buffer_target_bps || p.buffer_target_bps > BPS {
        return bad("bufferTargetBps", "floor <= target <= 10000");
    }
    if p.max_rate_step_bps == 0 || p.max_rate_step_bps > BPS {
        return bad("maxRateStepBps", "between 1 and 10000");
    }
    if p.cooldown_blocks < core_delay {
        return bad("cooldownBlocks", "at least the core's withdrawal delay");
    }
    if p.param_delay_blocks < p.cooldown_blocks {
        return bad("paramDelayBlocks", "at least cooldownBlocks");
    }
    if !p.asset_caps.is_empty() && p.asset_caps.len() != assets {
        return bad("assetCaps", "one cap per asset, or none");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Actions

/// `createVault` action.
///
/// Rules:
/// 1. `symbol` is free in the asset ledger; 1–8 assets, each a token with a token pool, no
///    repeats, each with a non-zero rate.
/// 2. Parameters default as documented; `treasury` defaults to the sender, `cooldownBlocks` and
///    `paramDelayBlocks` to the core's withdrawal delay; then they must hold their bounds.
/// 3. The vault gets the next number and its derived account; its LRT (18 decimals) is
///    registered with the vault as minter. The sender is admin, pauser and manager; the
///    high-water mark starts at 1.0.
pub fn create_vault(
    ex: &mut Exec<'_>,
    sender: Address,
    symbol: &str,
    assets: &[VaultAssetInit],
    params: Option<&VaultParams>,
) -> Result<Address, Error> {
    if assets.is_empty() || assets.len() > MAX_ASSETS {
        return Err(VaultError::InvalidAssets("between 1 and 8 assets").into());
    }
    let mut list = Vec::with_capacity(assets.len());
    for a in assets {
        if list.iter().any(|x: &VaultAsset| x.token == a.token) {
            return Err(VaultError::InvalidAssets("an asset is repeated").into());
        }
        if a.rate_wad.is_zero() {
            return Err(VaultError::InvalidParam {
                name: "rateWad",
                reason: "must be positive",
            }
            .into());
        }
        let strategy = ex
            .state
            .strategy_for_token(&a.token)?
            .ok_or(VaultError::InvalidAssets("an asset has no token pool"))?;
        list.push(VaultAsset {
            token: a.token,
            strategy,
            rate_wad: a.rate_wad,
            rate_block: ex.block.number,
            idle: U256::ZERO,
            escrow: U256::ZERO,
        });
    }
    let core_delay = ex.state.params()?.min_withdrawal_delay_blocks;
    let mut p = params.cloned().unwrap_or_default();
    if p.treasury.is_zero() {
        p.treasury = sender;
    }
    if p.cooldown_blocks == 0 {
        p.cooldown_blocks = core_delay;
    }
    if p.param_delay_blocks == 0 {
        p.param_delay_blocks = p.cooldown_blocks;
    }
    validate_params(&p, list.len(), core_delay)?;
    let id: u64 = ex.state.get(COUNT)?.unwrap_or(0);
    ex.state.put(COUNT.to_vec(), &math::inc_u64(id)?);
    let address = vault_address(id);
    let lrt = tokens::register(ex, symbol, 18, address)?;
    let v = Vault {
        id,
        address,
        lrt,
        admin: sender,
        pauser: sender,
        manager: sender,
        paused: 0,
        params: p,
        pending_params: None,
        assets: list,
        delegators: Vec::new(),
        high_water_mark: WAD,
        next_request: 0,
        finalize_head: 0,
    };
    save(ex, &v);
    ex.emit(Event::VaultCreated {
        vault: address,
        id,
        lrt,
        admin: sender,
    });
    Ok(address)
}

/// `addVaultOperator` action (admin).
///
/// Rules:
/// 1. The sender is the vault's admin; fewer than 16 operators; the operator is not yet in the
///    vault; `weightBps` is 1–10000.
/// 2. A new node delegator `delegator_address(vault, index)` delegates to the operator (as
///    `delegateTo`: the operator must be registered and must not require approval).
pub fn add_vault_operator(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    operator: Address,
    weight_bps: u16,
) -> Result<(), Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    v.require(sender, v.admin, "admin")?;
    if v.delegators.len() >= MAX_OPERATORS || v.delegators.iter().any(|d| d.operator == operator) {
        return Err(VaultError::OperatorNotAddable(operator).into());
    }
    if weight_bps == 0 || weight_bps > BPS {
        return Err(VaultError::InvalidParam {
            name: "weightBps",
            reason: "between 1 and 10000",
        }
        .into());
    }
    let index = u32::try_from(v.delegators.len()).map_err(|_| MathError::Overflow)?;
    let account = delegator_address(&vault, index);
    delegation::delegate_to(ex, account, operator, None, 0, B256::ZERO)?;
    v.delegators.push(NodeDelegator {
        account,
        operator,
        weight_bps,
    });
    save(ex, &v);
    ex.emit(Event::VaultOperatorAdded {
        vault,
        operator,
        delegator: account,
        index,
        weight_bps,
    });
    Ok(())
}

/// `depositIntoVault` action.
///
/// Rules:
/// 1. Deposits are not paused (bit 0); the token is an asset; `deadline` is 0 or not before the
///    block time; the asset's rate is not older than `maxRateAgeBlocks` (when set).
/// 2. The protocol fee is charged first; the price comes from the books *before* the tokens
///    move, so the deposit never dilutes itself.
/// 3. `value = ⌊amount · rate / 1e18⌋ ≥ minDepositValue`; `shares = ⌊value · (S + V) / (A + V)⌋`
///    is positive and at least `minSharesOut`.
/// 4. After the deposit the asset's holding is within its cap and `A` within the total cap.
/// 5. The tokens move from the sender to the vault (idle); the shares are minted to the sender.
#[allow(clippy::too_many_arguments)]
pub fn deposit_into_vault(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    token: Address,
    amount: U256,
    min_shares_out: U256,
    deadline: u64,
) -> Result<U256, Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    v.require_not_paused(PAUSED_DEPOSITS)?;
    let i = v.asset_index(&token)?;
    if deadline != 0 && deadline < ex.block.timestamp {
        return Err(VaultError::DeadlinePassed {
            deadline,
            now: ex.block.timestamp,
        }
        .into());
    }
    let asset = v
        .assets
        .get(i)
        .cloned()
        .ok_or(VaultError::UnknownAsset(token))?;
    let max_age = v.params.max_rate_age_blocks;
    if max_age != 0 && ex.block.number.saturating_sub(asset.rate_block) > max_age {
        return Err(VaultError::StaleRate {
            token,
            set_at: asset.rate_block,
            max_age,
        }
        .into());
    }
    let b = accrue_fee(ex, &mut v)?;
    let value = value_of(amount, asset.rate_wad)?;
    if value < v.params.min_deposit_value || value.is_zero() {
        return Err(VaultError::BelowMinimumDeposit {
            value,
            min: v.params.min_deposit_value,
        }
        .into());
    }
    let shares = b.shares_for(value)?;
    if shares.is_zero() {
        return Err(VaultError::ZeroOutput.into());
    }
    if shares < min_shares_out {
        return Err(VaultError::SlippageShares {
            shares,
            min: min_shares_out,
        }
        .into());
    }
    let holding_after = math::add(b.assets.get(i).map(|h| h.total).unwrap_or_default(), amount)?;
    if let Some(cap) = v.params.asset_caps.get(i)
        && holding_after > *cap
    {
        return Err(VaultError::CapExceeded {
            cap: "asset",
            after: holding_after,
            limit: *cap,
        }
        .into());
    }
    let total_after = math::add(b.total_assets, value)?;
    if total_after > v.params.total_cap_value {
        return Err(VaultError::CapExceeded {
            cap: "total",
            after: total_after,
            limit: v.params.total_cap_value,
        }
        .into());
    }
    tokens::move_tokens(ex, &token, &sender, &vault, amount)?;
    let a = v.asset_mut(i)?;
    a.idle = math::add(a.idle, amount)?;
    mint_lrt(ex, &v, sender, shares)?;
    ex.state.put(
        key(LAST_DEPOSIT, &[vault.as_slice(), sender.as_slice()]),
        &ex.block.number,
    );
    save(ex, &v);
    ex.emit(Event::VaultDeposit {
        vault,
        depositor: sender,
        token,
        amount,
        value,
        shares,
    });
    Ok(shares)
}

fn require_not_same_block(ex: &Exec<'_>, vault: &Address, who: &Address) -> Result<(), Error> {
    let last: Option<u32> = ex
        .state
        .get(&key(LAST_DEPOSIT, &[vault.as_slice(), who.as_slice()]))?;
    if last == Some(ex.block.number) {
        return Err(VaultError::SameBlockRedeem(*who).into());
    }
    Ok(())
}

/// `requestRedeem` action.
///
/// Rules:
/// 1. Requests are not paused (bit 1); the payout token is an asset; the sender did not deposit
///    into this vault in this block.
/// 2. The protocol fee is charged; the request is worth something at today's rate
///    (`⌊shares · r / 1e18⌋ > 0`).
/// 3. The shares move from the sender into the vault's escrow (they stay in `S`); the request
///    records `r` and joins the back of the queue.
pub fn request_redeem(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    shares: U256,
    token: Address,
) -> Result<u64, Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    v.require_not_paused(PAUSED_REQUESTS)?;
    v.asset_index(&token)?;
    require_not_same_block(ex, &vault, &sender)?;
    let b = accrue_fee(ex, &mut v)?;
    let rate = b.rate()?;
    if shares.is_zero() || mul_div(shares, rate, WAD, Rounding::Down)?.is_zero() {
        return Err(VaultError::ZeroOutput.into());
    }
    tokens::move_tokens(ex, &v.lrt, &sender, &vault, shares)?;
    let id = v.next_request;
    v.next_request = math::inc_u64(id)?;
    let req = RedeemRequest {
        id,
        owner: sender,
        shares,
        token,
        rate_at_request: rate,
        requested_at: ex.block.number,
        status: RequestStatus::Pending,
        payout: U256::ZERO,
    };
    ex.state.put(request_key(&vault, id), &req);
    ex.state.put_flag(owner_request_key(&vault, &sender, id));
    save(ex, &v);
    ex.emit(Event::RedeemRequested {
        vault,
        request_id: id,
        owner: sender,
        shares,
        token,
        rate_at_request: rate,
    });
    Ok(id)
}

/// `finalizeRedeemRequests` action (anyone: no keeper is trusted).
///
/// Rules:
/// 1. Finalizing is not paused (bit 2); `maxRequests` is 1–100.
/// 2. The protocol fee is charged; `r` is today's rate.
/// 3. From the head of the queue, in order, while the request is at least `cooldownBlocks` old:
///    `value = ⌊shares · min(r_request, r) / 1e18⌋`, `payout = ⌊value · 1e18 / rate_token⌋`;
///    if idle tokens of its asset cannot cover the payout, stop (no request is ever skipped).
///    Otherwise burn its shares, move the payout from idle to escrow, mark it finalized.
/// 4. At least one request must be finalized.
pub fn finalize_redeem_requests(
    ex: &mut Exec<'_>,
    vault: Address,
    max_requests: u32,
) -> Result<u32, Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    v.require_not_paused(PAUSED_FINALIZE)?;
    if max_requests == 0 || max_requests > MAX_FINALIZE_PER_CALL {
        return Err(VaultError::InvalidParam {
            name: "maxRequests",
            reason: "between 1 and 100",
        }
        .into());
    }
    let b = accrue_fee(ex, &mut v)?;
    let rate = b.rate()?;
    let mut done = 0u32;
    while done < max_requests && v.finalize_head < v.next_request {
        let id = v.finalize_head;
        let mut req = ex
            .state
            .redeem_request(&vault, id)?
            .ok_or(VaultError::UnknownRequest(id))?;
        if math::add_block(req.requested_at, v.params.cooldown_blocks)? > ex.block.number {
            break;
        }
        let i = v.asset_index(&req.token)?;
        let applied = rate.min(req.rate_at_request);
        let value = mul_div(req.shares, applied, WAD, Rounding::Down)?;
        let a = v.asset_mut(i)?;
        let payout = mul_div(value, WAD, a.rate_wad, Rounding::Down)?;
        if payout > a.idle {
            break;
        }
        a.idle = math::sub(a.idle, payout)?;
        a.escrow = math::add(a.escrow, payout)?;
        burn_lrt(ex, &v, vault, req.shares)?;
        req.status = RequestStatus::Finalized;
        req.payout = payout;
        ex.state.put(request_key(&vault, id), &req);
        ex.emit(Event::RedeemFinalized {
            vault,
            request_id: id,
            token: req.token,
            amount: payout,
            rate_applied: applied,
        });
        v.finalize_head = math::inc_u64(id)?;
        done = done.saturating_add(1);
    }
    if done == 0 {
        return Err(VaultError::NothingToFinalize.into());
    }
    save(ex, &v);
    Ok(done)
}

/// `claimRedeem` action.
///
/// Rules:
/// 1. Claims are not paused (bit 3); the request exists, belongs to the sender and is finalized.
/// 2. Its payout moves from the vault's escrow to the sender; the request is marked claimed.
pub fn claim_redeem(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    request_id: u64,
) -> Result<(), Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    v.require_not_paused(PAUSED_CLAIMS)?;
    let mut req = ex
        .state
        .redeem_request(&vault, request_id)?
        .ok_or(VaultError::UnknownRequest(request_id))?;
    v.require(sender, req.owner, "request owner")?;
    if req.status != RequestStatus::Finalized {
        return Err(VaultError::RequestNotClaimable {
            id: request_id,
            status: req.status.name(),
        }
        .into());
    }
    let i = v.asset_index(&req.token)?;
    let a = v.asset_mut(i)?;
    a.escrow = math::sub(a.escrow, req.payout)?;
    tokens::move_tokens(ex, &req.token, &vault, &sender, req.payout)?;
    req.status = RequestStatus::Claimed;
    ex.state.put(request_key(&vault, request_id), &req);
    ex.state
        .delete(&owner_request_key(&vault, &sender, request_id));
    save(ex, &v);
    ex.emit(Event::RedeemClaimed {
        vault,
        request_id,
        owner: sender,
        token: req.token,
        amount: req.payout,
    });
    Ok(())
}

/// The instant-exit fee in bps when idle value falls to `after` with total assets `a`.
pub fn instant_fee_bps(p: &VaultParams, after: U256, a: U256) -> Result<Option<u16>, MathError> {
    let target = mul_div(
        a,
        U256::from(p.buffer_target_bps),
        U256::from(BPS),
        Rounding::Down,
    )?;
    let floor = mul_div(
        a,
        U256::from(p.buffer_floor_bps),
        U256::from(BPS),
        Rounding::Up,
    )?;
    if after < floor {
        return Ok(None);
    }
    if after >= target || target == floor {
        return Ok(Some(p.instant_fee_min_bps));
    }
    let span = U256::from(p.instant_fee_max_bps.saturating_sub(p.instant_fee_min_bps));
    let extra = mul_div(
        span,
        math::sub(target, after)?,
        math::sub(target, floor)?,
        Rounding::Up,
    )?;
    let extra = u16::try_from(extra).map_err(|_| MathError::Overflow)?;
    Ok(Some(p.instant_fee_min_bps.saturating_add(extra)))
}

/// `instantRedeem` action.
///
/// Rules:
/// 1. Instant exits are not paused (bit 4); the token is an asset; the sender did not deposit in
///    this block.
/// 2. The protocol fee is charged; `gross = ⌊shares · r / 1e18⌋`; idle value after
///    `idle − gross` must stay at or above the floor; the fee is [`instant_fee_bps`] of it,
///    rounded up, and stays in the vault (with the holders).
/// 3. `amount = ⌊(gross − fee) · 1e18 / rate_token⌋` is positive, covered by idle tokens and at
///    least `minAmountOut`; the shares are burned and the tokens paid.
pub fn instant_redeem(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    shares: U256,
    token: Address,
    min_amount_out: U256,
) -> Result<U256, Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    v.require_not_paused(PAUSED_INSTANT)?;
    let i = v.asset_index(&token)?;
    require_not_same_block(ex, &vault, &sender)?;
    let b = accrue_fee(ex, &mut v)?;
    let gross = mul_div(shares, b.rate()?, WAD, Rounding::Down)?;
    let after = b.idle_value.saturating_sub(gross);
    let fee_bps = instant_fee_bps(&v.params, after, b.total_assets)?
        .filter(|_| gross <= b.idle_value)
        .ok_or(VaultError::BufferBelowFloor {
            after,
            floor: mul_div(
                b.total_assets,
                U256::from(v.params.buffer_floor_bps),
                U256::from(BPS),
                Rounding::Up,
            )?,
        })?;
    let fee = mul_div(gross, U256::from(fee_bps), U256::from(BPS), Rounding::Up)?;
    let net = gross.saturating_sub(fee);
    let a = v.asset_mut(i)?;
    let amount = mul_div(net, WAD, a.rate_wad, Rounding::Down)?;
    if amount.is_zero() {
        return Err(VaultError::ZeroOutput.into());
    }
    if amount > a.idle {
        return Err(VaultError::InsufficientIdle {
            token,
            idle: a.idle,
            needed: amount,
        }
        .into());
    }
    if amount < min_amount_out {
        return Err(VaultError::SlippageAmount {
            amount,
            min: min_amount_out,
        }
        .into());
    }
    a.idle = math::sub(a.idle, amount)?;
    burn_lrt(ex, &v, sender, shares)?;
    tokens::move_tokens(ex, &token, &vault, &sender, amount)?;
    save(ex, &v);
    ex.emit(Event::InstantRedeemed {
        vault,
        owner: sender,
        shares,
        token,
        amount,
        fee_bps,
    });
    Ok(amount)
}

/// Picks the node delegator for `value`: the one furthest below its target weight that stays
/// within the operator cap (ties: the lowest index).
fn route(v: &Vault, b: &Books, value: U256) -> Result<usize, Error> {
    let total_weight: u64 = v.delegators.iter().map(|d| u64::from(d.weight_bps)).sum();
    let a_after = math::add(b.total_assets, value)?;
    let cap = mul_div(
        a_after,
        U256::from(v.params.operator_cap_bps),
        U256::from(BPS),
        Rounding::Down,
    )?;
    let mut best: Option<(usize, U256)> = None;
    for (i, d) in v.delegators.iter().enumerate() {
        let current = b.delegator_values.get(i).copied().unwrap_or_default();
        if math::add(current, value)? > cap {
            continue;
        }
        // Deficit against the target share: target_i − current, as a signed comparison made
        // unsigned by comparing `current · W / w_i` (the total this delegator is "scaled to").
        let scaled = mul_div(
            current,
            U256::from(total_weight),
            U256::from(d.weight_bps),
            Rounding::Down,
        )?;
        if best.is_none_or(|(_, s)| scaled < s) {
            best = Some((i, scaled));
        }
    }
    best.map(|(i, _)| i)
        .ok_or_else(|| VaultError::NoRoute.into())
}

/// `restakeVaultAssets` action (manager).
///
/// Rules:
/// 1. Restaking is not paused (bit 5); the sender is the manager; the token is an asset and
///    `amount` is positive and at most its idle balance.
/// 2. The node delegator is the one named, or else the one furthest below its target weight;
///    it must still be delegated to its operator, and its value after the deposit must stay
///    within `operatorCapBps` of `A`.
/// 3. The tokens move from idle to the node delegator, which deposits them into the asset's
///    token pool (as `depositIntoStrategy`). `A` does not change beyond the pool's rounding.
pub fn restake_vault_assets(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    token: Address,
    amount: U256,
    delegator: Option<u32>,
) -> Result<(), Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    v.require_not_paused(PAUSED_RESTAKING)?;
    v.require(sender, v.manager, "manager")?;
    let i = v.asset_index(&token)?;
    let asset = v
        .assets
        .get(i)
        .cloned()
        .ok_or(VaultError::UnknownAsset(token))?;
    if amount.is_zero() || amount > asset.idle {
        return Err(VaultError::InsufficientIdle {
            token,
            idle: asset.idle,
            needed: amount,
        }
        .into());
    }
    let b = books(&ex.state, &v, ex.block.number)?;
    let value = value_of(amount, asset.rate_wad)?;
    let di = match delegator {
        Some(d) => {
            let di = usize::try_from(d).map_err(|_| MathError::Overflow)?;
            let cap = mul_div(
                b.total_assets,
                U256::from(v.params.operator_cap_bps),
                U256::from(BPS),
                Rounding::Down,
            )?;
            let after = math::add(
                b.delegator_values.get(di).copied().unwrap_or_default(),
                value,
            )?;
            if v.delegators.get(di).is_none() {
                return Err(VaultError::UnknownDelegator(d).into());
            }
            if after > cap {
                return Err(VaultError::CapExceeded {
                    cap: "operator",
                    after,
                    limit: cap,
                }
                .into());
            }
            di
        }
        None => route(&v, &b, value)?,
    };
    let d = v
        .delegators
        .get(di)
        .cloned()
        .ok_or(VaultError::UnknownDelegator(
            u32::try_from(di).unwrap_or(u32::MAX),
        ))?;
    if ex.state.delegated_to(&d.account)? != Some(d.operator) {
        return Err(VaultError::DelegatorNotDelegated {
            delegator: d.account,
            operator: d.operator,
        }
        .into());
    }
    let a = v.asset_mut(i)?;
    a.idle = math::sub(a.idle, amount)?;
    tokens::move_tokens(ex, &token, &vault, &d.account, amount)?;
    let shares =
        strategy_manager::deposit_into_strategy(ex, d.account, asset.strategy, token, amount)?;
    save(ex, &v);
    ex.emit(Event::VaultRestaked {
        vault,
        delegator: d.account,
        operator: d.operator,
        token,
        amount,
        shares,
    });
    Ok(())
}

/// `queueVaultWithdrawal` action (manager).
///
/// Rules:
/// 1. Restaking is not paused (bit 5); the sender is the manager; the node delegator exists; the
///    token is an asset.
/// 2. The node delegator queues `depositShares` of the asset's strategy (as `queueWithdrawals`);
///    the queued value keeps counting in `A`, slashable until completion, as the core reports.
pub fn queue_vault_withdrawal(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    delegator: u32,
    token: Address,
    deposit_shares: U256,
) -> Result<B256, Error> {
    let v = require_vault(&ex.state, &vault)?;
    v.require_not_paused(PAUSED_RESTAKING)?;
    v.require(sender, v.manager, "manager")?;
    let d = v
        .delegators
        .get(usize::try_from(delegator).map_err(|_| MathError::Overflow)?)
        .cloned()
        .ok_or(VaultError::UnknownDelegator(delegator))?;
    let i = v.asset_index(&token)?;
    let strategy = v.assets.get(i).map(|a| a.strategy).unwrap_or_default();
    let roots = delegation::queue_withdrawals(
        ex,
        d.account,
        &[QueuedWithdrawalParams {
            strategies: vec![strategy],
            deposit_shares: vec![deposit_shares],
        }],
    )?;
    let root = roots.first().copied().unwrap_or_default();
    ex.emit(Event::VaultWithdrawalQueued {
        vault,
        delegator: d.account,
        withdrawal_root: root,
    });
    Ok(root)
}

/// `completeVaultWithdrawal` action (anyone, so a silent manager cannot trap the vault's exits).
///
/// Rules:
/// 1. The root is a pending withdrawal of one of the vault's node delegators (queued by the
///    manager or forced by an undelegation).
/// 2. It completes as tokens to the node delegator (as `completeQueuedWithdrawal`: after the
///    delay, at the slashed payout); every token received moves to the vault's idle balance.
pub fn complete_vault_withdrawal(
    ex: &mut Exec<'_>,
    vault: Address,
    root: B256,
) -> Result<(), Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    let w = ex
        .state
        .queued_withdrawal(&root)?
        .ok_or(VaultError::NotVaultWithdrawal(root))?;
    let Some(d) = v.delegators.iter().find(|d| d.account == w.staker).cloned() else {
        return Err(VaultError::NotVaultWithdrawal(root).into());
    };
    let mut before = Vec::with_capacity(v.assets.len());
    for a in &v.assets {
        before.push(ex.state.balance_of(&a.token, &d.account)?);
    }
    delegation::complete_queued_withdrawal(ex, d.account, root, true)?;
    for (idx, b0) in before.into_iter().enumerate() {
        let token = v.assets.get(idx).map(|a| a.token).unwrap_or_default();
        let received = math::sub(ex.state.balance_of(&token, &d.account)?, b0)?;
        if received.is_zero() {
            continue;
        }
        tokens::move_tokens(ex, &token, &d.account, &vault, received)?;
        let a = v.asset_mut(idx)?;
        a.idle = math::add(a.idle, received)?;
        ex.emit(Event::VaultWithdrawalCompleted {
            vault,
            delegator: d.account,
            withdrawal_root: root,
            token,
            amount: received,
        });
    }
    save(ex, &v);
    Ok(())
}

/// `redelegateVaultDelegator` action (manager): after an operator forced the node delegator
/// out, delegates it to its configured operator again.
///
/// Rules:
/// 1. The sender is the manager; the node delegator exists and is not delegated.
/// 2. It delegates to its configured operator (as `delegateTo`).
pub fn redelegate_vault_delegator(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    delegator: u32,
) -> Result<(), Error> {
    let v = require_vault(&ex.state, &vault)?;
    v.require(sender, v.manager, "manager")?;
    let d = v
        .delegators
        .get(usize::try_from(delegator).map_err(|_| MathError::Overflow)?)
        .cloned()
        .ok_or(VaultError::UnknownDelegator(delegator))?;
    delegation::delegate_to(ex, d.account, d.operator, None, 0, B256::ZERO)
}

/// `updateVaultAssetRate` action (manager; the admin may override the step cap).
///
/// Rules:
/// 1. The sender is the manager or the admin; the token is an asset; the rate is positive.
/// 2. Unless the admin sends it, `|new − old| · 10000 ≤ maxRateStepBps · old`.
/// 3. The rate and its block are stored; `VaultAssetRateUpdated` says whether it was an override.
pub fn update_vault_asset_rate(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    token: Address,
    rate_wad: U256,
) -> Result<(), Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    if sender != v.manager && sender != v.admin {
        return Err(VaultError::NotAuthorized {
            caller: sender,
            role: "manager",
        }
        .into());
    }
    let i = v.asset_index(&token)?;
    if rate_wad.is_zero() {
        return Err(VaultError::InvalidParam {
            name: "rateWad",
            reason: "must be positive",
        }
        .into());
    }
    let step = v.params.max_rate_step_bps;
    let admin = v.admin;
    let now = ex.block.number;
    let a = v.asset_mut(i)?;
    let old = a.rate_wad;
    let diff = if rate_wad > old {
        math::sub(rate_wad, old)?
    } else {
        math::sub(old, rate_wad)?
    };
    let within = mul_div(diff, U256::from(BPS), U256::from(1), Rounding::Down)?
        <= mul_div(old, U256::from(step), U256::from(1), Rounding::Down)?;
    let is_override = !within;
    if is_override && sender != admin {
        return Err(VaultError::RateStepTooLarge {
            old,
            new: rate_wad,
            max_bps: step,
        }
        .into());
    }
    a.rate_wad = rate_wad;
    a.rate_block = now;
    save(ex, &v);
    ex.emit(Event::VaultAssetRateUpdated {
        vault,
        token,
        old_rate: old,
        new_rate: rate_wad,
        is_override,
    });
    Ok(())
}

/// `setVaultPaused` action.
///
/// Rules:
/// 1. The sender is the pauser or the admin.
/// 2. The pauser may only add bits; only the admin may clear one.
pub fn set_vault_paused(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    paused: u64,
) -> Result<(), Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    if sender != v.admin {
        v.require(sender, v.pauser, "pauser")?;
        if paused & v.paused != v.paused {
            return Err(VaultError::OnlyAdminUnpauses.into());
        }
    }
    v.paused = paused;
    save(ex, &v);
    ex.emit(Event::VaultPausedSet { vault, paused });
    Ok(())
}

/// `setVaultRoles` action (admin): hands over the admin, pauser and manager roles.
///
/// Rules: the sender is the admin; no role is the zero address.
pub fn set_vault_roles(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    admin: Address,
    pauser: Address,
    manager: Address,
) -> Result<(), Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    v.require(sender, v.admin, "admin")?;
    if admin.is_zero() || pauser.is_zero() || manager.is_zero() {
        return Err(VaultError::InvalidParam {
            name: "roles",
            reason: "no role may be the zero address",
        }
        .into());
    }
    v.admin = admin;
    v.pauser = pauser;
    v.manager = manager;
    save(ex, &v);
    ex.emit(Event::VaultRolesSet {
        vault,
        admin,
        pauser,
        manager,
    });
    Ok(())
}

/// `queueVaultParams` action (admin).
///
/// Rules:
/// 1. The sender is the admin; the new parameters hold their bounds (against the *current*
///    `paramDelayBlocks` as well: a change cannot shorten the wait it is queued behind).
/// 2. They replace any pending change and may be applied `paramDelayBlocks` from now.
pub fn queue_vault_params(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    params: &VaultParams,
) -> Result<u32, Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    v.require(sender, v.admin, "admin")?;
    let core_delay = ex.state.params()?.min_withdrawal_delay_blocks;
    validate_params(params, v.assets.len(), core_delay)?;
    let at = math::add_block(ex.block.number, v.params.param_delay_blocks)?;
    v.pending_params = Some((params.clone(), at));
    save(ex, &v);
    ex.emit(Event::VaultParamsQueued {
        vault,
        effective_at_block: at,
    });
    Ok(at)
}

/// `applyVaultParams` action (anyone).
///
/// Rules: a change is pending and its block has come; it becomes the vault's parameters.
pub fn apply_vault_params(ex: &mut Exec<'_>, vault: Address) -> Result<(), Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    match v.pending_params.take() {
        Some((p, at)) if at <= ex.block.number => {
            // The fee owed under the old parameters is charged before they change.
            accrue_fee(ex, &mut v)?;
            v.params = p;
        }
        other => {
            return Err(VaultError::ParamsNotDue {
                effective_at: other.map(|(_, at)| at),
            }
            .into());
        }
    }
    save(ex, &v);
    ex.emit(Event::VaultParamsApplied { vault });
    Ok(())
}

/// `harvestVaultRewards` action (anyone).
///
/// Rules:
/// 1. Every node delegator claims its accrued rewards in the vault's assets (as `claimRewards`).
/// 2. What they received moves to the vault's idle balance: the rate rises for every holder.
/// 3. Something must have been harvested.
pub fn harvest_vault_rewards(ex: &mut Exec<'_>, vault: Address) -> Result<(), Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    let tokens_: Vec<Address> = v.assets.iter().map(|a| a.token).collect();
    let mut any = false;
    for d in v.delegators.clone() {
        let mut owed = false;
        for t in &tokens_ {
            if !rewards::claimable(&ex.state, &d.account, t)?.is_zero() {
                owed = true;
            }
        }
        if !owed {
            continue;
        }
        let recipient = ex.state.rewards_recipient(&d.account)?;
        let mut before = Vec::with_capacity(tokens_.len());
        for t in &tokens_ {
            before.push(ex.state.balance_of(t, &recipient)?);
        }
        rewards::claim_rewards(ex, d.account, &tokens_)?;
        for (idx, (t, b0)) in tokens_.iter().zip(before).enumerate() {
            let got = math::sub(ex.state.balance_of(t, &recipient)?, b0)?;
            if got.is_zero() {
                continue;
            }
            tokens::move_tokens(ex, t, &recipient, &vault, got)?;
            let a = v.asset_mut(idx)?;
            a.idle = math::add(a.idle, got)?;
            any = true;
            ex.emit(Event::VaultRewardsHarvested {
                vault,
                delegator: d.account,
                token: *t,
                amount: got,
            });
        }
    }
    if !any {
        return Err(VaultError::NothingToHarvest.into());
    }
    save(ex, &v);
    Ok(())
}

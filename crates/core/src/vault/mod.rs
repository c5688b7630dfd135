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
use restake_primitives::decimal::u256 as dec;
use restake_primitives::math::{self, MathError, Rounding, mul_div};
use restake_primitives::{BEACON_CHAIN_ETH_STRATEGY, WAD};
use serde::{Deserialize, Serialize};

mod admin;
mod bond;
mod books;
mod deposit;
mod error;
mod exit;
mod native;
mod restaking;

pub use admin::{
    add_vault_operator, apply_vault_params, create_vault, queue_vault_params, set_vault_paused,
    set_vault_roles, update_vault_asset_rate,
};
pub use bond::{post_vault_bond, request_vault_bond_withdrawal, withdraw_vault_bond};
pub use books::{AssetHolding, Books, books, value_of};
use books::{accrue_fee, burn_lrt, mint_lrt, refresh_tracked, validate_params};
pub use deposit::deposit_into_vault;
use deposit::require_not_same_block;
pub use error::VaultError;
pub use exit::{
    claim_redeem, finalize_redeem_requests, instant_fee_bps, instant_redeem, request_redeem,
};
pub use native::{create_vault_pod, deposit_validators_into_vault, start_vault_checkpoint};
pub use restaking::{
    complete_vault_withdrawal, harvest_vault_rewards, queue_vault_withdrawal,
    redelegate_vault_delegator, restake_vault_assets,
};

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
const EARMARKED: &[u8] = b"vt/e/";

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
    /// LRT shares the operator posted as a first-loss bond (held by the vault), burned first
    /// when this delegator's stake loses value.
    #[serde(with = "dec")]
    pub bond: U256,
    /// Part of the bond the operator asked to withdraw; still at risk until `unlockAt`.
    #[serde(with = "dec")]
    pub bond_unlocking: U256,
    /// Block from which the unlocking part may be withdrawn.
    pub unlock_at: u32,
    /// Per asset, the units (delegated + queued) this delegator held after the vault's last
    /// look: a shortfall since then is a loss (slashing) that the bond covers first.
    #[serde(with = "restake_primitives::decimal::u256_vec")]
    pub tracked: Vec<U256>,
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

/// Whether an asset is native ETH (beacon-chain ETH shares through the node delegators' pods).
pub fn is_native(token: &Address) -> bool {
    *token == BEACON_CHAIN_ETH_STRATEGY
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
    /// Tokens paid (set at finalization); for native ETH, the core withdrawal's payout as of
    /// finalization (slashing until the core delay ends can still lower it).
    #[serde(with = "dec")]
    pub payout: U256,
    /// Native ETH only: the core withdrawal queued for this request, paid from the pod to the
    /// owner by `claimRedeem`.
    pub core_withdrawal: Option<B256>,
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

    /// The request a core withdrawal of a node delegator was queued for (native exits).
    fn earmarked_for(&self, root: &B256) -> Result<Option<u64>, StateError>
    where
        Self: Sized,
    {
        self.get(&key(EARMARKED, &[root.as_slice()]))
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

//! Protocol parameters and governance roles, fixed at genesis.
//!
//! Delays are counted in blocks. The defaults are EigenLayer's mainnet values; a devnet passes
//! small ones so a whole withdrawal cycle fits in a minute.

use crate::state::{StateError, StateRead, StateWrite};
use alloy_primitives::{Address, U256};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Protocol delays and limits.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Params {
    /// `D`: queued withdrawals are slashable in `[start, start + D]` and completable after.
    pub min_withdrawal_delay_blocks: u32,
    /// Deallocations take effect `DEALLOCATION_DELAY + 1` blocks after they are queued; the
    /// slashable window after deregistration is as long.
    pub deallocation_delay: u32,
    /// Changes of an operator's allocation delay take effect this many blocks (+1) later.
    pub allocation_configuration_delay: u32,
    /// Changes of an operator set's slasher take effect this many blocks (+1) later.
    pub slasher_configuration_delay: u32,
    /// Beacon proofs for timestamps up to this one use the Deneb state layout (tree height 5),
    /// later ones Pectra's (height 6). Zero refuses every beacon proof.
    pub pectra_fork_timestamp: u64,
    /// Blocks per rewards epoch; each epoch's rewards are distributed at the next epoch's first
    /// block. Zero turns distribution off.
    pub rewards_epoch_blocks: u32,
    /// Longest rewards submission, in epochs.
    pub max_rewards_duration_epochs: u32,
    /// How far ahead a rewards submission may start, in epochs.
    pub max_rewards_future_epochs: u32,
    /// Operator commission when none is set, in basis points.
    pub default_operator_split_bips: u16,
    /// Epochs before a changed commission applies.
    pub split_activation_delay_epochs: u32,
    /// Least time between a block and its parent, in milliseconds: every delay counted in blocks
    /// is at least `blocks × minBlockIntervalMs` of time (see `block::rules`).
    pub min_block_interval_ms: u64,
    /// How far ahead of a verifier's clock a proposed block may be, in milliseconds.
    pub max_block_drift_ms: u64,
    /// Most transactions in one block.
    pub max_block_transactions: u32,
    /// Most bytes in one block's canonical encoding (at most 3 MiB: a block must fit in one
    /// consensus sync response).
    pub max_block_bytes: u32,
    /// Blocks per transaction-quota window (see `quota`; at least 1 when the quota is on).
    pub quota_window_blocks: u32,
    /// Weight (token base units normalised to 18 decimals, or deposit shares) that buys one
    /// quota unit per window. Zero turns the quota off: every account has `maxQuotaUnits`.
    #[serde(with = "restake_primitives::decimal::u256")]
    pub quota_unit_weight: U256,
    /// Most quota units any account may use per window.
    pub max_quota_units: u64,
    /// Blocks between the block that queues a validator-set change and the height it takes
    /// effect (at least 2; see `validators`).
    pub validator_set_delay: u32,
}

impl Default for Params {
    fn default() -> Self {
        Self::mainnet()
    }
}

impl Params {
    /// EigenLayer's mainnet values (spec §14.1).
    pub const fn mainnet() -> Self {
        Self {
            min_withdrawal_delay_blocks: 100_800,
            deallocation_delay: 100_800,
            allocation_configuration_delay: 126_000,
            slasher_configuration_delay: 126_000,
            pectra_fork_timestamp: MAINNET_PECTRA_TIMESTAMP,
            // A day of 12-second blocks; EigenLayer's limits of 6 months and 30 days ahead.
            rewards_epoch_blocks: 7_200,
            max_rewards_duration_epochs: 182,
            max_rewards_future_epochs: 30,
            default_operator_split_bips: 1_000,
            split_activation_delay_epochs: 7,
            // The delays above assume Ethereum's 12-second slots; so does the time they bound.
            min_block_interval_ms: 12_000,
            max_block_drift_ms: 30_000,
            max_block_transactions: 10_000,
            max_block_bytes: 2 * 1024 * 1024,
            // An hour of blocks; 0.01 of a token (or share) per transaction an hour, at most
            // 3,600 an hour (one a second).
            quota_window_blocks: 300,
            quota_unit_weight: U256::from_limbs([10_000_000_000_000_000, 0, 0, 0]),
            max_quota_units: 3_600,
            // An hour of 12-second blocks: time for every validator to see a change coming.
            validator_set_delay: 300,
        }
    }

    /// Small delays for a local devnet (with one-second blocks a withdrawal cycle takes ~10 s).
    pub const fn devnet() -> Self {
        Self {
            min_withdrawal_delay_blocks: 10,
            deallocation_delay: 10,
            allocation_configuration_delay: 15,
            slasher_configuration_delay: 15,
            pectra_fork_timestamp: MAINNET_PECTRA_TIMESTAMP,
            rewards_epoch_blocks: 10,
            max_rewards_duration_epochs: 1_000,
            max_rewards_future_epochs: 100,
            default_operator_split_bips: 1_000,
            split_activation_delay_epochs: 2,
            // As fast as `restake dev --block-time-ms` allows.
            min_block_interval_ms: 10,
            max_block_drift_ms: 30_000,
            max_block_transactions: 10_000,
            max_block_bytes: 2 * 1024 * 1024,
            // Ten blocks; 0.0001 of a token per transaction per window, at most 100,000: a
            // development account's tokens cover any load test, a fresh key has nothing.
            quota_window_blocks: 10,
            quota_unit_weight: U256::from_limbs([100_000_000_000_000, 0, 0, 0]),
            max_quota_units: 100_000,
            validator_set_delay: 5,
        }
    }

    /// These parameters with the transaction quota off (every account may use
    /// `max_quota_units` per window).
    pub const fn without_quota(self) -> Self {
        Self {
            quota_unit_weight: U256::ZERO,
            ..self
        }
    }
}

/// Ethereum mainnet's Pectra activation (epoch 364032, 2025-05-07 10:05:11 UTC).
pub const MAINNET_PECTRA_TIMESTAMP: u64 = 1_746_612_311;

/// Who may administer the protocol.
#[derive(
    Debug, Clone, PartialEq, Eq, Default, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct Roles {
    /// Governance: registers tokens, appoints the strategy whitelister.
    pub owner: Address,
    /// Creates pools and manages the deposit allow-list (EigenLayer's StrategyFactory role).
    pub strategy_whitelister: Address,
    /// Accounts that may pause.
    pub pausers: Vec<Address>,
    /// The one account that may unpause and change pool TVL limits.
    pub unpauser: Address,
}

const PARAMS: &[u8] = b"cfg/params";
const ROLES: &[u8] = b"cfg/roles";

/// Typed reads of the configuration.
pub trait ConfigRead: StateRead {
    /// The protocol parameters (mainnet defaults before genesis writes them).
    fn params(&self) -> Result<Params, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(PARAMS)?.unwrap_or_default())
    }

    /// The governance roles.
    fn roles(&self) -> Result<Roles, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(ROLES)?.unwrap_or_default())
    }
}
impl<T: StateRead + ?Sized> ConfigRead for T {}

/// Typed writes of the configuration.
pub trait ConfigWrite: StateWrite {
    /// Stores the parameters.
    fn set_params(&mut self, p: &Params)
    where
        Self: Sized,
    {
        self.put(PARAMS.to_vec(), p);
    }

    /// Stores the roles.
    fn set_roles(&mut self, r: &Roles)
    where
        Self: Sized,
    {
        self.put(ROLES.to_vec(), r);
    }
}
impl<T: StateWrite + ?Sized> ConfigWrite for T {}

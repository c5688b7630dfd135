//! The slasher manager (the design article's SlasherManager; EigenLayer's `AllocationManager`,
//! spec §6): AVSs, operator sets, registration, allocations of magnitude, and slashing.
//!
//! Magnitudes are fractions of an operator's delegated stake in a strategy: `maxMagnitude`
//! starts at `WAD` (100%) and only slashing lowers it. An operator allocates *unique* magnitude to
//! operator sets (`encumbered <= max`), so the same stake is never promised twice. Allocations
//! take effect after the operator's allocation delay; deallocations of slashable magnitude only
//! after `DEALLOCATION_DELAY + 1` blocks, in a FIFO queue. Pending changes are applied lazily, on
//! read, when their effect block has come.
//!
//! Slashing lowers the operator's `maxMagnitude` and its operator shares; stakers' records are
//! never touched (their withdrawable shares scale with `maxMagnitude`), so the cost does not
//! depend on how many stakers delegate to the operator.
//!
//! Registration policy replaces EigenLayer's registrar callback: each set is `open`, `allowlist`
//! (the AVS maintains the list) or `approval` (the AVS signs an EIP-712 approval).

use crate::config::ConfigRead;
use crate::delegation::{self, DelegationRead};
use crate::eip712;
use crate::error::Error;
use crate::event::Event;
use crate::exec::Exec;
use crate::pause::{self, PauseTarget};
use crate::permissions::{self, PermissionsRead};
use crate::pool::PoolRead;
use crate::state::{StateError, StateRead, StateWrite, decode, key};
use alloy_primitives::{Address, B256, Bytes, U256};
use borsh::{BorshDeserialize, BorshSerialize};
use restake_primitives::math::{self, div_wad, mul_wad, mul_wad_up};
use restake_primitives::{
    BEACON_CHAIN_ETH_STRATEGY, DEFAULT_BURN_ADDRESS, OperatorSet, Snapshots, WAD,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, VecDeque};
use thiserror::Error;

/// `WAD` as a magnitude.
pub const WAD_U64: u64 = 1_000_000_000_000_000_000;

/// Pause bit: modifying allocations.
pub const PAUSED_MODIFY_ALLOCATIONS: u8 = 0;
/// Pause bit: slashing.
pub const PAUSED_OPERATOR_SLASHING: u8 = 1;
/// Pause bit: registering for and deregistering from operator sets.
pub const PAUSED_OPERATOR_SET_REGISTRATION_AND_DEREGISTRATION: u8 = 2;

/// Allocation-manager failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AllocationError {
    /// The AVS has not published metadata yet (`updateAvsMetadataUri` first).
    #[error("{0} has not registered as an AVS (updateAvsMetadataUri)")]
    NonexistentAvsMetadata(Address),
    /// No such operator set, or (on creation) it exists already.
    #[error("operator set {0} is invalid here")]
    InvalidOperatorSet(OperatorSet),
    /// The strategy is in the set already.
    #[error("strategy {0} is already in the operator set")]
    StrategyAlreadyInOperatorSet(Address),
    /// The strategy is not in the set.
    #[error("strategy {0} is not in the operator set")]
    StrategyNotInOperatorSet(Address),
    /// Redistributing sets cannot hold native ETH.
    #[error("strategy {0} cannot be used here")]
    InvalidStrategy(Address),
    /// An address that must not be zero is.
    #[error("address must not be zero")]
    InputAddressZero,
    /// The burn address cannot receive redistributed funds.
    #[error("the burn address cannot be a redistribution recipient")]
    InvalidRedistributionRecipient,
    /// Arrays that must match in length do not.
    #[error("input arrays have different lengths")]
    InputArrayLengthMismatch,
    /// A strategy appears twice.
    #[error("strategy {0} appears twice")]
    DuplicateStrategy(Address),
    /// The account is not a registered operator.
    #[error("{0} is not a registered operator")]
    InvalidOperator(Address),
    /// The operator is registered for the set, or still slashable by it after leaving.
    #[error("operator is already a member of {0} (or still in its slashable window)")]
    AlreadyMemberOfSet(OperatorSet),
    /// The operator is not registered for the set.
    #[error("operator is not a member of {0}")]
    NotMemberOfSet(OperatorSet),
    /// The caller may act neither for the operator nor for the AVS.
    #[error("{0} may not perform this action")]
    InvalidCaller(Address),
    /// The operator has never set an allocation delay.
    #[error("operator {0} has no allocation delay")]
    UninitializedAllocationDelay(Address),
    /// A change is already pending for this allocation.
    #[error("a modification is already pending for strategy {0}")]
    ModificationAlreadyPending(Address),
    /// The new magnitude equals the current one.
    #[error("new magnitude equals the current one for strategy {0}")]
    SameMagnitude(Address),
    /// Not enough unallocated magnitude.
    #[error(
        "insufficient magnitude in strategy {strategy}: encumbered would be {encumbered}, max is {max}"
    )]
    InsufficientMagnitude {
        /// Strategy.
        strategy: Address,
        /// Encumbered after the change.
        encumbered: u64,
        /// Max magnitude.
        max: u64,
    },
    /// The operator cannot be slashed by the set.
    #[error("operator {operator} is not slashable by {set}")]
    OperatorNotSlashable {
        /// Operator.
        operator: Address,
        /// Set.
        set: OperatorSet,
    },
    /// Strategies must be listed in strictly ascending address order.
    #[error("strategies must be in strictly ascending order")]
    StrategiesMustBeInAscendingOrder,
    /// `wadsToSlash` entries must be in `(0, 1e18]`.
    #[error("wad to slash {0} is not in (0, 1e18]")]
    InvalidWadToSlash(U256),
    /// The operator is not on the set's allow-list.
    #[error("operator {operator} is not on the allow-list of {set}")]
    NotAllowlisted {
        /// Operator.
        operator: Address,
        /// Set.
        set: OperatorSet,
    },
    /// The set requires the AVS's signed approval.
    #[error("registration for {0} requires the AVS's signed approval")]
    ApprovalRequired(OperatorSet),
    /// The approval is not signed by the AVS (or one it appointed).
    #[error("approval signature is not from the AVS or an appointee")]
    InvalidApproval,
    /// The approval has expired.
    #[error("approval expired at {expiry}, block time is {now}")]
    ApprovalExpired {
        /// Expiry.
        expiry: u64,
        /// Block time.
        now: u64,
    },
    /// The approval salt was used before.
    #[error("approval salt {0} was already spent")]
    SaltSpent(B256),
    /// Magnitudes are at most `1e18`.
    #[error("magnitude {0} exceeds 1e18")]
    MagnitudeExceedsWad(u64),
}

/// How operators may join a set.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum RegistrationPolicy {
    /// Any registered operator.
    #[default]
    Open,
    /// Operators the AVS put on the set's allow-list.
    Allowlist,
    /// Operators holding an EIP-712 approval signed by the AVS.
    Approval,
}

/// The slasher of a set, with a delayed change.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct SlasherParams {
    /// Current slasher.
    pub slasher: Address,
    /// Proposed slasher (zero if none).
    pub pending_slasher: Address,
    /// Block from which the proposed slasher is in charge.
    pub effect_block: u32,
}

impl SlasherParams {
    /// The slasher in charge at `block`.
    pub fn at(&self, block: u32) -> Address {
        if !self.pending_slasher.is_zero() && block >= self.effect_block {
            self.pending_slasher
        } else {
            self.slasher
        }
    }
}

/// An operator set's configuration.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorSetInfo {
    /// Strategies whose stake the set can slash.
    pub strategies: Vec<Address>,
    /// Where slashed funds go; `None` burns them. Immutable.
    pub redistribution_recipient: Option<Address>,
    /// Who may join.
    pub registration_policy: RegistrationPolicy,
    /// Who may slash.
    pub slasher: SlasherParams,
    /// Slashes so far (the last slash id).
    pub slash_count: u64,
    /// Equivocation rule: the WAD slashed on proof of a double attestation. Immutable once set.
    #[serde(with = "restake_primitives::decimal::opt_u256")]
    pub equivocation_wad_to_slash: Option<U256>,
    /// Registered operators.
    pub member_count: u64,
}

/// An operator's membership of a set.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationStatus {
    /// Registered now.
    pub registered: bool,
    /// After deregistration: still slashable through this block.
    pub slashable_until: u32,
}

/// An operator's allocation delay and its pending change.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct AllocationDelayInfo {
    /// Delay in force.
    pub delay: u32,
    /// Whether a delay was ever set.
    pub is_set: bool,
    /// Delay taking effect at `effect_block`.
    pub pending_delay: u32,
    /// Block from which `pending_delay` applies (0: none).
    pub effect_block: u32,
}

impl AllocationDelayInfo {
    /// `(is_set, delay)` in force at `block`.
    pub fn at(&self, block: u32) -> (bool, u32) {
        if self.effect_block != 0 && block >= self.effect_block {
            (true, self.pending_delay)
        } else {
            (self.is_set, self.delay)
        }
    }
}

/// Magnitude allocated by an operator to a set in a strategy.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct Allocation {
    /// Magnitude in force (slashable while the operator is slashable by the set).
    pub current_magnitude: u64,
    /// Change waiting for `effect_block`.
    pub pending_diff: i128,
    /// Block at which the pending change applies (0: none).
    pub effect_block: u32,
}

/// An operator's magnitudes in one strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StrategyInfo {
    /// Max magnitude (100% of the operator's delegated stake).
    pub max_magnitude: u64,
    /// Allocated or pending-allocation magnitude.
    pub encumbered_magnitude: u64,
}

/// One element of `createOperatorSets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateSetParams {
    /// New set id.
    pub operator_set_id: u32,
    /// Strategies the set slashes.
    pub strategies: Vec<Address>,
    /// Immutable recipient of slashed funds; `null` burns them.
    #[serde(default)]
    pub redistribution_recipient: Option<Address>,
    /// Slasher; defaults to the AVS.
    #[serde(default)]
    pub slasher: Option<Address>,
    /// Who may join; defaults to `open`.
    #[serde(default)]
    pub registration_policy: RegistrationPolicy,
    /// Enables slashing on proof of equivocation with this WAD (decimal string).
    #[serde(default, with = "restake_primitives::decimal::opt_u256")]
    pub equivocation_wad_to_slash: Option<U256>,
}

/// One element of `modifyAllocations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AllocateParams {
    /// The set's AVS.
    pub avs: Address,
    /// The set's id.
    pub operator_set_id: u32,
    /// Strategies.
    pub strategies: Vec<Address>,
    /// New magnitude per strategy (decimal strings, at most `1e18`).
    #[serde(with = "restake_primitives::decimal::u64_vec")]
    pub new_magnitudes: Vec<u64>,
}

/// An AVS's signed consent to a registration under the `approval` policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegistrationApproval {
    /// Signature over EIP-712 `OperatorSetRegistration`.
    #[borsh(
        serialize_with = "borsh_bytes::ser",
        deserialize_with = "borsh_bytes::de"
    )]
    pub signature: Bytes,
    /// Single-use salt.
    pub salt: B256,
    /// Expiry (block timestamp).
    pub expiry: u64,
}

pub(crate) mod borsh_bytes {
    use alloy_primitives::Bytes;
    use borsh::{BorshDeserialize, BorshSerialize};

    pub fn ser<W: std::io::Write>(v: &Bytes, w: &mut W) -> std::io::Result<()> {
        v.to_vec().serialize(w)
    }

    pub fn de<R: std::io::Read>(r: &mut R) -> std::io::Result<Bytes> {
        Ok(Bytes::from(Vec::<u8>::deserialize_reader(r)?))
    }
}

const AVS: &[u8] = b"am/avs/";
const SET: &[u8] = b"am/set/";
const MEMBER: &[u8] = b"am/member/";
const ALLOWLIST: &[u8] = b"am/allow/";
const REGISTRATION: &[u8] = b"am/reg/";
const DELAY: &[u8] = b"am/delay/";
const ALLOCATION: &[u8] = b"am/alloc/";
const MAX_MAGNITUDE: &[u8] = b"am/maxmag/";
const ENCUMBERED: &[u8] = b"am/enc/";
const DEALLOC_QUEUE: &[u8] = b"am/dq/";
const SALT: &[u8] = b"am/salt/";

fn set_key(set: &OperatorSet) -> Vec<u8> {
    key(SET, &[set.key().as_slice()])
}

fn reg_key(op: &Address, set: &OperatorSet) -> Vec<u8> {
    key(REGISTRATION, &[op.as_slice(), set.key().as_slice()])
}

fn alloc_key(op: &Address, set: &OperatorSet, strategy: &Address) -> Vec<u8> {
    key(
        ALLOCATION,
        &[op.as_slice(), set.key().as_slice(), strategy.as_slice()],
    )
}

fn op_strategy_key(prefix: &[u8], op: &Address, strategy: &Address) -> Vec<u8> {
    key(prefix, &[op.as_slice(), strategy.as_slice()])
}

fn set_from_key(k: &[u8]) -> OperatorSet {
    let avs = crate::state::address_at(k, 0);
    let id = k
        .get(28..32)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_be_bytes);
    OperatorSet::new(avs, id)
}

fn to_u64(v: U256) -> Result<u64, StateError> {
    u64::try_from(v).map_err(|_| StateError::Corrupt {
        key: "magnitude".into(),
    })
}

/// Typed reads of the allocation manager.
pub trait AllocationRead: StateRead {
    /// The AVS's metadata URI, if it registered.
    fn avs_metadata(&self, avs: &Address) -> Result<Option<String>, StateError>
    where
        Self: Sized,
    {
        self.get(&key(AVS, &[avs.as_slice()]))
    }

    /// The set's configuration.
    fn operator_set(&self, set: &OperatorSet) -> Result<Option<OperatorSetInfo>, StateError>
    where
        Self: Sized,
    {
        self.get(&set_key(set))
    }

    /// The sets of an AVS.
    fn operator_sets_of(
        &self,
        avs: &Address,
    ) -> Result<Vec<(OperatorSet, OperatorSetInfo)>, StateError>
    where
        Self: Sized,
    {
        self.scan_prefix(&key(SET, &[avs.as_slice()]))?
            .into_iter()
            .map(|(k, v)| {
                Ok((
                    set_from_key(k.get(SET.len()..).unwrap_or_default()),
                    decode(&k, &v)?,
                ))
            })
            .collect()
    }

    /// Registered members of a set.
    fn members(&self, set: &OperatorSet) -> Result<Vec<Address>, StateError>
    where
        Self: Sized,
    {
        let prefix = key(MEMBER, &[set.key().as_slice()]);
        Ok(self
            .scan_prefix(&prefix)?
            .into_iter()
            .map(|(k, _)| crate::state::address_at(&k, prefix.len()))
            .collect())
    }

    /// True when the operator is on the set's allow-list.
    fn is_allowlisted(&self, set: &OperatorSet, op: &Address) -> Result<bool, StateError>
    where
        Self: Sized,
    {
        self.contains(&key(ALLOWLIST, &[set.key().as_slice(), op.as_slice()]))
    }

    /// Where the set's slashed funds go (`None`: burned).
    fn redistribution_recipient(&self, set: &OperatorSet) -> Result<Option<Address>, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .operator_set(set)?
            .and_then(|i| i.redistribution_recipient))
    }

    /// The operator's membership record for the set.
    fn registration(
        &self,
        op: &Address,
        set: &OperatorSet,
    ) -> Result<RegistrationStatus, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(&reg_key(op, set))?.unwrap_or_default())
    }

    /// Registered, or deregistered but still inside the slashable window, at `block`.
    fn is_operator_slashable(
        &self,
        op: &Address,
        set: &OperatorSet,
        block: u32,
    ) -> Result<bool, StateError>
    where
        Self: Sized,
    {
        let r = self.registration(op, set)?;
        Ok(r.registered || block <= r.slashable_until)
    }

    /// The operator's allocation delay record.
    fn allocation_delay_info(&self, op: &Address) -> Result<AllocationDelayInfo, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(&key(DELAY, &[op.as_slice()]))?.unwrap_or_default())
    }

    /// The operator's current max magnitude in a strategy (`WAD` when never slashed).
    fn max_magnitude(&self, op: &Address, strategy: &Address) -> Result<u64, StateError>
    where
        Self: Sized,
    {
        let h: Snapshots = self
            .get(&op_strategy_key(MAX_MAGNITUDE, op, strategy))?
            .unwrap_or_default();
        to_u64(h.latest(WAD))
    }

    /// The operator's max magnitude in force at `block`.
    fn max_magnitude_at(
        &self,
        op: &Address,
        strategy: &Address,
        block: u32,
    ) -> Result<u64, StateError>
    where
        Self: Sized,
    {
        let h: Snapshots = self
            .get(&op_strategy_key(MAX_MAGNITUDE, op, strategy))?
            .unwrap_or_default();
        to_u64(h.upper_lookup(block, WAD))
    }

    /// The max-magnitude history.
    fn max_magnitude_history(
        &self,
        op: &Address,
        strategy: &Address,
    ) -> Result<Snapshots, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&op_strategy_key(MAX_MAGNITUDE, op, strategy))?
            .unwrap_or_default())
    }

    /// Stored encumbered magnitude (pending deallocations not yet applied).
    fn stored_encumbered(&self, op: &Address, strategy: &Address) -> Result<u64, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&op_strategy_key(ENCUMBERED, op, strategy))?
            .unwrap_or(0))
    }

    /// The allocation as stored (pending change not applied).
    fn stored_allocation(
        &self,
        op: &Address,
        set: &OperatorSet,
        strategy: &Address,
    ) -> Result<Allocation, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(&alloc_key(op, set, strategy))?.unwrap_or_default())
    }

    /// The allocation at `block`, with a matured pending change applied, and the strategy's
    /// magnitudes as they would be after applying it (spec §6.2).
    fn updated_allocation(
        &self,
        op: &Address,
        set: &OperatorSet,
        strategy: &Address,
        block: u32,
    ) -> Result<(StrategyInfo, Allocation), Error>
    where
        Self: Sized,
    {
        let mut info = StrategyInfo {
            max_magnitude: self.max_magnitude(op, strategy)?,
            encumbered_magnitude: self.stored_encumbered(op, strategy)?,
        };
        let mut a = self.stored_allocation(op, set, strategy)?;
        if block < a.effect_block {
            return Ok((info, a));
        }
        a.current_magnitude = add_i128(a.current_magnitude, a.pending_diff)?;
        if a.pending_diff < 0 {
            info.encumbered_magnitude = add_i128(info.encumbered_magnitude, a.pending_diff)?;
        }
        a.pending_diff = 0;
        a.effect_block = 0;
        Ok((info, a))
    }

    /// The deallocation queue of (operator, strategy), oldest first.
    fn deallocation_queue(
        &self,
        op: &Address,
        strategy: &Address,
    ) -> Result<VecDeque<OperatorSet>, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&op_strategy_key(DEALLOC_QUEUE, op, strategy))?
            .unwrap_or_default())
    }

    /// Every stored allocation of the operator: `(set, strategy, allocation)`.
    fn allocations_of(
        &self,
        op: &Address,
    ) -> Result<Vec<(OperatorSet, Address, Allocation)>, StateError>
    where
        Self: Sized,
    {
        let prefix = key(ALLOCATION, &[op.as_slice()]);
        self.scan_prefix(&prefix)?
            .into_iter()
            .map(|(k, v)| {
                let rest = k.get(prefix.len()..).unwrap_or_default();
                let set = set_from_key(rest.get(..32).unwrap_or_default());
                let strategy = crate::state::address_at(rest, 32);
                Ok((set, strategy, decode(&k, &v)?))
            })
            .collect()
    }

    /// The slasher of the set at `block`.
    fn slasher_at(&self, set: &OperatorSet, block: u32) -> Result<Option<Address>, StateError>
    where
        Self: Sized,
    {
        Ok(self.operator_set(set)?.map(|i| i.slasher.at(block)))
    }
}
impl<T: StateRead + ?Sized> AllocationRead for T {}

fn add_i128(x: u64, d: i128) -> Result<u64, Error> {
    let r = i128::from(x)
        .checked_add(d)
        .ok_or(math::MathError::Overflow)?;
    u64::try_from(r).map_err(|_| math::MathError::Underflow.into())
}

fn require_set(ex: &Exec<'_>, set: &OperatorSet) -> Result<OperatorSetInfo, Error> {
    ex.state
        .operator_set(set)?
        .ok_or_else(|| AllocationError::InvalidOperatorSet(*set).into())
}

fn require_known_strategy(ex: &Exec<'_>, strategy: &Address) -> Result<(), Error> {
    // A token pool, or beacon-chain ETH (native restaking).
    if *strategy != BEACON_CHAIN_ETH_STRATEGY && ex.state.pool(strategy)?.is_none() {
        return Err(crate::pool::PoolError::UnknownStrategy(*strategy).into());
    }
    Ok(())
}

/// `updateAvsMetadataUri` action: makes an account an AVS.
///
/// Rules:
/// 1. The sender may act for `avs` (itself, an admin, or an appointee).
/// 2. The metadata URI is stored; from now on the account may create operator sets.
pub fn update_avs_metadata_uri(
    ex: &mut Exec<'_>,
    sender: Address,
    avs: Address,
    metadata_uri: String,
) -> Result<(), Error> {
    permissions::check_can_call(&ex.state, &avs, &sender, "updateAvsMetadataUri")?;
    ex.state.put(key(AVS, &[avs.as_slice()]), &metadata_uri);
    ex.emit(Event::AvsMetadataUriUpdated { avs, metadata_uri });
    Ok(())
}

/// `createOperatorSets` action.
///
/// Rules (spec §6.3):
/// 1. The sender may act for `avs`; the AVS has registered metadata.
/// 2. Each id is new; each strategy is a known pool, listed once.
/// 3. A redistribution recipient is not the burn address, and such a set holds no native ETH;
///    the recipient can never change. Omitted or zero: slashed funds are burned.
/// 4. The slasher (omitted or zero: the AVS) is in charge at once; an equivocation WAD, when
///    given and non-zero, is in `(0, 1e18]`. (Zero and omitted mean the same, so a signed
///    transaction cannot be altered into a different one by spelling a default differently.)
pub fn create_operator_sets(
    ex: &mut Exec<'_>,
    sender: Address,
    avs: Address,
    params: &[CreateSetParams],
) -> Result<(), Error> {
    permissions::check_can_call(&ex.state, &avs, &sender, "createOperatorSets")?;
    if ex.state.avs_metadata(&avs)?.is_none() {
        return Err(AllocationError::NonexistentAvsMetadata(avs).into());
    }
    for p in params {
        let set = OperatorSet::new(avs, p.operator_set_id);
        if ex.state.operator_set(&set)?.is_some() {
            return Err(AllocationError::InvalidOperatorSet(set).into());
        }
        let recipient = p.redistribution_recipient.filter(|r| !r.is_zero());
        if recipient == Some(DEFAULT_BURN_ADDRESS) {
            return Err(AllocationError::InvalidRedistributionRecipient.into());
        }
        let equivocation = p.equivocation_wad_to_slash.filter(|w| !w.is_zero());
        if let Some(w) = equivocation {
            check_wad(w)?;
        }
        let slasher = p.slasher.filter(|a| !a.is_zero()).unwrap_or(avs);
        ex.emit(Event::OperatorSetCreated { operator_set: set });
        if let Some(r) = recipient {
            ex.emit(Event::RedistributionAddressSet {
                operator_set: set,
                redistribution_recipient: r,
            });
        }
        let mut info = OperatorSetInfo {
            strategies: Vec::with_capacity(p.strategies.len()),
            redistribution_recipient: recipient,
            registration_policy: p.registration_policy,
            slasher: SlasherParams {
                slasher,
                pending_slasher: Address::ZERO,
                effect_block: 0,
            },
            slash_count: 0,
            equivocation_wad_to_slash: equivocation,
            member_count: 0,
        };
        add_strategies(ex, set, &mut info, &p.strategies)?;
        ex.state.put(set_key(&set), &info);
        ex.emit(Event::SlasherUpdated {
            operator_set: set,
            slasher,
            effect_block: ex.block.number,
        });
        ex.emit(Event::RegistrationPolicySet {
            operator_set: set,
            policy: p.registration_policy,
        });
    }
    Ok(())
}

fn add_strategies(
    ex: &mut Exec<'_>,
    set: OperatorSet,
    info: &mut OperatorSetInfo,
    strategies: &[Address],
) -> Result<(), Error> {
    for s in strategies {
        require_known_strategy(ex, s)?;
        if info.redistribution_recipient.is_some() && *s == BEACON_CHAIN_ETH_STRATEGY {
            return Err(AllocationError::InvalidStrategy(*s).into());
        }
        if info.strategies.contains(s) {
            return Err(AllocationError::StrategyAlreadyInOperatorSet(*s).into());
        }
        info.strategies.push(*s);
        ex.emit(Event::StrategyAddedToOperatorSet {
            operator_set: set,
            strategy: *s,
        });
    }
    Ok(())
}

/// `addStrategiesToOperatorSet` action.
///
/// Rules:
/// 1. The sender may act for `avs`; the set exists.
/// 2. Each strategy is a known pool not yet in the set (redistributing sets take no native ETH).
///    Existing allocations to it become slashable at once.
pub fn add_strategies_to_operator_set(
    ex: &mut Exec<'_>,
    sender: Address,
    avs: Address,
    operator_set_id: u32,
    strategies: &[Address],
) -> Result<(), Error> {
    permissions::check_can_call(&ex.state, &avs, &sender, "addStrategiesToOperatorSet")?;
    let set = OperatorSet::new(avs, operator_set_id);
    let mut info = require_set(ex, &set)?;
    add_strategies(ex, set, &mut info, strategies)?;
    ex.state.put(set_key(&set), &info);
    Ok(())
}

/// `removeStrategiesFromOperatorSet` action.
///
/// Rules:
/// 1. The sender may act for `avs`; the set exists.
/// 2. Each strategy is in the set; it is removed (allocations to it stop being slashable).
pub fn remove_strategies_from_operator_set(
    ex: &mut Exec<'_>,
    sender: Address,
    avs: Address,
    operator_set_id: u32,
    strategies: &[Address],
) -> Result<(), Error> {
    permissions::check_can_call(&ex.state, &avs, &sender, "removeStrategiesFromOperatorSet")?;
    let set = OperatorSet::new(avs, operator_set_id);
    let mut info = require_set(ex, &set)?;
    for s in strategies {
        let i = info
            .strategies
            .iter()
            .position(|x| x == s)
            .ok_or(AllocationError::StrategyNotInOperatorSet(*s))?;
        info.strategies.remove(i);
        ex.emit(Event::StrategyRemovedFromOperatorSet {
            operator_set: set,
            strategy: *s,
        });
    }
    ex.state.put(set_key(&set), &info);
    Ok(())
}

/// `updateSlasher` action.
///
/// Rules (spec §6.3):
/// 1. The sender may act for `avs`; the set exists; `slasher` is not zero.
/// 2. A matured pending change is applied first; proposing the pending slasher again changes nothing.
/// 3. The new slasher takes over at `block + SLASHER_CONFIGURATION_DELAY + 1`.
pub fn update_slasher(
    ex: &mut Exec<'_>,
    sender: Address,
    avs: Address,
    operator_set_id: u32,
    slasher: Address,
) -> Result<(), Error> {
    permissions::check_can_call(&ex.state, &avs, &sender, "updateSlasher")?;
    let set = OperatorSet::new(avs, operator_set_id);
    let mut info = require_set(ex, &set)?;
    if slasher.is_zero() {
        return Err(AllocationError::InputAddressZero.into());
    }
    let b = ex.block.number;
    if !info.slasher.pending_slasher.is_zero() && b >= info.slasher.effect_block {
        info.slasher = SlasherParams {
            slasher: info.slasher.pending_slasher,
            pending_slasher: Address::ZERO,
            effect_block: 0,
        };
    }
    if info.slasher.pending_slasher == slasher {
        return Ok(());
    }
    let delay = ex.state.params()?.slasher_configuration_delay;
    let effect_block = math::add_block(math::add_block(b, delay)?, 1)?;
    info.slasher.pending_slasher = slasher;
    info.slasher.effect_block = effect_block;
    ex.state.put(set_key(&set), &info);
    ex.emit(Event::SlasherUpdated {
        operator_set: set,
        slasher,
        effect_block,
    });
    Ok(())
}

/// `setRegistrationPolicy` action.
///
/// Rules:
/// 1. The sender may act for `avs`; the set exists.
/// 2. The policy applies to registrations from now on; members stay members.
pub fn set_registration_policy(
    ex: &mut Exec<'_>,
    sender: Address,
    avs: Address,
    operator_set_id: u32,
    policy: RegistrationPolicy,
) -> Result<(), Error> {
    permissions::check_can_call(&ex.state, &avs, &sender, "setRegistrationPolicy")?;
    let set = OperatorSet::new(avs, operator_set_id);
    let mut info = require_set(ex, &set)?;
    info.registration_policy = policy;
    ex.state.put(set_key(&set), &info);
    ex.emit(Event::RegistrationPolicySet {
        operator_set: set,
        policy,
    });
    Ok(())
}

/// `updateAllowlist` action.
///
/// Rules:
/// 1. The sender may act for `avs`; the set exists; no operator is the zero address.
/// 2. Each operator is added to (`allowed: true`) or removed from the set's allow-list.
pub fn update_allowlist(
    ex: &mut Exec<'_>,
    sender: Address,
    avs: Address,
    operator_set_id: u32,
    operators: &[Address],
    allowed: bool,
) -> Result<(), Error> {
    permissions::check_can_call(&ex.state, &avs, &sender, "updateAllowlist")?;
    let set = OperatorSet::new(avs, operator_set_id);
    require_set(ex, &set)?;
    for op in operators {
        if op.is_zero() {
            return Err(AllocationError::InputAddressZero.into());
        }
        let k = key(ALLOWLIST, &[set.key().as_slice(), op.as_slice()]);
        if allowed {
            ex.state.put_flag(k)
        } else {
            ex.state.delete(&k)
        }
        ex.emit(Event::AllowlistUpdated {
            operator_set: set,
            operator: *op,
            allowed,
        });
    }
    Ok(())
}

/// `registerForOperatorSets` action.
///
/// Rules (spec §6.4):
/// 1. Registration is not paused; the sender may act for `operator`; `operator` is registered.
/// 2. Each set exists and the operator is not slashable by it (not a member, and past the
///    slashable window of an earlier deregistration).
/// 3. Policy: `allowlist` sets need the operator on their list; if any set has the `approval`
///    policy, `approval` must be the AVS's (or an appointee's) EIP-712 signature over
///    `OperatorSetRegistration(operator, avs, operatorSetIds, salt, expiry)`, unexpired, salt unused.
/// 4. The operator becomes a member of each set.
pub fn register_for_operator_sets(
    ex: &mut Exec<'_>,
    sender: Address,
    operator: Address,
    avs: Address,
    ids: &[u32],
    approval: Option<&RegistrationApproval>,
) -> Result<(), Error> {
    pause::require_not_paused(
        &ex.state,
        PauseTarget::AllocationManager,
        PAUSED_OPERATOR_SET_REGISTRATION_AND_DEREGISTRATION,
    )?;
    permissions::check_can_call(&ex.state, &operator, &sender, "registerForOperatorSets")?;
    if !ex.state.is_operator(&operator)? {
        return Err(AllocationError::InvalidOperator(operator).into());
    }
    let mut needs_approval = None;
    for id in ids {
        let set = OperatorSet::new(avs, *id);
        let mut info = require_set(ex, &set)?;
        if ex
            .state
            .is_operator_slashable(&operator, &set, ex.block.number)?
        {
            return Err(AllocationError::AlreadyMemberOfSet(set).into());
        }
        match info.registration_policy {
            RegistrationPolicy::Open => {}
            RegistrationPolicy::Allowlist => {
                if !ex.state.is_allowlisted(&set, &operator)? {
                    return Err(AllocationError::NotAllowlisted { operator, set }.into());
                }
            }
            RegistrationPolicy::Approval => needs_approval = Some(set),
        }
        ex.state.put(
            reg_key(&operator, &set),
            &RegistrationStatus {
                registered: true,
                slashable_until: 0,
            },
        );
        ex.state
            .put_flag(key(MEMBER, &[set.key().as_slice(), operator.as_slice()]));
        info.member_count = math::inc_u64(info.member_count)?;
        ex.state.put(set_key(&set), &info);
        ex.emit(Event::OperatorAddedToOperatorSet {
            operator,
            operator_set: set,
        });
    }
    if let Some(set) = needs_approval {
        let a = approval.ok_or(AllocationError::ApprovalRequired(set))?;
        check_approval(ex, operator, avs, ids, a)?;
    }
    Ok(())
}

fn check_approval(
    ex: &mut Exec<'_>,
    operator: Address,
    avs: Address,
    ids: &[u32],
    a: &RegistrationApproval,
) -> Result<(), Error> {
    if a.expiry < ex.block.timestamp {
        return Err(AllocationError::ApprovalExpired {
            expiry: a.expiry,
            now: ex.block.timestamp,
        }
        .into());
    }
    let salt_key = key(SALT, &[avs.as_slice(), a.salt.as_slice()]);
    if ex.state.contains(&salt_key)? {
        return Err(AllocationError::SaltSpent(a.salt).into());
    }
    let msg = eip712::OperatorSetRegistration {
        operator,
        avs,
        operatorSetIds: ids.to_vec(),
        salt: a.salt,
        expiry: U256::from(a.expiry),
    };
    let signer = eip712::recover(&msg, ex.block.chain_id, &a.signature)?;
    if !ex
        .state
        .can_call(&avs, &signer, "approveOperatorSetRegistration")?
    {
        return Err(AllocationError::InvalidApproval.into());
    }
    ex.state.put_flag(salt_key);
    Ok(())
}

/// `deregisterFromOperatorSets` action.
///
/// Rules (spec §6.4):
/// 1. Registration is not paused; the sender may act for the operator or for the AVS.
/// 2. Each set exists and the operator is a member.
/// 3. The operator leaves; it stays slashable through `block + DEALLOCATION_DELAY`.
pub fn deregister_from_operator_sets(
    ex: &mut Exec<'_>,
    sender: Address,
    operator: Address,
    avs: Address,
    ids: &[u32],
) -> Result<(), Error> {
    pause::require_not_paused(
        &ex.state,
        PauseTarget::AllocationManager,
        PAUSED_OPERATOR_SET_REGISTRATION_AND_DEREGISTRATION,
    )?;
    let selector = "deregisterFromOperatorSets";
    if !ex.state.can_call(&operator, &sender, selector)?
        && !ex.state.can_call(&avs, &sender, selector)?
    {
        return Err(AllocationError::InvalidCaller(sender).into());
    }
    let until = math::add_block(ex.block.number, ex.state.params()?.deallocation_delay)?;
    for id in ids {
        let set = OperatorSet::new(avs, *id);
        let mut info = require_set(ex, &set)?;
        if !ex.state.registration(&operator, &set)?.registered {
            return Err(AllocationError::NotMemberOfSet(set).into());
        }
        ex.state.put(
            reg_key(&operator, &set),
            &RegistrationStatus {
                registered: false,
                slashable_until: until,
            },
        );
        ex.state
            .delete(&key(MEMBER, &[set.key().as_slice(), operator.as_slice()]));
        info.member_count = math::sub_u64(info.member_count, 1)?;
        ex.state.put(set_key(&set), &info);
        ex.emit(Event::OperatorRemovedFromOperatorSet {
            operator,
            operator_set: set,
            slashable_until: until,
        });
    }
    Ok(())
}

/// Sets a new operator's allocation delay with immediate effect (called at registration).
pub(crate) fn set_allocation_delay_at_registration(
    ex: &mut Exec<'_>,
    op: Address,
    delay: u32,
) -> Result<(), Error> {
    write_allocation_delay(ex, op, delay, ex.block.number)
}

fn write_allocation_delay(
    ex: &mut Exec<'_>,
    op: Address,
    delay: u32,
    effect_block: u32,
) -> Result<(), Error> {
    let mut info = ex.state.allocation_delay_info(&op)?;
    if info.effect_block != 0 && ex.block.number >= info.effect_block {
        info.delay = info.pending_delay;
        info.is_set = true;
    }
    info.pending_delay = delay;
    info.effect_block = effect_block;
    ex.state.put(key(DELAY, &[op.as_slice()]), &info);
    ex.emit(Event::AllocationDelaySet {
        operator: op,
        delay,
        effect_block,
    });
    Ok(())
}

/// `setAllocationDelay` action.
///
/// Rules (spec §6.5):
/// 1. The sender may act for `operator`; `operator` is registered.
/// 2. A matured pending delay is applied first; the new delay takes effect at
///    `block + ALLOCATION_CONFIGURATION_DELAY + 1`.
pub fn set_allocation_delay(
    ex: &mut Exec<'_>,
    sender: Address,
    operator: Address,
    delay: u32,
) -> Result<(), Error> {
    permissions::check_can_call(&ex.state, &operator, &sender, "setAllocationDelay")?;
    if !ex.state.is_operator(&operator)? {
        return Err(AllocationError::InvalidOperator(operator).into());
    }
    let cfg = ex.state.params()?.allocation_configuration_delay;
    let effect = math::add_block(math::add_block(ex.block.number, cfg)?, 1)?;
    write_allocation_delay(ex, operator, delay, effect)
}

fn write_allocation(
    ex: &mut Exec<'_>,
    op: &Address,
    set: &OperatorSet,
    strategy: &Address,
    info: StrategyInfo,
    a: Allocation,
) -> Result<(), Error> {
    let enc_key = op_strategy_key(ENCUMBERED, op, strategy);
    if ex.state.stored_encumbered(op, strategy)? != info.encumbered_magnitude {
        if info.encumbered_magnitude == 0 {
            ex.state.delete(&enc_key)
        } else {
            ex.state.put(enc_key, &info.encumbered_magnitude)
        }
        ex.emit(Event::EncumberedMagnitudeUpdated {
            operator: *op,
            strategy: *strategy,
            encumbered_magnitude: info.encumbered_magnitude,
        });
    }
    let k = alloc_key(op, set, strategy);
    if a == Allocation::default() {
        ex.state.delete(&k)
    } else {
        ex.state.put(k, &a)
    }
    Ok(())
}

fn clear_queue(ex: &mut Exec<'_>, op: Address, strategy: Address, max: u16) -> Result<(), Error> {
    let mut queue = ex.state.deallocation_queue(&op, &strategy)?;
    let mut cleared = 0u16;
    let mut changed = false;
    while cleared < max {
        let Some(set) = queue.front().copied() else {
            break;
        };
        let (info, a) = ex
            .state
            .updated_allocation(&op, &set, &strategy, ex.block.number)?;
        if ex.block.number < a.effect_block {
            break;
        }
        write_allocation(ex, &op, &set, &strategy, info, a)?;
        queue.pop_front();
        cleared = cleared.saturating_add(1);
        changed = true;
    }
    if changed {
        let k = op_strategy_key(DEALLOC_QUEUE, &op, &strategy);
        if queue.is_empty() {
            ex.state.delete(&k)
        } else {
            ex.state.put(k, &queue)
        }
    }
    Ok(())
}

/// `modifyAllocations` action.
///
/// Rules (spec §6.6):
/// 1. Not paused; the sender may act for `operator`; the operator has an allocation delay.
/// 2. Per element: equal-length arrays, the set exists, strategies are known pools listed once,
///    magnitudes at most `1e18`.
/// 3. Per strategy: matured deallocations are cleared first; no change may be pending
///    (`ModificationAlreadyPending`); the new magnitude must differ from the current one.
/// 4. Deallocation of slashable magnitude (set holds the strategy, operator slashable, current
///    non-zero) is queued to take effect at `block + DEALLOCATION_DELAY + 1`; otherwise it is
///    immediate.
/// 5. Allocation encumbers the magnitude now (`encumbered <= max`, else `InsufficientMagnitude`)
///    and takes effect at `block + allocationDelay`.
pub fn modify_allocations(
    ex: &mut Exec<'_>,
    sender: Address,
    operator: Address,
    params: &[AllocateParams],
) -> Result<(), Error> {
    pause::require_not_paused(
        &ex.state,
        PauseTarget::AllocationManager,
        PAUSED_MODIFY_ALLOCATIONS,
    )?;
    permissions::check_can_call(&ex.state, &operator, &sender, "modifyAllocations")?;
    let b = ex.block.number;
    let (is_set, delay) = ex.state.allocation_delay_info(&operator)?.at(b);
    if !is_set {
        return Err(AllocationError::UninitializedAllocationDelay(operator).into());
    }
    let dealloc_delay = ex.state.params()?.deallocation_delay;
    for p in params {
        if p.strategies.len() != p.new_magnitudes.len() {
            return Err(AllocationError::InputArrayLengthMismatch.into());
        }
        let set = OperatorSet::new(p.avs, p.operator_set_id);
        let set_info = require_set(ex, &set)?;
        let op_slashable = ex.state.is_operator_slashable(&operator, &set, b)?;
        let mut seen = BTreeSet::new();
        for (strategy, new_mag) in p.strategies.iter().zip(&p.new_magnitudes) {
            if !seen.insert(*strategy) {
                return Err(AllocationError::DuplicateStrategy(*strategy).into());
            }
            require_known_strategy(ex, strategy)?;
            if *new_mag > WAD_U64 {
                return Err(AllocationError::MagnitudeExceedsWad(*new_mag).into());
            }
            clear_queue(ex, operator, *strategy, u16::MAX)?;
            let (mut info, mut a) = ex.state.updated_allocation(&operator, &set, strategy, b)?;
            if a.effect_block != 0 {
                return Err(AllocationError::ModificationAlreadyPending(*strategy).into());
            }
            let slashable =
                set_info.strategies.contains(strategy) && op_slashable && a.current_magnitude != 0;
            let diff = i128::from(*new_mag)
                .checked_sub(i128::from(a.current_magnitude))
                .ok_or(math::MathError::Underflow)?;
            if diff == 0 {
                return Err(AllocationError::SameMagnitude(*strategy).into());
            }
            a.pending_diff = diff;
            if diff < 0 {
                if slashable {
                    let k = op_strategy_key(DEALLOC_QUEUE, &operator, strategy);
                    let mut queue = ex.state.deallocation_queue(&operator, strategy)?;
                    queue.push_back(set);
                    ex.state.put(k, &queue);
                    a.effect_block = math::add_block(math::add_block(b, dealloc_delay)?, 1)?;
                } else {
                    info.encumbered_magnitude = add_i128(info.encumbered_magnitude, diff)?;
                    a.current_magnitude = *new_mag;
                    a.pending_diff = 0;
                    a.effect_block = b;
                }
            } else {
                info.encumbered_magnitude = add_i128(info.encumbered_magnitude, diff)?;
                if info.encumbered_magnitude > info.max_magnitude {
                    return Err(AllocationError::InsufficientMagnitude {
                        strategy: *strategy,
                        encumbered: info.encumbered_magnitude,
                        max: info.max_magnitude,
                    }
                    .into());
                }
                a.effect_block = math::add_block(b, delay)?;
            }
            write_allocation(ex, &operator, &set, strategy, info, a)?;
            ex.emit(Event::AllocationUpdated {
                operator,
                operator_set: set,
                strategy: *strategy,
                magnitude: add_i128(a.current_magnitude, a.pending_diff)?,
                effect_block: a.effect_block,
            });
        }
    }
    Ok(())
}

/// `clearDeallocationQueue` action.
///
/// Rules (spec §6.6):
/// 1. Anyone may call it; `strategies` and `numToClear` have equal length.
/// 2. Per strategy, up to `numToClear` matured deallocations are applied from the front of the
///    queue, stopping at the first one that has not matured.
pub fn clear_deallocation_queue(
    ex: &mut Exec<'_>,
    operator: Address,
    strategies: &[Address],
    num_to_clear: &[u16],
) -> Result<(), Error> {
    if strategies.len() != num_to_clear.len() {
        return Err(AllocationError::InputArrayLengthMismatch.into());
    }
    for (s, n) in strategies.iter().zip(num_to_clear) {
        clear_queue(ex, operator, *s, *n)?;
    }
    Ok(())
}

fn check_wad(w: U256) -> Result<(), Error> {
    if w.is_zero() || w > WAD {
        return Err(AllocationError::InvalidWadToSlash(w).into());
    }
    Ok(())
}

/// What a slash did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlashOutcome {
    /// The set's new slash id.
    pub slash_id: u64,
    /// Shares slashed per strategy (operator plus queue).
    pub shares: Vec<U256>,
}

/// `slashOperator` action.
///
/// Rules (spec §6.7):
/// 1. Slashing is not paused; `strategies` and `wadsToSlash` have equal length; the set exists.
/// 2. The operator is slashable by the set; the sender is the set's slasher at this block.
/// 3. Strategies are strictly ascending, each in the set; each WAD is in `(0, 1e18]`.
/// 4. Per strategy with non-zero allocation: `slashed = ceil(current * wad)` leaves current,
///    max and encumbered magnitude; a pending deallocation shrinks by `ceil(|pending| * wad)`;
///    the max-magnitude history records the new max; operator shares and the slashable part of
///    the queue lose the same fraction; the shares go to the (set, slash id, strategy) bucket.
///    Allocations that are zero are skipped. Cost is independent of the number of delegators.
pub fn slash_operator(
    ex: &mut Exec<'_>,
    sender: Address,
    avs: Address,
    operator: Address,
    operator_set_id: u32,
    strategies: &[Address],
    wads_to_slash: &[U256],
    description: String,
) -> Result<SlashOutcome, Error> {
    pause::require_not_paused(
        &ex.state,
        PauseTarget::AllocationManager,
        PAUSED_OPERATOR_SLASHING,
    )?;
    if strategies.len() != wads_to_slash.len() {
        return Err(AllocationError::InputArrayLengthMismatch.into());
    }
    let set = OperatorSet::new(avs, operator_set_id);
    let info = require_set(ex, &set)?;
    if !ex
        .state
        .is_operator_slashable(&operator, &set, ex.block.number)?
    {
        return Err(AllocationError::OperatorNotSlashable { operator, set }.into());
    }
    if info.slasher.at(ex.block.number) != sender {
        return Err(AllocationError::InvalidCaller(sender).into());
    }
    slash(
        ex,
        set,
        info,
        operator,
        strategies,
        wads_to_slash,
        description,
    )
}

/// The slash itself, shared by `slashOperator` and equivocation proofs (caller checks done).
pub(crate) fn slash(
    ex: &mut Exec<'_>,
    set: OperatorSet,
    mut info: OperatorSetInfo,
    operator: Address,
    strategies: &[Address],
    wads_to_slash: &[U256],
    description: String,
) -> Result<SlashOutcome, Error> {
    info.slash_count = math::inc_u64(info.slash_count)?;
    let slash_id = info.slash_count;
    ex.state.put(set_key(&set), &info);
    let b = ex.block.number;
    let mut shares = Vec::with_capacity(strategies.len());
    let mut wads_slashed = Vec::with_capacity(strategies.len());
    let mut previous: Option<Address> = None;
    for (strategy, wad) in strategies.iter().zip(wads_to_slash) {
        if previous.is_some_and(|p| p >= *strategy) {
            return Err(AllocationError::StrategiesMustBeInAscendingOrder.into());
        }
        previous = Some(*strategy);
        check_wad(*wad)?;
        if !info.strategies.contains(strategy) {
            return Err(AllocationError::StrategyNotInOperatorSet(*strategy).into());
        }
        let (mut si, mut a) = ex.state.updated_allocation(&operator, &set, strategy, b)?;
        if a.current_magnitude == 0 {
            shares.push(U256::ZERO);
            wads_slashed.push(U256::ZERO);
            continue;
        }
        let current = U256::from(a.current_magnitude);
        let slashed = to_u64(mul_wad_up(current, *wad)?)?;
        let prev_max = si.max_magnitude;
        wads_slashed.push(div_wad(U256::from(slashed), U256::from(prev_max))?);
        a.current_magnitude = math::sub_u64(a.current_magnitude, slashed)?;
        si.max_magnitude = math::sub_u64(si.max_magnitude, slashed)?;
        si.encumbered_magnitude = math::sub_u64(si.encumbered_magnitude, slashed)?;
        if a.pending_diff < 0 {
            let pending = U256::from(a.pending_diff.unsigned_abs());
            let cut = to_u64(mul_wad_up(pending, *wad)?)?;
            a.pending_diff = a
                .pending_diff
                .checked_add(i128::from(cut))
                .ok_or(math::MathError::Overflow)?;
            ex.emit(Event::AllocationUpdated {
                operator,
                operator_set: set,
                strategy: *strategy,
                magnitude: add_i128(a.current_magnitude, a.pending_diff)?,
                effect_block: a.effect_block,
            });
        }
        write_allocation(ex, &operator, &set, strategy, si, a)?;
        ex.emit(Event::AllocationUpdated {
            operator,
            operator_set: set,
            strategy: *strategy,
            magnitude: a.current_magnitude,
            effect_block: b,
        });
        let hk = op_strategy_key(MAX_MAGNITUDE, &operator, strategy);
        let mut history = ex.state.max_magnitude_history(&operator, strategy)?;
        history
            .push(b, U256::from(si.max_magnitude))
            .map_err(|_| math::MathError::Overflow)?;
        ex.state.put(hk, &history);
        ex.emit(Event::MaxMagnitudeUpdated {
            operator,
            strategy: *strategy,
            max_magnitude: si.max_magnitude,
        });
        shares.push(delegation::slash_operator_shares(
            ex,
            operator,
            set,
            slash_id,
            *strategy,
            prev_max,
            si.max_magnitude,
        )?);
    }
    ex.emit(Event::OperatorSlashed {
        operator,
        operator_set: set,
        slash_id,
        strategies: strategies.to_vec(),
        wad_slashed: wads_slashed,
        description,
    });
    Ok(SlashOutcome { slash_id, shares })
}

/// Stake of `op` in `strategy` that the set can slash at `future_block` (spec §6.8
/// `getMinimumSlashableStake`): pending deallocations due by then are counted as gone,
/// pending allocations are not counted.
pub fn minimum_slashable_stake<R: StateRead>(
    s: &R,
    set: &OperatorSet,
    op: &Address,
    strategy: &Address,
    now: u32,
    future_block: u32,
) -> Result<U256, Error> {
    if !s.is_operator_slashable(op, set, now)? {
        return Ok(U256::ZERO);
    }
    allocated_stake(s, set, op, strategy, now, future_block)
}

/// `mulWad(operatorShares, divWad(current, max))` with deallocations due by `future_block` applied.
pub fn allocated_stake<R: StateRead>(
    s: &R,
    set: &OperatorSet,
    op: &Address,
    strategy: &Address,
    now: u32,
    future_block: u32,
) -> Result<U256, Error> {
    let (info, a) = s.updated_allocation(op, set, strategy, now)?;
    if info.max_magnitude == 0 {
        return Ok(U256::ZERO);
    }
    let mut current = a.current_magnitude;
    if a.pending_diff < 0 && a.effect_block <= future_block {
        current = add_i128(current, a.pending_diff)?;
    }
    let op_shares = s.operator_shares(op, strategy)?;
    let fraction = div_wad(U256::from(current), U256::from(info.max_magnitude))?;
    Ok(mul_wad(op_shares, fraction)?)
}

/// Unallocated magnitude at `block`, with matured deallocations applied (`max - encumbered`).
pub fn allocatable_magnitude<R: StateRead>(
    s: &R,
    op: &Address,
    strategy: &Address,
    block: u32,
) -> Result<u64, Error> {
    let max = s.max_magnitude(op, strategy)?;
    let mut enc = s.stored_encumbered(op, strategy)?;
    for set in s.deallocation_queue(op, strategy)? {
        let a = s.stored_allocation(op, &set, strategy)?;
        if block < a.effect_block {
            break;
        }
        if a.pending_diff < 0 {
            enc = add_i128(enc, a.pending_diff)?;
        }
    }
    Ok(math::sub_u64(max, enc)?)
}

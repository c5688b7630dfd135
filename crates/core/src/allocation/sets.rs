//! AVSs and their operator sets: metadata, creation, strategies, the slasher, the registration
//! policy and the allow-list.
use super::*;

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

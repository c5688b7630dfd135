//! Operators joining and leaving operator sets, under each set's registration policy.
use super::*;

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

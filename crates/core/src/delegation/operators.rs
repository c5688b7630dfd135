//! Operators: registration (for good, delegated to themselves), the delegation approver and the
//! metadata URI.
use super::*;

/// Operator record.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorDetails {
    /// Signs approvals for delegations; zero for open delegation.
    pub delegation_approver: Address,
    /// Where the operator describes itself.
    pub metadata_uri: String,
}

/// `registerAsOperator` action.
///
/// Rules (spec §5.2):
/// 1. New delegations are not paused; the sender is not delegated.
/// 2. The operator's allocation delay is set with immediate effect.
/// 3. Approver and metadata URI are recorded; the sender is delegated to itself, for good.
pub fn register_as_operator(
    ex: &mut Exec<'_>,
    sender: Address,
    delegation_approver: Address,
    allocation_delay: u32,
    metadata_uri: String,
) -> Result<(), Error> {
    pause::require_not_paused(
        &ex.state,
        PauseTarget::DelegationManager,
        PAUSED_NEW_DELEGATION,
    )?;
    if ex.state.delegated_to(&sender)?.is_some() {
        return Err(DelegationError::ActivelyDelegated(sender).into());
    }
    allocation::set_allocation_delay_at_registration(ex, sender, allocation_delay)?;
    let details = OperatorDetails {
        delegation_approver,
        metadata_uri: metadata_uri.clone(),
    };
    ex.state.put(key(OPERATOR, &[sender.as_slice()]), &details);
    ex.emit(Event::DelegationApproverUpdated {
        operator: sender,
        new_delegation_approver: delegation_approver,
    });
    delegate(ex, sender, sender)?;
    ex.emit(Event::OperatorRegistered {
        operator: sender,
        delegation_approver,
    });
    ex.emit(Event::OperatorMetadataUriUpdated {
        operator: sender,
        metadata_uri,
    });
    Ok(())
}

fn require_operator_permission(
    ex: &Exec<'_>,
    sender: Address,
    operator: Address,
    selector: &str,
) -> Result<OperatorDetails, Error> {
    permissions::check_can_call(&ex.state, &operator, &sender, selector)?;
    if !ex.state.is_operator(&operator)? {
        return Err(DelegationError::OperatorNotRegistered(operator).into());
    }
    ex.state
        .operator_details(&operator)?
        .ok_or_else(|| DelegationError::OperatorNotRegistered(operator).into())
}

/// `modifyOperatorDetails` action.
///
/// Rules:
/// 1. The sender may act for `operator` (itself, an admin, or an appointee for this action).
/// 2. `operator` is registered; its delegation approver becomes `newDelegationApprover`.
pub fn modify_operator_details(
    ex: &mut Exec<'_>,
    sender: Address,
    operator: Address,
    new_delegation_approver: Address,
) -> Result<(), Error> {
    let mut details = require_operator_permission(ex, sender, operator, "modifyOperatorDetails")?;
    details.delegation_approver = new_delegation_approver;
    ex.state
        .put(key(OPERATOR, &[operator.as_slice()]), &details);
    ex.emit(Event::DelegationApproverUpdated {
        operator,
        new_delegation_approver,
    });
    Ok(())
}

/// `updateOperatorMetadataUri` action.
///
/// Rules:
/// 1. The sender may act for `operator`; `operator` is registered.
/// 2. The metadata URI is replaced.
pub fn update_operator_metadata_uri(
    ex: &mut Exec<'_>,
    sender: Address,
    operator: Address,
    metadata_uri: String,
) -> Result<(), Error> {
    let mut details =
        require_operator_permission(ex, sender, operator, "updateOperatorMetadataUri")?;
    details.metadata_uri = metadata_uri.clone();
    ex.state
        .put(key(OPERATOR, &[operator.as_slice()]), &details);
    ex.emit(Event::OperatorMetadataUriUpdated {
        operator,
        metadata_uri,
    });
    Ok(())
}

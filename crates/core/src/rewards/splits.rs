//! Operator commissions (splits) per AVS: the split in force for an epoch and the action that
//! changes it.
use super::*;

/// An operator's commission setting for one AVS (EigenLayer's `OperatorSplit`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct OperatorSplit {
    /// In force before `activated_at_epoch` (`None`: the default).
    pub old_split_bips: Option<u16>,
    /// In force from `activated_at_epoch`.
    pub new_split_bips: u16,
    /// First epoch distributed with the new split.
    pub activated_at_epoch: u64,
}

/// The commission of `op` for `avs` in force for epoch `epoch`, in bips.
pub fn split_bips<R: StateRead>(
    s: &R,
    op: &Address,
    avs: &Address,
    epoch: u64,
) -> Result<u16, Error> {
    let default = s.params()?.default_operator_split_bips;
    Ok(match s.operator_split(op, avs)? {
        None => default,
        Some(sp) if epoch >= sp.activated_at_epoch => sp.new_split_bips,
        Some(sp) => sp.old_split_bips.unwrap_or(default),
    })
}

/// `setOperatorAvsSplit` action: an operator's commission for one AVS's rewards.
///
/// Rules (spec §9.4, in epochs):
/// 1. The sender may act for the operator (`setOperatorAvsSplit`); the operator is registered.
/// 2. `split <= 10000` bips; an earlier change must already be in force (`PreviousSplitPending`).
/// 3. The new split applies from epoch `current + splitActivationDelayEpochs`, so it never
///    reaches rewards of the epoch in progress; until then the previous split (or the default)
///    applies.
pub fn set_operator_avs_split(
    ex: &mut Exec<'_>,
    sender: Address,
    operator: Address,
    avs: Address,
    split: u16,
) -> Result<(), Error> {
    crate::permissions::check_can_call(&ex.state, &operator, &sender, "setOperatorAvsSplit")?;
    if !ex.state.is_operator(&operator)? {
        return Err(RewardsError::NotAnOperator(operator).into());
    }
    if split > MAX_SPLIT_BIPS {
        return Err(RewardsError::SplitExceedsMax(split).into());
    }
    let current = epoch_of(&ex.state, ex.block.number)?;
    let prev = ex.state.operator_split(&operator, &avs)?;
    if let Some(p) = prev
        && current < p.activated_at_epoch
    {
        return Err(RewardsError::PreviousSplitPending(p.activated_at_epoch).into());
    }
    let delay = u64::from(ex.state.params()?.split_activation_delay_epochs);
    let activated_at_epoch = current.saturating_add(delay.max(1));
    let old = prev.map(|p| p.new_split_bips);
    ex.state.put(
        key(SPLIT, &[&pair(&operator, &avs)]),
        &OperatorSplit {
            old_split_bips: old,
            new_split_bips: split,
            activated_at_epoch,
        },
    );
    ex.emit(Event::OperatorAvsSplitSet {
        operator,
        avs,
        activated_at_epoch,
        old_split_bips: old.unwrap_or(ex.state.params()?.default_operator_split_bips),
        new_split_bips: split,
    });
    Ok(())
}

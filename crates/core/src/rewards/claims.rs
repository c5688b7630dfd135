//! Claiming: settling an earner's positions, what it can claim, where claims are paid, and the
//! `claimRewards` action.
use super::*;

/// Settles every position of `staker` (before a claim).
fn settle_all(ex: &mut Exec<'_>, staker: Address) -> Result<(), Error> {
    let prefix = key(POSITION, &[staker.as_slice()]);
    let strategies: Vec<Address> = ex
        .state
        .scan_prefix(&prefix)?
        .into_iter()
        .map(|(k, _)| address_at(&k, prefix.len()))
        .collect();
    for s in strategies {
        sync_position(ex, staker, s)?;
    }
    Ok(())
}

/// An earner's claimable amount of `token`: settled plus pending on its positions.
pub fn claimable<R: StateRead>(s: &R, earner: &Address, token: &Address) -> Result<U256, Error> {
    let mut total = s.accrued(earner, token)?;
    let prefix = key(POSITION, &[earner.as_slice()]);
    for (k, v) in s.scan_prefix(&prefix)? {
        let strategy = address_at(&k, prefix.len());
        let pos: Position = borsh::from_slice(&v).map_err(|_| StateError::Corrupt {
            key: alloy_primitives::hex::encode(&k),
        })?;
        for (t, owed) in pending_of(s, earner, &strategy, &pos)? {
            if t == *token {
                total = math::add(total, owed)?;
            }
        }
    }
    Ok(total)
}

/// `setRewardsRecipient` action: where the sender's claims are paid (itself when zero).
pub fn set_rewards_recipient(
    ex: &mut Exec<'_>,
    sender: Address,
    recipient: Address,
) -> Result<(), Error> {
    let k = key(RECIPIENT, &[sender.as_slice()]);
    if recipient.is_zero() || recipient == sender {
        ex.state.delete(&k);
    } else {
        ex.state.put(k, &recipient);
    }
    ex.emit(Event::RewardsRecipientSet {
        earner: sender,
        recipient: if recipient.is_zero() {
            sender
        } else {
            recipient
        },
    });
    Ok(())
}

/// `claimRewards` action.
///
/// Rules (spec §9.3, without Merkle roots):
/// 1. Claims are not paused.
/// 2. The sender's positions are settled first, then each listed token's accrued amount is paid
///    from the escrow to the sender's rewards recipient (`RewardsClaimed`); a token with nothing
///    accrued is skipped; if nothing at all is paid, `NothingToClaim`.
pub fn claim_rewards(ex: &mut Exec<'_>, sender: Address, tokens_: &[Address]) -> Result<(), Error> {
    pause::require_not_paused(&ex.state, PauseTarget::Rewards, PAUSED_CLAIMS)?;
    settle_all(ex, sender)?;
    let recipient = ex.state.rewards_recipient(&sender)?;
    let mut any = false;
    for token in tokens_ {
        let k = key(ACCRUED, &[&pair(&sender, token)]);
        let amount: U256 = ex.state.get(&k)?.unwrap_or(U256::ZERO);
        if amount.is_zero() {
            continue;
        }
        ex.state.delete(&k);
        tokens::move_tokens(ex, token, &REWARDS_ESCROW, &recipient, amount)?;
        add_to(ex, key(PAID, &[token.as_slice()]), amount)?;
        any = true;
        ex.emit(Event::RewardsClaimed {
            earner: sender,
            recipient,
            token: *token,
            amount,
        });
    }
    if !any {
        return Err(RewardsError::NothingToClaim(sender).into());
    }
    Ok(())
}

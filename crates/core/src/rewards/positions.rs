//! Positions, the bridge between share changes and the indices: a staker's scaled shares under
//! its operator, settled whenever they change.
use super::*;

/// A staker's recorded position in one strategy: the operator it counts under and its scaled
/// shares there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub(super) struct Position {
    operator: Address,
    scaled: U256,
}

/// A staker's slashing-invariant scaled shares in `strategy`: `s·k·l` (what it could withdraw
/// if its operator's magnitude were whole).
pub fn scaled_shares<R: StateRead>(
    s: &R,
    staker: &Address,
    strategy: &Address,
) -> Result<U256, Error> {
    let deposit = share_manager::deposit_shares(s, staker, strategy)?;
    if deposit.is_zero() {
        return Ok(U256::ZERO);
    }
    let k = s.deposit_scaling_factor(staker, strategy)?;
    let l = if *strategy == BEACON_CHAIN_ETH_STRATEGY {
        pods::bcsf(s, staker)?
    } else {
        WAD
    };
    Ok(shares::calc_withdrawable(k, deposit, l)?)
}

fn position_key(staker: &Address, strategy: &Address) -> Vec<u8> {
    key(POSITION, &[&pair(staker, strategy)])
}

/// What a position has earned since it was last settled, per token.
pub(super) fn pending_of<R: StateRead>(
    s: &R,
    staker: &Address,
    strategy: &Address,
    pos: &Position,
) -> Result<Vec<(Address, U256)>, Error> {
    let mut out = Vec::new();
    for token in s.index_tokens(&pos.operator, strategy)? {
        let now = s.reward_index(&pos.operator, strategy, &token)?;
        let last: U256 = s
            .get(&key(
                LAST,
                &[staker.as_slice(), strategy.as_slice(), token.as_slice()],
            ))?
            .unwrap_or(U256::ZERO);
        let delta = math::sub(now, last)?;
        let owed = mul_div(pos.scaled, delta, INDEX_PRECISION, Rounding::Down)?;
        out.push((token, owed));
    }
    Ok(out)
}

/// Brings the staker's position in `strategy` up to date: settles what the old position earned,
/// then records the position its shares and delegation give now. Called after every change of
/// a staker's shares, scaling factor, beacon-chain factor or delegation.
pub(crate) fn sync_position(
    ex: &mut Exec<'_>,
    staker: Address,
    strategy: Address,
) -> Result<(), Error> {
    let pk = position_key(&staker, &strategy);
    let old: Option<Position> = ex.state.get(&pk)?;
    if let Some(pos) = old {
        for (token, owed) in pending_of(&ex.state, &staker, &strategy, &pos)? {
            add_to(ex, key(ACCRUED, &[&pair(&staker, &token)]), owed)?;
            sub_from(
                ex,
                key(
                    UNSETTLED,
                    &[
                        pos.operator.as_slice(),
                        strategy.as_slice(),
                        token.as_slice(),
                    ],
                ),
                owed,
            )?;
        }
        sub_from(
            ex,
            key(TOTAL, &[&pair(&pos.operator, &strategy)]),
            pos.scaled,
        )?;
    }
    let operator = ex.state.delegated_to(&staker)?;
    let scaled = scaled_shares(&ex.state, &staker, &strategy)?;
    match operator {
        Some(op) if !scaled.is_zero() => {
            add_to(ex, key(TOTAL, &[&pair(&op, &strategy)]), scaled)?;
            ex.state.put(
                pk,
                &Position {
                    operator: op,
                    scaled,
                },
            );
            for token in ex.state.index_tokens(&op, &strategy)? {
                let now = ex.state.reward_index(&op, &strategy, &token)?;
                ex.state.put(
                    key(
                        LAST,
                        &[staker.as_slice(), strategy.as_slice(), token.as_slice()],
                    ),
                    &now,
                );
            }
        }
        _ => {
            ex.state.delete(&pk);
            let prefix = key(LAST, &[&pair(&staker, &strategy)]);
            for (k, _) in ex.state.scan_prefix(&prefix)? {
                ex.state.delete(&k);
            }
        }
    }
    Ok(())
}

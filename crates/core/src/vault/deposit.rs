//! Entering the vault.
use super::*;

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
    if is_native(&token) {
        return Err(
            VaultError::NativeAsset("deposit validators with depositValidatorsIntoVault").into(),
        );
    }
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
    let shares = b.deposit_shares(&v.params, i, amount, value, min_shares_out)?;
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

pub(super) fn require_not_same_block(
    ex: &Exec<'_>,
    vault: &Address,
    who: &Address,
) -> Result<(), Error> {
    let last: Option<u32> = ex
        .state
        .get(&key(LAST_DEPOSIT, &[vault.as_slice(), who.as_slice()]))?;
    if last == Some(ex.block.number) {
        return Err(VaultError::SameBlockRedeem(*who).into());
    }
    Ok(())
}

//! First-loss bonds (Puffer-style): an operator posts LRT shares that are burned first when the
//! stake it runs for the vault loses value, so holders lose only what the bond cannot cover.
//! A bond leaves only after the cooldown, and stays at risk until then.
use super::*;

fn operator_delegator(v: &Vault, sender: Address, delegator: u32) -> Result<usize, Error> {
    let i = usize::try_from(delegator).map_err(|_| MathError::Overflow)?;
    let d = v
        .delegators
        .get(i)
        .ok_or(VaultError::UnknownDelegator(delegator))?;
    v.require(sender, d.operator, "operator of this node delegator")?;
    Ok(i)
}

/// `postVaultBond` action (the node delegator's operator).
///
/// Rules:
/// 1. The sender is the operator of the node delegator; `shares` is positive.
/// 2. Losses so far are settled first (a new bond never pays for the past).
/// 3. The shares move from the sender to the vault and join the bond.
pub fn post_vault_bond(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    delegator: u32,
    shares: U256,
) -> Result<(), Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    let i = operator_delegator(&v, sender, delegator)?;
    if shares.is_zero() {
        return Err(VaultError::ZeroOutput.into());
    }
    accrue_fee(ex, &mut v)?;
    tokens::move_tokens(ex, &v.lrt, &sender, &vault, shares)?;
    let d = v
        .delegators
        .get_mut(i)
        .ok_or(VaultError::UnknownDelegator(delegator))?;
    d.bond = math::add(d.bond, shares)?;
    let (operator, bond) = (d.operator, d.bond);
    save(ex, &v);
    ex.emit(Event::VaultBondPosted {
        vault,
        operator,
        shares,
        bond,
    });
    Ok(())
}

/// `requestVaultBondWithdrawal` action (the operator).
///
/// Rules:
/// 1. The sender is the operator; `shares` is positive and at most the bond not yet unlocking.
/// 2. The shares start unlocking: they may leave `cooldownBlocks` from now (the clock restarts
///    with every request) and are burned first until then.
pub fn request_vault_bond_withdrawal(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    delegator: u32,
    shares: U256,
) -> Result<(), Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    let i = operator_delegator(&v, sender, delegator)?;
    let unlock_at = math::add_block(ex.block.number, v.params.cooldown_blocks)?;
    let d = v
        .delegators
        .get_mut(i)
        .ok_or(VaultError::UnknownDelegator(delegator))?;
    let free = math::sub(d.bond, d.bond_unlocking)?;
    if shares.is_zero() || shares > free {
        return Err(VaultError::InvalidParam {
            name: "shares",
            reason: "positive and at most the bond not yet unlocking",
        }
        .into());
    }
    d.bond_unlocking = math::add(d.bond_unlocking, shares)?;
    d.unlock_at = unlock_at;
    let operator = d.operator;
    save(ex, &v);
    ex.emit(Event::VaultBondUnlocking {
        vault,
        operator,
        shares,
        unlock_at,
    });
    Ok(())
}

/// `withdrawVaultBond` action (the operator).
///
/// Rules:
/// 1. The sender is the operator; the unlocking part is positive and its block has come.
/// 2. Losses so far are settled first (they burn the bond, unlocking part included).
/// 3. What is left of the unlocking part moves from the vault to the operator.
pub fn withdraw_vault_bond(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    delegator: u32,
) -> Result<U256, Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    let i = operator_delegator(&v, sender, delegator)?;
    let (unlocking, unlock_at) = v
        .delegators
        .get(i)
        .map(|d| (d.bond_unlocking, d.unlock_at))
        .unwrap_or_default();
    if unlocking.is_zero() || ex.block.number < unlock_at {
        return Err(VaultError::BondLocked {
            unlocking,
            unlock_at,
        }
        .into());
    }
    accrue_fee(ex, &mut v)?;
    let d = v
        .delegators
        .get_mut(i)
        .ok_or(VaultError::UnknownDelegator(delegator))?;
    let shares = d.bond_unlocking.min(d.bond);
    d.bond = math::sub(d.bond, shares)?;
    d.bond_unlocking = U256::ZERO;
    let operator = d.operator;
    save(ex, &v);
    if !shares.is_zero() {
        tokens::move_tokens(ex, &v.lrt, &vault, &sender, shares)?;
    }
    ex.emit(Event::VaultBondWithdrawn {
        vault,
        operator,
        shares,
    });
    Ok(shares)
}

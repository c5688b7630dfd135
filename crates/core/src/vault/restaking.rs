//! Moving value between idle and the core: restaking, core withdrawals, re-delegation after a
//! forced undelegation, and harvesting rewards.
use super::*;

/// Picks the node delegator for `value`: the one furthest below its target weight that stays
/// within the operator cap (ties: the lowest index).
fn route(v: &Vault, b: &Books, value: U256) -> Result<usize, Error> {
    let total_weight: u64 = v.delegators.iter().map(|d| u64::from(d.weight_bps)).sum();
    // Restaking moves value from idle to a delegator: `A` itself does not change.
    let cap = mul_div(
        b.total_assets,
        U256::from(v.params.operator_cap_bps),
        U256::from(BPS),
        Rounding::Down,
    )?;
    let mut best: Option<(usize, U256)> = None;
    for (i, d) in v.delegators.iter().enumerate() {
        let current = b.delegator_values.get(i).copied().unwrap_or_default();
        if math::add(current, value)? > cap {
            continue;
        }
        // Deficit against the target share: target_i − current, as a signed comparison made
        // unsigned by comparing `current · W / w_i` (the total this delegator is "scaled to").
        let scaled = mul_div(
            current,
            U256::from(total_weight),
            U256::from(d.weight_bps),
            Rounding::Down,
        )?;
        if best.is_none_or(|(_, s)| scaled < s) {
            best = Some((i, scaled));
        }
    }
    best.map(|(i, _)| i)
        .ok_or_else(|| VaultError::NoRoute.into())
}

/// `restakeVaultAssets` action (manager).
///
/// Rules:
/// 1. Restaking is not paused (bit 5); the sender is the manager; the token is an asset and
///    `amount` is positive and at most its idle balance.
/// 2. The node delegator is the one named, or else the one furthest below its target weight;
///    it must still be delegated to its operator, and its value after the deposit must stay
///    within `operatorCapBps` of `A`.
/// 3. The tokens move from idle to the node delegator, which deposits them into the asset's
///    token pool (as `depositIntoStrategy`). `A` does not change beyond the pool's rounding.
pub fn restake_vault_assets(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    token: Address,
    amount: U256,
    delegator: Option<u32>,
) -> Result<(), Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    v.require_not_paused(PAUSED_RESTAKING)?;
    v.require(sender, v.manager, "manager")?;
    let i = v.asset_index(&token)?;
    if is_native(&token) {
        return Err(VaultError::NativeAsset(
            "validators restake through depositValidatorsIntoVault",
        )
        .into());
    }
    let asset = v
        .assets
        .get(i)
        .cloned()
        .ok_or(VaultError::UnknownAsset(token))?;
    if amount.is_zero() || amount > asset.idle {
        return Err(VaultError::InsufficientIdle {
            token,
            idle: asset.idle,
            needed: amount,
        }
        .into());
    }
    let b = accrue_fee(ex, &mut v)?;
    let value = value_of(amount, asset.rate_wad)?;
    let di = match delegator {
        Some(d) => {
            let di = usize::try_from(d).map_err(|_| MathError::Overflow)?;
            let cap = mul_div(
                b.total_assets,
                U256::from(v.params.operator_cap_bps),
                U256::from(BPS),
                Rounding::Down,
            )?;
            let after = math::add(
                b.delegator_values.get(di).copied().unwrap_or_default(),
                value,
            )?;
            if v.delegators.get(di).is_none() {
                return Err(VaultError::UnknownDelegator(d).into());
            }
            if after > cap {
                return Err(VaultError::CapExceeded {
                    cap: "operator",
                    after,
                    limit: cap,
                }
                .into());
            }
            di
        }
        None => route(&v, &b, value)?,
    };
    let d = v
        .delegators
        .get(di)
        .cloned()
        .ok_or(VaultError::UnknownDelegator(
            u32::try_from(di).unwrap_or(u32::MAX),
        ))?;
    if ex.state.delegated_to(&d.account)? != Some(d.operator) {
        return Err(VaultError::DelegatorNotDelegated {
            delegator: d.account,
            operator: d.operator,
        }
        .into());
    }
    let a = v.asset_mut(i)?;
    a.idle = math::sub(a.idle, amount)?;
    tokens::move_tokens(ex, &token, &vault, &d.account, amount)?;
    let shares =
        strategy_manager::deposit_into_strategy(ex, d.account, asset.strategy, token, amount)?;
    refresh_tracked(ex, &mut v)?;
    save(ex, &v);
    ex.emit(Event::VaultRestaked {
        vault,
        delegator: d.account,
        operator: d.operator,
        token,
        amount,
        shares,
    });
    Ok(())
}

/// `queueVaultWithdrawal` action (manager).
///
/// Rules:
/// 1. Restaking is not paused (bit 5); the sender is the manager; the node delegator exists; the
///    token is an asset.
/// 2. The node delegator queues `depositShares` of the asset's strategy (as `queueWithdrawals`);
///    the queued value keeps counting in `A`, slashable until completion, as the core reports.
pub fn queue_vault_withdrawal(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    delegator: u32,
    token: Address,
    deposit_shares: U256,
) -> Result<B256, Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    v.require_not_paused(PAUSED_RESTAKING)?;
    v.require(sender, v.manager, "manager")?;
    let d = v
        .delegators
        .get(usize::try_from(delegator).map_err(|_| MathError::Overflow)?)
        .cloned()
        .ok_or(VaultError::UnknownDelegator(delegator))?;
    let i = v.asset_index(&token)?;
    if is_native(&token) {
        return Err(
            VaultError::NativeAsset("native ETH leaves only through redemption requests").into(),
        );
    }
    let strategy = v.assets.get(i).map(|a| a.strategy).unwrap_or_default();
    accrue_fee(ex, &mut v)?;
    let roots = delegation::queue_withdrawals(
        ex,
        d.account,
        &[QueuedWithdrawalParams {
            strategies: vec![strategy],
            deposit_shares: vec![deposit_shares],
        }],
    )?;
    let root = roots.first().copied().unwrap_or_default();
    refresh_tracked(ex, &mut v)?;
    save(ex, &v);
    ex.emit(Event::VaultWithdrawalQueued {
        vault,
        delegator: d.account,
        withdrawal_root: root,
    });
    Ok(root)
}

/// `completeVaultWithdrawal` action (anyone, so a silent manager cannot trap the vault's exits).
///
/// Rules:
/// 1. The root is a pending withdrawal of one of the vault's node delegators (queued by the
///    manager or forced by an undelegation).
/// 2. It is not earmarked for a native redemption (`claimRedeem` completes those).
/// 3. It completes as tokens to the node delegator (as `completeQueuedWithdrawal`: after the
///    delay, at the slashed payout); every token received moves to the vault's idle balance.
///    A withdrawal of ETH shares (forced out by an undelegation) completes as shares instead,
///    back into the node delegator: its pod pays only redemptions.
pub fn complete_vault_withdrawal(
    ex: &mut Exec<'_>,
    vault: Address,
    root: B256,
) -> Result<(), Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    let w = ex
        .state
        .queued_withdrawal(&root)?
        .ok_or(VaultError::NotVaultWithdrawal(root))?;
    let Some(d) = v.delegators.iter().find(|d| d.account == w.staker).cloned() else {
        return Err(VaultError::NotVaultWithdrawal(root).into());
    };
    if let Some(request) = ex.state.earmarked_for(&root)? {
        return Err(VaultError::EarmarkedWithdrawal { root, request }.into());
    }
    accrue_fee(ex, &mut v)?;
    // ETH shares forced out by an undelegation go back to the delegator as shares: its pod pays
    // only redemptions.
    if w.strategies.contains(&BEACON_CHAIN_ETH_STRATEGY) {
        delegation::complete_queued_withdrawal(ex, d.account, root, false)?;
        ex.emit(Event::VaultWithdrawalCompleted {
            vault,
            delegator: d.account,
            withdrawal_root: root,
            token: BEACON_CHAIN_ETH_STRATEGY,
            amount: U256::ZERO,
        });
        refresh_tracked(ex, &mut v)?;
        save(ex, &v);
        return Ok(());
    }
    let mut before = Vec::with_capacity(v.assets.len());
    for a in &v.assets {
        before.push(ex.state.balance_of(&a.token, &d.account)?);
    }
    delegation::complete_queued_withdrawal(ex, d.account, root, true)?;
    for (idx, b0) in before.into_iter().enumerate() {
        let token = v.assets.get(idx).map(|a| a.token).unwrap_or_default();
        let received = math::sub(ex.state.balance_of(&token, &d.account)?, b0)?;
        if received.is_zero() {
            continue;
        }
        tokens::move_tokens(ex, &token, &d.account, &vault, received)?;
        let a = v.asset_mut(idx)?;
        a.idle = math::add(a.idle, received)?;
        ex.emit(Event::VaultWithdrawalCompleted {
            vault,
            delegator: d.account,
            withdrawal_root: root,
            token,
            amount: received,
        });
    }
    refresh_tracked(ex, &mut v)?;
    save(ex, &v);
    Ok(())
}

/// `redelegateVaultDelegator` action (manager): after an operator forced the node delegator
/// out, delegates it to its configured operator again.
///
/// Rules:
/// 1. The sender is the manager; the node delegator exists and is not delegated.
/// 2. It delegates to its configured operator (as `delegateTo`).
pub fn redelegate_vault_delegator(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    delegator: u32,
) -> Result<(), Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    v.require(sender, v.manager, "manager")?;
    let d = v
        .delegators
        .get(usize::try_from(delegator).map_err(|_| MathError::Overflow)?)
        .cloned()
        .ok_or(VaultError::UnknownDelegator(delegator))?;
    accrue_fee(ex, &mut v)?;
    delegation::delegate_to(ex, d.account, d.operator, None, 0, B256::ZERO)?;
    refresh_tracked(ex, &mut v)?;
    save(ex, &v);
    Ok(())
}

/// `harvestVaultRewards` action (anyone).
///
/// Rules:
/// 1. Every node delegator claims its accrued rewards in the vault's assets (as `claimRewards`).
/// 2. What they received moves to the vault's idle balance: the rate rises for every holder.
/// 3. Something must have been harvested.
pub fn harvest_vault_rewards(ex: &mut Exec<'_>, vault: Address) -> Result<(), Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    let tokens_: Vec<Address> = v.assets.iter().map(|a| a.token).collect();
    let mut any = false;
    for d in v.delegators.clone() {
        let mut owed = false;
        for t in &tokens_ {
            if !rewards::claimable(&ex.state, &d.account, t)?.is_zero() {
                owed = true;
            }
        }
        if !owed {
            continue;
        }
        let recipient = ex.state.rewards_recipient(&d.account)?;
        let mut before = Vec::with_capacity(tokens_.len());
        for t in &tokens_ {
            before.push(ex.state.balance_of(t, &recipient)?);
        }
        rewards::claim_rewards(ex, d.account, &tokens_)?;
        for (idx, (t, b0)) in tokens_.iter().zip(before).enumerate() {
            let got = math::sub(ex.state.balance_of(t, &recipient)?, b0)?;
            if got.is_zero() {
                continue;
            }
            tokens::move_tokens(ex, t, &recipient, &vault, got)?;
            let a = v.asset_mut(idx)?;
            a.idle = math::add(a.idle, got)?;
            any = true;
            ex.emit(Event::VaultRewardsHarvested {
                vault,
                delegator: d.account,
                token: *t,
                amount: got,
            });
        }
    }
    if !any {
        return Err(VaultError::NothingToHarvest.into());
    }
    save(ex, &v);
    Ok(())
}

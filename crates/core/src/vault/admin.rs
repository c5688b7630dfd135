//! Creating a vault, its operators, rate reports, pause bits, roles and delayed parameters.
use super::*;

/// `createVault` action.
///
/// Rules:
/// 1. `symbol` is free in the asset ledger; 1–8 assets, each a token with a token pool, no
///    repeats, each with a non-zero rate. Native ETH is the asset whose `token` is the
///    beacon-chain ETH strategy address, at rate exactly 1e18.
/// 2. Parameters default as documented; `treasury` defaults to the sender, `cooldownBlocks` and
///    `paramDelayBlocks` to the core's withdrawal delay; then they must hold their bounds.
/// 3. The vault gets the next number and its derived account; its LRT (18 decimals) is
///    registered with the vault as minter. The sender is admin, pauser and manager; the
///    high-water mark starts at 1.0.
pub fn create_vault(
    ex: &mut Exec<'_>,
    sender: Address,
    symbol: &str,
    assets: &[VaultAssetInit],
    params: Option<&VaultParams>,
) -> Result<Address, Error> {
    if assets.is_empty() || assets.len() > MAX_ASSETS {
        return Err(VaultError::InvalidAssets("between 1 and 8 assets").into());
    }
    let mut list = Vec::with_capacity(assets.len());
    for a in assets {
        if list.iter().any(|x: &VaultAsset| x.token == a.token) {
            return Err(VaultError::InvalidAssets("an asset is repeated").into());
        }
        if a.rate_wad.is_zero() {
            return Err(VaultError::InvalidParam {
                name: "rateWad",
                reason: "must be positive",
            }
            .into());
        }
        let strategy = if is_native(&a.token) {
            if a.rate_wad != WAD {
                return Err(
                    VaultError::NativeAsset("native ETH is valued 1:1 (rateWad 1e18)").into(),
                );
            }
            BEACON_CHAIN_ETH_STRATEGY
        } else {
            ex.state
                .strategy_for_token(&a.token)?
                .ok_or(VaultError::InvalidAssets("an asset has no token pool"))?
        };
        list.push(VaultAsset {
            token: a.token,
            strategy,
            rate_wad: a.rate_wad,
            rate_block: ex.block.number,
            idle: U256::ZERO,
            escrow: U256::ZERO,
        });
    }
    let core_delay = ex.state.params()?.min_withdrawal_delay_blocks;
    let mut p = params.cloned().unwrap_or_default();
    if p.treasury.is_zero() {
        p.treasury = sender;
    }
    if p.cooldown_blocks == 0 {
        p.cooldown_blocks = core_delay;
    }
    if p.param_delay_blocks == 0 {
        p.param_delay_blocks = p.cooldown_blocks;
    }
    validate_params(&p, list.len(), core_delay)?;
    let id: u64 = ex.state.get(COUNT)?.unwrap_or(0);
    ex.state.put(COUNT.to_vec(), &math::inc_u64(id)?);
    let address = vault_address(id);
    let lrt = tokens::register(ex, symbol, 18, address)?;
    let v = Vault {
        id,
        address,
        lrt,
        admin: sender,
        pauser: sender,
        manager: sender,
        paused: 0,
        params: p,
        pending_params: None,
        assets: list,
        delegators: Vec::new(),
        high_water_mark: WAD,
        next_request: 0,
        finalize_head: 0,
    };
    save(ex, &v);
    ex.emit(Event::VaultCreated {
        vault: address,
        id,
        lrt,
        admin: sender,
    });
    Ok(address)
}

/// `addVaultOperator` action (admin).
///
/// Rules:
/// 1. The sender is the vault's admin; fewer than 16 operators; the operator is not yet in the
///    vault; `weightBps` is 1–10000.
/// 2. A new node delegator `delegator_address(vault, index)` delegates to the operator (as
///    `delegateTo`: the operator must be registered and must not require approval).
pub fn add_vault_operator(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    operator: Address,
    weight_bps: u16,
) -> Result<(), Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    v.require(sender, v.admin, "admin")?;
    if v.delegators.len() >= MAX_OPERATORS || v.delegators.iter().any(|d| d.operator == operator) {
        return Err(VaultError::OperatorNotAddable(operator).into());
    }
    if weight_bps == 0 || weight_bps > BPS {
        return Err(VaultError::InvalidParam {
            name: "weightBps",
            reason: "between 1 and 10000",
        }
        .into());
    }
    let index = u32::try_from(v.delegators.len()).map_err(|_| MathError::Overflow)?;
    let account = delegator_address(&vault, index);
    delegation::delegate_to(ex, account, operator, None, 0, B256::ZERO)?;
    let assets = v.assets.len();
    v.delegators.push(NodeDelegator {
        account,
        operator,
        weight_bps,
        bond: U256::ZERO,
        bond_unlocking: U256::ZERO,
        unlock_at: 0,
        tracked: vec![U256::ZERO; assets],
    });
    save(ex, &v);
    ex.emit(Event::VaultOperatorAdded {
        vault,
        operator,
        delegator: account,
        index,
        weight_bps,
    });
    Ok(())
}

/// `updateVaultAssetRate` action (manager; the admin may override the step cap).
///
/// Rules:
/// 1. The sender is the manager or the admin; the token is an asset; the rate is positive.
/// 2. Unless the admin sends it, `|new − old| · 10000 ≤ maxRateStepBps · old`.
/// 3. The rate and its block are stored; `VaultAssetRateUpdated` says whether it was an override.
pub fn update_vault_asset_rate(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    token: Address,
    rate_wad: U256,
) -> Result<(), Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    if sender != v.manager && sender != v.admin {
        return Err(VaultError::NotAuthorized {
            caller: sender,
            role: "manager",
        }
        .into());
    }
    let i = v.asset_index(&token)?;
    if is_native(&token) {
        return Err(VaultError::NativeAsset("native ETH is valued 1:1; its rate is fixed").into());
    }
    if rate_wad.is_zero() {
        return Err(VaultError::InvalidParam {
            name: "rateWad",
            reason: "must be positive",
        }
        .into());
    }
    let step = v.params.max_rate_step_bps;
    let admin = v.admin;
    let now = ex.block.number;
    let a = v.asset_mut(i)?;
    let old = a.rate_wad;
    let diff = if rate_wad > old {
        math::sub(rate_wad, old)?
    } else {
        math::sub(old, rate_wad)?
    };
    let within = mul_div(diff, U256::from(BPS), U256::from(1), Rounding::Down)?
        <= mul_div(old, U256::from(step), U256::from(1), Rounding::Down)?;
    let is_override = !within;
    if is_override && sender != admin {
        return Err(VaultError::RateStepTooLarge {
            old,
            new: rate_wad,
            max_bps: step,
        }
        .into());
    }
    a.rate_wad = rate_wad;
    a.rate_block = now;
    save(ex, &v);
    ex.emit(Event::VaultAssetRateUpdated {
        vault,
        token,
        old_rate: old,
        new_rate: rate_wad,
        is_override,
    });
    Ok(())
}

/// `setVaultPaused` action.
///
/// Rules:
/// 1. The sender is the pauser or the admin.
/// 2. The pauser may only add bits; only the admin may clear one.
pub fn set_vault_paused(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    paused: u64,
) -> Result<(), Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    if sender != v.admin {
        v.require(sender, v.pauser, "pauser")?;
        if paused & v.paused != v.paused {
            return Err(VaultError::OnlyAdminUnpauses.into());
        }
    }
    v.paused = paused;
    save(ex, &v);
    ex.emit(Event::VaultPausedSet { vault, paused });
    Ok(())
}

/// `setVaultRoles` action (admin): hands over the admin, pauser and manager roles.
///
/// Rules: the sender is the admin; no role is the zero address.
pub fn set_vault_roles(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    admin: Address,
    pauser: Address,
    manager: Address,
) -> Result<(), Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    v.require(sender, v.admin, "admin")?;
    if admin.is_zero() || pauser.is_zero() || manager.is_zero() {
        return Err(VaultError::InvalidParam {
            name: "roles",
            reason: "no role may be the zero address",
        }
        .into());
    }
    v.admin = admin;
    v.pauser = pauser;
    v.manager = manager;
    save(ex, &v);
    ex.emit(Event::VaultRolesSet {
        vault,
        admin,
        pauser,
        manager,
    });
    Ok(())
}

/// `queueVaultParams` action (admin).
///
/// Rules:
/// 1. The sender is the admin; the new parameters hold their own bounds.
/// 2. They replace any pending change and may be applied the *current* `paramDelayBlocks` from
///    now: a change that shortens the delay still waits the delay in force when it was queued.
pub fn queue_vault_params(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    params: &VaultParams,
) -> Result<u32, Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    v.require(sender, v.admin, "admin")?;
    let core_delay = ex.state.params()?.min_withdrawal_delay_blocks;
    validate_params(params, v.assets.len(), core_delay)?;
    let at = math::add_block(ex.block.number, v.params.param_delay_blocks)?;
    v.pending_params = Some((params.clone(), at));
    save(ex, &v);
    ex.emit(Event::VaultParamsQueued {
        vault,
        effective_at_block: at,
    });
    Ok(at)
}

/// `applyVaultParams` action (anyone).
///
/// Rules: a change is pending and its block has come; it becomes the vault's parameters.
pub fn apply_vault_params(ex: &mut Exec<'_>, vault: Address) -> Result<(), Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    match v.pending_params.take() {
        Some((p, at)) if at <= ex.block.number => {
            // The fee owed under the old parameters is charged before they change.
            accrue_fee(ex, &mut v)?;
            v.params = p;
        }
        other => {
            return Err(VaultError::ParamsNotDue {
                effective_at: other.map(|(_, at)| at),
            }
            .into());
        }
    }
    save(ex, &v);
    ex.emit(Event::VaultParamsApplied { vault });
    Ok(())
}

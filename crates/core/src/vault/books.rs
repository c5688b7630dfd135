//! Valuation: the one rate function (`A`, `S`, the rate, conversions) and the protocol fee.
use super::*;

/// `⌊amount · rate / 1e18⌋`: the ETH-wei value of a token amount.
pub fn value_of(amount: U256, rate_wad: U256) -> Result<U256, MathError> {
    mul_div(amount, rate_wad, WAD, Rounding::Down)
}

/// What one asset of the vault is made of, in token units.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetHolding {
    /// Idle in the vault.
    #[serde(with = "dec")]
    pub idle: U256,
    /// Underlying of the node delegators' withdrawable shares.
    #[serde(with = "dec")]
    pub delegated: U256,
    /// Underlying of their pending core withdrawals, at today's payout.
    #[serde(with = "dec")]
    pub queued: U256,
    /// `idle + delegated + queued`.
    #[serde(with = "dec")]
    pub total: U256,
    /// `value(total)`.
    #[serde(with = "dec")]
    pub value: U256,
}

/// The vault's books as of block `now`: per-asset holdings, per-delegator value, `A` and `S`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Books {
    /// Per asset, in the vault's asset order.
    pub assets: Vec<AssetHolding>,
    /// Value restaked or queued through each node delegator.
    #[serde(with = "restake_primitives::decimal::u256_vec")]
    pub delegator_values: Vec<U256>,
    /// Per node delegator, per asset: units delegated or queued (earmarked exits excluded).
    #[serde(skip)]
    pub delegator_units: Vec<Vec<U256>>,
    /// Value of idle assets.
    #[serde(with = "dec")]
    pub idle_value: U256,
    /// Total assets `A`.
    #[serde(with = "dec")]
    pub total_assets: U256,
    /// LRT supply `S`.
    #[serde(with = "dec")]
    pub total_supply: U256,
}

impl Books {
    /// `⌊(A + V) · 1e18 / (S + V)⌋`.
    pub fn rate(&self) -> Result<U256, MathError> {
        mul_div(
            math::add(self.total_assets, VIRTUAL)?,
            WAD,
            math::add(self.total_supply, VIRTUAL)?,
            Rounding::Down,
        )
    }

    /// Shares minted for `value`: `⌊value · (S + V) / (A + V)⌋`.
    pub fn shares_for(&self, value: U256) -> Result<U256, MathError> {
        mul_div(
            value,
            math::add(self.total_supply, VIRTUAL)?,
            math::add(self.total_assets, VIRTUAL)?,
            Rounding::Down,
        )
    }
    /// The checks every way into a vault shares, in this order: `value` is positive and at least
    /// `minDepositValue`; the shares it mints are positive and at least `min_shares_out`; asset
    /// `i`'s holding plus `added` (its own units) stays within its cap, and `A + value` within the
    /// total cap. Returns the shares.
    pub(super) fn deposit_shares(
        &self,
        params: &VaultParams,
        i: usize,
        added: U256,
        value: U256,
        min_shares_out: U256,
    ) -> Result<U256, Error> {
        if value < params.min_deposit_value || value.is_zero() {
            return Err(VaultError::BelowMinimumDeposit {
                value,
                min: params.min_deposit_value,
            }
            .into());
        }
        let shares = self.shares_for(value)?;
        if shares.is_zero() {
            return Err(VaultError::ZeroOutput.into());
        }
        if shares < min_shares_out {
            return Err(VaultError::SlippageShares {
                shares,
                min: min_shares_out,
            }
            .into());
        }
        let holding_after = math::add(
            self.assets.get(i).map(|h| h.total).unwrap_or_default(),
            added,
        )?;
        if let Some(cap) = params.asset_caps.get(i)
            && holding_after > *cap
        {
            return Err(VaultError::CapExceeded {
                cap: "asset",
                after: holding_after,
                limit: *cap,
            }
            .into());
        }
        let total_after = math::add(self.total_assets, value)?;
        if total_after > params.total_cap_value {
            return Err(VaultError::CapExceeded {
                cap: "total",
                after: total_after,
                limit: params.total_cap_value,
            }
            .into());
        }
        Ok(shares)
    }
}

/// Tokens (or wei, for native ETH: one share is one wei) that `shares` of `strategy` stand for.
fn underlying<R: StateRead>(s: &R, strategy: &Address, shares: U256) -> Result<U256, Error> {
    if *strategy == BEACON_CHAIN_ETH_STRATEGY {
        return Ok(shares);
    }
    match s.pool(strategy)? {
        Some(pool) => Ok(pool.shares_to_underlying(shares)?),
        None => Ok(U256::ZERO),
    }
}

/// Computes the books of `v` from the core's state at block `now`.
pub fn books<R: StateRead>(s: &R, v: &Vault, now: u32) -> Result<Books, Error> {
    let mut assets: Vec<AssetHolding> = v
        .assets
        .iter()
        .map(|a| AssetHolding {
            idle: a.idle,
            ..AssetHolding::default()
        })
        .collect();
    let mut delegator_values = Vec::with_capacity(v.delegators.len());
    let mut delegator_units = Vec::with_capacity(v.delegators.len());
    // Each pool once, not once per delegator.
    let mut pools = Vec::with_capacity(v.assets.len());
    for a in &v.assets {
        pools.push(if a.strategy == BEACON_CHAIN_ETH_STRATEGY {
            None
        } else {
            s.pool(&a.strategy)?
        });
    }
    for d in &v.delegators {
        let mut dv = U256::ZERO;
        let mut du = Vec::with_capacity(v.assets.len());
        let op = s.delegated_to(&d.account)?;
        for ((a, h), pool) in v.assets.iter().zip(assets.iter_mut()).zip(&pools) {
            let deposit = crate::share_manager::deposit_shares(s, &d.account, &a.strategy)?;
            let units = if deposit.is_zero() {
                U256::ZERO
            } else {
                let k = s.deposit_scaling_factor(&d.account, &a.strategy)?;
                let sf = s.slashing_factor(&d.account, op.as_ref(), &a.strategy)?;
                let w = crate::shares::calc_withdrawable(k, deposit, sf)?;
                match pool {
                    Some(p) => p.shares_to_underlying(w)?,
                    None => w,
                }
            };
            h.delegated = math::add(h.delegated, units)?;
            dv = math::add(dv, value_of(units, a.rate_wad)?)?;
            du.push(units);
        }
        for q in delegation::queued_withdrawals(s, &d.account, now)? {
            // A withdrawal earmarked for a native redemption already belongs to its holder.
            if s.earmarked_for(&q.withdrawal_root)?.is_some() {
                continue;
            }
            for (strategy, shares) in q.withdrawal.strategies.iter().zip(&q.shares) {
                let Some(i) = v.assets.iter().position(|a| a.strategy == *strategy) else {
                    continue;
                };
                let (Some(a), Some(h)) = (v.assets.get(i), assets.get_mut(i)) else {
                    continue;
                };
                let units = underlying(s, strategy, *shares)?;
                h.queued = math::add(h.queued, units)?;
                dv = math::add(dv, value_of(units, a.rate_wad)?)?;
                if let Some(u) = du.get_mut(i) {
                    *u = math::add(*u, units)?;
                }
            }
        }
        delegator_values.push(dv);
        delegator_units.push(du);
    }
    let mut total_assets = U256::ZERO;
    let mut idle_value = U256::ZERO;
    for (a, h) in v.assets.iter().zip(assets.iter_mut()) {
        h.total = math::add(math::add(h.idle, h.delegated)?, h.queued)?;
        h.value = value_of(h.total, a.rate_wad)?;
        total_assets = math::add(total_assets, h.value)?;
        idle_value = math::add(idle_value, value_of(h.idle, a.rate_wad)?)?;
    }
    let total_supply = s.token(&v.lrt)?.map(|t| t.total_supply).unwrap_or_default();
    Ok(Books {
        assets,
        delegator_values,
        delegator_units,
        idle_value,
        total_assets,
        total_supply,
    })
}

/// Charges the protocol fee on gains above the high-water mark (see the module doc). Returns the
/// books after the charge.
pub(super) fn accrue_fee(ex: &mut Exec<'_>, v: &mut Vault) -> Result<Books, Error> {
    let mut b = books(&ex.state, v, ex.block.number)?;
    settle_losses(ex, v, &mut b)?;
    let r = b.rate()?;
    if r <= v.high_water_mark {
        return Ok(b);
    }
    let gain = mul_div(
        math::sub(r, v.high_water_mark)?,
        b.total_supply,
        WAD,
        Rounding::Down,
    )?;
    let fee_value = mul_div(
        gain,
        U256::from(v.params.fee_bps),
        U256::from(BPS),
        Rounding::Down,
    )?;
    let assets_v = math::add(b.total_assets, VIRTUAL)?;
    let fee_shares = if fee_value.is_zero() || fee_value >= assets_v {
        U256::ZERO
    } else {
        // Shares worth `fee_value` once minted: f / (S + V + f) = fee / (A + V).
        mul_div(
            fee_value,
            math::add(b.total_supply, VIRTUAL)?,
            math::sub(assets_v, fee_value)?,
            Rounding::Down,
        )?
    };
    if !fee_shares.is_zero() {
        mint_lrt(ex, v, v.params.treasury, fee_shares)?;
        b.total_supply = math::add(b.total_supply, fee_shares)?;
    }
    let new_mark = b.rate()?;
    if !fee_shares.is_zero() {
        ex.emit(Event::VaultFeeCharged {
            vault: v.address,
            shares: fee_shares,
            value: fee_value,
            high_water_mark: new_mark,
        });
    }
    v.high_water_mark = new_mark;
    Ok(b)
}

pub(super) fn mint_lrt(
    ex: &mut Exec<'_>,
    v: &Vault,
    to: Address,
    shares: U256,
) -> Result<(), Error> {
    tokens::mint(ex, v.address, v.lrt, to, shares)
}

pub(super) fn burn_lrt(
    ex: &mut Exec<'_>,
    v: &Vault,
    holder: Address,
    shares: U256,
) -> Result<(), Error> {
    tokens::destroy(ex, v.lrt, holder, shares)
}

pub(super) fn validate_params(
    p: &VaultParams,
    assets: usize,
    core_delay: u32,
) -> Result<(), VaultError> {
    let bad = |name, reason| Err(VaultError::InvalidParam { name, reason });
    if p.fee_bps > MAX_FEE_BPS {
        return bad("feeBps", "at most 2000 (20%)");
    }
    if p.fee_bps > 0 && p.treasury.is_zero() {
        return bad("treasury", "needed when feeBps is set");
    }
    if p.operator_cap_bps == 0 || p.operator_cap_bps > BPS {
        return bad("operatorCapBps", "between 1 and 10000");
    }
    if p.instant_fee_max_bps > MAX_INSTANT_FEE_BPS || p.instant_fee_min_bps > p.instant_fee_max_bps
    {
        return bad("instantFeeMaxBps", "min <= max <= 1000");
    }
    if p.buffer_floor_bps > p.buffer_target_bps || p.buffer_target_bps > BPS {
        return bad("bufferTargetBps", "floor <= target <= 10000");
    }
    if p.max_rate_step_bps == 0 || p.max_rate_step_bps > BPS {
        return bad("maxRateStepBps", "between 1 and 10000");
    }
    if p.cooldown_blocks < core_delay {
        return bad("cooldownBlocks", "at least the core's withdrawal delay");
    }
    if p.param_delay_blocks < p.cooldown_blocks {
        return bad("paramDelayBlocks", "at least cooldownBlocks");
    }
    if !p.asset_caps.is_empty() && p.asset_caps.len() != assets {
        return bad("assetCaps", "one cap per asset, or none");
    }
    Ok(())
}

/// Covers losses from first-loss bonds. For each node delegator, the value of its shortfall
/// against the units it held at the vault's last look (slashing: AVS or beacon chain) is paid
/// by burning the operator's bonded shares that restore the rate of before the loss (rounded
/// up), as far as the bond goes; what it cannot cover stays with all holders. Then every delegator's holding is
/// recorded as the new reference.
pub(super) fn settle_losses(ex: &mut Exec<'_>, v: &mut Vault, b: &mut Books) -> Result<(), Error> {
    for (i, d) in v.delegators.iter_mut().enumerate() {
        let actual = b.delegator_units.get(i).cloned().unwrap_or_default();
        let mut loss = U256::ZERO;
        for ((a, now), before) in v.assets.iter().zip(&actual).zip(&d.tracked) {
            if now < before {
                loss = math::add(loss, value_of(math::sub(*before, *now)?, a.rate_wad)?)?;
            }
        }
        d.tracked = actual;
        if loss.is_zero() || d.bond.is_zero() {
            continue;
        }
        // The shares whose burning brings the rate back to where it stood before the loss:
        // `loss · (S + V) / (A_before + V)`, with `A_before = A + loss`.
        let worth = mul_div(
            loss,
            math::add(b.total_supply, VIRTUAL)?,
            math::add(math::add(b.total_assets, loss)?, VIRTUAL)?,
            Rounding::Up,
        )?;
        let burned = worth.min(d.bond);
        d.bond = math::sub(d.bond, burned)?;
        d.bond_unlocking = d.bond_unlocking.min(d.bond);
        tokens::destroy(ex, v.lrt, v.address, burned)?;
        b.total_supply = math::sub(b.total_supply, burned)?;
        ex.emit(Event::VaultBondBurned {
            vault: v.address,
            operator: d.operator,
            shares: burned,
            loss,
        });
    }
    Ok(())
}

/// Records every node delegator's current holding as the reference for [`settle_losses`]
/// (after the vault itself moved value in or out of the core).
pub(super) fn refresh_tracked(ex: &Exec<'_>, v: &mut Vault) -> Result<(), Error> {
    let b = books(&ex.state, v, ex.block.number)?;
    for (d, units) in v.delegators.iter_mut().zip(b.delegator_units) {
        d.tracked = units;
    }
    Ok(())
}

//! Leaving the vault: redemption requests finalized first in, first out, and instant exits.
use super::*;

/// `requestRedeem` action.
///
/// Rules:
/// 1. Requests are not paused (bit 1); the payout token is an asset; the sender did not deposit
///    into this vault in this block.
/// 2. The protocol fee is charged; the request is worth something at today's rate
///    (`⌊shares · r / 1e18⌋ > 0`).
/// 3. The shares move from the sender into the vault's escrow (they stay in `S`); the request
///    records `r` and joins the back of the queue.
pub fn request_redeem(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    shares: U256,
    token: Address,
) -> Result<u64, Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    v.require_not_paused(PAUSED_REQUESTS)?;
    v.asset_index(&token)?;
    require_not_same_block(ex, &vault, &sender)?;
    let b = accrue_fee(ex, &mut v)?;
    let rate = b.rate()?;
    if shares.is_zero() || mul_div(shares, rate, WAD, Rounding::Down)?.is_zero() {
        return Err(VaultError::ZeroOutput.into());
    }
    tokens::move_tokens(ex, &v.lrt, &sender, &vault, shares)?;
    let id = v.next_request;
    v.next_request = math::inc_u64(id)?;
    let req = RedeemRequest {
        id,
        owner: sender,
        shares,
        token,
        rate_at_request: rate,
        requested_at: ex.block.number,
        status: RequestStatus::Pending,
        payout: U256::ZERO,
        core_withdrawal: None,
    };
    ex.state.put(request_key(&vault, id), &req);
    ex.state.put_flag(owner_request_key(&vault, &sender, id));
    save(ex, &v);
    ex.emit(Event::RedeemRequested {
        vault,
        request_id: id,
        owner: sender,
        shares,
        token,
        rate_at_request: rate,
    });
    Ok(id)
}

/// `finalizeRedeemRequests` action (anyone: no keeper is trusted).
///
/// Rules:
/// 1. Finalizing is not paused (bit 2); `maxRequests` is 1–100.
/// 2. The protocol fee is charged; `r` is today's rate.
/// 3. From the head of the queue, in order, while the request is at least `cooldownBlocks` old:
///    `value = ⌊shares · min(r_request, r) / 1e18⌋`, `payout = ⌊value · 1e18 / rate_token⌋`;
///    if idle tokens of its asset cannot cover the payout, stop (no request is ever skipped).
///    Otherwise burn its shares, move the payout from idle to escrow, mark it finalized.
///    Native ETH: the first node delegator whose withdrawable ETH shares cover `value` queues
///    the deposit shares worth at most `value` (`divWad(divWad(value, k), sf)`); the withdrawal
///    is earmarked for the request and leaves `A`. No such delegator: stop.
/// 4. At least one request must be finalized.
pub fn finalize_redeem_requests(
    ex: &mut Exec<'_>,
    vault: Address,
    max_requests: u32,
) -> Result<u32, Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    v.require_not_paused(PAUSED_FINALIZE)?;
    if max_requests == 0 || max_requests > MAX_FINALIZE_PER_CALL {
        return Err(VaultError::InvalidParam {
            name: "maxRequests",
            reason: "between 1 and 100",
        }
        .into());
    }
    let b = accrue_fee(ex, &mut v)?;
    let rate = b.rate()?;
    let mut done = 0u32;
    while done < max_requests && v.finalize_head < v.next_request {
        let id = v.finalize_head;
        let mut req = ex
            .state
            .redeem_request(&vault, id)?
            .ok_or(VaultError::UnknownRequest(id))?;
        if math::add_block(req.requested_at, v.params.cooldown_blocks)? > ex.block.number {
            break;
        }
        let i = v.asset_index(&req.token)?;
        let applied = rate.min(req.rate_at_request);
        let value = mul_div(req.shares, applied, WAD, Rounding::Down)?;
        let payout = if is_native(&req.token) {
            // Native ETH leaves through a core withdrawal of a node delegator's ETH shares,
            // paid from its pod to the owner at the claim.
            let Some((root, payout)) = native::queue_native_exit(ex, &v, id, value)? else {
                break;
            };
            req.core_withdrawal = Some(root);
            payout
        } else {
            let a = v.asset_mut(i)?;
            let payout = mul_div(value, WAD, a.rate_wad, Rounding::Down)?;
            if payout > a.idle {
                break;
            }
            a.idle = math::sub(a.idle, payout)?;
            a.escrow = math::add(a.escrow, payout)?;
            payout
        };
        burn_lrt(ex, &v, vault, req.shares)?;
        req.status = RequestStatus::Finalized;
        req.payout = payout;
        ex.state.put(request_key(&vault, id), &req);
        ex.emit(Event::RedeemFinalized {
            vault,
            request_id: id,
            token: req.token,
            amount: payout,
            rate_applied: applied,
        });
        v.finalize_head = math::inc_u64(id)?;
        done = done.saturating_add(1);
    }
    if done == 0 {
        return Err(VaultError::NothingToFinalize.into());
    }
    refresh_tracked(ex, &mut v)?;
    save(ex, &v);
    Ok(done)
}

/// `claimRedeem` action.
///
/// Rules:
/// 1. Claims are not paused (bit 3); the request exists, belongs to the sender and is finalized.
/// 2. Its payout moves from the vault's escrow to the sender; the request is marked claimed.
/// 3. Native ETH: the request's core withdrawal is completed (after the core's delay) with the
///    node delegator's pod paying the sender (`PodPayout`); slashing up to the end of the delay
///    reaches it, as it reaches every queued withdrawal.
pub fn claim_redeem(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    request_id: u64,
) -> Result<(), Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    v.require_not_paused(PAUSED_CLAIMS)?;
    let mut req = ex
        .state
        .redeem_request(&vault, request_id)?
        .ok_or(VaultError::UnknownRequest(request_id))?;
    v.require(sender, req.owner, "request owner")?;
    if req.status != RequestStatus::Finalized {
        return Err(VaultError::RequestNotClaimable {
            id: request_id,
            status: req.status.name(),
        }
        .into());
    }
    let amount = match req.core_withdrawal {
        Some(root) => native::pay_native_exit(ex, &v, root, sender)?,
        None => {
            let i = v.asset_index(&req.token)?;
            let a = v.asset_mut(i)?;
            a.escrow = math::sub(a.escrow, req.payout)?;
            tokens::move_tokens(ex, &req.token, &vault, &sender, req.payout)?;
            req.payout
        }
    };
    req.status = RequestStatus::Claimed;
    ex.state.put(request_key(&vault, request_id), &req);
    ex.state
        .delete(&owner_request_key(&vault, &sender, request_id));
    save(ex, &v);
    ex.emit(Event::RedeemClaimed {
        vault,
        request_id,
        owner: sender,
        token: req.token,
        amount,
    });
    Ok(())
}

/// The instant-exit fee in bps when idle value falls to `after` with total assets `a`.
pub fn instant_fee_bps(p: &VaultParams, after: U256, a: U256) -> Result<Option<u16>, MathError> {
    let target = mul_div(
        a,
        U256::from(p.buffer_target_bps),
        U256::from(BPS),
        Rounding::Down,
    )?;
    let floor = mul_div(
        a,
        U256::from(p.buffer_floor_bps),
        U256::from(BPS),
        Rounding::Up,
    )?;
    if after < floor {
        return Ok(None);
    }
    if after >= target || target == floor {
        return Ok(Some(p.instant_fee_min_bps));
    }
    let span = U256::from(p.instant_fee_max_bps.saturating_sub(p.instant_fee_min_bps));
    let extra = mul_div(
        span,
        math::sub(target, after)?,
        math::sub(target, floor)?,
        Rounding::Up,
    )?;
    let extra = u16::try_from(extra).map_err(|_| MathError::Overflow)?;
    Ok(Some(p.instant_fee_min_bps.saturating_add(extra)))
}

/// `instantRedeem` action.
///
/// Rules:
/// 1. Instant exits are not paused (bit 4); the token is an asset; the sender did not deposit in
///    this block.
/// 2. The protocol fee is charged; `gross = ⌊shares · r / 1e18⌋`; idle value after
///    `idle − gross` must stay at or above the floor; the fee is [`instant_fee_bps`] of it,
///    rounded up, and stays in the vault (with the holders).
/// 3. `amount = ⌊(gross − fee) · 1e18 / rate_token⌋` is positive, covered by idle tokens and at
///    least `minAmountOut`; the shares are burned and the tokens paid.
pub fn instant_redeem(
    ex: &mut Exec<'_>,
    sender: Address,
    vault: Address,
    shares: U256,
    token: Address,
    min_amount_out: U256,
) -> Result<U256, Error> {
    let mut v = require_vault(&ex.state, &vault)?;
    v.require_not_paused(PAUSED_INSTANT)?;
    let i = v.asset_index(&token)?;
    if is_native(&token) {
        return Err(
            VaultError::NativeAsset("no idle ETH to exit from at once; use requestRedeem").into(),
        );
    }
    require_not_same_block(ex, &vault, &sender)?;
    let b = accrue_fee(ex, &mut v)?;
    let gross = mul_div(shares, b.rate()?, WAD, Rounding::Down)?;
    let after = b.idle_value.saturating_sub(gross);
    let fee_bps = instant_fee_bps(&v.params, after, b.total_assets)?
        .filter(|_| gross <= b.idle_value)
        .ok_or(VaultError::BufferBelowFloor {
            after,
            floor: mul_div(
                b.total_assets,
                U256::from(v.params.buffer_floor_bps),
                U256::from(BPS),
                Rounding::Up,
            )?,
        })?;
    let fee = mul_div(gross, U256::from(fee_bps), U256::from(BPS), Rounding::Up)?;
    let net = gross.saturating_sub(fee);
    let a = v.asset_mut(i)?;
    let amount = mul_div(net, WAD, a.rate_wad, Rounding::Down)?;
    if amount.is_zero() {
        return Err(VaultError::ZeroOutput.into());
    }
    if amount > a.idle {
        return Err(VaultError::InsufficientIdle {
            token,
            idle: a.idle,
            needed: amount,
        }
        .into());
    }
    if amount < min_amount_out {
        return Err(VaultError::SlippageAmount {
            amount,
            min: min_amount_out,
        }
        .into());
    }
    a.idle = math::sub(a.idle, amount)?;
    burn_lrt(ex, &v, sender, shares)?;
    tokens::move_tokens(ex, &token, &vault, &sender, amount)?;
    save(ex, &v);
    ex.emit(Event::InstantRedeemed {
        vault,
        owner: sender,
        shares,
        token,
        amount,
        fee_bps,
    });
    Ok(amount)
}

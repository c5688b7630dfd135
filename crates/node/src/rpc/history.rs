//! `restake_getTotals`, `restake_getSlashes`, `restake_getWithdrawals`, `restake_getTvlHistory`,
//! `restake_getVaultRateHistory`: histories from the node's index (payouts from the state).

use super::Api;
use super::codes;
use super::error::{err, internal};
use super::index::{index_error, limit};
use crate::index::{self, MAX_POINTS, Series, SlashFilter};
use alloy_primitives::Address;
use jsonrpsee::core::RpcResult;
use restake_core::config::ConfigRead;
use restake_rpc_api::types::{
    DelegatedShares, PageRequest, RatePoint, SeriesRange, SlashItem, SlashQuery, SlashedStrategy,
    SlashesPage, TotalsResponse, TvlHistory, TvlPoint, VaultRateHistory, WithdrawalItem,
    WithdrawalQuery, WithdrawalStatus, WithdrawalStrategy, WithdrawalsPage,
};

/// Points in a series answer when the request names no number.
const DEFAULT_POINTS: usize = 200;

pub(super) fn slashes(
    api: &Api,
    query: SlashQuery,
    page: Option<PageRequest>,
) -> RpcResult<SlashesPage> {
    if query.operator_set_id.is_some() && query.avs.is_none() {
        return Err(err(
            codes::INVALID_PARAMS,
            "operatorSetId needs avs: a set is named by its AVS and id",
        ));
    }
    let page = page.unwrap_or_default();
    let filter = SlashFilter {
        operator: query.operator,
        avs: query.avs,
        set_id: query.operator_set_id,
        staker: query.staker,
    };
    let found = api
        .node
        .index()
        .slashes(&filter, page.cursor.as_deref(), limit(&page)?)
        .map_err(index_error)?;
    Ok(SlashesPage {
        items: found
            .items
            .into_iter()
            .map(|s| SlashItem {
                block_number: s.position.height,
                description: s.description,
                operator: s.operator,
                operator_set: s.operator_set,
                slash_id: s.slash_id,
                strategies: s
                    .strategies
                    .into_iter()
                    .map(|a| SlashedStrategy {
                        burn_or_redistributable_shares: a.burn_or_redistributable,
                        shares_slashed: a.operator_shares,
                        strategy: a.strategy,
                        wad_slashed: a.wad_slashed,
                    })
                    .collect(),
                transaction_hash: s.tx,
            })
            .collect(),
        next: found.next,
    })
}

pub(super) fn withdrawals(
    api: &Api,
    query: WithdrawalQuery,
    page: Option<PageRequest>,
) -> RpcResult<WithdrawalsPage> {
    let page = page.unwrap_or_default();
    let status = query.status.map(|s| match s {
        WithdrawalStatus::Queued => index::WithdrawalStatus::Queued,
        WithdrawalStatus::Completed => index::WithdrawalStatus::Completed,
    });
    let found = api
        .node
        .index()
        .withdrawals(
            query.staker.as_ref(),
            status,
            page.cursor.as_deref(),
            limit(&page)?,
        )
        .map_err(index_error)?;
    let view = api.view()?;
    let now = api.now();
    let d = view.params().map_err(internal)?.min_withdrawal_delay_blocks;
    let mut items = Vec::with_capacity(found.items.len());
    for w in found.items {
        // Still queued in the state: what it pays now. The index may be a block behind the
        // state, so a withdrawal it holds as queued may just have been completed.
        let pending = match w.completed_at {
            Some(_) => None,
            None => {
                restake_core::delegation::queued_withdrawal(&view, w.root, now).map_err(internal)?
            }
        };
        let payouts = pending.map(|p| p.shares);
        let completable_at = u64::from(w.withdrawal.start_block)
            .saturating_add(u64::from(d))
            .saturating_add(1);
        let strategies = w
            .withdrawal
            .strategies
            .iter()
            .enumerate()
            .map(|(i, strategy)| WithdrawalStrategy {
                payout: payouts.as_ref().and_then(|p| p.get(i).copied()),
                scaled_shares: w
                    .withdrawal
                    .scaled_shares
                    .get(i)
                    .copied()
                    .unwrap_or_default(),
                shares_at_queue: w.shares_at_queue.get(i).copied().unwrap_or_default(),
                strategy: *strategy,
            })
            .collect();
        items.push(WithdrawalItem {
            completable_at,
            completed_at: w.completed_at,
            delegated_to: w.withdrawal.delegated_to,
            nonce: w.withdrawal.nonce,
            staker: w.withdrawal.staker,
            start_block: u64::from(w.withdrawal.start_block),
            status: if w.completed_at.is_some() {
                WithdrawalStatus::Completed
            } else {
                WithdrawalStatus::Queued
            },
            strategies,
            transaction_hash: w.tx,
            withdrawal_root: w.root,
            withdrawer: w.withdrawal.withdrawer,
        });
    }
    Ok(WithdrawalsPage {
        items,
        next: found.next,
    })
}

/// The heights and number of points a range asks for, checked against the head.
fn range(api: &Api, range: SeriesRange) -> RpcResult<(u64, u64, usize)> {
    let head = api.height();
    let to = range.to_block.unwrap_or(head).min(head);
    let from = range.from_block.unwrap_or(0);
    if from > to {
        return Err(err(
            codes::INVALID_PARAMS,
            format!("fromBlock {from} is after toBlock {to}"),
        ));
    }
    let points = match range.points {
        None => DEFAULT_POINTS,
        Some(n) => usize::try_from(n)
            .ok()
            .filter(|n| (1..=MAX_POINTS).contains(n))
            .ok_or_else(|| {
                err(
                    codes::INVALID_PARAMS,
                    format!("points must be 1 to {MAX_POINTS}"),
                )
            })?,
    };
    Ok((from, to, points))
}

pub(super) fn tvl(api: &Api, strategy: Address, r: SeriesRange) -> RpcResult<TvlHistory> {
    let (from, to, points) = range(api, r)?;
    let found = api
        .node
        .index()
        .series(Series::Tvl, &strategy, from, to, points)
        .map_err(index_error)?;
    Ok(TvlHistory {
        points: found
            .into_iter()
            .map(|(block_number, tvl)| TvlPoint { block_number, tvl })
            .collect(),
    })
}

pub(super) fn vault_rate(api: &Api, vault: Address, r: SeriesRange) -> RpcResult<VaultRateHistory> {
    let (from, to, points) = range(api, r)?;
    let found = api
        .node
        .index()
        .series(Series::VaultRate, &vault, from, to, points)
        .map_err(index_error)?;
    Ok(VaultRateHistory {
        points: found
            .into_iter()
            .map(|(block_number, rate)| RatePoint { block_number, rate })
            .collect(),
    })
}

pub(super) fn totals(api: &Api) -> RpcResult<TotalsResponse> {
    let index = api.node.index();
    let t = index.totals().map_err(index_error)?;
    let next = index.next_height().map_err(index_error)?;
    Ok(TotalsResponse {
        avss: t.avss,
        delegated_shares: t
            .delegated_shares
            .into_iter()
            .map(|(strategy, shares)| DelegatedShares { shares, strategy })
            .collect(),
        delegated_stakers: t.delegated_stakers,
        index_height: next.saturating_sub(1),
        operator_sets: t.operator_sets,
        operators: t.operators,
        slashes: t.slashes,
        stakers: t.stakers,
        withdrawals_pending: t.withdrawals_pending,
        withdrawals_queued: t.withdrawals_queued,
    })
}

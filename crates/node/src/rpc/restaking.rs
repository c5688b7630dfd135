//! Restaking queries: tokens, pools, stakers, operators, operator sets, allocations.

use super::error::{err, internal};
use super::{Api, codes};
use alloy_primitives::{Address, U256};
use jsonrpsee::core::RpcResult;
use restake_core::allocation::{self, AllocationRead};
use restake_core::keys::KeysRead;
use restake_core::pool::PoolRead;
use restake_core::tables::TablesRead;
use restake_core::tokens::TokensRead;
use restake_core::views;
use restake_primitives::OperatorSet;
use restake_rpc_api::types::{
    AllocationResponse, OperatorSetResponse, OperatorView, SlasherChange, StakerView,
    StrategySummary, TokenSummary,
};

/// `restake_getTokens`.
pub(super) fn tokens(api: &Api) -> RpcResult<Vec<TokenSummary>> {
    let view = api.view()?;
    let tokens = view.tokens().map_err(internal)?;
    Ok(tokens
        .into_iter()
        .map(|(token, t)| TokenSummary {
            decimals: t.decimals,
            minter: t.minter,
            symbol: t.symbol,
            token,
            total_supply: t.total_supply,
        })
        .collect())
}

/// `restake_getTokenBalance`.
pub(super) fn token_balance(api: &Api, token: Address, account: Address) -> RpcResult<String> {
    let view = api.view()?;
    if view.token(&token).map_err(internal)?.is_none() {
        return Err(err(codes::NOT_FOUND, format!("unknown token {token}")));
    }
    Ok(view
        .balance_of(&token, &account)
        .map_err(internal)?
        .to_string())
}

/// `restake_getStrategies`.
pub(super) fn strategies(api: &Api) -> RpcResult<Vec<StrategySummary>> {
    let view = api.view()?;
    let mut out = Vec::new();
    for (strategy, pool) in view.pools().map_err(internal)? {
        let symbol = view
            .token(&pool.token)
            .map_err(internal)?
            .map(|t| t.symbol)
            .unwrap_or_default();
        let underlying_per_share = pool
            .shares_to_underlying(U256::from(10).pow(U256::from(18)))
            .map_err(internal)?;
        out.push(StrategySummary {
            balance: pool.balance,
            strategy,
            symbol,
            token: pool.token,
            total_shares: pool.total_shares,
            underlying_per_share,
        });
    }
    Ok(out)
}

/// `restake_getStaker`.
pub(super) fn staker(api: &Api, address: Address) -> RpcResult<StakerView> {
    views::staker(&api.view()?, &address, api.now()).map_err(internal)
}

/// `restake_getOperator`.
pub(super) fn operator(api: &Api, address: Address) -> RpcResult<Option<OperatorView>> {
    views::operator(&api.view()?, &address, api.now()).map_err(internal)
}

/// `restake_getOperatorSet`.
pub(super) fn operator_set(
    api: &Api,
    avs: Address,
    operator_set_id: u32,
) -> RpcResult<Option<OperatorSetResponse>> {
    let view = api.view()?;
    let set = OperatorSet::new(avs, operator_set_id);
    let Some(info) = view.operator_set(&set).map_err(internal)? else {
        return Ok(None);
    };
    let members = view.members(&set).map_err(internal)?;
    Ok(Some(OperatorSetResponse {
        avs,
        equivocation_wad_to_slash: info.equivocation_wad_to_slash,
        key_scheme: view.key_scheme(&set).map_err(internal)?,
        latest_table: view.operator_table(&set).map_err(internal)?,
        members,
        operator_set_id,
        redistribution_recipient: info.redistribution_recipient,
        registration_policy: info.registration_policy,
        slash_count: info.slash_count,
        slasher: info.slasher.at(api.now()),
        slasher_change: SlasherChange {
            effect_block: info.slasher.effect_block,
            pending_slasher: info.slasher.pending_slasher,
        },
        strategies: info.strategies,
    }))
}

/// `restake_getAllocation`.
pub(super) fn allocation(
    api: &Api,
    operator: Address,
    avs: Address,
    operator_set_id: u32,
    strategy: Address,
) -> RpcResult<AllocationResponse> {
    let view = api.view()?;
    let set = OperatorSet::new(avs, operator_set_id);
    if view.operator_set(&set).map_err(internal)?.is_none() {
        return Err(err(codes::NOT_FOUND, format!("unknown operator set {set}")));
    }
    let now = api.now();
    let (info, a) = view
        .updated_allocation(&operator, &set, &strategy, now)
        .map_err(internal)?;
    let slashable_shares =
        allocation::minimum_slashable_stake(&view, &set, &operator, &strategy, now, now)
            .map_err(internal)?;
    Ok(AllocationResponse {
        current_magnitude: a.current_magnitude,
        effect_block: a.effect_block,
        encumbered_magnitude: info.encumbered_magnitude,
        is_slashable: view
            .is_operator_slashable(&operator, &set, now)
            .map_err(internal)?,
        max_magnitude: info.max_magnitude,
        pending_diff: a.pending_diff,
        slashable_shares,
    })
}

//! `restake_getEvents`, `restake_getTransactionsByAddress`, `restake_getOperators`,
//! `restake_getOperatorStakers`, `restake_getAvsList`, `restake_getOperatorSets`: lists from the
//! node's index.

use super::Api;
use super::codes;
use super::error::{err, internal};
use crate::index::{EventFilter, IndexError, MAX_LIMIT};
use alloy_primitives::Address;
use jsonrpsee::core::RpcResult;
use jsonrpsee::types::ErrorObjectOwned;
use restake_rpc_api::types::{
    AvsListItem, AvsPage, Commission, DelegatedStaker, EventQuery, EventsPage, IndexedEventItem,
    OperatorListItem, OperatorSetListItem, OperatorSetsPage, OperatorsPage, PageRequest,
    ProposedBlock, ProposedBlocksPage, StakersPage, TransactionRef, TransactionsPage,
};

/// Items in a page when the request names no limit.
const DEFAULT_LIMIT: usize = 50;

pub(super) fn limit(page: &PageRequest) -> RpcResult<usize> {
    match page.limit {
        None => Ok(DEFAULT_LIMIT),
        Some(n) => usize::try_from(n)
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                err(
                    codes::INVALID_PARAMS,
                    format!("limit must be 1 to {MAX_LIMIT}"),
                )
            }),
    }
}

pub(super) fn index_error(e: IndexError) -> ErrorObjectOwned {
    match e {
        IndexError::BadCursor => err(
            codes::INVALID_PARAMS,
            "invalid cursor: pass the `next` of the page before",
        ),
        other => internal(other),
    }
}

pub(super) fn events(
    api: &Api,
    query: EventQuery,
    page: Option<PageRequest>,
) -> RpcResult<EventsPage> {
    let page = page.unwrap_or_default();
    let head = api.height();
    let to = query.to_block.unwrap_or(head).min(head);
    if query.from_block > to {
        return Err(err(
            codes::INVALID_PARAMS,
            format!("fromBlock {} is after toBlock {to}", query.from_block),
        ));
    }
    let filter = EventFilter {
        from: query.from_block,
        to,
        address: query.address,
        kind: query.kind,
    };
    let found = api
        .node
        .index()
        .events(&filter, page.cursor.as_deref(), limit(&page)?)
        .map_err(index_error)?;
    Ok(EventsPage {
        items: found
            .items
            .into_iter()
            .map(|e| IndexedEventItem {
                block_number: e.position.height,
                event: e.event,
                event_index: e.position.event,
                transaction_hash: e.tx,
                transaction_index: e.position.tx,
            })
            .collect(),
        next: found.next,
    })
}

pub(super) fn transactions_by_address(
    api: &Api,
    address: Address,
    page: Option<PageRequest>,
) -> RpcResult<TransactionsPage> {
    let page = page.unwrap_or_default();
    let found = api
        .node
        .index()
        .transactions_by_address(&address, page.cursor.as_deref(), limit(&page)?)
        .map_err(index_error)?;
    Ok(TransactionsPage {
        items: found
            .items
            .into_iter()
            .map(|t| TransactionRef {
                block_number: t.height,
                transaction_hash: t.hash,
                transaction_index: t.index,
            })
            .collect(),
        next: found.next,
    })
}

pub(super) fn operators(api: &Api, page: Option<PageRequest>) -> RpcResult<OperatorsPage> {
    let page = page.unwrap_or_default();
    let found = api
        .node
        .index()
        .operators(page.cursor.as_deref(), limit(&page)?)
        .map_err(index_error)?;
    let view = api.view()?;
    let epoch = restake_core::rewards::epoch_of(&view, api.now()).map_err(internal)?;
    let mut items = Vec::with_capacity(found.items.len());
    for o in found.items {
        // The index follows the state by at most a block: an operator it lists is one.
        if let Some(operator) =
            restake_core::views::operator(&view, &o.operator, api.now()).map_err(internal)?
        {
            let avss: std::collections::BTreeSet<Address> = operator
                .allocations
                .iter()
                .map(|a| a.operator_set.avs)
                .collect();
            let mut commissions = Vec::with_capacity(avss.len());
            for avs in avss {
                commissions.push(Commission {
                    avs,
                    split_bips: restake_core::rewards::split_bips(&view, &o.operator, &avs, epoch)
                        .map_err(internal)?,
                });
            }
            items.push(OperatorListItem {
                commissions,
                operator,
                registered_at: o.registered_at,
                slashes: api
                    .node
                    .index()
                    .slash_count(&o.operator)
                    .map_err(index_error)?,
                stakers: o.stakers,
            });
        }
    }
    Ok(OperatorsPage {
        items,
        next: found.next,
    })
}

pub(super) fn operator_stakers(
    api: &Api,
    operator: Address,
    page: Option<PageRequest>,
) -> RpcResult<StakersPage> {
    let page = page.unwrap_or_default();
    let found = api
        .node
        .index()
        .operator_stakers(&operator, page.cursor.as_deref(), limit(&page)?)
        .map_err(index_error)?;
    Ok(StakersPage {
        items: found
            .items
            .into_iter()
            .map(|s| DelegatedStaker {
                delegated_at: s.delegated_at,
                staker: s.staker,
            })
            .collect(),
        next: found.next,
    })
}

pub(super) fn avs_list(api: &Api, page: Option<PageRequest>) -> RpcResult<AvsPage> {
    let page = page.unwrap_or_default();
    let found = api
        .node
        .index()
        .avss(page.cursor.as_deref(), limit(&page)?)
        .map_err(index_error)?;
    Ok(AvsPage {
        items: found
            .items
            .into_iter()
            .map(|a| AvsListItem {
                avs: a.avs,
                first_seen_at: a.first_seen_at,
                metadata_uri: a.metadata_uri,
                operator_sets: a.operator_sets,
            })
            .collect(),
        next: found.next,
    })
}

pub(super) fn operator_sets(
    api: &Api,
    avs: Address,
    page: Option<PageRequest>,
) -> RpcResult<OperatorSetsPage> {
    let page = page.unwrap_or_default();
    let found = api
        .node
        .index()
        .operator_sets(&avs, page.cursor.as_deref(), limit(&page)?)
        .map_err(index_error)?;
    Ok(OperatorSetsPage {
        items: found
            .items
            .into_iter()
            .map(|s| OperatorSetListItem {
                created_at: s.created_at,
                id: s.id,
            })
            .collect(),
        next: found.next,
    })
}

pub(super) fn blocks_by_proposer(
    api: &Api,
    proposer: Address,
    page: Option<PageRequest>,
) -> RpcResult<ProposedBlocksPage> {
    let page = page.unwrap_or_default();
    let found = api
        .node
        .index()
        .blocks_by_proposer(&proposer, page.cursor.as_deref(), limit(&page)?)
        .map_err(index_error)?;
    Ok(ProposedBlocksPage {
        items: found
            .items
            .into_iter()
            .map(|(block_number, transactions)| ProposedBlock {
                block_number,
                transactions,
            })
            .collect(),
        next: found.next,
    })
}

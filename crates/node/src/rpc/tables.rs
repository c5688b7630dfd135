//! `restake_getOperatorTable`, `restake_getTask`, `restake_getTasks`: what services read.

use super::Api;
use super::error::{err, internal};
use jsonrpsee::core::RpcResult;
use restake_certificate::{OperatorTable, TableTree};
use restake_core::tables::{TablesRead, table_key_at};
use restake_core::tasks::{Task, TaskStatus, TasksRead};
use restake_primitives::OperatorSet;
use restake_rpc_api::codes;
use restake_rpc_api::types::{
    OperatorTableEntry, OperatorTableQuery, OperatorTableResponse, PageRequest, TableStateProof,
    TaskQuery, TasksPage,
};

/// `restake_getOperatorTable`: the table in force at the asked height, each entry with its proof.
pub(super) fn operator_table(
    api: &Api,
    query: OperatorTableQuery,
) -> RpcResult<OperatorTableResponse> {
    let latest = api.height();
    let height = query.height.unwrap_or(latest);
    if height > latest {
        return Err(err(
            codes::NOT_FOUND,
            format!("height {height} is ahead of the last block {latest}"),
        ));
    }
    let set = OperatorSet::new(query.avs, query.set_id);
    let state = api.node.store().state().map_err(internal)?;
    let table: OperatorTable = state
        .operator_table_at(&set, height)
        .map_err(internal)?
        .ok_or_else(|| {
            err(
                codes::NOT_FOUND,
                format!("operator set {set} has no table at or before height {height}"),
            )
        })?;
    let store = api.node.store();
    let entries = state
        .table_entries(&set, table.reference_height)
        .map_err(internal)?;
    let tree = TableTree::new(&entries).map_err(internal)?;
    if tree.root() != table.root {
        return Err(internal(format!(
            "the stored entries of {set} do not match its root"
        )));
    }
    let key = table_key_at(&set, table.reference_height);
    let (value, proof) = store
        .get_with_proof(&key, height)
        .map_err(|e| err(codes::NOT_FOUND, e.to_string()))?;
    let state_root = store.root_at(height).map_err(internal)?.ok_or_else(|| {
        err(
            codes::NOT_FOUND,
            format!("no state root at height {height}"),
        )
    })?;
    let mut out = Vec::with_capacity(entries.len());
    for (i, e) in (0u32..).zip(entries) {
        out.push(OperatorTableEntry {
            index: i,
            key_data: e.key_data,
            operator: e.operator,
            proof: tree.proof(i).map_err(internal)?,
            stakes: e.stakes,
            weight: e.weight,
        });
    }
    Ok(OperatorTableResponse {
        aggregate_key: table.aggregate_key,
        avs: set.avs,
        entries: out,
        key_scheme: table.key_scheme,
        operator_count: table.operator_count,
        operator_set_id: set.id,
        reference_height: table.reference_height,
        root: table.root,
        state_proof: TableStateProof {
            height,
            key: key.into(),
            proof: proof.into(),
            state_root,
            value: value.unwrap_or_default().into(),
        },
        strategies: table.strategies,
        total_weight: table.total_weight,
    })
}

/// `restake_getTask`.
pub(super) fn task(api: &Api, id: u64) -> RpcResult<Option<Task>> {
    let state = api.node.store().state().map_err(internal)?;
    state.task(id).map_err(internal)
}

/// `restake_getTasks`: newest first; the cursor is the id of the next task to list.
pub(super) fn tasks(
    api: &Api,
    query: Option<TaskQuery>,
    page: Option<PageRequest>,
) -> RpcResult<TasksPage> {
    let query = query.unwrap_or_default();
    let page = page.unwrap_or_default();
    let limit = super::index::limit(&page)?;
    if query.set_id.is_some() && query.avs.is_none() {
        return Err(err(codes::INVALID_PARAMS, "setId needs avs"));
    }
    if let Some(s) = query
        .state
        .as_ref()
        .filter(|s| !["open", "completed", "expired"].contains(&s.as_str()))
    {
        return Err(err(
            codes::INVALID_PARAMS,
            format!("state must be open, completed or expired, got {s:?}"),
        ));
    }
    let start = match &page.cursor {
        None => u64::MAX,
        Some(c) => c.parse::<u64>().map_err(|_| {
            err(
                codes::INVALID_PARAMS,
                "invalid cursor: pass the `next` of the page before",
            )
        })?,
    };
    let state = api.node.store().state().map_err(internal)?;
    let matches = |t: &Task| {
        query.avs.is_none_or(|a| t.operator_set.avs == a)
            && query.set_id.is_none_or(|id| t.operator_set.id == id)
            && query.state.as_deref().is_none_or(|s| {
                s == match t.status {
                    TaskStatus::Open => "open",
                    TaskStatus::Completed { .. } => "completed",
                    TaskStatus::Expired { .. } => "expired",
                }
            })
    };
    let mut items = Vec::new();
    let mut next = None;
    for t in state.tasks().map_err(internal)?.into_iter().rev() {
        if t.id > start || !matches(&t) {
            continue;
        }
        if items.len() == limit {
            next = Some(t.id.to_string());
            break;
        }
        items.push(t);
    }
    Ok(TasksPage { items, next })
}

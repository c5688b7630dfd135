//! Chain: chain id, blocks, state proofs.

use super::error::{err, internal};
use super::{Api, codes};
use crate::chain::{read_block, read_certificate};
use alloy_primitives::{B256, Bytes};
use jsonrpsee::core::RpcResult;
use restake_rpc_api::types::{
    BlockId, BlockResponse, Certificate, NodeInfo, ProofResponse, ValidatorsResponse,
};

/// `restake_chainId`.
pub(super) fn chain_id(api: &Api) -> u64 {
    api.node.config().chain_id
}

/// The height a block id names.
fn height_of(api: &Api, block: BlockId) -> RpcResult<u64> {
    match block {
        BlockId::Number(n) => Ok(n),
        BlockId::Tag(t) if t == "latest" => Ok(api.height()),
        BlockId::Tag(t) => Err(err(
            codes::INVALID_PARAMS,
            format!("unknown block tag {t:?}; use a number or \"latest\""),
        )),
    }
}

/// `restake_getBlock`.
pub(super) fn block(api: &Api, block: BlockId) -> RpcResult<Option<BlockResponse>> {
    let height = height_of(api, block)?;
    let Some(b) = read_block(api.node.store(), height).map_err(internal)? else {
        return Ok(None);
    };
    let chain_id = chain_id(api);
    Ok(Some(BlockResponse {
        hash: b.header.hash(),
        transaction_hashes: b.transactions.iter().map(|t| t.hash(chain_id)).collect(),
        header: b.header,
        last_commit: b.last_commit,
        transactions: b.transactions,
    }))
}

/// `restake_getValidators`.
pub(super) fn validators(
    api: &Api,
    block: Option<BlockId>,
) -> RpcResult<Option<ValidatorsResponse>> {
    let next = api.height().saturating_add(1);
    let height = match block {
        None => next,
        Some(b) => height_of(api, b)?,
    };
    if height > next {
        return Ok(None);
    }
    let set = api.node.validators_at(height).map_err(internal)?;
    Ok(Some(ValidatorsResponse {
        height,
        validator_set_hash: set.hash(),
        total_power: set.total_power(),
        validators: set.validators().to_vec(),
    }))
}

/// `restake_nodeInfo`.
pub(super) fn node_info(api: &Api) -> NodeInfo {
    use std::sync::atomic::Ordering::Relaxed;
    let info = api.node.engine_info();
    let metrics = api.node.metrics();
    NodeInfo {
        chain_id: chain_id(api),
        role: info.role,
        validator_address: info.validator,
        peers: metrics.consensus_peers.load(Relaxed),
        latest_height: api.height(),
        catching_up: metrics.consensus_catching_up.load(Relaxed) == 1,
    }
}

/// `restake_getCertificate`.
pub(super) fn certificate(api: &Api, block: BlockId) -> RpcResult<Option<Certificate>> {
    let height = height_of(api, block)?;
    read_certificate(api.node.store(), height).map_err(internal)
}

/// `restake_getProof`.
pub(super) fn proof(api: &Api, key: Bytes, height: Option<u64>) -> RpcResult<ProofResponse> {
    let height = height.unwrap_or_else(|| api.height());
    let root: B256 = api
        .node
        .store()
        .root_at(height)
        .map_err(internal)?
        .ok_or_else(|| {
            err(
                codes::NOT_FOUND,
                format!("no state root at height {height}"),
            )
        })?;
    let (value, proof) = api
        .node
        .store()
        .get_with_proof(&key, height)
        .map_err(|e| err(codes::NOT_FOUND, e.to_string()))?;
    Ok(ProofResponse {
        height,
        key,
        proof: Bytes::from(proof),
        state_root: root,
        value: value.map(Bytes::from),
    })
}

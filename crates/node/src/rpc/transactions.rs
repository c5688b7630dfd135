//! Transactions: nonces, preparing, admission, receipts, simulation.

use super::Api;
use super::error::{err, internal};
use crate::chain::read_receipt;
use alloy_primitives::{Address, B256, Bytes};
use jsonrpsee::core::RpcResult;
use restake_core::block::encoding;
use restake_rpc_api::codes;
use restake_rpc_api::types::{
    PrepareRequest, PrepareResponse, Receipt, SimulateRequest, SimulateResponse, Transaction,
};

/// `restake_getNonce`.
pub(super) fn nonce(api: &Api, address: Address) -> RpcResult<u64> {
    api.node.next_nonce(&address).map_err(internal)
}

/// `restake_prepareTransaction`.
pub(super) fn prepare(api: &Api, request: PrepareRequest) -> RpcResult<PrepareResponse> {
    let nonce = match request.nonce {
        Some(n) => n,
        None => api.node.next_nonce(&request.from).map_err(internal)?,
    };
    let chain_id = api.node.config().chain_id;
    Ok(PrepareResponse {
        nonce,
        typed_data: Transaction::typed_data(request.from, nonce, &request.action, chain_id),
        signing_hash: Transaction::signing_hash(request.from, nonce, &request.action, chain_id),
    })
}

/// `restake_sendTransaction`.
pub(super) fn send(api: &Api, tx: Transaction) -> RpcResult<B256> {
    // Admission (one signature recovery, about 50 µs) runs on the RPC worker itself: under
    // load a hand-off to the blocking pool per transaction cost more than it saved
    // (docs/benchmarks.md).
    api.node.submit(tx).map_err(Into::into)
}

/// `restake_gossipTransactions`: each decoded within the node's transaction size limit and
/// admitted without forwarding; the count admitted.
pub(super) fn gossiped(api: &Api, txs: Vec<Bytes>) -> RpcResult<u64> {
    if txs.len() > crate::gossip::MAX_BATCH {
        return Err(err(
            codes::INVALID_PARAMS,
            format!(
                "{} transactions, at most {} per call",
                txs.len(),
                crate::gossip::MAX_BATCH
            ),
        ));
    }
    let limit = api.node.config().max_tx_bytes;
    let mut admitted = 0u64;
    for bytes in txs {
        let Ok(tx) = encoding::from_bytes::<Transaction>(&bytes, limit) else {
            continue;
        };
        if api.node.submit_gossiped(tx).is_ok() {
            admitted = admitted.saturating_add(1);
        }
    }
    Ok(admitted)
}

/// `restake_getTransactionReceipt`.
pub(super) fn receipt(api: &Api, hash: B256) -> RpcResult<Option<Receipt>> {
    read_receipt(api.node.store(), &hash).map_err(internal)
}

/// `restake_simulateTransaction`.
pub(super) fn simulate(api: &Api, request: SimulateRequest) -> RpcResult<SimulateResponse> {
    let view = api.view()?;
    // The next block, at the earliest of now and what the chain's rules allow after the head.
    let env = restake_core::block::BlockEnv::after(api.node.head());
    let sim = restake_core::block::simulate(
        &view,
        &env,
        crate::clock::unix_millis(),
        request.from,
        &request.action,
    )
    .map_err(internal)?;
    Ok(SimulateResponse {
        block_number: sim.block_number,
        error: sim.error,
        events: sim.events,
        status: sim.status,
    })
}

//! Native restaking: pods and the beacon oracle.

use super::Api;
use super::error::internal;
use alloy_primitives::{Address, B256};
use jsonrpsee::core::RpcResult;
use restake_core::beacon_oracle::OracleRead;
use restake_core::views;
use restake_rpc_api::types::{BeaconOracleResponse, LatestBeaconRoot, PodBalance, PodView};

/// `restake_getPod`.
pub(super) fn pod(api: &Api, address: Address) -> RpcResult<Option<PodView>> {
    views::pod(&api.view()?, &address).map_err(internal)
}

/// `restake_getBeaconOracle`.
pub(super) fn beacon_oracle(api: &Api) -> RpcResult<BeaconOracleResponse> {
    let view = api.view()?;
    let config = view.oracle_config().map_err(internal)?;
    let latest = view.latest_beacon_root().map_err(internal)?;
    Ok(BeaconOracleResponse {
        latest_root: latest.map(|(timestamp, block_root)| LatestBeaconRoot {
            block_root,
            timestamp,
        }),
        members: config.members,
        quorum: config.quorum,
    })
}

/// `restake_getBeaconRoot`.
pub(super) fn beacon_root(api: &Api, timestamp: u64) -> RpcResult<Option<B256>> {
    api.view()?.beacon_root(timestamp).map_err(internal)
}

/// `restake_getPodBalance`.
pub(super) fn pod_balance(
    api: &Api,
    pod: Address,
    timestamp: u64,
) -> RpcResult<Option<PodBalance>> {
    api.view()?.pod_balance(&pod, timestamp).map_err(internal)
}

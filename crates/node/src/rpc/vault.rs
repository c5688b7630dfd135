//! Liquid restaking vaults.

use super::Api;
use super::error::internal;
use alloy_primitives::Address;
use jsonrpsee::core::RpcResult;
use restake_core::vault::VaultRead;
use restake_core::views;
use restake_rpc_api::types::{VaultSummary, VaultView};

/// `restake_getVault`.
pub(super) fn vault(
    api: &Api,
    vault: Address,
    account: Option<Address>,
) -> RpcResult<Option<VaultView>> {
    let now = api.now();
    views::vault(&api.view()?, &vault, account.as_ref(), now).map_err(internal)
}

/// `restake_getVaults`.
pub(super) fn vaults(api: &Api) -> RpcResult<Vec<VaultSummary>> {
    let view = api.view()?;
    let now = api.now();
    let mut out = Vec::new();
    for v in view.vaults().map_err(internal)? {
        let Some(full) = views::vault(&view, &v.address, None, now).map_err(internal)? else {
            continue;
        };
        out.push(VaultSummary {
            lrt: v.lrt,
            rate: full.rate,
            symbol: full.symbol,
            total_assets: full.books.total_assets,
            total_supply: full.books.total_supply,
            vault: v.address,
        });
    }
    Ok(out)
}

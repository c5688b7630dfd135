//! Rewards: what an earner can claim, and the submissions.

use super::Api;
use super::error::internal;
use alloy_primitives::Address;
use jsonrpsee::core::RpcResult;
use restake_core::rewards::{self, RewardsRead};
use restake_core::tokens::TokensRead;
use restake_rpc_api::types::{ClaimableReward, RewardsResponse, Submission};

/// `restake_getRewards`.
pub(super) fn rewards(api: &Api, earner: Address) -> RpcResult<RewardsResponse> {
    let view = api.view()?;
    let mut claimable = Vec::new();
    for (token, t) in view.tokens().map_err(internal)? {
        let amount = rewards::claimable(&view, &earner, &token).map_err(internal)?;
        if !amount.is_zero() {
            claimable.push(ClaimableReward {
                amount,
                symbol: t.symbol,
                token,
            });
        }
    }
    Ok(RewardsResponse {
        claimable,
        earner,
        epoch: rewards::epoch_of(&view, api.now()).map_err(internal)?,
        recipient: view.rewards_recipient(&earner).map_err(internal)?,
    })
}

/// `restake_getRewardsSubmissions`.
pub(super) fn submissions(api: &Api, avs: Option<Address>) -> RpcResult<Vec<Submission>> {
    let all = api.view()?.submissions().map_err(internal)?;
    Ok(all
        .into_iter()
        .filter(|s| avs.is_none_or(|a| s.operator_set.avs == a))
        .collect())
}

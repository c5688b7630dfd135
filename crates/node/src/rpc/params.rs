//! Parameters are positional: a JSON array (or no `params` member), with at most as many
//! entries as the method takes. A JSON object (named parameters), `null`, or more entries than
//! the method takes are `-32602` before the method runs; too few required ones are `-32602` from
//! the method's decoder.

use super::codes;
use jsonrpsee::MethodResponse;
use jsonrpsee::core::middleware::{Batch, BatchEntry, BatchEntryErr, Notification, RpcServiceT};
use jsonrpsee::types::{ErrorObjectOwned, Request};
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use std::future::Future;

/// Every method with the most positional parameters it takes (optional ones included).
pub const PARAMETERS: &[(&str, usize)] = &[
    ("restake_chainId", 0),
    ("restake_blockNumber", 0),
    ("restake_getBlock", 1),
    ("restake_getValidators", 1),
    ("restake_getCertificate", 1),
    ("restake_nodeInfo", 0),
    ("restake_getEvents", 2),
    ("restake_getTransactionsByAddress", 2),
    ("restake_getBlocksByProposer", 2),
    ("restake_getOperators", 1),
    ("restake_getOperatorStakers", 2),
    ("restake_getAvsList", 1),
    ("restake_getOperatorSets", 2),
    ("restake_getTotals", 0),
    ("restake_getSlashes", 2),
    ("restake_getWithdrawals", 2),
    ("restake_getTvlHistory", 2),
    ("restake_getVaultRateHistory", 2),
    ("restake_getNonce", 1),
    ("restake_prepareTransaction", 1),
    ("restake_sendTransaction", 1),
    ("restake_gossipTransactions", 1),
    ("restake_getTransactionReceipt", 1),
    ("restake_simulateTransaction", 1),
    ("restake_getTokens", 0),
    ("restake_getTokenBalance", 2),
    ("restake_getStrategies", 0),
    ("restake_getStaker", 1),
    ("restake_getOperator", 1),
    ("restake_getOperatorSet", 2),
    ("restake_getAllocation", 4),
    ("restake_getPod", 1),
    ("restake_getBeaconOracle", 0),
    ("restake_getBeaconRoot", 1),
    ("restake_getPodBalance", 2),
    ("restake_getRewards", 1),
    ("restake_getRewardsSubmissions", 1),
    ("restake_getVault", 2),
    ("restake_getVaults", 0),
    ("restake_getRiskReport", 2),
    ("restake_getProof", 2),
    ("restake_getOperatorTable", 1),
    ("restake_getTask", 1),
    ("restake_getTasks", 2),
    ("restake_subscribeNewHeads", 0),
    ("restake_unsubscribeNewHeads", 1),
    ("restake_subscribeEvents", 0),
    ("restake_unsubscribeEvents", 1),
    ("restake_subscribeRiskReport", 2),
    ("restake_unsubscribeRiskReport", 1),
];

/// Checks `params` against what `method` takes; unknown methods are left to the server.
pub fn check(method: &str, params: Option<&RawValue>) -> Result<(), ErrorObjectOwned> {
    let Some(most) = PARAMETERS
        .iter()
        .find(|(m, _)| *m == method)
        .map(|(_, n)| *n)
    else {
        return Ok(());
    };
    let Some(params) = params else {
        return Ok(());
    };
    let invalid = |msg: String| ErrorObjectOwned::owned(codes::INVALID_PARAMS, msg, None::<()>);
    if !params.get().trim_start().starts_with('[') {
        return Err(invalid(format!(
            "{method}: parameters are positional, a JSON array (named parameters are not accepted)"
        )));
    }
    let given = serde_json::from_str::<Vec<IgnoredAny>>(params.get())
        .map_err(|e| invalid(e.to_string()))?
        .len();
    if given > most {
        return Err(invalid(format!(
            "{method} takes at most {most} parameter{}, got {given}",
            if most == 1 { "" } else { "s" }
        )));
    }
    Ok(())
}

/// The RPC middleware that applies [`check`] to every call, in batches too.
#[derive(Debug, Clone)]
pub struct Positional<S> {
    inner: S,
}

impl<S> Positional<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> Self {
        Self { inner }
    }
}

impl<S> RpcServiceT for Positional<S>
where
    S: RpcServiceT<
            MethodResponse = MethodResponse,
            BatchResponse = MethodResponse,
            NotificationResponse = MethodResponse,
        > + Send
        + Sync
        + Clone
        + 'static,
{
    type MethodResponse = MethodResponse;
    type BatchResponse = MethodResponse;
    type NotificationResponse = MethodResponse;

    fn call<'a>(&self, request: Request<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        let refused = check(request.method_name(), request.params.as_deref()).err();
        let inner = self.inner.clone();
        async move {
            match refused {
                Some(e) => MethodResponse::error(request.id, e),
                None => inner.call(request).await,
            }
        }
    }

    fn batch<'a>(&self, mut batch: Batch<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        for entry in batch.iter_mut() {
            let refused = match entry {
                Ok(BatchEntry::Call(r)) => check(r.method_name(), r.params.as_deref())
                    .err()
                    .map(|e| (r.id.clone(), e)),
                _ => None,
            };
            if let Some((id, e)) = refused {
                *entry = Err(BatchEntryErr::new(id, e));
            }
        }
        self.inner.batch(batch)
    }

    fn notification<'a>(
        &self,
        n: Notification<'a>,
    ) -> impl Future<Output = MethodResponse> + Send + 'a {
        self.inner.notification(n)
    }
}

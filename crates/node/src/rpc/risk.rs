//! Risk: the report of the live state, and how its parameters and failures map to the API.

use super::error::{err, internal};
use super::{Api, codes};
use crate::risk_report::{self, ReportError, ReportRequest};
use jsonrpsee::core::RpcResult;
use jsonrpsee::types::ErrorObjectOwned;
use restake_risk::number::Frac;
use restake_rpc_api::types::RiskReport;
use std::collections::BTreeMap;

/// `restake_getRiskReport` (on the blocking pool).
pub(super) fn report(
    api: &Api,
    psi: Option<String>,
    prices: Option<BTreeMap<String, String>>,
) -> RpcResult<RiskReport> {
    let request = report_request(psi, prices)?;
    let _permit = api.hub.blocking_analysis_permit();
    let view = api.view()?;
    let now = view
        .height()
        .and_then(|h| u32::try_from(h).ok())
        .unwrap_or_default();
    risk_report::live_report(&view, now, &request).map_err(report_error)
}

/// The report's parameters: `psi` (default `1/100`) and prices by token symbol.
pub(super) fn report_request(
    psi: Option<String>,
    prices: Option<BTreeMap<String, String>>,
) -> Result<ReportRequest, ErrorObjectOwned> {
    let psi = Frac::parse(psi.as_deref().unwrap_or("1/100"))
        .map_err(|e| err(codes::INVALID_PARAMS, format!("psi: {e}")))?;
    let mut parsed = BTreeMap::new();
    for (symbol, price) in prices.unwrap_or_default() {
        let p = Frac::parse(&price)
            .map_err(|e| err(codes::INVALID_PARAMS, format!("price of {symbol}: {e}")))?;
        parsed.insert(symbol, p);
    }
    Ok(ReportRequest {
        psi: Some(psi),
        prices: parsed,
    })
}

/// A report that cannot be made: the state failing is internal, anything else is the request's.
pub(super) fn report_error(e: ReportError) -> ErrorObjectOwned {
    match e {
        ReportError::State(e) => internal(e),
        ReportError::Encode(e) => internal(e),
        other => err(codes::INVALID_PARAMS, other.to_string()),
    }
}

//! Subscriptions (WebSocket): new heads, events, and the live risk report.

use super::Api;
use super::error::internal;
use super::risk::{report_error, report_request};
use crate::risk_report::{self, ReportError, ReportRequest};
use jsonrpsee::core::SubscriptionResult;
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::{PendingSubscriptionSink, SubscriptionMessage};
use restake_rpc_api::types::{EventItem, RiskReport, RiskReportError, RiskReportItem};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

fn raw<T: Serialize>(v: &T) -> Result<SubscriptionMessage, serde_json::Error> {
    Ok(serde_json::value::to_raw_value(v)?.into())
}

/// `restake_subscribeNewHeads`.
pub(super) async fn new_heads(api: &Api, pending: PendingSubscriptionSink) -> SubscriptionResult {
    let mut rx = api.node.subscribe_blocks();
    let sink = pending.accept().await?;
    loop {
        match rx.recv().await {
            Ok(c) => sink.send(raw(&c.header)?).await?,
            Err(RecvError::Lagged(_)) => continue,
            Err(_) => return Ok(()),
        }
    }
}

/// `restake_subscribeEvents`.
pub(super) async fn events(api: &Api, pending: PendingSubscriptionSink) -> SubscriptionResult {
    let mut rx = api.node.subscribe_blocks();
    let sink = pending.accept().await?;
    loop {
        match rx.recv().await {
            Ok(c) => {
                for r in c.receipts.iter() {
                    for e in &r.events {
                        let item = EventItem {
                            block_number: c.header.height,
                            event: e.clone(),
                            transaction_hash: r.transaction_hash,
                        };
                        sink.send(raw(&item)?).await?;
                    }
                }
            }
            Err(RecvError::Lagged(_)) => continue,
            Err(_) => return Ok(()),
        }
    }
}

/// `restake_subscribeRiskReport`.
pub(super) async fn risk_report(
    api: &Api,
    pending: PendingSubscriptionSink,
    psi: Option<String>,
    prices: Option<BTreeMap<String, String>>,
) -> SubscriptionResult {
    let request = match report_request(psi, prices) {
        Ok(r) => Arc::new(r),
        Err(e) => {
            pending.reject(e).await;
            return Ok(());
        }
    };
    let mut rx = api.node.subscribe_blocks();
    let store = api.node.store().clone();
    let first = {
        let (store, request) = (store.clone(), request.clone());
        tokio::task::spawn_blocking(move || snapshot(&store, &request, None)).await
    };
    let first = match first {
        Ok(Ok(snap)) => snap,
        Ok(Err(e)) => {
            pending.reject(e).await;
            return Ok(());
        }
        Err(e) => {
            pending.reject(internal(e)).await;
            return Ok(());
        }
    };
    // A request the state refuses (an unknown symbol, a bad parameter) is refused here; a
    // state the analysis cannot report is accepted and said as an error item.
    let first = match first.report {
        Err(e @ (ReportError::UnknownSymbol(_) | ReportError::BadParameter(_))) => {
            pending.reject(report_error(e)).await;
            return Ok(());
        }
        report => Snapshot { report, ..first },
    };
    let sink = pending.accept().await?;
    let mut last = first.key.clone();
    if let Some(item) = subscription_item(first) {
        sink.send(raw(&item)?).await?;
    }
    loop {
        // Stop as soon as the client unsubscribes or leaves, not at the next send.
        tokio::select! {
            _ = sink.closed() => return Ok(()),
            next = rx.recv() => match next {
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(_) => return Ok(()),
            },
        }
        let (store, request, prev) = (store.clone(), request.clone(), last.clone());
        let work = tokio::task::spawn_blocking(move || snapshot(&store, &request, Some(&prev)));
        // A client that leaves during an analysis is not waited for (the analysis itself
        // runs to its end on the blocking pool; its budgets bound it).
        let snap = tokio::select! {
            _ = sink.closed() => return Ok(()),
            done = work => done?.map_err(|e| e.message().to_string())?,
        };
        // Only a changed state is analysed and said, a report or an error item alike.
        last = snap.key.clone();
        if let Some(item) = subscription_item(snap) {
            sink.send(raw(&item)?).await?;
        }
    }
}

/// The latest state as a report subscription sees it.
struct Snapshot {
    /// What the report depends on (see `risk_report::live_state_key`).
    key: Value,
    /// The height of the state read.
    height: u64,
    /// The report, `None` when `key` equals the last one; or why it cannot be made.
    report: Result<Option<RiskReport>, ReportError>,
}

/// Reads the latest state and reports it unless its key equals `last`. Only a failure to read
/// the state is an error here; a report that cannot be made is in `report`.
fn snapshot(
    store: &restake_store::Store,
    request: &ReportRequest,
    last: Option<&Value>,
) -> Result<Snapshot, ErrorObjectOwned> {
    let view = store.state().map_err(internal)?;
    let height = view.height().unwrap_or_default();
    let now = u32::try_from(height).unwrap_or(u32::MAX);
    let key = risk_report::live_state_key(&view, now).map_err(internal)?;
    let report = if last == Some(&key) {
        Ok(None)
    } else {
        risk_report::live_report(&view, now, request).map(Some)
    };
    Ok(Snapshot {
        key,
        height,
        report,
    })
}

/// What a subscriber receives for `snap`, if anything.
fn subscription_item(snap: Snapshot) -> Option<RiskReportItem> {
    match snap.report {
        Ok(report) => report.map(|r| RiskReportItem::Report(Box::new(r))),
        Err(e) => Some(RiskReportItem::Error(RiskReportError {
            error: report_error(e).message().to_string(),
            height: snap.height,
        })),
    }
}

//! Subscriptions (WebSocket): new heads, events, and the live risk report.
//!
//! Every subscription holds a [`Slot`] while it lives: the caps per connection and in total
//! ([`SubscriptionLimits`]) are checked when it is taken, and dropping it (unsubscribing, the
//! connection closing, the node stopping) gives it back.
//!
//! Subscribers never slow the block producer: heads and events come from the node's broadcast of
//! committed blocks (sending never waits; a subscriber that falls behind skips what it missed), and
//! risk reports from a shared [`ReportFeed`] per parameter set, which publishes its latest item in a
//! `watch` channel (a slow subscriber only ever sees the newest). A feed analyses the state once per
//! block that changes the report, however many subscribe to it, on a pool of at most
//! `concurrent_analyses` blocking threads; it stops when its last subscriber leaves.

use super::Api;
use super::codes;
use super::error::internal;
use super::risk::{report_error, report_request};
use crate::metrics::Metrics;
use crate::node::Committed;
use crate::node::SubscriptionLimits;
use crate::risk_report::{self, ReportError, ReportRequest};
use alloy_primitives::U256;
use jsonrpsee::core::SubscriptionResult;
use jsonrpsee::types::ErrorObjectOwned;
use jsonrpsee::{PendingSubscriptionSink, SubscriptionMessage, SubscriptionSink};
use restake_core::block::Header;
use restake_rpc_api::types::{EventItem, RiskReport, RiskReportError, RiskReportItem};
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use thiserror::Error;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{Semaphore, watch};

fn raw<T: Serialize>(v: &T) -> Result<Box<RawValue>, serde_json::Error> {
    serde_json::value::to_raw_value(v)
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Why a subscription was refused before it started.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SubscriptionError {
    /// The connection holds `limit` subscriptions already.
    #[error(
        "this connection already holds {limit} subscriptions, the most one connection may hold; unsubscribe from one first"
    )]
    ConnectionFull {
        /// The cap per connection.
        limit: usize,
    },
    /// The node serves `limit` subscriptions already.
    #[error("the node already serves {limit} subscriptions, the most it allows; try again later")]
    NodeFull {
        /// The cap over all connections.
        limit: usize,
    },
    /// `limit` different risk-report parameter sets are subscribed to already.
    #[error(
        "the node already computes risk reports for {limit} different parameter sets, the most it allows; subscribe with parameters already in use or try again later"
    )]
    ReportParametersFull {
        /// The cap on parameter sets.
        limit: usize,
    },
}

impl From<SubscriptionError> for ErrorObjectOwned {
    fn from(e: SubscriptionError) -> Self {
        let (code, limit) = match &e {
            SubscriptionError::ConnectionFull { limit } => (codes::TOO_MANY_SUBSCRIPTIONS, limit),
            SubscriptionError::NodeFull { limit } => (codes::SUBSCRIPTIONS_FULL, limit),
            SubscriptionError::ReportParametersFull { limit } => {
                (codes::REPORT_PARAMETERS_FULL, limit)
            }
        };
        ErrorObjectOwned::owned(
            code,
            e.to_string(),
            Some(serde_json::json!({"limit": limit})),
        )
    }
}

/// The kinds of subscription, each with its own gauge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    NewHeads,
    Events,
    RiskReport,
}

/// Open subscriptions, in total and per connection.
#[derive(Debug, Default)]
struct Counts {
    total: usize,
    per_connection: BTreeMap<usize, usize>,
}

/// The API's subscriptions: their caps and counts, and the shared risk-report feeds.
pub(super) struct Hub {
    limits: SubscriptionLimits,
    counts: Mutex<Counts>,
    feeds: Mutex<BTreeMap<ReportKey, Weak<ReportFeed>>>,
    analyses: Arc<Semaphore>,
    metrics: Arc<Metrics>,
}

impl Hub {
    pub(super) fn new(limits: SubscriptionLimits, metrics: Arc<Metrics>) -> Arc<Self> {
        Arc::new(Self {
            limits,
            counts: Mutex::new(Counts::default()),
            feeds: Mutex::new(BTreeMap::new()),
            analyses: Arc::new(Semaphore::new(limits.concurrent_analyses.max(1))),
            metrics,
        })
    }

    /// Waits, on a blocking thread, for a place among the analyses allowed to run at once: the
    /// one-off `restake_getRiskReport` shares the subscriptions' bounded pool, so many calls at
    /// once queue instead of taking a thread and a core each. `None` if the pool is closed.
    pub(super) fn blocking_analysis_permit(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        tokio::runtime::Handle::current()
            .block_on(self.analyses.clone().acquire_owned())
            .ok()
    }

    fn gauge(&self, kind: Kind) -> &AtomicU64 {
        match kind {
            Kind::NewHeads => &self.metrics.subscriptions_new_heads,
            Kind::Events => &self.metrics.subscriptions_events,
            Kind::RiskReport => &self.metrics.subscriptions_risk_report,
        }
    }

    /// Takes a subscription slot on connection `conn`, or says which cap is reached.
    fn slot(self: &Arc<Self>, conn: usize, kind: Kind) -> Result<Slot, SubscriptionError> {
        let mut counts = locked(&self.counts);
        let held = counts.per_connection.get(&conn).copied().unwrap_or(0);
        let refused = if held >= self.limits.per_connection {
            Some(SubscriptionError::ConnectionFull {
                limit: self.limits.per_connection,
            })
        } else if counts.total >= self.limits.total {
            Some(SubscriptionError::NodeFull {
                limit: self.limits.total,
            })
        } else {
            None
        };
        if let Some(e) = refused {
            self.metrics
                .subscriptions_refused
                .fetch_add(1, Ordering::Relaxed);
            return Err(e);
        }
        counts.total = counts.total.saturating_add(1);
        counts.per_connection.insert(conn, held.saturating_add(1));
        self.gauge(kind).fetch_add(1, Ordering::Relaxed);
        Ok(Slot {
            hub: self.clone(),
            conn,
            kind,
        })
    }

    /// The shared feed of reports for `request`, started if nobody subscribes to it yet.
    fn report_feed(
        self: &Arc<Self>,
        node: &crate::node::NodeHandle,
        request: ReportRequest,
    ) -> Result<Arc<ReportFeed>, SubscriptionError> {
        let key = ReportKey::of(&request);
        let mut feeds = locked(&self.feeds);
        if let Some(feed) = feeds.get(&key).and_then(Weak::upgrade) {
            return Ok(feed);
        }
        let live = feeds.values().filter(|w| w.strong_count() > 0).count();
        if live >= self.limits.report_parameter_sets {
            self.metrics
                .subscriptions_refused
                .fetch_add(1, Ordering::Relaxed);
            return Err(SubscriptionError::ReportParametersFull {
                limit: self.limits.report_parameter_sets,
            });
        }
        let (tx, rx) = watch::channel(None);
        let task = tokio::spawn(run_report_feed(
            node.store().clone(),
            node.watch_head(),
            request,
            tx,
            self.analyses.clone(),
            self.metrics.clone(),
        ));
        let feed = Arc::new(ReportFeed {
            key: key.clone(),
            latest: rx,
            task: task.abort_handle(),
            hub: Arc::downgrade(self),
        });
        feeds.retain(|_, w| w.strong_count() > 0);
        feeds.insert(key, Arc::downgrade(&feed));
        self.metrics
            .risk_report_feeds
            .store(feeds.len() as u64, Ordering::Relaxed);
        Ok(feed)
    }
}

/// A subscription's place under the caps; dropping it gives the place back.
struct Slot {
    hub: Arc<Hub>,
    conn: usize,
    kind: Kind,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = locked(&self.hub.counts);
        counts.total = counts.total.saturating_sub(1);
        let left = counts
            .per_connection
            .get(&self.conn)
            .copied()
            .unwrap_or(0)
            .saturating_sub(1);
        if left == 0 {
            counts.per_connection.remove(&self.conn);
        } else {
            counts.per_connection.insert(self.conn, left);
        }
        let _ = self
            .hub
            .gauge(self.kind)
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                Some(v.saturating_sub(1))
            });
    }
}

/// Report parameters as a comparable value: two requests with equal keys get equal reports
/// (fractions are reduced, so `"1/100"`, `"0.01"` and the default share one key).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ReportKey {
    psi: Option<(U256, U256)>,
    prices: Vec<(String, U256, U256)>,
}

impl ReportKey {
    fn of(r: &ReportRequest) -> Self {
        Self {
            psi: r.psi.map(|p| (p.num, p.den)),
            prices: r
                .prices
                .iter()
                .map(|(s, p)| (s.clone(), p.num, p.den))
                .collect(),
        }
    }
}

/// What a report feed last published.
#[derive(Debug)]
struct Published {
    /// The item every subscriber receives (a report or an error item), serialized once.
    item: Option<Box<RawValue>>,
    /// Set when a new subscription with these parameters is refused now: the state refuses the
    /// parameters (an unknown symbol, a bad `psi`), or the first analysis could not read the
    /// state.
    refusal: Option<ErrorObjectOwned>,
}

/// One parameter set's reports, shared by all its subscribers.
struct ReportFeed {
    key: ReportKey,
    latest: watch::Receiver<Option<Arc<Published>>>,
    task: tokio::task::AbortHandle,
    hub: Weak<Hub>,
}

impl Drop for ReportFeed {
    fn drop(&mut self) {
        // An analysis already running finishes on its pool thread (its budgets bound it) and
        // its result is dropped.
        self.task.abort();
        if let Some(hub) = self.hub.upgrade() {
            let mut feeds = locked(&hub.feeds);
            if feeds.get(&self.key).is_some_and(|w| w.strong_count() == 0) {
                feeds.remove(&self.key);
            }
            hub.metrics
                .risk_report_feeds
                .store(feeds.len() as u64, Ordering::Relaxed);
        }
    }
}

/// The feed's loop: analyse the latest state (only when what the report depends on changed),
/// publish, wait for the next block. Blocks committed during an analysis are not queued: the
/// next round reads the newest state.
async fn run_report_feed(
    store: restake_store::Store,
    mut head: watch::Receiver<Header>,
    request: ReportRequest,
    tx: watch::Sender<Option<Arc<Published>>>,
    pool: Arc<Semaphore>,
    metrics: Arc<Metrics>,
) {
    let request = Arc::new(request);
    let mut last: Option<Value> = None;
    loop {
        head.borrow_and_update();
        let Ok(permit) = pool.clone().acquire_owned().await else {
            return;
        };
        let (s, r, l, m) = (
            store.clone(),
            request.clone(),
            last.clone(),
            metrics.clone(),
        );
        let done = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            snapshot(&s, &r, l.as_ref(), &m)
        })
        .await;
        match done.map_err(internal).and_then(|r| r) {
            Ok(snap) => {
                last = Some(snap.key.clone());
                if let Some(p) = publication(snap) {
                    tx.send_replace(Some(Arc::new(p)));
                }
            }
            Err(e) => {
                // Nothing published yet: the waiting subscribers are refused. Later, the
                // subscribers keep the last item and the next block tries again.
                tracing::warn!(error = %e.message(), "risk report subscription: state read failed");
                if last.is_none() {
                    tx.send_replace(Some(Arc::new(Published {
                        item: None,
                        refusal: Some(e),
                    })));
                }
            }
        }
        if head.changed().await.is_err() {
            return;
        }
    }
}

/// What the feed publishes for `snap`, if anything.
fn publication(snap: Snapshot) -> Option<Published> {
    let (item, refusal) = match snap.report {
        Ok(None) => return None,
        Ok(Some(r)) => (RiskReportItem::Report(Box::new(r)), None),
        Err(e) => {
            let refuses = matches!(
                e,
                ReportError::UnknownSymbol(_) | ReportError::BadParameter(_)
            );
            let error = report_error(e);
            let item = RiskReportItem::Error(RiskReportError {
                error: error.message().to_string(),
                height: snap.height,
            });
            (item, refuses.then_some(error))
        }
    };
    match raw(&item) {
        Ok(item) => Some(Published {
            item: Some(item),
            refusal,
        }),
        Err(e) => Some(Published {
            item: None,
            refusal: Some(internal(e)),
        }),
    }
}

/// `restake_subscribeNewHeads`.
pub(super) async fn new_heads(api: &Api, pending: PendingSubscriptionSink) -> SubscriptionResult {
    per_block(api, pending, Kind::NewHeads, |c| Ok(vec![raw(&c.header)?])).await
}

/// `restake_subscribeEvents`.
pub(super) async fn events(api: &Api, pending: PendingSubscriptionSink) -> SubscriptionResult {
    per_block(api, pending, Kind::Events, |c| {
        let mut items = Vec::new();
        for r in c.receipts.iter() {
            for e in &r.events {
                items.push(raw(&EventItem {
                    block_number: c.header.height,
                    event: e.clone(),
                    transaction_hash: r.transaction_hash,
                })?);
            }
        }
        Ok(items)
    })
    .await
}

/// A subscription fed from the node's block broadcast: takes a slot of `kind` (or refuses),
/// then sends what `items` makes of each committed block until the subscriber leaves. One that
/// falls behind skips what it missed; the producer never waits for it.
async fn per_block(
    api: &Api,
    pending: PendingSubscriptionSink,
    kind: Kind,
    items: impl Fn(&Committed) -> Result<Vec<Box<RawValue>>, serde_json::Error>,
) -> SubscriptionResult {
    let _slot = match api.hub.slot(pending.connection_id().0, kind) {
        Ok(s) => s,
        Err(e) => {
            pending.reject(e).await;
            return Ok(());
        }
    };
    let mut rx = api.node.subscribe_blocks();
    let sink = pending.accept().await?;
    loop {
        let committed = tokio::select! {
            _ = sink.closed() => return Ok(()),
            next = rx.recv() => match next {
                Ok(c) => c,
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return Ok(()),
            },
        };
        for item in items(&committed)? {
            send(&sink, item).await?;
        }
    }
}

/// Sends one item; fails when the subscriber has gone.
async fn send(sink: &SubscriptionSink, item: Box<RawValue>) -> SubscriptionResult {
    sink.send(SubscriptionMessage::from(item)).await?;
    Ok(())
}

/// `restake_subscribeRiskReport`.
pub(super) async fn risk_report(
    api: &Api,
    pending: PendingSubscriptionSink,
    psi: Option<String>,
    prices: Option<BTreeMap<String, String>>,
) -> SubscriptionResult {
    let request = match report_request(psi, prices) {
        Ok(r) => r,
        Err(e) => {
            pending.reject(e).await;
            return Ok(());
        }
    };
    let taken = api
        .hub
        .slot(pending.connection_id().0, Kind::RiskReport)
        .and_then(|slot| Ok((slot, api.hub.report_feed(&api.node, request)?)));
    let (_slot, feed) = match taken {
        Ok(t) => t,
        Err(e) => {
            pending.reject(e).await;
            return Ok(());
        }
    };
    let mut latest = feed.latest.clone();
    // The feed's latest item: the report of the state at subscription, or of the block before
    // it when the next one is being analysed (it follows).
    let first = loop {
        if let Some(p) = latest.borrow_and_update().clone() {
            break p;
        }
        if latest.changed().await.is_err() {
            pending
                .reject(internal("the risk report feed stopped"))
                .await;
            return Ok(());
        }
    };
    if let Some(e) = &first.refusal {
        pending.reject(e.clone()).await;
        return Ok(());
    }
    let sink = pending.accept().await?;
    if let Some(item) = &first.item {
        send(&sink, item.clone()).await?;
    }
    loop {
        tokio::select! {
            _ = sink.closed() => return Ok(()),
            changed = latest.changed() => if changed.is_err() {
                return Ok(());
            },
        }
        let published = latest.borrow_and_update().clone();
        if let Some(item) = published.as_ref().and_then(|p| p.item.clone()) {
            send(&sink, item).await?;
        }
    }
}

/// The latest state as a report feed sees it.
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
    metrics: &Metrics,
) -> Result<Snapshot, ErrorObjectOwned> {
    let view = store.state().map_err(internal)?;
    let height = view.height().unwrap_or_default();
    let now = u32::try_from(height).unwrap_or(u32::MAX);
    let key = risk_report::live_state_key(&view, now).map_err(internal)?;
    let report = if last == Some(&key) {
        Ok(None)
    } else {
        metrics.risk_analyses.fetch_add(1, Ordering::Relaxed);
        risk_report::live_report(&view, now, request).map(Some)
    };
    Ok(Snapshot {
        key,
        height,
        report,
    })
}

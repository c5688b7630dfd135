//! The HTTP + WebSocket server on one port: JSON-RPC, plus `GET /health` and `GET /metrics`
//! (Prometheus) answered before the JSON-RPC layer.

use crate::metrics::Metrics;
use crate::node::NodeHandle;
use crate::rpc::{Api, RestakeApiServer};
use jsonrpsee::server::{
    BatchRequestConfig, HttpRequest, HttpResponse, Server, ServerConfig, ServerHandle,
};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::watch;

/// Limits and address of the API server.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Where to listen.
    pub addr: SocketAddr,
    /// Largest request body (bytes).
    pub max_request_bytes: u32,
    /// Largest response body (bytes).
    pub max_response_bytes: u32,
    /// Most simultaneous connections.
    pub max_connections: u32,
    /// Most calls in one batch.
    pub max_batch: u32,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8545)),
            max_request_bytes: 1024 * 1024,
            max_response_bytes: 16 * 1024 * 1024,
            max_connections: 1024,
            max_batch: 100,
        }
    }
}

/// Starts the API; returns the bound address and a handle that stops it.
pub async fn serve(
    node: NodeHandle,
    cfg: &ApiConfig,
) -> std::io::Result<(SocketAddr, ServerHandle)> {
    let server_cfg = ServerConfig::builder()
        .max_request_body_size(cfg.max_request_bytes)
        .max_response_body_size(cfg.max_response_bytes)
        .max_connections(cfg.max_connections)
        .set_batch_request_config(BatchRequestConfig::Limit(cfg.max_batch))
        .build();
    let ops = OpsLayer {
        metrics: node.metrics.clone(),
        head: node.head.clone(),
    };
    let server = Server::builder()
        .set_config(server_cfg)
        .set_http_middleware(tower::ServiceBuilder::new().layer(ops))
        .build(cfg.addr)
        .await?;
    let addr = server.local_addr()?;
    let handle = server.start(Api::new(node).into_rpc());
    Ok((addr, handle))
}

/// Answers `GET /health` and `GET /metrics`; everything else goes to JSON-RPC.
#[derive(Clone)]
struct OpsLayer {
    metrics: Arc<Metrics>,
    head: watch::Receiver<restake_core::block::Header>,
}

impl<S> tower::Layer<S> for OpsLayer {
    type Service = Ops<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Ops {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Clone)]
struct Ops<S> {
    inner: S,
    layer: OpsLayer,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl<S, B> tower::Service<HttpRequest<B>> for Ops<S>
where
    S: tower::Service<HttpRequest<B>, Response = HttpResponse>,
    S::Future: Send + 'static,
    S::Error: 'static,
{
    type Response = HttpResponse;
    type Error = S::Error;
    type Future = BoxFuture<Result<HttpResponse, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: HttpRequest<B>) -> Self::Future {
        if req.method() == http::Method::GET {
            let reply = match req.uri().path() {
                "/health" => {
                    let h = self.layer.head.borrow();
                    Some((
                        "application/json",
                        format!("{{\"status\":\"ok\",\"height\":{}}}", h.height),
                    ))
                }
                "/metrics" => Some(("text/plain; version=0.0.4", self.layer.metrics.render())),
                _ => None,
            };
            if let Some((ctype, body)) = reply {
                let mut resp = HttpResponse::new(body.into());
                if let Ok(v) = http::HeaderValue::from_str(ctype) {
                    resp.headers_mut().insert(http::header::CONTENT_TYPE, v);
                }
                return Box::pin(async move { Ok(resp) });
            }
        }
        Box::pin(self.inner.call(req))
    }
}

//! The HTTP + WebSocket server on one port: JSON-RPC, plus `GET /health`, `GET /metrics`
//! (Prometheus) and the web app's files (`GET /`, `restake-web`) answered before the JSON-RPC
//! layer.

use crate::metrics::Metrics;
use crate::node::NodeHandle;
use crate::rpc::params::Positional;
use crate::rpc::{Api, RestakeApiServer};
use jsonrpsee::server::middleware::rpc::RpcServiceBuilder;
use jsonrpsee::server::{
    BatchRequestConfig, HttpBody, HttpRequest, HttpResponse, Server, ServerConfig, ServerHandle,
};
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::borrow::Cow;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
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
    /// Serve the web app from this folder instead of the files built in (developing pages).
    pub web_dir: Option<PathBuf>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8545)),
            max_request_bytes: 1024 * 1024,
            max_response_bytes: 16 * 1024 * 1024,
            max_connections: 1024,
            max_batch: 100,
            web_dir: None,
        }
    }
}

/// Starts the API; returns the bound address and a handle that stops it.
pub async fn serve(
    node: NodeHandle,
    cfg: &ApiConfig,
) -> std::io::Result<(SocketAddr, ServerHandle)> {
    // The node counts subscriptions itself (`NodeConfig::subscriptions`, with its own error
    // codes); the server library's cap per connection is only a backstop above it.
    let per_connection = node.config().subscriptions.per_connection;
    let backstop = u32::try_from(per_connection.saturating_mul(2).max(1)).unwrap_or(u32::MAX);
    let server_cfg = ServerConfig::builder()
        .max_subscriptions_per_connection(backstop)
        .max_request_body_size(cfg.max_request_bytes)
        .max_response_body_size(cfg.max_response_bytes)
        .max_connections(cfg.max_connections)
        .set_batch_request_config(BatchRequestConfig::Limit(cfg.max_batch))
        .build();
    let ops = OpsLayer {
        metrics: node.metrics().clone(),
        head: node.watch_head(),
        max_request_bytes: usize::try_from(cfg.max_request_bytes).unwrap_or(usize::MAX),
        web_dir: cfg.web_dir.clone().map(Arc::new),
    };
    let server = Server::builder()
        .set_config(server_cfg)
        .set_http_middleware(tower::ServiceBuilder::new().layer(ops))
        .set_rpc_middleware(RpcServiceBuilder::new().layer_fn(Positional::new))
        .build(cfg.addr)
        .await?;
    let addr = server.local_addr()?;
    let handle = server.start(Api::new(node).into_rpc());
    Ok((addr, handle))
}

/// Answers `GET /health`, `GET /metrics` and the web app's files; everything else goes to
/// JSON-RPC (a WebSocket upgrade too).
#[derive(Clone)]
struct OpsLayer {
    metrics: Arc<Metrics>,
    head: watch::Receiver<restake_core::block::Header>,
    max_request_bytes: usize,
    web_dir: Option<Arc<PathBuf>>,
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
    S: tower::Service<HttpRequest, Response = HttpResponse> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
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
                    let height = self.layer.head.borrow().height;
                    let behind = self
                        .layer
                        .metrics
                        .consensus_catching_up
                        .load(std::sync::atomic::Ordering::Relaxed)
                        == 1;
                    if behind {
                        // Not ready: the node is catching up by sync; its reads are stale.
                        let body = format!("{{\"status\":\"catching up\",\"height\":{height}}}");
                        return Box::pin(async move {
                            Ok(response(
                                http::StatusCode::SERVICE_UNAVAILABLE,
                                "application/json",
                                body,
                            ))
                        });
                    }
                    Some((
                        "application/json",
                        format!("{{\"status\":\"ok\",\"height\":{height}}}"),
                    ))
                }
                "/metrics" => Some(("text/plain; version=0.0.4", self.layer.metrics.render())),
                _ => None,
            };
            if let Some((ctype, body)) = reply {
                return Box::pin(async move { Ok(response(http::StatusCode::OK, ctype, body)) });
            }
            if !req.headers().contains_key(http::header::UPGRADE) {
                let web = web_file(&req, self.layer.web_dir.as_deref());
                return Box::pin(async move { Ok(web) });
            }
        }
        let limit = self.layer.max_request_bytes;
        let declared = req
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
        let json = jsonrpsee::server::http::is_json(req.headers().get(http::header::CONTENT_TYPE));
        // Not a JSON-RPC post (another method, another content type), or a declared length over
        // the limit: the server library answers (405, 415, 413).
        if req.method() != http::Method::POST || !json || declared.is_some_and(|n| n > limit) {
            return Box::pin(self.inner.call(req.map(HttpBody::new)));
        }
        // Read the body here, up to the limit (a chunked body of undeclared length gets the same
        // 413 a declared one gets), and answer what is not a JSON-RPC request the same way
        // whatever its bytes: not JSON is -32700 with HTTP 400, JSON that is not a request object
        // -32600 with HTTP 200.
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        Box::pin(async move {
            let (parts, body) = req.into_parts();
            match http_body_util::BodyExt::collect(http_body_util::Limited::new(body, limit)).await
            {
                Ok(collected) => {
                    let bytes = collected.to_bytes();
                    if let Some((status, code, message)) = not_a_request(&bytes) {
                        return Ok(response(
                            status,
                            "application/json",
                            format!(
                                "{{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{{\"code\":{code},\"message\":\"{message}\"}}}}"
                            ),
                        ));
                    }
                    inner
                        .call(HttpRequest::from_parts(
                            parts,
                            HttpBody::from(bytes.to_vec()),
                        ))
                        .await
                }
                Err(_) => Ok(response(
                    http::StatusCode::PAYLOAD_TOO_LARGE,
                    "application/json",
                    format!(
                        "{{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{{\"code\":-32007,\"message\":\"Request is too big (limit {limit} bytes)\"}}}}"
                    ),
                )),
            }
        })
    }
}

/// A file of the web app, `304 Not Modified` when the client has it, or 404.
fn web_file<B>(req: &HttpRequest<B>, dir: Option<&PathBuf>) -> HttpResponse {
    let path = req.uri().path();
    let file = match dir {
        None => Ok(restake_web::embedded(path)),
        Some(dir) => restake_web::from_dir(dir, path),
    };
    let file = match file {
        Ok(Some(file)) => file,
        Ok(None) => {
            return response(
                http::StatusCode::NOT_FOUND,
                "text/plain; charset=utf-8",
                "not found".into(),
            );
        }
        Err(e) => {
            tracing::warn!(path, error = %e, "reading a web file failed");
            return response(
                http::StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain; charset=utf-8",
                "cannot read the file".into(),
            );
        }
    };
    let fresh = file.etag.is_some_and(|tag| {
        req.headers()
            .get(http::header::IF_NONE_MATCH)
            .is_some_and(|v| v.as_bytes() == tag.as_bytes())
    });
    let mut resp = if fresh {
        let mut r = HttpResponse::new(HttpBody::default());
        *r.status_mut() = http::StatusCode::NOT_MODIFIED;
        r
    } else {
        let mut r = HttpResponse::new(HttpBody::from(file.bytes.into_owned()));
        if let Ok(v) = http::HeaderValue::from_str(file.content_type) {
            r.headers_mut().insert(http::header::CONTENT_TYPE, v);
        }
        r
    };
    let headers = resp.headers_mut();
    if let Some(v) = file.etag.and_then(|t| http::HeaderValue::from_str(t).ok()) {
        headers.insert(http::header::ETAG, v);
    }
    // Always revalidate: a node upgraded in place serves its new app at once.
    headers.insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-cache"),
    );
    headers.insert(
        http::header::X_CONTENT_TYPE_OPTIONS,
        http::HeaderValue::from_static("nosniff"),
    );
    // Nothing from elsewhere: the app talks to this node only.
    headers.insert(
        http::header::CONTENT_SECURITY_POLICY,
        http::HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        http::header::REFERRER_POLICY,
        http::HeaderValue::from_static("no-referrer"),
    );
    resp
}

/// The members of a request object that decide whether it is one.
#[derive(Deserialize)]
struct Shape<'a> {
    #[serde(borrow)]
    jsonrpc: Option<Cow<'a, str>>,
    #[serde(borrow)]
    method: Option<Cow<'a, str>>,
}

/// Why a POST body is no JSON-RPC call or batch (status, code, message), if it is not.
fn not_a_request(body: &[u8]) -> Option<(http::StatusCode, i32, &'static str)> {
    const PARSE: (http::StatusCode, i32, &str) =
        (http::StatusCode::BAD_REQUEST, -32700, "Parse error");
    const INVALID: (http::StatusCode, i32, &str) =
        (http::StatusCode::OK, -32600, "Invalid request");
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Some(PARSE),
        // A batch: the server library judges each entry (an empty batch is -32600).
        Some(b'[') => serde_json::from_slice::<IgnoredAny>(body)
            .err()
            .map(|_| PARSE),
        Some(b'{') => match serde_json::from_slice::<Shape<'_>>(body) {
            Ok(s) if s.jsonrpc.as_deref() == Some("2.0") && s.method.is_some() => None,
            Ok(_) => Some(INVALID),
            Err(e) if e.is_data() => Some(INVALID),
            Err(_) => Some(PARSE),
        },
        Some(_) => Some(match serde_json::from_slice::<IgnoredAny>(body) {
            Ok(_) => INVALID,
            Err(_) => PARSE,
        }),
    }
}

fn response(status: http::StatusCode, ctype: &str, body: String) -> HttpResponse {
    let mut resp = HttpResponse::new(body.into());
    *resp.status_mut() = status;
    if let Ok(v) = http::HeaderValue::from_str(ctype) {
        resp.headers_mut().insert(http::header::CONTENT_TYPE, v);
    }
    resp
}

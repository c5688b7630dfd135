//! A minimal HTTP/1.1 keep-alive JSON-RPC client: exact error codes, no per-request connection
//! setup.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub(super) struct Http {
    host: String,
    conn: Option<BufReader<TcpStream>>,
}

/// A JSON-RPC outcome: the result, or the error's code and message.
pub(super) type RpcOutcome = Result<Value, (i64, String)>;

impl Http {
    pub(super) fn new(host: &str) -> Self {
        Self {
            host: host.to_string(),
            conn: None,
        }
    }

    /// One request; reconnects once if the kept-alive connection was closed.
    pub(super) async fn exchange(
        &mut self,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<(u16, Vec<u8>), String> {
        let mut last = String::new();
        for _ in 0..2 {
            if self.conn.is_none() {
                let s = TcpStream::connect(&self.host)
                    .await
                    .map_err(|e| format!("cannot connect to {}: {e}", self.host))?;
                let _ = s.set_nodelay(true);
                self.conn = Some(BufReader::new(s));
            }
            let Some(conn) = self.conn.as_mut() else {
                continue;
            };
            match exchange_on(conn, &self.host, method, path, body).await {
                Ok((status, reply, keep)) => {
                    if !keep {
                        self.conn = None;
                    }
                    return Ok((status, reply));
                }
                Err(e) => {
                    self.conn = None;
                    last = e;
                }
            }
        }
        Err(last)
    }

    /// A JSON-RPC call.
    async fn rpc(&mut self, method: &str, params: Value) -> Result<RpcOutcome, String> {
        let body = serde_json::to_vec(
            &json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}),
        )
        .map_err(|e| e.to_string())?;
        self.rpc_raw(&body).await
    }

    /// A JSON-RPC call with a prepared body.
    pub(super) async fn rpc_raw(&mut self, body: &[u8]) -> Result<RpcOutcome, String> {
        let (status, reply) = self.exchange("POST", "/", body).await?;
        let v: Value = serde_json::from_slice(&reply).map_err(|e| {
            format!(
                "HTTP {status}: not JSON ({e}): {}",
                String::from_utf8_lossy(&reply)
            )
        })?;
        if let Some(err) = v.get("error") {
            return Ok(Err((
                err["code"].as_i64().unwrap_or(0),
                err["message"].as_str().unwrap_or_default().to_string(),
            )));
        }
        Ok(Ok(v.get("result").cloned().unwrap_or(Value::Null)))
    }

    /// A JSON-RPC batch of prepared calls whose ids are numbers; outcomes by id.
    pub(super) async fn rpc_batch(
        &mut self,
        bodies: &[&[u8]],
    ) -> Result<BTreeMap<usize, RpcOutcome>, String> {
        let mut body = Vec::with_capacity(
            bodies
                .iter()
                .map(|b| b.len().saturating_add(1))
                .fold(1, usize::saturating_add),
        );
        body.push(b'[');
        for (i, b) in bodies.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(b);
        }
        body.push(b']');
        let (status, reply) = self.exchange("POST", "/", &body).await?;
        let v: Value = serde_json::from_slice(&reply).map_err(|e| {
            format!(
                "HTTP {status}: not JSON ({e}): {}",
                String::from_utf8_lossy(&reply)
            )
        })?;
        let Value::Array(items) = v else {
            return Err(format!("HTTP {status}: a batch got a single reply: {v}"));
        };
        let mut out = BTreeMap::new();
        for item in items {
            let Some(id) = item.get("id").and_then(Value::as_u64) else {
                continue;
            };
            let outcome = match item.get("error") {
                Some(err) => Err((
                    err["code"].as_i64().unwrap_or(0),
                    err["message"].as_str().unwrap_or_default().to_string(),
                )),
                None => Ok(item.get("result").cloned().unwrap_or(Value::Null)),
            };
            out.insert(usize::try_from(id).map_err(|e| e.to_string())?, outcome);
        }
        Ok(out)
    }

    /// A call that must succeed.
    pub(super) async fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.rpc(method, params)
            .await?
            .map_err(|(code, msg)| format!("{method}: [{code}] {msg}"))
    }
}

/// Writes one request and reads one response; returns whether the connection stays open.
async fn exchange_on(
    conn: &mut BufReader<TcpStream>,
    host: &str,
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<(u16, Vec<u8>, bool), String> {
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    conn.get_mut()
        .write_all(&req)
        .await
        .map_err(|e| e.to_string())?;
    let mut line = String::new();
    if conn.read_line(&mut line).await.map_err(|e| e.to_string())? == 0 {
        return Err("connection closed".into());
    }
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {line:?}"))?;
    let mut length: Option<usize> = None;
    let mut chunked = false;
    let mut keep = true;
    loop {
        line.clear();
        if conn.read_line(&mut line).await.map_err(|e| e.to_string())? == 0 {
            return Err("connection closed in the headers".into());
        }
        let header = line.trim_end().to_ascii_lowercase();
        if header.is_empty() {
            break;
        }
        if let Some(v) = header.strip_prefix("content-length:") {
            length = v.trim().parse().ok();
        } else if header.starts_with("transfer-encoding:") && header.contains("chunked") {
            chunked = true;
        } else if header.starts_with("connection:") && header.contains("close") {
            keep = false;
        }
    }
    let mut reply = Vec::new();
    if chunked {
        loop {
            line.clear();
            conn.read_line(&mut line).await.map_err(|e| e.to_string())?;
            let size = usize::from_str_radix(line.trim(), 16).map_err(|e| e.to_string())?;
            let mut chunk = vec![0u8; size.saturating_add(2)];
            conn.read_exact(&mut chunk)
                .await
                .map_err(|e| e.to_string())?;
            if size == 0 {
                break;
            }
            chunk.truncate(size);
            reply.extend_from_slice(&chunk);
        }
    } else if let Some(n) = length {
        reply.resize(n, 0);
        conn.read_exact(&mut reply)
            .await
            .map_err(|e| e.to_string())?;
    } else {
        conn.read_to_end(&mut reply)
            .await
            .map_err(|e| e.to_string())?;
        keep = false;
    }
    Ok((status, reply, keep))
}

/// `host:port` of an `http://host:port[/...]` URL.
pub(super) fn host_of(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("--rpc must be an http:// URL, got {url:?}"))?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        return Err(format!("no host in {url:?}"));
    }
    Ok(host.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_come_from_http_urls_only() {
        assert_eq!(
            host_of("http://127.0.0.1:8545").as_deref(),
            Ok("127.0.0.1:8545")
        );
        assert_eq!(
            host_of("http://localhost:1/x").as_deref(),
            Ok("localhost:1")
        );
        assert!(host_of("https://x").is_err());
        assert!(host_of("http://").is_err());
    }
}

//! Shared harness of the end-to-end tests: runs the real `restake` binary as a child process on a
//! free loopback port and a temporary data directory, and drives it through the command line.
//! The child is killed whenever the harness value is dropped, also when a test panics.

// Each test file uses a different part of the harness.
#![allow(dead_code, clippy::disallowed_methods)]

use alloy_primitives::Address;
use restake_client::{Client, Wallet};
use restake_node::devnet;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_restake");

/// A directory removed on drop.
pub struct TempDir(PathBuf);

static DIRS: AtomicU64 = AtomicU64::new(0);

impl TempDir {
    pub fn new(label: &str) -> Self {
        let n = DIRS.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "restake-{label}-{}-{n}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A deadline for polling loops.
pub struct Deadline(Instant);

impl Deadline {
    pub fn after(d: Duration) -> Self {
        Self(Instant::now() + d)
    }

    pub fn passed(&self) -> bool {
        Instant::now() >= self.0
    }
}

/// A port that was free a moment ago: bind port 0 on loopback, read it, release it.
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A running `restake dev` child process.
pub struct Node {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The data directory.
    pub data_dir: PathBuf,
    log: PathBuf,
}

impl Node {
    /// Starts `restake dev` on `data_dir` with `block_time_ms` blocks, retrying with another port
    /// when the one picked was taken in the meantime. Returns once the API listens.
    pub fn start(data_dir: &Path, block_time_ms: u64) -> Self {
        let mut last_err = String::new();
        for attempt in 0..8 {
            let port = free_port();
            let log = data_dir.with_extension(format!("log{attempt}"));
            let stderr = std::fs::File::create(&log).unwrap();
            let mut child = Command::new(BIN)
                .args([
                    "dev",
                    "--rpc-addr",
                    &format!("127.0.0.1:{port}"),
                    "--data-dir",
                    data_dir.to_str().unwrap(),
                    "--block-time-ms",
                    &block_time_ms.to_string(),
                    "--log",
                    "warn",
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::from(stderr))
                .spawn()
                .unwrap();
            let stdout = child.stdout.take().unwrap();
            let (tx, rx) = mpsc::channel();
            // Reads the banner, then keeps draining stdout so the child never blocks on it.
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if line.contains("JSON-RPC and WebSocket on") {
                        let _ = tx.send(());
                    }
                }
            });
            let mut node = Node {
                child,
                url: format!("http://127.0.0.1:{port}"),
                data_dir: data_dir.to_path_buf(),
                log,
            };
            let deadline = Deadline::after(Duration::from_secs(30));
            loop {
                match rx.recv_timeout(Duration::from_millis(50)) {
                    Ok(()) => return node,
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    // stdout closed: the child is going away.
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        std::thread::sleep(Duration::from_millis(20))
                    }
                }
                if let Some(status) = node.child.try_wait().unwrap() {
                    last_err = format!(
                        "exited with {status}: {}",
                        std::fs::read_to_string(&node.log).unwrap_or_default()
                    );
                    break;
                }
                assert!(!deadline.passed(), "the node did not start in time");
            }
        }
        panic!("the node could not start: {last_err}");
    }

    /// SIGKILL (what `Child::kill` sends on Unix), then reap the process.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn client(&self) -> Client {
        Client::new(&self.url).unwrap()
    }

    /// Runs `restake <args...>` against this node: `--rpc URL` is appended.
    pub fn cli(&self, args: &[&str]) -> Output {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--rpc", &self.url]);
        Command::new(BIN).args(&all).output().unwrap()
    }

    /// `restake query <args...> --json`, parsed; the command must succeed.
    pub fn query(&self, args: &[&str]) -> Value {
        let mut all = vec!["query"];
        all.extend_from_slice(args);
        all.push("--json");
        let out = self.cli(&all);
        assert!(
            out.status.success(),
            "restake {all:?} failed: {}",
            text(&out)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// `restake tx <action> <fields...> --key KEY --json --force`: the receipt, whatever its
    /// status (`--force` sends an action even when the preview says it would fail).
    pub fn tx_receipt(&self, key: &str, action: &str, fields: &[&str]) -> (bool, Value) {
        let mut all = vec!["tx", action];
        all.extend_from_slice(fields);
        all.extend(["--key", key, "--json", "--force"]);
        let out = self.cli(&all);
        let receipt: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("restake {all:?}: no receipt ({e}): {}", text(&out)));
        (out.status.success(), receipt)
    }

    /// `restake tx ...` that must succeed; returns the receipt.
    pub fn tx(&self, key: &str, action: &str, fields: &[&str]) -> Value {
        let (ok, receipt) = self.tx_receipt(key, action, fields);
        assert!(ok, "{action} by {key} failed: {receipt:#}");
        assert_eq!(receipt["status"], "success", "{receipt:#}");
        receipt
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!(
                "node log ({}):\n{}",
                self.log.display(),
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
        }
        let _ = std::fs::remove_file(&self.log);
    }
}

/// Both output streams, for failure messages.
pub fn text(out: &Output) -> String {
    format!(
        "status {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Development account `i`.
pub fn dev(i: usize) -> Address {
    devnet::DEV_ACCOUNTS[i].0
}

/// The wallet of development account `i`.
pub fn dev_wallet(i: usize) -> Wallet {
    Wallet::from_hex(devnet::DEV_ACCOUNTS[i].1).unwrap()
}

/// A multi-threaded runtime for the async client.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Polls `restake_blockNumber` until the chain reaches `height`.
pub async fn wait_for_height(client: &Client, height: u64) -> u64 {
    let deadline = Deadline::after(Duration::from_secs(30));
    loop {
        let h = client.block_number().await.unwrap();
        if h >= height {
            return h;
        }
        assert!(!deadline.passed(), "height {height} not reached, at {h}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The events of `kind` in a receipt (JSON).
pub fn events<'a>(receipt: &'a Value, kind: &str) -> Vec<&'a Value> {
    receipt["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == kind)
        .collect()
}

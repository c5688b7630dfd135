//! The command line as a person uses it (issue 15, point 4): previews that refuse failing
//! actions, receipts awaited with a timeout and dropped transactions named, errors as
//! sentences, amounts in units, `@SYMBOL` for every token, the action list and per-action help
//! from the declaration, keys and the node URL from the environment or a file, and the devnet's
//! start, log and shutdown. Everything runs on loopback and every process is stopped.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

mod common;
use alloy_primitives::{Address, B256, U256};
use common::*;
use restake_node::devnet;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const WAD: u128 = 1_000_000_000_000_000_000;

fn u(v: &Value) -> U256 {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a decimal string, got {v}"))
        .parse()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `restake <args>` with no node URL or key in the environment but the ones given.
fn restake(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("RESTAKE_RPC_URL")
        .env_remove("RESTAKE_KEY")
        .env_remove("RESTAKE_KEY_FILE")
        .env_remove("RESTAKE_KEYSTORE_PASSWORD")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn deposit_shares(node: &Node, who: Address, symbol: &str) -> U256 {
    let strategies = node.query(&["strategies"]);
    let strategy = strategies
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["symbol"] == symbol)
        .unwrap()["strategy"]
        .clone();
    let staker = node.query(&["staker", &who.to_string()]);
    staker["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["strategy"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case(strategy.as_str().unwrap())
        })
        .map_or(U256::ZERO, |p| u(&p["depositShares"]))
}

fn nonce(node: &Node, who: Address) -> u64 {
    runtime().block_on(node.client().nonce(who)).unwrap()
}

#[test]
fn tx_list_and_per_action_help_come_from_the_action_declaration() {
    let out = restake(&["tx", "list"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let list = stdout(&out);
    for name in restake_core::Action::NAMES {
        assert!(
            list.lines()
                .any(|l| l.split_whitespace().next() == Some(name)),
            "{name} missing from: {list}"
        );
    }
    assert!(list.contains("[approverSignature]"), "{list}");

    let out = restake(&["tx", "depositIntoStrategy", "--help"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let help = stdout(&out);
    for line in [
        "strategy  address  required",
        "token     address  required",
        "amount    uint256  required",
    ] {
        assert!(help.contains(line), "{line:?} missing from: {help}");
    }
    let out = restake(&["tx", "queueWithdrawals", "--help"], &[]);
    assert!(
        stdout(&out)
            .contains("QueuedWithdrawalParams { strategies: address[], depositShares: uint256[] }"),
        "{}",
        text(&out)
    );
    let out = restake(&["tx", "depositIntoStrategyy", "--key", "dev:1"], &[]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("restake tx list"), "{}", text(&out));
}

#[test]
fn the_cli_previews_refuses_failing_actions_and_reads_amounts_in_units() {
    let tmp = TempDir::new("cli-units");
    let node = Node::start(&tmp.path().join("data"), 100);
    let staker = dev(1);

    // All missing fields at once, before anything is sent.
    let out = node.cli(&["tx", "depositIntoStrategy", "--key", "dev:1"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("missing 3 fields: strategy (address), token (address), amount (uint256)"),
        "{err}"
    );

    // 1.5 in stETH's 18 decimals, then 0.25ether and 250000000000000000wei.
    node.tx(
        "dev:1",
        "depositIntoStrategy",
        &["strategy=@stETH", "token=@stETH", "amount=1.5"],
    );
    assert_eq!(
        deposit_shares(&node, staker, "stETH"),
        U256::from(WAD * 3 / 2)
    );
    node.tx(
        "dev:1",
        "depositIntoStrategy",
        &["strategy=@stETH", "token=@stETH", "amount=0.25ether"],
    );
    node.tx(
        "dev:1",
        "depositIntoStrategy",
        &[
            "strategy=@stETH",
            "token=@stETH",
            "amount=250000000000000000wei",
        ],
    );
    assert_eq!(deposit_shares(&node, staker, "stETH"), U256::from(2 * WAD));

    // More decimals than the token has: refused, nothing sent.
    let before = nonce(&node, staker);
    let out = node.cli(&[
        "tx",
        "depositIntoStrategy",
        "strategy=@stETH",
        "token=@stETH",
        "amount=1.0000000000000000001",
        "--key",
        "dev:1",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("has 19 decimal places but stETH has only 18"),
        "{}",
        text(&out)
    );

    // The preview refuses what would fail, with the reason; nothing is sent.
    let out = node.cli(&[
        "tx",
        "depositIntoStrategy",
        "strategy=@stETH",
        "token=@stETH",
        "amount=1000000",
        "--key",
        "dev:1",
    ]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("depositIntoStrategy would fail"), "{err}");
    assert!(err.contains("InsufficientBalance"), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(nonce(&node, staker), before, "nothing was sent");
    // --force sends it anyway: the receipt says it failed.
    let (ok, receipt) = node.tx_receipt(
        "dev:1",
        "depositIntoStrategy",
        &["strategy=@stETH", "token=@stETH", "amount=1000000"],
    );
    assert!(!ok);
    assert_eq!(receipt["status"], "failed", "{receipt:#}");
    assert_eq!(
        receipt["error"]["name"], "InsufficientBalance",
        "{receipt:#}"
    );
    assert_eq!(nonce(&node, staker), before + 1);

    // Tables: pools by their token's symbol, amounts in units.
    let out = node.cli(&["query", "staker", &staker.to_string()]);
    assert!(out.status.success(), "{}", text(&out));
    let table = stdout(&out);
    let row = table
        .lines()
        .find(|l| l.starts_with("stETH "))
        .unwrap_or_else(|| panic!("no stETH row: {table}"));
    assert_eq!(
        row.split_whitespace().collect::<Vec<_>>(),
        ["stETH", "2", "stETH", "2", "stETH"]
    );
    let out = node.cli(&["query", "balance", "@stETH", &staker.to_string()]);
    assert!(stdout(&out).contains("9998 stETH"), "{}", text(&out));
}

#[test]
fn every_query_prints_a_table_unless_json_is_asked() {
    let tmp = TempDir::new("cli-tables");
    let node = Node::start(&tmp.path().join("data"), 100);
    let receipt = node.tx(
        "dev:1",
        "depositIntoStrategy",
        &["strategy=@rETH", "token=@rETH", "amount=2"],
    );
    let hash = receipt["transactionHash"]
        .as_str()
        .or_else(|| receipt["hash"].as_str())
        .map(str::to_string);
    let staker = dev(1).to_string();
    let oracle = dev(7).to_string();
    let mut queries: Vec<Vec<&str>> = vec![
        vec!["status"],
        vec!["strategies"],
        vec!["tokens"],
        vec!["balance", "@rETH", &staker],
        vec!["staker", &staker],
        vec!["operator", &staker],
        vec!["operator-set", &oracle, "1"],
        vec!["pod", &staker],
        vec!["oracle"],
        vec!["rewards", &staker],
        vec!["vaults"],
        vec!["block"],
        vec!["block", "1"],
    ];
    if let Some(h) = &hash {
        queries.push(vec!["receipt", h]);
    }
    for q in &queries {
        let mut args = vec!["query"];
        args.extend(q);
        let out = node.cli(&args);
        assert!(out.status.success(), "{q:?}: {}", text(&out));
        let shown = stdout(&out);
        let first = shown.trim_start().chars().next();
        assert!(
            !matches!(first, Some('{' | '[')) && serde_json::from_str::<Value>(&shown).is_err(),
            "{q:?} printed JSON instead of a table: {shown}"
        );
        args.push("--json");
        let out = node.cli(&args);
        assert!(
            serde_json::from_slice::<Value>(&out.stdout).is_ok(),
            "{q:?} --json: {}",
            text(&out)
        );
    }
    let strategies = stdout(&node.cli(&["query", "strategies"]));
    assert!(
        strategies
            .lines()
            .any(|l| l.starts_with("rETH") && l.contains("2 rETH")),
        "{strategies}"
    );
}

#[test]
fn a_symbol_names_a_vaults_token_and_its_vault() {
    let tmp = TempDir::new("cli-vault");
    let node = Node::start(&tmp.path().join("data"), 100);
    node.tx(
        "dev:0",
        "createVault",
        &[
            "symbol=rsETH",
            "assets:=[{\"token\":\"@stETH\",\"rateWad\":\"1000000000000000000\"}]",
        ],
    );
    // `vault=@rsETH` is the vault, `token=@stETH` the token; 3 stETH buy 3 rsETH.
    node.tx(
        "dev:1",
        "depositIntoVault",
        &["vault=@rsETH", "token=@stETH", "amount=3"],
    );
    let v = node.query(&["balance", "@rsETH", &dev(1).to_string()]);
    assert_eq!(u(&v["balance"]), U256::from(3 * WAD));
    // The LRT is a token like any other: `token=@rsETH` transfers it.
    node.tx(
        "dev:1",
        "transfer",
        &["token=@rsETH", &format!("to={}", dev(6)), "amount=0.5"],
    );
    let v = node.query(&["balance", "@rsETH", &dev(6).to_string()]);
    assert_eq!(u(&v["balance"]), U256::from(WAD / 2));
    let out = node.cli(&["query", "balance", "@rsETH", &dev(6).to_string()]);
    assert!(stdout(&out).contains("0.5 rsETH"), "{}", text(&out));
}

#[test]
fn the_node_url_and_the_key_come_from_the_environment_or_a_key_file() {
    let tmp = TempDir::new("cli-env");
    let node = Node::start(&tmp.path().join("data"), 100);
    let recipient = Address::repeat_byte(0x42);
    let send = |env: &[(&str, &str)], extra: &[&str]| {
        let mut args = vec!["tx", "transfer", "token=@stETH", "amount=1"];
        let to = format!("to={recipient}");
        args.push(&to);
        args.extend(extra);
        let out = restake(&args, env);
        assert!(out.status.success(), "{env:?} {extra:?}: {}", text(&out));
        out
    };
    let url = node.url.as_str();
    // RESTAKE_KEY (a raw key, kept off the command line).
    send(
        &[
            ("RESTAKE_RPC_URL", url),
            ("RESTAKE_KEY", devnet::DEV_ACCOUNTS[3].1),
        ],
        &[],
    );
    // A key file, by flag and by RESTAKE_KEY_FILE.
    let file = tmp.path().join("key");
    std::fs::write(&file, format!("{}\n", devnet::DEV_ACCOUNTS[4].1)).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let path = file.to_str().unwrap();
    let out = send(&[("RESTAKE_RPC_URL", url)], &["--key-file", path]);
    assert!(!stderr(&out).contains("warning"), "{}", text(&out));
    send(&[("RESTAKE_RPC_URL", url), ("RESTAKE_KEY_FILE", path)], &[]);
    let rt = runtime();
    let client = node.client();
    let (_, token) = rt.block_on(client.strategy_by_symbol("stETH")).unwrap();
    let balance: U256 = rt
        .block_on(client.call(
            "restake_getTokenBalance",
            vec![json!(token), json!(recipient)],
        ))
        .map(|v| u(&v))
        .unwrap();
    assert_eq!(balance, U256::from(3 * WAD));
    assert_eq!(nonce(&node, dev(3)), 1);
    assert_eq!(nonce(&node, dev(4)), 2);
    // Without a key: a sentence naming every way to give one.
    let out = restake(&["tx", "pauseAll"], &[("RESTAKE_RPC_URL", url)]);
    assert!(!out.status.success());
    let err = stderr(&out);
    for way in [
        "--key dev:N",
        "--key-file",
        "RESTAKE_KEY",
        "RESTAKE_KEY_FILE",
    ] {
        assert!(err.contains(way), "{way}: {err}");
    }
    // A raw key on the command line works, with a warning.
    let out = send(
        &[("RESTAKE_RPC_URL", url)],
        &["--key", devnet::DEV_ACCOUNTS[5].1],
    );
    assert!(
        stderr(&out).contains("warning: a private key on the command line"),
        "{}",
        text(&out)
    );
}

#[test]
fn an_unreachable_node_is_named_with_its_url() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    for args in [
        vec!["query", "status"],
        vec!["tx", "pauseAll", "--key", "dev:0"],
    ] {
        let out = restake(&args, &[("RESTAKE_RPC_URL", &url)]);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(err.contains(&url), "{args:?}: {err}");
        assert!(err.contains("is a node running there?"), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "one sentence: {err}");
    }
}

/// A scripted JSON-RPC server on loopback: answers each method with `reply(method, params)`,
/// a `result` or an `error` object. Stops when dropped.
struct FakeNode {
    url: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeNode {
    fn start(reply: impl Fn(&str) -> Value + Send + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            while !stopping.load(std::sync::atomic::Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).unwrap();
                        stream
                            .set_read_timeout(Some(Duration::from_secs(5)))
                            .unwrap();
                        let _ = serve_connection(stream, &reply);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Self {
            url,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for FakeNode {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Answers HTTP/1.1 JSON-RPC requests on one connection until it closes.
fn serve_connection(
    stream: std::net::TcpStream,
    reply: &impl Fn(&str) -> Value,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body)?;
        let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let method = request["method"].as_str().unwrap_or_default();
        let mut answer = reply(method);
        answer["jsonrpc"] = json!("2.0");
        answer["id"] = request["id"].clone();
        let text = answer.to_string();
        write!(
            writer,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{text}",
            text.len()
        )?;
        writer.flush()?;
    }
}

const SENT: B256 = B256::repeat_byte(0xab);

fn ok_preview() -> Value {
    json!({"result": {"blockNumber": 5, "status": "success", "events": []}})
}

#[test]
fn a_transaction_the_node_dropped_is_reported_as_vanished_with_its_hash() {
    // The node takes the transaction (nonce 7), then neither includes it nor counts it pending.
    let fake = FakeNode::start(|method| match method {
        "restake_simulateTransaction" => ok_preview(),
        "restake_chainId" => json!({"result": 31337}),
        "restake_getNonce" => json!({"result": 7}),
        "restake_sendTransaction" => json!({"result": SENT}),
        "restake_getTransactionReceipt" => json!({"result": null}),
        _ => json!({"error": {"code": -32601, "message": "Method not found"}}),
    });
    let out = restake(
        &["tx", "pauseAll", "--key", "dev:0", "--timeout", "5"],
        &[("RESTAKE_RPC_URL", &fake.url)],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!("transaction {SENT} vanished")),
        "{err}"
    );
    assert!(err.contains("dropped it from its mempool"), "{err}");
    assert!(
        err.contains(&format!("restake query receipt {SENT}")),
        "{err}"
    );

    // `--no-wait` prints the hash and does not wait.
    let out = restake(
        &["tx", "pauseAll", "--key", "dev:0", "--no-wait"],
        &[("RESTAKE_RPC_URL", &fake.url)],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stdout(&out).trim(), SENT.to_string());
}

#[test]
fn a_pending_transaction_without_a_receipt_times_out_with_what_to_check() {
    let fake = FakeNode::start(|method| match method {
        "restake_simulateTransaction" => ok_preview(),
        "restake_chainId" => json!({"result": 31337}),
        // Sent with nonce 0; counted as pending ever after.
        "restake_getNonce" => {
            static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            json!({"result": u64::from(n > 0)})
        }
        "restake_sendTransaction" => json!({"result": SENT}),
        "restake_getTransactionReceipt" => json!({"result": null}),
        _ => json!({"error": {"code": -32601, "message": "Method not found"}}),
    });
    let deadline = Deadline::after(Duration::from_secs(20));
    let out = restake(
        &["tx", "pauseAll", "--key", "dev:0", "--timeout", "1"],
        &[("RESTAKE_RPC_URL", &fake.url)],
    );
    assert!(!deadline.passed(), "the timeout was not kept");
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!("transaction {SENT} was not included within 1 s")),
        "{err}"
    );
    assert!(err.contains("still counts it as pending"), "{err}");
}

#[test]
fn an_rpc_error_reads_as_its_message_and_data() {
    let fake = FakeNode::start(|method| match method {
        "restake_simulateTransaction" => ok_preview(),
        "restake_chainId" => json!({"result": 31337}),
        "restake_getNonce" => json!({"result": 0}),
        "restake_sendTransaction" => json!({"error": {
            "code": -32003,
            "message": "mempool full",
            "data": "the sender holds 64 pending transactions, the limit is 64"
        }}),
        _ => json!({"error": {"code": -32601, "message": "Method not found"}}),
    });
    let out = restake(
        &["tx", "pauseAll", "--key", "dev:0"],
        &[("RESTAKE_RPC_URL", &fake.url)],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("the node refused the request: mempool full (details: \"the sender holds 64 pending transactions, the limit is 64\")"),
        "{err}"
    );
    assert!(!err.contains("ErrorObject"), "{err}");
}

/// Starts `restake dev` with `extra` arguments on a free port; returns the child, its URL and
/// the file its stderr goes to.
fn dev_node(
    data: &std::path::Path,
    log: &std::path::Path,
    extra: &[&str],
) -> (
    std::process::Child,
    String,
    std::sync::mpsc::Receiver<String>,
) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(BIN)
        .args([
            "dev",
            "--rpc-addr",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(data)
        .args(["--block-time-ms", "100"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, format!("http://127.0.0.1:{port}"), rx)
}

/// Waits for a stdout line containing `what`.
fn wait_line(rx: &std::sync::mpsc::Receiver<String>, what: &str) -> String {
    let deadline = Deadline::after(Duration::from_secs(30));
    loop {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(100))
            && line.contains(what)
        {
            return line;
        }
        assert!(!deadline.passed(), "no line with {what:?}");
    }
}

/// Kills and reaps a child still running (a failed test leaves no process behind).
struct Reap(std::process::Child);

impl Drop for Reap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sigterm(child: &std::process::Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn sigterm_stops_the_devnet_gracefully_and_fresh_starts_a_clean_chain_with_a_plain_block_log() {
    let tmp = TempDir::new("cli-dev");
    let data = tmp.path().join("data");
    let log = tmp.path().join("dev.log");
    let (child, url, rx) = dev_node(&data, &log, &["--log", "info"]);
    let mut child = Reap(child);
    wait_line(&rx, "JSON-RPC and WebSocket on");
    let client = restake_client::Client::new(&url).unwrap();
    let rt = runtime();
    let reached = rt.block_on(wait_for_height(&client, 5));
    node_tx(
        &url,
        "depositIntoStrategy",
        &["strategy=@stETH", "token=@stETH", "amount=1"],
    );

    // SIGTERM: the same orderly stop as Ctrl-C.
    sigterm(&child.0);
    wait_line(&rx, "Stopping (SIGTERM)");
    wait_line(&rx, "Stopped.");
    let status = child.0.wait().unwrap();
    assert!(status.success(), "{status}");

    // One plain line per block, with height, transactions and time; no colour codes.
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        !logged.contains('\u{1b}'),
        "colour codes in a file: {logged}"
    );
    let blocks: Vec<&str> = logged.lines().filter(|l| l.contains(" block ")).collect();
    assert!(blocks.len() as u64 >= reached, "{logged}");
    for h in 1..=reached {
        let needle = format!("block {h}: ");
        let lines: Vec<&&str> = blocks.iter().filter(|l| l.contains(&needle)).collect();
        assert_eq!(lines.len(), 1, "block {h}: {logged}");
        assert!(
            lines[0].contains(" transaction") && lines[0].trim_end().ends_with('Z'),
            "{}",
            lines[0]
        );
    }
    assert!(
        blocks.iter().any(|l| l.contains(": 1 transaction, ")),
        "{logged}"
    );

    // Restarted, the chain goes on; with --fresh it starts again from genesis.
    let (child, url, rx) = dev_node(&data, &log, &[]);
    let mut child = Reap(child);
    let banner = wait_line(&rx, "JSON-RPC and WebSocket on");
    let height: u64 = banner
        .split("Chain at height ")
        .nth(1)
        .and_then(|r| r.split(';').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(height >= reached, "{banner}");
    let _ = url;
    sigterm(&child.0);
    assert!(child.0.wait().unwrap().success());
    let (child, url, rx) = dev_node(&data, &log, &["--fresh"]);
    let _child = Reap(child);
    wait_line(&rx, "Fresh start");
    let banner = wait_line(&rx, "JSON-RPC and WebSocket on");
    assert!(banner.contains("Chain at height 0;"), "{banner}");
    let shares = restake(
        &["query", "staker", &dev(1).to_string(), "--json"],
        &[("RESTAKE_RPC_URL", &url)],
    );
    let v: Value = serde_json::from_slice(&shares.stdout).unwrap();
    assert_eq!(v["positions"].as_array().map_or(0, Vec::len), 0, "{v:#}");
}

fn node_tx(url: &str, action: &str, fields: &[&str]) {
    let mut args = vec!["tx", action];
    args.extend(fields);
    args.extend(["--key", "dev:1"]);
    let out = restake(&args, &[("RESTAKE_RPC_URL", url)]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn a_port_in_use_is_reported_before_the_data_directory_is_created() {
    let tmp = TempDir::new("cli-port");
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let data = tmp.path().join("never");
    let out = restake(
        &[
            "dev",
            "--rpc-addr",
            &addr,
            "--data-dir",
            data.to_str().unwrap(),
        ],
        &[],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
    assert!(err.contains("already in use"), "{err}");
    assert!(!data.exists(), "the data directory was created");
    assert!(
        !stdout(&out).contains("Development accounts"),
        "{}",
        text(&out)
    );

    // The same for `restake node`, whose config is read first.
    let config = tmp.path().join("node.json");
    std::fs::write(
        &config,
        json!({"dataDir": "never", "rpcAddr": addr, "chainId": 1, "genesis": "genesis.json", "genesisTime": 0}).to_string(),
    )
    .unwrap();
    let out = restake(&["node", "--config", config.to_str().unwrap()], &[]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("already in use"), "{}", text(&out));
    assert!(!tmp.path().join("never").exists());
}

#[test]
fn a_config_files_relative_paths_are_read_from_its_folder() {
    let tmp = TempDir::new("cli-config");
    let folder = tmp.path().join("conf");
    std::fs::create_dir_all(&folder).unwrap();
    let genesis = restake(&["genesis"], &[]);
    assert!(genesis.status.success());
    std::fs::write(folder.join("genesis.json"), &genesis.stdout).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        folder.join("node.json"),
        json!({
            "dataDir": "chain",
            "rpcAddr": format!("127.0.0.1:{port}"),
            "chainId": devnet::CHAIN_ID,
            "genesis": "genesis.json",
            "genesisTime": 1_700_000_000u64,
            "blockTimeMs": 100
        })
        .to_string(),
    )
    .unwrap();
    // Run from another folder: the paths still mean the config's folder.
    let mut child = Command::new(BIN)
        .args(["node", "--config", "conf/node.json", "--log", "warn"])
        .current_dir(tmp.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let mut child = Reap(child);
    let mut lines = BufReader::new(out).lines();
    let deadline = Deadline::after(Duration::from_secs(30));
    let banner = loop {
        let line = lines.next().expect("the node exited").unwrap();
        if line.contains("JSON-RPC and WebSocket on") {
            break line;
        }
        assert!(!deadline.passed());
    };
    assert!(banner.contains(&format!("127.0.0.1:{port}")), "{banner}");
    assert!(folder.join("chain").join("restake.redb").exists());
    assert!(!tmp.path().join("chain").exists());
    sigterm(&child.0);
    assert!(child.0.wait().unwrap().success());
}

#[test]
fn a_bls_key_is_created_encrypted_shown_and_refused_with_a_wrong_password() {
    let tmp = TempDir::new("bls-keys");
    let (file, pw, wrong) = (
        tmp.path().join("op.json"),
        tmp.path().join("pw"),
        tmp.path().join("wrong"),
    );
    std::fs::write(&pw, "s3cret pass\n").unwrap();
    std::fs::write(&wrong, "not it\n").unwrap();
    let (file_s, pw_s, wrong_s) = (
        file.to_str().unwrap(),
        pw.to_str().unwrap(),
        wrong.to_str().unwrap(),
    );
    let made = restake(
        &[
            "keys",
            "bls",
            "new",
            "--out",
            file_s,
            "--password-file",
            pw_s,
        ],
        &[],
    );
    assert!(made.status.success(), "{}", stderr(&made));
    let printed = stdout(&made);
    let public = printed
        .lines()
        .find_map(|l| l.strip_prefix("public key"))
        .unwrap()
        .trim()
        .to_string();
    // An EIP-2335 keystore any tool can open: here the library, with the same password.
    let ks =
        restake_client::keystore::Keystore::from_json(&std::fs::read_to_string(&file).unwrap())
            .unwrap();
    let secret = ks.decrypt("s3cret pass").unwrap();
    assert_eq!(secret.public().to_string(), public);
    let pop = printed
        .lines()
        .find_map(|l| l.strip_prefix("proof of possession"))
        .unwrap()
        .trim();
    let pop = restake_primitives::bls::Signature::from_bytes(
        &alloy_primitives::hex::decode(pop).unwrap(),
    )
    .unwrap();
    secret.public().verify_possession(&pop).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Shown without the password (public key only) and with it.
    let shown = restake(&["keys", "bls", "show", file_s], &[]);
    assert!(stdout(&shown).contains(&public[2..]), "{}", stdout(&shown));
    let shown = restake(
        &["keys", "bls", "show", file_s],
        &[("RESTAKE_KEYSTORE_PASSWORD", "s3cret pass")],
    );
    assert!(stdout(&shown).contains(&public), "{}", stderr(&shown));
    let refused = restake(
        &["keys", "bls", "show", file_s, "--password-file", wrong_s],
        &[],
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("wrong password"),
        "{}",
        stderr(&refused)
    );
    // Never overwritten, and never without a password.
    let again = restake(
        &[
            "keys",
            "bls",
            "new",
            "--out",
            file_s,
            "--password-file",
            pw_s,
        ],
        &[],
    );
    assert!(!again.status.success());
    let other = tmp.path().join("x.json");
    for env in [&[][..], &[("RESTAKE_KEYSTORE_PASSWORD", "")][..]] {
        let bare = restake(
            &["keys", "bls", "new", "--out", other.to_str().unwrap()],
            env,
        );
        assert!(!bare.status.success());
        assert!(
            stderr(&bare).contains("needs a password"),
            "{}",
            stderr(&bare)
        );
        assert!(!other.exists());
    }
}

#[test]
fn an_account_key_is_kept_encrypted_listed_exported_and_signs_from_its_keystore() {
    let tmp = TempDir::new("account-keys");
    let node = Node::start(&tmp.path().join("data"), 100);
    let dir = tmp.path().join("keys");
    std::fs::create_dir(&dir).unwrap();
    let pw = tmp.path().join("pw");
    std::fs::write(&pw, "hunter2 hunter2\n").unwrap();
    let (pw_s, made_s, imported_s) = (
        pw.to_str().unwrap().to_string(),
        dir.join("new.json").to_str().unwrap().to_string(),
        dir.join("imported.json").to_str().unwrap().to_string(),
    );
    let made = restake(
        &["keys", "new", "--out", &made_s, "--password-file", &pw_s],
        &[],
    );
    assert!(made.status.success(), "{}", stderr(&made));
    assert!(!stdout(&made).contains("private key"), "{}", stdout(&made));
    let imported = restake(
        &[
            "keys",
            "import",
            "--key",
            "dev:6",
            "--out",
            &imported_s,
            "--password-file",
            &pw_s,
        ],
        &[],
    );
    assert!(imported.status.success(), "{}", stderr(&imported));
    // A standard version-3 file: the library opens it with the same password.
    let ks = restake_client::keystore::Web3Keystore::from_json(
        &std::fs::read_to_string(&imported_s).unwrap(),
    )
    .unwrap();
    assert_eq!(
        alloy_primitives::hex::encode(ks.decrypt("hunter2 hunter2").unwrap()),
        devnet::DEV_ACCOUNTS[6].1.trim_start_matches("0x")
    );
    // Listed without a password, with the addresses they hold.
    std::fs::write(dir.join("notes.txt"), "not a keystore").unwrap();
    let listed = stdout(&restake(&["keys", "list", dir.to_str().unwrap()], &[]));
    let dev6 = format!("{}", dev(6)).to_lowercase();
    assert!(listed.to_lowercase().contains(&dev6), "{listed}");
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(!listed.contains("notes.txt"), "{listed}");
    // Exported with the password only.
    let wrong = restake(
        &["keys", "export", &imported_s],
        &[("RESTAKE_KEYSTORE_PASSWORD", "no")],
    );
    assert!(!wrong.status.success());
    assert!(
        stderr(&wrong).contains("wrong password"),
        "{}",
        stderr(&wrong)
    );
    let exported = restake(
        &["keys", "export", &imported_s, "--password-file", &pw_s],
        &[],
    );
    assert_eq!(
        stdout(&exported).trim().trim_start_matches("0x"),
        devnet::DEV_ACCOUNTS[6].1.trim_start_matches("0x")
    );
    // The keystore signs a transaction as --key-file, with its password from the environment.
    let url = node.url.as_str();
    let to = format!("to={}", Address::repeat_byte(0x43));
    let tx = [
        "tx",
        "transfer",
        "token=@stETH",
        "amount=1",
        &to,
        "--key-file",
        &imported_s,
    ];
    let locked = restake(&tx, &[("RESTAKE_RPC_URL", url)]);
    assert!(!locked.status.success());
    assert!(
        stderr(&locked).contains("RESTAKE_KEYSTORE_PASSWORD"),
        "{}",
        stderr(&locked)
    );
    let sent = restake(
        &tx,
        &[
            ("RESTAKE_RPC_URL", url),
            ("RESTAKE_KEYSTORE_PASSWORD", "hunter2 hunter2"),
        ],
    );
    assert!(sent.status.success(), "{}", text(&sent));
    assert_eq!(nonce(&node, dev(6)), 1);
}

//! probe
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::arithmetic_side_effects, clippy::panic, missing_docs)]
use restake_node::devnet;
use restake_node::node::NodeConfig;
use restake_node::server::{ApiConfig, serve};
use restake_store::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn post(addr: std::net::SocketAddr, body: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe() {
    let (handle, _engine) = restake_node::start_manual(Store::in_memory().unwrap(), &devnet::genesis(), 1_700_000_000, NodeConfig::default()).unwrap();
    let (addr, _server) = serve(handle, &ApiConfig { addr: "127.0.0.1:0".parse().unwrap(), ..ApiConfig::default() }).await.unwrap();
    let a = "f39fd6e51aad88f6f4ce6ab8827279cfffb92266";
    for body in [
        "".to_string(), "{".to_string(), "nonsense".to_string(), "{}".to_string(), "[]".to_string(), "[{}]".to_string(),
        r#"{"jsonrpc":"2.0","id":1,"method":"restake_chainId","params":[1,2]}"#.to_string(),
        r#"{"jsonrpc":"2.0","id":1,"method":"restake_chainId","params":{}}"#.to_string(),
        r#"{"jsonrpc":"2.0","id":1,"method":"restake_chainId"}"#.to_string(),
        format!(r#"{{"jsonrpc":"2.0","id":1,"method":"restake_getNonce","params":["0x{a}", 5]}}"#),
        format!(r#"{{"jsonrpc":"2.0","id":1,"method":"restake_getNonce","params":{{"address":"0x{a}"}}}}"#),
        format!(r#"{{"jsonrpc":"2.0","id":1,"method":"restake_getNonce","params":["{a}"]}}"#),
        r#"{"jsonrpc":"2.0","id":1,"method":"restake_getNonce","params":[]}"#.to_string(),
        r#"{"jsonrpc":"2.0","id":1,"method":"restake_getBlock","params":[0, 1]}"#.to_string(),
        format!(r#"{{"jsonrpc":"2.0","id":1,"method":"restake_sendTransaction","params":[{{"from":"{a}","nonce":0,"action":{{"type":"pauseAll"}},"signature":"00"}}]}}"#),
        format!(r#"{{"jsonrpc":"2.0","id":1,"method":"restake_sendTransaction","params":[{{"from":"0x{a}","nonce":0,"action":{{"type":"pauseAll"}},"signature":"{}"}}]}}"#, "11".repeat(65)),
    ] {
        let out = post(addr, &body).await;
        let (head, reply) = out.split_once("\r\n\r\n").unwrap();
        println!("BODY {body}\n  => {} | {reply}", head.lines().next().unwrap());
    }
}

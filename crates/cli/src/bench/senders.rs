//! The senders: keys derived from their index, their funding, and the transfers they sign before
//! the clock starts.
use super::*;

/// The fixed recipient of the benchmark transfers.
const RECIPIENT: Address = Address::new([0xbe; 20]);

/// Sender `i`: a development account, then keys derived from the index (funded by
/// [`fund_senders`]), so runs are repeatable.
pub(super) fn sender_wallet(i: usize) -> Result<Wallet, String> {
    if i < restake_node::devnet::DEV_ACCOUNTS.len() {
        return wallet(&format!("dev:{i}"));
    }
    let mut seed = b"restake bench sender ".to_vec();
    seed.extend_from_slice(&(i as u64).to_be_bytes());
    Wallet::from_bytes(keccak256(&seed).0).map_err(|e| e.to_string())
}

/// Gives every derived sender (those past the development accounts) `units` base units of
/// `token`, and a token more for the quota, from development account 0, unless it already holds
/// that many, and waits until the transfers are in blocks. Runs before the clock starts.
pub(super) async fn fund_senders(
    http: &mut Http,
    wallets: &[Wallet],
    token: Address,
    units: usize,
    chain_id: u64,
    quiet: bool,
) -> Result<(), String> {
    let first = restake_node::devnet::DEV_ACCOUNTS.len();
    let Some(derived) = wallets.get(first..) else {
        return Ok(());
    };
    let funder = wallet("dev:0")?;
    // What the transfers move, plus one whole token: the weight that buys each sender its
    // transaction quota (ADR 0005; 10,000 units a window on the devnet).
    let need = U256::from(units).saturating_add(U256::from(10u64).pow(U256::from(18u8)));
    let mut nonce = http
        .call("restake_getNonce", json!([funder.address()]))
        .await?
        .as_u64()
        .ok_or("restake_getNonce did not return a number")?;
    if !quiet && !derived.is_empty() {
        eprintln!("funding {} derived senders...", derived.len());
    }
    // The mempool holds at most 256 nonces ahead per sender: fund in rounds.
    for chunk in derived.chunks(200) {
        let mut last = None;
        for w in chunk {
            let held = http
                .call("restake_getTokenBalance", json!([token, w.address()]))
                .await?;
            let held: U256 = held
                .as_str()
                .and_then(|v| v.parse().ok())
                .ok_or("restake_getTokenBalance did not return a decimal string")?;
            if held >= need {
                continue;
            }
            let tx = funder.sign(
                Action::Transfer {
                    token,
                    to: w.address(),
                    amount: need,
                },
                nonce,
                chain_id,
            );
            nonce = nonce.saturating_add(1);
            let hash: B256 =
                serde_json::from_value(http.call("restake_sendTransaction", json!([tx])).await?)
                    .map_err(|e| e.to_string())?;
            last = Some(hash);
        }
        if let Some(hash) = last {
            let until = clock::now()
                .checked_add(Duration::from_secs(60))
                .ok_or("clock overflow")?;
            while !included(http, hash).await? {
                if clock::now() > until {
                    return Err("funding transfers were not included within 60 s".into());
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    Ok(())
}

/// Signs `count` transfers of 1 base unit of `token` to [`RECIPIENT`], round-robin over the
/// senders from their next nonces. Returns the transactions, each sender's transactions (indices)
/// in nonce order.
pub(super) fn sign_transfers(
    wallets: &[Wallet],
    mut nonces: Vec<u64>,
    count: usize,
    token: Address,
    chain_id: u64,
) -> Result<(Vec<Prepared>, Vec<Vec<usize>>), String> {
    let mut txs = Vec::with_capacity(count);
    let mut queues = vec![Vec::new(); wallets.len()];
    for i in 0..count {
        let sender = i.checked_rem(wallets.len()).unwrap_or(0);
        let (Some(w), Some(nonce), Some(queue)) = (
            wallets.get(sender),
            nonces.get_mut(sender),
            queues.get_mut(sender),
        ) else {
            return Err("internal: sender out of range".into());
        };
        let action = Action::Transfer {
            token,
            to: RECIPIENT,
            amount: U256::from(1),
        };
        let digest = Transaction::signing_hash(w.address(), *nonce, &action, chain_id);
        let tx = w.sign(action, *nonce, chain_id);
        *nonce = nonce.saturating_add(1);
        let body = serde_json::to_vec(
            &json!({"jsonrpc": "2.0", "id": i, "method": "restake_sendTransaction", "params": [tx]}),
        )
        .map_err(|e| e.to_string())?;
        queue.push(i);
        txs.push(Prepared {
            hash: tx.hash(chain_id),
            digest,
            tx,
            body,
        });
    }
    Ok((txs, queues))
}

//! A typed client for the Restake JSON-RPC API and a local wallet.
//!
//! Every method of the API is a typed call: [`Client`] implements jsonrpsee's client traits, so
//! the generated [`RestakeApiClient`] (from `restake-rpc-api`) gives it one method per RPC method,
//! with the request and response types of [`types`]: `client.get_staker(address).await?` is a
//! [`types::StakerView`]. Beside them, [`Client`] has the flows a client needs (sign, send and
//! wait; resolve a token symbol; read state with its proof checked) and [`Client::call`], an
//! untyped escape hatch for raw JSON.
//!
//! The wallet holds a secp256k1 key and signs transactions exactly as an Ethereum wallet would
//! with `eth_signTypedData_v4` (EIP-712 over the action's struct). The client uses only the
//! public API: it knows the core's and the API's types, never the node's internals.
//!
//! [`keystore`] opens and writes encrypted key files in EIP-2335's format (BLS12-381 keys).

use alloy_primitives::{Address, B256, Bytes, keccak256};
use jsonrpsee_core::client::{BatchResponse, ClientT, Subscription, SubscriptionClientT};
use jsonrpsee_core::params::BatchRequestBuilder;
use jsonrpsee_core::traits::ToRpcParams;
use jsonrpsee_http_client::{HttpClient, HttpClientBuilder};
use restake_core::Action;
use restake_core::block::Receipt;
use restake_core::tx::Transaction;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::future::Future;
use std::time::Duration;
use thiserror::Error;

pub mod keystore;
pub mod light;

pub use light::{LightClient, LightError};
pub use restake_rpc_api::types::{self, BlockId};
pub use restake_rpc_api::{RestakeApiClient, codes};

/// Client failures.
#[derive(Debug, Error)]
pub enum ClientError {
    /// The key is not 32 bytes of hex, or not a valid secret key.
    #[error("invalid private key: {0}")]
    InvalidKey(String),
    /// The RPC call failed (transport or JSON-RPC error).
    #[error("rpc: {0}")]
    Rpc(#[from] jsonrpsee_core::ClientError),
    /// A reply did not have the expected shape.
    #[error("unexpected reply: {0}")]
    Decode(String),
    /// A state proof does not verify, or does not match the block header.
    #[error("state proof: {0}")]
    Proof(String),
    /// A header, its certificate or the next validator set did not check out.
    #[error("light client: {0}")]
    Light(#[from] LightError),
    /// No receipt arrived in time.
    #[error("transaction {0} was not included in time")]
    Timeout(B256),
}

impl ClientError {
    /// The JSON-RPC error the node answered with, if that is what this is: its code, message and
    /// data (raw JSON).
    pub fn rpc_error(&self) -> Option<(i32, &str, Option<&str>)> {
        match self {
            Self::Rpc(jsonrpsee_core::ClientError::Call(e)) => {
                Some((e.code(), e.message(), e.data().map(|d| d.get())))
            }
            _ => None,
        }
    }

    /// Why the node could not be reached (refused connection, unknown host, closed socket), if
    /// that is what this is: the innermost cause, e.g. `Connection refused (os error 111)`.
    pub fn unreachable_reason(&self) -> Option<String> {
        match self {
            Self::Rpc(jsonrpsee_core::ClientError::Transport(e)) => {
                let mut cause: &(dyn std::error::Error + 'static) = e.as_ref();
                while let Some(next) = cause.source() {
                    cause = next;
                }
                Some(cause.to_string())
            }
            _ => None,
        }
    }

    /// Whether the node did not answer within the request timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Rpc(jsonrpsee_core::ClientError::RequestTimeout))
    }
}

/// A local signing key.
#[derive(Clone)]
pub struct Wallet {
    key: secp256k1::SecretKey,
    address: Address,
}

impl std::fmt::Debug for Wallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wallet")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl Wallet {
    /// From a `0x`-prefixed or bare 64-digit hex private key.
    pub fn from_hex(hex: &str) -> Result<Self, ClientError> {
        let raw = alloy_primitives::hex::decode(hex.trim().trim_start_matches("0x"))
            .map_err(|e| ClientError::InvalidKey(e.to_string()))?;
        let bytes: [u8; 32] = raw
            .try_into()
            .map_err(|_| ClientError::InvalidKey("expected 32 bytes".into()))?;
        Self::from_bytes(bytes)
    }

    /// From 32 secret bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Result<Self, ClientError> {
        let key = secp256k1::SecretKey::from_byte_array(bytes)
            .map_err(|e| ClientError::InvalidKey(e.to_string()))?;
        let pk = secp256k1::PublicKey::from_secret_key_global(&key);
        let uncompressed = pk.serialize_uncompressed();
        let hash = keccak256(uncompressed.get(1..).unwrap_or_default());
        let address = Address::from_slice(hash.get(12..).unwrap_or(&[0; 20]));
        Ok(Self { key, address })
    }

    /// The account address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// The secret key as `0x` hex.
    pub fn secret_hex(&self) -> String {
        format!(
            "0x{}",
            alloy_primitives::hex::encode(self.key.secret_bytes())
        )
    }

    /// Signs a 32-byte digest: 65 bytes `r || s || v`, `v` in {27, 28}, low-S.
    pub fn sign_digest(&self, digest: B256) -> Bytes {
        let sig = secp256k1::SECP256K1
            .sign_ecdsa_recoverable(secp256k1::Message::from_digest(digest.0), &self.key);
        let (id, rs) = sig.serialize_compact();
        let mut out = rs.to_vec();
        out.push(if i32::from(id) == 0 { 27 } else { 28 });
        Bytes::from(out)
    }

    /// Signs `action` with `nonce` for chain `chain_id`.
    pub fn sign(&self, action: Action, nonce: u64, chain_id: u64) -> Transaction {
        let digest = Transaction::signing_hash(self.address, nonce, &action, chain_id);
        Transaction {
            from: self.address,
            nonce,
            action,
            signature: self.sign_digest(digest),
        }
    }
}

/// A typed JSON-RPC client over HTTP: every method of [`RestakeApiClient`], plus the flows
/// below. Subscriptions need a WebSocket client (any jsonrpsee WebSocket client implements
/// [`RestakeApiClient`] too); over HTTP they fail.
#[derive(Debug, Clone)]
pub struct Client {
    http: HttpClient,
}

impl Client {
    /// Connects to `url` (e.g. `http://127.0.0.1:8545`).
    pub fn new(url: &str) -> Result<Self, ClientError> {
        let http = HttpClientBuilder::default()
            .request_timeout(Duration::from_secs(30))
            .build(url)?;
        Ok(Self { http })
    }

    /// Any method by name with raw JSON parameters, for what the typed methods cannot say (a
    /// parameter of the wrong shape, a method this client does not know).
    pub async fn call(&self, method: &str, params: Vec<Value>) -> Result<Value, ClientError> {
        let mut p = jsonrpsee_core::params::ArrayParams::new();
        for v in params {
            p.insert(v)
                .map_err(|e| ClientError::Decode(e.to_string()))?;
        }
        Ok(self.http.request(method, p).await?)
    }

    /// `restake_chainId`.
    pub async fn chain_id(&self) -> Result<u64, ClientError> {
        Ok(RestakeApiClient::chain_id(self).await?)
    }

    /// `restake_blockNumber`.
    pub async fn block_number(&self) -> Result<u64, ClientError> {
        Ok(RestakeApiClient::block_number(self).await?)
    }

    /// `restake_getNonce`.
    pub async fn nonce(&self, account: Address) -> Result<u64, ClientError> {
        Ok(self.get_nonce(account).await?)
    }

    /// `restake_sendTransaction`.
    pub async fn send(&self, tx: &Transaction) -> Result<B256, ClientError> {
        Ok(self.send_transaction(tx.clone()).await?)
    }

    /// `restake_getTransactionReceipt`.
    pub async fn receipt(&self, hash: B256) -> Result<Option<Receipt>, ClientError> {
        Ok(self.get_transaction_receipt(hash).await?)
    }

    /// Signs with the next nonce, sends, and waits for the receipt.
    pub async fn execute(&self, wallet: &Wallet, action: Action) -> Result<Receipt, ClientError> {
        let chain_id = self.chain_id().await?;
        let nonce = self.nonce(wallet.address()).await?;
        let tx = wallet.sign(action, nonce, chain_id);
        let hash = self.send(&tx).await?;
        self.wait(hash, Duration::from_secs(60)).await
    }

    /// Polls for a receipt until `timeout`.
    pub async fn wait(&self, hash: B256, timeout: Duration) -> Result<Receipt, ClientError> {
        let step = Duration::from_millis(100);
        let mut waited = Duration::ZERO;
        while waited < timeout {
            if let Some(r) = self.receipt(hash).await? {
                return Ok(r);
            }
            tokio::time::sleep(step).await;
            waited = waited.saturating_add(step);
        }
        Err(ClientError::Timeout(hash))
    }

    /// `restake_getStrategies`.
    pub async fn strategies(&self) -> Result<Vec<types::StrategySummary>, ClientError> {
        Ok(self.get_strategies().await?)
    }

    /// The strategy and token addresses of a token symbol (case-insensitive).
    pub async fn strategy_by_symbol(
        &self,
        symbol: &str,
    ) -> Result<(Address, Address), ClientError> {
        self.strategies()
            .await?
            .into_iter()
            .find(|s| s.symbol.eq_ignore_ascii_case(symbol))
            .map(|s| (s.strategy, s.token))
            .ok_or_else(|| ClientError::Decode(format!("no strategy for {symbol}")))
    }

    /// An operator set's table at `height` (default: latest), checked without trusting the node:
    /// the header's proof must verify against the state root of block `height`'s header (fetched
    /// separately; check that header's certificate with a [`light::LightClient`] to trust no node
    /// at all), and every entry's proof against the header's root.
    pub async fn verified_operator_table(
        &self,
        avs: Address,
        set_id: u32,
        height: Option<u64>,
    ) -> Result<
        (
            restake_certificate::OperatorTable,
            Vec<restake_certificate::TableEntry>,
        ),
        ClientError,
    > {
        let r = self
            .get_operator_table(restake_rpc_api::types::OperatorTableQuery {
                avs,
                set_id,
                height,
            })
            .await?;
        let p = &r.state_proof;
        let block = self
            .get_block(BlockId::Number(p.height))
            .await?
            .ok_or_else(|| ClientError::Decode(format!("no block at height {}", p.height)))?;
        let set = restake_primitives::OperatorSet::new(avs, set_id);
        let key = restake_core::tables::table_key_at(&set, r.reference_height);
        if p.key.as_ref() != key.as_slice() {
            return Err(ClientError::Proof("the proof is for another key".into()));
        }
        restake_proof::verify(block.header.state_root, &key, Some(&p.value), &p.proof)
            .map_err(|e| ClientError::Proof(e.to_string()))?;
        let table: restake_certificate::OperatorTable = borsh::from_slice(&p.value)
            .map_err(|e| ClientError::Decode(format!("the table header: {e}")))?;
        if table.operator_set != set
            || u64::try_from(r.entries.len()).ok() != Some(u64::from(table.operator_count))
        {
            return Err(ClientError::Proof(
                "the table is not the one asked for".into(),
            ));
        }
        let mut entries = Vec::with_capacity(r.entries.len());
        for (position, e) in (0u32..).zip(r.entries) {
            if e.index != position {
                return Err(ClientError::Proof(format!(
                    "entry {} is out of place",
                    e.index
                )));
            }
            let entry = restake_certificate::TableEntry {
                operator: e.operator,
                key_data: e.key_data,
                weight: e.weight,
                stakes: e.stakes,
            };
            if !restake_certificate::verify_entry(
                &table.root,
                table.operator_count,
                e.index,
                &entry,
                &e.proof,
            ) {
                return Err(ClientError::Proof(format!(
                    "entry {} is not the table's",
                    e.index
                )));
            }
            entries.push(entry);
        }
        Ok((table, entries))
    }

    /// Reads a raw state value and checks it: the proof from `restake_getProof` must verify
    /// against the state root in the header of block `height` (default: latest), fetched
    /// separately. Returns the value (`None`: proven absent) and the height.
    pub async fn verified_state(
        &self,
        key: &[u8],
        height: Option<u64>,
    ) -> Result<(Option<Vec<u8>>, u64), ClientError> {
        let height = match height {
            Some(h) => h,
            None => self.block_number().await?,
        };
        let p = self
            .get_proof(Bytes::copy_from_slice(key), Some(height))
            .await?;
        let block = self
            .get_block(BlockId::Number(height))
            .await?
            .ok_or_else(|| ClientError::Decode(format!("no block at height {height}")))?;
        let value = p.value;
        restake_proof::verify(
            block.header.state_root,
            key,
            value.as_ref().map(|v| v.as_ref()),
            &p.proof,
        )
        .map_err(|e| ClientError::Proof(e.to_string()))?;
        Ok((value.map(|v| v.to_vec()), height))
    }

    /// Moves `light` forward to block `height`, one header at a time: each header's certificate
    /// is checked against the set the previous checked state named, and the next set is proven
    /// against the new state root. This node is not trusted: a step it cannot back with
    /// signatures and proofs is refused, and `light` stays at the last checked header.
    pub async fn follow(&self, light: &mut LightClient, height: u64) -> Result<(), ClientError> {
        while light.header().height < height {
            let next = light.header().height.saturating_add(1);
            let block = self
                .get_block(BlockId::Number(next))
                .await?
                .ok_or_else(|| ClientError::Decode(format!("no block at height {next}")))?;
            let certificate = self
                .get_certificate(BlockId::Number(next))
                .await?
                .ok_or_else(|| ClientError::Decode(format!("no certificate for {next}")))?;
            let p = self
                .get_proof(Bytes::copy_from_slice(light::NEXT_SET_KEY), Some(next))
                .await?;
            let value = p
                .value
                .ok_or_else(|| ClientError::Decode("no next validator set in the state".into()))?;
            light.advance(block.header, &certificate, &value, &p.proof)?;
        }
        Ok(())
    }

    /// Reads a raw state value without trusting this node: `light` first follows the chain to
    /// `height` (default: the node's latest), checking every header's certificate against the
    /// validator set it trusts; the value's proof is then checked against the state root of the
    /// header `light` now holds. Returns the value (`None`: proven absent) and the height.
    pub async fn verified_state_light(
        &self,
        light: &mut LightClient,
        key: &[u8],
        height: Option<u64>,
    ) -> Result<(Option<Vec<u8>>, u64), ClientError> {
        let height = match height {
            Some(h) => h,
            None => self.block_number().await?,
        };
        if height < light.header().height {
            return Err(ClientError::Decode(format!(
                "height {height} is behind the light client's {}",
                light.header().height
            )));
        }
        self.follow(light, height).await?;
        let p = self
            .get_proof(Bytes::copy_from_slice(key), Some(height))
            .await?;
        let value = p.value;
        restake_proof::verify(
            light.header().state_root,
            key,
            value.as_ref().map(|v| v.as_ref()),
            &p.proof,
        )
        .map_err(|e| ClientError::Proof(e.to_string()))?;
        Ok((value.map(|v| v.to_vec()), height))
    }

    /// `restake_prepareTransaction` with the next nonce.
    pub async fn prepare(
        &self,
        from: Address,
        action: &Action,
    ) -> Result<types::PrepareResponse, ClientError> {
        Ok(self
            .prepare_transaction(types::PrepareRequest {
                from,
                action: action.clone(),
                nonce: None,
            })
            .await?)
    }
}

// The generated `RestakeApiClient` is implemented for every jsonrpsee client; these give
// `Client` its methods by handing each call to the HTTP client.
impl ClientT for Client {
    fn notification<Params>(
        &self,
        method: &str,
        params: Params,
    ) -> impl Future<Output = Result<(), jsonrpsee_core::ClientError>> + Send
    where
        Params: ToRpcParams + Send,
    {
        self.http.notification(method, params)
    }

    fn request<R, Params>(
        &self,
        method: &str,
        params: Params,
    ) -> impl Future<Output = Result<R, jsonrpsee_core::ClientError>> + Send
    where
        R: DeserializeOwned,
        Params: ToRpcParams + Send,
    {
        self.http.request(method, params)
    }

    fn batch_request<'a, R>(
        &self,
        batch: BatchRequestBuilder<'a>,
    ) -> impl Future<Output = Result<BatchResponse<'a, R>, jsonrpsee_core::ClientError>> + Send
    where
        R: DeserializeOwned + std::fmt::Debug + 'a,
    {
        self.http.batch_request(batch)
    }
}

impl SubscriptionClientT for Client {
    fn subscribe<'a, Notif, Params>(
        &self,
        subscribe_method: &'a str,
        params: Params,
        unsubscribe_method: &'a str,
    ) -> impl Future<Output = Result<Subscription<Notif>, jsonrpsee_core::ClientError>> + Send
    where
        Params: ToRpcParams + Send,
        Notif: DeserializeOwned,
    {
        self.http
            .subscribe(subscribe_method, params, unsubscribe_method)
    }

    fn subscribe_to_method<Notif>(
        &self,
        method: &str,
    ) -> impl Future<Output = Result<Subscription<Notif>, jsonrpsee_core::ClientError>> + Send
    where
        Notif: DeserializeOwned,
    {
        self.http.subscribe_to_method(method)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_development_key_gives_its_well_known_address() {
        let w =
            Wallet::from_hex("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
                .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(
            w.address(),
            alloy_primitives::address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
        );
    }

    #[test]
    fn signed_transactions_verify() {
        let w = Wallet::from_bytes([7u8; 32]).unwrap_or_else(|e| unreachable!("{e}"));
        let tx = w.sign(Action::PauseAll {}, 3, 31337);
        assert!(tx.verify(31337).is_ok());
    }

    #[test]
    fn bad_keys_are_refused() {
        assert!(Wallet::from_hex("0x12").is_err());
        assert!(Wallet::from_bytes([0u8; 32]).is_err());
    }
}

//! The node a command talks to, and its tokens, pools and vaults by symbol.

use crate::error::CliError;
use crate::units::{ETHER_DECIMALS, format_amount};
use alloy_primitives::{Address, U256};
use restake_client::types::{StrategySummary, TokenSummary, VaultSummary};
use restake_client::{Client, ClientError, RestakeApiClient};

/// The node URL when neither `--rpc` nor `RESTAKE_RPC_URL` gives one.
pub const DEFAULT_RPC_URL: &str = "http://127.0.0.1:8545";

/// The environment variable that names the node.
pub const RPC_URL_ENV: &str = "RESTAKE_RPC_URL";

/// `--rpc`, else `RESTAKE_RPC_URL`, else the local default.
pub fn rpc_url(arg: Option<&str>) -> String {
    match arg {
        Some(url) => url.to_string(),
        None => std::env::var(RPC_URL_ENV)
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_RPC_URL.to_string()),
    }
}

/// A client with the URL it talks to, so its errors can name it.
pub struct Conn {
    /// The typed client.
    pub client: Client,
    /// The node's URL.
    pub url: String,
}

impl Conn {
    /// A client for `--rpc` / `RESTAKE_RPC_URL` / the default.
    pub fn open(arg: Option<&str>) -> Result<Self, CliError> {
        let url = rpc_url(arg);
        let client = Client::new(&url)
            .map_err(|e| CliError::Usage(format!("{url:?} is not a node URL: {e}")))?;
        Ok(Self { client, url })
    }

    /// A failed call as a sentence naming this node.
    pub fn err<E>(&self, e: E) -> CliError
    where
        ClientError: From<E>,
    {
        CliError::from_client(&self.url, &ClientError::from(e))
    }

    /// The tokens, pools and vaults the node knows.
    pub async fn catalog(&self) -> Result<Catalog, CliError> {
        let tokens = self.client.get_tokens().await.map_err(|e| self.err(e))?;
        let strategies = self
            .client
            .get_strategies()
            .await
            .map_err(|e| self.err(e))?;
        let vaults = self.client.get_vaults().await.map_err(|e| self.err(e))?;
        Ok(Catalog {
            tokens,
            strategies,
            vaults,
        })
    }
}

/// What `@SYMBOL` resolves to in a field: which address of the token it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The token itself (`token`, `tokens`).
    Token,
    /// The vault whose LRT it is (`vault`).
    Vault,
    /// The token's pool, or the token when it has none.
    Strategy,
}

impl Role {
    /// The role of a field by its wire name.
    pub fn of_field(field: &str) -> Self {
        match field {
            "token" | "tokens" => Self::Token,
            "vault" => Self::Vault,
            _ => Self::Strategy,
        }
    }
}

/// Tokens, pools and vaults, for `@SYMBOL` and for showing amounts in units.
#[derive(Debug, Default)]
pub struct Catalog {
    /// Registered tokens (vault LRTs included).
    pub tokens: Vec<TokenSummary>,
    /// Token pools.
    pub strategies: Vec<StrategySummary>,
    /// Vaults.
    pub vaults: Vec<VaultSummary>,
}

impl Catalog {
    /// The token called `symbol` (case-insensitive).
    pub fn token_by_symbol(&self, symbol: &str) -> Result<&TokenSummary, CliError> {
        let mut found = self
            .tokens
            .iter()
            .filter(|t| t.symbol.eq_ignore_ascii_case(symbol));
        let first = found.next().ok_or_else(|| CliError::UnknownSymbol {
            symbol: symbol.to_string(),
        })?;
        if let Some(second) = found.next() {
            return Err(CliError::Usage(format!(
                "more than one token is called {symbol} ({} and {}): give the address instead",
                first.token, second.token
            )));
        }
        Ok(first)
    }

    /// `@SYMBOL` (without `@`) in a field of role `role`.
    pub fn resolve(&self, symbol: &str, role: Role) -> Result<Address, CliError> {
        let token = self.token_by_symbol(symbol)?;
        match role {
            Role::Token => Ok(token.token),
            Role::Vault => self
                .vaults
                .iter()
                .find(|v| v.lrt == token.token)
                .map(|v| v.vault)
                .ok_or_else(|| {
                    CliError::Usage(format!("{} is not the token of a vault", token.symbol))
                }),
            Role::Strategy => Ok(self
                .strategies
                .iter()
                .find(|s| s.token == token.token)
                .map_or(token.token, |s| s.strategy)),
        }
    }

    /// A token by address.
    pub fn token(&self, token: Address) -> Option<&TokenSummary> {
        self.tokens.iter().find(|t| t.token == token)
    }

    /// The token of a pool.
    pub fn token_of_strategy(&self, strategy: Address) -> Option<&TokenSummary> {
        let s = self.strategies.iter().find(|s| s.strategy == strategy)?;
        self.token(s.token)
    }

    /// The token behind an address: a token, a pool's token, or a vault's LRT.
    pub fn token_behind(&self, address: Address) -> Option<&TokenSummary> {
        self.token(address)
            .or_else(|| self.token_of_strategy(address))
            .or_else(|| {
                let v = self.vaults.iter().find(|v| v.vault == address)?;
                self.token(v.lrt)
            })
    }

    /// How a table names an address: a token or pool by its token's symbol, a vault by its
    /// LRT's, anything else by its address.
    pub fn label(&self, address: Address) -> String {
        if let Some(t) = self.token(address) {
            return t.symbol.clone();
        }
        if let Some(t) = self.token_of_strategy(address) {
            return t.symbol.clone();
        }
        if let Some(v) = self.vaults.iter().find(|v| v.vault == address) {
            return format!("{} vault", v.symbol);
        }
        address.to_string()
    }

    /// `value` base units of the token behind `address` (a token, pool or vault), with its
    /// symbol: `1.5 stETH`; base units when the token is unknown.
    pub fn amount(&self, address: Address, value: U256) -> String {
        match self.token_behind(address) {
            Some(t) => format!("{} {}", format_amount(value, t.decimals), t.symbol),
            None => format!("{value} (base units)"),
        }
    }
}

/// Wei as ETH: `1.5 ETH`.
pub fn eth(wei: U256) -> String {
    format!("{} ETH", format_amount(wei, ETHER_DECIMALS))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use alloy_primitives::address;

    fn catalog() -> Catalog {
        let token = |symbol: &str, token: Address, decimals: u8| TokenSummary {
            decimals,
            minter: Address::ZERO,
            symbol: symbol.into(),
            token,
            total_supply: U256::ZERO,
        };
        Catalog {
            tokens: vec![
                token(
                    "stETH",
                    address!("1000000000000000000000000000000000000001"),
                    18,
                ),
                token(
                    "USDC",
                    address!("1000000000000000000000000000000000000002"),
                    6,
                ),
                token(
                    "rsETH",
                    address!("1000000000000000000000000000000000000003"),
                    18,
                ),
            ],
            strategies: vec![StrategySummary {
                balance: U256::ZERO,
                strategy: address!("2000000000000000000000000000000000000001"),
                symbol: "stETH".into(),
                token: address!("1000000000000000000000000000000000000001"),
                total_shares: U256::ZERO,
                underlying_per_share: U256::ZERO,
            }],
            vaults: vec![VaultSummary {
                lrt: address!("1000000000000000000000000000000000000003"),
                rate: U256::ZERO,
                symbol: "rsETH".into(),
                total_assets: U256::ZERO,
                total_supply: U256::ZERO,
                vault: address!("3000000000000000000000000000000000000003"),
            }],
        }
    }

    #[test]
    fn a_symbol_names_the_token_its_pool_or_its_vault_by_field() {
        let c = catalog();
        assert_eq!(
            c.resolve("steth", Role::of_field("token")).unwrap(),
            address!("1000000000000000000000000000000000000001")
        );
        assert_eq!(
            c.resolve("stETH", Role::of_field("strategy")).unwrap(),
            address!("2000000000000000000000000000000000000001")
        );
        // A vault's LRT: the token itself, or its vault in a `vault` field.
        assert_eq!(
            c.resolve("rsETH", Role::of_field("token")).unwrap(),
            address!("1000000000000000000000000000000000000003")
        );
        assert_eq!(
            c.resolve("rsETH", Role::of_field("to")).unwrap(),
            address!("1000000000000000000000000000000000000003")
        );
        assert_eq!(
            c.resolve("rsETH", Role::of_field("vault")).unwrap(),
            address!("3000000000000000000000000000000000000003")
        );
        assert!(c.resolve("stETH", Role::Vault).is_err());
        assert_eq!(
            c.resolve("nope", Role::Token).unwrap_err().to_string(),
            "no token is called nope: `restake query tokens` lists them"
        );
    }

    #[test]
    fn tables_name_pools_by_their_tokens_symbol_with_amounts_in_units() {
        let c = catalog();
        let pool = address!("2000000000000000000000000000000000000001");
        assert_eq!(c.label(pool), "stETH");
        assert_eq!(
            c.amount(pool, U256::from(1_500_000_000_000_000_000u128)),
            "1.5 stETH"
        );
        assert_eq!(
            c.amount(
                address!("1000000000000000000000000000000000000002"),
                U256::from(2_500_000u64)
            ),
            "2.5 USDC"
        );
        assert_eq!(
            c.label(address!("3000000000000000000000000000000000000003")),
            "rsETH vault"
        );
        assert_eq!(c.amount(Address::ZERO, U256::from(7u8)), "7 (base units)");
    }
}

//! The errors `restake` reports, each a sentence a user can act on.

use crate::units::AmountError;
use alloy_primitives::{Address, B256};
use restake_client::ClientError;
use thiserror::Error;

/// A failed command.
#[derive(Debug, Error)]
pub enum CliError {
    /// Nothing answers at the node's URL.
    #[error("cannot reach a node at {url} ({reason}): is a node running there?")]
    Unreachable {
        /// The URL tried.
        url: String,
        /// The innermost cause, e.g. `Connection refused (os error 111)`.
        reason: String,
    },
    /// The node did not answer in time.
    #[error(
        "the node at {url} did not answer in time: is it overloaded, or is it another service?"
    )]
    NoAnswer {
        /// The URL tried.
        url: String,
    },
    /// The node answered with a JSON-RPC error.
    #[error("the node refused the request: {message}{}", data.as_ref().map(|d| format!(" (details: {d})")).unwrap_or_default())]
    Refused {
        /// JSON-RPC error code.
        code: i32,
        /// Its message.
        message: String,
        /// Its data, as JSON.
        data: Option<String>,
    },
    /// Any other failure of the client (a reply of the wrong shape, a bad URL).
    #[error("{0}")]
    Client(String),
    /// An amount could not be read.
    #[error("field {field}: {source}")]
    Amount {
        /// The field.
        field: String,
        /// Why.
        source: AmountError,
    },
    /// The command line does not describe an action or a command.
    #[error("{0}")]
    Usage(String),
    /// No `@SYMBOL` of that name.
    #[error("no token is called {symbol}: `restake query tokens` lists them")]
    UnknownSymbol {
        /// The symbol, without `@`.
        symbol: String,
    },
    /// The preview says the action would fail.
    #[error("{action} would fail: {reason}. Nothing was sent; --force sends it anyway")]
    WouldFail {
        /// The action's name.
        action: String,
        /// `[code Name] message`.
        reason: String,
    },
    /// The transaction is in a block and failed.
    #[error("transaction {hash} failed in block {block}: {reason}")]
    Failed {
        /// Its hash.
        hash: B256,
        /// The block.
        block: u64,
        /// `[code Name] message`.
        reason: String,
    },
    /// The node no longer holds the transaction and has no receipt for it.
    #[error(
        "transaction {hash} vanished: it has no receipt and is no longer pending (the node dropped it from its mempool, or restarted). The next nonce of {from} is {next_nonce}, not past this transaction's {nonce}: nothing with that nonce was included. Check `restake query receipt {hash}`, the node's log, and send it again"
    )]
    Vanished {
        /// Its hash.
        hash: B256,
        /// The sender.
        from: Address,
        /// The transaction's nonce.
        nonce: u64,
        /// The sender's next nonce now.
        next_nonce: u64,
    },
    /// No receipt in time while the transaction is still pending.
    #[error(
        "transaction {hash} was not included within {secs} s; the node still counts it as pending. Check later with `restake query receipt {hash}`, or wait longer with --timeout"
    )]
    NotIncluded {
        /// Its hash.
        hash: B256,
        /// How long we waited.
        secs: u64,
    },
    /// A file could not be read or written.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Anything else, already a sentence.
    #[error("{0}")]
    Other(String),
}

impl CliError {
    /// A client failure talking to `url`, as a sentence.
    pub fn from_client(url: &str, e: &ClientError) -> Self {
        if let Some((code, message, data)) = e.rpc_error() {
            return Self::Refused {
                code,
                message: message.to_string(),
                data: data.map(str::to_string),
            };
        }
        if let Some(reason) = e.unreachable_reason() {
            return Self::Unreachable {
                url: url.to_string(),
                reason,
            };
        }
        if e.is_timeout() {
            return Self::NoAnswer {
                url: url.to_string(),
            };
        }
        Self::Client(e.to_string())
    }
}

impl From<String> for CliError {
    fn from(s: String) -> Self {
        Self::Other(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_reads_as_the_nodes_message_and_data() {
        let e = CliError::Refused {
            code: -32602,
            message: "invalid params".into(),
            data: Some("\"nonce 3 is below the next nonce 5\"".into()),
        };
        assert_eq!(
            e.to_string(),
            "the node refused the request: invalid params (details: \"nonce 3 is below the next nonce 5\")"
        );
    }

    #[test]
    fn an_unreachable_node_names_the_url_and_asks_whether_one_runs_there() {
        let e = CliError::Unreachable {
            url: "http://127.0.0.1:1".into(),
            reason: "Connection refused (os error 111)".into(),
        };
        let text = e.to_string();
        assert!(text.contains("http://127.0.0.1:1"), "{text}");
        assert!(text.ends_with("is a node running there?"), "{text}");
    }
}

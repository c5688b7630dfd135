//! The Restake JSON-RPC API as Rust types: the contract between the node and its clients, and
//! nothing else.
//!
//! - [`codes`]: the error codes of the API.
//! - [`types`]: the parameters and results of every method, which serialize to exactly the JSON
//!   documented in `docs/rpc.md` (amounts as decimal strings, addresses and hashes as `0x` hex).
//! - the method trait, from which jsonrpsee generates `RestakeApiServer` (feature `server`: the
//!   node implements it) and `RestakeApiClient` (feature `client`: implemented for every
//!   jsonrpsee client, so a call is `client.get_staker(address)` instead of a method name).
//!
//! What does not belong here: how the node answers (its handlers are in `restake-node`), any
//! transport, storage or runtime. The crate depends on the core's types, the risk analysis's
//! report and jsonrpsee's macros and types only, so a client never builds the node.

pub mod codes;
mod sorted;
pub mod types;

#[cfg(any(feature = "server", feature = "client"))]
mod api;

#[cfg(feature = "client")]
pub use api::RestakeApiClient;
#[cfg(feature = "server")]
pub use api::RestakeApiServer;

//! Error codes of the API. JSON-RPC reserves -32768..-32000 for protocol errors; the node's own
//! codes are -32050..-32060, apart from those of the server library (-32000..-32011), so a code
//! alone identifies the failure. Codes are stable; messages are for people and may change.

/// Malformed parameters (JSON-RPC standard).
pub const INVALID_PARAMS: i32 = -32602;
/// The node failed internally.
pub const INTERNAL: i32 = -32603;
/// Transaction signature malformed, non-canonical or not the sender's.
pub const INVALID_SIGNATURE: i32 = -32050;
/// Nonce already used.
pub const STALE_NONCE: i32 = -32051;
/// Nonce too far ahead.
pub const FUTURE_NONCE: i32 = -32052;
/// Same transaction, or same sender and nonce, already pending.
pub const DUPLICATE: i32 = -32053;
/// Mempool limits reached.
pub const MEMPOOL_FULL: i32 = -32054;
/// Transaction too large.
pub const TOO_LARGE: i32 = -32055;
/// Unknown id (block, operator set, ...).
pub const NOT_FOUND: i32 = -32056;
/// The connection already holds as many subscriptions as one connection may.
pub const TOO_MANY_SUBSCRIPTIONS: i32 = -32057;
/// The node already serves as many subscriptions as it allows in total.
pub const SUBSCRIPTIONS_FULL: i32 = -32058;
/// The node already computes risk reports for as many different parameter sets as it allows.
pub const REPORT_PARAMETERS_FULL: i32 = -32059;
/// The sender has no transaction-quota units left for this transaction in the current window
/// (ADR 0005): its allowance grows with what it holds or has at stake.
pub const QUOTA_EXCEEDED: i32 = -32060;

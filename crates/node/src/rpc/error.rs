//! How the node's failures become JSON-RPC error objects (the codes are `restake_rpc_api::codes`).

use super::codes;
use crate::error::NodeError;
use crate::node::SubmitError;
use jsonrpsee::types::ErrorObjectOwned;

/// An error object with `code` and `msg`.
pub(super) fn err(code: i32, msg: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(code, msg.into(), None::<()>)
}

/// The node failed internally (storage): `-32603` with the failure's text.
pub(super) fn internal(e: impl std::fmt::Display) -> ErrorObjectOwned {
    err(codes::INTERNAL, e.to_string())
}

impl From<SubmitError> for ErrorObjectOwned {
    fn from(e: SubmitError) -> Self {
        use crate::mempool::MempoolError as M;
        let code = match &e {
            SubmitError::TooLarge { .. }
            | SubmitError::Signature(restake_core::tx::TxError::FieldTooLong { .. }) => {
                codes::TOO_LARGE
            }
            SubmitError::Signature(_) => codes::INVALID_SIGNATURE,
            SubmitError::Mempool(M::QuotaExceeded { .. }) => codes::QUOTA_EXCEEDED,
            SubmitError::Mempool(M::StaleNonce { .. }) => codes::STALE_NONCE,
            SubmitError::Mempool(M::FutureNonce { .. }) => codes::FUTURE_NONCE,
            SubmitError::Mempool(M::AlreadyKnown(_) | M::NonceTaken { .. }) => codes::DUPLICATE,
            SubmitError::Mempool(
                M::SenderFull(_)
                | M::PoolFull
                | M::SenderBytesFull { .. }
                | M::PoolBytesFull { .. },
            ) => codes::MEMPOOL_FULL,
            SubmitError::Node(_) => codes::INTERNAL,
        };
        err(code, e.to_string())
    }
}

impl From<NodeError> for ErrorObjectOwned {
    fn from(e: NodeError) -> Self {
        internal(e)
    }
}

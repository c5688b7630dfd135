//! Why a key action was refused.

use super::KeyScheme;
use alloy_primitives::{Address, B256};
use restake_primitives::OperatorSet;
use restake_primitives::bls::BlsError;
use thiserror::Error;

/// Key-registration failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeysError {
    /// The set does not exist.
    #[error("operator set {0} does not exist")]
    UnknownOperatorSet(OperatorSet),
    /// The set's scheme is chosen once.
    #[error("operator set {0} already has its key scheme")]
    AlreadyConfigured(OperatorSet),
    /// The set has no key scheme yet.
    #[error("operator set {0} has no key scheme: its AVS must configure it first")]
    NotConfigured(OperatorSet),
    /// Keys are for registered operators.
    #[error("{0} is not a registered operator")]
    NotOperator(Address),
    /// The operator already has a key in the set.
    #[error("operator {operator} already has a key in {set}: deregister it first")]
    AlreadyRegistered {
        /// The operator.
        operator: Address,
        /// The set.
        set: OperatorSet,
    },
    /// The operator has no key in the set.
    #[error("operator {operator} has no key in {set}")]
    NotRegistered {
        /// The operator.
        operator: Address,
        /// The set.
        set: OperatorSet,
    },
    /// Keys are unique across the protocol and forever.
    #[error("key {hash} was already registered, by {operator} in {set}")]
    KeyInUse {
        /// `keccak256(keyData)`.
        hash: B256,
        /// Who registered it.
        operator: Address,
        /// Where.
        set: OperatorSet,
    },
    /// A key of the wrong length for the scheme.
    #[error("a {} key is {} bytes, got {length}", scheme.name(), scheme.key_len())]
    KeyLength {
        /// The set's scheme.
        scheme: KeyScheme,
        /// The length given.
        length: usize,
    },
    /// The zero address is nobody's key.
    #[error("the zero address is not a key")]
    ZeroKey,
    /// Not a usable BLS key.
    #[error("BLS key: {0}")]
    BadBlsKey(BlsError),
    /// The registration is not signed by the key being registered.
    #[error("the registration is not signed by the key it registers")]
    BadKeySignature,
    /// A key may change only when the set can no longer slash the operator.
    #[error("operator {operator} is still slashable by {set}: its key cannot change yet")]
    StillSlashable {
        /// The operator.
        operator: Address,
        /// The set.
        set: OperatorSet,
    },
}

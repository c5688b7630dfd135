//! Operator-set signing keys (EigenLayer's `KeyRegistrar`): the keys operators sign a service's
//! answers with, one per operator and set, in the scheme the set's AVS chose.
//!
//! - An AVS configures a set once with a [`KeyScheme`]: ECDSA over secp256k1 (the key is an
//!   address) or BLS12-381 (a 48-byte G1 key whose signatures on one message aggregate).
//! - An operator registers a key per set with a signature by that key over
//!   `KeyRegistration(operator, avs, operatorSetId, keyData)` on this chain: for ECDSA an EIP-712
//!   signature, for BLS a proof of possession bound to that digest. Nobody can register a key
//!   whose secret they do not hold, nor replay someone else's registration.
//! - A key is unique across the protocol and forever: once registered, by anyone for any set, it
//!   can never be registered again, so a signature by a key names one operator in one set.
//! - A key is removed (and may then be replaced) only when its operator is no longer slashable by
//!   the set. Every change is kept by height, so what a key signed while it was registered can
//!   still be checked and punished.

use crate::error::Error;
use crate::state::{StateError, StateRead, key};
use alloy_primitives::{Address, B256, Bytes, keccak256};
use borsh::{BorshDeserialize, BorshSerialize};
use restake_primitives::OperatorSet;
use serde::{Deserialize, Serialize};

mod error;
mod registration;

pub use restake_certificate::KeyScheme;

pub use error::KeysError;
pub use registration::{configure_operator_set, deregister_key, register_key};

const SCHEME: &[u8] = b"keys/scheme/";
const CURRENT: &[u8] = b"keys/op/";
const HISTORY: &[u8] = b"keys/hist/";
const OWNER: &[u8] = b"keys/owner/";

/// An operator's registered key in one set.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorKey {
    /// The key's bytes: an address (ECDSA) or a compressed G1 point (BLS).
    pub key_data: Bytes,
    /// The block it was registered in.
    pub registered_at: u64,
}

/// Who registered a key, and where.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct KeyOwner {
    /// The operator.
    pub operator: Address,
    /// The set.
    pub operator_set: OperatorSet,
}

/// The hash that makes a key unique: `keccak256(keyData)`.
pub fn key_hash(key_data: &[u8]) -> B256 {
    keccak256(key_data)
}

fn set_op_key(prefix: &[u8], set: &OperatorSet, op: &Address) -> Vec<u8> {
    key(prefix, &[set.key().as_slice(), op.as_slice()])
}

fn history_key(set: &OperatorSet, op: &Address, height: u64) -> Vec<u8> {
    key(
        HISTORY,
        &[set.key().as_slice(), op.as_slice(), &height.to_be_bytes()],
    )
}

/// Typed reads of operator-set keys.
pub trait KeysRead: StateRead {
    /// The scheme an operator set's AVS configured, if any.
    fn key_scheme(&self, set: &OperatorSet) -> Result<Option<KeyScheme>, StateError>
    where
        Self: Sized,
    {
        self.get(&key(SCHEME, &[set.key().as_slice()]))
    }

    /// The operator's current key in the set.
    fn operator_key(
        &self,
        set: &OperatorSet,
        op: &Address,
    ) -> Result<Option<OperatorKey>, StateError>
    where
        Self: Sized,
    {
        self.get(&set_op_key(CURRENT, set, op))
    }

    /// The operator's key in the set as it stood after block `height` (none if it had none).
    fn operator_key_at(
        &self,
        set: &OperatorSet,
        op: &Address,
        height: u64,
    ) -> Result<Option<Bytes>, StateError>
    where
        Self: Sized,
    {
        let prefix = set_op_key(HISTORY, set, op);
        match self.last_at_or_before(&prefix, &history_key(set, op, height))? {
            Some((k, v)) => crate::state::decode(&k, &v),
            None => Ok(None),
        }
    }

    /// Every operator with a current key in the set, by ascending address.
    fn operator_keys(&self, set: &OperatorSet) -> Result<Vec<(Address, OperatorKey)>, StateError>
    where
        Self: Sized,
    {
        let prefix = key(CURRENT, &[set.key().as_slice()]);
        let mut out = Vec::new();
        for (k, v) in self.scan_prefix(&prefix)? {
            let op = crate::state::address_at(&k, prefix.len());
            out.push((op, crate::state::decode(&k, &v)?));
        }
        Ok(out)
    }

    /// Who registered the key with this hash, if anyone ever did.
    fn key_owner(&self, hash: &B256) -> Result<Option<KeyOwner>, StateError>
    where
        Self: Sized,
    {
        self.get(&key(OWNER, &[hash.as_slice()]))
    }
}
impl<T: StateRead + ?Sized> KeysRead for T {}

/// Checks that `key_data` is a well-formed key of `scheme` (length, and for BLS a point of the
/// prime-order subgroup that is not the identity).
pub fn check_key(scheme: KeyScheme, key_data: &[u8]) -> Result<(), Error> {
    if key_data.len() != scheme.key_len() {
        return Err(KeysError::KeyLength {
            scheme,
            length: key_data.len(),
        }
        .into());
    }
    match scheme {
        KeyScheme::Ecdsa if key_data.iter().all(|b| *b == 0) => Err(KeysError::ZeroKey.into()),
        KeyScheme::Ecdsa => Ok(()),
        KeyScheme::Bls12381 => restake_primitives::bls::PublicKey::from_bytes(key_data)
            .map(|_| ())
            .map_err(|e| KeysError::BadBlsKey(e).into()),
    }
}

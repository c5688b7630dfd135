//! Signed transactions: `{from, nonce, action, signature}`.
//!
//! The signature is EIP-712 over the domain `{name: "Restake", version: "1", chainId}` with the
//! action's own struct as primary type: the action's name capitalised (`depositIntoStrategy` →
//! `DepositIntoStrategy`), its fields in wire order, then `uint64 nonce`. Optional fields are
//! signed as they will be read: an omitted `operator`/`avs` is the sender, an omitted address or
//! amount is zero, an omitted approval is an empty array. So any Ethereum wallet can sign an
//! action with `eth_signTypedData_v4`, and [`Transaction::typed_data`] gives the exact document.
//! Each action's struct is declared with the action, in [`crate::action`].

use crate::action::Action;
use crate::typed_data::{Domain, Struct, Val, signing_hash, typed_data_json};
use alloy_primitives::{Address, B256, Bytes, keccak256};
use borsh::{BorshDeserialize, BorshSerialize};
use restake_primitives::signature::{SignatureError, recover_signer};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a transaction is not validly signed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TxError {
    /// The signature is malformed or non-canonical.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// The signature recovers to another account than `from`.
    #[error("signature is by {recovered}, not by {from}")]
    WrongSigner {
        /// Claimed sender.
        from: Address,
        /// Actual signer.
        recovered: Address,
    },
    /// A string, bytes or list field is longer than the protocol allows.
    #[error("field `{field}` has {len} {unit}; at most {limit} are allowed")]
    FieldTooLong {
        /// The field's wire name.
        field: &'static str,
        /// Its length.
        len: usize,
        /// Its limit.
        limit: usize,
        /// `bytes` or `elements`.
        unit: &'static str,
    },
}

/// Most bytes in a string field of an action (metadata URIs, slashing descriptions).
pub const MAX_STRING_BYTES: usize = 1024;
/// Most bytes in a dynamic-bytes field of an action (signatures are 65).
pub const MAX_BYTES_LEN: usize = 1024;
/// Most elements in a list field of an action, at every level of nesting (strategies, operator
/// set ids, withdrawal parameters, proofs).
pub const MAX_LIST_LEN: usize = 256;

/// Checks every string, bytes and list in a signed struct, nested ones included, against the
/// protocol's bounds. Part of a transaction's validity: a block holding a transaction that
/// breaks them is invalid, and the mempool refuses one at admission.
pub fn check_bounds(s: &Struct) -> Result<(), TxError> {
    s.fields
        .iter()
        .try_for_each(|f| check_value(f.name, &f.val))
}

fn check_value(field: &'static str, val: &Val) -> Result<(), TxError> {
    let too_long = |len: usize, limit: usize, unit: &'static str| {
        if len > limit {
            Err(TxError::FieldTooLong {
                field,
                len,
                limit,
                unit,
            })
        } else {
            Ok(())
        }
    };
    match val {
        Val::String(v) => too_long(v.len(), MAX_STRING_BYTES, "bytes"),
        Val::Bytes(v) => too_long(v.len(), MAX_BYTES_LEN, "bytes"),
        Val::Array(items) => {
            too_long(items.len(), MAX_LIST_LEN, "elements")?;
            items.iter().try_for_each(|v| check_value(field, v))
        }
        Val::Struct(inner) => check_bounds(inner),
        Val::Address(_) | Val::Uint(_) | Val::Bool(_) | Val::Bytes32(_) => Ok(()),
    }
}

/// A signed transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Transaction {
    /// Sender.
    pub from: Address,
    /// The sender's nonce.
    pub nonce: u64,
    /// What to do.
    pub action: Action,
    /// 65-byte EIP-712 signature `r || s || v`.
    pub signature: Bytes,
}

impl Transaction {
    /// The EIP-712 digest the sender signs on chain `chain_id`.
    pub fn signing_hash(from: Address, nonce: u64, action: &Action, chain_id: u64) -> B256 {
        signing_hash(&Domain { chain_id }, &typed_action(from, nonce, action))
    }

    /// The `eth_signTypedData_v4` document for an unsigned transaction.
    pub fn typed_data(
        from: Address,
        nonce: u64,
        action: &Action,
        chain_id: u64,
    ) -> serde_json::Value {
        typed_data_json(&Domain { chain_id }, &typed_action(from, nonce, action))
    }

    /// Checks the signature (canonical form first) and that it is `from`'s.
    pub fn verify(&self, chain_id: u64) -> Result<(), TxError> {
        let digest = self.checked_signing_hash(chain_id)?;
        let recovered = recover_signer(&digest, &self.signature)?;
        if recovered != self.from {
            return Err(TxError::WrongSigner {
                from: self.from,
                recovered,
            });
        }
        Ok(())
    }

    /// Checks the signature like [`Transaction::verify`] and returns the transaction id, hashing
    /// the typed data once for both.
    pub fn verify_and_hash(&self, chain_id: u64) -> Result<B256, TxError> {
        let digest = self.checked_signing_hash(chain_id)?;
        let recovered = recover_signer(&digest, &self.signature)?;
        if recovered != self.from {
            return Err(TxError::WrongSigner {
                from: self.from,
                recovered,
            });
        }
        Ok(id(&digest, &self.from))
    }

    /// The signing hash, after checking the action's fields against the protocol's bounds
    /// (before any signature work: an oversized field is refused cheaply).
    fn checked_signing_hash(&self, chain_id: u64) -> Result<B256, TxError> {
        let typed = typed_action(self.from, self.nonce, &self.action);
        check_bounds(&typed)?;
        Ok(signing_hash(&Domain { chain_id }, &typed))
    }

    /// The transaction id: `keccak256(signingHash || from)`. Signatures are canonical, so the
    /// signing hash and the sender identify the transaction.
    pub fn hash(&self, chain_id: u64) -> B256 {
        id(
            &Self::signing_hash(self.from, self.nonce, &self.action, chain_id),
            &self.from,
        )
    }
}

fn id(digest: &B256, from: &Address) -> B256 {
    let mut buf = [0u8; 52];
    let (d, f) = buf.split_at_mut(32);
    d.copy_from_slice(digest.as_slice());
    f.copy_from_slice(from.as_slice());
    keccak256(buf)
}

/// The action as an EIP-712 struct, with the nonce as its last field. The struct is declared
/// with the action in [`crate::action`].
pub fn typed_action(from: Address, nonce: u64, action: &Action) -> Struct {
    action.eip712_struct(from).typed("nonce", &nonce)
}

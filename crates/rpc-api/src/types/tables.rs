//! `restake_getOperatorTable`: an operator set's table at a height, with the proofs that tie each
//! entry to a block's state root.

use alloy_primitives::{Address, B256, Bytes, U256};
use restake_core::keys::KeyScheme;
use serde::{Deserialize, Serialize};

/// `restake_getOperatorTable` parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OperatorTableQuery {
    /// The set's AVS.
    pub avs: Address,
    /// The set's id.
    pub set_id: u32,
    /// The height whose table is asked for (the latest committed at or before it); default the
    /// last block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u64>,
}

/// One entry with its Merkle proof against the table's root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorTableEntry {
    /// Its index in the table.
    pub index: u32,
    /// The operator's key in the set.
    pub key_data: Bytes,
    /// The operator.
    pub operator: Address,
    /// The siblings from its leaf up to the root.
    pub proof: Vec<B256>,
    /// Its stake per strategy (the table's `strategies`, in order), before multipliers and cap.
    #[serde(with = "restake_primitives::decimal::u256_vec")]
    pub stakes: Vec<U256>,
    /// Its weight.
    #[serde(with = "restake_primitives::decimal::u256")]
    pub weight: U256,
}

/// The proof that the table's header is in the state at `height`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableStateProof {
    /// The block whose state root it proves against.
    pub height: u64,
    /// The state key of the header (`tbl/at/<set><referenceHeight>`).
    pub key: Bytes,
    /// The borsh-encoded sparse Merkle proof (as `restake_getProof`).
    pub proof: Bytes,
    /// That block's state root.
    pub state_root: B256,
    /// The stored header (borsh).
    pub value: Bytes,
}

/// `restake_getOperatorTable` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorTableResponse {
    /// BLS: the sum of the entries' keys.
    pub aggregate_key: Option<Bytes>,
    /// The set's AVS.
    pub avs: Address,
    /// Every entry, by index, with its proof.
    pub entries: Vec<OperatorTableEntry>,
    /// The set's key scheme.
    pub key_scheme: KeyScheme,
    /// The number of entries.
    pub operator_count: u32,
    /// The set's id.
    pub operator_set_id: u32,
    /// The block whose state the table was computed from.
    pub reference_height: u64,
    /// The entries' Merkle root.
    pub root: B256,
    /// The header's proof against the state root of the asked height.
    pub state_proof: TableStateProof,
    /// The strategies of `stakes`, in order.
    pub strategies: Vec<Address>,
    /// The sum of the weights.
    #[serde(with = "restake_primitives::decimal::u256")]
    pub total_weight: U256,
}

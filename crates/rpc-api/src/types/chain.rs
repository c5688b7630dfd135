//! Chain: blocks and state proofs.

use alloy_primitives::{B256, Bytes};
use restake_core::block::{Certificate, Header};
use restake_core::tx::Transaction;
use restake_core::validators::Validator;
use serde::{Deserialize, Serialize};

/// A block selector: a height or `"latest"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum BlockId {
    /// Height.
    Number(u64),
    /// `"latest"` (any other tag is refused with `-32602`).
    Tag(String),
}

impl BlockId {
    /// The last committed block.
    pub fn latest() -> Self {
        Self::Tag("latest".into())
    }
}

impl From<u64> for BlockId {
    fn from(height: u64) -> Self {
        Self::Number(height)
    }
}

/// `restake_getBlock` result: the block with its hash and its transactions' ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockResponse {
    /// The block hash.
    pub hash: B256,
    /// The header.
    #[serde(serialize_with = "crate::sorted::serialize")]
    pub header: Header,
    /// The parent's commit certificate the block carries (`null` for the first block): the
    /// precommits of more than two thirds of the parent's validator power.
    #[serde(default)]
    pub last_commit: Option<Certificate>,
    /// The transactions' ids, in execution order.
    pub transaction_hashes: Vec<B256>,
    /// The signed transactions, in execution order.
    #[serde(serialize_with = "crate::sorted::serialize")]
    pub transactions: Vec<Transaction>,
}

/// `restake_getValidators` result: the validator set that decides the block at `height`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidatorsResponse {
    /// The height the set decides.
    pub height: u64,
    /// `keccak256` of the set's canonical encoding: what that block's header names.
    pub validator_set_hash: B256,
    /// The sum of the powers; a certificate needs more than two thirds of it.
    pub total_power: u64,
    /// The validators, by address.
    pub validators: Vec<Validator>,
}

/// `restake_nodeInfo` result: what this node is and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeInfo {
    /// Chain id.
    pub chain_id: u64,
    /// `validator` or `full`.
    pub role: String,
    /// This node's consensus address, when it is a validator.
    pub validator_address: Option<alloy_primitives::Address>,
    /// Peers connected to its consensus network (0 on a solo node).
    pub peers: u64,
    /// The last committed height.
    pub latest_height: u64,
    /// Whether it is catching up by sync (its reads are behind the network).
    pub catching_up: bool,
}

/// `restake_getProof` result: a raw state value with its Merkle proof against the state root of
/// the block at `height`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProofResponse {
    /// The block.
    pub height: u64,
    /// The key, as asked.
    pub key: Bytes,
    /// The borsh-encoded sparse Merkle proof.
    pub proof: Bytes,
    /// The block's state root.
    pub state_root: B256,
    /// The stored bytes; `None` (`null`): nothing is stored, the proof is one of absence.
    pub value: Option<Bytes>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::testing::assert_wire;
    use restake_core::Action;

    #[test]
    fn blocks_and_proofs_keep_their_wire_form() {
        let tx = Transaction {
            from: alloy_primitives::Address::repeat_byte(1),
            nonce: 3,
            action: Action::PauseAll {},
            signature: Bytes::from(vec![7u8; 65]),
        };
        let header: Header = serde_json::from_value(serde_json::json!({
            "protocolVersion": 1, "chainId": 31337, "height": 4, "timestamp": 5,
            "timestampMs": 5000, "parentHash": B256::repeat_byte(2), "proposer": alloy_primitives::Address::ZERO,
            "validatorSetHash": B256::ZERO, "lastCommitHash": B256::ZERO,
            "transactionsRoot": B256::repeat_byte(3), "receiptsRoot": B256::repeat_byte(4),
            "stateRoot": B256::repeat_byte(5)
        }))
        .unwrap_or_else(|e| unreachable!("{e}"));
        assert_wire(&BlockResponse {
            hash: B256::repeat_byte(9),
            header,
            last_commit: None,
            transaction_hashes: vec![B256::repeat_byte(8)],
            transactions: vec![tx],
        });
        assert_wire(&ProofResponse {
            height: 4,
            key: Bytes::from(b"cfg/params".to_vec()),
            proof: Bytes::from(vec![1, 2]),
            state_root: B256::repeat_byte(5),
            value: None,
        });
        assert_eq!(
            serde_json::to_string(&BlockId::latest()).unwrap_or_default(),
            "\"latest\""
        );
    }
}

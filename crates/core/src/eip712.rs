//! EIP-712 messages signed inside actions (besides the transaction signature itself).
//!
//! All use the domain `{name: "Restake", version: "1", chainId}` so any Ethereum wallet can sign
//! them with `eth_signTypedData_v4`. Recovery goes through `restake_primitives::signature`, which
//! rejects non-canonical signatures before recovering.

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::{Eip712Domain, SolStruct, sol};
use restake_primitives::signature::{SignatureError, recover_signer};

sol! {
    /// A staker's consent to a deposit made by someone else on its behalf.
    struct Deposit {
        address staker;
        address strategy;
        address token;
        uint256 amount;
        uint256 nonce;
        uint256 expiry;
    }

    /// An operator's delegation approver consenting to a staker's delegation.
    struct DelegationApproval {
        address delegationApprover;
        address staker;
        address operator;
        bytes32 salt;
        uint256 expiry;
    }

    /// An AVS consenting to an operator joining operator sets with the `approval` policy.
    struct OperatorSetRegistration {
        address operator;
        address avs;
        uint32[] operatorSetIds;
        bytes32 salt;
        uint256 expiry;
    }

    /// An operator's attestation to a payload at a height, for a set with the equivocation rule.
    struct Attestation {
        address avs;
        uint32 operatorSetId;
        uint64 height;
        bytes32 payloadHash;
    }

    /// An operator's registration of a signing key for one operator set, signed by that key: it
    /// binds the key to the operator, the set and (through the domain) the chain.
    struct KeyRegistration {
        address operator;
        address avs;
        uint32 operatorSetId;
        bytes keyData;
    }

    /// A queued withdrawal, ABI-encoded exactly as EigenLayer's to derive its root.
    struct WithdrawalAbi {
        address staker;
        address delegatedTo;
        address withdrawer;
        uint256 nonce;
        uint32 startBlock;
        address[] strategies;
        uint256[] scaledShares;
    }
}

/// The signing domain of chain `chain_id`.
pub fn domain(chain_id: u64) -> Eip712Domain {
    Eip712Domain::new(
        Some("Restake".into()),
        Some("1".into()),
        Some(U256::from(chain_id)),
        None,
        None,
    )
}

/// The EIP-712 digest of `msg` on chain `chain_id`.
pub fn digest<T: SolStruct>(msg: &T, chain_id: u64) -> B256 {
    msg.eip712_signing_hash(&domain(chain_id))
}

/// Recovers who signed `msg` on chain `chain_id`.
pub fn recover<T: SolStruct>(
    msg: &T,
    chain_id: u64,
    signature: &[u8],
) -> Result<Address, SignatureError> {
    recover_signer(&digest(msg, chain_id), signature)
}

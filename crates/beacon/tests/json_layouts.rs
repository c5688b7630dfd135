//! Proofs in the JSON layouts of EigenLayer's proof generator read into this crate's types and
//! verify; written back, they have the generator's exact layout.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::panic,
    missing_docs
)]

use alloy_primitives::{Address, B256, U256, hex};
use restake_beacon::generate::{BeaconStateBuilder, BuiltState, credentials_for, validator_fields};
use restake_beacon::*;
use serde_json::{Value, json};

fn state() -> (BeaconStateBuilder, BuiltState) {
    let b = BeaconStateBuilder {
        version: ProofVersion::Pectra,
        validators: (0..3u64)
            .map(|i| {
                validator_fields(
                    B256::from(U256::from(i + 1)),
                    credentials_for(Address::repeat_byte(0x42), 1),
                    32_000_000_000,
                    false,
                    0,
                    1,
                    FAR_FUTURE_EPOCH,
                    FAR_FUTURE_EPOCH,
                )
            })
            .collect(),
        balances_gwei: vec![31_000_000_000, 32_000_000_007, 33_000_000_000],
    };
    let s = b.build().unwrap();
    (b, s)
}

/// One `0x` string of concatenated siblings, as the generator writes a proof.
fn concat(proof: &[B256]) -> String {
    let mut s = String::from("0x");
    for w in proof {
        s.push_str(&hex::encode(w));
    }
    s
}

/// A credentials proof exactly as the generator writes it.
fn tool_credentials(b: &BeaconStateBuilder, s: &BuiltState) -> Value {
    let srp = s.state_root_proof();
    json!({
        "stateRootProof": {
            "beaconStateRoot": srp.beacon_state_root,
            "stateRootProof": concat(&srp.proof),
        },
        "validatorIndices": [0, 2],
        "validatorFieldsProofs": [
            concat(&s.validator_proof(0).unwrap()),
            concat(&s.validator_proof(2).unwrap()),
        ],
        "validatorFields": [b.validators[0], b.validators[2]],
    })
}

/// A checkpoint proof exactly as the generator writes it (`pubkeyHash` as 32 numbers).
fn tool_checkpoint(s: &BuiltState) -> Value {
    let c = s.balance_container_proof();
    let proofs: Vec<Value> = (0..3)
        .map(|i| {
            let p = s.balance_proof(i).unwrap();
            json!({
                "pubkeyHash": p.pubkey_hash.0.to_vec(),
                "balanceRoot": p.balance_root,
                "proof": concat(&p.proof),
            })
        })
        .collect();
    json!({
        "validatorBalancesRootProof": {
            "validatorBalanceRoot": c.balance_container_root,
            "proof": concat(&c.proof),
        },
        "balanceProofs": proofs,
    })
}

fn verify_credentials(p: &CredentialProofs, s: &BuiltState) {
    verify_state_root(s.block_root, &p.state_root_proof).unwrap();
    let validators = p.validators().unwrap();
    assert_eq!(validators.len(), 2);
    for (index, v) in validators {
        verify_validator_fields(
            ProofVersion::Pectra,
            p.state_root_proof.beacon_state_root,
            &v.validator_fields,
            &v.proof,
            index,
        )
        .unwrap();
    }
}

#[test]
fn credential_proofs_in_the_generators_layout_read_and_verify() {
    let (b, s) = state();
    let p: CredentialProofs = serde_json::from_value(tool_credentials(&b, &s)).unwrap();
    assert_eq!(p.validator_indices, vec![0, 2]);
    assert_eq!(p.oracle_timestamp, None);
    verify_credentials(&p, &s);
}

#[test]
fn the_command_line_tools_wrapped_credential_file_reads_with_its_timestamp() {
    let (b, s) = state();
    let wrapped = json!({
        "ValidatorProofs": tool_credentials(&b, &s),
        "OracleBeaconTimestamp": 1_712_000_000u64,
    });
    let p: CredentialProofs = serde_json::from_value(wrapped).unwrap();
    assert_eq!(p.oracle_timestamp, Some(1_712_000_000));
    verify_credentials(&p, &s);
    // The older flat layout carried the timestamp inline.
    let mut flat = tool_credentials(&b, &s);
    flat["oracleTimestamp"] = json!(1_700_000_000u64);
    let p: CredentialProofs = serde_json::from_value(flat).unwrap();
    assert_eq!(p.oracle_timestamp, Some(1_700_000_000));
}

#[test]
fn capitalised_keys_and_list_proofs_read_as_well() {
    let (b, s) = state();
    let srp = s.state_root_proof();
    let v = json!({
        "StateRootProof": { "beaconStateRoot": srp.beacon_state_root, "proof": srp.proof },
        "ValidatorIndices": [0, 2],
        "ValidatorFieldsProofs": [s.validator_proof(0).unwrap(), concat(&s.validator_proof(2).unwrap())],
        "ValidatorFields": [b.validators[0], b.validators[2]],
    });
    let p: CredentialProofs = serde_json::from_value(v).unwrap();
    verify_credentials(&p, &s);
    let mut c = tool_checkpoint(&s);
    let inner = c.as_object_mut().unwrap();
    let container = inner.remove("validatorBalancesRootProof").unwrap();
    let proofs = inner.remove("balanceProofs").unwrap();
    let p: CheckpointProofs = serde_json::from_value(
        json!({ "BalanceContainerProof": container, "BalanceProofs": proofs }),
    )
    .unwrap();
    assert_eq!(p.balance_proofs.len(), 3);
}

#[test]
fn credential_proofs_with_lists_of_different_lengths_are_refused() {
    let (b, s) = state();
    let mut v = tool_credentials(&b, &s);
    v["validatorIndices"] = json!([0]);
    let msg = serde_json::from_value::<CredentialProofs>(v)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("1 validator indices but 2 proofs and 2 field lists"),
        "{msg}"
    );
}

#[test]
fn credential_proofs_without_a_state_root_proof_are_refused_by_name() {
    let (b, s) = state();
    let mut v = tool_credentials(&b, &s);
    v.as_object_mut().unwrap().remove("stateRootProof");
    let msg = serde_json::from_value::<CredentialProofs>(v)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("stateRootProof"), "{msg}");
}

#[test]
fn credential_proofs_are_written_in_the_generators_exact_layout() {
    let (b, s) = state();
    let tool = tool_credentials(&b, &s);
    let p: CredentialProofs = serde_json::from_value(tool.clone()).unwrap();
    assert_eq!(serde_json::to_value(&p).unwrap(), tool);
    let back: CredentialProofs = serde_json::from_value(serde_json::to_value(&p).unwrap()).unwrap();
    assert_eq!(back, p);
}

#[test]
fn checkpoint_proofs_in_the_generators_layout_read_and_verify() {
    let (b, s) = state();
    let p: CheckpointProofs = serde_json::from_value(tool_checkpoint(&s)).unwrap();
    verify_balance_container(
        ProofVersion::Pectra,
        s.block_root,
        &p.balance_container_proof,
    )
    .unwrap();
    let root = p.balance_container_proof.balance_container_root;
    for (i, (proof, gwei)) in p.balance_proofs.iter().zip(&b.balances_gwei).enumerate() {
        assert_eq!(proof.pubkey_hash, b.validators[i][0]);
        assert_eq!(verify_validator_balance(root, i as u64, proof), Ok(*gwei));
    }
}

#[test]
fn checkpoint_proofs_are_written_in_the_generators_exact_layout() {
    let (_, s) = state();
    let tool = tool_checkpoint(&s);
    let p: CheckpointProofs = serde_json::from_value(tool.clone()).unwrap();
    let written = serde_json::to_value(&p).unwrap();
    assert_eq!(written, tool);
    assert!(written["balanceProofs"][0]["pubkeyHash"].is_array());
    assert!(written["balanceProofs"][0]["proof"].is_string());
    let back: CheckpointProofs = serde_json::from_value(written).unwrap();
    assert_eq!(back, p);
}

#[test]
fn checkpoint_proofs_also_read_with_this_projects_action_keys() {
    let (_, s) = state();
    let v = json!({
        "balanceContainerProof": s.balance_container_proof(),
        "proofs": [s.balance_proof(1).unwrap()],
    });
    let p: CheckpointProofs = serde_json::from_value(v).unwrap();
    assert_eq!(
        verify_validator_balance(
            p.balance_container_proof.balance_container_root,
            1,
            &p.balance_proofs[0]
        ),
        Ok(32_000_000_007)
    );
}

#[test]
fn a_proof_of_a_partial_sibling_is_refused() {
    let (_, s) = state();
    let mut v = tool_checkpoint(&s);
    let proof = v["balanceProofs"][0]["proof"].as_str().unwrap().to_owned();
    v["balanceProofs"][0]["proof"] = json!(&proof[..proof.len() - 2]);
    let msg = serde_json::from_value::<CheckpointProofs>(v)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("whole 32-byte siblings"), "{msg}");
}

#![allow(clippy::unwrap_used, clippy::indexing_slicing, missing_docs)]
use alloy_primitives::B256;
use restake_beacon::*;
use serde_json::Value;

fn load(name: &str) -> Value {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vectors/beacon/"
    );
    serde_json::from_str(&std::fs::read_to_string(format!("{p}{name}")).unwrap()).unwrap()
}
fn words(v: &Value) -> Vec<B256> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().parse().unwrap())
        .collect()
}

#[test]
fn the_302913_credential_vector_verifies_as_deneb() {
    let v = load("withdrawal_credential_proof_302913.json");
    let idx = v["validatorIndex"].as_u64().unwrap();
    let state: B256 = v["beaconStateRoot"].as_str().unwrap().parse().unwrap();
    let block: B256 = v["latestBlockHeaderRoot"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let fields = words(&v["ValidatorFields"]);
    verify_validator_fields(
        ProofVersion::Deneb,
        state,
        &fields,
        &words(&v["WithdrawalCredentialProof"]),
        idx,
    )
    .unwrap();
    verify_state_root(
        block,
        &StateRootProof {
            beacon_state_root: state,
            proof: words(&v["StateRootAgainstLatestBlockHeaderProof"]),
        },
    )
    .unwrap();
    let bal = words(&v["ValidatorBalanceProof"]);
    let balance_root: B256 = v["balanceRoot"].as_str().unwrap().parse().unwrap();
    // Re-assembled balance proofs: 39 siblings to the container root, 5 + 3 from there up.
    let container = process_inclusion_proof(&bal[..39], balance_root, idx / 4).unwrap();
    let mut cproof = bal[39..].to_vec();
    cproof.extend(words(&v["StateRootAgainstLatestBlockHeaderProof"]));
    verify_balance_container(
        ProofVersion::Deneb,
        block,
        &BalanceContainerProof {
            balance_container_root: container,
            proof: cproof,
        },
    )
    .unwrap();
    let g = verify_validator_balance(
        container,
        idx,
        &BalanceProof {
            pubkey_hash: fields[0],
            balance_root,
            proof: bal[..39].to_vec(),
        },
    )
    .unwrap();
    assert_eq!(g, 32_000_115_173);
    assert_eq!(
        validator::effective_balance_gwei(&fields).unwrap(),
        32_000_115_173
    );
}

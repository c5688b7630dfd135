//! The light client follows the chain from genesis through a validator-set change, checking
//! every header's certificate against the set the previous state proved, and refuses a node that
//! serves a header, certificate or set the validators did not sign.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

mod common;
use alloy_primitives::{B256, Bytes};
use common::*;
use restake_client::light::NEXT_SET_KEY;
use restake_client::{BlockId, Client, LightClient, LightError, RestakeApiClient, Wallet};
use restake_core::Action;
use restake_core::block::{Certificate, CertificateError};
use restake_core::validators::ValidatorChange;
use restake_node::devnet;
use restake_node::node::NodeConfig;
use restake_primitives::ed25519::SecretKey;
use restake_store::Store;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_light_client_follows_a_validator_set_change_and_refuses_what_the_validators_did_not_sign()
 {
    let mut node = serve_manual(Store::in_memory().unwrap(), NodeConfig::default()).await;
    let client = Client::new(&format!("http://{}", node.addr)).unwrap();
    let genesis = client.get_block(BlockId::Number(0)).await.unwrap().unwrap();
    let first_set = client
        .get_validators(Some(BlockId::Number(1)))
        .await
        .unwrap()
        .unwrap();
    let set = restake_core::validators::ValidatorSet::new(first_set.validators).unwrap();
    let mut light = LightClient::trust(genesis.header, set);
    for _ in 0..3 {
        node.engine.produce_block().await.unwrap();
    }
    client.follow(&mut light, 3).await.unwrap();
    assert_eq!(light.header().height, 3);
    // A state value read through the light client: proven against a header the validators signed.
    let (params, at) = client
        .verified_state_light(&mut light, b"cfg/params", None)
        .await
        .unwrap();
    assert_eq!(at, 3);
    assert!(params.is_some());

    // Governance re-weights the devnet validator and adds another, from height 10 on (the
    // devnet key keeps 5 of 6 parts of the power, so it still certifies alone).
    let owner = Wallet::from_hex(devnet::DEV_ACCOUNTS[0].1).unwrap();
    let newcomer = SecretKey::from_seed(&[42; 32]);
    let nonce = node.handle.next_nonce(&owner.address()).unwrap();
    let update = Action::UpdateValidatorSet {
        changes: vec![
            ValidatorChange {
                consensus_key: devnet::validator_key().public(),
                power: 5,
            },
            ValidatorChange {
                consensus_key: newcomer.public(),
                power: 1,
            },
        ],
        activation_height: 10,
    };
    node.handle
        .submit(owner.sign(update, nonce, devnet::CHAIN_ID))
        .unwrap();
    while node.handle.head().height < 12 {
        node.engine.produce_block().await.unwrap();
    }
    let before = light.next_set().clone();
    client.follow(&mut light, 12).await.unwrap();
    assert_eq!(light.header().height, 12);
    assert_eq!(light.next_set().len(), 2);
    assert_eq!(light.next_set().total_power(), 6);
    assert_ne!(light.next_set(), &before);

    // A node that lies: every kind of forgery is refused and the client stays at 12.
    node.engine.produce_block().await.unwrap();
    let block = client
        .get_block(BlockId::Number(13))
        .await
        .unwrap()
        .unwrap();
    let cert = client
        .get_certificate(BlockId::Number(13))
        .await
        .unwrap()
        .unwrap();
    let p = client
        .get_proof(Bytes::copy_from_slice(NEXT_SET_KEY), Some(13))
        .await
        .unwrap();
    let value = p.value.clone().unwrap();
    let outsider = SecretKey::from_seed(&[9; 32]);
    let forged = Certificate::sign(devnet::CHAIN_ID, 13, 0, cert.block_hash, &[&outsider]);
    let mut probe = light.clone();
    assert!(matches!(
        probe.advance(block.header.clone(), &forged, &value, &p.proof),
        Err(LightError::Certificate(CertificateError::UnknownValidator(
            _
        )))
    ));
    // The newcomer alone holds a sixth of the power.
    let short = Certificate::sign(devnet::CHAIN_ID, 13, 0, cert.block_hash, &[&newcomer]);
    assert!(matches!(
        probe.advance(block.header.clone(), &short, &value, &p.proof),
        Err(LightError::Certificate(CertificateError::NotEnoughPower {
            signed: 1,
            total: 6
        }))
    ));
    let mut other_state = block.header.clone();
    other_state.state_root = B256::repeat_byte(1);
    assert!(matches!(
        probe.advance(other_state, &cert, &value, &p.proof),
        Err(LightError::Certificate(CertificateError::WrongBlock { .. }))
    ));
    let mut fake_set = value.to_vec();
    let last = fake_set.len() - 1;
    fake_set[last] ^= 1;
    assert!(matches!(
        probe.advance(block.header.clone(), &cert, &fake_set, &p.proof),
        Err(LightError::NextSet(_))
    ));
    let mut skipped = block.header.clone();
    skipped.height = 14;
    assert!(matches!(
        probe.advance(skipped, &cert, &value, &p.proof),
        Err(LightError::NotNext { .. })
    ));
    assert_eq!(probe, light, "a refused step changes nothing");
    probe
        .advance(block.header, &cert, &value, &p.proof)
        .unwrap();
    assert_eq!(probe.header().height, 13);
    node.server.stop().unwrap();
}

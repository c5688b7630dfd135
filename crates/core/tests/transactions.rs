//! Signed transactions: EIP-712 over the action's own struct, verified against signatures made
//! by an independent wallet library (`eth-account`), whose fixtures live in `tests/fixtures/`.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::expect_used,
    missing_docs
)]

mod common;
use alloy_primitives::{Address, B256, Bytes, U256, address};
use borsh::BorshDeserialize;
use common::*;
use restake_core::Action;
use restake_core::allocation::{
    AllocateParams, CreateSetParams, RegistrationApproval, RegistrationPolicy,
};
use restake_core::delegation::QueuedWithdrawalParams;
use restake_core::evidence::SignedAttestation;
use restake_core::pause::PauseTarget;
use restake_core::tx::{Transaction, TxError};
use restake_core::vault::{VaultAssetInit, VaultParams};
use restake_primitives::signature::SignatureError;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The first well-known development account (anvil/hardhat): public test key, never for value.
const DEV_ADDRESS: Address = address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266");

fn a(n: u8) -> Address {
    Address::repeat_byte(n)
}

/// One sample of each kind of field the wallets must encode.
fn samples() -> Vec<Action> {
    vec![
        Action::DepositIntoStrategy {
            strategy: a(1),
            token: a(2),
            amount: U256::from(10).pow(U256::from(18)),
        },
        Action::RegisterAsOperator {
            delegation_approver: Address::ZERO,
            allocation_delay: 5,
            metadata_uri: "https://op.example/m.json".into(),
        },
        Action::DelegateTo {
            operator: a(3),
            approver_signature: None,
            approver_expiry: 0,
            approver_salt: B256::ZERO,
        },
        Action::DelegateTo {
            operator: a(3),
            approver_signature: Some(Bytes::from(vec![0xab; 65])),
            approver_expiry: 1_800_000_000,
            approver_salt: B256::repeat_byte(0x5a),
        },
        Action::Undelegate { staker: a(4) },
        Action::QueueWithdrawals {
            params: vec![
                QueuedWithdrawalParams {
                    strategies: vec![a(1), a(5)],
                    deposit_shares: vec![U256::from(7), U256::MAX],
                },
                QueuedWithdrawalParams {
                    strategies: vec![],
                    deposit_shares: vec![],
                },
            ],
        },
        Action::CompleteQueuedWithdrawal {
            withdrawal_root: B256::repeat_byte(0x77),
            receive_as_tokens: true,
        },
        Action::CompleteQueuedWithdrawals {
            withdrawal_roots: vec![B256::repeat_byte(1), B256::repeat_byte(2)],
            receive_as_tokens: vec![true, false],
        },
        Action::CreateOperatorSets {
            avs: None,
            params: vec![CreateSetParams {
                operator_set_id: 1,
                strategies: vec![a(1)],
                redistribution_recipient: Some(a(9)),
                slasher: None,
                registration_policy: RegistrationPolicy::Approval,
                equivocation_wad_to_slash: Some(U256::from(5) * U256::from(10).pow(U256::from(16))),
            }],
        },
        Action::RegisterForOperatorSets {
            operator: None,
            avs: a(6),
            operator_set_ids: vec![1, 2],
            approval: Some(RegistrationApproval {
                signature: Bytes::from(vec![1, 2, 3]),
                salt: B256::repeat_byte(3),
                expiry: 99,
            }),
        },
        Action::ModifyAllocations {
            operator: None,
            params: vec![AllocateParams {
                avs: a(6),
                operator_set_id: 1,
                strategies: vec![a(1)],
                new_magnitudes: vec![500_000_000_000_000_000],
            }],
        },
        Action::ClearDeallocationQueue {
            operator: a(3),
            strategies: vec![a(1)],
            num_to_clear: vec![u16::MAX],
        },
        Action::SlashOperator {
            avs: None,
            operator: a(3),
            operator_set_id: 1,
            strategies: vec![a(1)],
            wads_to_slash: vec![U256::from(10).pow(U256::from(17))],
            description: "double signing".into(),
        },
        Action::SlashWithEquivocationProof {
            avs: a(6),
            operator_set_id: 1,
            operator: a(3),
            height: 42,
            first: SignedAttestation {
                payload_hash: B256::repeat_byte(1),
                signature: Bytes::from(vec![9; 65]),
            },
            second: SignedAttestation {
                payload_hash: B256::repeat_byte(2),
                signature: Bytes::from(vec![8; 65]),
            },
        },
        Action::Pause {
            target: PauseTarget::Pool(a(1)),
            new_paused_status: 3,
        },
        Action::PauseAll {},
        // Empty arrays of structs still declare the struct types.
        Action::RegisterForOperatorSets {
            operator: None,
            avs: a(6),
            operator_set_ids: vec![1],
            approval: None,
        },
        Action::CreateOperatorSets {
            avs: Some(a(6)),
            params: vec![],
        },
        Action::ModifyAllocations {
            operator: None,
            params: vec![],
        },
        Action::QueueWithdrawals { params: vec![] },
        Action::UpdateAllowlist {
            avs: None,
            operator_set_id: 2,
            operators: vec![],
            allowed: false,
        },
        // Native restaking: nested bytes32 arrays and proof structs.
        Action::CreatePod {},
        Action::SetProofSubmitter {
            new_proof_submitter: a(9),
        },
        Action::VerifyWithdrawalCredentials {
            pod: Some(a(8)),
            beacon_timestamp: 1_750_000_000,
            state_root_proof: restake_beacon::StateRootProof {
                beacon_state_root: B256::repeat_byte(0x11),
                proof: vec![B256::repeat_byte(0x12), B256::repeat_byte(0x13)],
            },
            validator_indices: vec![302_913, 7],
            validator_fields_proofs: vec![
                vec![B256::repeat_byte(0x21)],
                vec![B256::repeat_byte(0x22), B256::repeat_byte(0x23)],
            ],
            validator_fields: vec![
                vec![B256::repeat_byte(0x31); 8],
                vec![B256::repeat_byte(0x32); 8],
            ],
        },
        Action::StartCheckpoint {
            pod: None,
            beacon_timestamp: 1_750_000_012,
            revert_if_no_balance: true,
        },
        Action::VerifyCheckpointProofs {
            pod: a(8),
            balance_container_proof: restake_beacon::BalanceContainerProof {
                balance_container_root: B256::repeat_byte(0x41),
                proof: vec![B256::repeat_byte(0x42)],
            },
            proofs: vec![restake_beacon::BalanceProof {
                pubkey_hash: B256::repeat_byte(0x43),
                balance_root: B256::repeat_byte(0x44),
                proof: vec![B256::repeat_byte(0x45), B256::repeat_byte(0x46)],
            }],
        },
        Action::VerifyCheckpointProofs {
            pod: a(8),
            balance_container_proof: restake_beacon::BalanceContainerProof {
                balance_container_root: B256::repeat_byte(0x41),
                proof: vec![],
            },
            proofs: vec![],
        },
        Action::VerifyStaleBalance {
            pod: a(8),
            beacon_timestamp: 1_750_000_024,
            state_root_proof: restake_beacon::StateRootProof {
                beacon_state_root: B256::repeat_byte(0x51),
                proof: vec![B256::repeat_byte(0x52)],
            },
            proof: restake_beacon::ValidatorProof {
                validator_fields: vec![B256::repeat_byte(0x53); 8],
                proof: vec![B256::repeat_byte(0x54)],
            },
        },
        Action::PostBeaconRoot {
            timestamp: 1_750_000_000,
            block_root: B256::repeat_byte(0x61),
        },
        Action::PostPodBalance {
            pod: a(8),
            timestamp: 1_750_000_000,
            balance_wei: U256::from(32_000_000_001_000_000_000u128),
            payouts_executed: 3,
        },
        // Rewards.
        Action::CreateRewardsSubmission {
            avs: None,
            operator_set_id: 1,
            strategies_and_multipliers: vec![
                restake_core::rewards::StrategyAndMultiplier {
                    strategy: a(1),
                    multiplier: U256::from(1_000_000_000_000_000_000u128),
                },
                restake_core::rewards::StrategyAndMultiplier {
                    strategy: a(2),
                    multiplier: U256::from(3_000_000_000_000_000_000u128),
                },
            ],
            token: a(3),
            amount: U256::from(500u64),
            operator_rewards: vec![],
            start_epoch: 12,
            duration_epochs: 7,
        },
        Action::CreateRewardsSubmission {
            avs: Some(a(6)),
            operator_set_id: 2,
            strategies_and_multipliers: vec![restake_core::rewards::StrategyAndMultiplier {
                strategy: a(1),
                multiplier: U256::from(1u64),
            }],
            token: a(3),
            amount: U256::ZERO,
            operator_rewards: vec![restake_core::rewards::OperatorReward {
                operator: a(4),
                amount: U256::from(77u64),
            }],
            start_epoch: 0,
            duration_epochs: 1,
        },
        Action::SetOperatorAvsSplit {
            operator: None,
            avs: a(6),
            split: 2_500,
        },
        Action::SetRewardsRecipient { recipient: a(7) },
        Action::ClaimRewards {
            tokens: vec![a(3), a(4)],
        },
        Action::SetOperatorSetRiskProfile {
            avs: None,
            operator_set_id: 4,
            pfc_low: U256::from(10u64).pow(U256::from(19)),
            pfc_high: U256::from(5u64) * U256::from(10u64).pow(U256::from(19)),
            alpha_wad: U256::from(333_333_333_333_333_333u64),
        },
        Action::CreateVault {
            symbol: "rsETH".into(),
            assets: vec![
                VaultAssetInit {
                    token: a(3),
                    rate_wad: U256::from(10u64).pow(U256::from(18)),
                },
                VaultAssetInit {
                    token: a(4),
                    rate_wad: U256::from(1_100_000_000_000_000_000u128),
                },
            ],
            params: None,
        },
        Action::CreateVault {
            symbol: "ezETH".into(),
            assets: vec![VaultAssetInit {
                token: a(3),
                rate_wad: U256::from(1u64),
            }],
            params: Some(Box::new(VaultParams {
                asset_caps: vec![U256::from(5u64)],
                treasury: a(8),
                cooldown_blocks: 100_800,
                param_delay_blocks: 201_600,
                ..VaultParams::default()
            })),
        },
        Action::AddVaultOperator {
            vault: a(9),
            operator: a(2),
            weight_bps: 5_000,
        },
        Action::DepositIntoVault {
            vault: a(9),
            token: a(3),
            amount: U256::from(10u64).pow(U256::from(18)),
            min_shares_out: U256::from(999u64),
            deadline: 1_700_000_000,
        },
        Action::RequestRedeem {
            vault: a(9),
            shares: U256::from(7u64),
            token: a(4),
        },
        Action::FinalizeRedeemRequests {
            vault: a(9),
            max_requests: 25,
        },
        Action::ClaimRedeem {
            vault: a(9),
            request_id: 3,
        },
        Action::InstantRedeem {
            vault: a(9),
            shares: U256::from(5u64),
            token: a(3),
            min_amount_out: U256::from(4u64),
        },
        Action::RestakeVaultAssets {
            vault: a(9),
            token: a(3),
            amount: U256::from(6u64),
            delegator: None,
        },
        Action::RestakeVaultAssets {
            vault: a(9),
            token: a(3),
            amount: U256::from(6u64),
            delegator: Some(0),
        },
        Action::QueueVaultWithdrawal {
            vault: a(9),
            delegator: 1,
            token: a(4),
            deposit_shares: U256::from(8u64),
        },
        Action::CompleteVaultWithdrawal {
            vault: a(9),
            withdrawal_root: B256::repeat_byte(0x44),
        },
        Action::RedelegateVaultDelegator {
            vault: a(9),
            delegator: 1,
        },
        Action::UpdateVaultAssetRate {
            vault: a(9),
            token: a(4),
            rate_wad: U256::from(1_101_000_000_000_000_000u128),
        },
        Action::SetVaultPaused {
            vault: a(9),
            paused: 0b10_0001,
        },
        Action::SetVaultRoles {
            vault: a(9),
            admin: a(1),
            pauser: a(2),
            manager: a(3),
        },
        Action::QueueVaultParams {
            vault: a(9),
            params: Box::new(VaultParams {
                fee_bps: 500,
                treasury: a(8),
                cooldown_blocks: 10,
                param_delay_blocks: 10,
                ..VaultParams::default()
            }),
        },
        Action::ApplyVaultParams { vault: a(9) },
        Action::HarvestVaultRewards { vault: a(9) },
        Action::CreateVaultPod {
            vault: a(9),
            delegator: 2,
        },
        Action::PostVaultBond {
            vault: a(9),
            delegator: 1,
            shares: U256::from(2u64) * U256::from(10u64).pow(U256::from(18)),
        },
        Action::RequestVaultBondWithdrawal {
            vault: a(9),
            delegator: 1,
            shares: U256::from(10u64).pow(U256::from(18)),
        },
        Action::WithdrawVaultBond {
            vault: a(9),
            delegator: 1,
        },
        Action::StartVaultCheckpoint {
            vault: a(9),
            delegator: 0,
            beacon_timestamp: 1_750_000_024,
        },
        Action::DepositValidatorsIntoVault {
            vault: a(9),
            delegator: 0,
            recipient: a(5),
            min_shares_out: U256::from(31u64),
            beacon_timestamp: 1_750_000_036,
            state_root_proof: Box::new(restake_beacon::StateRootProof {
                beacon_state_root: B256::repeat_byte(0x41),
                proof: vec![B256::repeat_byte(0x42)],
            }),
            validator_indices: vec![11],
            validator_fields_proofs: vec![vec![B256::repeat_byte(0x43), B256::repeat_byte(0x44)]],
            validator_fields: vec![vec![B256::repeat_byte(0x45); 8]],
        },
    ]
}

const INPUTS: &str = "tests/fixtures/typed_data_inputs.json";
const SIGNED: &str = "tests/fixtures/eth_account_signed.json";

/// Regenerates the wallet inputs: `cargo test -p restake-core --test transactions -- --ignored`,
/// then `python3 tests/fixtures/sign_with_eth_account.py` in `crates/core`.
#[test]
#[ignore = "writes fixture inputs"]
fn write_typed_data_inputs_for_wallet_signing() {
    let items: Vec<Value> = samples()
        .iter()
        .enumerate()
        .map(|(i, action)| {
            let nonce = i as u64;
            json!({
                "from": DEV_ADDRESS,
                "nonce": nonce,
                "chainId": CHAIN_ID,
                "action": action,
                "typedData": Transaction::typed_data(DEV_ADDRESS, nonce, action, CHAIN_ID),
            })
        })
        .collect();
    std::fs::write(INPUTS, serde_json::to_string_pretty(&items).unwrap() + "\n").unwrap();
}

fn signed_fixtures() -> Vec<Value> {
    serde_json::from_str(&std::fs::read_to_string(SIGNED).unwrap()).unwrap()
}

#[test]
fn fixtures_cover_every_sample_action() {
    let fixtures = signed_fixtures();
    assert_eq!(fixtures.len(), samples().len());
    for (f, action) in fixtures.iter().zip(samples()) {
        assert_eq!(
            serde_json::from_value::<Action>(f["action"].clone()).unwrap(),
            action
        );
    }
}

#[test]
fn typed_data_we_produce_is_what_the_wallet_signed() {
    for f in signed_fixtures() {
        let action: Action = serde_json::from_value(f["action"].clone()).unwrap();
        let nonce = f["nonce"].as_u64().unwrap();
        assert_eq!(
            Transaction::typed_data(DEV_ADDRESS, nonce, &action, CHAIN_ID),
            f["typedData"],
            "{}",
            action.name()
        );
    }
}

#[test]
fn our_digest_equals_the_wallet_libraries_digest_for_every_action_kind() {
    for f in signed_fixtures() {
        let action: Action = serde_json::from_value(f["action"].clone()).unwrap();
        let nonce = f["nonce"].as_u64().unwrap();
        let ours = Transaction::signing_hash(DEV_ADDRESS, nonce, &action, CHAIN_ID);
        let theirs: B256 = f["digest"].as_str().unwrap().parse().unwrap();
        assert_eq!(ours, theirs, "{}", action.name());
    }
}

#[test]
fn wallet_signed_transactions_verify_and_recover_the_sender() {
    for f in signed_fixtures() {
        let tx = Transaction {
            from: DEV_ADDRESS,
            nonce: f["nonce"].as_u64().unwrap(),
            action: serde_json::from_value(f["action"].clone()).unwrap(),
            signature: f["signature"].as_str().unwrap().parse().unwrap(),
        };
        tx.verify(CHAIN_ID).unwrap();
    }
}

/// The JSON fields of every sample action are exactly the fields of the struct its sender signs.
///
/// The rule: the keys of the action's JSON object without `type` are the keys of the signed
/// message without `nonce` (the one field the transaction adds; `from` and the chain id are not
/// in the message, the first is recovered from the signature and the second is in the domain).
/// The one exception is a field the JSON leaves out because it is an option that is `None`
/// (`skip_serializing_if`) while the message signs its default: such a field must be a wire field
/// of the action whose explicit `null` reads back as the same action.
#[test]
fn every_sample_action_signs_exactly_its_json_fields() {
    let mut left_out = Vec::new();
    for action in samples() {
        let name = action.name();
        let json = serde_json::to_value(&action).unwrap();
        let object = json.as_object().unwrap();
        assert_eq!(object["type"], name);
        let wire: BTreeSet<&str> = object
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "type")
            .collect();
        let typed = Transaction::typed_data(DEV_ADDRESS, 0, &action, CHAIN_ID);
        let message = typed["message"].as_object().unwrap();
        assert!(message.contains_key("nonce"), "{name}");
        assert!(!message.contains_key("from"), "{name}");
        let signed: BTreeSet<&str> = message
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "nonce")
            .collect();
        assert!(
            wire.is_subset(&signed),
            "{name}: {:?}",
            wire.difference(&signed)
        );
        for field in signed.difference(&wire) {
            let mut with_null = object.clone();
            with_null.insert((*field).to_string(), Value::Null);
            let read: Action = serde_json::from_value(Value::Object(with_null))
                .unwrap_or_else(|e| panic!("{name}: `{field}` is signed but not a field: {e}"));
            assert_eq!(read, action, "{name}: `{field}`");
            left_out.push(format!("{name}.{field}"));
        }
    }
    assert_eq!(
        left_out,
        [
            "startCheckpoint.pod",
            "createRewardsSubmission.avs",
            "setOperatorAvsSplit.operator",
            "setOperatorSetRiskProfile.avs",
            "createVault.params",
            "restakeVaultAssets.delegator",
        ]
    );
}

#[test]
fn every_sample_action_round_trips_through_borsh_under_its_declared_tag() {
    for action in samples() {
        let bytes = borsh::to_vec(&action).unwrap();
        assert_eq!(
            Action::try_from_slice(&bytes).unwrap(),
            action,
            "{}",
            action.name()
        );
        assert_eq!(Action::NAMES[usize::from(bytes[0])], action.name());
        let tx = Transaction {
            from: DEV_ADDRESS,
            nonce: 1,
            action,
            signature: Bytes::from(vec![7; 65]),
        };
        assert_eq!(
            Transaction::try_from_slice(&borsh::to_vec(&tx).unwrap()).unwrap(),
            tx
        );
    }
}

/// Blocks carry actions in Borsh, which tags a variant by its position: an action is added at
/// the end of the declaration, and the tags of these never move.
#[test]
fn the_borsh_tags_of_existing_actions_never_move() {
    const TAGGED: [&str; 81] = [
        "transfer",
        "mint",
        "burn",
        "registerToken",
        "createStrategy",
        "addStrategiesToDepositWhitelist",
        "removeStrategiesFromDepositWhitelist",
        "setStrategyWhitelister",
        "setTvlLimits",
        "depositIntoStrategy",
        "depositIntoStrategyWithSignature",
        "clearBurnOrRedistributableShares",
        "clearBurnOrRedistributableSharesByStrategy",
        "registerAsOperator",
        "modifyOperatorDetails",
        "updateOperatorMetadataUri",
        "delegateTo",
        "undelegate",
        "redelegate",
        "queueWithdrawals",
        "completeQueuedWithdrawal",
        "completeQueuedWithdrawals",
        "updateAvsMetadataUri",
        "createOperatorSets",
        "addStrategiesToOperatorSet",
        "removeStrategiesFromOperatorSet",
        "updateSlasher",
        "setRegistrationPolicy",
        "updateAllowlist",
        "registerForOperatorSets",
        "deregisterFromOperatorSets",
        "setAllocationDelay",
        "modifyAllocations",
        "clearDeallocationQueue",
        "slashOperator",
        "setOperatorSetRiskProfile",
        "slashWithEquivocationProof",
        "createPod",
        "setProofSubmitter",
        "verifyWithdrawalCredentials",
        "startCheckpoint",
        "verifyCheckpointProofs",
        "verifyStaleBalance",
        "postBeaconRoot",
        "postPodBalance",
        "createRewardsSubmission",
        "setOperatorAvsSplit",
        "setRewardsRecipient",
        "claimRewards",
        "createVault",
        "addVaultOperator",
        "depositIntoVault",
        "requestRedeem",
        "finalizeRedeemRequests",
        "claimRedeem",
        "instantRedeem",
        "restakeVaultAssets",
        "queueVaultWithdrawal",
        "completeVaultWithdrawal",
        "redelegateVaultDelegator",
        "updateVaultAssetRate",
        "setVaultPaused",
        "setVaultRoles",
        "queueVaultParams",
        "applyVaultParams",
        "harvestVaultRewards",
        "createVaultPod",
        "postVaultBond",
        "requestVaultBondWithdrawal",
        "withdrawVaultBond",
        "startVaultCheckpoint",
        "depositValidatorsIntoVault",
        "addPendingAdmin",
        "removePendingAdmin",
        "acceptAdmin",
        "removeAdmin",
        "setAppointee",
        "removeAppointee",
        "pause",
        "pauseAll",
        "unpause",
    ];
    assert!(Action::NAMES.starts_with(&TAGGED), "{:?}", Action::NAMES);
    let all: BTreeSet<&str> = Action::NAMES.iter().copied().collect();
    assert_eq!(all.len(), Action::NAMES.len(), "wire names are unique");
    assert_eq!(
        borsh::to_vec(&Action::Transfer {
            token: a(1),
            to: a(2),
            amount: U256::from(3)
        })
        .unwrap()[0],
        0
    );
    assert_eq!(borsh::to_vec(&Action::PauseAll {}).unwrap(), [79]);
}

fn signed(key: &Key, nonce: u64, action: Action, chain_id: u64) -> Transaction {
    let from = key.address();
    let digest = Transaction::signing_hash(from, nonce, &action, chain_id);
    Transaction {
        from,
        nonce,
        action,
        signature: key.sign(digest),
    }
}

#[test]
fn a_signature_for_another_nonce_chain_or_sender_is_refused() {
    let key = Key::from_seed(1);
    let action = Action::Undelegate {
        staker: key.address(),
    };
    let tx = signed(&key, 3, action.clone(), CHAIN_ID);
    tx.verify(CHAIN_ID).unwrap();
    assert!(matches!(
        tx.verify(CHAIN_ID + 1),
        Err(TxError::WrongSigner { .. })
    ));
    let other_nonce = Transaction {
        nonce: 4,
        ..tx.clone()
    };
    assert!(matches!(
        other_nonce.verify(CHAIN_ID),
        Err(TxError::WrongSigner { .. })
    ));
    let other_from = Transaction {
        from: a(1),
        ..tx.clone()
    };
    assert!(matches!(
        other_from.verify(CHAIN_ID),
        Err(TxError::WrongSigner { .. })
    ));
    let other_action = Transaction {
        action: Action::Undelegate { staker: a(1) },
        ..tx
    };
    assert!(matches!(
        other_action.verify(CHAIN_ID),
        Err(TxError::WrongSigner { .. })
    ));
}

#[test]
fn malformed_transaction_signatures_are_refused_with_their_reason() {
    let key = Key::from_seed(1);
    let tx = signed(&key, 0, Action::PauseAll {}, CHAIN_ID);
    let mut short = tx.clone();
    short.signature = Bytes::from(tx.signature[..64].to_vec());
    assert_eq!(
        short.verify(CHAIN_ID),
        Err(TxError::Signature(SignatureError::InvalidLength(64)))
    );
    let mut bad_v = tx.signature.to_vec();
    bad_v[64] = 29;
    let t = Transaction {
        signature: Bytes::from(bad_v),
        ..tx.clone()
    };
    assert_eq!(
        t.verify(CHAIN_ID),
        Err(TxError::Signature(SignatureError::InvalidV(29)))
    );
}

#[test]
fn omitted_operator_is_signed_as_the_sender() {
    let key = Key::from_seed(2);
    let implicit = Action::SetAllocationDelay {
        operator: None,
        delay: 1,
    };
    let explicit = Action::SetAllocationDelay {
        operator: Some(key.address()),
        delay: 1,
    };
    assert_eq!(
        Transaction::signing_hash(key.address(), 0, &implicit, CHAIN_ID),
        Transaction::signing_hash(key.address(), 0, &explicit, CHAIN_ID)
    );
}

#[test]
fn verifying_and_hashing_at_once_gives_the_transaction_id() {
    let key = Key::from_seed(3);
    let tx = signed(&key, 7, Action::PauseAll {}, CHAIN_ID);
    assert_eq!(tx.verify_and_hash(CHAIN_ID).unwrap(), tx.hash(CHAIN_ID));
    let forged = Transaction { from: a(1), ..tx };
    assert!(matches!(
        forged.verify_and_hash(CHAIN_ID),
        Err(TxError::WrongSigner { .. })
    ));
}

#[test]
fn transaction_hash_depends_on_sender_and_content() {
    let key = Key::from_seed(1);
    let t1 = signed(&key, 0, Action::PauseAll {}, CHAIN_ID);
    let t2 = signed(&key, 1, Action::PauseAll {}, CHAIN_ID);
    let t3 = signed(&Key::from_seed(2), 0, Action::PauseAll {}, CHAIN_ID);
    assert_ne!(t1.hash(CHAIN_ID), t2.hash(CHAIN_ID));
    assert_ne!(t1.hash(CHAIN_ID), t3.hash(CHAIN_ID));
    assert_eq!(t1.hash(CHAIN_ID), t1.clone().hash(CHAIN_ID));
}

mod applying {
    use super::*;
    use restake_core::accounts::AccountsRead;
    use restake_core::block::{BlockError, Charge, Status, apply_transaction};
    use restake_core::config::Params;
    use restake_core::state::StateRead;

    const PARAMS: Params = Params::devnet();

    /// A charge of one unit against a generous allowance.
    fn charge() -> Charge<'static> {
        Charge {
            params: &PARAMS,
            units: 1,
            allowance: 1_000,
        }
    }

    #[test]
    fn a_failed_action_changes_only_the_senders_nonce_and_quota_usage() {
        let mut c = Chain::new();
        let key = Key::from_seed(1);
        let tx = signed(
            &key,
            0,
            Action::Undelegate {
                staker: key.address(),
            },
            CHAIN_ID,
        );
        let before = c.state.clone();
        let r = apply_transaction(
            &mut c.state,
            &c.block,
            &tx,
            tx.hash(CHAIN_ID),
            0,
            1,
            charge(),
        )
        .unwrap();
        assert_eq!(r.status, Status::Failed);
        let err = r.error.unwrap();
        assert_eq!(
            (err.code, err.name.as_str()),
            (4000, "NotActivelyDelegated")
        );
        assert_eq!(c.state.nonce(&key.address()).unwrap(), 1);
        // Undo the nonce by hand: everything else is as before.
        let mut diff: Vec<_> = c
            .state
            .iter()
            .filter(|(k, v)| before.get_raw(k).unwrap().as_ref() != Some(*v))
            .map(|(k, _)| k.clone())
            .collect();
        diff.sort();
        assert_eq!(diff.len(), 2);
        assert!(diff[0].starts_with(b"acct/nonce/"));
        assert!(diff[1].starts_with(b"acct/quota/"));
    }

    #[test]
    fn a_transaction_with_a_stale_or_future_nonce_is_not_applied() {
        let mut c = Chain::new();
        let key = Key::from_seed(1);
        let ok = signed(
            &key,
            0,
            Action::Transfer {
                token: c.token("stETH"),
                to: a(9),
                amount: U256::from(1),
            },
            CHAIN_ID,
        );
        let r = apply_transaction(
            &mut c.state,
            &c.block,
            &ok,
            ok.hash(CHAIN_ID),
            0,
            1,
            charge(),
        )
        .unwrap();
        assert_eq!(r.status, Status::Success);
        let before = c.state.clone();
        for nonce in [0, 2] {
            let tx = signed(&key, nonce, Action::PauseAll {}, CHAIN_ID);
            let err = apply_transaction(
                &mut c.state,
                &c.block,
                &tx,
                tx.hash(CHAIN_ID),
                1,
                1,
                charge(),
            )
            .unwrap_err();
            assert_eq!(
                err,
                BlockError::WrongNonce {
                    from: key.address(),
                    got: nonce,
                    expected: 1
                }
            );
            assert_eq!(c.state, before);
        }
    }
}

#[test]
fn strings_bytes_and_lists_beyond_the_protocol_bounds_are_refused_before_the_signature() {
    use restake_core::tx::{MAX_LIST_LEN, MAX_STRING_BYTES};
    let key = Key::from_seed(1);
    // Every sample action is within the bounds.
    for action in samples() {
        let name = action.name();
        let tx = signed(&key, 0, action, CHAIN_ID);
        assert!(
            !matches!(tx.verify(CHAIN_ID), Err(TxError::FieldTooLong { .. })),
            "{name}"
        );
    }
    let strategies = |n: usize| Action::AddStrategiesToDepositWhitelist {
        strategies: vec![a(1); n],
    };
    signed(&key, 0, strategies(MAX_LIST_LEN), CHAIN_ID)
        .verify(CHAIN_ID)
        .unwrap();
    assert_eq!(
        signed(&key, 0, strategies(MAX_LIST_LEN + 1), CHAIN_ID).verify(CHAIN_ID),
        Err(TxError::FieldTooLong {
            field: "strategies",
            len: MAX_LIST_LEN + 1,
            limit: MAX_LIST_LEN,
            unit: "elements",
        })
    );
    // A nested list counts too, and the bound is checked before the signature: a garbage
    // signature on an oversized action reports the size.
    let nested = Action::QueueWithdrawals {
        params: vec![QueuedWithdrawalParams {
            strategies: vec![a(1); MAX_LIST_LEN + 1],
            deposit_shares: vec![U256::from(1); MAX_LIST_LEN + 1],
        }],
    };
    let mut tx = signed(&key, 0, nested, CHAIN_ID);
    tx.signature = Bytes::from(vec![0u8; 65]);
    assert!(matches!(
        tx.verify_and_hash(CHAIN_ID),
        Err(TxError::FieldTooLong {
            field: "strategies",
            ..
        })
    ));
    let described = Action::UpdateAvsMetadataUri {
        avs: None,
        metadata_uri: "é".repeat(MAX_STRING_BYTES / 2 + 1),
    };
    assert!(matches!(
        signed(&key, 0, described, CHAIN_ID).verify(CHAIN_ID),
        Err(TxError::FieldTooLong {
            field: "metadataUri",
            len,
            ..
        }) if len == MAX_STRING_BYTES + 2
    ));
}

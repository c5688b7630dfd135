//! A checkpoint of a pod with 1,000 validators through the core: one `verifyCheckpointProofs`
//! with 1,000 balance proofs (proof checks, 1,000 validator records read and written, the
//! finalisation that moves the owner's factor and operator shares), measured on an overlay so
//! every sample starts from the same state. Also `verifyWithdrawalCredentials` for 100
//! validators.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::panic,
    missing_docs
)]

use alloy_primitives::{Address, B256, U256};
use divan::{Bencher, black_box};
use restake_beacon::generate::{BeaconStateBuilder, BuiltState, credentials_for, validator_fields};
use restake_beacon::{FAR_FUTURE_EPOCH, ProofVersion};
use restake_core::app::{self, Genesis};
use restake_core::beacon_oracle::OracleConfig;
use restake_core::config::{Params, Roles};
use restake_core::exec::Exec;
use restake_core::pods::pod_address;
use restake_core::state::MemoryState;
use restake_core::{Action, BlockContext};
use std::sync::OnceLock;

const N: u64 = 1_000;
const ORACLE: [Address; 2] = [Address::repeat_byte(0xB1), Address::repeat_byte(0xB2)];
const OWNER: Address = Address::repeat_byte(0x01);

fn main() {
    divan::main();
}

fn sim(pod: Address, balance: impl Fn(u64) -> u64) -> (Vec<Vec<B256>>, BuiltState) {
    let validators: Vec<Vec<B256>> = (0..N)
        .map(|i| {
            validator_fields(
                B256::from(U256::from(i + 1)),
                credentials_for(pod, 1),
                32_000_000_000,
                false,
                0,
                1,
                FAR_FUTURE_EPOCH,
                FAR_FUTURE_EPOCH,
            )
        })
        .collect();
    let built = BeaconStateBuilder {
        version: ProofVersion::Deneb,
        validators: validators.clone(),
        balances_gwei: (0..N).map(balance).collect(),
    }
    .build()
    .unwrap();
    (validators, built)
}

struct World {
    state: MemoryState,
    before_checkpoint: MemoryState,
    block: BlockContext,
    checkpoint: Action,
    credentials: Action,
}

fn run(state: &mut MemoryState, block: &BlockContext, sender: Address, action: Action) {
    app::execute(state, block, sender, &action).unwrap();
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let genesis = Genesis {
            validators: Vec::new(),
            params: Params::devnet(),
            roles: Roles::default(),
            tokens: vec![],
            beacon_oracle: OracleConfig {
                members: ORACLE.to_vec(),
                quorum: 2,
            },
        };
        let mut state = MemoryState::new();
        let mut block = BlockContext {
            number: 1,
            timestamp: 1_700_000_000,
            chain_id: 31337,
        };
        app::init_genesis(&mut state, &genesis, &block).unwrap();
        let pod = pod_address(&OWNER);
        run(&mut state, &block, OWNER, Action::CreatePod {});
        let (fields, built) = sim(pod, |_| 32_000_000_000);
        let t1 = block.timestamp - 12;
        for m in ORACLE {
            run(
                &mut state,
                &block,
                m,
                Action::PostBeaconRoot {
                    timestamp: t1,
                    block_root: built.block_root,
                },
            );
        }
        let credentials =
            |range: std::ops::Range<u64>, ts: u64| Action::VerifyWithdrawalCredentials {
                pod: None,
                beacon_timestamp: ts,
                state_root_proof: built.state_root_proof(),
                validator_indices: range.clone().collect(),
                validator_fields_proofs: range
                    .clone()
                    .map(|i| built.validator_proof(i).unwrap())
                    .collect(),
                validator_fields: range.map(|i| fields[i as usize].clone()).collect(),
            };
        for start in (100..N).step_by(100) {
            run(
                &mut state,
                &block,
                OWNER,
                credentials(start..start + 100, t1),
            );
        }
        let first_hundred = credentials(0..100, t1);
        // The first 100 stay unverified so the credentials bench has work; the checkpoint
        // proves the 900 verified ones and is given all 1,000 proofs (the 100 are skipped).
        let before_checkpoint = state.clone();
        block.number += 1;
        block.timestamp += 12;
        let (_, built2) = sim(pod, |i| 31_000_000_000 + i);
        let t2 = block.timestamp - 12;
        for m in ORACLE {
            run(
                &mut state,
                &block,
                m,
                Action::PostBeaconRoot {
                    timestamp: t2,
                    block_root: built2.block_root,
                },
            );
            run(
                &mut state,
                &block,
                m,
                Action::PostPodBalance {
                    pod,
                    timestamp: t2,
                    balance_wei: U256::ZERO,
                    payouts_executed: 0,
                },
            );
        }
        run(
            &mut state,
            &block,
            OWNER,
            Action::StartCheckpoint {
                pod: None,
                beacon_timestamp: t2,
                revert_if_no_balance: false,
            },
        );
        let checkpoint = Action::VerifyCheckpointProofs {
            pod,
            balance_container_proof: built2.balance_container_proof(),
            proofs: (0..N).map(|i| built2.balance_proof(i).unwrap()).collect(),
        };
        World {
            state,
            before_checkpoint,
            block,
            checkpoint,
            credentials: first_hundred,
        }
    })
}

/// `verifyCheckpointProofs` over 1,000 balance proofs (900 active validators proven, the
/// checkpoint finalised).
#[divan::bench(sample_count = 30)]
fn checkpoint_of_1000_validators(bencher: Bencher) {
    let w = world();
    bencher.bench(|| {
        let mut ex = Exec::new(&w.state, w.block);
        app::dispatch(
            &mut ex,
            Address::repeat_byte(0xCC),
            black_box(&w.checkpoint),
        )
        .unwrap();
        black_box(ex.finish())
    });
}

/// `verifyWithdrawalCredentials` for 100 validators in one action, next to 900 restaked ones.
#[divan::bench(sample_count = 30)]
fn credentials_for_100_validators(bencher: Bencher) {
    let w = world();
    let block = BlockContext {
        number: w.block.number - 1,
        timestamp: w.block.timestamp - 12,
        chain_id: w.block.chain_id,
    };
    bencher.bench(|| {
        let mut ex = Exec::new(&w.before_checkpoint, block);
        app::dispatch(&mut ex, OWNER, black_box(&w.credentials)).unwrap();
        black_box(ex.finish())
    });
}

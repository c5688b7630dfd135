//! A simulated beacon chain for native-restaking tests: validators and balances, turned into a
//! state with real SSZ proofs by `restake_beacon::generate`, and helpers that post its roots
//! through the oracle and drive a pod.

use super::{Chain, ORACLE};
use alloy_primitives::{Address, B256, U256};
use restake_beacon::generate::{BeaconStateBuilder, BuiltState, credentials_for, validator_fields};
use restake_beacon::{FAR_FUTURE_EPOCH, ProofVersion};
use restake_core::Action;
use restake_core::Event;
use restake_core::pods::{PodRead, pod_address};

pub const GWEI_PER_ETH: u64 = 1_000_000_000;

/// Validators (each with its own pod and flags) and balances.
#[derive(Clone)]
pub struct BeaconSim {
    pub version: ProofVersion,
    pub validators: Vec<Vec<B256>>,
    pub balances: Vec<u64>,
}

impl BeaconSim {
    pub fn new() -> Self {
        Self {
            version: ProofVersion::Deneb,
            validators: Vec::new(),
            balances: Vec::new(),
        }
    }

    /// An active validator withdrawing to `pod` with `gwei` effective and actual balance.
    pub fn add_validator(&mut self, pod: Address, gwei: u64) -> u64 {
        let i = self.validators.len() as u64;
        self.validators.push(validator_fields(
            pubkey_hash(i),
            credentials_for(pod, 1),
            gwei,
            false,
            0,
            1,
            FAR_FUTURE_EPOCH,
            FAR_FUTURE_EPOCH,
        ));
        self.balances.push(gwei);
        i
    }

    pub fn set_balance(&mut self, i: u64, gwei: u64) {
        self.balances[i as usize] = gwei;
    }

    /// Sets field `f` of validator `i` to the little-endian `v`.
    pub fn set_field(&mut self, i: u64, f: usize, v: u64) {
        let mut leaf = [0u8; 32];
        leaf[..8].copy_from_slice(&v.to_le_bytes());
        self.validators[i as usize][f] = B256::from(leaf);
    }

    pub fn slash(&mut self, i: u64) {
        self.set_field(i, 3, 1);
    }

    pub fn build(&self) -> BuiltState {
        BeaconStateBuilder {
            version: self.version,
            validators: self.validators.clone(),
            balances_gwei: self.balances.clone(),
        }
        .build()
        .unwrap()
    }
}

/// The pubkey hash the simulator gives validator `i`.
pub fn pubkey_hash(i: u64) -> B256 {
    B256::from(U256::from(i + 0x1000))
}

pub fn gwei(eth: u64) -> u64 {
    eth * GWEI_PER_ETH
}

impl Chain {
    /// A beacon timestamp one slot before the current block.
    pub fn beacon_ts(&self) -> u64 {
        self.block.timestamp - 12
    }

    /// Two of the three oracle members post `root` for `ts`.
    pub fn post_root(&mut self, ts: u64, root: B256) {
        for m in &ORACLE[..2] {
            self.ok(
                *m,
                Action::PostBeaconRoot {
                    timestamp: ts,
                    block_root: root,
                },
            );
        }
    }

    /// Two oracle members report the pod's execution-layer balance at `ts`.
    pub fn post_pod_balance(&mut self, pod: Address, ts: u64, wei: U256, executed: u64) {
        for m in &ORACLE[..2] {
            self.ok(
                *m,
                Action::PostPodBalance {
                    pod,
                    timestamp: ts,
                    balance_wei: wei,
                    payouts_executed: executed,
                },
            );
        }
    }

    pub fn create_pod(&mut self, owner: Address) -> Address {
        self.ok(owner, Action::CreatePod {});
        pod_address(&owner)
    }

    /// The action proving `indices` of `sim` for `pod`'s owner at `ts` (root already posted).
    pub fn credentials_action(
        &self,
        ts: u64,
        sim: &BeaconSim,
        built: &BuiltState,
        indices: &[u64],
    ) -> Action {
        Action::VerifyWithdrawalCredentials {
            pod: None,
            beacon_timestamp: ts,
            state_root_proof: built.state_root_proof(),
            validator_indices: indices.to_vec(),
            validator_fields_proofs: indices
                .iter()
                .map(|i| built.validator_proof(*i).unwrap())
                .collect(),
            validator_fields: indices
                .iter()
                .map(|i| sim.validators[*i as usize].clone())
                .collect(),
        }
    }

    /// Posts the root of `sim` now and verifies `indices` for `owner`'s pod.
    pub fn restake(&mut self, owner: Address, sim: &BeaconSim, indices: &[u64]) -> Vec<Event> {
        let built = sim.build();
        let ts = self.beacon_ts();
        self.post_root(ts, built.block_root);
        let action = self.credentials_action(ts, sim, &built, indices);
        self.ok(owner, action)
    }

    /// A whole checkpoint of `owner`'s pod against `sim` now: the oracle posts the root and the
    /// pod's balance, the owner starts it and anyone proves every listed validator.
    pub fn checkpoint(
        &mut self,
        owner: Address,
        sim: &BeaconSim,
        pod_balance_wei: U256,
        payouts_executed: u64,
        indices: &[u64],
    ) -> Vec<Event> {
        self.advance(1);
        let built = sim.build();
        let ts = self.beacon_ts();
        let pod = pod_address(&owner);
        self.post_root(ts, built.block_root);
        self.post_pod_balance(pod, ts, pod_balance_wei, payouts_executed);
        let mut events = self.ok(
            owner,
            Action::StartCheckpoint {
                pod: None,
                beacon_timestamp: ts,
                revert_if_no_balance: false,
            },
        );
        if !indices.is_empty() {
            events.extend(
                self.ok(
                    Address::repeat_byte(0xCC),
                    Action::VerifyCheckpointProofs {
                        pod,
                        balance_container_proof: built.balance_container_proof(),
                        proofs: indices
                            .iter()
                            .map(|i| built.balance_proof(*i).unwrap())
                            .collect(),
                    },
                ),
            );
        }
        events
    }

    pub fn bcsf(&self, owner: Address) -> u64 {
        self.state.beacon_chain_slashing_factor(&owner).unwrap()
    }

    pub fn pod(&self, owner: Address) -> restake_core::pods::Pod {
        self.state.pod_of(&owner).unwrap().unwrap()
    }
}

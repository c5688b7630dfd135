//! A liquid restaking vault on the test chain: stETH at 1.0 ETH and rETH at 1.1 ETH, two
//! operators (one node delegator each, equal weights), the admin also pauser, manager and
//! treasury.

use super::*;
use restake_core::vault::{
    self, Books, RedeemRequest, Vault, VaultAssetInit, VaultParams, VaultRead,
};

pub const ADMIN: Address = Address::repeat_byte(0x0A);
pub const OP_A: Address = Address::repeat_byte(0x0B);
pub const OP_B: Address = Address::repeat_byte(0x0C);
pub const VAULT_AVS: Address = Address::repeat_byte(0x0D);
pub const LRT: &str = "rsETH";
/// rETH's starting rate: 1.1 ETH per token.
pub const RETH_RATE: u128 = 1_100_000_000_000_000_000;

pub struct VaultChain {
    pub c: Chain,
    pub vault: Address,
    pub lrt: Address,
}

impl VaultChain {
    /// The standard vault with default parameters except `adjust`.
    pub fn new(adjust: impl FnOnce(&mut VaultParams)) -> Self {
        let c = Chain::new();
        let assets = vec![
            VaultAssetInit {
                token: c.token("stETH"),
                rate_wad: WAD,
            },
            VaultAssetInit {
                token: c.token("rETH"),
                rate_wad: U256::from(RETH_RATE),
            },
        ];
        Self::with_assets(c, assets, adjust)
    }

    /// A vault over stETH and native ETH.
    pub fn native(adjust: impl FnOnce(&mut VaultParams)) -> Self {
        let c = Chain::new();
        let assets = vec![
            VaultAssetInit {
                token: c.token("stETH"),
                rate_wad: WAD,
            },
            VaultAssetInit {
                token: restake_primitives::BEACON_CHAIN_ETH_STRATEGY,
                rate_wad: WAD,
            },
        ];
        Self::with_assets(c, assets, adjust)
    }

    pub fn with_assets(
        mut c: Chain,
        assets: Vec<VaultAssetInit>,
        adjust: impl FnOnce(&mut VaultParams),
    ) -> Self {
        let mut params = VaultParams {
            treasury: ADMIN,
            ..VaultParams::default()
        };
        adjust(&mut params);
        let events = c.ok(
            ADMIN,
            Action::CreateVault {
                symbol: LRT.into(),
                assets,
                params: Some(Box::new(params)),
            },
        );
        let (vault, lrt) = events
            .iter()
            .find_map(|e| match e {
                Event::VaultCreated { vault, lrt, .. } => Some((*vault, *lrt)),
                _ => None,
            })
            .unwrap();
        for op in [OP_A, OP_B] {
            c.register_operator(op);
            c.ok(
                ADMIN,
                Action::AddVaultOperator {
                    vault,
                    operator: op,
                    weight_bps: 5_000,
                },
            );
        }
        Self { c, vault, lrt }
    }

    pub fn state(&self) -> Vault {
        self.c.state.vault(&self.vault).unwrap().unwrap()
    }

    pub fn books(&self) -> Books {
        vault::books(&self.c.state, &self.state(), self.c.block.number).unwrap()
    }

    pub fn rate(&self) -> U256 {
        self.books().rate().unwrap()
    }

    pub fn lrt_balance(&self, who: Address) -> U256 {
        restake_core::tokens::TokensRead::balance_of(&self.c.state, &self.lrt, &who).unwrap()
    }

    pub fn delegator(&self, i: usize) -> Address {
        self.state().delegators[i].account
    }

    pub fn deposit_action(&self, symbol: &str, amount: U256) -> Action {
        Action::DepositIntoVault {
            vault: self.vault,
            token: self.c.token(symbol),
            amount,
            min_shares_out: U256::ZERO,
            deadline: 0,
        }
    }

    /// Deposits and returns the shares minted.
    pub fn deposit(&mut self, who: Address, symbol: &str, amount: U256) -> U256 {
        let before = self.lrt_balance(who);
        let a = self.deposit_action(symbol, amount);
        self.c.ok(who, a);
        self.lrt_balance(who) - before
    }

    pub fn request(&mut self, who: Address, shares: U256, symbol: &str) -> u64 {
        let token = self.c.token(symbol);
        let events = self.c.ok(
            who,
            Action::RequestRedeem {
                vault: self.vault,
                shares,
                token,
            },
        );
        events
            .iter()
            .find_map(|e| match e {
                Event::RedeemRequested { request_id, .. } => Some(*request_id),
                _ => None,
            })
            .unwrap()
    }

    pub fn finalize(&mut self, max: u32) -> Vec<Event> {
        let a = Action::FinalizeRedeemRequests {
            vault: self.vault,
            max_requests: max,
        };
        self.c.ok(addr(19), a)
    }

    pub fn claim(&mut self, who: Address, id: u64) -> Vec<Event> {
        let a = Action::ClaimRedeem {
            vault: self.vault,
            request_id: id,
        };
        self.c.ok(who, a)
    }

    pub fn request_of(&self, id: u64) -> RedeemRequest {
        self.c
            .state
            .redeem_request(&self.vault, id)
            .unwrap()
            .unwrap()
    }

    pub fn restake(&mut self, symbol: &str, amount: U256, delegator: Option<u32>) -> Vec<Event> {
        let a = Action::RestakeVaultAssets {
            vault: self.vault,
            token: self.c.token(symbol),
            amount,
            delegator,
        };
        self.c.ok(ADMIN, a)
    }

    /// Queues deposit shares of node delegator `i`; returns the core withdrawal root.
    pub fn queue(&mut self, i: u32, symbol: &str, shares: U256) -> B256 {
        let a = Action::QueueVaultWithdrawal {
            vault: self.vault,
            delegator: i,
            token: self.c.token(symbol),
            deposit_shares: shares,
        };
        queued_roots(&self.c.ok(ADMIN, a))[0]
    }

    pub fn complete(&mut self, root: B256) -> Vec<Event> {
        let a = Action::CompleteVaultWithdrawal {
            vault: self.vault,
            withdrawal_root: root,
        };
        self.c.ok(addr(19), a)
    }

    pub fn set_rate(
        &mut self,
        sender: Address,
        symbol: &str,
        rate: U256,
    ) -> Result<Vec<Event>, Error> {
        let a = Action::UpdateVaultAssetRate {
            vault: self.vault,
            token: self.c.token(symbol),
            rate_wad: rate,
        };
        self.c.exec(sender, a)
    }

    /// Gives `op` a slashable allocation of `magnitude` in set 1 of [`VAULT_AVS`] over stETH and
    /// rETH, effective now.
    pub fn allocate_for_slashing(&mut self, op: Address, magnitude: u64) {
        let sets = restake_core::allocation::AllocationRead::operator_set(
            &self.c.state,
            &restake_primitives::OperatorSet::new(VAULT_AVS, 1),
        )
        .unwrap()
        .is_some();
        if !sets {
            self.c.create_set(VAULT_AVS, 1, &["stETH", "rETH"]);
        }
        self.c.register_for(op, VAULT_AVS, &[1]);
        self.c.allocate(op, VAULT_AVS, 1, "stETH", magnitude);
        self.c.allocate(op, VAULT_AVS, 1, "rETH", magnitude);
        self.c.advance(2);
    }
}

impl VaultChain {
    /// Creates the pod of node delegator `i`; returns its address.
    pub fn create_pod(&mut self, i: u32) -> Address {
        let vault = self.vault;
        self.c.ok(
            ADMIN,
            Action::CreateVaultPod {
                vault,
                delegator: i,
            },
        );
        restake_core::pods::pod_address(&self.delegator(i as usize))
    }

    /// The manager deposits `indices` of `sim` through node delegator `i`, minting for
    /// `recipient`; the oracle posts the root first.
    pub fn deposit_validators_action(
        &mut self,
        i: u32,
        recipient: Address,
        sim: &super::beacon::BeaconSim,
        indices: &[u64],
    ) -> Action {
        let built = sim.build();
        let ts = self.c.beacon_ts();
        self.c.post_root(ts, built.block_root);
        let Action::VerifyWithdrawalCredentials {
            state_root_proof,
            validator_indices,
            validator_fields_proofs,
            validator_fields,
            ..
        } = self.c.credentials_action(ts, sim, &built, indices)
        else {
            unreachable!()
        };
        Action::DepositValidatorsIntoVault {
            vault: self.vault,
            delegator: i,
            recipient,
            min_shares_out: U256::ZERO,
            beacon_timestamp: ts,
            state_root_proof: Box::new(state_root_proof),
            validator_indices,
            validator_fields_proofs,
            validator_fields,
        }
    }

    /// A whole checkpoint of node delegator `i`'s pod against `sim`, started by the manager.
    pub fn checkpoint(
        &mut self,
        i: u32,
        sim: &super::beacon::BeaconSim,
        pod_balance_wei: U256,
        indices: &[u64],
    ) {
        self.c.advance(1);
        let built = sim.build();
        let ts = self.c.beacon_ts();
        let pod = restake_core::pods::pod_address(&self.delegator(i as usize));
        self.c.post_root(ts, built.block_root);
        self.c.post_pod_balance(pod, ts, pod_balance_wei, 0);
        let vault = self.vault;
        self.c.ok(
            ADMIN,
            Action::StartVaultCheckpoint {
                vault,
                delegator: i,
                beacon_timestamp: ts,
            },
        );
        if !indices.is_empty() {
            self.c.ok(
                Address::repeat_byte(0xCC),
                Action::VerifyCheckpointProofs {
                    pod,
                    balance_container_proof: built.balance_container_proof(),
                    proofs: indices
                        .iter()
                        .map(|x| built.balance_proof(*x).unwrap())
                        .collect(),
                },
            );
        }
    }
}

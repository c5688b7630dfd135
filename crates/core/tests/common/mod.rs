//! Shared test harness: a chain in memory with a devnet genesis, named accounts and signing keys.
#![allow(
    dead_code,
    clippy::cast_possible_truncation,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

pub mod beacon;
pub mod vault;

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use restake_core::allocation::{AllocateParams, CreateSetParams, RegistrationPolicy};
use restake_core::app::{self, Genesis, GenesisBalance, GenesisToken};
use restake_core::beacon_oracle::OracleConfig;
use restake_core::config::{Params, Roles};
use restake_core::delegation::QueuedWithdrawalParams;
use restake_core::state::MemoryState;
use restake_core::tokens::token_address;
use restake_core::{Action, BlockContext, Error, Event};
use restake_primitives::WAD;

pub const CHAIN_ID: u64 = 31337;

/// Deterministic test account `n` (not a key-backed account).
pub fn addr(n: u8) -> Address {
    Address::repeat_byte(n)
}

pub const OWNER: Address = Address::repeat_byte(0xA0);
pub const PAUSER: Address = Address::repeat_byte(0xA1);
pub const UNPAUSER: Address = Address::repeat_byte(0xA2);
pub const MINTER: Address = Address::repeat_byte(0xA3);
/// The beacon oracle: three members, two must agree.
pub const ORACLE: [Address; 3] = [
    Address::repeat_byte(0xB1),
    Address::repeat_byte(0xB2),
    Address::repeat_byte(0xB3),
];

/// `x * 1e18`.
pub fn eth(x: u64) -> U256 {
    U256::from(x) * WAD
}

pub fn u(x: u128) -> U256 {
    U256::from(x)
}

/// A signing key backed by libsecp256k1.
pub struct Key(secp256k1::SecretKey);

impl Key {
    pub fn from_seed(seed: u8) -> Self {
        let mut b = [0u8; 32];
        b[31] = seed;
        b[0] = 0x11;
        Self(secp256k1::SecretKey::from_byte_array(b).unwrap())
    }

    pub fn address(&self) -> Address {
        let pk = secp256k1::PublicKey::from_secret_key_global(&self.0);
        let raw = pk.serialize_uncompressed();
        Address::from_slice(&keccak256(&raw[1..])[12..])
    }

    /// 65-byte `r || s || v` with `v` in {27, 28}.
    pub fn sign(&self, digest: B256) -> Bytes {
        let msg = secp256k1::Message::from_digest(digest.0);
        let sig = secp256k1::SECP256K1.sign_ecdsa_recoverable(msg, &self.0);
        let (id, rs) = sig.serialize_compact();
        let mut out = rs.to_vec();
        out.push(u8::try_from(27 + i32::from(id)).unwrap());
        Bytes::from(out)
    }
}

pub const SYMBOLS: [&str; 3] = ["stETH", "rETH", "cbETH"];
/// The "symbol" the helpers take for beacon-chain ETH.
pub const BEACON_ETH: &str = "beaconETH";

/// An in-memory chain with a devnet genesis.
pub struct Chain {
    pub state: MemoryState,
    pub block: BlockContext,
}

impl Chain {
    /// Genesis with stETH, rETH and cbETH pools; accounts 1..=20 and the key-backed accounts of
    /// seeds 1..=8 hold 1,000,000 of each token.
    pub fn new() -> Self {
        Self::with_params(Params::devnet())
    }

    pub fn with_params(params: Params) -> Self {
        let mut holders: Vec<Address> = (1..=20).map(addr).collect();
        holders.extend((1..=8).map(|s| Key::from_seed(s).address()));
        let tokens = SYMBOLS
            .iter()
            .map(|s| GenesisToken {
                symbol: (*s).into(),
                decimals: 18,
                minter: MINTER,
                pool: true,
                balances: holders
                    .iter()
                    .map(|a| GenesisBalance {
                        account: *a,
                        amount: eth(1_000_000),
                    })
                    .collect(),
            })
            .collect();
        let genesis = Genesis {
            validators: Vec::new(),
            params,
            roles: Roles {
                owner: OWNER,
                strategy_whitelister: OWNER,
                pausers: vec![PAUSER],
                unpauser: UNPAUSER,
            },
            tokens,
            beacon_oracle: OracleConfig {
                members: ORACLE.to_vec(),
                quorum: 2,
            },
        };
        let mut state = MemoryState::new();
        let block = BlockContext {
            number: 1,
            timestamp: 1_700_000_000,
            chain_id: CHAIN_ID,
        };
        app::init_genesis(&mut state, &genesis, &block).unwrap();
        Self { state, block }
    }

    pub fn exec(&mut self, sender: Address, action: Action) -> Result<Vec<Event>, Error> {
        app::execute(&mut self.state, &self.block, sender, &action)
    }

    /// Executes and panics with the error if it fails.
    #[track_caller]
    pub fn ok(&mut self, sender: Address, action: Action) -> Vec<Event> {
        let name = action.name();
        match self.exec(sender, action) {
            Ok(e) => e,
            Err(e) => panic!("{name} by {sender} failed: {e}"),
        }
    }

    /// Executes, expects failure, and checks that the state did not change.
    #[track_caller]
    pub fn fails(&mut self, sender: Address, action: Action) -> Error {
        let before = self.state.clone();
        let name = action.name();
        match self.exec(sender, action) {
            Ok(_) => panic!("{name} by {sender} unexpectedly succeeded"),
            Err(e) => {
                assert_eq!(self.state, before, "failed {name} changed the state");
                e
            }
        }
    }

    /// Moves `blocks` blocks ahead (12 s each) through the core's block function, as empty
    /// blocks: every block's begin-block work (rewards distribution at epoch boundaries) runs
    /// exactly as on the node.
    pub fn advance(&mut self, blocks: u32) {
        use restake_core::block::{self, BlockEnv, Mode, NextBlock};
        use restake_core::state::StateWrite;
        let mut parent = self.head();
        for _ in 0..blocks {
            let next = NextBlock {
                timestamp_ms: parent.timestamp_ms + 12_000,
                proposer: Address::ZERO,
                // The harness's chain has no validators, so no block carries a certificate.
                last_commit: None,
            };
            let executed = block::execute(
                &self.state,
                &BlockEnv::after(parent.clone()),
                Mode::Build(&next),
                &[],
            )
            .unwrap();
            self.state.apply(executed.changes.clone());
            parent = executed.seal(B256::ZERO).unwrap().block.header;
        }
        self.block.number = u32::try_from(parent.height).unwrap();
        self.block.timestamp = parent.timestamp_secs();
    }

    /// The current block as a header (the harness keeps no state root: it is zero).
    pub fn head(&self) -> restake_core::block::Header {
        let mut h = restake_core::block::Header::genesis(
            self.block.chain_id,
            self.block.timestamp,
            B256::ZERO,
            B256::ZERO,
        );
        h.height = u64::from(self.block.number);
        h
    }

    /// `action` signed by `key` with the sender's next nonce plus `ahead`.
    pub fn signed(&self, key: &Key, action: Action, ahead: u64) -> restake_core::block::VerifiedTx {
        use restake_core::accounts::AccountsRead;
        let from = key.address();
        let nonce = self.state.nonce(&from).unwrap() + ahead;
        let digest = restake_core::tx::Transaction::signing_hash(from, nonce, &action, CHAIN_ID);
        let tx = restake_core::tx::Transaction {
            from,
            nonce,
            action,
            signature: key.sign(digest),
        };
        restake_core::block::VerifiedTx::check(tx, CHAIN_ID).unwrap()
    }

    pub fn token(&self, symbol: &str) -> Address {
        token_address(symbol)
    }

    /// The strategy of a token symbol; `"beaconETH"` is native restaking's strategy.
    pub fn strategy(&self, symbol: &str) -> Address {
        if symbol == BEACON_ETH {
            return restake_primitives::BEACON_CHAIN_ETH_STRATEGY;
        }
        restake_core::pool::strategy_address(&token_address(symbol))
    }

    pub fn deposit(&mut self, staker: Address, symbol: &str, amount: U256) -> Vec<Event> {
        let a = Action::DepositIntoStrategy {
            strategy: self.strategy(symbol),
            token: self.token(symbol),
            amount,
        };
        self.ok(staker, a)
    }

    pub fn register_operator(&mut self, op: Address) {
        self.ok(
            op,
            Action::RegisterAsOperator {
                delegation_approver: Address::ZERO,
                allocation_delay: 0,
                metadata_uri: "https://op.example/meta.json".into(),
            },
        );
    }

    pub fn delegate(&mut self, staker: Address, op: Address) {
        self.ok(
            staker,
            Action::DelegateTo {
                operator: op,
                approver_signature: None,
                approver_expiry: 0,
                approver_salt: B256::ZERO,
            },
        );
    }

    /// Registers `avs` and creates set `id` over `symbols` (open, burns slashed funds).
    pub fn create_set(&mut self, avs: Address, id: u32, symbols: &[&str]) {
        if restake_core::allocation::AllocationRead::avs_metadata(&self.state, &avs)
            .unwrap()
            .is_none()
        {
            self.ok(
                avs,
                Action::UpdateAvsMetadataUri {
                    avs: None,
                    metadata_uri: "https://avs.example".into(),
                },
            );
        }
        let strategies = symbols.iter().map(|s| self.strategy(s)).collect();
        self.ok(
            avs,
            Action::CreateOperatorSets {
                avs: None,
                params: vec![CreateSetParams {
                    operator_set_id: id,
                    strategies,
                    redistribution_recipient: None,
                    slasher: None,
                    registration_policy: RegistrationPolicy::Open,
                    equivocation_wad_to_slash: None,
                }],
            },
        );
    }

    pub fn register_for(&mut self, op: Address, avs: Address, ids: &[u32]) {
        self.ok(
            op,
            Action::RegisterForOperatorSets {
                operator: None,
                avs,
                operator_set_ids: ids.to_vec(),
                approval: None,
            },
        );
    }

    pub fn allocate(
        &mut self,
        op: Address,
        avs: Address,
        id: u32,
        symbol: &str,
        magnitude: u64,
    ) -> Vec<Event> {
        let strategy = self.strategy(symbol);
        self.ok(
            op,
            Action::ModifyAllocations {
                operator: None,
                params: vec![AllocateParams {
                    avs,
                    operator_set_id: id,
                    strategies: vec![strategy],
                    new_magnitudes: vec![magnitude],
                }],
            },
        )
    }

    pub fn slash(
        &mut self,
        avs: Address,
        op: Address,
        id: u32,
        symbol: &str,
        wad: U256,
    ) -> Vec<Event> {
        let strategy = self.strategy(symbol);
        self.ok(
            avs,
            Action::SlashOperator {
                avs: None,
                operator: op,
                operator_set_id: id,
                strategies: vec![strategy],
                wads_to_slash: vec![wad],
                description: "test slash".into(),
            },
        )
    }

    /// Queues `shares` deposit shares of `symbol`; returns the withdrawal root.
    pub fn queue(&mut self, staker: Address, symbol: &str, shares: U256) -> B256 {
        let strategy = self.strategy(symbol);
        let events = self.ok(
            staker,
            Action::QueueWithdrawals {
                params: vec![QueuedWithdrawalParams {
                    strategies: vec![strategy],
                    deposit_shares: vec![shares],
                }],
            },
        );
        queued_roots(&events)[0]
    }

    pub fn complete(&mut self, staker: Address, root: B256, as_tokens: bool) -> Vec<Event> {
        self.ok(
            staker,
            Action::CompleteQueuedWithdrawal {
                withdrawal_root: root,
                receive_as_tokens: as_tokens,
            },
        )
    }

    pub fn balance(&self, who: Address, symbol: &str) -> U256 {
        restake_core::tokens::TokensRead::balance_of(&self.state, &self.token(symbol), &who)
            .unwrap()
    }

    pub fn deposit_shares(&self, who: Address, symbol: &str) -> U256 {
        restake_core::share_manager::deposit_shares(&self.state, &who, &self.strategy(symbol))
            .unwrap()
    }

    pub fn withdrawable(&self, who: Address, symbol: &str) -> U256 {
        restake_core::delegation::DelegationRead::withdrawable_shares(
            &self.state,
            &who,
            &self.strategy(symbol),
        )
        .unwrap()
    }

    pub fn operator_shares(&self, op: Address, symbol: &str) -> U256 {
        restake_core::delegation::DelegationRead::operator_shares(
            &self.state,
            &op,
            &self.strategy(symbol),
        )
        .unwrap()
    }

    pub fn max_magnitude(&self, op: Address, symbol: &str) -> u64 {
        restake_core::allocation::AllocationRead::max_magnitude(
            &self.state,
            &op,
            &self.strategy(symbol),
        )
        .unwrap()
    }
}

/// Roots of the withdrawals queued in these events, in order.
pub fn queued_roots(events: &[Event]) -> Vec<B256> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::SlashingWithdrawalQueued {
                withdrawal_root, ..
            } => Some(*withdrawal_root),
            _ => None,
        })
        .collect()
}

/// WAD fraction `num / den`.
pub fn wad(num: u64, den: u64) -> U256 {
    WAD * U256::from(num) / U256::from(den)
}

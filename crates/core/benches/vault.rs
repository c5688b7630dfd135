//! The liquid restaking vault at its largest: 8 assets, 16 operators (node delegators), every
//! delegator restaked in every asset with 4 pending core withdrawals each. Measured:
//!
//! - `books`: the one rate function (`A` from the core's state, `S`, the rate) — what every
//!   priced action pays first;
//! - `deposit`, `request`, `instant_exit`: whole actions through `app::dispatch` on an overlay of
//!   the prepared state, dropped after each sample;
//! - `finalize_100`: finalizing the largest batch one call may take (100 requests).
//!
//! Under `cargo test` (no `--bench` argument) each runs once on the same state.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::panic,
    missing_docs
)]

use alloy_primitives::{Address, U256};
use divan::{Bencher, black_box};
use restake_core::app::{self, Genesis, GenesisBalance, GenesisToken};
use restake_core::beacon_oracle::OracleConfig;
use restake_core::config::{Params, Roles};
use restake_core::exec::Exec;
use restake_core::state::MemoryState;
use restake_core::tokens::token_address;
use restake_core::vault::{self, VaultAssetInit, VaultParams, VaultRead};
use restake_core::{Action, BlockContext, Event};
use restake_primitives::WAD;
use std::sync::OnceLock;

const ASSETS: usize = 8;
const OPERATORS: usize = 16;
const QUEUED_PER_DELEGATOR: usize = 4;
const REQUESTS: usize = 100;
const ADMIN: Address = Address::repeat_byte(0xAD);

fn main() {
    divan::main();
}

fn holder(i: usize) -> Address {
    let mut b = [0u8; 20];
    b[0] = 0x10;
    b[18..].copy_from_slice(&(i as u16).to_be_bytes());
    Address::from(b)
}

fn operator(i: usize) -> Address {
    let mut b = [0u8; 20];
    b[0] = 0x20;
    b[19] = i as u8;
    Address::from(b)
}

fn eth(x: u64) -> U256 {
    U256::from(x) * WAD
}

struct World {
    state: MemoryState,
    block: BlockContext,
    vault: Address,
    symbols: Vec<String>,
}

fn run(
    state: &mut MemoryState,
    block: &BlockContext,
    sender: Address,
    action: Action,
) -> Vec<Event> {
    let name = action.name();
    app::execute(state, block, sender, &action).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let symbols: Vec<String> = (0..ASSETS).map(|i| format!("LST{i}")).collect();
        let holders: Vec<Address> = (0..=REQUESTS).map(holder).chain([ADMIN]).collect();
        let genesis = Genesis {
            validators: Vec::new(),
            params: Params::devnet(),
            roles: Roles::default(),
            tokens: symbols
                .iter()
                .map(|s| GenesisToken {
                    symbol: s.clone(),
                    decimals: 18,
                    minter: ADMIN,
                    pool: true,
                    balances: holders
                        .iter()
                        .map(|a| GenesisBalance {
                            account: *a,
                            amount: eth(1_000_000),
                        })
                        .collect(),
                })
                .collect(),
            beacon_oracle: OracleConfig {
                members: vec![ADMIN],
                quorum: 1,
            },
        };
        let mut state = MemoryState::new();
        let mut block = BlockContext {
            number: 1,
            timestamp: 1_700_000_000,
            chain_id: 31337,
        };
        app::init_genesis(&mut state, &genesis, &block).unwrap();
        let events = run(
            &mut state,
            &block,
            ADMIN,
            Action::CreateVault {
                symbol: "benchETH".into(),
                assets: symbols
                    .iter()
                    .map(|s| VaultAssetInit {
                        token: token_address(s),
                        rate_wad: WAD,
                    })
                    .collect(),
                params: Some(Box::new(VaultParams {
                    min_deposit_value: U256::from(1),
                    treasury: ADMIN,
                    buffer_floor_bps: 0,
                    ..VaultParams::default()
                })),
            },
        );
        let vault = events
            .iter()
            .find_map(|e| match e {
                Event::VaultCreated { vault, .. } => Some(*vault),
                _ => None,
            })
            .unwrap();
        for i in 0..OPERATORS {
            run(
                &mut state,
                &block,
                operator(i),
                Action::RegisterAsOperator {
                    delegation_approver: Address::ZERO,
                    allocation_delay: 0,
                    metadata_uri: String::new(),
                },
            );
            run(
                &mut state,
                &block,
                ADMIN,
                Action::AddVaultOperator {
                    vault,
                    operator: operator(i),
                    weight_bps: 1,
                },
            );
        }
        // Every holder deposits every asset; the manager restakes most of it everywhere and
        // queues part back, so the books read 16 × 8 positions and 64 pending withdrawals.
        for h in 0..=REQUESTS {
            for s in &symbols {
                run(
                    &mut state,
                    &block,
                    holder(h),
                    Action::DepositIntoVault {
                        vault,
                        token: token_address(s),
                        amount: eth(100),
                        min_shares_out: U256::ZERO,
                        deadline: 0,
                    },
                );
            }
        }
        for d in 0..OPERATORS {
            for s in &symbols {
                run(
                    &mut state,
                    &block,
                    ADMIN,
                    Action::RestakeVaultAssets {
                        vault,
                        token: token_address(s),
                        amount: eth(400),
                        delegator: Some(d as u32),
                    },
                );
            }
            for q in 0..QUEUED_PER_DELEGATOR {
                run(
                    &mut state,
                    &block,
                    ADMIN,
                    Action::QueueVaultWithdrawal {
                        vault,
                        delegator: d as u32,
                        token: token_address(&symbols[(d + q) % ASSETS]),
                        deposit_shares: eth(10),
                    },
                );
            }
        }
        block.number += 1;
        block.timestamp += 12;
        for h in 0..REQUESTS {
            run(
                &mut state,
                &block,
                holder(h),
                Action::RequestRedeem {
                    vault,
                    shares: eth(1),
                    token: token_address(&symbols[h % ASSETS]),
                },
            );
        }
        let cooldown = state.vault(&vault).unwrap().unwrap().params.cooldown_blocks;
        block.number += cooldown + 1;
        block.timestamp += 12 * u64::from(cooldown + 1);
        World {
            state,
            block,
            vault,
            symbols,
        }
    })
}

fn on_overlay(w: &World, sender: Address, action: &Action) {
    let mut ex = Exec::new(&w.state, w.block);
    app::dispatch(&mut ex, sender, action).unwrap();
    black_box(ex.events().len());
}

#[divan::bench]
fn books(bencher: Bencher) {
    let w = world();
    let v = w.state.vault(&w.vault).unwrap().unwrap();
    let b = vault::books(&w.state, &v, w.block.number).unwrap();
    assert_eq!(b.delegator_values.len(), OPERATORS);
    assert!(
        b.assets
            .iter()
            .all(|h| !h.delegated.is_zero() && !h.queued.is_zero())
    );
    bencher.bench(|| black_box(vault::books(&w.state, &v, w.block.number).unwrap()));
}

#[divan::bench]
fn deposit(bencher: Bencher) {
    let w = world();
    let a = Action::DepositIntoVault {
        vault: w.vault,
        token: token_address(&w.symbols[3]),
        amount: eth(5),
        min_shares_out: U256::ZERO,
        deadline: 0,
    };
    bencher.bench(|| on_overlay(w, holder(REQUESTS), &a));
}

#[divan::bench]
fn request(bencher: Bencher) {
    let w = world();
    let a = Action::RequestRedeem {
        vault: w.vault,
        shares: eth(1),
        token: token_address(&w.symbols[0]),
    };
    bencher.bench(|| on_overlay(w, holder(REQUESTS), &a));
}

#[divan::bench]
fn instant_exit(bencher: Bencher) {
    let w = world();
    let a = Action::InstantRedeem {
        vault: w.vault,
        shares: eth(1),
        token: token_address(&w.symbols[1]),
        min_amount_out: U256::ZERO,
    };
    bencher.bench(|| on_overlay(w, holder(REQUESTS), &a));
}

#[divan::bench]
fn finalize_100(bencher: Bencher) {
    let w = world();
    let a = Action::FinalizeRedeemRequests {
        vault: w.vault,
        max_requests: REQUESTS as u32,
    };
    {
        let mut ex = Exec::new(&w.state, w.block);
        app::dispatch(&mut ex, ADMIN, &a).unwrap();
        let finalized = ex
            .events()
            .iter()
            .filter(|e| matches!(e, Event::RedeemFinalized { .. }))
            .count();
        assert_eq!(finalized, REQUESTS);
    }
    bencher.bench(|| on_overlay(w, ADMIN, &a));
}

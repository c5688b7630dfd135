//! What `restake bench seed` puts in the state: AVSs with operator sets, operators registered for
//! and allocated to them, and stakers who hold tokens, deposited several of them, delegated, and
//! in part queued withdrawals. Every change is made by the core's own action handlers
//! (`app::execute`), run directly on the state without transactions: the state is one the
//! protocol could have reached, only the blocks that would have carried the actions are missing.

use alloy_primitives::{Address, B256, U256, keccak256};
use restake_core::Action;
use restake_core::BlockContext;
use restake_core::allocation::{AllocateParams, CreateSetParams, RegistrationPolicy};
use restake_core::app;
use restake_core::delegation::QueuedWithdrawalParams;
use restake_core::pool::strategy_address;
use restake_core::state::StateWrite;
use restake_core::tokens::token_address;
use restake_node::devnet;

/// Operator sets per AVS.
pub const SETS_PER_AVS: u32 = 2;
/// Strategies each operator set slashes.
const STRATEGIES_PER_SET: usize = 3;
/// Magnitude an operator allocates to each of its sets in each of their strategies: 0.4.
const ALLOCATION: u64 = 400_000_000_000_000_000;
/// `10^18`: one whole token.
const UNIT: u128 = 1_000_000_000_000_000_000;

/// The shape of a seeded state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Stakers.
    pub stakers: u64,
    /// Operators.
    pub operators: u64,
    /// AVSs (each with [`SETS_PER_AVS`] operator sets).
    pub avss: u64,
    /// One staker in this many queues a withdrawal (0: none do).
    pub queue_every: u64,
}

/// An address derived from a label and an index: deterministic, spread over the key space like
/// real addresses, and backed by no key.
pub fn derived(label: &str, i: u64) -> Address {
    let mut seed = label.as_bytes().to_vec();
    seed.extend_from_slice(&i.to_be_bytes());
    Address::from_slice(keccak256(&seed).get(12..).unwrap_or(&[0u8; 20]))
}

/// Staker `i`.
pub fn staker(i: u64) -> Address {
    derived("restake seed staker", i)
}

/// Operator `j`.
pub fn operator(j: u64) -> Address {
    derived("restake seed operator", j)
}

/// AVS `a`.
pub fn avs(a: u64) -> Address {
    derived("restake seed avs", a)
}

/// The devnet token at position `i` (wrapping), and its pool.
fn token(i: u64) -> (Address, Address) {
    let n = devnet::TOKENS.len() as u64;
    let symbol = usize::try_from(i.checked_rem(n).unwrap_or(0))
        .ok()
        .and_then(|k| devnet::TOKENS.get(k))
        .copied()
        .unwrap_or("stETH");
    let t = token_address(symbol);
    (t, strategy_address(&t))
}

/// Operator set `k` overall: AVS `k / SETS_PER_AVS`, id `k % SETS_PER_AVS + 1`.
fn set(k: u64) -> (Address, u32) {
    let per = u64::from(SETS_PER_AVS);
    let id = u32::try_from(k.checked_rem(per).unwrap_or(0)).unwrap_or(0);
    (avs(k.checked_div(per).unwrap_or(0)), id.saturating_add(1))
}

/// The strategies of operator set `k` overall: three consecutive pools, the sets in turn
/// covering all nine.
fn set_strategies(k: u64) -> Vec<Address> {
    let first = k.saturating_mul(STRATEGIES_PER_SET as u64);
    (0..STRATEGIES_PER_SET as u64)
        .map(|s| token(first.saturating_add(s)).1)
        .collect()
}

fn run(
    state: &mut impl StateWrite,
    ctx: &BlockContext,
    sender: Address,
    action: &Action,
) -> Result<(), String> {
    app::execute(state, ctx, sender, action)
        .map(|_| ())
        .map_err(|e| format!("{} by {sender}: {e}", action.name()))
}

impl Shape {
    /// Operator sets in all.
    pub fn sets(&self) -> u64 {
        self.avss.saturating_mul(u64::from(SETS_PER_AVS))
    }

    /// AVSs `range`: each registers its metadata and creates its operator sets.
    pub fn seed_avss(
        &self,
        state: &mut impl StateWrite,
        ctx: &BlockContext,
        range: std::ops::Range<u64>,
    ) -> Result<(), String> {
        for a in range {
            let avs = avs(a);
            let uri = Action::UpdateAvsMetadataUri {
                avs: None,
                metadata_uri: format!("https://avs-{a}.example/metadata.json"),
            };
            run(state, ctx, avs, &uri)?;
            let params = (0..u64::from(SETS_PER_AVS))
                .map(|s| {
                    let k = a.saturating_mul(u64::from(SETS_PER_AVS)).saturating_add(s);
                    CreateSetParams {
                        operator_set_id: set(k).1,
                        strategies: set_strategies(k),
                        redistribution_recipient: None,
                        slasher: None,
                        registration_policy: RegistrationPolicy::Open,
                        equivocation_wad_to_slash: None,
                    }
                })
                .collect();
            let create = Action::CreateOperatorSets { avs: None, params };
            run(state, ctx, avs, &create)?;
        }
        Ok(())
    }

    /// Operators `range`: operator `j` registers (allocation delay 0), joins sets `j` and `j + 1`
    /// (modulo the number of sets) and allocates 0.4 of its magnitude to each in each of their
    /// strategies.
    pub fn seed_operators(
        &self,
        state: &mut impl StateWrite,
        ctx: &BlockContext,
        range: std::ops::Range<u64>,
    ) -> Result<(), String> {
        let sets = self.sets().max(1);
        for j in range {
            let op = operator(j);
            let register = Action::RegisterAsOperator {
                delegation_approver: Address::ZERO,
                allocation_delay: 0,
                metadata_uri: format!("https://operator-{j}.example/metadata.json"),
            };
            run(state, ctx, op, &register)?;
            let mine: Vec<u64> = [j, j.saturating_add(1)]
                .iter()
                .map(|k| k.checked_rem(sets).unwrap_or(0))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            for k in &mine {
                let (avs, id) = set(*k);
                let join = Action::RegisterForOperatorSets {
                    operator: None,
                    avs,
                    operator_set_ids: vec![id],
                    approval: None,
                };
                run(state, ctx, op, &join)?;
            }
            let params = mine
                .iter()
                .map(|k| {
                    let (avs, id) = set(*k);
                    let strategies = set_strategies(*k);
                    AllocateParams {
                        avs,
                        operator_set_id: id,
                        new_magnitudes: vec![ALLOCATION; strategies.len()],
                        strategies,
                    }
                })
                .collect();
            let allocate = Action::ModifyAllocations {
                operator: None,
                params,
            };
            run(state, ctx, op, &allocate)?;
        }
        Ok(())
    }

    /// Stakers `range`. Staker `i` is minted 1 to 3 of the nine tokens (by the devnet's minter,
    /// development account 0) and deposits them into their pools, keeping a balance of its first
    /// token when `i` is a multiple of 4; it delegates to operator `i % operators`; one in
    /// `queue_every` then queues a withdrawal of a quarter of its first deposit.
    pub fn seed_stakers(
        &self,
        state: &mut impl StateWrite,
        ctx: &BlockContext,
        range: std::ops::Range<u64>,
    ) -> Result<(), String> {
        let (minter, _) = devnet::DEV_ACCOUNTS[0];
        for i in range {
            let who = staker(i);
            let held = i.checked_rem(3).unwrap_or(0).saturating_add(1);
            let amount = U256::from(UNIT)
                .saturating_mul(U256::from(i.checked_rem(97).unwrap_or(0).saturating_add(1)));
            let mut first = None;
            for t in 0..held {
                let (token, strategy) = token(i.saturating_add(t.saturating_mul(3)));
                let keeps = t == 0 && i.checked_rem(4) == Some(0);
                let minted = if keeps {
                    amount.saturating_add(amount)
                } else {
                    amount
                };
                let mint = Action::Mint {
                    token,
                    to: who,
                    amount: minted,
                };
                run(state, ctx, minter, &mint)?;
                let deposit = Action::DepositIntoStrategy {
                    strategy,
                    token,
                    amount,
                };
                run(state, ctx, who, &deposit)?;
                first.get_or_insert(strategy);
            }
            if self.operators > 0 {
                let delegate = Action::DelegateTo {
                    operator: operator(i.checked_rem(self.operators).unwrap_or(0)),
                    approver_signature: None,
                    approver_expiry: 0,
                    approver_salt: B256::ZERO,
                };
                run(state, ctx, who, &delegate)?;
            }
            let queues = self.queue_every > 0 && i.checked_rem(self.queue_every) == Some(0);
            if let (true, Some(strategy)) = (queues, first) {
                let queue = Action::QueueWithdrawals {
                    params: vec![QueuedWithdrawalParams {
                        strategies: vec![strategy],
                        deposit_shares: vec![amount.checked_div(U256::from(4)).unwrap_or_default()],
                    }],
                };
                run(state, ctx, who, &queue)?;
            }
        }
        Ok(())
    }
}

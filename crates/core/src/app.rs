//! The application: genesis, and `execute`, which runs one action all-or-nothing.
//!
//! `execute` runs the action on an [`Overlay`](crate::state::Overlay) over the state and applies
//! the overlay only on success, so a failed action leaves the state exactly as it was (nonces
//! and fees are the transaction layer's business, outside this crate).

use crate::action::Action;
use crate::beacon_oracle::{self, OracleConfig};
use crate::config::{ConfigRead, ConfigWrite, Params, Roles};
use crate::context::BlockContext;
use crate::error::Error;
use crate::event::Event;
use crate::exec::Exec;
use crate::rewards;
use crate::state::StateWrite;
use crate::strategy_manager as sm;
use crate::tokens;
use crate::validators::{self, GenesisValidator};
use alloy_primitives::{Address, U256};
use serde::{Deserialize, Serialize};

/// Runs `action` from `sender` in `block`. On success the state changes and the events are
/// returned; on failure nothing changes.
pub fn execute<S: StateWrite>(
    state: &mut S,
    block: &BlockContext,
    sender: Address,
    action: &Action,
) -> Result<Vec<Event>, Error> {
    let (changes, events) = {
        let mut ex = Exec::new(&*state, *block);
        dispatch(&mut ex, sender, action)?;
        ex.finish()
    };
    state.apply(changes);
    Ok(events)
}

/// Work the protocol does at the start of every block, before its transactions: distributing
/// the rewards of an epoch that just ended. All or nothing; an error means the block is invalid.
pub fn begin_block<S: StateWrite>(state: &mut S, block: &BlockContext) -> Result<(), Error> {
    let (changes, _) = {
        let mut ex = Exec::new(&*state, *block);
        rewards::begin_block(&mut ex)?;
        validators::begin_block(&mut ex)?;
        ex.finish()
    };
    state.apply(changes);
    Ok(())
}

/// Routes an action to its handler (declared with the action in [`crate::action`]).
pub fn dispatch(ex: &mut Exec<'_>, sender: Address, action: &Action) -> Result<(), Error> {
    action.dispatch(ex, sender)
}

/// A token created at genesis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenesisToken {
    /// Ticker.
    pub symbol: String,
    /// Display decimals.
    #[serde(default = "eighteen")]
    pub decimals: u8,
    /// Who may mint and burn it.
    pub minter: Address,
    /// Create a whitelisted pool for it.
    #[serde(default = "yes")]
    pub pool: bool,
    /// Initial balances.
    #[serde(default)]
    pub balances: Vec<GenesisBalance>,
}

fn eighteen() -> u8 {
    18
}

fn yes() -> bool {
    true
}

/// An initial balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenesisBalance {
    /// Holder.
    pub account: Address,
    /// Amount in the token's smallest unit (decimal string).
    #[serde(with = "restake_primitives::decimal::u256")]
    pub amount: U256,
}

/// The initial state of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Genesis {
    /// Delays (defaults: mainnet values).
    #[serde(default)]
    pub params: Params,
    /// Governance roles.
    pub roles: Roles,
    /// Tokens, their pools and balances.
    #[serde(default)]
    pub tokens: Vec<GenesisToken>,
    /// The beacon oracle: who reports beacon roots and pod balances, and how many must agree
    /// (default: none, so native restaking has no roots to prove against).
    #[serde(default)]
    pub beacon_oracle: OracleConfig,
    /// The validators that decide the first blocks (empty: a chain without consensus, which no
    /// node runs; the core's tests use it).
    #[serde(default)]
    pub validators: Vec<GenesisValidator>,
}

/// Writes the genesis state. Fails, changing nothing, if anything in it is invalid.
pub fn init_genesis<S: StateWrite>(
    state: &mut S,
    genesis: &Genesis,
    block: &BlockContext,
) -> Result<Vec<Event>, Error> {
    let (changes, events) = {
        let mut ex = Exec::new(&*state, *block);
        if ex.state.get_raw(b"cfg/params")?.is_some() {
            return Err(Error::Genesis("state is already initialised".into()));
        }
        ex.state.set_params(&genesis.params);
        ex.state.set_roles(&genesis.roles);
        beacon_oracle::init(&mut ex.state, &genesis.beacon_oracle)?;
        validators::init(&mut ex.state, &genesis.validators)?;
        for t in &genesis.tokens {
            let token = tokens::register(&mut ex, &t.symbol, t.decimals, t.minter)?;
            for b in &t.balances {
                tokens::genesis_mint(&mut ex, token, b.account, b.amount)?;
            }
            if t.pool {
                let strategy = crate::pool::create(&mut ex, token)?;
                let whitelister = ex.state.roles()?.strategy_whitelister;
                sm::add_to_whitelist(&mut ex, whitelister, &[strategy])?;
            }
        }
        ex.finish()
    };
    state.apply(changes);
    Ok(events)
}

use crate::state::StateRead;

//! Operator tables: for an operator set, the list of (operator, key, weight) that certificates
//! count, committed in the state by its Merkle root (`restake_certificate::table`).
//!
//! - The AVS chooses how weight is computed ([`TableCalculator`], `setOperatorTableCalculator`):
//!   from **slashable** stake (each strategy's allocated stake that stays slashable through the
//!   table's lookahead, half the deallocation delay: a task's longest deadline) or from
//!   **delegated** stake (the operator's shares), times integer per-strategy multipliers, capped
//!   per operator if the AVS wants. Exact integers, no rounding beyond the stake's own.
//! - A table is committed at a reference height by `updateOperatorTable` (anyone) or when a task
//!   is created: its header ([`OperatorTable`]: root, count, total weight, BLS aggregate key) and
//!   its entries are kept for every reference height (`tbl/at/`, `tbl/entry/`), so a task's fee is
//!   paid from its own table and any table can be proven against a later state root.
//! - An entry is in the table when the operator is a registered member of the set, has a key in
//!   it, and weighs more than zero; entries go by ascending operator address.

use crate::state::{StateError, StateRead, key};
use alloy_primitives::{Address, U256};
use borsh::{BorshDeserialize, BorshSerialize};
use restake_primitives::OperatorSet;
use serde::{Deserialize, Serialize};

mod compute;
mod error;

pub use compute::{
    commit_table, compute_entries, set_operator_table_calculator, update_operator_table,
};
pub use error::TablesError;
pub use restake_certificate::{OperatorTable, TableEntry};

const CALCULATOR: &[u8] = b"tbl/calc/";
const LATEST: &[u8] = b"tbl/head/";
const AT: &[u8] = b"tbl/at/";
const ENTRY: &[u8] = b"tbl/entry/";

/// What a table's weights are computed from.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Weighting {
    /// Allocated stake the set can slash through the lookahead (the default).
    #[default]
    Slashable,
    /// Shares delegated to the operator, whether allocated or not.
    Delegated,
}

impl Weighting {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Slashable => "slashable",
            Self::Delegated => "delegated",
        }
    }
}

/// How a set's table weighs operators.
#[derive(
    Debug, Clone, PartialEq, Eq, Default, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct TableCalculator {
    /// Slashable or delegated stake.
    pub weighting: Weighting,
    /// Per-strategy integer multipliers (a strategy not listed counts once).
    pub multipliers: Vec<(Address, U256)>,
    /// The most one operator may weigh; zero for no cap.
    #[serde(with = "restake_primitives::decimal::u256")]
    pub operator_cap: U256,
}

impl TableCalculator {
    /// The multiplier of `strategy`.
    pub fn multiplier(&self, strategy: &Address) -> U256 {
        self.multipliers
            .iter()
            .find(|(s, _)| s == strategy)
            .map_or(U256::from(1), |(_, m)| *m)
    }
}

fn set_key(prefix: &[u8], set: &OperatorSet) -> Vec<u8> {
    key(prefix, &[set.key().as_slice()])
}

fn at_key(set: &OperatorSet, height: u64) -> Vec<u8> {
    key(AT, &[set.key().as_slice(), &height.to_be_bytes()])
}

/// The state key of entry `index` of the set's table of reference height `height` (for
/// `restake_getProof`).
pub fn entry_key(set: &OperatorSet, height: u64, index: u32) -> Vec<u8> {
    key(
        ENTRY,
        &[
            set.key().as_slice(),
            &height.to_be_bytes(),
            &index.to_be_bytes(),
        ],
    )
}

/// The state key of the table committed for `set` at `height`.
pub fn table_key_at(set: &OperatorSet, height: u64) -> Vec<u8> {
    at_key(set, height)
}

/// Typed reads of operator tables.
pub trait TablesRead: StateRead {
    /// The set's calculator (the default if the AVS never chose one).
    fn table_calculator(&self, set: &OperatorSet) -> Result<TableCalculator, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(&set_key(CALCULATOR, set))?.unwrap_or_default())
    }

    /// The set's latest table.
    fn operator_table(&self, set: &OperatorSet) -> Result<Option<OperatorTable>, StateError>
    where
        Self: Sized,
    {
        self.get(&set_key(LATEST, set))
    }

    /// The table in force at `height`: the latest committed at or before it.
    fn operator_table_at(
        &self,
        set: &OperatorSet,
        height: u64,
    ) -> Result<Option<OperatorTable>, StateError>
    where
        Self: Sized,
    {
        let prefix = set_key(AT, set);
        match self.last_at_or_before(&prefix, &at_key(set, height))? {
            Some((k, v)) => crate::state::decode(&k, &v).map(Some),
            None => Ok(None),
        }
    }

    /// The table committed exactly at `height`, if one was.
    fn operator_table_of_height(
        &self,
        set: &OperatorSet,
        height: u64,
    ) -> Result<Option<OperatorTable>, StateError>
    where
        Self: Sized,
    {
        self.get(&at_key(set, height))
    }

    /// Entry `index` of the set's table of reference height `height`.
    fn table_entry(
        &self,
        set: &OperatorSet,
        height: u64,
        index: u32,
    ) -> Result<Option<TableEntry>, StateError>
    where
        Self: Sized,
    {
        self.get(&entry_key(set, height, index))
    }

    /// Every entry of the set's table of reference height `height`, by index.
    fn table_entries(&self, set: &OperatorSet, height: u64) -> Result<Vec<TableEntry>, StateError>
    where
        Self: Sized,
    {
        let prefix = key(ENTRY, &[set.key().as_slice(), &height.to_be_bytes()]);
        self.scan_prefix(&prefix)?
            .into_iter()
            .map(|(k, v)| crate::state::decode(&k, &v))
            .collect()
    }
}
impl<T: StateRead + ?Sized> TablesRead for T {}

//! Synthetic heights: large states written into a node's store quickly, for benchmarks.
//!
//! Each height is an *empty* block with a correct header — parent hash, height, a timestamp that
//! respects the chain's `minBlockIntervalMs`, the roots of an empty body, the state root the store
//! computes — whose state changes are the block's begin-block work (run by the core's block
//! function, as on the node) followed by whatever the caller executes directly on the state,
//! without transactions, signatures or nonces. The node opens such a store and continues the
//! chain from its head.
//!
//! The changes of a synthetic height cannot be replayed from its block (the block is empty): a
//! store written this way is benchmark data, never a chain anyone should sync from.
//!
//! Also compiled into the node benchmarks (`benches/slash_node.rs`), so it only uses the
//! libraries' public API.

use restake_core::BlockContext;
use restake_core::block::{self, BlockEnv, Certificate, Header, Mode, NextBlock, encoding};
use restake_core::state::{Overlay, StateRead, StateWrite};
use restake_node::clock;
use restake_node::devnet;
use restake_store::{BlockRecord, StateView, Store};
use std::collections::BTreeMap;
use std::time::Duration;

/// Writes synthetic heights on top of a store's head.
pub struct Heights {
    store: Store,
    parent: Header,
    /// The parent's certificate, signed with the devnet validator key (the seeded chain is the
    /// devnet's, which `restake dev` then continues).
    last_commit: Option<Certificate>,
    step_ms: u64,
    keys: u64,
    by_component: BTreeMap<String, u64>,
}

/// What one synthetic height wrote.
#[derive(Debug, Clone)]
pub struct Written {
    /// The committed header.
    pub header: Header,
    /// State keys written (set or deleted).
    pub changed: usize,
    /// State keys after the height.
    pub keys: u64,
    /// Time spent executing (begin-block work and the caller's changes) and counting keys.
    pub execute: Duration,
    /// Time spent computing the tree update ([`Store::prepare`]).
    pub prepare: Duration,
    /// Time spent writing ([`Store::commit`]).
    pub commit: Duration,
}

/// The component a state key belongs to: its text up to the second `/` (`tok/bal/`,
/// `dm/deleg/`), or up to the first for single-level prefixes (`cfg/`).
pub fn component(key: &[u8]) -> String {
    let mut slashes = key
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'/')
        .map(|(i, _)| i);
    let first = slashes.next();
    let end = match (first, slashes.next()) {
        (_, Some(second)) if key.get(..second).is_some_and(|p| p.is_ascii()) => second,
        (Some(first), _) => first,
        (None, _) => key.len().min(4),
    };
    let end = end.saturating_add(1).min(key.len());
    String::from_utf8_lossy(key.get(..end).unwrap_or_default()).into_owned()
}

/// The number of keys in `view` by component (see [`component`]), by one scan per leading
/// byte (each scan holds one byte's keys in memory: for small and fresh states).
pub fn count_keys(view: &StateView) -> Result<BTreeMap<String, u64>, String> {
    let mut counts = BTreeMap::new();
    for first in 0..=u8::MAX {
        for (k, _) in view.scan_prefix(&[first]).map_err(|e| e.to_string())? {
            let n: &mut u64 = counts.entry(component(&k)).or_default();
            *n = n.saturating_add(1);
        }
    }
    Ok(counts)
}

impl Heights {
    /// Continues the chain in `store` (genesis at least must be committed), with blocks `step_ms`
    /// apart (raised to the chain's minimum interval). Counts the state's keys once, by scanning
    /// it: meant for a store that holds little more than its genesis.
    pub fn open(store: Store, step_ms: u64) -> Result<Self, String> {
        let height = store
            .height()
            .map_err(|e| e.to_string())?
            .ok_or("the store has no genesis")?;
        let bytes = store
            .block(height)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("block {height} is missing"))?;
        let parent = block::Block::from_bytes(&bytes, usize::MAX)
            .map_err(|e| e.to_string())?
            .header;
        let by_component = count_keys(&store.state().map_err(|e| e.to_string())?)?;
        let last_commit =
            restake_node::chain::read_certificate(&store, height).map_err(|e| e.to_string())?;
        Ok(Self {
            store,
            parent,
            last_commit,
            step_ms,
            keys: by_component.values().sum(),
            by_component,
        })
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The last committed header.
    pub fn head(&self) -> &Header {
        &self.parent
    }

    /// State keys at the head.
    pub fn keys(&self) -> u64 {
        self.keys
    }

    /// State keys at the head by component (see [`component`]).
    pub fn keys_by_component(&self) -> &BTreeMap<String, u64> {
        &self.by_component
    }

    /// Commits the next height: its begin-block work, then `fill`'s changes, made directly on the
    /// state in the height's context, in one durable write with an empty block.
    pub fn commit<F>(&mut self, fill: F) -> Result<Written, String>
    where
        F: FnOnce(&mut Overlay<'_, StateView>, &BlockContext) -> Result<(), String>,
    {
        let started = clock::now();
        let view = self.store.state().map_err(|e| e.to_string())?;
        let key = devnet::validator_key();
        let next = NextBlock {
            timestamp_ms: self.parent.timestamp_ms.saturating_add(self.step_ms),
            proposer: key.public().address(),
            last_commit: self.last_commit.take(),
        };
        let env = BlockEnv::after(self.parent.clone());
        let mut executed =
            block::execute(&view, &env, Mode::Build(&next), &[]).map_err(|e| e.to_string())?;
        let ctx = executed.header.context().map_err(|e| e.to_string())?;
        let mut overlay = Overlay::new(&view);
        overlay.apply(std::mem::take(&mut executed.changes));
        fill(&mut overlay, &ctx)?;
        let changes = overlay.into_changes();
        let mut added = 0u64;
        let mut removed = 0u64;
        for (key, value) in &changes {
            let existed = view.get_raw(key).map_err(|e| e.to_string())?.is_some();
            let delta = match (existed, value.is_some()) {
                (false, true) => {
                    added = added.saturating_add(1);
                    true
                }
                (true, false) => {
                    removed = removed.saturating_add(1);
                    false
                }
                _ => continue,
            };
            let n: &mut u64 = self.by_component.entry(component(key)).or_default();
            *n = if delta {
                n.saturating_add(1)
            } else {
                n.saturating_sub(1)
            };
        }
        drop(view);
        let execute = started.elapsed();
        let height = executed.header.height;
        let prepared = self
            .store
            .prepare(height, &changes)
            .map_err(|e| e.to_string())?;
        let prepare = started.elapsed().saturating_sub(execute);
        let changed = changes.len();
        drop(changes);
        let sealed = executed
            .seal(prepared.state_root)
            .map_err(|e| e.to_string())?;
        let chain_id = sealed.block.header.chain_id;
        let certificate = Certificate::sign(chain_id, height, 0, sealed.hash, &[&key]);
        let record = BlockRecord {
            height,
            hash: sealed.hash,
            bytes: sealed.block.to_bytes(),
            receipts: Vec::new(),
            certificate: encoding::to_bytes(&certificate),
            parent_certificate: sealed.block.last_commit.as_ref().map(encoding::to_bytes),
        };
        self.store
            .commit(prepared, record)
            .map_err(|e| e.to_string())?;
        let commit = started
            .elapsed()
            .saturating_sub(execute)
            .saturating_sub(prepare);
        self.keys = self.keys.saturating_add(added).saturating_sub(removed);
        self.parent = sealed.block.header;
        self.last_commit = Some(certificate);
        Ok(Written {
            header: self.parent.clone(),
            changed,
            keys: self.keys,
            execute,
            prepare,
            commit,
        })
    }
}

//! The beacon oracle: how the ledger learns facts of Ethereum it cannot see itself.
//!
//! A genesis-configured set of oracle accounts reports two kinds of fact, each for a beacon
//! timestamp (seconds):
//! - the **beacon block root** EIP-4788 returns for that timestamp (the parent root of the block at
//!   that time), which every beacon proof is checked against;
//! - a **pod's execution-layer balance** at that timestamp, and how many of the pod's payout
//!   instructions had been carried out by then (checkpoints credit ETH that reached the pod).
//!
//! A value is accepted once `quorum` distinct members have reported the same value for the same
//! fact; the first accepted value is final. Reports are never silently dropped: a member whose
//! report differs from an earlier report of another member (before acceptance) or from the accepted
//! value (after) is recorded in an `OracleConflictReported` event, and its report is not counted.
//! A member reporting twice for the same fact is refused. The trust model is in `docs/oracle.md`.

use crate::error::Error;
use crate::event::Event;
use crate::exec::Exec;
use crate::state::{StateError, StateRead, StateWrite, key};
use alloy_primitives::{Address, B256, U256, keccak256};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// EIP-4788 keeps roots for this many seconds (8191 slots of 12 s); proofs against older roots
/// are refused, as on Ethereum.
pub const ROOT_WINDOW_SECONDS: u64 = 8191 * 12;

/// Who reports and how many must agree; fixed at genesis.
#[derive(
    Debug, Clone, PartialEq, Eq, Default, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OracleConfig {
    /// The oracle accounts.
    pub members: Vec<Address>,
    /// Matching reports needed to accept a value (1 ≤ quorum ≤ members).
    pub quorum: u32,
}

impl OracleConfig {
    /// Checks the configuration: distinct non-zero members and `1 <= quorum <= members` (an empty
    /// set with quorum 0 means "no oracle": every report is refused).
    pub fn validate(&self) -> Result<(), String> {
        if self.members.is_empty() && self.quorum == 0 {
            return Ok(());
        }
        let mut sorted = self.members.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() != self.members.len() {
            return Err("oracle members must be distinct".into());
        }
        if sorted.iter().any(|a| a.is_zero()) {
            return Err("an oracle member is the zero address".into());
        }
        let n = u32::try_from(self.members.len()).map_err(|_| "too many oracle members")?;
        if self.quorum == 0 || self.quorum > n {
            return Err(format!("oracle quorum {} must be 1 to {n}", self.quorum));
        }
        Ok(())
    }
}

/// A pod's execution-layer facts at a beacon timestamp.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct PodBalance {
    /// The pod address's ETH balance, in wei.
    #[serde(with = "restake_primitives::decimal::u256")]
    pub balance_wei: U256,
    /// How many of the pod's payout instructions had been carried out (ETH sent from the pod).
    pub payouts_executed: u64,
}

/// Oracle failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OracleError {
    /// The sender is not an oracle member.
    #[error("{0} is not an oracle member")]
    NotOracleMember(Address),
    /// The member already reported this fact.
    #[error("{member} already reported for timestamp {timestamp}")]
    AlreadyReported {
        /// Member.
        member: Address,
        /// Beacon timestamp.
        timestamp: u64,
    },
    /// A zero root or timestamp is never a fact.
    #[error("a beacon root report needs a non-zero timestamp and root")]
    EmptyReport,
    /// No accepted root for the timestamp.
    #[error("no beacon block root is accepted for timestamp {0}")]
    RootNotAccepted(u64),
    /// No accepted balance of the pod for the timestamp.
    #[error("no execution-layer balance of pod {pod} is accepted for timestamp {timestamp}")]
    PodBalanceNotAccepted {
        /// Pod.
        pod: Address,
        /// Beacon timestamp.
        timestamp: u64,
    },
    /// The root is older than EIP-4788 keeps roots, or from the future.
    #[error("beacon timestamp {timestamp} is outside the root window at block time {now}")]
    TimestampOutOfRange {
        /// Beacon timestamp.
        timestamp: u64,
        /// Block timestamp.
        now: u64,
    },
}

const CONFIG: &[u8] = b"orc/cfg";
const ROOT: &[u8] = b"orc/root/";
const POD: &[u8] = b"orc/pod/";
const VOTE: &[u8] = b"orc/vote/";
const TALLY: &[u8] = b"orc/tally/";

/// What a report is about.
enum Fact {
    Root(u64),
    Pod(Address, u64),
}

impl Fact {
    fn id(&self) -> Vec<u8> {
        match self {
            Self::Root(ts) => key(b"r", &[&ts.to_be_bytes()]),
            Self::Pod(pod, ts) => key(b"p", &[pod.as_slice(), &ts.to_be_bytes()]),
        }
    }

    fn accepted_key(&self) -> Vec<u8> {
        match self {
            Self::Root(ts) => key(ROOT, &[&ts.to_be_bytes()]),
            Self::Pod(pod, ts) => key(POD, &[pod.as_slice(), &ts.to_be_bytes()]),
        }
    }

    fn timestamp(&self) -> u64 {
        match self {
            Self::Root(ts) | Self::Pod(_, ts) => *ts,
        }
    }
}

/// Typed reads of the oracle.
pub trait OracleRead: StateRead {
    /// The oracle configuration.
    fn oracle_config(&self) -> Result<OracleConfig, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(CONFIG)?.unwrap_or_default())
    }

    /// The accepted beacon block root for `timestamp`.
    fn beacon_root(&self, timestamp: u64) -> Result<Option<B256>, StateError>
    where
        Self: Sized,
    {
        self.get(&Fact::Root(timestamp).accepted_key())
    }

    /// The accepted execution-layer balance of `pod` at `timestamp`.
    fn pod_balance(&self, pod: &Address, timestamp: u64) -> Result<Option<PodBalance>, StateError>
    where
        Self: Sized,
    {
        self.get(&Fact::Pod(*pod, timestamp).accepted_key())
    }

    /// The latest timestamp with an accepted root, if any.
    fn latest_beacon_root(&self) -> Result<Option<(u64, B256)>, StateError>
    where
        Self: Sized,
    {
        let upper = key(ROOT, &[&u64::MAX.to_be_bytes()]);
        match self.last_at_or_before(ROOT, &upper)? {
            None => Ok(None),
            Some((k, v)) => {
                let ts = k
                    .get(ROOT.len()..)
                    .and_then(|b| <[u8; 8]>::try_from(b).ok())
                    .map(u64::from_be_bytes)
                    .ok_or_else(|| corrupt(&k))?;
                let root: B256 = borsh::from_slice(&v).map_err(|_| corrupt(&k))?;
                Ok(Some((ts, root)))
            }
        }
    }
}
impl<T: StateRead + ?Sized> OracleRead for T {}

/// Writes the configuration at genesis.
pub(crate) fn init<S: StateWrite>(state: &mut S, config: &OracleConfig) -> Result<(), Error> {
    config.validate().map_err(Error::Genesis)?;
    state.put(CONFIG.to_vec(), config);
    Ok(())
}

/// The accepted root for `timestamp`, which must be inside the EIP-4788 window at the current block.
pub(crate) fn require_root(ex: &Exec<'_>, timestamp: u64) -> Result<B256, Error> {
    let now = ex.block.timestamp;
    if timestamp > now || now.saturating_sub(timestamp) >= ROOT_WINDOW_SECONDS {
        return Err(OracleError::TimestampOutOfRange { timestamp, now }.into());
    }
    ex.state
        .beacon_root(timestamp)?
        .ok_or_else(|| OracleError::RootNotAccepted(timestamp).into())
}

/// The accepted balance of `pod` at `timestamp`.
pub(crate) fn require_pod_balance(
    ex: &Exec<'_>,
    pod: &Address,
    timestamp: u64,
) -> Result<PodBalance, Error> {
    ex.state.pod_balance(pod, timestamp)?.ok_or_else(|| {
        OracleError::PodBalanceNotAccepted {
            pod: *pod,
            timestamp,
        }
        .into()
    })
}

/// `postBeaconRoot` action: an oracle member reports the beacon block root for a timestamp.
///
/// Rules:
/// 1. The sender is an oracle member; timestamp and root are non-zero.
/// 2. A member reports a fact once (`AlreadyReported`).
/// 3. If a root is already accepted for the timestamp: a different root is recorded as a conflict
///    (`OracleConflictReported`) and not counted; the same root is a late confirmation.
/// 4. Otherwise the report counts for its root; a report that differs from another member's
///    pending report is also recorded as a conflict. The first root to reach the quorum is
///    accepted (`BeaconRootAccepted`) and final.
pub fn post_beacon_root(
    ex: &mut Exec<'_>,
    sender: Address,
    timestamp: u64,
    block_root: B256,
) -> Result<(), Error> {
    if timestamp == 0 || block_root.is_zero() {
        return Err(OracleError::EmptyReport.into());
    }
    if vote(ex, sender, &Fact::Root(timestamp), block_root.as_slice())? {
        ex.emit(Event::BeaconRootAccepted {
            timestamp,
            block_root,
        });
    }
    Ok(())
}

/// `postPodBalance` action: an oracle member reports a pod's execution-layer balance.
///
/// Rules: as `postBeaconRoot`, for the fact "(pod, timestamp)" and the value
/// `(balanceWei, payoutsExecuted)`; acceptance emits `PodBalanceAccepted`.
pub fn post_pod_balance(
    ex: &mut Exec<'_>,
    sender: Address,
    pod: Address,
    timestamp: u64,
    balance: PodBalance,
) -> Result<(), Error> {
    if timestamp == 0 || pod.is_zero() {
        return Err(OracleError::EmptyReport.into());
    }
    let value = borsh::to_vec(&balance).map_err(|e| StateError::Backend(e.to_string()))?;
    if vote(ex, sender, &Fact::Pod(pod, timestamp), &value)? {
        ex.emit(Event::PodBalanceAccepted {
            pod,
            timestamp,
            balance_wei: balance.balance_wei,
            payouts_executed: balance.payouts_executed,
        });
    }
    Ok(())
}

/// Counts one member's report (`value` is the fact's borsh-encoded value). Returns whether this
/// report made the value accepted.
fn vote(ex: &mut Exec<'_>, sender: Address, fact: &Fact, value: &[u8]) -> Result<bool, Error> {
    let config = ex.state.oracle_config()?;
    if !config.members.contains(&sender) {
        return Err(OracleError::NotOracleMember(sender).into());
    }
    let id = fact.id();
    let value_hash = keccak256(value);
    let my_vote = key(VOTE, &[&id, sender.as_slice()]);
    if ex.state.contains(&my_vote)? {
        return Err(OracleError::AlreadyReported {
            member: sender,
            timestamp: fact.timestamp(),
        }
        .into());
    }
    ex.state.put(my_vote, &value_hash);
    let accepted_key = fact.accepted_key();
    if let Some(accepted) = ex.state.get_raw(&accepted_key)? {
        if keccak256(&accepted) != value_hash {
            ex.emit(conflict(fact, sender, keccak256(&accepted), value_hash));
        }
        return Ok(false);
    }
    // Pending tallies of this fact: one per distinct value reported so far.
    let tally_prefix = key(TALLY, &[&id]);
    let mut count = 0u32;
    for (k, v) in ex.state.scan_prefix(&tally_prefix)? {
        let other = B256::from_slice(k.get(tally_prefix.len()..).unwrap_or(&[0u8; 32]));
        if other == value_hash {
            count = borsh::from_slice(&v).map_err(|_| corrupt(&k))?;
        } else {
            ex.emit(conflict(fact, sender, other, value_hash));
        }
    }
    count = count.saturating_add(1);
    if count >= config.quorum {
        for (k, _) in ex.state.scan_prefix(&tally_prefix)? {
            ex.state.delete(&k);
        }
        ex.state.put_raw(accepted_key, value.to_vec());
        return Ok(true);
    }
    ex.state
        .put(key(&tally_prefix, &[value_hash.as_slice()]), &count);
    Ok(false)
}

fn corrupt(k: &[u8]) -> StateError {
    StateError::Corrupt {
        key: alloy_primitives::hex::encode(k),
    }
}

fn conflict(fact: &Fact, member: Address, existing: B256, reported: B256) -> Event {
    let (pod, timestamp) = match fact {
        Fact::Root(ts) => (None, *ts),
        Fact::Pod(pod, ts) => (Some(*pod), *ts),
    };
    Event::OracleConflictReported {
        member,
        pod,
        timestamp,
        existing,
        reported,
    }
}

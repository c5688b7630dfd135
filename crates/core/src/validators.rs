//! Validators: who decides blocks, with what voting power, and how the set changes.
//!
//! A [`ValidatorSet`] is a list of consensus keys (ed25519, ADR 0006) with voting powers, sorted
//! by consensus address. The set that decides block `h` is fixed before block `h − 1` ends, so
//! every node — and a light client holding block `h − 1`'s state root — knows it in advance:
//!
//! - `val/at/<h>` holds the set in force from height `h` on (written at genesis for height 0
//!   and again at every change): [`set_at`] reads the history.
//! - `val/next` holds the set that decides the block after the last committed one: one key at a
//!   fixed path, which a light client proves against a state root to learn the next set.
//! - `val/q/<activation>/<seq>` holds queued `updateValidatorSet` changes. Block `A − 1`'s
//!   begin-block work applies those activating at `A` ([`begin_block`]).
//!
//! A chain whose set is empty has no consensus certificates (the core's own tests; every node
//! refuses to run one).

use crate::config::{ConfigRead, Roles};
use crate::error::Error;
use crate::event::Event;
use crate::exec::Exec;
use crate::state::{StateError, StateRead, StateWrite, key};
use alloy_primitives::{Address, B256, keccak256};
use borsh::{BorshDeserialize, BorshSerialize};
use restake_primitives::ed25519::PublicKey;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Most validators in a set: bounds a commit certificate (about 100 bytes per signer) and the
/// cost of checking it.
pub const MAX_VALIDATORS: usize = 150;
/// Most total voting power: `3 × total` never overflows a `u64` (the > 2/3 threshold).
pub const MAX_TOTAL_POWER: u64 = 1 << 60;
/// Least `validatorSetDelay`: a change queued in block `b` activates at `b + 2` or later, so it
/// is applied by block `A − 1`'s begin-block work, after the block that queued it.
pub const MIN_VALIDATOR_SET_DELAY: u32 = 2;

/// Why a validator set or a change to it was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValidatorError {
    /// Only governance changes the validator set.
    #[error("only the owner may update the validator set, not {0}")]
    OnlyOwner(Address),
    /// A validator's power is zero (in a set) or its address is not its key's.
    #[error("validator {0}: power must be at least 1 and the address must be its key's")]
    InvalidValidator(Address),
    /// Two entries with one address (one key).
    #[error("validator {0} appears twice")]
    Duplicate(Address),
    /// A change removes a validator the set does not hold.
    #[error("validator {0} is not in the set")]
    NotInSet(Address),
    /// A set may not become empty.
    #[error("the validator set may not become empty")]
    Empty,
    /// Too many validators.
    #[error("{count} validators, at most {max} allowed")]
    TooMany {
        /// In the resulting set.
        count: usize,
        /// [`MAX_VALIDATORS`].
        max: usize,
    },
    /// Too much voting power.
    #[error("total voting power above {max}")]
    TooMuchPower {
        /// [`MAX_TOTAL_POWER`].
        max: u64,
    },
    /// The activation height is too soon.
    #[error("activation height {got} is before the earliest allowed, {earliest}")]
    TooSoon {
        /// Requested.
        got: u64,
        /// `block + validatorSetDelay`, or the latest queued activation.
        earliest: u64,
    },
    /// An update with no changes.
    #[error("an update must change at least one validator")]
    NoChanges,
    /// `validatorSetDelay` below [`MIN_VALIDATOR_SET_DELAY`].
    #[error("validatorSetDelay must be at least {MIN_VALIDATOR_SET_DELAY}")]
    DelayTooShort,
}

/// A validator: its consensus key, the address derived from it, and its voting power.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Validator {
    /// `keccak256(consensusKey)[12..]`: the name in headers and certificates.
    pub address: Address,
    /// The ed25519 key that signs votes and proposals.
    pub consensus_key: PublicKey,
    /// Voting power, at least 1.
    pub power: u64,
    /// An operator account this validator is run by, for information only: it gives neither key
    /// any power over the other (ADR 0006).
    pub operator: Option<Address>,
}

impl Validator {
    /// A validator of `consensus_key` with `power`.
    pub fn new(consensus_key: PublicKey, power: u64, operator: Option<Address>) -> Self {
        Self {
            address: consensus_key.address(),
            consensus_key,
            power,
            operator,
        }
    }
}

/// A valid validator set: sorted by address, no duplicate, every power at least 1, at most
/// [`MAX_VALIDATORS`] entries and [`MAX_TOTAL_POWER`] in total. Decoding re-checks all of it.
#[derive(Debug, Clone, PartialEq, Eq, Default, BorshSerialize, Serialize)]
#[serde(transparent)]
pub struct ValidatorSet {
    validators: Vec<Validator>,
}

impl ValidatorSet {
    /// Sorts and checks `validators`. An empty set is valid (a chain without consensus).
    pub fn new(mut validators: Vec<Validator>) -> Result<Self, ValidatorError> {
        validators.sort_by_key(|v| v.address);
        for pair in validators.windows(2) {
            if let [a, b] = pair
                && a.address == b.address
            {
                return Err(ValidatorError::Duplicate(a.address));
            }
        }
        for v in &validators {
            if v.power == 0 || v.address != v.consensus_key.address() {
                return Err(ValidatorError::InvalidValidator(v.address));
            }
        }
        if validators.len() > MAX_VALIDATORS {
            return Err(ValidatorError::TooMany {
                count: validators.len(),
                max: MAX_VALIDATORS,
            });
        }
        let total = validators
            .iter()
            .try_fold(0u64, |t, v| t.checked_add(v.power));
        if total.is_none_or(|t| t > MAX_TOTAL_POWER) {
            return Err(ValidatorError::TooMuchPower {
                max: MAX_TOTAL_POWER,
            });
        }
        Ok(Self { validators })
    }

    /// The validators, by address.
    pub fn validators(&self) -> &[Validator] {
        &self.validators
    }

    /// Whether the set is empty (a chain without consensus).
    pub fn is_empty(&self) -> bool {
        self.validators.is_empty()
    }

    /// How many validators.
    pub fn len(&self) -> usize {
        self.validators.len()
    }

    /// The sum of the powers (at most [`MAX_TOTAL_POWER`], so no overflow).
    pub fn total_power(&self) -> u64 {
        self.validators
            .iter()
            .fold(0u64, |t, v| t.saturating_add(v.power))
    }

    /// The validator with `address`.
    pub fn get(&self, address: &Address) -> Option<&Validator> {
        self.validators
            .binary_search_by_key(address, |v| v.address)
            .ok()
            .and_then(|i| self.validators.get(i))
    }

    /// `keccak256` of the set's Borsh encoding: what a header names as `validatorSetHash`.
    pub fn hash(&self) -> B256 {
        keccak256(borsh::to_vec(self).unwrap_or_default())
    }

    /// The proposer of `round` at `height`: round-robin over the set in address order,
    /// `(height + round) mod n`, so every round of a height moves to the next validator and a
    /// validator that is down delays a height by one round at most. `None` for an empty set.
    pub fn proposer(&self, height: u64, round: u32) -> Option<&Validator> {
        let n = u64::try_from(self.validators.len())
            .ok()
            .filter(|n| *n > 0)?;
        let index = (height.checked_rem(n)?)
            .checked_add(u64::from(round).checked_rem(n)?)?
            .checked_rem(n)?;
        self.validators.get(usize::try_from(index).ok()?)
    }

    /// Applies `changes` in order: power 0 removes a validator, any other power adds it or sets
    /// its power. The result must be a valid, non-empty set.
    pub fn apply(&self, changes: &[ValidatorChange]) -> Result<Self, ValidatorError> {
        let mut validators = self.validators.clone();
        for change in changes {
            let address = change.consensus_key.address();
            let found = validators.iter().position(|v| v.address == address);
            match (found, change.power) {
                (Some(i), 0) => {
                    validators.remove(i);
                }
                (None, 0) => return Err(ValidatorError::NotInSet(address)),
                (Some(i), power) => {
                    if let Some(v) = validators.get_mut(i) {
                        v.power = power;
                    }
                }
                (None, power) => validators.push(Validator::new(change.consensus_key, power, None)),
            }
        }
        if validators.is_empty() {
            return Err(ValidatorError::Empty);
        }
        Self::new(validators)
    }
}

impl BorshDeserialize for ValidatorSet {
    fn deserialize_reader<R: std::io::Read>(reader: &mut R) -> std::io::Result<Self> {
        let validators = Vec::<Validator>::deserialize_reader(reader)?;
        let set = Self::new(validators.clone())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
        if set.validators != validators {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "validator set is not sorted by address",
            ));
        }
        Ok(set)
    }
}

impl<'de> Deserialize<'de> for ValidatorSet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let validators = <Vec<Validator> as Deserialize>::deserialize(deserializer)?;
        Self::new(validators).map_err(serde::de::Error::custom)
    }
}

/// One change of an `updateValidatorSet` action: power 0 removes the key's validator.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ValidatorChange {
    /// The validator's consensus key.
    pub consensus_key: PublicKey,
    /// New voting power; 0 removes it.
    pub power: u64,
}

/// A validator as genesis lists it: the address is derived from the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenesisValidator {
    /// Consensus key (ed25519, `0x` + 64 hex digits).
    pub consensus_key: PublicKey,
    /// Voting power, at least 1.
    pub power: u64,
    /// An operator account the validator is run by (information only).
    #[serde(default)]
    pub operator: Option<Address>,
}

const AT: &[u8] = b"val/at/";
const NEXT: &[u8] = b"val/next";
const QUEUE: &[u8] = b"val/q/";

fn at_key(height: u64) -> Vec<u8> {
    key(AT, &[&height.to_be_bytes()])
}

/// The set in force at `height` (empty on a chain without consensus).
pub fn set_at<S: StateRead + ?Sized>(state: &S, height: u64) -> Result<ValidatorSet, StateError> {
    match state.last_at_or_before(AT, &at_key(height))? {
        Some((k, bytes)) => crate::state::decode(&k, &bytes),
        None => Ok(ValidatorSet::default()),
    }
}

/// The set that decides the block after the last committed one.
pub fn next_set<S: StateRead + ?Sized>(state: &S) -> Result<ValidatorSet, StateError> {
    match state.get_raw(NEXT)? {
        Some(bytes) => crate::state::decode(NEXT, &bytes),
        None => Ok(ValidatorSet::default()),
    }
}

/// Writes the genesis set (in force from height 0). Rules: keys valid (checked when parsed), no
/// key twice, every power at least 1, the bounds of [`ValidatorSet::new`]; a non-empty set needs
/// `validatorSetDelay` of at least [`MIN_VALIDATOR_SET_DELAY`].
pub fn init<S: StateWrite>(state: &mut S, validators: &[GenesisValidator]) -> Result<(), Error> {
    let set = ValidatorSet::new(
        validators
            .iter()
            .map(|g| Validator::new(g.consensus_key, g.power, g.operator))
            .collect(),
    )
    .map_err(|e| Error::Genesis(format!("validators: {e}")))?;
    if !set.is_empty() && state.params()?.validator_set_delay < MIN_VALIDATOR_SET_DELAY {
        return Err(Error::Genesis(ValidatorError::DelayTooShort.to_string()));
    }
    state.put(at_key(0), &set);
    state.put(NEXT.to_vec(), &set);
    Ok(())
}

/// A queued update: its key (`val/q/<activation>/<seq>`) and its changes.
type Queued = (Vec<u8>, Vec<ValidatorChange>);

/// Queued updates under `prefix`, in key order (activation, then arrival).
fn queued<S: StateRead + ?Sized>(state: &S, prefix: &[u8]) -> Result<Vec<Queued>, StateError> {
    state
        .scan_prefix(prefix)?
        .into_iter()
        .map(|(k, v)| crate::state::decode(&k, &v).map(|c| (k, c)))
        .collect()
}

/// `updateValidatorSet` action.
///
/// Rules:
/// 1. The sender is the owner (governance).
/// 2. At least one change; each key is a valid consensus key (checked when the action is
///    decoded).
/// 3. `activationHeight ≥ block + validatorSetDelay`, and not before any activation already
///    queued (so queued changes apply in the order they were checked).
/// 4. Applied after every queued change, the set in force at `activationHeight` is valid and not
///    empty: power 0 removes a validator (which must be in the set), any other power adds it or
///    sets its power; at most [`MAX_VALIDATORS`] validators and [`MAX_TOTAL_POWER`] in total.
/// 5. The change is queued; `ValidatorSetUpdateQueued` is emitted. Block `activationHeight − 1`
///    applies it (see [`begin_block`]).
pub fn update_validator_set(
    ex: &mut Exec<'_>,
    sender: Address,
    changes: &[ValidatorChange],
    activation_height: u64,
) -> Result<(), Error> {
    let Roles { owner, .. } = ex.state.roles()?;
    if sender != owner {
        return Err(ValidatorError::OnlyOwner(sender).into());
    }
    if changes.is_empty() {
        return Err(ValidatorError::NoChanges.into());
    }
    let delay = u64::from(
        ex.state
            .params()?
            .validator_set_delay
            .max(MIN_VALIDATOR_SET_DELAY),
    );
    let queue = queued(&ex.state, QUEUE)?;
    let latest_queued = queue
        .last()
        .and_then(|(k, _)| k.get(QUEUE.len()..QUEUE.len().saturating_add(8)))
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map_or(0, u64::from_be_bytes);
    let earliest = u64::from(ex.block.number)
        .saturating_add(delay)
        .max(latest_queued);
    if activation_height < earliest {
        return Err(ValidatorError::TooSoon {
            got: activation_height,
            earliest,
        }
        .into());
    }
    let mut projected = next_set(&ex.state)?;
    for (_, queued_changes) in &queue {
        projected = projected.apply(queued_changes)?;
    }
    projected.apply(changes)?;
    let same_height = key(QUEUE, &[&activation_height.to_be_bytes()]);
    let seq = u32::try_from(ex.state.scan_prefix(&same_height)?.len()).unwrap_or(u32::MAX);
    ex.state.put(
        key(
            QUEUE,
            &[&activation_height.to_be_bytes(), &seq.to_be_bytes()],
        ),
        &changes.to_vec(),
    );
    ex.emit(Event::ValidatorSetUpdateQueued {
        activation_height,
        changes: changes.to_vec(),
    });
    Ok(())
}

/// Begin-block work of block `height`: applies the changes activating at `height + 1` to the
/// set in force, writes the new set under `val/at/<height + 1>` and `val/next`, and clears them
/// from the queue. Every queued change was checked against exactly this order when it was
/// queued (rule 3 of [`update_validator_set`]), so applying it cannot fail.
pub fn begin_block(ex: &mut Exec<'_>) -> Result<(), Error> {
    let Some(activation) = u64::from(ex.block.number).checked_add(1) else {
        return Ok(());
    };
    let due = queued(&ex.state, &key(QUEUE, &[&activation.to_be_bytes()]))?;
    if due.is_empty() {
        return Ok(());
    }
    let mut set = next_set(&ex.state)?;
    for (k, changes) in &due {
        set = set.apply(changes)?;
        ex.state.delete(k);
    }
    ex.state.put(at_key(activation), &set);
    ex.state.put(NEXT.to_vec(), &set);
    ex.emit(Event::ValidatorSetChanged {
        height: activation,
        validator_set_hash: set.hash(),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use restake_primitives::ed25519::SecretKey;

    fn key_of(i: u8) -> PublicKey {
        SecretKey::from_seed(&[i; 32]).public()
    }

    fn set_of(powers: &[(u8, u64)]) -> ValidatorSet {
        ValidatorSet::new(
            powers
                .iter()
                .map(|(i, p)| Validator::new(key_of(*i), *p, None))
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn a_set_is_sorted_by_address_and_refuses_duplicates_zero_power_and_foreign_addresses() {
        let set = set_of(&[(1, 10), (2, 20), (3, 30)]);
        assert!(
            set.validators()
                .windows(2)
                .all(|w| w[0].address < w[1].address)
        );
        assert_eq!(set.total_power(), 60);
        assert_eq!(
            ValidatorSet::new(vec![
                Validator::new(key_of(1), 1, None),
                Validator::new(key_of(1), 2, None)
            ]),
            Err(ValidatorError::Duplicate(key_of(1).address()))
        );
        assert_eq!(
            ValidatorSet::new(vec![Validator::new(key_of(1), 0, None)]),
            Err(ValidatorError::InvalidValidator(key_of(1).address()))
        );
        let mut foreign = Validator::new(key_of(1), 1, None);
        foreign.address = key_of(2).address();
        assert_eq!(
            ValidatorSet::new(vec![foreign]),
            Err(ValidatorError::InvalidValidator(key_of(2).address()))
        );
        assert_eq!(
            ValidatorSet::new(vec![
                Validator::new(key_of(1), MAX_TOTAL_POWER, None),
                Validator::new(key_of(2), 1, None)
            ]),
            Err(ValidatorError::TooMuchPower {
                max: MAX_TOTAL_POWER
            })
        );
    }

    #[test]
    fn decoding_an_unsorted_or_invalid_set_fails() {
        let set = set_of(&[(1, 1), (2, 1)]);
        let mut reversed = set.validators().to_vec();
        reversed.reverse();
        let bytes = borsh::to_vec(&reversed).unwrap();
        assert!(borsh::from_slice::<ValidatorSet>(&bytes).is_err());
        let good = borsh::to_vec(&set).unwrap();
        assert_eq!(borsh::from_slice::<ValidatorSet>(&good).unwrap(), set);
    }

    #[test]
    fn the_proposer_rotates_with_height_and_round_over_every_validator() {
        let set = set_of(&[(1, 1), (2, 1), (3, 1), (4, 1)]);
        let a = |h, r| set.proposer(h, r).unwrap().address;
        let addrs: Vec<_> = set.validators().iter().map(|v| v.address).collect();
        assert_eq!(a(1, 0), addrs[1]);
        assert_eq!(a(2, 0), addrs[2]);
        assert_eq!(a(1, 1), addrs[2]);
        assert_eq!(a(4, 0), addrs[0]);
        assert_eq!(a(3, 5), addrs[0]);
        assert_eq!(
            a(u64::MAX, u32::MAX),
            addrs[((u64::MAX % 4 + 3) % 4) as usize]
        );
        for h in 1..20 {
            let four: Vec<_> = (0..4).map(|r| a(h, r)).collect();
            let mut sorted = four.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(
                sorted.len(),
                4,
                "four rounds of a height have four proposers"
            );
        }
        assert!(ValidatorSet::default().proposer(1, 0).is_none());
    }

    #[test]
    fn changes_add_update_and_remove_and_never_empty_the_set() {
        let set = set_of(&[(1, 10), (2, 20)]);
        let change = |i, power| ValidatorChange {
            consensus_key: key_of(i),
            power,
        };
        let next = set
            .apply(&[change(3, 5), change(1, 7), change(2, 0)])
            .unwrap();
        assert_eq!(next, set_of(&[(1, 7), (3, 5)]));
        assert_eq!(
            set.apply(&[change(4, 0)]),
            Err(ValidatorError::NotInSet(key_of(4).address()))
        );
        assert_eq!(
            set.apply(&[change(1, 0), change(2, 0)]),
            Err(ValidatorError::Empty)
        );
        assert_ne!(set.hash(), next.hash());
    }
}

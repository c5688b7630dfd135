//! Histories the state forgets: every slash (by operator, AVS and the stakers it reached), the
//! whole withdrawal queue with each withdrawal's completion, and series over height — the token
//! amount each strategy holds (its TVL) and each vault's rate.
//!
//! All of it comes from events alone, so a rebuild from the stored blocks gives the same answers
//! as the live index. A strategy's TVL is the sum of the transfers of its token to and from it
//! (what EigenLayer's `StrategyBase` calls its token balance). A vault's rate is taken where an
//! event states it: a redeem request's rate, a fee's new high-water mark, and the price a deposit
//! paid (`value · 1e18 / shares`, rounded down, a few wei above the rate at most).

use super::keys::{
    self, SERIES, SLASHES, SLASHES_BY_ADDRESS, WITHDRAWAL_QUEUE, WITHDRAWALS_BY_STAKER,
    WITHDRAWALS_DONE,
};
use super::{EventPosition, IndexError, MAX_LIMIT, MAX_SCAN, Page, StoredEvent, db};
use alloy_primitives::{Address, B256, U256};
use borsh::BorshDeserialize;
use redb::{ReadableDatabase, ReadableTable, Table};
use restake_core::delegation::Withdrawal;
use restake_core::event::Event;
use restake_core::pool::strategy_address;
use restake_primitives::OperatorSet;
use restake_primitives::math::WAD;
use std::collections::BTreeMap;

/// Which series (the first byte of a `SERIES` key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    /// Token amount a strategy holds.
    Tvl,
    /// A vault's rate (WAD).
    VaultRate,
}

impl Series {
    fn tag(self) -> u8 {
        match self {
            Series::Tvl => 0,
            Series::VaultRate => 1,
        }
    }
}

/// Most points a series answer holds.
pub const MAX_POINTS: usize = 1000;

/// A slash with the shares it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlashEntry {
    /// Where its `OperatorSlashed` event is.
    pub position: EventPosition,
    /// The slashing transaction.
    pub tx: B256,
    /// The operator slashed.
    pub operator: Address,
    /// The set that slashed it.
    pub operator_set: OperatorSet,
    /// The set's slash counter.
    pub slash_id: u64,
    /// The slasher's description.
    pub description: String,
    /// Per strategy.
    pub strategies: Vec<SlashedAmounts>,
}

/// What a slash took in one strategy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlashedAmounts {
    /// Strategy.
    pub strategy: Address,
    /// Fraction of the operator's stake slashed (WAD).
    pub wad_slashed: U256,
    /// The operator's delegated shares it took (`None` when none).
    pub operator_shares: Option<U256>,
    /// Shares set aside to burn or redistribute: the operator's and those taken from
    /// withdrawals still in their slashable window (`None` when nothing was).
    pub burn_or_redistributable: Option<U256>,
}

/// A queued withdrawal and whether it was completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithdrawalEntry {
    /// Where it was queued.
    pub position: EventPosition,
    /// The queueing transaction.
    pub tx: B256,
    /// Its root.
    pub root: B256,
    /// The withdrawal as queued.
    pub withdrawal: Withdrawal,
    /// Withdrawable shares per strategy when it was queued.
    pub shares_at_queue: Vec<U256>,
    /// The height it was completed at, if it was.
    pub completed_at: Option<u64>,
}

/// Which slashes to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlashFilter {
    /// Of this operator.
    pub operator: Option<Address>,
    /// By this AVS.
    pub avs: Option<Address>,
    /// By this set of the AVS.
    pub set_id: Option<u32>,
    /// That reached this staker (delegated to the operator when it was slashed).
    pub staker: Option<Address>,
}

/// Withdrawals of one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithdrawalStatus {
    /// Not completed yet.
    Queued,
    /// Completed.
    Completed,
}

/// The history tables, open for writing in a block's transaction.
pub(super) struct Writer<'t> {
    pub(super) slashes: Table<'t, &'static [u8], &'static [u8]>,
    pub(super) slashes_by_address: Table<'t, &'static [u8], &'static [u8]>,
    pub(super) queue: Table<'t, &'static [u8], &'static [u8]>,
    pub(super) by_staker: Table<'t, &'static [u8], &'static [u8]>,
    pub(super) done: Table<'t, &'static [u8], u64>,
    pub(super) strategies: Table<'t, &'static [u8], &'static [u8]>,
    pub(super) series: Table<'t, &'static [u8], &'static [u8]>,
    /// Series values changed in this block, written once each at its end.
    pub(super) changed: BTreeMap<(u8, Address), U256>,
}

impl Writer<'_> {
    /// Records what `event` adds to the histories. `delegators` are the stakers delegated to an
    /// operator now (before this event), for a slash's fan-out.
    pub(super) fn apply(
        &mut self,
        position: EventPosition,
        event: &Event,
        delegators: impl FnOnce(&Address) -> Result<Vec<Address>, IndexError>,
    ) -> Result<(), IndexError> {
        let at = position.to_bytes();
        match event {
            Event::OperatorSlashed {
                operator,
                operator_set,
                ..
            } => {
                self.slashes
                    .insert(at.as_slice(), [].as_slice())
                    .map_err(db)?;
                let mut reached = delegators(operator)?;
                reached.push(*operator);
                reached.push(operator_set.avs);
                reached.sort_unstable();
                reached.dedup();
                for a in reached {
                    self.slashes_by_address
                        .insert(keys::under(&a, &at).as_slice(), [].as_slice())
                        .map_err(db)?;
                }
            }
            Event::SlashingWithdrawalQueued {
                withdrawal_root,
                withdrawal,
                ..
            } => {
                self.queue
                    .insert(at.as_slice(), withdrawal_root.as_slice())
                    .map_err(db)?;
                self.by_staker
                    .insert(
                        keys::under(&withdrawal.staker, &at).as_slice(),
                        withdrawal_root.as_slice(),
                    )
                    .map_err(db)?;
            }
            Event::SlashingWithdrawalCompleted { withdrawal_root } => {
                self.done
                    .insert(withdrawal_root.as_slice(), position.height)
                    .map_err(db)?;
            }
            Event::Transfer {
                token,
                from,
                to,
                amount,
            } => {
                self.move_tvl(token, to, *amount, true)?;
                self.move_tvl(token, from, *amount, false)?;
            }
            Event::VaultDeposit {
                vault,
                value,
                shares,
                ..
            } if !shares.is_zero() => {
                let price = value.checked_mul(WAD).and_then(|v| v.checked_div(*shares));
                if let Some(price) = price {
                    self.changed
                        .insert((Series::VaultRate.tag(), *vault), price);
                }
            }
            Event::RedeemRequested {
                vault,
                rate_at_request,
                ..
            } => {
                self.changed
                    .insert((Series::VaultRate.tag(), *vault), *rate_at_request);
            }
            Event::VaultFeeCharged {
                vault,
                high_water_mark,
                ..
            } => {
                self.changed
                    .insert((Series::VaultRate.tag(), *vault), *high_water_mark);
            }
            _ => {}
        }
        Ok(())
    }

    /// A transfer of `token` to (`into`) or from `holder`: if `holder` is the token's strategy
    /// (pools live at an address derived from their token), its TVL moves by `amount`.
    fn move_tvl(
        &mut self,
        token: &Address,
        holder: &Address,
        amount: U256,
        into: bool,
    ) -> Result<(), IndexError> {
        if *holder != strategy_address(token) {
            return Ok(());
        }
        let held = match self.strategies.get(holder.as_slice()).map_err(db)? {
            None => U256::ZERO,
            Some(v) => U256::try_from_be_slice(v.value())
                .ok_or_else(|| IndexError::Corrupt("strategy entry".into()))?,
        };
        let now = if into {
            held.checked_add(amount)
        } else {
            held.checked_sub(amount)
        }
        .ok_or_else(|| IndexError::Corrupt(format!("the TVL of {holder} left its range")))?;
        self.strategies
            .insert(holder.as_slice(), now.to_be_bytes::<32>().as_slice())
            .map_err(db)?;
        self.changed.insert((Series::Tvl.tag(), *holder), now);
        Ok(())
    }

    /// Writes the series points of the block at `height`.
    pub(super) fn finish(&mut self, height: u64) -> Result<(), IndexError> {
        for ((tag, address), value) in std::mem::take(&mut self.changed) {
            self.series
                .insert(
                    series_key(tag, &address, height).as_slice(),
                    value.to_be_bytes::<32>().as_slice(),
                )
                .map_err(db)?;
        }
        Ok(())
    }
}

fn series_key(tag: u8, address: &Address, height: u64) -> Vec<u8> {
    [&[tag][..], address.as_slice(), &height.to_be_bytes()].concat()
}

fn read_position_cursor(c: Option<&str>) -> Result<Option<EventPosition>, IndexError> {
    c.map(|c| {
        alloy_primitives::hex::decode(c)
            .ok()
            .filter(|b| b.len() == EventPosition::LEN)
            .and_then(|b| EventPosition::from_bytes(&b))
            .ok_or(IndexError::BadCursor)
    })
    .transpose()
}

fn position_cursor(p: EventPosition) -> String {
    alloy_primitives::hex::encode(p.to_bytes())
}

/// The positions of a list, newest first, before `before`: a whole table keyed by position, or
/// the entries under one address.
fn newest_first<'a>(
    table: &'a redb::ReadOnlyTable<&'static [u8], &'static [u8]>,
    under: Option<&Address>,
    before: Option<EventPosition>,
) -> Result<impl Iterator<Item = Result<EventPosition, IndexError>> + 'a, IndexError> {
    let prefix = under.map(|a| a.to_vec()).unwrap_or_default();
    let upper = match before {
        Some(p) => [prefix.as_slice(), &p.to_bytes()].concat(),
        // Past every key under the prefix (keys are prefix ‖ 16 bytes).
        None => [prefix.as_slice(), &[0xff; EventPosition::LEN + 1]].concat(),
    };
    let skip = prefix.len();
    Ok(table
        .range::<&[u8]>(prefix.as_slice()..upper.as_slice())
        .map_err(db)?
        .rev()
        .map(move |e| {
            let (k, _) = e.map_err(db)?;
            k.value()
                .get(skip..)
                .and_then(EventPosition::from_bytes)
                .ok_or_else(|| IndexError::Corrupt("history key".into()))
        }))
}

impl super::Index {
    /// Slashes, newest first, filtered by operator, AVS (and set) or a staker they reached.
    pub fn slashes(
        &self,
        filter: &SlashFilter,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<SlashEntry>, IndexError> {
        let limit = limit.clamp(1, MAX_LIMIT);
        let before = read_position_cursor(cursor)?;
        let txn = self.db.begin_read().map_err(db)?;
        let events = txn.open_table(keys::EVENTS).map_err(db)?;
        let all = txn.open_table(SLASHES).map_err(db)?;
        let by_address = txn.open_table(SLASHES_BY_ADDRESS).map_err(db)?;
        // The most selective posting list, then the rest of the filter on each slash.
        let key = filter.staker.or(filter.operator).or(filter.avs);
        let positions: Box<dyn Iterator<Item = Result<EventPosition, IndexError>>> = match key {
            Some(a) => Box::new(newest_first(&by_address, Some(&a), before)?),
            None => Box::new(newest_first(&all, None, before)?),
        };
        let mut items = Vec::new();
        let mut last = None;
        let mut more = false;
        for (scanned, position) in positions.enumerate() {
            let position = position?;
            if items.len() >= limit || scanned >= MAX_SCAN {
                more = true;
                break;
            }
            last = Some(position);
            let (tx, event) = read_event(&events, position)?;
            let Event::OperatorSlashed {
                operator,
                operator_set,
                slash_id,
                strategies,
                wad_slashed,
                description,
            } = event
            else {
                return Err(IndexError::Corrupt(format!(
                    "slash {position:?} is another event"
                )));
            };
            if filter.operator.is_some_and(|o| o != operator)
                || filter.avs.is_some_and(|a| a != operator_set.avs)
                || filter.set_id.is_some_and(|id| id != operator_set.id)
            {
                continue;
            }
            let taken = slash_amounts(&events, position, &operator, &operator_set, slash_id)?;
            items.push(SlashEntry {
                position,
                tx,
                operator,
                operator_set,
                slash_id,
                description,
                strategies: strategies
                    .iter()
                    .zip(wad_slashed)
                    .map(|(s, w)| SlashedAmounts {
                        strategy: *s,
                        wad_slashed: w,
                        operator_shares: taken.get(s).and_then(|t| t.0),
                        burn_or_redistributable: taken.get(s).and_then(|t| t.1),
                    })
                    .collect(),
            });
        }
        Ok(Page {
            items,
            next: if more {
                last.map(position_cursor)
            } else {
                None
            },
        })
    }

    /// How many times `operator` was slashed (counting at most [`MAX_SCAN`] postings).
    pub fn slash_count(&self, operator: &Address) -> Result<u64, IndexError> {
        let txn = self.db.begin_read().map_err(db)?;
        let events = txn.open_table(keys::EVENTS).map_err(db)?;
        let by_address = txn.open_table(SLASHES_BY_ADDRESS).map_err(db)?;
        let mut count = 0u64;
        for position in newest_first(&by_address, Some(operator), None)?.take(MAX_SCAN) {
            // The address's postings also hold slashes that reached it as a staker.
            if let (_, Event::OperatorSlashed { operator: o, .. }) = read_event(&events, position?)?
                && o == *operator
            {
                count = count.saturating_add(1);
            }
        }
        Ok(count)
    }

    /// The withdrawal queue, newest first: everyone's or one staker's, of one status or both.
    pub fn withdrawals(
        &self,
        staker: Option<&Address>,
        status: Option<WithdrawalStatus>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<WithdrawalEntry>, IndexError> {
        let limit = limit.clamp(1, MAX_LIMIT);
        let before = read_position_cursor(cursor)?;
        let txn = self.db.begin_read().map_err(db)?;
        let events = txn.open_table(keys::EVENTS).map_err(db)?;
        let done = txn.open_table(WITHDRAWALS_DONE).map_err(db)?;
        let table = match staker {
            Some(_) => txn.open_table(WITHDRAWALS_BY_STAKER).map_err(db)?,
            None => txn.open_table(WITHDRAWAL_QUEUE).map_err(db)?,
        };
        let mut items = Vec::new();
        let mut last = None;
        let mut more = false;
        for (scanned, entry) in newest_first(&table, staker, before)?.enumerate() {
            let position = entry?;
            if items.len() >= limit || scanned >= MAX_SCAN {
                more = true;
                break;
            }
            last = Some(position);
            let (tx, event) = read_event(&events, position)?;
            let Event::SlashingWithdrawalQueued {
                withdrawal_root,
                withdrawal,
                withdrawable_shares,
            } = event
            else {
                return Err(IndexError::Corrupt(format!(
                    "withdrawal {position:?} is another event"
                )));
            };
            let completed_at = done
                .get(withdrawal_root.as_slice())
                .map_err(db)?
                .map(|v| v.value());
            let wanted = match status {
                None => true,
                Some(WithdrawalStatus::Queued) => completed_at.is_none(),
                Some(WithdrawalStatus::Completed) => completed_at.is_some(),
            };
            if wanted {
                items.push(WithdrawalEntry {
                    position,
                    tx,
                    root: withdrawal_root,
                    withdrawal,
                    shares_at_queue: withdrawable_shares,
                    completed_at,
                });
            }
        }
        Ok(Page {
            items,
            next: if more {
                last.map(position_cursor)
            } else {
                None
            },
        })
    }

    /// A series sampled at `points` heights spread evenly over `from..=to` (every height when
    /// the range is shorter): the value at the end of each, from the last change at or before
    /// it. Heights before the series' first point are left out.
    pub fn series(
        &self,
        series: Series,
        address: &Address,
        from: u64,
        to: u64,
        points: usize,
    ) -> Result<Vec<(u64, U256)>, IndexError> {
        let points = points.clamp(1, MAX_POINTS);
        let txn = self.db.begin_read().map_err(db)?;
        let table = txn.open_table(SERIES).map_err(db)?;
        let start = series_key(series.tag(), address, 0);
        let span = to.saturating_sub(from);
        let steps = u64::try_from(points.saturating_sub(1))
            .unwrap_or(u64::MAX)
            .min(span);
        let mut out = Vec::new();
        for i in 0..=steps {
            // Evenly spaced, the last exactly `to`: from + span·i/steps (in u128, no overflow).
            let offset = if steps == 0 {
                span
            } else {
                u64::try_from(
                    u128::from(span)
                        .saturating_mul(u128::from(i))
                        .checked_div(u128::from(steps))
                        .unwrap_or_default(),
                )
                .unwrap_or(span)
            };
            let height = from.saturating_add(offset);
            let key = series_key(series.tag(), address, height);
            let found = table
                .range::<&[u8]>(start.as_slice()..=key.as_slice())
                .map_err(db)?
                .next_back()
                .transpose()
                .map_err(db)?;
            if let Some((_, v)) = found {
                let value = U256::try_from_be_slice(v.value())
                    .ok_or_else(|| IndexError::Corrupt("series value".into()))?;
                out.push((height, value));
            }
        }
        Ok(out)
    }
}

fn read_event(
    events: &redb::ReadOnlyTable<&'static [u8], &'static [u8]>,
    position: EventPosition,
) -> Result<(B256, Event), IndexError> {
    let bytes = events
        .get(position.to_bytes().as_slice())
        .map_err(db)?
        .ok_or_else(|| IndexError::Corrupt(format!("event {position:?} is missing")))?;
    let stored = StoredEvent::try_from_slice(bytes.value())
        .map_err(|e| IndexError::Corrupt(e.to_string()))?;
    Ok((B256::from(stored.tx), stored.event))
}

/// What a slash took in one strategy: the operator's cut, and all it set aside.
type Cut = (Option<U256>, Option<U256>);

/// Per strategy, the operator's delegated shares a slash took and all the shares it set aside to
/// burn or redistribute: the events of its transaction after the previous slash and before its own
/// `OperatorSlashed` (which the protocol emits last).
fn slash_amounts(
    events: &redb::ReadOnlyTable<&'static [u8], &'static [u8]>,
    slash: EventPosition,
    operator: &Address,
    set: &OperatorSet,
    slash_id: u64,
) -> Result<BTreeMap<Address, Cut>, IndexError> {
    let start = EventPosition { event: 0, ..slash };
    let mut out: BTreeMap<Address, Cut> = BTreeMap::new();
    for entry in events
        .range::<&[u8]>(start.to_bytes().as_slice()..slash.to_bytes().as_slice())
        .map_err(db)?
    {
        let (_, v) = entry.map_err(db)?;
        let stored = StoredEvent::try_from_slice(v.value())
            .map_err(|e| IndexError::Corrupt(e.to_string()))?;
        match stored.event {
            // An earlier slash in the same transaction: what came before it is its own.
            Event::OperatorSlashed { .. } => out.clear(),
            // The slash's cut of the operator's delegated shares (no staker named).
            Event::OperatorSharesDecreased {
                operator: o,
                staker,
                strategy,
                shares,
            } if o == *operator && staker.is_zero() => {
                out.entry(strategy).or_default().0 = Some(shares);
            }
            Event::BurnOrRedistributableSharesIncreased {
                operator_set,
                slash_id: id,
                strategy,
                shares,
            } if operator_set == *set && id == slash_id => {
                out.entry(strategy).or_default().1 = Some(shares);
            }
            _ => {}
        }
    }
    Ok(out)
}

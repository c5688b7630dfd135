//! Typed reads of rewards state, and the epoch a block belongs to.
use super::*;

/// Typed reads of rewards.
pub trait RewardsRead: StateRead {
    /// A submission.
    fn submission(&self, id: u64) -> Result<Option<Submission>, StateError>
    where
        Self: Sized,
    {
        self.get(&key(SUB, &[&id.to_be_bytes()]))
    }

    /// Every submission, oldest first.
    fn submissions(&self) -> Result<Vec<Submission>, StateError>
    where
        Self: Sized,
    {
        self.scan_prefix(SUB)?
            .into_iter()
            .map(|(k, v)| {
                borsh::from_slice(&v).map_err(|_| StateError::Corrupt {
                    key: alloy_primitives::hex::encode(&k),
                })
            })
            .collect()
    }

    /// Submissions still paying.
    fn active_submissions(&self) -> Result<Vec<Submission>, StateError>
    where
        Self: Sized,
    {
        let mut out = Vec::new();
        for (k, _) in self.scan_prefix(ACTIVE)? {
            let id = k
                .get(ACTIVE.len()..)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(u64::from_be_bytes)
                .unwrap_or_default();
            if let Some(s) = self.submission(id)? {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// `I(o, s, token)`, scaled by [`INDEX_PRECISION`].
    fn reward_index(
        &self,
        op: &Address,
        strategy: &Address,
        token: &Address,
    ) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(
                INDEX,
                &[op.as_slice(), strategy.as_slice(), token.as_slice()],
            ))?
            .unwrap_or(U256::ZERO))
    }

    /// Tokens that ever paid through `(o, s)`.
    fn index_tokens(&self, op: &Address, strategy: &Address) -> Result<Vec<Address>, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(TOKENS, &[&pair(op, strategy)]))?
            .unwrap_or_default())
    }

    /// `X(o, s)`: the delegators' scaled shares the index divides by.
    fn scaled_total(&self, op: &Address, strategy: &Address) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(TOTAL, &[&pair(op, strategy)]))?
            .unwrap_or(U256::ZERO))
    }

    /// Settled, unclaimed rewards of an earner.
    fn accrued(&self, earner: &Address, token: &Address) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(ACCRUED, &[&pair(earner, token)]))?
            .unwrap_or(U256::ZERO))
    }

    /// Credited to `I(o, s, token)` and not yet settled to a staker: what the index's stakers
    /// will be owed plus its rounding remainder (which no one can claim).
    fn reward_unsettled(
        &self,
        op: &Address,
        strategy: &Address,
        token: &Address,
    ) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(
                UNSETTLED,
                &[op.as_slice(), strategy.as_slice(), token.as_slice()],
            ))?
            .unwrap_or(U256::ZERO))
    }

    /// Where an earner's claims go (itself unless set).
    fn rewards_recipient(&self, earner: &Address) -> Result<Address, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(RECIPIENT, &[earner.as_slice()]))?
            .unwrap_or(*earner))
    }

    /// Rewards nobody can claim (rounding, epochs without stake), per token.
    fn rewards_dust(&self, token: &Address) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(DUST, &[token.as_slice()]))?
            .unwrap_or(U256::ZERO))
    }

    /// Total ever submitted, per token.
    fn rewards_funded(&self, token: &Address) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(FUNDED, &[token.as_slice()]))?
            .unwrap_or(U256::ZERO))
    }

    /// Total ever claimed, per token.
    fn rewards_paid(&self, token: &Address) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(PAID, &[token.as_slice()]))?
            .unwrap_or(U256::ZERO))
    }

    /// The stored split of `(operator, avs)`.
    fn operator_split(
        &self,
        op: &Address,
        avs: &Address,
    ) -> Result<Option<OperatorSplit>, StateError>
    where
        Self: Sized,
    {
        self.get(&key(SPLIT, &[&pair(op, avs)]))
    }
}
impl<T: StateRead + ?Sized> RewardsRead for T {}

/// The epoch a block belongs to.
pub fn epoch_of<R: StateRead>(s: &R, block: u32) -> Result<u64, Error> {
    let len = u64::from(s.params()?.rewards_epoch_blocks.max(1));
    Ok(u64::from(block).checked_div(len).unwrap_or(0))
}

//! Typed reads of delegation state: operators, delegations, operator shares, scaling and slashing
//! factors, and the withdrawal queue.
use super::*;

/// Typed reads of delegation state.
pub trait DelegationRead: StateRead {
    /// The staker's operator, if delegated.
    fn delegated_to(&self, staker: &Address) -> Result<Option<Address>, StateError>
    where
        Self: Sized,
    {
        self.get(&key(DELEGATED, &[staker.as_slice()]))
    }

    /// True when `who` is a registered operator.
    fn is_operator(&self, who: &Address) -> Result<bool, StateError>
    where
        Self: Sized,
    {
        Ok(!who.is_zero() && self.delegated_to(who)? == Some(*who))
    }

    /// The operator's record.
    fn operator_details(&self, op: &Address) -> Result<Option<OperatorDetails>, StateError>
    where
        Self: Sized,
    {
        self.get(&key(OPERATOR, &[op.as_slice()]))
    }

    /// Every registered operator.
    fn operators(&self) -> Result<Vec<Address>, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .scan_prefix(OPERATOR)?
            .into_iter()
            .map(|(k, _)| crate::state::address_at(&k, OPERATOR.len()))
            .collect())
    }

    /// The operator's shares in a strategy.
    fn operator_shares(&self, op: &Address, strategy: &Address) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(&op_shares_key(op, strategy))?.unwrap_or_default())
    }

    /// The staker's deposit scaling factor (`WAD` when unset).
    fn deposit_scaling_factor(
        &self,
        staker: &Address,
        strategy: &Address,
    ) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(shares::scaling_factor(
            self.get(&dsf_key(staker, strategy))?.unwrap_or_default(),
        ))
    }

    /// The pending withdrawal with this root.
    fn queued_withdrawal(&self, root: &B256) -> Result<Option<Withdrawal>, StateError>
    where
        Self: Sized,
    {
        self.get(&key(WITHDRAWAL, &[root.as_slice()]))
    }

    /// The staker's pending withdrawal roots, oldest first.
    fn queued_withdrawal_roots(&self, staker: &Address) -> Result<Vec<B256>, StateError>
    where
        Self: Sized,
    {
        self.scan_prefix(&key(STAKER_WD, &[staker.as_slice()]))?
            .into_iter()
            .map(|(k, v)| decode(&k, &v))
            .collect()
    }

    /// How many withdrawals the staker has ever queued.
    fn cumulative_withdrawals_queued(&self, staker: &Address) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(WD_NONCE, &[staker.as_slice()]))?
            .unwrap_or_default())
    }

    /// True when the approver's salt was used.
    fn salt_spent(&self, approver: &Address, salt: &B256) -> Result<bool, StateError>
    where
        Self: Sized,
    {
        self.contains(&key(SALT, &[approver.as_slice(), salt.as_slice()]))
    }

    /// Cumulative scaled shares the operator's stakers queued up to and including `block`.
    fn cumulative_scaled_shares_at(
        &self,
        op: &Address,
        strategy: &Address,
        block: u32,
    ) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        let prefix = history_prefix(op, strategy);
        let upper = key(&prefix, &[&block.to_be_bytes()]);
        match self.last_at_or_before(&prefix, &upper)? {
            Some((k, v)) => decode(&k, &v),
            None => Ok(U256::ZERO),
        }
    }

    /// The slashing factor that applies to `staker` in `strategy` under `operator`
    /// (`WAD` when undelegated).
    fn slashing_factor(
        &self,
        staker: &Address,
        operator: Option<&Address>,
        strategy: &Address,
    ) -> Result<U256, Error>
    where
        Self: Sized,
    {
        let m = self.operator_slashing_factor(operator, strategy)?;
        if *strategy == BEACON_CHAIN_ETH_STRATEGY {
            Ok(mul_wad(m, pods::bcsf(self, staker)?)?)
        } else {
            Ok(m)
        }
    }

    /// The operator's part of the slashing factor: its max magnitude (`WAD` when undelegated).
    fn operator_slashing_factor(
        &self,
        operator: Option<&Address>,
        strategy: &Address,
    ) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        match operator {
            None => Ok(WAD),
            Some(op) => Ok(U256::from(self.max_magnitude(op, strategy)?)),
        }
    }

    /// The staker's withdrawable shares in `strategy`: `s * k * sf`.
    fn withdrawable_shares(&self, staker: &Address, strategy: &Address) -> Result<U256, Error>
    where
        Self: Sized,
    {
        let op = self.delegated_to(staker)?;
        let sf = self.slashing_factor(staker, op.as_ref(), strategy)?;
        let k = self.deposit_scaling_factor(staker, strategy)?;
        let s = share_manager::deposit_shares(self, staker, strategy)?;
        Ok(shares::calc_withdrawable(k, s, sf)?)
    }
}
impl<T: StateRead + ?Sized> DelegationRead for T {}

//! Typed reads of native restaking: pods, their validators, ETH shares and slashing factors.
use super::*;

/// Typed reads of native restaking.
pub trait PodRead: StateRead {
    /// The pod of `owner`.
    fn pod_of(&self, owner: &Address) -> Result<Option<Pod>, StateError>
    where
        Self: Sized,
    {
        self.get(&key(POD_BY_OWNER, &[owner.as_slice()]))
    }

    /// The owner of the pod at `pod`.
    fn pod_owner(&self, pod: &Address) -> Result<Option<Address>, StateError>
    where
        Self: Sized,
    {
        self.get(&key(OWNER_BY_POD, &[pod.as_slice()]))
    }

    /// The pod at address `pod`.
    fn pod_at(&self, pod: &Address) -> Result<Option<Pod>, StateError>
    where
        Self: Sized,
    {
        match self.pod_owner(pod)? {
            None => Ok(None),
            Some(owner) => self.pod_of(&owner),
        }
    }

    /// A validator's record in a pod (default: INACTIVE).
    fn validator_info(&self, pod: &Address, pubkey_hash: &B256) -> Result<ValidatorInfo, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(VALIDATOR, &[pod.as_slice(), pubkey_hash.as_slice()]))?
            .unwrap_or_default())
    }

    /// Every validator ever verified for a pod, by pubkey hash.
    fn pod_validators(&self, pod: &Address) -> Result<Vec<(B256, ValidatorInfo)>, StateError>
    where
        Self: Sized,
    {
        let prefix = key(VALIDATOR, &[pod.as_slice()]);
        self.scan_prefix(&prefix)?
            .into_iter()
            .map(|(k, v)| {
                let hash = B256::from_slice(k.get(prefix.len()..).unwrap_or(&[0u8; 32]));
                let info = borsh::from_slice(&v).map_err(|_| StateError::Corrupt {
                    key: alloy_primitives::hex::encode(&k),
                })?;
                Ok((hash, info))
            })
            .collect()
    }

    /// Gwei of validators that exited in the checkpoint at `timestamp`.
    fn checkpoint_balance_exited_gwei(
        &self,
        pod: &Address,
        timestamp: u64,
    ) -> Result<u64, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(EXITED, &[pod.as_slice(), &timestamp.to_be_bytes()]))?
            .unwrap_or(0))
    }

    /// The owner's ETH deposit shares (wei; always whole gwei).
    fn pod_owner_deposit_shares(&self, owner: &Address) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(SHARES, &[owner.as_slice()]))?
            .unwrap_or(U256::ZERO))
    }

    /// The owner's beacon-chain slashing factor (`WAD` until the first balance decrease).
    fn beacon_chain_slashing_factor(&self, owner: &Address) -> Result<u64, StateError>
    where
        Self: Sized,
    {
        Ok(self
            .get(&key(BCSF, &[owner.as_slice()]))?
            .unwrap_or(WAD_U64))
    }

    /// ETH shares slashed by AVSs (they stay in the pods: never paid out).
    fn burnable_eth_shares(&self) -> Result<U256, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(BURNABLE)?.unwrap_or(U256::ZERO))
    }

    /// Number of pods.
    fn pod_count(&self) -> Result<u64, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(COUNT)?.unwrap_or(0))
    }
}
impl<T: StateRead + ?Sized> PodRead for T {}

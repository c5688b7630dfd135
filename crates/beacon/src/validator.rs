//! The eight leaves of a `Validator` container and how to read them. uint64 fields are
//! little-endian in the first 8 bytes of their 32-byte leaf. Every decoder takes the full field
//! list and refuses any count other than 8 (`WrongFieldCount`).

use crate::error::BeaconError;
use alloy_primitives::{Address, B256};
use sha2::{Digest, Sha256};

/// Leaves in a validator container.
pub const VALIDATOR_FIELDS_LENGTH: usize = 8;
/// `sha256(pubkey ‖ 16 zero bytes)`.
pub const VALIDATOR_PUBKEY_INDEX: usize = 0;
/// `0x01`/`0x02` ‖ 11 zero bytes ‖ address.
pub const VALIDATOR_WITHDRAWAL_CREDENTIALS_INDEX: usize = 1;
/// Effective balance, gwei.
pub const VALIDATOR_BALANCE_INDEX: usize = 2;
/// Slashed flag (leaf non-zero).
pub const VALIDATOR_SLASHED_INDEX: usize = 3;
/// Activation eligibility epoch.
pub const VALIDATOR_ACTIVATION_ELIGIBILITY_EPOCH_INDEX: usize = 4;
/// Activation epoch.
pub const VALIDATOR_ACTIVATION_EPOCH_INDEX: usize = 5;
/// Exit epoch.
pub const VALIDATOR_EXIT_EPOCH_INDEX: usize = 6;
/// Withdrawable epoch.
pub const VALIDATOR_WITHDRAWABLE_EPOCH_INDEX: usize = 7;
/// "Not set" for epochs.
pub const FAR_FUTURE_EPOCH: u64 = u64::MAX;

fn field(fields: &[B256], i: usize) -> Result<B256, BeaconError> {
    if fields.len() != VALIDATOR_FIELDS_LENGTH {
        return Err(BeaconError::WrongFieldCount(fields.len()));
    }
    fields
        .get(i)
        .copied()
        .ok_or(BeaconError::WrongFieldCount(fields.len()))
}

/// The little-endian `u64` in the first 8 bytes of a leaf.
pub fn le_u64(leaf: &B256) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(leaf.get(..8).unwrap_or(&[0u8; 8]));
    u64::from_le_bytes(b)
}

/// Field 0: the pubkey hash, which identifies the validator in a pod.
pub fn pubkey_hash_of(fields: &[B256]) -> Result<B256, BeaconError> {
    field(fields, VALIDATOR_PUBKEY_INDEX)
}

/// Field 1: the withdrawal credentials.
pub fn withdrawal_credentials(fields: &[B256]) -> Result<B256, BeaconError> {
    field(fields, VALIDATOR_WITHDRAWAL_CREDENTIALS_INDEX)
}

/// Field 2: the effective balance in gwei.
pub fn effective_balance_gwei(fields: &[B256]) -> Result<u64, BeaconError> {
    field(fields, VALIDATOR_BALANCE_INDEX).map(|l| le_u64(&l))
}

/// Field 3: slashed on the beacon chain.
pub fn is_slashed(fields: &[B256]) -> Result<bool, BeaconError> {
    field(fields, VALIDATOR_SLASHED_INDEX).map(|l| !l.is_zero())
}

/// Field 4: the activation eligibility epoch.
pub fn activation_eligibility_epoch(fields: &[B256]) -> Result<u64, BeaconError> {
    field(fields, VALIDATOR_ACTIVATION_ELIGIBILITY_EPOCH_INDEX).map(|l| le_u64(&l))
}

/// Field 5: the activation epoch ([`FAR_FUTURE_EPOCH`] while not yet activated).
pub fn activation_epoch(fields: &[B256]) -> Result<u64, BeaconError> {
    field(fields, VALIDATOR_ACTIVATION_EPOCH_INDEX).map(|l| le_u64(&l))
}

/// Field 6: the exit epoch ([`FAR_FUTURE_EPOCH`] unless exiting).
pub fn exit_epoch(fields: &[B256]) -> Result<u64, BeaconError> {
    field(fields, VALIDATOR_EXIT_EPOCH_INDEX).map(|l| le_u64(&l))
}

/// Field 7: the withdrawable epoch.
pub fn withdrawable_epoch(fields: &[B256]) -> Result<u64, BeaconError> {
    field(fields, VALIDATOR_WITHDRAWABLE_EPOCH_INDEX).map(|l| le_u64(&l))
}

/// `sha256(pubkey ‖ 16 zero bytes)` of a 48-byte BLS public key.
pub fn pubkey_hash(pubkey: &[u8]) -> Result<B256, BeaconError> {
    if pubkey.len() != 48 {
        return Err(BeaconError::BadPubkeyLength(pubkey.len()));
    }
    let mut h = Sha256::new();
    h.update(pubkey);
    h.update([0u8; 16]);
    Ok(B256::from_slice(&h.finalize()))
}

/// Whether credentials send withdrawals to `pod`: prefix `0x01` or `0x02`, 11 zero bytes, then
/// the pod's address.
pub fn credentials_point_to(credentials: B256, pod: Address) -> bool {
    let b = credentials.as_slice();
    matches!(b.first(), Some(0x01 | 0x02))
        && b.get(1..12).is_some_and(|z| z.iter().all(|x| *x == 0))
        && b.get(12..) == Some(pod.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_must_name_the_pod_with_a_01_or_02_prefix() {
        let pod = Address::repeat_byte(0x49);
        let mut c = [0u8; 32];
        c[12..].copy_from_slice(pod.as_slice());
        for (prefix, ok) in [(0x00, false), (0x01, true), (0x02, true), (0x03, false)] {
            c[0] = prefix;
            assert_eq!(
                credentials_point_to(B256::from(c), pod),
                ok,
                "prefix {prefix}"
            );
        }
        c[0] = 1;
        c[5] = 1;
        assert!(!credentials_point_to(B256::from(c), pod));
        c[5] = 0;
        assert!(!credentials_point_to(
            B256::from(c),
            Address::repeat_byte(0x48)
        ));
    }

    #[test]
    fn decoders_need_exactly_eight_fields() {
        assert_eq!(
            effective_balance_gwei(&[B256::ZERO; 7]),
            Err(BeaconError::WrongFieldCount(7))
        );
        let mut f = vec![B256::ZERO; 8];
        let mut leaf = [0u8; 32];
        leaf[..8].copy_from_slice(&32_000_115_173u64.to_le_bytes());
        f[2] = B256::from(leaf);
        assert_eq!(effective_balance_gwei(&f), Ok(32_000_115_173));
        assert_eq!(
            pubkey_hash(&[0u8; 47]),
            Err(BeaconError::BadPubkeyLength(47))
        );
    }

    #[test]
    fn a_pubkey_hash_is_sha256_of_the_key_padded_with_16_zero_bytes() {
        // sha256 of 64 zero bytes.
        assert_eq!(
            pubkey_hash(&[0u8; 48]).unwrap(),
            "0xf5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b"
                .parse::<B256>()
                .unwrap()
        );
        let key = [0xa5u8; 48];
        let mut h = Sha256::new();
        h.update(key);
        h.update([0u8; 16]);
        assert_eq!(pubkey_hash(&key).unwrap(), B256::from_slice(&h.finalize()));
        assert_eq!(
            pubkey_hash(&[0u8; 49]),
            Err(BeaconError::BadPubkeyLength(49))
        );
    }

    #[test]
    fn the_slashed_flag_is_any_non_zero_leaf() {
        let mut f = vec![B256::ZERO; 8];
        assert_eq!(is_slashed(&f), Ok(false));
        f[VALIDATOR_SLASHED_INDEX] = B256::with_last_byte(1);
        assert_eq!(is_slashed(&f), Ok(true));
    }
}

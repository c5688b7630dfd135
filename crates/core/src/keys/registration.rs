//! `configureOperatorSet`, `registerKey`, `deregisterKey`.

use super::{
    CURRENT, KeyOwner, KeyScheme, KeysError, KeysRead, OWNER, OperatorKey, SCHEME, check_key,
    history_key, key_hash, set_op_key,
};
use crate::allocation::AllocationRead;
use crate::delegation::DelegationRead;
use crate::eip712;
use crate::error::Error;
use crate::event::Event;
use crate::exec::Exec;
use crate::permissions;
use crate::state::{StateWrite, key};
use alloy_primitives::{Address, Bytes};
use restake_primitives::OperatorSet;
use restake_primitives::bls;

/// `configureOperatorSet` action.
///
/// Rules:
/// 1. The sender may act for the AVS (`configureOperatorSet`); the set exists.
/// 2. A set's scheme is chosen once: a set already configured is refused (its keys, and every
///    signature made with them, stay meaningful).
pub fn configure_operator_set(
    ex: &mut Exec<'_>,
    sender: Address,
    set: OperatorSet,
    scheme: KeyScheme,
) -> Result<(), Error> {
    permissions::check_can_call(&ex.state, &set.avs, &sender, "configureOperatorSet")?;
    if ex.state.operator_set(&set)?.is_none() {
        return Err(KeysError::UnknownOperatorSet(set).into());
    }
    if ex.state.key_scheme(&set)?.is_some() {
        return Err(KeysError::AlreadyConfigured(set).into());
    }
    ex.state.put(key(SCHEME, &[set.key().as_slice()]), &scheme);
    ex.emit(Event::OperatorSetConfigured {
        operator_set: set,
        key_scheme: scheme,
    });
    Ok(())
}

/// `registerKey` action.
///
/// Rules:
/// 1. The sender may act for the operator (`registerKey`); the operator is registered as an
///    operator; the set exists and has a key scheme.
/// 2. The operator has no key in the set yet (to rotate, deregister first).
/// 3. `keyData` is a key of the set's scheme (ECDSA: a non-zero 20-byte address; BLS: a 48-byte
///    compressed G1 point of the prime-order subgroup, not the identity), never registered
///    before by anyone.
/// 4. `signature` is by that key over `KeyRegistration(operator, avs, operatorSetId, keyData)`
///    on this chain: ECDSA, a canonical 65-byte EIP-712 signature recovering to the key's
///    address; BLS, a proof of possession bound to the message's EIP-712 digest.
/// 5. The key becomes the operator's in the set from this block on, and its hash is spent for
///    good.
pub fn register_key(
    ex: &mut Exec<'_>,
    sender: Address,
    operator: Address,
    set: OperatorSet,
    key_data: &Bytes,
    signature: &Bytes,
) -> Result<(), Error> {
    permissions::check_can_call(&ex.state, &operator, &sender, "registerKey")?;
    if !ex.state.is_operator(&operator)? {
        return Err(KeysError::NotOperator(operator).into());
    }
    if ex.state.operator_set(&set)?.is_none() {
        return Err(KeysError::UnknownOperatorSet(set).into());
    }
    let scheme = ex
        .state
        .key_scheme(&set)?
        .ok_or(KeysError::NotConfigured(set))?;
    if ex.state.operator_key(&set, &operator)?.is_some() {
        return Err(KeysError::AlreadyRegistered { operator, set }.into());
    }
    check_key(scheme, key_data)?;
    let hash = key_hash(key_data);
    if let Some(owner) = ex.state.key_owner(&hash)? {
        return Err(KeysError::KeyInUse {
            hash,
            operator: owner.operator,
            set: owner.operator_set,
        }
        .into());
    }
    let digest = eip712::digest(
        &eip712::KeyRegistration {
            operator,
            avs: set.avs,
            operatorSetId: set.id,
            keyData: key_data.clone(),
        },
        ex.block.chain_id,
    );
    let signed = match scheme {
        KeyScheme::Ecdsa => {
            restake_primitives::signature::recover_signer(&digest, signature)?.as_slice()
                == key_data.as_ref()
        }
        KeyScheme::Bls12381 => {
            let pk = bls::PublicKey::from_bytes(key_data).map_err(KeysError::BadBlsKey)?;
            let proof = bls::Signature::from_bytes(signature).map_err(KeysError::BadBlsKey)?;
            pk.verify_possession_bound(digest.as_slice(), &proof)
                .is_ok()
        }
    };
    if !signed {
        return Err(KeysError::BadKeySignature.into());
    }
    let height = u64::from(ex.block.number);
    ex.state.put(
        set_op_key(CURRENT, &set, &operator),
        &OperatorKey {
            key_data: key_data.clone(),
            registered_at: height,
        },
    );
    ex.state.put(
        history_key(&set, &operator, height),
        &Some(key_data.clone()),
    );
    ex.state.put(
        key(OWNER, &[hash.as_slice()]),
        &KeyOwner {
            operator,
            operator_set: set,
        },
    );
    ex.emit(Event::KeyRegistered {
        operator,
        operator_set: set,
        key_scheme: scheme,
        key_data: key_data.clone(),
    });
    Ok(())
}

/// `deregisterKey` action.
///
/// Rules:
/// 1. The sender may act for the operator (`deregisterKey`); the operator has a key in the set.
/// 2. The set can no longer slash the operator (never registered, or deregistered and past the
///    deallocation delay): while it can, what the key signs must stay attributable.
/// 3. The key stops being the operator's from this block on; its hash stays spent, and the
///    history keeps when it was valid.
pub fn deregister_key(
    ex: &mut Exec<'_>,
    sender: Address,
    operator: Address,
    set: OperatorSet,
) -> Result<(), Error> {
    permissions::check_can_call(&ex.state, &operator, &sender, "deregisterKey")?;
    let Some(current) = ex.state.operator_key(&set, &operator)? else {
        return Err(KeysError::NotRegistered { operator, set }.into());
    };
    if ex
        .state
        .is_operator_slashable(&operator, &set, ex.block.number)?
    {
        return Err(KeysError::StillSlashable { operator, set }.into());
    }
    ex.state.delete(&set_op_key(CURRENT, &set, &operator));
    ex.state.put(
        history_key(&set, &operator, u64::from(ex.block.number)),
        &None::<Bytes>,
    );
    ex.emit(Event::KeyDeregistered {
        operator,
        operator_set: set,
        key_data: current.key_data,
    });
    Ok(())
}

//! Delegated permissions (EigenLayer's `PermissionController`, spec §10).
//!
//! An operator or AVS account may hand specific actions to other keys. With no admins an account
//! administers itself; once it has admins, only they do (the account itself too only if it is
//! one). Admins are added in two steps (propose, accept) and the last one cannot be removed.
//! An appointee may perform one named action (the action's `type`, e.g. `modifyAllocations`) on
//! the account's behalf. Stakers' own actions are never delegable.

use crate::error::Error;
use crate::event::Event;
use crate::exec::Exec;
use crate::state::{StateError, StateRead, StateWrite, key};
use alloy_primitives::Address;
use thiserror::Error;

/// Permission failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PermissionError {
    /// The caller may not act for the account.
    #[error("{caller} may not perform {selector} for {account}")]
    InvalidPermissions {
        /// Account acted for.
        account: Address,
        /// Who tried.
        caller: Address,
        /// Action name.
        selector: String,
    },
    /// Only an admin of the account may change its permissions.
    #[error("{caller} is not an admin of {account}")]
    NotAdmin {
        /// Account.
        account: Address,
        /// Who tried.
        caller: Address,
    },
    /// Already an admin.
    #[error("{0} is already an admin")]
    AdminAlreadySet(Address),
    /// Already proposed.
    #[error("{0} is already a pending admin")]
    AdminAlreadyPending(Address),
    /// Not proposed.
    #[error("{0} is not a pending admin")]
    AdminNotPending(Address),
    /// Not an admin.
    #[error("{0} is not an admin")]
    AdminNotSet(Address),
    /// The last admin cannot be removed.
    #[error("an account with admins cannot drop to zero admins")]
    CannotHaveZeroAdmins,
    /// Already appointed for that action.
    #[error("{appointee} is already appointed for {selector}")]
    AppointeeAlreadySet {
        /// Appointee.
        appointee: Address,
        /// Action.
        selector: String,
    },
    /// Not appointed for that action.
    #[error("{appointee} is not appointed for {selector}")]
    AppointeeNotSet {
        /// Appointee.
        appointee: Address,
        /// Action.
        selector: String,
    },
    /// Selectors are action names: 1 to 64 ASCII letters.
    #[error("invalid selector {0:?}")]
    InvalidSelector(String),
}

const ADMINS: &[u8] = b"perm/admins/";
const PENDING: &[u8] = b"perm/pending/";
const APPOINTEE: &[u8] = b"perm/appt/";

fn admins_key(account: &Address) -> Vec<u8> {
    key(ADMINS, &[account.as_slice()])
}

fn pending_key(account: &Address) -> Vec<u8> {
    key(PENDING, &[account.as_slice()])
}

fn appointee_key(account: &Address, appointee: &Address, selector: &str) -> Vec<u8> {
    key(
        APPOINTEE,
        &[
            account.as_slice(),
            appointee.as_slice(),
            selector.as_bytes(),
        ],
    )
}

/// Typed reads of permissions.
pub trait PermissionsRead: StateRead {
    /// The account's admins (empty: the account administers itself).
    fn admins(&self, account: &Address) -> Result<Vec<Address>, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(&admins_key(account))?.unwrap_or_default())
    }

    /// Proposed admins awaiting acceptance.
    fn pending_admins(&self, account: &Address) -> Result<Vec<Address>, StateError>
    where
        Self: Sized,
    {
        Ok(self.get(&pending_key(account))?.unwrap_or_default())
    }

    /// True when `caller` administers `account`.
    fn is_admin(&self, account: &Address, caller: &Address) -> Result<bool, StateError>
    where
        Self: Sized,
    {
        let admins = self.admins(account)?;
        Ok(if admins.is_empty() {
            account == caller
        } else {
            admins.contains(caller)
        })
    }

    /// True when `caller` may perform `selector` for `account`.
    fn can_call(
        &self,
        account: &Address,
        caller: &Address,
        selector: &str,
    ) -> Result<bool, StateError>
    where
        Self: Sized,
    {
        Ok(self.is_admin(account, caller)?
            || self.contains(&appointee_key(account, caller, selector))?)
    }
}
impl<T: StateRead + ?Sized> PermissionsRead for T {}

/// Fails with `InvalidPermissions` unless `caller` may perform `selector` for `account`.
pub fn check_can_call<R: StateRead>(
    s: &R,
    account: &Address,
    caller: &Address,
    selector: &str,
) -> Result<(), Error> {
    if s.can_call(account, caller, selector)? {
        return Ok(());
    }
    Err(PermissionError::InvalidPermissions {
        account: *account,
        caller: *caller,
        selector: selector.into(),
    }
    .into())
}

fn require_admin(ex: &Exec<'_>, account: &Address, caller: &Address) -> Result<(), Error> {
    if ex.state.is_admin(account, caller)? {
        return Ok(());
    }
    Err(PermissionError::NotAdmin {
        account: *account,
        caller: *caller,
    }
    .into())
}

/// `addPendingAdmin` action.
///
/// Rules:
/// 1. The sender administers `account`.
/// 2. `admin` is neither an admin nor already pending.
/// 3. `admin` becomes pending until it accepts.
pub fn add_pending_admin(
    ex: &mut Exec<'_>,
    sender: Address,
    account: Address,
    admin: Address,
) -> Result<(), Error> {
    require_admin(ex, &account, &sender)?;
    if ex.state.admins(&account)?.contains(&admin) {
        return Err(PermissionError::AdminAlreadySet(admin).into());
    }
    let mut pending = ex.state.pending_admins(&account)?;
    if pending.contains(&admin) {
        return Err(PermissionError::AdminAlreadyPending(admin).into());
    }
    pending.push(admin);
    ex.state.put(pending_key(&account), &pending);
    ex.emit(Event::PendingAdminAdded { account, admin });
    Ok(())
}

/// `removePendingAdmin` action.
///
/// Rules:
/// 1. The sender administers `account`.
/// 2. `admin` is pending; it stops being pending.
pub fn remove_pending_admin(
    ex: &mut Exec<'_>,
    sender: Address,
    account: Address,
    admin: Address,
) -> Result<(), Error> {
    require_admin(ex, &account, &sender)?;
    let mut pending = ex.state.pending_admins(&account)?;
    let before = pending.len();
    pending.retain(|a| *a != admin);
    if pending.len() == before {
        return Err(PermissionError::AdminNotPending(admin).into());
    }
    ex.state.put(pending_key(&account), &pending);
    ex.emit(Event::PendingAdminRemoved { account, admin });
    Ok(())
}

/// `acceptAdmin` action.
///
/// Rules:
/// 1. The sender is a pending admin of `account`.
/// 2. It stops being pending and becomes an admin.
pub fn accept_admin(ex: &mut Exec<'_>, sender: Address, account: Address) -> Result<(), Error> {
    let mut pending = ex.state.pending_admins(&account)?;
    let before = pending.len();
    pending.retain(|a| *a != sender);
    if pending.len() == before {
        return Err(PermissionError::AdminNotPending(sender).into());
    }
    let mut admins = ex.state.admins(&account)?;
    admins.push(sender);
    ex.state.put(pending_key(&account), &pending);
    ex.state.put(admins_key(&account), &admins);
    ex.emit(Event::AdminSet {
        account,
        admin: sender,
    });
    Ok(())
}

/// `removeAdmin` action.
///
/// Rules:
/// 1. The sender administers `account`.
/// 2. `admin` is an admin and is not the last one.
pub fn remove_admin(
    ex: &mut Exec<'_>,
    sender: Address,
    account: Address,
    admin: Address,
) -> Result<(), Error> {
    require_admin(ex, &account, &sender)?;
    let mut admins = ex.state.admins(&account)?;
    if !admins.contains(&admin) {
        return Err(PermissionError::AdminNotSet(admin).into());
    }
    if admins.len() == 1 {
        return Err(PermissionError::CannotHaveZeroAdmins.into());
    }
    admins.retain(|a| *a != admin);
    ex.state.put(admins_key(&account), &admins);
    ex.emit(Event::AdminRemoved { account, admin });
    Ok(())
}

fn check_selector(selector: &str) -> Result<(), Error> {
    if selector.is_empty()
        || selector.len() > 64
        || !selector.bytes().all(|b| b.is_ascii_alphabetic())
    {
        return Err(PermissionError::InvalidSelector(selector.into()).into());
    }
    Ok(())
}

/// `setAppointee` action.
///
/// Rules:
/// 1. The sender administers `account`; `selector` is 1–64 ASCII letters: the name of the
///    action it allows (e.g. `modifyAllocations`), or `approveOperatorSetRegistration` for an
///    AVS's registration approvals.
/// 2. `appointee` is not already appointed for it; it becomes appointed.
pub fn set_appointee(
    ex: &mut Exec<'_>,
    sender: Address,
    account: Address,
    appointee: Address,
    selector: &str,
) -> Result<(), Error> {
    require_admin(ex, &account, &sender)?;
    check_selector(selector)?;
    let k = appointee_key(&account, &appointee, selector);
    if ex.state.contains(&k)? {
        return Err(PermissionError::AppointeeAlreadySet {
            appointee,
            selector: selector.into(),
        }
        .into());
    }
    ex.state.put_flag(k);
    ex.emit(Event::AppointeeSet {
        account,
        appointee,
        selector: selector.into(),
    });
    Ok(())
}

/// `removeAppointee` action.
///
/// Rules:
/// 1. The sender administers `account`.
/// 2. `appointee` is appointed for `selector`; it no longer is.
pub fn remove_appointee(
    ex: &mut Exec<'_>,
    sender: Address,
    account: Address,
    appointee: Address,
    selector: &str,
) -> Result<(), Error> {
    require_admin(ex, &account, &sender)?;
    let k = appointee_key(&account, &appointee, selector);
    if !ex.state.contains(&k)? {
        return Err(PermissionError::AppointeeNotSet {
            appointee,
            selector: selector.into(),
        }
        .into());
    }
    ex.state.delete(&k);
    ex.emit(Event::AppointeeRemoved {
        account,
        appointee,
        selector: selector.into(),
    });
    Ok(())
}

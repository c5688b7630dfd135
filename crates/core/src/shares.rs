//! Share accounting under slashing (EigenLayer's `SlashingLib`, spec §4.2), exact to the wei.
//!
//! Symbols: `s` deposit shares, `k` deposit scaling factor (DSF), `sf` slashing factor (the
//! operator's max magnitude `m`, times the beacon-chain factor for native ETH), `a` withdrawable
//! shares, `op` operator shares. Everything rounds down except the two deliberate round-ups that
//! keep `op >= Σ a` (see [`calc_slashed_amount`]).

use alloy_primitives::U256;
use restake_primitives::WAD;
use restake_primitives::math::{MathError, Rounding, div_wad, mul_div, mul_wad, sub};

/// A stored DSF of zero means "never set" and reads as `WAD`.
pub fn scaling_factor(k_raw: U256) -> U256 {
    if k_raw.is_zero() { WAD } else { k_raw }
}

/// `a = mulWad(mulWad(s, k), sf)`.
pub fn calc_withdrawable(k: U256, s: U256, sf: U256) -> Result<U256, MathError> {
    mul_wad(mul_wad(s, scaling_factor(k))?, sf)
}

/// `s = divWad(divWad(a, k), sf)` (views only).
pub fn calc_deposit_shares(k: U256, a: U256, sf: U256) -> Result<U256, MathError> {
    div_wad(div_wad(a, scaling_factor(k))?, sf)
}

/// Scaled shares stored in a queued withdrawal: `q = mulWad(x, k)`.
pub fn scale_for_queue_withdrawal(k: U256, x: U256) -> Result<U256, MathError> {
    mul_wad(x, scaling_factor(k))
}

/// Shares paid out when a withdrawal completes: `mulWad(q, sf)`.
pub fn scale_for_complete_withdrawal(q: U256, sf: U256) -> Result<U256, MathError> {
    mul_wad(q, sf)
}

/// Outcome of [`update_dsf`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DsfUpdate {
    /// The new factor.
    Ok(U256),
    /// The computed factor was zero (`InvalidDepositScalingFactor`).
    Zero,
}

/// The DSF after adding `added` shares to `prev` at slashing factor `sf` (`sf != 0`).
///
/// With `prev == 0` (first deposit, or delegation) the factor becomes `divWad(k, sf)`, which
/// "forgives" slashing that happened before. Otherwise it keeps the staker's withdrawable shares
/// growing by exactly `added` (up to rounding):
/// `k' = divWad(divWad(calcWithdrawable(k, prev, sf) + added, prev + added), sf)`.
pub fn update_dsf(k: U256, prev: U256, added: U256, sf: U256) -> Result<DsfUpdate, MathError> {
    let k = scaling_factor(k);
    let new = if prev.is_zero() {
        div_wad(k, sf)?
    } else {
        let current = calc_withdrawable(k, prev, sf)?;
        let num = current.checked_add(added).ok_or(MathError::Overflow)?;
        let den = prev.checked_add(added).ok_or(MathError::Overflow)?;
        div_wad(div_wad(num, den)?, sf)?
    };
    Ok(if new.is_zero() {
        DsfUpdate::Zero
    } else {
        DsfUpdate::Ok(new)
    })
}

/// Shares removed from `op` when the max magnitude drops from `prev_max` to `new_max`:
/// `op - ceil(op * new_max / prev_max)` — what remains rounds up, so what is removed rounds down.
pub fn calc_slashed_amount(op: U256, prev_max: U256, new_max: U256) -> Result<U256, MathError> {
    sub(op, mul_div(op, new_max, prev_max, Rounding::Up)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e18(x: u64) -> U256 {
        U256::from(x) * WAD
    }

    fn wad_frac(num: u64, den: u64) -> U256 {
        WAD * U256::from(num) / U256::from(den)
    }

    #[test]
    fn unset_dsf_reads_as_wad() {
        assert_eq!(scaling_factor(U256::ZERO), WAD);
        assert_eq!(calc_withdrawable(U256::ZERO, e18(5), WAD).unwrap(), e18(5));
    }

    #[test]
    fn first_deposit_after_slashing_is_forgiven() {
        // Operator at half magnitude: a new staker's DSF becomes 2, so 10 deposited shares are
        // worth 10 withdrawable shares, not 5.
        let k = match update_dsf(U256::ZERO, U256::ZERO, e18(10), wad_frac(1, 2)).unwrap() {
            DsfUpdate::Ok(k) => k,
            DsfUpdate::Zero => unreachable!(),
        };
        assert_eq!(k, e18(2));
        assert_eq!(
            calc_withdrawable(k, e18(10), wad_frac(1, 2)).unwrap(),
            e18(10)
        );
    }

    #[test]
    fn later_deposits_add_exactly_the_deposited_amount_to_withdrawable() {
        let sf = wad_frac(3, 4);
        let k0 = WAD;
        let prev = e18(8);
        let before = calc_withdrawable(k0, prev, sf).unwrap();
        let DsfUpdate::Ok(k1) = update_dsf(k0, prev, e18(4), sf).unwrap() else {
            unreachable!()
        };
        let after = calc_withdrawable(k1, prev + e18(4), sf).unwrap();
        // Exact up to flooring: each floor of `k` loses at most 1 wei of factor, which costs at
        // most `(prev + added) / 1e18` withdrawable shares, plus the floors of the mulWads.
        // Here: divWad(10, 12) and the division by 0.75 floor, losing 10 wei in total.
        let gained = after - before;
        assert_eq!(gained, e18(4) - U256::from(10));
        let bound = U256::from(2) * (prev + e18(4)) / WAD + U256::from(2);
        assert!(e18(4) - gained <= bound);
    }

    #[test]
    fn slashed_amount_rounds_down_so_operator_keeps_the_dust() {
        // op = 10, magnitude 3 -> 2: remaining = ceil(10 * 2 / 3) = 7, removed = 3 (not 3.33).
        assert_eq!(
            calc_slashed_amount(U256::from(10), U256::from(3), U256::from(2)).unwrap(),
            U256::from(3)
        );
        assert_eq!(
            calc_slashed_amount(U256::from(10), U256::from(3), U256::ZERO).unwrap(),
            U256::from(10)
        );
        assert_eq!(
            calc_slashed_amount(U256::from(10), U256::ZERO, U256::ZERO),
            Err(MathError::DivisionByZero)
        );
    }

    #[test]
    fn a_zero_dsf_is_reported_instead_of_stored() {
        // current = 0 after flooring, so divWad(1, 1e30 + 1) = 0.
        let r = update_dsf(
            U256::from(1),
            U256::from(10).pow(U256::from(30)),
            U256::from(1),
            U256::from(1),
        );
        assert_eq!(r.unwrap(), DsfUpdate::Zero);
        assert_eq!(
            update_dsf(WAD, e18(1), e18(1), WAD).unwrap(),
            DsfUpdate::Ok(WAD)
        );
    }
}

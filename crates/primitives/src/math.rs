//! Integer math for shares, magnitudes and scaling factors.
//!
//! Every division states its rounding. `mul_div` computes `x * y / d` over a 512-bit intermediate,
//! so it fails only when the *result* does not fit in 256 bits. The WAD helpers are the ones the
//! slashing math is written in (`WAD = 1e18` stands for 1.0):
//! `mul_wad = floor(x*y/WAD)`, `div_wad = floor(x*WAD/y)`, `mul_wad_up = ceil(x*y/WAD)`.

use alloy_primitives::{U256, U512};
use thiserror::Error;

/// 1.0 in 18-decimal fixed point.
pub const WAD: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);

/// Arithmetic failure. Protocol code turns these into errors, never into wraps or panics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum MathError {
    /// The result does not fit in the target type.
    #[error("arithmetic overflow")]
    Overflow,
    /// A subtraction would go below zero.
    #[error("arithmetic underflow")]
    Underflow,
    /// A division by zero was requested.
    #[error("division by zero")]
    DivisionByZero,
}

/// Which way a division rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Toward zero (floor for unsigned values).
    Down,
    /// Away from zero (ceiling for unsigned values).
    Up,
}

/// `x * y / d` with the given rounding, exact over a 512-bit intermediate.
pub fn mul_div(x: U256, y: U256, d: U256, rounding: Rounding) -> Result<U256, MathError> {
    if d.is_zero() {
        return Err(MathError::DivisionByZero);
    }
    // Fast path: the product fits in 256 bits (the common case for shares and magnitudes).
    if let Some(p) = x.checked_mul(y) {
        let (q, r) = p.div_rem(d);
        return match rounding {
            Rounding::Up if !r.is_zero() => {
                q.checked_add(U256::from(1u8)).ok_or(MathError::Overflow)
            }
            _ => Ok(q),
        };
    }
    let p: U512 = x.widening_mul(y);
    let (q, r) = p.div_rem(U512::from(d));
    let q = if rounding == Rounding::Up && !r.is_zero() {
        q.checked_add(U512::from(1u8)).ok_or(MathError::Overflow)?
    } else {
        q
    };
    narrow(q)
}

fn narrow(v: U512) -> Result<U256, MathError> {
    let limbs = v.as_limbs();
    match limbs {
        [a, b, c, d, 0, 0, 0, 0] => Ok(U256::from_limbs([*a, *b, *c, *d])),
        _ => Err(MathError::Overflow),
    }
}

/// `floor(x * y / WAD)`.
pub fn mul_wad(x: U256, y: U256) -> Result<U256, MathError> {
    mul_div(x, y, WAD, Rounding::Down)
}

/// `ceil(x * y / WAD)`.
pub fn mul_wad_up(x: U256, y: U256) -> Result<U256, MathError> {
    mul_div(x, y, WAD, Rounding::Up)
}

/// `floor(x * WAD / y)`.
pub fn div_wad(x: U256, y: U256) -> Result<U256, MathError> {
    mul_div(x, WAD, y, Rounding::Down)
}

/// `x + y`, or [`MathError::Overflow`].
pub fn add(x: U256, y: U256) -> Result<U256, MathError> {
    x.checked_add(y).ok_or(MathError::Overflow)
}

/// `x - y`, or [`MathError::Underflow`].
pub fn sub(x: U256, y: U256) -> Result<U256, MathError> {
    x.checked_sub(y).ok_or(MathError::Underflow)
}

/// `a + 1` for counters, or [`MathError::Overflow`].
pub fn inc_u64(a: u64) -> Result<u64, MathError> {
    a.checked_add(1).ok_or(MathError::Overflow)
}

/// Unsigned 64-bit add, or [`MathError::Overflow`].
pub fn add_u64(a: u64, b: u64) -> Result<u64, MathError> {
    a.checked_add(b).ok_or(MathError::Overflow)
}

/// Unsigned 64-bit subtract, or [`MathError::Underflow`].
pub fn sub_u64(a: u64, b: u64) -> Result<u64, MathError> {
    a.checked_sub(b).ok_or(MathError::Underflow)
}

/// Block-number add (`u32`, as EigenLayer's block fields), or [`MathError::Overflow`].
pub fn add_block(a: u32, b: u32) -> Result<u32, MathError> {
    a.checked_add(b).ok_or(MathError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn u(x: u128) -> U256 {
        U256::from(x)
    }

    #[test]
    fn mul_div_rounds_down_and_up_as_asked() {
        assert_eq!(mul_div(u(7), u(3), u(2), Rounding::Down).unwrap(), u(10));
        assert_eq!(mul_div(u(7), u(3), u(2), Rounding::Up).unwrap(), u(11));
        assert_eq!(mul_div(u(8), u(3), u(2), Rounding::Up).unwrap(), u(12));
    }

    #[test]
    fn mul_div_uses_a_512_bit_intermediate() {
        // (2^255) * 4 / 8 = 2^254: the product overflows 256 bits but the result does not.
        let big = U256::from(1u8) << 255;
        assert_eq!(
            mul_div(big, u(4), u(8), Rounding::Down).unwrap(),
            U256::from(1u8) << 254
        );
        assert_eq!(
            mul_div(U256::MAX, U256::MAX, U256::MAX, Rounding::Up).unwrap(),
            U256::MAX
        );
    }

    #[test]
    fn mul_div_reports_overflow_and_division_by_zero() {
        assert_eq!(
            mul_div(U256::MAX, u(2), u(1), Rounding::Down),
            Err(MathError::Overflow)
        );
        assert_eq!(
            mul_div(u(1), u(1), U256::ZERO, Rounding::Down),
            Err(MathError::DivisionByZero)
        );
        // A result above 2^256 - 1 is an overflow even on the wide path.
        assert_eq!(
            mul_div(
                U256::MAX,
                U256::MAX - u(1),
                U256::MAX - u(2),
                Rounding::Down
            ),
            Err(MathError::Overflow)
        );
    }

    #[test]
    fn wad_helpers_match_their_definitions() {
        let half = WAD / u(2);
        assert_eq!(mul_wad(u(3), half).unwrap(), u(1));
        assert_eq!(mul_wad_up(u(3), half).unwrap(), u(2));
        assert_eq!(div_wad(u(1), u(3)).unwrap(), u(333_333_333_333_333_333));
        assert_eq!(div_wad(WAD, WAD).unwrap(), WAD);
        assert_eq!(div_wad(u(1), U256::ZERO), Err(MathError::DivisionByZero));
    }

    #[test]
    fn checked_add_and_sub_name_their_failure() {
        assert_eq!(add(U256::MAX, u(1)), Err(MathError::Overflow));
        assert_eq!(sub(u(1), u(2)), Err(MathError::Underflow));
        assert_eq!(add_block(u32::MAX, 1), Err(MathError::Overflow));
    }

    proptest! {
        #[test]
        fn mul_div_matches_u128_reference(x in any::<u64>(), y in any::<u64>(), d in 1u64..) {
            let exact = (x as u128) * (y as u128);
            let down = exact / d as u128;
            let up = down + u128::from(!exact.is_multiple_of(d as u128));
            prop_assert_eq!(mul_div(u(x as u128), u(y as u128), u(d as u128), Rounding::Down).unwrap(), u(down));
            prop_assert_eq!(mul_div(u(x as u128), u(y as u128), u(d as u128), Rounding::Up).unwrap(), u(up));
        }

        #[test]
        fn mul_div_wide_path_agrees_with_narrow_identity(x in any::<[u64; 4]>(), d in any::<[u64; 4]>()) {
            let x = U256::from_limbs(x);
            let d = U256::from_limbs(d);
            prop_assume!(!d.is_zero());
            // x * d / d == x exactly, whichever rounding, even when x * d overflows 256 bits.
            prop_assert_eq!(mul_div(x, d, d, Rounding::Down).unwrap(), x);
            prop_assert_eq!(mul_div(x, d, d, Rounding::Up).unwrap(), x);
        }
    }
}

//! Amounts in units: `1.5` in a token's decimals, `1.5ether`, `1.5gwei`, `1500000000000000000wei`
//! in, and `1.5` out. Exact: digits are read into a `U256` with checked arithmetic, never
//! through a float.

use alloy_primitives::U256;
use thiserror::Error;

/// Decimals of ether (and of wads, shares and wei values that belong to no token).
pub const ETHER_DECIMALS: u8 = 18;

/// Why a text is not an amount.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AmountError {
    /// Not digits with at most one decimal point and an optional unit.
    #[error(
        "{input:?} is not an amount: write a number such as 1.5 (in the token's units), 1.5ether, 1.5gwei or 1500000000000000000wei"
    )]
    NotANumber {
        /// What was given.
        input: String,
    },
    /// More fractional digits than the unit has.
    #[error("{input:?} has {given} decimal places but {unit} has only {allowed}")]
    TooPrecise {
        /// What was given.
        input: String,
        /// Its fractional digits (trailing zeros aside).
        given: usize,
        /// The unit's decimals.
        allowed: u8,
        /// The unit, e.g. `stETH` or `wei`.
        unit: String,
    },
    /// More than a 256-bit integer holds.
    #[error("{input:?} is too large: an amount is at most 2^256 - 1 base units")]
    TooLarge {
        /// What was given.
        input: String,
    },
}

/// `10^decimals`, if it fits.
fn ten_to(decimals: u8) -> Option<U256> {
    U256::from(10u8).checked_pow(U256::from(decimals))
}

/// Reads `input` as an amount in base units. A bare number is in a unit with `decimals`
/// decimals named `unit` (a token's symbol); the suffixes `ether`, `gwei` and `wei`
/// (case-insensitive) name their own.
pub fn parse_amount(input: &str, decimals: u8, unit: &str) -> Result<U256, AmountError> {
    let trimmed = input.trim();
    let lower = trimmed.to_ascii_lowercase();
    let (number, decimals, unit) = if let Some(n) = lower.strip_suffix("gwei") {
        (n, 9, "gwei")
    } else if let Some(n) = lower.strip_suffix("wei") {
        (n, 0, "wei")
    } else if let Some(n) = lower.strip_suffix("ether") {
        (n, ETHER_DECIMALS, "ether")
    } else {
        (lower.as_str(), decimals, unit)
    };
    let number = number.trim_end();
    let not_a_number = || AmountError::NotANumber {
        input: input.to_string(),
    };
    let (whole, fraction) = match number.split_once('.') {
        Some((w, f)) => (w, f),
        None => (number, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || number.ends_with('.') {
        return Err(not_a_number());
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > usize::from(decimals) {
        return Err(AmountError::TooPrecise {
            input: input.to_string(),
            given: fraction.len(),
            allowed: decimals,
            unit: unit.to_string(),
        });
    }
    let too_large = || AmountError::TooLarge {
        input: input.to_string(),
    };
    let whole: U256 = whole.parse().map_err(|_| too_large())?;
    let scale = ten_to(decimals).ok_or_else(too_large)?;
    let mut value = whole.checked_mul(scale).ok_or_else(too_large)?;
    if !fraction.is_empty() {
        let digits: U256 = fraction.parse().map_err(|_| too_large())?;
        // `fraction.len() <= decimals`, checked above.
        let pad = u8::try_from(fraction.len())
            .ok()
            .and_then(|len| decimals.checked_sub(len))
            .and_then(ten_to)
            .ok_or_else(too_large)?;
        let part = digits.checked_mul(pad).ok_or_else(too_large)?;
        value = value.checked_add(part).ok_or_else(too_large)?;
    }
    Ok(value)
}

/// `value` base units as a decimal number in a unit with `decimals` decimals, without trailing
/// zeros: `1500000000000000000` with 18 decimals is `1.5`.
pub fn format_amount(value: U256, decimals: u8) -> String {
    let Some(scale) = ten_to(decimals) else {
        return value.to_string();
    };
    let (whole, fraction) = value.div_rem(scale);
    if fraction.is_zero() {
        return whole.to_string();
    }
    let fraction = format!(
        "{:0>width$}",
        fraction.to_string(),
        width = usize::from(decimals)
    );
    format!("{whole}.{}", fraction.trim_end_matches('0'))
}

/// A magnitude or other WAD fraction (`1e18` = 100%) as a percentage: `5e17` is `50%`.
pub fn format_wad_percent(value: U256) -> String {
    match value.checked_mul(U256::from(100u8)) {
        Some(hundredfold) => format!("{}%", format_amount(hundredfold, ETHER_DECIMALS)),
        None => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const WAD: u128 = 1_000_000_000_000_000_000;

    #[test]
    fn a_bare_number_is_in_the_tokens_units() {
        assert_eq!(
            parse_amount("1.5", 18, "stETH"),
            Ok(U256::from(WAD * 3 / 2))
        );
        assert_eq!(parse_amount("1.5", 6, "USDC"), Ok(U256::from(1_500_000u64)));
        assert_eq!(parse_amount("42", 0, "PTS"), Ok(U256::from(42u8)));
        assert_eq!(parse_amount("0.000001", 6, "USDC"), Ok(U256::from(1u8)));
        assert_eq!(parse_amount(" 7 ", 2, "X"), Ok(U256::from(700u16)));
    }

    #[test]
    fn ether_gwei_and_wei_suffixes_name_their_own_units() {
        let one_and_a_half = U256::from(WAD * 3 / 2);
        assert_eq!(parse_amount("1.5ether", 6, "USDC"), Ok(one_and_a_half));
        assert_eq!(parse_amount("1.5 ETHER", 6, "USDC"), Ok(one_and_a_half));
        assert_eq!(
            parse_amount("1500000000000000000wei", 6, "USDC"),
            Ok(one_and_a_half)
        );
        assert_eq!(
            parse_amount("1500000000gwei", 6, "USDC"),
            Ok(one_and_a_half)
        );
        assert_eq!(
            parse_amount("0.5gwei", 18, "stETH"),
            Ok(U256::from(500_000_000u64))
        );
    }

    #[test]
    fn more_fractional_digits_than_the_unit_has_are_refused() {
        assert_eq!(
            parse_amount("1.0000001", 6, "USDC"),
            Err(AmountError::TooPrecise {
                input: "1.0000001".into(),
                given: 7,
                allowed: 6,
                unit: "USDC".into()
            })
        );
        let e = parse_amount("1.5wei", 18, "stETH").unwrap_err();
        assert_eq!(
            e.to_string(),
            "\"1.5wei\" has 1 decimal places but wei has only 0"
        );
        // Trailing zeros add no precision.
        assert_eq!(parse_amount("1.500000", 1, "X"), Ok(U256::from(15u8)));
    }

    #[test]
    fn text_that_is_not_a_plain_decimal_number_is_refused() {
        for bad in [
            "", "abc", "1.2.3", "-1", "+1", "1e18", "1.", ".5", "0x10", "1,5", "ether", "1 5",
            "1.5eth",
        ] {
            assert!(
                matches!(
                    parse_amount(bad, 18, "stETH"),
                    Err(AmountError::NotANumber { .. })
                ),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn amounts_beyond_256_bits_are_refused_not_wrapped() {
        let max = U256::MAX.to_string();
        assert_eq!(parse_amount(&format!("{max}wei"), 18, "X"), Ok(U256::MAX));
        assert!(matches!(
            parse_amount(&max, 18, "X"),
            Err(AmountError::TooLarge { .. })
        ));
        assert!(matches!(
            parse_amount(&format!("{max}0wei"), 18, "X"),
            Err(AmountError::TooLarge { .. })
        ));
        assert!(matches!(
            parse_amount("1", 200, "X"),
            Err(AmountError::TooLarge { .. })
        ));
    }

    #[test]
    fn formatting_drops_trailing_zeros_and_round_trips_with_parsing() {
        assert_eq!(format_amount(U256::from(WAD * 3 / 2), 18), "1.5");
        assert_eq!(format_amount(U256::from(WAD * 10_000), 18), "10000");
        assert_eq!(format_amount(U256::from(1u8), 18), "0.000000000000000001");
        assert_eq!(format_amount(U256::ZERO, 18), "0");
        assert_eq!(format_amount(U256::from(1_234_567u64), 6), "1.234567");
        assert_eq!(format_amount(U256::from(5u8), 0), "5");
        assert_eq!(format_amount(U256::MAX, 200), U256::MAX.to_string());
        for (v, d) in [
            (U256::from(123_456_789u64), 4u8),
            (U256::MAX, 18),
            (U256::from(7u8), 30),
        ] {
            assert_eq!(parse_amount(&format_amount(v, d), d, "X"), Ok(v));
        }
    }

    #[test]
    fn wad_fractions_read_as_percentages() {
        assert_eq!(format_wad_percent(U256::from(WAD)), "100%");
        assert_eq!(format_wad_percent(U256::from(WAD / 4)), "25%");
        assert_eq!(
            format_wad_percent(U256::from(WAD / 3)),
            "33.3333333333333333%"
        );
    }
}

//! Serde helpers: amounts travel as decimal strings (`"1000000000000000000"`), never as JSON
//! numbers, so no client loses precision. Parsing accepts only ASCII digits, without sign,
//! spaces or leading zeros (except `"0"` itself), and refuses values that do not fit.

use alloy_primitives::U256;
use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

/// Parses a canonical decimal string (digits only, no leading zero, fits in 256 bits).
pub fn parse_u256(s: &str) -> Result<U256, String> {
    if s.is_empty() || s.len() > 78 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("expected a decimal string, got {s:?}"));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(format!("decimal string {s:?} has a leading zero"));
    }
    U256::from_str_radix(s, 10)
        .map_err(|_| format!("decimal string {s:?} does not fit in 256 bits"))
}

/// `U256` as a decimal string.
pub mod u256 {
    use super::*;

    /// Writes the decimal string.
    pub fn serialize<S: Serializer>(v: &U256, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    /// Reads a decimal string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
        let s = String::deserialize(d)?;
        parse_u256(&s).map_err(D::Error::custom)
    }
}

/// `Vec<U256>` as a list of decimal strings.
pub mod u256_vec {
    use super::*;

    /// Writes the decimal strings.
    pub fn serialize<S: Serializer>(v: &[U256], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| x.to_string()))
    }

    /// Reads decimal strings.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<U256>, D::Error> {
        let v = Vec::<String>::deserialize(d)?;
        v.iter()
            .map(|s| parse_u256(s).map_err(D::Error::custom))
            .collect()
    }
}

/// `Option<U256>` as a decimal string or `null`.
pub mod opt_u256 {
    use super::*;

    /// Writes the decimal string or `null`.
    pub fn serialize<S: Serializer>(v: &Option<U256>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(x) => s.serialize_some(&x.to_string()),
            None => s.serialize_none(),
        }
    }

    /// Reads a decimal string or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<U256>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| parse_u256(&s).map_err(D::Error::custom))
            .transpose()
    }
}

/// `u64` as a decimal string (magnitudes and bitmaps exceed what JavaScript numbers hold).
pub mod u64_str {
    use super::*;

    /// Writes the decimal string.
    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    /// Reads a decimal string that fits in 64 bits.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let s = String::deserialize(d)?;
        let x = parse_u256(&s).map_err(D::Error::custom)?;
        u64::try_from(x).map_err(|_| D::Error::custom(format!("{s:?} does not fit in 64 bits")))
    }
}

/// `Vec<u64>` (magnitudes) as a list of decimal strings.
pub mod u64_vec {
    use super::*;

    /// Writes the decimal strings.
    pub fn serialize<S: Serializer>(v: &[u64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| x.to_string()))
    }

    /// Reads decimal strings that fit in 64 bits.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
        let v = Vec::<String>::deserialize(d)?;
        v.iter()
            .map(|s| {
                let x = parse_u256(s).map_err(D::Error::custom)?;
                u64::try_from(x)
                    .map_err(|_| D::Error::custom(format!("{s:?} does not fit in 64 bits")))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Wire {
        #[serde(with = "u256")]
        amount: U256,
        #[serde(with = "u64_vec")]
        mags: Vec<u64>,
    }

    #[test]
    fn amounts_round_trip_as_decimal_strings() {
        let w = Wire {
            amount: U256::MAX,
            mags: vec![0, u64::MAX],
        };
        let json = serde_json::to_string(&w).unwrap();
        assert!(json.contains(
            "\"115792089237316195423570985008687907853269984665640564039457584007913129639935\""
        ));
        assert_eq!(serde_json::from_str::<Wire>(&json).unwrap(), w);
    }

    #[test]
    fn malformed_amounts_are_refused_with_a_reason() {
        for bad in [
            "\"\"", "\"-1\"", "\"0x10\"", "\" 1\"", "\"01\"", "1", "\"1e18\"",
        ] {
            let json = format!("{{\"amount\":{bad},\"mags\":[]}}");
            assert!(
                serde_json::from_str::<Wire>(&json).is_err(),
                "{bad} was accepted"
            );
        }
        let too_big = format!("{{\"amount\":\"{}0\",\"mags\":[]}}", U256::MAX);
        assert!(serde_json::from_str::<Wire>(&too_big).is_err());
        let mag_too_big = r#"{"amount":"0","mags":["18446744073709551616"]}"#;
        assert!(
            serde_json::from_str::<Wire>(mag_too_big)
                .unwrap_err()
                .to_string()
                .contains("64 bits")
        );
    }
}

/// `i128` (signed wei and gwei deltas) as a decimal string with an optional leading `-`.
pub mod i128_str {
    use super::*;

    /// Writes the decimal string.
    pub fn serialize<S: Serializer>(v: &i128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    /// Reads a decimal string that fits in a signed 128-bit integer.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i128, D::Error> {
        let s = String::deserialize(d)?;
        let (neg, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.as_str()),
        };
        let x = parse_u256(digits).map_err(D::Error::custom)?;
        let m = i128::try_from(x)
            .map_err(|_| D::Error::custom(format!("{s:?} does not fit in 128 bits")))?;
        Ok(if neg { m.saturating_neg() } else { m })
    }
}

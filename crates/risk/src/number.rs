//! Exact non-negative rationals for inputs and outputs (`"p/q"`, integers, or decimals such as
//! `"0.25"`), and exact comparisons of products over 512 bits. No floats anywhere.

use crate::error::RiskError;
use alloy_primitives::U256;
use alloy_primitives::ruint::aliases::U512;
use std::cmp::Ordering;

/// A non-negative rational `num / den`, always reduced, `den > 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frac {
    /// Numerator.
    pub num: U256,
    /// Denominator (positive).
    pub den: U256,
}

impl Frac {
    /// Zero.
    pub const ZERO: Self = Self {
        num: U256::ZERO,
        den: U256::from_limbs([1, 0, 0, 0]),
    };

    /// `num / den`, reduced; `den` must be positive.
    pub fn new(num: U256, den: U256) -> Result<Self, RiskError> {
        if den.is_zero() {
            return Err(RiskError::BadNumber("zero denominator".into()));
        }
        let g = num.gcd(den);
        let g = if g.is_zero() { U256::from(1) } else { g };
        Ok(Self {
            num: num.checked_div(g).unwrap_or_default(),
            den: den.checked_div(g).unwrap_or(U256::from(1)),
        })
    }

    /// An integer.
    pub fn int(v: U256) -> Self {
        Self {
            num: v,
            den: U256::from(1),
        }
    }

    /// Parses `"p/q"`, `"123"` or `"1.25"`; negative numbers are refused.
    pub fn parse(s: &str) -> Result<Self, RiskError> {
        let s = s.trim();
        let bad = || RiskError::BadNumber(format!("{s:?} is not a non-negative number or p/q"));
        if s.starts_with('-') {
            return Err(RiskError::Negative(s.into()));
        }
        if let Some((p, q)) = s.split_once('/') {
            let p: U256 = p.trim().parse().map_err(|_| bad())?;
            let q: U256 = q.trim().parse().map_err(|_| bad())?;
            return Self::new(p, q);
        }
        if let Some((whole, frac)) = s.split_once('.') {
            if frac.is_empty() || frac.len() > 60 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let digits = format!("{whole}{frac}");
            let num: U256 = digits.parse().map_err(|_| bad())?;
            let den = U256::from(10u64)
                .checked_pow(U256::from(frac.len()))
                .ok_or_else(bad)?;
            return Self::new(num, den);
        }
        Ok(Self::int(s.parse().map_err(|_| bad())?))
    }

    /// `"p/q"` (or `"p"` when `q = 1`).
    pub fn render(&self) -> String {
        if self.den == U256::from(1) {
            self.num.to_string()
        } else {
            format!("{}/{}", self.num, self.den)
        }
    }

    /// Exact comparison.
    pub fn cmp_frac(&self, other: &Self) -> Ordering {
        wide(self.num, other.den).cmp(&wide(other.num, self.den))
    }

    /// `self + other`, exactly (an error when the result does not fit 256 bits).
    pub fn add(&self, other: &Self) -> Result<Self, RiskError> {
        let l = lcm(self.den, other.den)?;
        let scaled = |f: &Self| {
            f.num
                .checked_mul(l.checked_div(f.den).unwrap_or_default())
                .ok_or(RiskError::Overflow)
        };
        let sum = scaled(self)?
            .checked_add(scaled(other)?)
            .ok_or(RiskError::Overflow)?;
        Self::new(sum, l)
    }

    /// `self · other`, exactly (reduced crosswise first, so only a result that does not fit
    /// 256 bits is an error).
    pub fn mul(&self, other: &Self) -> Result<Self, RiskError> {
        let a = Self::new(self.num, other.den)?;
        let b = Self::new(other.num, self.den)?;
        let num = a.num.checked_mul(b.num).ok_or(RiskError::Overflow)?;
        let den = b.den.checked_mul(a.den).ok_or(RiskError::Overflow)?;
        Self::new(num, den)
    }

    /// `self / other`, exactly (an error when `other` is zero).
    pub fn div(&self, other: &Self) -> Result<Self, RiskError> {
        self.mul(&Self::new(other.den, other.num)?)
    }

    /// `self − 1` as a signed rational string (`"-1/3"`, `"0"`, `"1/10"`).
    pub fn minus_one(&self) -> String {
        if self.num >= self.den {
            Frac::new(self.num.saturating_sub(self.den), self.den)
                .map(|f| f.render())
                .unwrap_or_default()
        } else {
            let f = Frac::new(self.den.saturating_sub(self.num), self.den).unwrap_or(Frac::ZERO);
            format!("-{}", f.render())
        }
    }
}

/// `a · b` over 512 bits (never overflows).
pub fn wide(a: U256, b: U256) -> U512 {
    // Two 256-bit factors always fit 512 bits.
    U512::from_limbs_slice(a.as_limbs()).saturating_mul(U512::from_limbs_slice(b.as_limbs()))
}

/// Least common multiple, or an error when it does not fit 256 bits.
pub fn lcm(a: U256, b: U256) -> Result<U256, RiskError> {
    let g = a.gcd(b);
    if g.is_zero() {
        return Ok(U256::ZERO);
    }
    a.checked_div(g)
        .and_then(|x| x.checked_mul(b))
        .ok_or(RiskError::TooFine)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fractions_integers_and_decimals_exactly() {
        assert_eq!(Frac::parse("3/6").unwrap().render(), "1/2");
        assert_eq!(Frac::parse("7").unwrap().render(), "7");
        assert_eq!(Frac::parse("0.25").unwrap().render(), "1/4");
        assert_eq!(Frac::parse("109/11").unwrap().render(), "109/11");
        assert!(matches!(Frac::parse("-1"), Err(RiskError::Negative(_))));
        assert!(Frac::parse("1/0").is_err());
        assert!(Frac::parse("abc").is_err());
        assert!(Frac::parse("1.").is_err());
    }

    #[test]
    fn minus_one_keeps_the_sign() {
        assert_eq!(Frac::parse("11/10").unwrap().minus_one(), "1/10");
        assert_eq!(Frac::parse("1").unwrap().minus_one(), "0");
        assert_eq!(Frac::parse("2/3").unwrap().minus_one(), "-1/3");
        assert_eq!(Frac::ZERO.minus_one(), "-1");
    }

    #[test]
    fn sums_and_products_are_exact_and_reduced() {
        let a = Frac::parse("9/10").unwrap();
        let b = Frac::parse("11/10").unwrap();
        assert_eq!(a.add(&b).unwrap().render(), "2");
        assert_eq!(a.mul(&b).unwrap().render(), "99/100");
        assert_eq!(
            Frac::parse("2/3")
                .unwrap()
                .mul(&Frac::parse("3/2").unwrap())
                .unwrap()
                .render(),
            "1"
        );
        assert_eq!(a.div(&b).unwrap().render(), "9/11");
        assert!(a.div(&Frac::ZERO).is_err());
        let huge = Frac::int(U256::MAX);
        assert!(matches!(huge.add(&huge), Err(RiskError::Overflow)));
        assert!(matches!(
            huge.mul(&Frac::int(U256::from(2))),
            Err(RiskError::Overflow)
        ));
    }

    #[test]
    fn comparison_is_exact_across_denominators() {
        let a = Frac::parse("1/3").unwrap();
        let b = Frac::parse("333333333333333333333333/1000000000000000000000000").unwrap();
        assert_eq!(a.cmp_frac(&b), Ordering::Greater);
    }
}

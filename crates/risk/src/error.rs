//! Why an input cannot be analysed.

use thiserror::Error;

/// Analysis failures: every one names what is wrong with the input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RiskError {
    /// The JSON does not have the expected shape.
    #[error("input: {0}")]
    BadInput(String),
    /// A number that is not `p/q`, an integer or a decimal.
    #[error("number: {0}")]
    BadNumber(String),
    /// A negative number.
    #[error("negative number {0:?}: stakes, profits and thresholds are non-negative")]
    Negative(String),
    /// A validator with no stake.
    #[error("validator {0:?} has zero stake")]
    ZeroStake(String),
    /// A threshold outside `(0, 1]`.
    #[error("service {0:?}: alpha must be in (0, 1]")]
    BadAlpha(String),
    /// A validator's collateral that is not a name or amounts summing to its stake.
    #[error("collateral: {0}")]
    BadCollateral(String),
    /// An id used twice.
    #[error("duplicate id {0:?}")]
    DuplicateId(String),
    /// A service names a validator that does not exist.
    #[error("service {service:?} names unknown validator {validator:?}")]
    UnknownValidator {
        /// The service.
        service: String,
        /// The unknown id.
        validator: String,
    },
    /// More services or validators than the analyser accepts.
    #[error("graph too large: {what} {count} > {max}")]
    TooLarge {
        /// Services or validators.
        what: &'static str,
        /// How many were given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Denominators whose common multiple does not fit 256 bits.
    #[error("numbers too fine: the common denominator does not fit 256 bits")]
    TooFine,
    /// An arithmetic bound was exceeded.
    #[error("numbers too large for exact arithmetic")]
    Overflow,
}

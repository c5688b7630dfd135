//! The restaking graph (Durvasula & Roughgarden's full-restaking model): services with a profit
//! from corruption `π` and a threshold `α`, validators with a stake `σ`, and the validators each
//! service is secured by. The JSON form is one `cases[]` entry of the DR24 vectors.
//!
//! Stakes and profits are rescaled to integers by the common denominator of every input number,
//! so all later arithmetic is exact integer arithmetic; thresholds stay fractions `p/q`.

use crate::error::RiskError;
use crate::number::{Frac, lcm};
use alloy_primitives::U256;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Most services or validators in one graph.
pub const MAX_NODES: usize = 100_000;

/// A number in the JSON: a string (`"p/q"`, `"12"`, `"0.5"`) or a JSON integer.
fn number(v: &Value, what: &str) -> Result<Frac, RiskError> {
    match v {
        Value::String(s) => Frac::parse(s),
        Value::Number(n) if n.is_u64() => Ok(Frac::int(U256::from(n.as_u64().unwrap_or(0)))),
        Value::Number(n) if n.is_i64() => Err(RiskError::Negative(n.to_string())),
        other => Err(RiskError::BadNumber(format!(
            "{what}: {other} (write exact numbers as strings, e.g. \"1/3\")"
        ))),
    }
}

#[derive(Deserialize)]
struct ServiceIn {
    id: String,
    pfc: Value,
    #[serde(default = "one")]
    alpha: Value,
    #[serde(default)]
    validators: Vec<String>,
}

fn one() -> Value {
    Value::String("1".into())
}

#[derive(Deserialize)]
struct ValidatorIn {
    id: String,
    stake: Value,
    /// Client software (validators sharing one fail together in client-bug shocks).
    #[serde(default)]
    client: Option<String>,
    /// Who holds the key (nodes sharing one fail together in key-compromise shocks).
    #[serde(default)]
    operator: Option<String>,
    /// What the stake is made of: one collateral's name, or `{name: amount}` summing to the
    /// stake (prices move per collateral in price-path shocks).
    #[serde(default)]
    collateral: Option<Value>,
}

/// The collateral of validators that do not name one.
pub const DEFAULT_COLLATERAL: &str = "default";

#[derive(Deserialize)]
struct CaseIn {
    #[serde(default)]
    id: Option<String>,
    services: Vec<ServiceIn>,
    validators: Vec<ValidatorIn>,
}

/// A validated graph in integer units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    /// The case's id, if given.
    pub id: Option<String>,
    /// Service ids, in input order.
    pub service_ids: Vec<String>,
    /// Validator ids, in input order.
    pub validator_ids: Vec<String>,
    /// `π_s · scale`.
    pub pfc: Vec<U256>,
    /// `α_s` as `(p, q)`.
    pub alpha: Vec<(U256, U256)>,
    /// `σ_v · scale`.
    pub stake: Vec<U256>,
    /// `N(s)`: validator indices per service.
    pub members: Vec<Vec<usize>>,
    /// `N(v)`: service indices per validator.
    pub services_of: Vec<Vec<usize>>,
    /// The common denominator the inputs were multiplied by.
    pub scale: U256,
    /// Per validator, its client software, if given.
    pub client: Vec<Option<String>>,
    /// Per validator, who holds its key, if given.
    pub operator: Vec<Option<String>>,
    /// Collateral names, sorted ([`DEFAULT_COLLATERAL`] for validators that name none).
    pub collateral_names: Vec<String>,
    /// Per validator, its stake by collateral: `(index into collateral_names, amount · scale)`,
    /// summing to its stake.
    pub holdings: Vec<Vec<(usize, U256)>>,
}

/// A validator's collateral as `(name, amount)` pairs that sum to its stake.
fn collateral_of(v: &ValidatorIn, stake: Frac) -> Result<Vec<(String, Frac)>, RiskError> {
    let bad = |why: String| RiskError::BadCollateral(format!("validator {:?}: {why}", v.id));
    match &v.collateral {
        None => Ok(vec![(DEFAULT_COLLATERAL.to_string(), stake)]),
        Some(Value::String(name)) => Ok(vec![(name.clone(), stake)]),
        Some(Value::Object(parts)) => {
            let mut out = Vec::with_capacity(parts.len());
            let mut sum = Frac::ZERO;
            for (name, amount) in parts {
                let a = number(amount, &v.id)?;
                if a.num.is_zero() {
                    return Err(bad(format!("collateral {name:?} has a zero amount")));
                }
                sum = sum.add(&a)?;
                out.push((name.clone(), a));
            }
            if sum != stake {
                return Err(bad(format!(
                    "collateral amounts sum to {}, not the stake {}",
                    sum.render(),
                    stake.render()
                )));
            }
            Ok(out)
        }
        Some(other) => Err(bad(format!(
            "collateral must be a name or {{name: amount}}, not {other}"
        ))),
    }
}

impl Graph {
    /// Parses and validates one case (extra fields such as `expect` are ignored).
    pub fn from_json(v: &Value) -> Result<Self, RiskError> {
        let case: CaseIn =
            serde_json::from_value(v.clone()).map_err(|e| RiskError::BadInput(e.to_string()))?;
        Self::build(case)
    }

    /// Parses a JSON text holding one case.
    pub fn from_json_str(s: &str) -> Result<Self, RiskError> {
        let v: Value = serde_json::from_str(s).map_err(|e| RiskError::BadInput(e.to_string()))?;
        Self::from_json(&v)
    }

    fn build(case: CaseIn) -> Result<Self, RiskError> {
        for (what, count) in [
            ("services", case.services.len()),
            ("validators", case.validators.len()),
        ] {
            if count > MAX_NODES {
                return Err(RiskError::TooLarge {
                    what,
                    count,
                    max: MAX_NODES,
                });
            }
        }
        let mut index = BTreeMap::new();
        let mut stakes = Vec::with_capacity(case.validators.len());
        let mut parts = Vec::with_capacity(case.validators.len());
        for (i, v) in case.validators.iter().enumerate() {
            if index.insert(v.id.clone(), i).is_some() {
                return Err(RiskError::DuplicateId(v.id.clone()));
            }
            let s = number(&v.stake, &v.id)?;
            if s.num.is_zero() {
                return Err(RiskError::ZeroStake(v.id.clone()));
            }
            parts.push(collateral_of(v, s)?);
            stakes.push(s);
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut pfcs = Vec::with_capacity(case.services.len());
        let mut alpha = Vec::with_capacity(case.services.len());
        let mut members = Vec::with_capacity(case.services.len());
        for s in &case.services {
            if !seen.insert(s.id.clone()) {
                return Err(RiskError::DuplicateId(s.id.clone()));
            }
            pfcs.push(number(&s.pfc, &s.id)?);
            let a = number(&s.alpha, &s.id)?;
            if a.num.is_zero() || a.num > a.den {
                return Err(RiskError::BadAlpha(s.id.clone()));
            }
            alpha.push((a.num, a.den));
            let mut list = Vec::with_capacity(s.validators.len());
            for v in &s.validators {
                let i = *index.get(v).ok_or_else(|| RiskError::UnknownValidator {
                    service: s.id.clone(),
                    validator: v.clone(),
                })?;
                if list.contains(&i) {
                    return Err(RiskError::DuplicateId(format!("{} in service {}", v, s.id)));
                }
                list.push(i);
            }
            members.push(list);
        }
        let mut scale = U256::from(1);
        for f in stakes
            .iter()
            .chain(&pfcs)
            .chain(parts.iter().flatten().map(|(_, a)| a))
        {
            scale = lcm(scale, f.den)?;
        }
        let to_int = |f: &Frac| -> Result<U256, RiskError> {
            f.num
                .checked_mul(scale.checked_div(f.den).unwrap_or_default())
                .ok_or(RiskError::Overflow)
        };
        let stake: Vec<U256> = stakes.iter().map(to_int).collect::<Result<_, _>>()?;
        let pfc: Vec<U256> = pfcs.iter().map(to_int).collect::<Result<_, _>>()?;
        // Totals must fit too: every later sum is bounded by them.
        stake
            .iter()
            .chain(&pfc)
            .try_fold(U256::ZERO, |a, x| a.checked_add(*x))
            .ok_or(RiskError::Overflow)?;
        let collateral_names: Vec<String> = parts
            .iter()
            .flatten()
            .map(|(n, _)| n.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let holdings = parts
            .iter()
            .map(|p| {
                p.iter()
                    .map(|(n, a)| {
                        let i = collateral_names.binary_search(n).unwrap_or_default();
                        Ok((i, to_int(a)?))
                    })
                    .collect::<Result<Vec<_>, RiskError>>()
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut services_of = vec![Vec::new(); stake.len()];
        for (s, list) in members.iter().enumerate() {
            for v in list {
                if let Some(l) = services_of.get_mut(*v) {
                    l.push(s);
                }
            }
        }
        Ok(Self {
            id: case.id,
            service_ids: case.services.into_iter().map(|s| s.id).collect(),
            client: case.validators.iter().map(|v| v.client.clone()).collect(),
            operator: case.validators.iter().map(|v| v.operator.clone()).collect(),
            validator_ids: case.validators.into_iter().map(|v| v.id).collect(),
            pfc,
            alpha,
            stake,
            members,
            services_of,
            scale,
            collateral_names,
            holdings,
        })
    }

    /// `σ_V`.
    pub fn total_stake(&self) -> U256 {
        self.stake
            .iter()
            .fold(U256::ZERO, |a, x| a.saturating_add(*x))
    }

    /// Whether every threshold is 1 (the min-cut case).
    pub fn unanimous(&self) -> bool {
        self.alpha.iter().all(|(p, q)| p == q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(s: &str) -> Result<Graph, RiskError> {
        Graph::from_json_str(s)
    }

    #[test]
    fn inputs_are_rescaled_to_exact_integers() {
        let graph = g(
            r#"{"services":[{"id":"x","pfc":"109/11","alpha":"1","validators":["a","b"]}],
                         "validators":[{"id":"a","stake":"1"},{"id":"b","stake":"99/10"}]}"#,
        )
        .unwrap();
        assert_eq!(graph.scale, U256::from(110));
        assert_eq!(graph.pfc, vec![U256::from(1090)]);
        assert_eq!(graph.stake, vec![U256::from(110), U256::from(1089)]);
    }

    #[test]
    fn bad_inputs_get_a_clear_error() {
        let base = |svc: &str, val: &str| format!(r#"{{"services":[{svc}],"validators":[{val}]}}"#);
        let ok_val = r#"{"id":"a","stake":"1"}"#;
        assert!(matches!(
            g(&base(
                r#"{"id":"x","pfc":"1","validators":["a"]}"#,
                r#"{"id":"a","stake":"0"}"#
            )),
            Err(RiskError::ZeroStake(_))
        ));
        assert!(matches!(
            g(&base(
                r#"{"id":"x","pfc":"1","validators":["a"]}"#,
                r#"{"id":"a","stake":"-3"}"#
            )),
            Err(RiskError::Negative(_))
        ));
        assert!(matches!(
            g(&base(r#"{"id":"x","pfc":"1","validators":["zz"]}"#, ok_val)),
            Err(RiskError::UnknownValidator { .. })
        ));
        assert!(matches!(
            g(&base(
                r#"{"id":"x","pfc":"1","alpha":"3/2","validators":["a"]}"#,
                ok_val
            )),
            Err(RiskError::BadAlpha(_))
        ));
        assert!(matches!(
            g(&base(
                r#"{"id":"x","pfc":"1","validators":["a"]}"#,
                r#"{"id":"a","stake":"1"},{"id":"a","stake":"2"}"#
            )),
            Err(RiskError::DuplicateId(_))
        ));
        assert!(matches!(
            g(&base(r#"{"id":"x","pfc":1.5,"validators":["a"]}"#, ok_val)),
            Err(RiskError::BadNumber(_))
        ));
        assert!(matches!(
            g("{\"services\": 3}"),
            Err(RiskError::BadInput(_))
        ));
        assert!(matches!(g("not json"), Err(RiskError::BadInput(_))));
        for bad in [
            r#"{"id":"a","stake":"3","collateral":{"steth":"1","reth":"1"}}"#,
            r#"{"id":"a","stake":"3","collateral":{"steth":"3","reth":"0"}}"#,
            r#"{"id":"a","stake":"3","collateral":7}"#,
        ] {
            assert!(
                matches!(
                    g(&base(r#"{"id":"x","pfc":"1","validators":["a"]}"#, bad)),
                    Err(RiskError::BadCollateral(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn deeply_nested_input_is_refused_without_exhausting_the_stack() {
        // JSON cannot hold a cycle, but it can nest without end; the parser stops at 128 levels.
        let deep = format!(
            r#"{{"services":[],"validators":[],"x":{}{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(matches!(g(&deep), Err(RiskError::BadInput(m)) if m.contains("recursion")));
    }

    #[test]
    fn collateral_is_split_by_name_in_the_common_scale() {
        let graph = g(r#"{"services":[{"id":"x","pfc":"1","validators":["a","b"]}],
                         "validators":[{"id":"a","stake":"3/2","collateral":{"steth":"1","reth":"1/2"}},
                                       {"id":"b","stake":"1","collateral":"steth"},
                                       {"id":"c","stake":"1"}]}"#)
        .unwrap();
        assert_eq!(graph.collateral_names, vec!["default", "reth", "steth"]);
        assert_eq!(graph.scale, U256::from(2));
        assert_eq!(
            graph.holdings,
            vec![
                vec![(1, U256::from(1)), (2, U256::from(2))],
                vec![(2, U256::from(2))],
                vec![(0, U256::from(2))],
            ]
        );
    }
}

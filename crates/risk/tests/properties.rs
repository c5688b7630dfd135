//! Properties on random small graphs, against a brute force written here independently (every
//! pair `(A, B)` of service and validator sets, exact integer arithmetic):
//!
//! - the analyser's verdict, maximum profit, `γ*` and every service's slack equal the brute
//!   force's, on both exact paths (minimum cut when every `α = 1`, enumeration otherwise);
//! - the EigenLayer certificate never says secure (`max e_v ≤ 1`) when an attack exists, and
//!   `γ_cert ≤ γ*`;
//! - the branch and bound, and its per-component use, give the brute force's exact answers; the
//!   bracket always contains `γ*` and never gets the verdict wrong;
//! - the worst-case loss never exceeds `(1 + 1/γ*) ψ` when `γ* > 0` (DR24 Theorem 1), and the
//!   loss with a larger shock budget is never smaller.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    clippy::cast_possible_truncation,
    missing_docs
)]

use proptest::prelude::*;
use restake_risk::number::Frac;
use restake_risk::{Graph, Options, analyze};
use serde_json::json;
use std::cmp::Ordering;

#[derive(Debug, Clone)]
struct Case {
    stakes: Vec<u64>,
    services: Vec<(u64, (u64, u64), Vec<usize>)>,
}

fn case(unanimous: bool) -> impl Strategy<Value = Case> {
    (1usize..=6, 1usize..=4).prop_flat_map(move |(nv, ns)| {
        let alpha = if unanimous {
            Just((1u64, 1u64)).boxed()
        } else {
            prop_oneof![
                Just((1u64, 1u64)),
                Just((1, 2)),
                Just((2, 3)),
                Just((1, 3)),
                Just((3, 4))
            ]
            .boxed()
        };
        (
            proptest::collection::vec(1u64..20, nv),
            proptest::collection::vec(
                (
                    0u64..40,
                    alpha,
                    proptest::sample::subsequence((0..nv).collect::<Vec<_>>(), 0..=nv),
                ),
                ns,
            ),
        )
            .prop_map(|(stakes, services)| Case { stakes, services })
    })
}

fn graph(c: &Case) -> Graph {
    let v = json!({
        "services": c.services.iter().enumerate().map(|(i, (pfc, (p, q), members))| json!({
            "id": format!("s{i}"), "pfc": pfc.to_string(), "alpha": format!("{p}/{q}"),
            "validators": members.iter().map(|m| format!("v{m}")).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "validators": c.stakes.iter().enumerate().map(|(i, s)| json!({"id": format!("v{i}"), "stake": s.to_string()})).collect::<Vec<_>>(),
    });
    Graph::from_json(&v).unwrap()
}

/// Independent brute force: (secure, max profit, min σ_B/π_A as (num, den)) over every (A, B),
/// with `removed` validators gone; also the largest σ_B of a valid attack.
fn brute(c: &Case, removed: u32) -> (bool, u64, Option<(u64, u64)>, Option<u64>) {
    let nv = c.stakes.len();
    let ns = c.services.len();
    let mut secure = true;
    let mut max_profit = 0u64;
    let mut ratio: Option<(u64, u64)> = None;
    let mut biggest: Option<u64> = None;
    for a in 1u32..(1 << ns) {
        let pi: u64 = (0..ns)
            .filter(|s| a & (1 << s) != 0)
            .map(|s| c.services[s].0)
            .sum();
        for b in 0u32..(1 << nv) {
            if b & removed != 0 {
                continue;
            }
            let sigma: u64 = (0..nv)
                .filter(|v| b & (1 << v) != 0)
                .map(|v| c.stakes[v])
                .sum();
            let covered = (0..ns).filter(|s| a & (1 << s) != 0).all(|s| {
                let (_, (p, q), members) = &c.services[s];
                let live: Vec<usize> = members
                    .iter()
                    .copied()
                    .filter(|m| removed & (1 << m) == 0)
                    .collect();
                let total: u64 = live.iter().map(|m| c.stakes[*m]).sum();
                let cov: u64 = live
                    .iter()
                    .filter(|m| b & (1 << **m) != 0)
                    .map(|m| c.stakes[*m])
                    .sum();
                cov * q >= p * total
            });
            if !covered {
                continue;
            }
            if pi > sigma {
                secure = false;
                max_profit = max_profit.max(pi - sigma);
                biggest = Some(biggest.map_or(sigma, |x| x.max(sigma)));
            }
            if pi > 0
                && ratio
                    .is_none_or(|(n, d)| (sigma as u128) * (d as u128) < (n as u128) * (pi as u128))
            {
                ratio = Some((sigma, pi));
            }
        }
    }
    (secure, max_profit, ratio, biggest)
}

/// Per service: the lowest σ_B/π_A over attacking coalitions containing it.
fn brute_per_service(c: &Case) -> Vec<Option<(u64, u64)>> {
    let nv = c.stakes.len();
    let ns = c.services.len();
    let mut out = vec![None; ns];
    for a in 1u32..(1 << ns) {
        let pi: u64 = (0..ns)
            .filter(|s| a & (1 << s) != 0)
            .map(|s| c.services[s].0)
            .sum();
        if pi == 0 {
            continue;
        }
        for b in 0u32..(1 << nv) {
            let sigma: u64 = (0..nv)
                .filter(|v| b & (1 << v) != 0)
                .map(|v| c.stakes[v])
                .sum();
            let covered = (0..ns).filter(|s| a & (1 << s) != 0).all(|s| {
                let (_, (p, q), members) = &c.services[s];
                let total: u64 = members.iter().map(|m| c.stakes[*m]).sum();
                let cov: u64 = members
                    .iter()
                    .filter(|m| b & (1 << **m) != 0)
                    .map(|m| c.stakes[*m])
                    .sum();
                cov * q >= p * total
            });
            if !covered {
                continue;
            }
            for s in (0..ns).filter(|s| a & (1 << s) != 0) {
                let better = out[s].is_none_or(|(n, d): (u64, u64)| {
                    (sigma as u128) * (d as u128) < (n as u128) * (pi as u128)
                });
                if better {
                    out[s] = Some((sigma, pi));
                }
            }
        }
    }
    out
}

fn frac_minus_one(n: u64, d: u64) -> String {
    Frac::new(
        alloy_primitives::U256::from(n),
        alloy_primitives::U256::from(d),
    )
    .unwrap()
    .minus_one()
}

fn check_against_brute(c: &Case, opts: &Options) -> Result<(), TestCaseError> {
    let g = graph(c);
    let r = analyze(&g, opts).unwrap();
    let (secure, profit, ratio, _) = brute(c, 0);
    prop_assert_eq!(r.secure, Some(secure), "method {}", r.method);
    prop_assert_eq!(r.max_attack_profit.clone(), Some(profit.to_string()));
    prop_assert_eq!(
        r.gamma_star.clone(),
        ratio.map(|(n, d)| frac_minus_one(n, d))
    );
    for (svc, expect) in r.services.iter().zip(brute_per_service(c)) {
        prop_assert_eq!(
            svc.slack.clone(),
            expect.map(|(n, d)| frac_minus_one(n, d)),
            "service {}",
            svc.id
        );
    }
    // The certificate never claims security that brute force refutes.
    if r.certified_secure {
        prop_assert!(secure, "certificate says secure but an attack exists");
    }
    if let (Some(cert), Some(star)) = (&r.gamma_cert, &r.gamma_star) {
        let signed = |s: &str| -> (bool, Frac) {
            match s.strip_prefix('-') {
                Some(rest) => (true, Frac::parse(rest).unwrap()),
                None => (false, Frac::parse(s).unwrap()),
            }
        };
        let (cn, cv) = signed(cert);
        let (sn, sv) = signed(star);
        let le = match (cn, sn) {
            (true, false) => true,
            (false, true) => cv.num.is_zero() && sv.num.is_zero(),
            (false, false) => cv.cmp_frac(&sv) != Ordering::Greater,
            (true, true) => cv.cmp_frac(&sv) != Ordering::Less,
        };
        prop_assert!(le, "γ_cert {} > γ* {}", cert, star);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_minimum_cut_agrees_with_brute_force_when_every_alpha_is_one(c in case(true)) {
        check_against_brute(&c, &Options::default())?;
        check_against_brute(&c, &Options { force_exhaustive: true, ..Options::default() })?;
    }

    #[test]
    fn enumeration_agrees_with_brute_force_for_any_thresholds(c in case(false)) {
        check_against_brute(&c, &Options::default())?;
    }

    #[test]
    fn branch_and_bound_agrees_with_brute_force(c in case(false)) {
        let g = graph(&c);
        prop_assume!(!g.unanimous());
        let r = analyze(&g, &Options { exhaustive_validators: 0, ..Options::default() }).unwrap();
        // Graphs of several components are solved one component at a time.
        prop_assert!(["branch-and-bound", "components"].contains(&r.method), "{}", r.method);
        let (secure, profit, ratio, _) = brute(&c, 0);
        prop_assert_eq!(r.secure, Some(secure));
        prop_assert_eq!(r.max_attack_profit.clone(), Some(profit.to_string()));
        prop_assert_eq!(r.gamma_star.clone(), ratio.map(|(n, d)| frac_minus_one(n, d)));
        // A starved search is not exact, and says so.
        let starved = analyze(&g, &Options { exhaustive_validators: 0, bnb_nodes: 1, ..Options::default() }).unwrap();
        prop_assert!(
            !starved.exact || ["branch-and-bound", "components"].contains(&starved.method),
            "a starved search claimed exactness by {}", starved.method
        );
    }

    #[test]
    fn the_bracket_always_contains_the_exact_slack_and_never_misjudges(c in case(false)) {
        let g = graph(&c);
        let r = analyze(&g, &Options { exhaustive_validators: 0, bnb_nodes: 0, ..Options::default() }).unwrap();
        prop_assume!(!g.unanimous());
        prop_assert!(["bracket", "components"].contains(&r.method), "{}", r.method);
        let (secure, _, ratio, _) = brute(&c, 0);
        if let Some(verdict) = r.secure {
            prop_assert_eq!(verdict, secure, "the bracket's verdict is wrong");
        }
        let signed = |s: &str| -> (bool, Frac) {
            match s.strip_prefix('-') {
                Some(rest) => (true, Frac::parse(rest).unwrap()),
                None => (false, Frac::parse(s).unwrap()),
            }
        };
        let le = |a: &str, b: &str| {
            let ((an, av), (bn, bv)) = (signed(a), signed(b));
            match (an, bn) {
                (true, false) => true,
                (false, true) => av.num.is_zero() && bv.num.is_zero(),
                (false, false) => av.cmp_frac(&bv) != Ordering::Greater,
                (true, true) => av.cmp_frac(&bv) != Ordering::Less,
            }
        };
        if let (Some(star), Some([lo, hi])) = (ratio.map(|(n, d)| frac_minus_one(n, d)), r.gamma_bracket.clone()) {
            if let Some(lo) = lo {
                prop_assert!(le(&lo, &star), "γ_cert {} > γ* {}", lo, star);
            }
            if let Some(hi) = hi {
                prop_assert!(le(&star, &hi), "γ* {} > γ_found {}", star, hi);
            }
        }
    }

    #[test]
    fn the_worst_case_loss_respects_the_slack_bound_and_grows_with_the_shock(
        c in case(false),
        small in 0u64..10,
        extra in 0u64..10,
    ) {
        let g = graph(&c);
        let run = |psi: u64| analyze(&g, &Options {
            psi: Some(Frac::parse(&format!("{psi}/20")).unwrap()),
            ..Options::default()
        }).unwrap();
        let a = run(small);
        let b = run(small + extra);
        let la = Frac::parse(a.worst_case_loss.as_ref().unwrap()).unwrap();
        let lb = Frac::parse(b.worst_case_loss.as_ref().unwrap()).unwrap();
        prop_assert!(la.cmp_frac(&lb) != Ordering::Greater, "a bigger shock lost less");
        if let Some(bound) = a.worst_case.as_ref().unwrap().slack_bound.as_ref().filter(|_| small > 0) {
            let bound = Frac::parse(bound).unwrap();
            prop_assert!(la.cmp_frac(&bound) == Ordering::Less, "R_ψ {:?} not below (1+1/γ)ψ {:?}", la, bound);
        }
    }
}

fn medium() -> impl Strategy<Value = Case> {
    (6usize..=14, 2usize..=8).prop_flat_map(|(nv, ns)| {
        (
            proptest::collection::vec(1u64..100, nv),
            proptest::collection::vec(
                (
                    0u64..150,
                    prop_oneof![Just((1u64, 2u64)), Just((2, 3)), Just((3, 4)), Just((1, 1))],
                    proptest::sample::subsequence((0..nv).collect::<Vec<_>>(), 1..=nv.min(7)),
                ),
                ns,
            ),
        )
            .prop_map(|(stakes, services)| Case { stakes, services })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// The branch and bound on its own (no heuristic incumbent to hide a bound that prunes too
    /// much) finds the same best profit and lowest ratio as enumerating every coalition, on
    /// graphs with overlapping services large enough for its bounds to prune.
    #[test]
    fn unseeded_branch_and_bound_agrees_with_enumeration_on_medium_graphs(c in medium()) {
        let g = graph(&c);
        let all = analyze(&g, &Options { force_exhaustive: true, ..Options::default() }).unwrap();
        prop_assert_eq!(all.method, "exhaustive");
        let found = restake_risk::bnb::search(&g, u64::MAX);
        prop_assert!(found.complete);
        let profit = found.best_profit.map(|(p, _)| p.to_string()).unwrap_or_else(|| "0".into());
        prop_assert_eq!(Some(profit), all.max_attack_profit);
        let gamma = found
            .best_ratio
            .map(|(b, a, _)| Frac::new(b, a).unwrap().minus_one());
        prop_assert_eq!(gamma, all.gamma_star);
    }
}

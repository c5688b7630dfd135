//! The DR24 vectors (`shared/vectors/risk/dr24.json`), exact values as the papers give them, on
//! both exact paths (minimum cut and exhaustive enumeration).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use restake_risk::number::Frac;
use restake_risk::{Graph, Options, Report, analyze};
use serde_json::Value;

fn cases() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vectors/risk/dr24.json"
    );
    let text = std::fs::read_to_string(path).expect("the shared risk vectors");
    let v: Value = serde_json::from_str(&text).unwrap();
    v["cases"].as_array().unwrap().clone()
}

fn case(id: &str) -> (Value, Graph) {
    let c = cases().into_iter().find(|c| c["id"] == id).unwrap();
    let g = Graph::from_json(&c).unwrap();
    (c, g)
}

/// Both exact methods, each with the shock size.
fn both(g: &Graph, psi: Option<&str>) -> [Report; 2] {
    let psi = psi.map(|p| Frac::parse(p).unwrap());
    let auto = Options {
        psi,
        ..Options::default()
    };
    let forced = Options {
        psi,
        force_exhaustive: true,
        ..Options::default()
    };
    [analyze(g, &auto).unwrap(), analyze(g, &forced).unwrap()]
}

#[test]
fn tv1_a_zero_slack_network_loses_everything_to_a_one_percent_shock() {
    let (c, g) = case("TV1");
    let e = &c["expect"];
    for r in both(&g, Some("1/100")) {
        assert_eq!(r.secure, Some(e["secure"].as_bool().unwrap()));
        assert_eq!(r.gamma_star.as_deref(), e["gamma_star"].as_str());
        assert_eq!(
            r.eigenlayer_condition_max_e.as_deref(),
            e["eigenlayer_condition_max_e"].as_str()
        );
        let loss = r.worst_case.unwrap();
        assert!(loss.exact);
        assert_eq!(loss.worst_case_loss.as_deref(), e["R"]["1/100"].as_str());
        // shock {a}, then attack ({x}, {b})
        assert_eq!(loss.shock, vec!["a"]);
        assert_eq!(loss.attack.services, vec!["x"]);
        assert_eq!(loss.attack.validators, vec!["b"]);
    }
    for r in both(&g, Some("1/200")) {
        let loss = r.worst_case.unwrap();
        assert_eq!(loss.worst_case_loss.as_deref(), e["R"]["1/200"].as_str());
        assert!(loss.shock.is_empty());
    }
}

#[test]
fn tv2_a_ten_percent_slack_bounds_the_loss_below_eleven_percent() {
    let (c, g) = case("TV2");
    let e = &c["expect"];
    for r in both(&g, Some("1/100")) {
        assert_eq!(r.secure, Some(true));
        assert_eq!(r.gamma_star.as_deref(), e["gamma_star"].as_str());
        assert_eq!(r.gamma_cert.as_deref(), e["gamma_cert"].as_str());
        // γ* is attained by ({x}, {a, b}), ratio 11/10.
        assert_eq!(r.witness.services, vec!["x"]);
        assert_eq!(r.witness.validators, vec!["a", "b"]);
        // e_a = e_b = (109/11) / (109/10) = 10/11; e_c = (1/1000) / (891/10) = 1/89100.
        let top: Vec<(&str, &str)> = r
            .top_exposures
            .iter()
            .map(|x| (x.validator.as_str(), x.e.as_str()))
            .collect();
        assert_eq!(top, vec![("a", "10/11"), ("b", "10/11"), ("c", "1/89100")]);
        let loss = r.worst_case.unwrap();
        assert_eq!(loss.worst_case_loss.as_deref(), e["R"]["1/100"].as_str());
        assert_eq!(loss.shock, vec!["a"]);
        assert_eq!(loss.attack.validators, vec!["b"]);
        // DR24 Theorem 1: R_ψ < (1 + 1/γ) ψ = 11/100.
        assert_eq!(loss.slack_bound.as_deref(), Some("11/100"));
    }
}

#[test]
fn tv3_removing_one_validator_opens_the_single_attack_on_everything() {
    let (c, g) = case("TV3");
    let e = &c["expect"];
    for r in both(&g, Some("1/12")) {
        assert_eq!(r.secure, Some(e["secure"].as_bool().unwrap()));
        assert_eq!(
            r.eigenlayer_condition_max_e.as_deref(),
            e["eigenlayer_condition_max_e"].as_str()
        );
        let loss = r.worst_case.unwrap();
        assert_eq!(
            loss.worst_case_loss.as_deref(),
            e["total_loss_fraction_including_shock"].as_str()
        );
        assert_eq!(loss.shock.len(), 1);
        assert_eq!(loss.attack.services.len(), 6, "all 6 services");
        assert_eq!(
            loss.attack.validators.len(),
            11,
            "with the 11 remaining validators"
        );
    }
    // After removing validator 0 exactly: one valid attack, everything.
    let mut removed = c.clone();
    removed["validators"] = Value::Array(
        c["validators"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["id"] != "0")
            .cloned()
            .collect(),
    );
    for s in removed["services"].as_array_mut().unwrap() {
        let vs: Vec<Value> = s["validators"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| *v != "0")
            .cloned()
            .collect();
        s["validators"] = Value::Array(vs);
    }
    let g = Graph::from_json(&removed).unwrap();
    for r in both(&g, None) {
        assert_eq!(r.secure, Some(false));
        assert_eq!(r.witness.services.len(), 6);
        assert_eq!(r.witness.validators.len(), 11);
        assert_eq!(r.max_attack_profit.as_deref(), Some("1"), "12 − 11");
    }
}

#[test]
fn the_empty_attack_is_not_an_attack_and_a_stakeless_service_falls_for_free() {
    let secure = Graph::from_json_str(
        r#"{"services":[{"id":"x","pfc":"0","validators":["a"]}],"validators":[{"id":"a","stake":"1"}]}"#,
    )
    .unwrap();
    for opts in [
        Options::default(),
        Options {
            force_exhaustive: true,
            ..Options::default()
        },
    ] {
        let r = analyze(&secure, &opts).unwrap();
        assert_eq!(r.secure, Some(true));
        assert_eq!(r.gamma_star, None, "no coalition has anything to gain");
    }
    let free = Graph::from_json_str(
        r#"{"services":[{"id":"x","pfc":"1","validators":[]},{"id":"y","pfc":"5","validators":["a"]}],"validators":[{"id":"a","stake":"10"}]}"#,
    )
    .unwrap();
    for opts in [
        Options::default(),
        Options {
            force_exhaustive: true,
            ..Options::default()
        },
    ] {
        let r = analyze(&free, &opts).unwrap();
        assert_eq!(r.secure, Some(false));
        assert_eq!(r.gamma_star.as_deref(), Some("-1"));
        assert_eq!(r.gamma_cert.as_deref(), Some("-1"));
        assert_eq!(r.witness.services, vec!["x"]);
        assert!(r.witness.validators.is_empty());
    }
}

#[test]
fn strictness_an_attack_that_only_breaks_even_is_not_valid() {
    let g = |pfc: &str| {
        Graph::from_json_str(&format!(
            r#"{{"services":[{{"id":"x","pfc":"{pfc}","alpha":"2/3","validators":["a","b","c"]}}],
                "validators":[{{"id":"a","stake":"1"}},{{"id":"b","stake":"1"}},{{"id":"c","stake":"1"}}]}}"#
        ))
        .unwrap()
    };
    // Two of three validators hold 2/3 of the stake: corrupting x costs 2.
    let even = analyze(&g("2"), &Options::default()).unwrap();
    assert_eq!(even.secure, Some(true), "π = σ is not profitable");
    assert_eq!(even.gamma_star.as_deref(), Some("0"));
    let above = analyze(&g("2000001/1000000"), &Options::default()).unwrap();
    assert_eq!(above.secure, Some(false));
    assert_eq!(above.max_attack_profit.as_deref(), Some("1/1000000"));
    assert_eq!(above.witness.validators.len(), 2);
}

/// DR24 Theorem 8's construction for `n` validators of stake 1 (`n` a multiple of 6): two halves
/// with profit `n/6` each and `n/3` triples `{1,2,3}, {4,5,6}, …, {n−2, n−1, 0}` with profit 2,
/// all at `α = 1`. Every `e_v` is `(n/6)/(n/2) + 2/3 = 1`. TV3 is `n = 12`.
fn tv3_generalised(n: usize, without_zero: bool) -> Graph {
    let keep = |v: usize| !(without_zero && v == 0);
    let ids = |vs: Vec<usize>| -> Vec<String> {
        vs.into_iter()
            .filter(|v| keep(*v))
            .map(|v| v.to_string())
            .collect()
    };
    let mut services = vec![
        serde_json::json!({"id": "half-a", "pfc": (n / 6).to_string(), "validators": ids((0..n / 2).collect())}),
        serde_json::json!({"id": "half-b", "pfc": (n / 6).to_string(), "validators": ids((n / 2..n).collect())}),
    ];
    for t in 0..n / 3 {
        let members = (1..=3).map(|k| (3 * t + k) % n).collect();
        services.push(serde_json::json!({"id": format!("triple-{t}"), "pfc": "2", "validators": ids(members)}));
    }
    let validators: Vec<Value> = (0..n)
        .filter(|v| keep(*v))
        .map(|v| serde_json::json!({"id": v.to_string(), "stake": "1"}))
        .collect();
    Graph::from_json(&serde_json::json!({"services": services, "validators": validators})).unwrap()
}

#[test]
fn tv3_generalised_to_18_and_24_validators_is_secure_with_no_slack_until_one_validator_goes() {
    use restake_risk::cascade::simulate;
    for n in [12, 18, 24] {
        let g = tv3_generalised(n, false);
        let cut = analyze(&g, &Options::default()).unwrap();
        assert_eq!(cut.method, "min-cut");
        assert_eq!(cut.secure, Some(true), "n = {n}");
        assert_eq!(cut.gamma_star.as_deref(), Some("0"), "n = {n}");
        assert_eq!(cut.gamma_cert.as_deref(), Some("0"));
        assert_eq!(cut.eigenlayer_condition_max_e.as_deref(), Some("1"));
        // The general path agrees: enumeration up to 18 validators, the branch and bound at 24.
        if n <= 18 {
            let all = analyze(
                &g,
                &Options {
                    force_exhaustive: true,
                    ..Options::default()
                },
            )
            .unwrap();
            assert_eq!(all.method, "exhaustive");
            assert_eq!((all.secure, all.gamma_star), (Some(true), Some("0".into())));
        } else {
            let found = restake_risk::bnb::search(&g, 50_000_000);
            assert!(found.complete);
            assert!(found.best_profit.is_none(), "secure");
            let (sb, pa, _) = found.best_ratio.unwrap();
            assert_eq!(sb, pa, "γ* = 0");
        }
        // Without validator 0 the only valid attack takes everything left: profit n − (n − 1).
        let cut = analyze(&tv3_generalised(n, true), &Options::default()).unwrap();
        assert_eq!(cut.secure, Some(false));
        assert_eq!(cut.max_attack_profit.as_deref(), Some("1"));
        assert_eq!(cut.witness.services.len(), 2 + n / 3);
        assert_eq!(cut.witness.validators.len(), n - 1);
        // And the cascade after that one removal loses all of the stake.
        let c = simulate(&g, &[0], &Options::default()).unwrap();
        assert_eq!(c.total_loss, "1", "n = {n}");
    }
}

#[test]
fn a_graph_without_stake_loses_nothing_to_a_shock_and_its_services_fall_for_free() {
    let empty = Graph::from_json_str(r#"{"services":[],"validators":[]}"#).unwrap();
    let r = analyze(
        &empty,
        &Options {
            psi: Some(Frac::parse("1/100").unwrap()),
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(r.secure, Some(true));
    assert_eq!(r.worst_case_loss.as_deref(), Some("0"));
    let c = restake_risk::cascade::simulate(&empty, &[], &Options::default()).unwrap();
    assert_eq!(c.total_loss, "0");
    let stakeless = Graph::from_json_str(
        r#"{"services":[{"id":"x","pfc":"5","validators":[]}],"validators":[]}"#,
    )
    .unwrap();
    let r = analyze(
        &stakeless,
        &Options {
            psi: Some(Frac::parse("1/100").unwrap()),
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(r.secure, Some(false));
    assert_eq!(r.max_attack_profit.as_deref(), Some("5"));
    assert_eq!(r.worst_case_loss.as_deref(), Some("0"));
}

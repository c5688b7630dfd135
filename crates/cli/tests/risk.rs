//! The offline analyser's public contract: `restake risk analyze --input CASE.json [--psi P]
//! --json` on every DR24 vector through the real binary, and clear failures on bad input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use serde_json::Value;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_restake");

fn vectors() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vectors/risk/dr24.json"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["cases"].as_array().unwrap().clone()
}

/// The DR24 case `id` written to its own file.
fn vector_file(id: &str) -> std::path::PathBuf {
    let case = vectors().into_iter().find(|c| c["id"] == id).unwrap();
    let dir = std::env::temp_dir().join(format!("restake-case-{}-{id}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{id}.json"));
    std::fs::write(&file, serde_json::to_string(&case).unwrap()).unwrap();
    file
}

/// `restake risk <args> --json`, which must succeed, parsed.
fn risk_json(args: &[&str]) -> Value {
    let out = Command::new(BIN)
        .arg("risk")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn analyze(case: &Value, psi: Option<&str>) -> (bool, Value, String) {
    let dir = std::env::temp_dir().join(format!("restake-risk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{}.json", case["id"].as_str().unwrap_or("case")));
    std::fs::write(&file, serde_json::to_string(case).unwrap()).unwrap();
    let mut cmd = Command::new(BIN);
    cmd.args([
        "risk",
        "analyze",
        "--input",
        file.to_str().unwrap(),
        "--json",
    ]);
    if let Some(p) = psi {
        cmd.args(["--psi", p]);
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.success(), json, stderr)
}

#[test]
fn every_dr24_vector_gives_the_papers_numbers_through_the_cli() {
    for case in vectors() {
        let e = &case["expect"];
        let psi = e["R"].as_object().and_then(|r| r.keys().next().cloned());
        let (ok, r, err) = analyze(&case, psi.as_deref());
        assert!(ok, "{}: {err}", case["id"]);
        assert_eq!(r["secure"], e["secure"], "{}", case["id"]);
        for field in ["maxAttackProfit", "gammaStar", "gammaCert", "witness"] {
            assert!(r.get(field).is_some(), "{} lacks {field}", case["id"]);
        }
        if let Some(g) = e["gamma_star"].as_str() {
            assert_eq!(r["gammaStar"], g, "{}", case["id"]);
        }
        if let Some(g) = e["gamma_cert"].as_str() {
            assert_eq!(r["gammaCert"], g, "{}", case["id"]);
        }
        if let Some(p) = &psi {
            assert_eq!(r["worstCaseLoss"], e["R"][p], "{}", case["id"]);
        }
    }
}

#[test]
fn bad_graphs_fail_with_a_clear_message_and_no_output() {
    let bad = [
        (
            r#"{"services":[],"validators":[{"id":"a","stake":"0"}]}"#,
            "zero stake",
        ),
        (
            r#"{"services":[],"validators":[{"id":"a","stake":"-1"}]}"#,
            "negative",
        ),
        (
            r#"{"services":[{"id":"x","pfc":"1","validators":["b"]}],"validators":[{"id":"a","stake":"1"}]}"#,
            "unknown validator",
        ),
        (r#"{"services": "nope"}"#, "input"),
    ];
    for (text, expect) in bad {
        let case: Value = serde_json::from_str(text).unwrap();
        let (ok, out, err) = analyze(&case, None);
        assert!(!ok, "{text} was accepted");
        assert_eq!(out, Value::Null);
        assert!(err.contains(expect), "{text}: {err}");
    }
}

#[test]
fn the_elastic_command_answers_ev1_and_the_symmetric_table() {
    let dir = std::env::temp_dir().join(format!("restake-elastic-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ev1.json");
    let all = r#"{"a":"2","b":"2","c":"2"}"#;
    std::fs::write(
        &file,
        format!(
            r#"{{"services":[{{"id":"a","pfc":"1","theta":"1/2"}},{{"id":"b","pfc":"1","theta":"1/2"}},{{"id":"c","pfc":"1","theta":"1/2"}}],
               "validators":[{{"id":"x","stake":"2","allocations":{all}}},{{"id":"y","stake":"2","allocations":{all}}},{{"id":"z","stake":"2","allocations":{all}}}]}}"#
        ),
    )
    .unwrap();
    let v = risk_json(&["elastic", "--input", file.to_str().unwrap()]);
    assert_eq!(v["secure"], true);
    assert_eq!(v["maxAttackProfit"], "-1");
    assert_eq!(v["robustness"], "1/3");
    let out = Command::new(BIN)
        .args([
            "risk",
            "elastic",
            "--symmetric",
            "--n",
            "10",
            "--theta",
            "1/2",
            "--degree",
            "5",
            "--byzantine",
            "2",
            "--json",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["minStake"], Value::Null, "no finite stake suffices");
}

#[test]
fn simulate_shows_the_cascade_after_a_shock() {
    let file = vector_file("TV1");
    let v = risk_json(&[
        "simulate",
        "--input",
        file.to_str().unwrap(),
        "--shock",
        "a",
    ]);
    assert_eq!(v["totalLoss"], "1");
    assert_eq!(v["rounds"][0]["validators"][0], "b");
    let bad = Command::new(BIN)
        .args([
            "risk",
            "simulate",
            "--input",
            file.to_str().unwrap(),
            "--shock",
            "zz",
        ])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown validator"));
}

#[test]
fn simulate_price_paths_reports_a_loss_distribution_and_refuses_bad_parameters() {
    let file = vector_file("TV2");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "risk",
            "simulate",
            "--input",
            file.to_str().unwrap(),
            "--trials",
            "30",
            "--fault",
            "price",
            "--json",
        ];
        args.extend_from_slice(extra);
        Command::new(BIN).args(&args).output().unwrap()
    };
    // One step of ±1/2: a halved price lets x's coalition profit (TV2's slack is 1/10).
    let out = run(&["--volatility", "1/2", "--steps", "1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["trials"], 30);
    let falls = v["trialsWithAFall"].as_u64().unwrap();
    assert!(falls > 0 && falls < 30, "{v}");
    assert_eq!(v["longestCascade"], 1);
    // Steps of 1/20 over 1 step never reach the 10/11 break-even price.
    let out = run(&["--volatility", "1/20", "--steps", "1"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["meanLoss"], "0");
    for (flags, message) in [
        (&["--volatility", "1"][..], "volatility"),
        (&["--steps", "0"][..], "steps"),
        (&["--correlation", "2"][..], "correlation"),
        (&["--volatility", "x"][..], "--volatility"),
    ] {
        let out = run(flags);
        assert!(!out.status.success(), "{flags:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(message),
            "{flags:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn elastic_networks_past_the_robustness_limit_still_get_their_exact_attack() {
    // 20 validators of stake 10 allocate 6 to each of 10 services (θ = 1/2, prize 34): too many
    // Byzantine sets for robustness (10 + 20 > 28), but the attack search is exact.
    let services: Vec<Value> = (0..10)
        .map(|j| serde_json::json!({"id": format!("s{j}"), "pfc": "34", "theta": "1/2"}))
        .collect();
    let validators: Vec<Value> = (0..20)
        .map(|i| {
            let allocations: serde_json::Map<String, Value> = (0..10)
                .map(|j| (format!("s{j}"), Value::from("6")))
                .collect();
            serde_json::json!({"id": format!("v{i}"), "stake": "10", "allocations": allocations})
        })
        .collect();
    let dir = std::env::temp_dir().join(format!("restake-elastic-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("wide.json");
    std::fs::write(
        &file,
        serde_json::json!({"services": services, "validators": validators}).to_string(),
    )
    .unwrap();
    let v = risk_json(&["elastic", "--input", file.to_str().unwrap()]);
    // Each service needs 60 units, all ten 600: a saturated validator commits 60 units for its
    // stake of 10, so ten of them cover everything for 100 and the attack earns 340 − 100 = 240.
    assert_eq!(v["maxAttackProfit"], "240");
    assert_eq!(v["secure"], false);
    assert_eq!(v["robustness"], Value::Null);
    assert!(v["robustnessNote"].as_str().unwrap().contains("28"));
}

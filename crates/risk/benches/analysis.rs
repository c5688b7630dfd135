//! Exact analysis time against graph size, for both exact methods, and the bracket on large
//! graphs.
//!
//! Graphs are generated deterministically (a fixed linear congruential sequence, no
//! randomness): each service is secured by `degree` validators, stakes 1–100, profits set so
//! that some graphs are tight. Measured:
//!
//! - `min_cut`: every `α = 1`, services × validators from 10 × 100 up to 1,000 × 10,000;
//! - `exhaustive`: thresholds 2/3, 4 services, 8 to 20 validators (`2^n` coalitions);
//! - after the divan run, the largest sizes each exact method finishes within 10 s, and the
//!   bracket `[γ_cert, γ_found]` on 1,000 operators × 100 services.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::panic,
    missing_docs
)]

use divan::{Bencher, black_box};
use restake_risk::{Graph, Options, analyze};
use serde_json::json;
use std::time::{Duration, Instant};

struct Lcg(u64);

impl Lcg {
    fn next(&mut self, m: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % m
    }
}

/// `services` services over `validators` validators, `degree` validators each.
fn graph(services: usize, validators: usize, degree: usize, alpha: &str, seed: u64) -> Graph {
    let mut r = Lcg(seed);
    let stakes: Vec<u64> = (0..validators).map(|_| 1 + r.next(100)).collect();
    let svc: Vec<_> = (0..services)
        .map(|s| {
            let mut members: Vec<usize> = (0..degree)
                .map(|_| r.next(validators as u64) as usize)
                .collect();
            members.sort_unstable();
            members.dedup();
            let total: u64 = members.iter().map(|m| stakes[*m]).sum();
            // Profit between 40% and 120% of the service's stake: some services tempt.
            let pfc = total * (40 + r.next(81)) / 100;
            json!({
                "id": format!("s{s}"), "pfc": pfc.to_string(), "alpha": alpha,
                "validators": members.iter().map(|m| format!("v{m}")).collect::<Vec<_>>(),
            })
        })
        .collect();
    let v = json!({
        "services": svc,
        "validators": stakes.iter().enumerate().map(|(i, s)| json!({"id": format!("v{i}"), "stake": s.to_string()})).collect::<Vec<_>>(),
    });
    Graph::from_json(&v).unwrap()
}

const MIN_CUT_SIZES: [(usize, usize); 4] = [(10, 100), (100, 1_000), (300, 3_000), (1_000, 10_000)];

#[divan::bench(args = MIN_CUT_SIZES)]
fn min_cut(bencher: Bencher, (s, v): (usize, usize)) {
    let g = graph(s, v, 8, "1", 7);
    bencher.bench(|| black_box(analyze(&g, &Options::default()).unwrap()));
}

#[divan::bench(args = [8, 12, 16, 20])]
fn exhaustive(bencher: Bencher, v: usize) {
    let g = graph(4, v, v.min(6), "2/3", 11);
    bencher.bench(|| black_box(analyze(&g, &Options::default()).unwrap()));
}

/// An elastic network of `validators` validators and 10 services: stakes 1–100, each validator
/// allocating 0–100% of its stake to each service (degree about 5), θ = 1/2, prizes near the
/// cost of corrupting one service.
fn elastic_network(validators: usize, seed: u64) -> restake_risk::elastic::Elastic {
    use alloy_primitives::U256;
    let mut r = Lcg(seed);
    let stake: Vec<u64> = (0..validators).map(|_| 1 + r.next(100)).collect();
    let alloc: Vec<Vec<U256>> = stake
        .iter()
        .map(|s| (0..10).map(|_| U256::from(s * r.next(101) / 100)).collect())
        .collect();
    let pfc = (0..10)
        .map(|j| {
            let w: u64 = alloc.iter().map(|row| row[j].to::<u64>()).sum();
            U256::from(w * (30 + r.next(41)) / 100)
        })
        .collect();
    restake_risk::elastic::Elastic {
        stake: stake.iter().map(|s| U256::from(*s)).collect(),
        pfc,
        theta: vec![(U256::from(1), U256::from(2)); 10],
        alloc,
    }
}

#[divan::bench(args = [12, 16, 20, 22])]
fn elastic_attack(bencher: Bencher, v: usize) {
    let e = elastic_network(v, 13);
    bencher.bench(|| black_box(restake_risk::elastic::max_attack_profit(&e).unwrap()));
}

fn timed(g: &Graph, opts: &Options) -> Duration {
    let t = Instant::now();
    black_box(analyze(g, opts).unwrap());
    t.elapsed()
}

fn main() {
    divan::main();
    // The single runs below take minutes; a filtered run (`-- elastic`) skips them.
    let filtered = std::env::args().skip(1).any(|a| !a.starts_with('-'));
    if !std::env::args().any(|a| a == "--bench") || filtered {
        return;
    }
    let limit = Duration::from_secs(10);
    println!();
    println!("largest graph each exact method analyses within 10 s:");
    // Up to the input limit of 100,000 validators.
    for s in [1_000, 2_000, 4_000, 8_000, 10_000] {
        let g = graph(s, s * 10, 8, "1", 3);
        let t = timed(&g, &Options::default());
        println!(
            "  min-cut    {:>6} services × {:>7} validators: {:>8.3} s",
            s,
            s * 10,
            t.as_secs_f64()
        );
        if t > limit {
            break;
        }
    }
    for v in [20, 22, 24, 26, 28] {
        let g = graph(4, v, 6, "2/3", 5);
        let opts = Options {
            exhaustive_validators: 40,
            ..Options::default()
        };
        let t = timed(&g, &opts);
        println!(
            "  exhaustive {:>6} services × {:>7} validators: {:>8.3} s",
            4,
            v,
            t.as_secs_f64()
        );
        if t > limit {
            break;
        }
    }
    for (svc, v, degree) in [
        (4, 30, 6),
        (4, 60, 6),
        (10, 60, 10),
        (10, 100, 6),
        (20, 200, 6),
        (40, 400, 6),
    ] {
        let g = graph(svc, v, degree, "2/3", 5);
        // The default budget, then one about ten seconds long on this machine.
        for nodes in [Options::default().bnb_nodes, 3_000_000] {
            let opts = Options {
                exhaustive_validators: 0,
                bnb_nodes: nodes,
                ..Options::default()
            };
            let t = Instant::now();
            let r = analyze(&g, &opts).unwrap();
            println!(
                "  branch and bound {:>4} services × {:>4} validators (degree {:>2}), {:>9} nodes: {} in {:.3} s",
                svc,
                v,
                degree,
                nodes,
                if r.exact {
                    "exact"
                } else {
                    "bracket (node budget reached)"
                },
                t.elapsed().as_secs_f64()
            );
            if r.exact {
                break;
            }
        }
    }
    let g = graph(100, 1_000, 20, "2/3", 9);
    let t = Instant::now();
    let r = analyze(&g, &Options::default()).unwrap();
    println!(
        "bracket on 1,000 operators × 100 services (α = 2/3): gamma in [{}, {}], secure {:?}, {:.3} s",
        r.gamma_bracket
            .as_ref()
            .and_then(|b| b[0].clone())
            .unwrap_or_default(),
        r.gamma_bracket
            .as_ref()
            .and_then(|b| b[1].clone())
            .unwrap_or_default(),
        r.secure,
        t.elapsed().as_secs_f64()
    );
}

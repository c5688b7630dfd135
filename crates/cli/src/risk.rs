//! `restake risk`: security analysis of restaking graphs.
//!
//! `restake risk analyze --input CASE.json [--psi P] [--json]` reads one graph in the format of a
//! `cases[]` entry of the DR24 vectors (services with `pfc`, `alpha`, `validators`; validators
//! with `stake`; numbers as decimal or `p/q` strings) and prints the analysis: one JSON object
//! with `--json`, a summary otherwise. See `docs/risk.md`.

use crate::CliResult;
use clap::{Args, Subcommand};
use restake_risk::number::Frac;
use restake_risk::{Graph, Options, analyze};
use std::path::PathBuf;

/// `restake risk` subcommands.
#[derive(Subcommand)]
pub enum RiskCmd {
    /// Analyse one graph from a JSON file: security, slack, certificate, worst-case loss.
    Analyze(AnalyzeArgs),
    /// The elastic model (Bar-Zur & Eyal): the minimum stake of a symmetric network
    /// (`--symmetric`), or the best attack (up to 24 validators) and robustness of a network
    /// (`--input`).
    Elastic(ElasticArgs),
    /// Cascades: the rounds after a given shock (`--shock a,b`), or the loss distribution over
    /// random shocks (`--trials N --failure p/q`).
    Simulate(SimulateArgs),
    /// The live state's risk report from a node (`restake_getRiskReport`): declared operator
    /// sets, their allocations, and the exact analysis.
    Report(ReportArgs),
}

/// `restake risk report` options.
#[derive(Args)]
pub struct ReportArgs {
    /// Shock size for the worst-case loss.
    #[arg(long, default_value = "1/100")]
    psi: String,
    /// Node URL [default: $RESTAKE_RPC_URL, else http://127.0.0.1:8545].
    #[arg(long)]
    rpc: Option<String>,
    /// Value of one unit of a token, by symbol (`stETH=1.05`, repeatable; tokens not named
    /// count one for one, beacon-chain ETH is `ETH`).
    #[arg(long = "price", value_name = "SYMBOL=PRICE")]
    prices: Vec<String>,
    /// Print the whole JSON (graph and report).
    #[arg(long)]
    json: bool,
}

/// `restake risk simulate` options.
#[derive(Args)]
pub struct SimulateArgs {
    /// The graph (DR24 case format).
    #[arg(long)]
    input: PathBuf,
    /// Validators destroyed by the shock, comma-separated ids.
    #[arg(long, value_delimiter = ',')]
    shock: Vec<String>,
    /// Monte Carlo: number of random shocks.
    #[arg(long)]
    trials: Option<u32>,
    /// Monte Carlo: probability that each validator (or client) fails (`p/q` or decimal).
    #[arg(long, default_value = "1/100")]
    failure: String,
    /// Monte Carlo: what fails together: `independent` validators, a `client` (validators'
    /// `client` field), one `operator`'s key per trial (validators' `operator` field), or
    /// `price`: collateral prices follow random walks (validators' `collateral` field).
    #[arg(long, default_value = "independent")]
    fault: String,
    /// Price paths: the size of one step (`p/q` or decimal, in (0, 1)).
    #[arg(long, default_value = "1/20")]
    volatility: String,
    /// Price paths: steps per path.
    #[arg(long, default_value_t = 10)]
    steps: u32,
    /// Price paths: probability that a step moves every collateral together.
    #[arg(long, default_value = "1/2")]
    correlation: String,
    /// Monte Carlo: generator seed (same seed, same report).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Monte Carlo: value-at-risk level.
    #[arg(long, default_value = "95/100")]
    level: String,
    /// Node budget of the branch and bound in each round's attack search past the exhaustive
    /// budget (0: the heuristic attacks only, fastest on large graphs).
    #[arg(long, default_value_t = 200_000)]
    bnb_nodes: u64,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// `restake risk elastic` options.
#[derive(Args)]
pub struct ElasticArgs {
    /// A network: `{"services":[{"id","pfc","theta"}],"validators":[{"id","stake","allocations":{"<service>":"<amount>"}}]}`.
    #[arg(long, conflicts_with = "symmetric")]
    input: Option<PathBuf>,
    /// A fully symmetric network instead: `n` validators and `n` services.
    #[arg(long)]
    symmetric: bool,
    /// Validators and services of the symmetric network.
    #[arg(long, default_value_t = 10)]
    n: u64,
    /// Attack threshold `θ` (`p/q` or decimal).
    #[arg(long, default_value = "1/2")]
    theta: String,
    /// Restaking degree `d` (allocations `dσ/n`).
    #[arg(long, default_value = "1")]
    degree: String,
    /// Byzantine services (slashing all their allocations).
    #[arg(long, default_value_t = 0)]
    byzantine: u64,
    /// Profit from corrupting one service.
    #[arg(long, default_value = "1")]
    pfc: String,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// `restake risk analyze` options.
#[derive(Args)]
pub struct AnalyzeArgs {
    /// The graph (a `cases[]` entry of the DR24 vector format); `-` reads standard input.
    #[arg(long)]
    input: PathBuf,
    /// Shock size as a fraction of total stake (`p/q` or decimal): adds `worstCaseLoss`.
    #[arg(long)]
    psi: Option<String>,
    /// Most validators for the exhaustive search (2^n coalitions) before answering with a bracket.
    #[arg(long, default_value_t = 20)]
    max_exhaustive: usize,
    /// Most validators for the exhaustive worst-case loss (3^n pairs) before answering with a bound.
    #[arg(long, default_value_t = 13)]
    max_loss_exhaustive: usize,
    /// Node budget of the branch and bound past the exhaustive budget (0: bracket directly).
    #[arg(long, default_value_t = 200_000)]
    bnb_nodes: u64,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Runs `restake risk`.
pub async fn run(cmd: RiskCmd) -> CliResult {
    match cmd {
        RiskCmd::Report(a) => report(a).await,
        RiskCmd::Analyze(a) => analyze_file(a),
        RiskCmd::Elastic(a) => elastic(a),
        RiskCmd::Simulate(a) => simulate(a),
    }
}

fn analyze_file(a: AnalyzeArgs) -> CliResult {
    let text = if a.input.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).map_err(|e| format!("stdin: {e}"))?
    } else {
        std::fs::read_to_string(&a.input)
            .map_err(|e| format!("cannot read {}: {e}", a.input.display()))?
    };
    let graph = Graph::from_json_str(&text).map_err(|e| e.to_string())?;
    let psi = a
        .psi
        .as_deref()
        .map(Frac::parse)
        .transpose()
        .map_err(|e| format!("--psi: {e}"))?;
    if let Some(p) = psi
        && p.num > p.den
    {
        return Err("--psi is a fraction of total stake, at most 1".into());
    }
    let opts = Options {
        psi,
        exhaustive_validators: a.max_exhaustive.min(40),
        loss_validators: a.max_loss_exhaustive.min(20),
        bnb_nodes: a.bnb_nodes,
        ..Options::default()
    };
    let report = analyze(&graph, &opts).map_err(|e| e.to_string())?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    let show = |o: &Option<String>| o.clone().unwrap_or_else(|| "—".into());
    println!(
        "secure            {}",
        match report.secure {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "unknown (bracket only)",
        }
    );
    println!(
        "method            {}{}",
        report.method,
        if report.exact { "" } else { " (not exact)" }
    );
    println!("max attack profit {}", show(&report.max_attack_profit));
    println!("gamma*            {}", show(&report.gamma_star));
    println!(
        "gamma_cert        {} (EigenLayer condition {})",
        show(&report.gamma_cert),
        if report.certified_secure {
            "holds"
        } else {
            "fails"
        }
    );
    if let Some([lo, hi]) = &report.gamma_bracket {
        println!("gamma* bracket    [{}, {}]", show(lo), show(hi));
    }
    println!(
        "witness           services {:?}, validators {:?}",
        report.witness.services, report.witness.validators
    );
    if let Some(l) = &report.worst_case {
        println!(
            "worst-case loss   {}{} after shock {:?} then attack {:?}",
            show(&l.worst_case_loss),
            if l.exact { "" } else { " (bound)" },
            l.shock,
            l.attack.services
        );
    }
    Ok(())
}

fn frac(s: &str, what: &str) -> Result<Frac, String> {
    Frac::parse(s).map_err(|e| format!("--{what}: {e}"))
}

fn elastic(a: ElasticArgs) -> CliResult {
    use restake_risk::elastic::{Elastic, max_attack_profit, robustness, symmetric_min_stake};
    use serde_json::{Value, json};
    let out = if a.symmetric || a.input.is_none() {
        let min = symmetric_min_stake(
            a.n,
            frac(&a.theta, "theta")?,
            frac(&a.degree, "degree")?,
            a.byzantine,
            frac(&a.pfc, "pfc")?,
        )
        .map_err(|e| e.to_string())?;
        json!({
            "model": "elastic-symmetric",
            "n": a.n, "theta": a.theta, "degree": a.degree, "byzantine": a.byzantine, "pfc": a.pfc,
            "minStake": min.map(|m| m.render()),
        })
    } else {
        let path = a.input.as_ref().ok_or("--input or --symmetric")?;
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let v: Value = serde_json::from_str(&text).map_err(|e| format!("input: {e}"))?;
        let services = v["services"]
            .as_array()
            .ok_or("input: services must be a list")?;
        let validators = v["validators"]
            .as_array()
            .ok_or("input: validators must be a list")?;
        let num = |x: &Value, what: &str| -> Result<Frac, String> {
            x.as_str()
                .ok_or_else(|| format!("input: {what} must be a string number"))
                .and_then(|s| Frac::parse(s).map_err(|e| format!("input: {what}: {e}")))
        };
        let mut pfc = Vec::new();
        let mut theta = Vec::new();
        let mut ids = Vec::new();
        for s in services {
            ids.push(s["id"].as_str().ok_or("input: service id")?.to_string());
            let p = num(&s["pfc"], "pfc")?;
            let t = num(&s["theta"], "theta")?;
            if p.den != alloy_primitives::U256::from(1) {
                return Err("input: elastic prizes must be integers (use smaller units)".into());
            }
            if t.num.is_zero() || t.num > t.den {
                return Err("input: theta must be in (0, 1]".into());
            }
            pfc.push(p.num);
            theta.push((t.num, t.den));
        }
        let mut stake = Vec::new();
        let mut alloc = Vec::new();
        for val in validators {
            let s = num(&val["stake"], "stake")?;
            if s.num.is_zero() || s.den != alloy_primitives::U256::from(1) {
                return Err("input: stakes must be positive integers (use smaller units)".into());
            }
            let mut row = vec![alloy_primitives::U256::ZERO; ids.len()];
            if let Some(m) = val["allocations"].as_object() {
                for (svc, amount) in m {
                    let j = ids
                        .iter()
                        .position(|x| x == svc)
                        .ok_or_else(|| format!("input: unknown service {svc:?}"))?;
                    let w = num(amount, "allocation")?;
                    if w.den != alloy_primitives::U256::from(1) || w.num > s.num {
                        return Err("input: allocations are integers at most the stake".into());
                    }
                    if let Some(x) = row.get_mut(j) {
                        *x = w.num;
                    }
                }
            }
            stake.push(s.num);
            alloc.push(row);
        }
        let e = Elastic {
            stake,
            pfc,
            theta,
            alloc,
        };
        let best = max_attack_profit(&e).map_err(|e| e.to_string())?;
        let profit = best.map(|(neg, p)| {
            format!(
                "{}{}",
                if neg && !p.num.is_zero() { "-" } else { "" },
                p.render()
            )
        });
        let secure = best.is_none_or(|(neg, p)| neg || p.num.is_zero());
        // Robustness searches Byzantine sets on top of the attack search: past its size limit
        // the attack answer stands and robustness says why it is missing.
        let (robust, why) = match robustness(&e) {
            Ok(r) => (Some(r.render()), None),
            Err(restake_risk::RiskError::TooLarge { what, count, max }) => {
                (None, Some(format!("not computed: {what} {count} > {max}")))
            }
            Err(other) => return Err(other.to_string()),
        };
        let mut v = json!({
            "model": "elastic",
            "secure": secure,
            "maxAttackProfit": profit,
            "robustness": robust,
        });
        if let (Some(why), Some(obj)) = (why, v.as_object_mut()) {
            obj.insert("robustnessNote".into(), json!(why));
        }
        v
    };
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?
        );
    } else if let Some(obj) = out.as_object() {
        for (k, v) in obj {
            println!("{k:<16} {v}");
        }
    }
    Ok(())
}

fn simulate(a: SimulateArgs) -> CliResult {
    use restake_risk::cascade::{FaultKind, FaultModel, monte_carlo, simulate};
    let text = std::fs::read_to_string(&a.input)
        .map_err(|e| format!("cannot read {}: {e}", a.input.display()))?;
    let graph = Graph::from_json_str(&text).map_err(|e| e.to_string())?;
    let opts = Options {
        bnb_nodes: a.bnb_nodes,
        ..Options::default()
    };
    let out = if let Some(trials) = a.trials {
        let kind = match a.fault.as_str() {
            "independent" => FaultKind::Independent,
            "client" => FaultKind::ClientBug,
            "operator" => FaultKind::KeyCompromise,
            "price" => FaultKind::PricePath {
                volatility: frac(&a.volatility, "volatility")?,
                steps: a.steps,
                correlation: frac(&a.correlation, "correlation")?,
            },
            other => {
                return Err(format!(
                    "--fault: {other:?} is not independent, client, operator or price"
                ));
            }
        };
        let model = FaultModel {
            kind,
            validator_failure: frac(&a.failure, "failure")?,
            trials,
            seed: a.seed,
            level: frac(&a.level, "level")?,
        };
        serde_json::to_value(monte_carlo(&graph, &model, &opts).map_err(|e| e.to_string())?)
    } else {
        let mut shock = Vec::new();
        for id in &a.shock {
            let i = graph
                .validator_ids
                .iter()
                .position(|v| v == id)
                .ok_or_else(|| format!("--shock: unknown validator {id:?}"))?;
            shock.push(i);
        }
        serde_json::to_value(simulate(&graph, &shock, &opts).map_err(|e| e.to_string())?)
    }
    .map_err(|e| e.to_string())?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?
        );
    } else if let Some(obj) = out.as_object() {
        for (k, v) in obj {
            println!("{k:<24} {v}");
        }
    }
    Ok(())
}

async fn report(a: ReportArgs) -> CliResult {
    use restake_client::RestakeApiClient;
    let client = restake_client::Client::new(&crate::conn::rpc_url(a.rpc.as_deref()))
        .map_err(|e| e.to_string())?;
    let mut prices = std::collections::BTreeMap::new();
    for p in &a.prices {
        let (symbol, price) = p
            .split_once('=')
            .ok_or_else(|| format!("--price {p:?}: expected SYMBOL=PRICE"))?;
        prices.insert(symbol.to_string(), price.to_string());
    }
    let report = client
        .get_risk_report(Some(a.psi.clone()), Some(prices))
        .await
        .map_err(|e| restake_client::ClientError::from(e).to_string())?;
    // As JSON with sorted keys, the way the node sends it.
    let v = serde_json::to_value(&report).map_err(|e| e.to_string())?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    let r = &v["report"];
    let s = |x: &serde_json::Value| match x {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "—".into(),
        other => other.to_string(),
    };
    println!("block             {}", s(&v["block"]));
    println!(
        "services          {}",
        v["graph"]["services"].as_array().map_or(0, Vec::len)
    );
    println!(
        "allocations       {}",
        v["graph"]["validators"].as_array().map_or(0, Vec::len)
    );
    println!("secure            {}", s(&r["secure"]));
    println!("max attack profit {} wei", s(&r["maxAttackProfit"]));
    println!("gamma*            {}", s(&r["gammaStar"]));
    println!("gamma_cert        {}", s(&r["gammaCert"]));
    println!(
        "worst-case loss   {} of all stake after a {} shock",
        s(&r["worstCaseLoss"]),
        a.psi
    );
    for svc in r["services"].as_array().into_iter().flatten() {
        println!(
            "  {}  pfc {}  cost of corruption {}  {}",
            s(&svc["id"]),
            s(&svc["pfc"]),
            s(&svc["costOfCorruption"]),
            if svc["naiveSecure"] == true {
                "ok"
            } else {
                "CORRUPTIBLE ALONE"
            }
        );
    }
    for avs in v["avs"].as_array().into_iter().flatten() {
        println!(
            "avs {}  sets {}  least slack {}",
            s(&avs["avs"]),
            avs["operatorSets"].as_array().map_or(0, Vec::len),
            s(&avs["slack"])
        );
    }
    for l in v["leaving"].as_array().into_iter().flatten() {
        println!(
            "leaving {} {} of {} slashable until block {}",
            s(&l["leaving"]),
            s(&l["token"]),
            s(&l["node"]),
            s(&l["slashableUntil"])
        );
    }
    Ok(())
}

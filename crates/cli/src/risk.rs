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
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Runs `restake risk`.
pub fn run(cmd: RiskCmd) -> CliResult {
    match cmd {
        RiskCmd::Analyze(a) => analyze_file(a),
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
        force_exhaustive: false,
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

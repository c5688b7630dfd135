//! The web app in a real browser: a devnet filled by `restake seed`, then `webapp.py` drives
//! Debian's Chromium headless through ChromeDriver over every route, reads the numbers on the
//! pages against the RPC, watches a block arrive live, and makes a deposit from a wallet injected
//! by the test. Screenshots of every page at desktop and phone widths go to
//! `target/webapp-screens/`. Needs `chromium`, `chromium-driver` and Python's `selenium` and
//! `eth-account`: without them the test fails under CI and is skipped elsewhere.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn browser_available() -> Result<(), String> {
    for path in [CHROMIUM, CHROMEDRIVER] {
        if !Path::new(path).exists() {
            return Err(format!(
                "{path} is missing (apt-get install chromium chromium-driver)"
            ));
        }
    }
    match Command::new("python3")
        .args(["-c", "import selenium, eth_account"])
        .output()
    {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
        Err(e) => Err(format!("python3 cannot run: {e}")),
    }
}

#[test]
fn every_page_shows_the_rpcs_numbers_updates_live_and_acts_from_a_wallet_in_chromium() {
    if let Err(why) = browser_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but the browser test cannot run: {why}"
        );
        eprintln!("SKIPPED: the browser test needs Chromium, ChromeDriver and selenium: {why}");
        return;
    }
    let tmp = TempDir::new("webapp");
    let node = Node::start(&tmp.path().join("data"), 300);
    let seeded = node.cli(&[
        "seed",
        "--avss",
        "2",
        "--operators",
        "6",
        "--stakers",
        "24",
        "--queue-every",
        "4",
        "--slashes",
        "2",
    ]);
    assert!(
        seeded.status.success(),
        "seeding failed:\n{}",
        text(&seeded)
    );
    let out_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/webapp-screens");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/webapp.py");
    // Development account 6 acts from the page: its key stays with the test.
    let key = restake_node::devnet::DEV_ACCOUNTS[6].1;
    let out = Command::new("python3")
        .args([
            script,
            "--rpc",
            &node.url,
            "--out",
            out_dir.to_str().unwrap(),
            "--key",
            key,
            "--profile",
            tmp.path().join("chromium-profile").to_str().unwrap(),
            "--chromium",
            CHROMIUM,
            "--chromedriver",
            CHROMEDRIVER,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the browser test failed:\n{}",
        text(&out)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("every route loaded"), "{printed}");
}

//! `restake keys`.

use crate::CliResult;
use clap::Subcommand;
use restake_client::Wallet;
use restake_node::devnet;

/// Key commands.
#[derive(Subcommand)]
pub enum KeysCmd {
    /// Create a new random key and print it.
    New {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show the address of a key.
    Show {
        /// Private key (hex), or `dev:N` for development account N.
        key: String,
    },
    /// List the devnet's development accounts.
    Dev,
}

/// Resolves `dev:N` or a hex key.
pub fn wallet(key: &str) -> Result<Wallet, String> {
    if let Some(n) = key.strip_prefix("dev:") {
        let i: usize = n
            .parse()
            .map_err(|_| format!("bad development account {n:?}"))?;
        let (_, hex) = devnet::DEV_ACCOUNTS.get(i).ok_or(format!(
            "there are {} development accounts",
            devnet::DEV_ACCOUNTS.len()
        ))?;
        return Wallet::from_hex(hex).map_err(|e| e.to_string());
    }
    Wallet::from_hex(key).map_err(|e| e.to_string())
}

fn random_bytes() -> Result<[u8; 32], String> {
    use std::io::Read;
    let mut b = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .map_err(|e| format!("no randomness: {e}"))?;
    Ok(b)
}

/// Runs a key command.
pub fn run(cmd: KeysCmd) -> CliResult {
    match cmd {
        KeysCmd::New { json } => {
            let w = Wallet::from_bytes(random_bytes()?).map_err(|e| e.to_string())?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "address": w.address(), "privateKey": w.secret_hex() })
                );
            } else {
                println!("address      {}", w.address());
                println!("private key  {}", w.secret_hex());
                println!("Keep the private key secret; anyone holding it controls the account.");
            }
        }
        KeysCmd::Show { key } => println!("{}", wallet(&key)?.address()),
        KeysCmd::Dev => {
            for (i, (addr, key)) in devnet::DEV_ACCOUNTS.iter().enumerate() {
                println!("dev:{i}  {addr}  {key}");
            }
        }
    }
    Ok(())
}

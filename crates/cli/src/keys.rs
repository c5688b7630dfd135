//! `restake keys`.

use crate::CliResult;
use crate::error::CliError;
use clap::{Args, Subcommand};
use restake_client::Wallet;
use restake_node::devnet;
use std::path::{Path, PathBuf};

/// Key commands.
#[derive(Subcommand)]
pub enum KeysCmd {
    /// Create a new random account key: with `--out`, into an encrypted Web3 Secret Storage
    /// file (scrypt, permissions 0600; never overwrites) that geth, MetaMask and eth-account
    /// read; without it, printed.
    New {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Write an encrypted keystore here instead of printing the key.
        #[arg(long)]
        out: Option<PathBuf>,
        /// A file whose first line is the password (default: `RESTAKE_KEYSTORE_PASSWORD`).
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// Encrypt an existing account key (`--key`, `RESTAKE_KEY`, or a key file) into a Web3
    /// Secret Storage file.
    Import {
        /// The key to import.
        #[command(flatten)]
        key: KeyArgs,
        /// Where to write the keystore (never overwritten).
        #[arg(long)]
        out: PathBuf,
        /// A file whose first line is the password (default: `RESTAKE_KEYSTORE_PASSWORD`).
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// Decrypt a Web3 Secret Storage file and print its private key (to move it elsewhere).
    Export {
        /// The keystore.
        file: PathBuf,
        /// A file whose first line is the password (or `RESTAKE_KEYSTORE_PASSWORD`).
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// List the keystores in a folder: account (version 3) files with their address, BLS
    /// (EIP-2335) files with their public key. Nothing is decrypted.
    List {
        /// The folder.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Show the address of a key.
    Show {
        /// Private key (hex), or `dev:N` for development account N.
        key: String,
    },
    /// List the devnet's development accounts.
    Dev,
    /// Validator consensus keys (ed25519; never an account key).
    #[command(subcommand)]
    Consensus(ConsensusKeyCmd),
    /// Operator-set BLS12-381 keys in encrypted EIP-2335 keystores (ADR 0009).
    #[command(subcommand)]
    Bls(BlsKeyCmd),
}

/// `restake keys bls`.
#[derive(Subcommand)]
pub enum BlsKeyCmd {
    /// Create a new BLS key in an EIP-2335 keystore (scrypt, permissions 0600; never
    /// overwrites) and print its public key and proof of possession.
    New {
        /// Where to write the keystore.
        #[arg(long)]
        out: PathBuf,
        /// A file whose first line is the password (default: `RESTAKE_KEYSTORE_PASSWORD`).
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// Print a keystore's public key; with a password, decrypt it first and print its proof of
    /// possession too (a wrong password is an error).
    Show {
        /// The keystore.
        file: PathBuf,
        /// A file whose first line is the password (or `RESTAKE_KEYSTORE_PASSWORD`).
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
}

/// The environment variable that holds a keystore password.
pub const KEYSTORE_PASSWORD_ENV: &str = "RESTAKE_KEYSTORE_PASSWORD";

/// The password from `--password-file` (its first line) or the environment.
fn keystore_password(file: Option<&PathBuf>) -> Result<Option<String>, String> {
    match file {
        Some(path) => std::fs::read_to_string(path)
            .map(|t| Some(t.lines().next().unwrap_or_default().to_string()))
            .map_err(|e| format!("cannot read {}: {e}", path.display())),
        None => Ok(std::env::var(KEYSTORE_PASSWORD_ENV).ok()),
    }
}

fn bls_keys(cmd: BlsKeyCmd) -> CliResult {
    use restake_client::keystore::{Kdf, Keystore};
    match cmd {
        BlsKeyCmd::New { out, password_file } => {
            let password = keystore_password(password_file.as_ref())?
                .filter(|p| !p.is_empty())
                .ok_or(format!(
                    "a keystore needs a password (not empty): --password-file or {KEYSTORE_PASSWORD_ENV}"
                ))?;
            let secret = restake_primitives::bls::SecretKey::derive(&random_bytes()?)
                .map_err(|e| e.to_string())?;
            let salt = random_bytes()?;
            let noise = random_bytes()?;
            let (iv, id) = noise.split_at(16);
            let iv: [u8; 16] = iv.try_into().map_err(|_| "no randomness")?;
            let ks = Keystore::encrypt(
                &secret,
                &password,
                Kdf::STANDARD,
                salt,
                iv,
                uuid_v4(id),
                Some("Restake operator-set key".into()),
            )
            .map_err(|e| e.to_string())?;
            let text = serde_json::to_string_pretty(&ks).map_err(|e| e.to_string())?;
            restake_node::keyfile::write_private(&out, &format!("{text}\n"))
                .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
            print_bls(&secret);
            println!(
                "Written to {}. Keep the password: the key cannot be recovered without it.",
                out.display()
            );
        }
        BlsKeyCmd::Show {
            file,
            password_file,
        } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let ks = Keystore::from_json(&text).map_err(|e| e.to_string())?;
            match keystore_password(password_file.as_ref())? {
                Some(password) => print_bls(&ks.decrypt(&password).map_err(|e| e.to_string())?),
                None => println!(
                    "public key  0x{}",
                    ks.pubkey.unwrap_or_else(|| "(not in the file)".into())
                ),
            }
        }
    }
    Ok(())
}

/// Opens a Web3 Secret Storage file and checks the address it names, if any.
fn decrypt_account(path: &Path, password: &str) -> Result<Wallet, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let ks = restake_client::keystore::Web3Keystore::from_json(&text).map_err(|e| e.to_string())?;
    let w = Wallet::from_bytes(ks.decrypt(password).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    if let Some(named) = &ks.address {
        let derived = alloy_primitives::hex::encode(w.address());
        if named.trim_start_matches("0x").to_ascii_lowercase() != derived {
            return Err(format!(
                "the file names address 0x{named}, its key's is {}",
                w.address()
            ));
        }
    }
    Ok(w)
}

/// Writes `w` into a new Web3 Secret Storage file at `out`.
fn write_account_keystore(w: &Wallet, out: &Path, password_file: Option<&PathBuf>) -> CliResult {
    use restake_client::keystore::{Kdf, Web3Keystore};
    let password = keystore_password(password_file)?
        .filter(|p| !p.is_empty())
        .ok_or(format!(
            "a keystore needs a password (not empty): --password-file or {KEYSTORE_PASSWORD_ENV}"
        ))?;
    let noise = random_bytes()?;
    let (iv, id) = noise.split_at(16);
    let iv: [u8; 16] = iv.try_into().map_err(|_| "no randomness")?;
    let secret: [u8; 32] = alloy_primitives::hex::decode(w.secret_hex())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("the key is not 32 bytes")?;
    let ks = Web3Keystore::encrypt(
        &secret,
        &w.address().to_string(),
        &password,
        Kdf::STANDARD,
        random_bytes()?,
        iv,
        uuid_v4(id),
    )
    .map_err(|e| e.to_string())?;
    let text = serde_json::to_string_pretty(&ks).map_err(|e| e.to_string())?;
    restake_node::keyfile::write_private(out, &format!("{text}\n"))
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!("address  {}", w.address());
    println!(
        "Written to {}. Keep the password: the key cannot be recovered without it.",
        out.display()
    );
    Ok(())
}

/// Prints one line per keystore in `dir`, sorted by file name.
fn list_keystores(dir: &Path) -> CliResult {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    entries.sort();
    let mut found = 0usize;
    for path in entries {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        if let Ok(ks) = restake_client::keystore::Web3Keystore::from_json(&text) {
            let addr = ks
                .address
                .map_or("(not in the file)".into(), |a| format!("0x{a}"));
            println!("account  {addr}  {name}");
        } else if let Ok(ks) = restake_client::keystore::Keystore::from_json(&text) {
            let key = ks
                .pubkey
                .map_or("(not in the file)".into(), |k| format!("0x{k}"));
            println!("bls      {key}  {name}");
        } else {
            continue;
        }
        found = found.saturating_add(1);
    }
    if found == 0 {
        println!("no keystores in {}", dir.display());
    }
    Ok(())
}

fn print_bls(secret: &restake_primitives::bls::SecretKey) {
    println!("public key           {}", secret.public());
    println!("proof of possession  {}", secret.prove_possession());
}

/// A random (version 4) UUID from 16 bytes.
fn uuid_v4(b: &[u8]) -> String {
    let mut u = [0u8; 16];
    for (d, s) in u.iter_mut().zip(b) {
        *d = *s;
    }
    u[6] = (u[6] & 0x0f) | 0x40;
    u[8] = (u[8] & 0x3f) | 0x80;
    let h = alloy_primitives::hex::encode(u);
    format!(
        "{}-{}-{}-{}-{}",
        h.get(..8).unwrap_or_default(),
        h.get(8..12).unwrap_or_default(),
        h.get(12..16).unwrap_or_default(),
        h.get(16..20).unwrap_or_default(),
        h.get(20..).unwrap_or_default()
    )
}

/// `restake keys consensus`.
#[derive(Subcommand)]
pub enum ConsensusKeyCmd {
    /// Create a new consensus key file (permissions 0600; never overwrites) and print its
    /// public key and consensus address, for a genesis or an `updateValidatorSet`.
    New {
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
    /// Show the public key and address of a consensus key file.
    Show {
        /// The key file.
        file: PathBuf,
    },
}

/// The environment variable that holds a private key (hex) or `dev:N`.
pub const KEY_ENV: &str = "RESTAKE_KEY";
/// The environment variable that names a key file.
pub const KEY_FILE_ENV: &str = "RESTAKE_KEY_FILE";

/// Where a signing key comes from: `--key dev:N`, `--key-file PATH`, `RESTAKE_KEY` or
/// `RESTAKE_KEY_FILE`, in that order. A raw key belongs in a file or the environment: on the
/// command line other users of the machine can read it.
#[derive(Args, Debug, Default)]
pub struct KeyArgs {
    /// `dev:N` for development account N. (A raw hex key is accepted but visible to other
    /// users of this machine: prefer --key-file or RESTAKE_KEY.)
    #[arg(long)]
    pub key: Option<String>,
    /// A file holding the private key as hex (or `dev:N`); RESTAKE_KEY_FILE names one too.
    #[arg(long)]
    pub key_file: Option<PathBuf>,
}

impl KeyArgs {
    /// The signing wallet.
    pub fn wallet(&self) -> Result<Wallet, CliError> {
        if let Some(key) = &self.key {
            if !key.starts_with("dev:") {
                eprintln!(
                    "warning: a private key on the command line can be read by other users of this machine and stays in shell history; use --key-file or {KEY_ENV}"
                );
            }
            return wallet(key).map_err(CliError::Usage);
        }
        if let Some(path) = &self.key_file {
            return from_file(path);
        }
        if let Some(key) = std::env::var(KEY_ENV).ok().filter(|k| !k.trim().is_empty()) {
            return wallet(&key).map_err(|e| CliError::Usage(format!("{KEY_ENV}: {e}")));
        }
        if let Some(path) = std::env::var_os(KEY_FILE_ENV).filter(|p| !p.is_empty()) {
            return from_file(Path::new(&path));
        }
        Err(CliError::Usage(format!(
            "no signing key: give --key dev:N or --key-file PATH, or set {KEY_ENV} or {KEY_FILE_ENV}"
        )))
    }
}

/// A key file: hex (or `dev:N`), surrounding whitespace ignored.
fn from_file(path: &Path) -> Result<Wallet, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| CliError::File {
        path: path.display().to_string(),
        reason: format!("cannot read the key file: {e}"),
    })?;
    warn_if_readable_by_others(path);
    let file_err = |reason: String| CliError::File {
        path: path.display().to_string(),
        reason,
    };
    // An encrypted Web3 Secret Storage file (geth, MetaMask, eth-account), or a bare hex key.
    if text.trim_start().starts_with('{') {
        let password = std::env::var(KEYSTORE_PASSWORD_ENV).map_err(|_| {
            file_err(format!(
                "an encrypted key file needs its password in {KEYSTORE_PASSWORD_ENV}"
            ))
        })?;
        return decrypt_account(path, &password).map_err(file_err);
    }
    wallet(text.trim()).map_err(file_err)
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(m) = std::fs::metadata(path)
        && m.permissions().mode() & 0o077 != 0
    {
        eprintln!(
            "warning: the key file {} can be read by other users; `chmod 600` it",
            path.display()
        );
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

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
    Wallet::from_hex(key)
        .map_err(|_| "not a key: expected 64 hex digits (with or without 0x) or dev:N".to_string())
}

/// 32 bytes from the operating system's randomness.
pub(crate) fn random_bytes() -> Result<[u8; 32], String> {
    use std::io::Read;
    let mut b = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .map_err(|e| format!("no randomness: {e}"))?;
    Ok(b)
}

fn print_consensus(key: &restake_primitives::ed25519::SecretKey) {
    println!("consensus key  {}", key.public());
    println!("address        {}", key.public().address());
}

/// Runs a key command.
pub fn run(cmd: KeysCmd) -> CliResult {
    match cmd {
        KeysCmd::New {
            out: Some(out),
            password_file,
            ..
        } => {
            let w = Wallet::from_bytes(random_bytes()?).map_err(|e| e.to_string())?;
            write_account_keystore(&w, &out, password_file.as_ref())?;
        }
        KeysCmd::Import {
            key,
            out,
            password_file,
        } => write_account_keystore(
            &key.wallet().map_err(|e| e.to_string())?,
            &out,
            password_file.as_ref(),
        )?,
        KeysCmd::Export {
            file,
            password_file,
        } => {
            let password = keystore_password(password_file.as_ref())?.ok_or(format!(
                "give the password with --password-file or {KEYSTORE_PASSWORD_ENV}"
            ))?;
            let w = decrypt_account(&file, &password)?;
            eprintln!(
                "warning: the private key below controls {}; keep it secret",
                w.address()
            );
            println!("{}", w.secret_hex());
        }
        KeysCmd::List { dir } => list_keystores(&dir)?,
        KeysCmd::New {
            json, out: None, ..
        } => {
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
        KeysCmd::Consensus(ConsensusKeyCmd::New { out }) => {
            let key = restake_primitives::ed25519::SecretKey::from_seed(&random_bytes()?);
            restake_node::keyfile::write_consensus_key(&out, &key).map_err(|e| e.to_string())?;
            print_consensus(&key);
            println!(
                "Written to {}. Keep it secret: it signs this validator's votes.",
                out.display()
            );
        }
        KeysCmd::Consensus(ConsensusKeyCmd::Show { file }) => {
            let key =
                restake_node::keyfile::read_consensus_key(&file).map_err(|e| e.to_string())?;
            print_consensus(&key);
        }
        KeysCmd::Bls(c) => bls_keys(c)?,
        KeysCmd::Dev => {
            for (i, (addr, key)) in devnet::DEV_ACCOUNTS.iter().enumerate() {
                println!("dev:{i}  {addr}  {key}");
            }
        }
    }
    Ok(())
}

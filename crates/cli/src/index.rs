//! `restake index`: the node's index of history and lists (outside consensus), kept beside its
//! store. A node catches its index up by itself at start-up; `rebuild` starts it again from the
//! stored blocks, for a damaged file or after an upgrade that indexes more.

use crate::CliResult;
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `restake index` commands.
#[derive(Subcommand)]
pub enum IndexCmd {
    /// Rebuild the index from the blocks in a data directory (the node must be stopped).
    Rebuild(RebuildArgs),
}

/// `restake index rebuild` options.
#[derive(Args)]
pub struct RebuildArgs {
    /// The node's data directory.
    #[arg(long, default_value = ".restake/devnet")]
    data_dir: PathBuf,
    /// The chain id its transactions are signed for.
    #[arg(long, default_value_t = restake_node::devnet::CHAIN_ID)]
    chain_id: u64,
}

/// Runs an `index` command.
pub fn run(cmd: IndexCmd) -> CliResult {
    match cmd {
        IndexCmd::Rebuild(a) => {
            let store = restake_store::Store::open(&a.data_dir)
                .map_err(|e| format!("cannot open the store in {}: {e}", a.data_dir.display()))?;
            let path = a.data_dir.join(restake_node::index::FILE_NAME);
            let index = restake_node::index::Index::open(&path)
                .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
            let started = restake_node::clock::now();
            let blocks = index
                .rebuild(&store, a.chain_id)
                .map_err(|e| e.to_string())?;
            let secs = started.elapsed().as_secs_f64().max(1e-9);
            println!(
                "Indexed {blocks} blocks into {} in {secs:.2} s ({:.0} blocks/s)",
                path.display(),
                blocks as f64 / secs
            );
            Ok(())
        }
    }
}

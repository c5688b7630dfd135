//! The block as a protocol object: what a valid block is, decided here and nowhere else.
//!
//! A block is a [`Header`] and its transactions. [`execute`] is the one execution path every
//! caller goes through — the node when it proposes ([`Mode::Build`]) and when it checks a block
//! some other validator proposed ([`Mode::Verify`]), the RPC's simulation ([`simulate`]) and the
//! test harness:
//!
//! 1. the header's lineage: protocol version, chain id, height = parent + 1, the parent's hash,
//!    the hash of the validator set that decides it (read from the parent's state, `val/next`);
//!    and the certificate of the parent ([`commit`]): more than two thirds of the parent's
//!    validator power precommitted the parent's hash, and the header names its hash;
//! 2. the timestamp rule ([`rules::BlockRules::check_timestamp`]): never earlier than the parent
//!    plus the chain's minimum block interval, never later than the verifier's clock plus a
//!    bounded drift;
//! 3. the body's limits: at most `maxBlockTransactions` transactions and `maxBlockBytes` encoded
//!    bytes;
//! 4. begin-block work (rewards distribution at epoch boundaries), then each transaction in
//!    order ([`apply_transaction`]); a transaction whose nonce does not fit is left out when
//!    building and makes a received block invalid;
//! 5. the transactions root and the receipts root; the state root comes from the store's
//!    commitment of the resulting changes and is checked by [`Executed::seal`].
//!
//! Everything hashed here is Borsh ([`encoding`]), never JSON or display text.

mod apply;
pub mod commit;
pub mod encoding;
mod execute;
mod header;
mod receipt;
pub mod rules;

pub use apply::{BlockError, Charge, apply_transaction};
pub use commit::{Certificate, CertificateError, CommitSignature, VoteKind};
pub use encoding::{hash_list, receipts_root, transactions_root};
pub use execute::{
    BlockEnv, Executed, InvalidBlock, Mode, NextBlock, Sealed, Simulated, VerifiedTx, execute,
    simulate,
};
pub use header::{Block, GENESIS_PARENT, Header, PROTOCOL_VERSION};
pub use receipt::{Receipt, ReceiptError, Status};
pub use rules::BlockRules;

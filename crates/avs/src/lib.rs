//! The AVS kit: what a service built on Restake runs beside its operators, without I/O so that
//! any transport (the node's WebSocket, a queue, a test) can drive it.
//!
//! - [`Aggregator`]: takes operators' signed answers to one task, checks each signature against
//!   the operator's key in the task's table, and once the operators behind one answer carry the
//!   task's threshold, builds the certificate and the `respondToTask` action.
//! - [`challenger`]: finds, among signed answers seen for a task, two different ones signed by
//!   the same operator, and builds the `slashWithConflictingResponses` action.
//!
//! Both work from what `restake_getTask` and `restake_getOperatorTable` return (checked with
//! `restake_client::Client::verified_operator_table` to trust no node).

pub mod aggregator;
pub mod challenger;

pub use aggregator::{Aggregator, AggregatorError, TaskView};
pub use challenger::find_conflicts;

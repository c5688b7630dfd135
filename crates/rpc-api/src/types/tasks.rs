//! `restake_getTask`, `restake_getTasks`.

use alloy_primitives::Address;
use restake_core::tasks::Task;
use serde::{Deserialize, Serialize};

/// Which tasks `restake_getTasks` lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TaskQuery {
    /// Only this AVS's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avs: Option<Address>,
    /// Only this set's (with `avs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_id: Option<u32>,
    /// Only tasks in this state: `open`, `completed` or `expired`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// A page of tasks, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TasksPage {
    /// Newest first.
    pub items: Vec<Task>,
    /// The cursor of the next page; `null` at the end.
    pub next: Option<String>,
}

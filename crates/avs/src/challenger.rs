//! Finding an operator's conflicting answers.

use alloy_primitives::{Address, B256, Bytes};
use restake_core::Action;
use restake_core::evidence::SignedResponse;
use std::collections::BTreeMap;

/// For each operator that signed two different answers to task `task_id` among `seen`
/// (operator, response, signature), the action that slashes it. Signatures are taken as seen:
/// the ledger checks them against the operator's key.
pub fn find_conflicts(task_id: u64, seen: &[(Address, B256, Bytes)]) -> Vec<Action> {
    let mut first: BTreeMap<Address, (B256, &Bytes)> = BTreeMap::new();
    let mut proofs: BTreeMap<Address, Action> = BTreeMap::new();
    for (operator, response, signature) in seen {
        match first.get(operator) {
            None => {
                first.insert(*operator, (*response, signature));
            }
            Some((r, s)) if r != response && !proofs.contains_key(operator) => {
                proofs.insert(
                    *operator,
                    Action::SlashWithConflictingResponses {
                        task_id,
                        operator: *operator,
                        first: SignedResponse {
                            response: *r,
                            signature: (*s).clone(),
                        },
                        second: SignedResponse {
                            response: *response,
                            signature: signature.clone(),
                        },
                    },
                );
            }
            Some(_) => {}
        }
    }
    proofs.into_values().collect()
}

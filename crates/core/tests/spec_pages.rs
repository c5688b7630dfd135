//! Every action has its page in `docs/spec/`, and the JSON example on the page (unless it elides
//! values with `…`) is an action of that name as the node parses it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use restake_core::Action;

#[test]
fn every_action_has_a_spec_page_whose_json_example_parses_as_that_action() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/spec");
    let mut failures = Vec::new();
    for name in Action::NAMES {
        let Ok(page) = std::fs::read_to_string(format!("{dir}/{name}.md")) else {
            failures.push(format!("{name}: no page"));
            continue;
        };
        let examples: Vec<&str> = page
            .split("```json\n")
            .skip(1)
            .filter_map(|rest| rest.split("\n```").next())
            .filter(|e| {
                e.contains(&format!("\"type\":\"{name}\""))
                    || e.contains(&format!("\"type\": \"{name}\""))
            })
            .collect();
        if examples.is_empty() {
            failures.push(format!("{name}: no JSON example of the action"));
        }
        // An example with elided values ("0x41…") shows the shape only.
        for example in examples.into_iter().filter(|e| !e.contains('…')) {
            match serde_json::from_str::<Action>(example) {
                Ok(a) if a.name() == *name => {}
                Ok(a) => failures.push(format!("{name}: the example is a {}", a.name())),
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

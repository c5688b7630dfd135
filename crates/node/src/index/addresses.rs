//! The addresses an event names, found in its JSON form so that no list per event variant has to
//! be kept in step with the protocol: every string field that is an address, at any depth
//! (operator sets, withdrawals), counts.

use alloy_primitives::Address;
use restake_core::event::Event;
use std::collections::BTreeSet;

/// Every address named anywhere in `event`, each once, in order.
pub fn named(event: &Event) -> BTreeSet<Address> {
    let mut out = BTreeSet::new();
    if let Ok(value) = serde_json::to_value(event) {
        collect(&value, &mut out);
    }
    out
}

fn collect(value: &serde_json::Value, out: &mut BTreeSet<Address>) {
    match value {
        serde_json::Value::String(s) if s.len() == 42 && s.starts_with("0x") => {
            if let Ok(a) = s.parse::<Address>() {
                out.insert(a);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
        serde_json::Value::Object(fields) => fields.values().for_each(|v| collect(v, out)),
        _ => {}
    }
}

/// The event's wire name (`"Transfer"`, `"OperatorSlashed"`, ...).
pub fn kind(event: &Event) -> String {
    serde_json::to_value(event)
        .ok()
        .and_then(|v| v.get("type")?.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::U256;

    #[test]
    fn a_transfer_names_its_token_sender_and_recipient() {
        let (token, from, to) = (
            Address::repeat_byte(1),
            Address::repeat_byte(2),
            Address::repeat_byte(3),
        );
        let e = Event::Transfer {
            token,
            from,
            to,
            amount: U256::from(5u8),
        };
        assert_eq!(named(&e), BTreeSet::from([token, from, to]));
        assert_eq!(kind(&e), "Transfer");
    }
}

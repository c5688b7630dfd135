//! Serializes a value with the keys of every object inside it in sorted order.
//!
//! The responses that the node once assembled as `serde_json::Value` went out with every object's
//! keys sorted (serde_json's map is ordered by key), also inside the core types they embedded
//! (a block's header and transactions, events, a receipt error, the risk analysis). Their typed
//! replacements declare their own fields in that order and mark the embedded types with
//! `#[serde(serialize_with = "crate::sorted::serialize")]`, so the bytes on the wire stay the
//! same. Deserializing needs nothing: key order does not matter to a reader.

use serde::{Serialize, Serializer};

/// `value` as serde_json's key-ordered `Value`, then serialized.
pub fn serialize<T: Serialize, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    serde_json::to_value(value)
        .map_err(serde::ser::Error::custom)?
        .serialize(s)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[derive(serde::Serialize)]
    struct Outer {
        #[serde(serialize_with = "super::serialize")]
        inner: Inner,
    }

    #[derive(serde::Serialize)]
    struct Inner {
        zeta: u8,
        alpha: Vec<Deep>,
    }

    #[derive(serde::Serialize)]
    struct Deep {
        y: u8,
        b: u8,
    }

    #[test]
    fn every_nested_object_comes_out_with_sorted_keys() {
        let v = Outer {
            inner: Inner {
                zeta: 1,
                alpha: vec![Deep { y: 2, b: 3 }],
            },
        };
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"inner":{"alpha":[{"b":3,"y":2}],"zeta":1}}"#
        );
    }
}

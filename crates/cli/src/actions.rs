//! What `restake tx` knows about actions, all read from the core's action declaration
//! ([`Action::NAMES`], [`Action::fields_of`]): the list, each action's fields and types, and
//! the action built from `field=value` / `field:=json` arguments.
//!
//! `field=value` is read by the field's declared type: an `address` may be `@SYMBOL`; a
//! `uint256` is an amount in units (`1.5` in the token's decimals, `1.5ether`, `1.5gwei`,
//! `1500000000000000000wei`); small integers and `bool`s are numbers and booleans; a list is
//! comma-separated. `field:=json` is the wire form, taken as written (amounts in base units),
//! except that `@SYMBOL` strings are resolved in it too.

use crate::conn::{Catalog, Conn, Role};
use crate::error::CliError;
use crate::units::{ETHER_DECIMALS, parse_amount};
use alloy_primitives::Address;
use restake_core::Action;
use restake_core::action::ActionField;
use restake_core::typed_data::Ty;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// An EIP-712 type as written in Solidity: `address`, `uint256[]`, `QueuedWithdrawalParams[]`.
pub fn type_name(ty: &Ty) -> String {
    match ty {
        Ty::Address => "address".into(),
        Ty::Uint(n) => format!("uint{n}"),
        Ty::Bool => "bool".into(),
        Ty::Bytes32 => "bytes32".into(),
        Ty::Bytes => "bytes".into(),
        Ty::String => "string".into(),
        Ty::Array(t) => format!("{}[]", type_name(t)),
        Ty::Struct(s) => s.name.into(),
    }
}

/// The declared fields of `action`, or an error that points at `restake tx list`.
pub fn fields(action: &str) -> Result<Vec<ActionField>, CliError> {
    Action::fields_of(action).ok_or_else(|| {
        let hint = Action::NAMES
            .iter()
            .find(|n| n.eq_ignore_ascii_case(action))
            .map(|n| format!(" (did you mean {n}?)"))
            .unwrap_or_default();
        CliError::Usage(format!(
            "there is no action {action:?}{hint}: `restake tx list` lists them"
        ))
    })
}

/// `restake tx list`: every action with its fields, optional ones in brackets.
pub fn list() -> String {
    let mut out = String::from("Actions (`restake tx <action> --help` for the fields' types):\n");
    let width = Action::NAMES.iter().map(|n| n.len()).max().unwrap_or(0);
    for name in Action::NAMES {
        let names: Vec<String> = Action::fields_of(name)
            .unwrap_or_default()
            .iter()
            .map(|f| {
                if f.optional {
                    format!("[{}]", f.name)
                } else {
                    f.name.to_string()
                }
            })
            .collect();
        out.push_str(format!("  {name:<width$}  {}", names.join(" ")).trim_end());
        out.push('\n');
    }
    out
}

/// How a value of `ty` is written after `field=`.
fn how_to_write(ty: &Ty) -> &'static str {
    match ty {
        Ty::Address => "0x address, or @SYMBOL",
        Ty::Uint(256) => "amount: 1.5 (token units), 1.5ether, 1500000000000000000wei",
        Ty::Uint(_) => "integer",
        Ty::Bool => "true or false",
        Ty::Bytes32 => "0x and 64 hex digits",
        Ty::Bytes => "0x hex",
        Ty::String => "text",
        Ty::Array(inner) if matches!(**inner, Ty::Struct(_)) => "JSON list: field:='[...]'",
        Ty::Array(_) => "comma-separated list, or field:='[...]'",
        Ty::Struct(_) => "JSON object: field:='{...}'",
    }
}

/// Struct types a type refers to, in first-use order.
fn structs_in(ty: &Ty, seen: &mut BTreeSet<&'static str>, out: &mut Vec<String>) {
    match ty {
        Ty::Array(inner) => structs_in(inner, seen, out),
        Ty::Struct(s) => {
            if !seen.insert(s.name) {
                return;
            }
            let fields = (s.fields)();
            let listed: Vec<String> = fields
                .iter()
                .map(|(n, t)| format!("{n}: {}", type_name(t)))
                .collect();
            out.push(format!("  {} {{ {} }}", s.name, listed.join(", ")));
            for (_, t) in &fields {
                structs_in(t, seen, out);
            }
        }
        _ => {}
    }
}

/// `restake tx <action> --help`: the action's fields and their types, from its declaration.
pub fn help(action: &str) -> Result<String, CliError> {
    let fields = fields(action)?;
    let mut out = format!(
        "restake tx {action} field=value ... field:=json ... [--key dev:N | --key-file PATH]\n\n"
    );
    if fields.is_empty() {
        out.push_str("No fields.\n");
    } else {
        out.push_str("Fields (signed as EIP-712 types):\n");
        let rows: Vec<[String; 4]> = fields
            .iter()
            .map(|f| {
                [
                    f.name.to_string(),
                    type_name(&f.ty),
                    if f.optional { "optional" } else { "required" }.to_string(),
                    how_to_write(&f.ty).to_string(),
                ]
            })
            .collect();
        let w0 = rows.iter().map(|r| r[0].len()).max().unwrap_or(0);
        let w1 = rows.iter().map(|r| r[1].len()).max().unwrap_or(0);
        for [name, ty, need, how] in rows {
            out.push_str(&format!("  {name:<w0$}  {ty:<w1$}  {need:<8}  {how}\n"));
        }
        let mut seen = BTreeSet::new();
        let mut structs = Vec::new();
        for f in &fields {
            structs_in(&f.ty, &mut seen, &mut structs);
        }
        if !structs.is_empty() {
            out.push_str("\nStructs (JSON objects with these fields; amounts as decimal strings in base units):\n");
            for s in structs {
                out.push_str(&s);
                out.push('\n');
            }
        }
    }
    out.push_str(
        "\nOptions: --rpc URL (or RESTAKE_RPC_URL), --key dev:N, --key-file PATH (or RESTAKE_KEY, RESTAKE_KEY_FILE),\n\
         --no-wait, --timeout SECS, --simulate, --force, --json, --proofs FILE.\n",
    );
    Ok(out)
}

/// One command-line field.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// `name=text`, read by the field's type.
    Text(String, String),
    /// `name:=json`, taken as written.
    Json(String, Value),
}

impl Arg {
    fn name(&self) -> &str {
        match self {
            Self::Text(n, _) | Self::Json(n, _) => n,
        }
    }
}

/// Splits `name=value` / `name:=json` arguments.
pub fn parse_args(raw: &[String]) -> Result<Vec<Arg>, CliError> {
    raw.iter()
        .map(|f| {
            if let Some((k, json)) = f.split_once(":=")
                && !k.contains('=')
            {
                let v = serde_json::from_str(json).map_err(|e| {
                    CliError::Usage(format!("field {k}: {json:?} is not JSON ({e})"))
                })?;
                Ok(Arg::Json(k.to_string(), v))
            } else if let Some((k, v)) = f.split_once('=') {
                Ok(Arg::Text(k.to_string(), v.to_string()))
            } else {
                Err(CliError::Usage(format!(
                    "expected field=value or field:=json, got {f:?}"
                )))
            }
        })
        .collect()
}

/// The catalog, fetched on first use.
struct Lazy<'a> {
    conn: &'a Conn,
    catalog: Option<Catalog>,
}

impl Lazy<'_> {
    async fn get(&mut self) -> Result<&Catalog, CliError> {
        if self.catalog.is_none() {
            self.catalog = Some(self.conn.catalog().await?);
        }
        self.catalog
            .as_ref()
            .ok_or_else(|| CliError::Other("the token list is not loaded".into()))
    }
}

/// Resolves `@SYMBOL` strings in JSON, each by the role of the field it sits in.
async fn resolve_json(lazy: &mut Lazy<'_>, field: &str, v: Value) -> Result<Value, CliError> {
    match v {
        Value::String(s) if s.starts_with('@') => {
            let symbol = s.trim_start_matches('@');
            let a = lazy.get().await?.resolve(symbol, Role::of_field(field))?;
            Ok(Value::String(a.to_string()))
        }
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                out.push(Box::pin(resolve_json(lazy, field, i)).await?);
            }
            Ok(Value::Array(out))
        }
        Value::Object(fields) => {
            let mut out = Map::new();
            for (k, v) in fields {
                let resolved = Box::pin(resolve_json(lazy, &k, v)).await?;
                out.insert(k, resolved);
            }
            Ok(Value::Object(out))
        }
        other => Ok(other),
    }
}

/// Whether an amount names its own unit.
fn has_unit(text: &str) -> bool {
    let t = text.trim().to_ascii_lowercase();
    t.ends_with("wei") || t.ends_with("ether")
}

/// A text value of a non-amount field, read by its type. Small integers become numbers (the
/// caller retries with text for fields whose wire form is a decimal string).
async fn text_value(
    lazy: &mut Lazy<'_>,
    field: &str,
    ty: &Ty,
    text: &str,
) -> Result<Value, CliError> {
    let bad = |what: &str| CliError::Usage(format!("field {field}: {text:?} is not {what}"));
    match ty {
        Ty::Address if text.starts_with('@') => {
            resolve_json(lazy, field, Value::String(text.into())).await
        }
        Ty::Uint(n) if *n <= 64 => text
            .trim()
            .parse::<u64>()
            .map(Value::from)
            .map_err(|_| bad(&format!("a uint{n}"))),
        Ty::Uint(_) => {
            // A list element of a uint256 list (wads, shares): 18 decimals unless a unit says.
            let v =
                parse_amount(text, ETHER_DECIMALS, "an 18-decimal amount").map_err(|source| {
                    CliError::Amount {
                        field: field.to_string(),
                        source,
                    }
                })?;
            Ok(Value::String(v.to_string()))
        }
        Ty::Bool => match text.trim() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(bad("true or false")),
        },
        Ty::Array(inner) => {
            if matches!(**inner, Ty::Struct(_)) {
                return Err(CliError::Usage(format!(
                    "field {field} is a list of {}: give it as JSON, {field}:='[...]'",
                    type_name(inner)
                )));
            }
            let mut out = Vec::new();
            for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                out.push(Box::pin(text_value(lazy, field, inner, part)).await?);
            }
            Ok(Value::Array(out))
        }
        Ty::Struct(s) => Err(CliError::Usage(format!(
            "field {field} is a {}: give it as JSON, {field}:='{{...}}'",
            s.name
        ))),
        _ => Ok(Value::String(text.to_string())),
    }
}

/// The decimals and unit name of a bare amount in field `field` of an action with fields `obj`.
fn amount_unit(
    catalog: &Catalog,
    field: &str,
    obj: &Map<String, Value>,
) -> Result<(u8, String), CliError> {
    if field.ends_with("Wad") || field.ends_with("Wei") {
        return Ok((ETHER_DECIMALS, "an 18-decimal amount".into()));
    }
    let address_of = |k: &str| -> Option<Address> { obj.get(k)?.as_str()?.parse().ok() };
    let shares_of_vault =
        field.to_ascii_lowercase().contains("shares") && obj.contains_key("vault");
    let order: &[&str] = if shares_of_vault {
        &["vault", "token", "strategy"]
    } else {
        &["token", "strategy", "vault"]
    };
    for key in order {
        if let Some(a) = address_of(key) {
            return match catalog.token_behind(a) {
                Some(t) => Ok((t.decimals, t.symbol.clone())),
                None => Err(CliError::Usage(format!(
                    "field {field}: the {key} {a} is not a token, pool or vault this node knows, so its decimals are unknown: write the amount with a unit (1.5ether or 1500000000000000000wei)"
                ))),
            };
        }
    }
    Ok((ETHER_DECIMALS, "an 18-decimal amount".into()))
}

/// Builds action `name` from command-line arguments over `base` (fields from a file).
pub async fn build(
    conn: &Conn,
    name: &str,
    raw: &[String],
    base: Map<String, Value>,
) -> Result<Action, CliError> {
    let declared = fields(name)?;
    let args = parse_args(raw)?;
    let unknown: Vec<&str> = args
        .iter()
        .map(Arg::name)
        .filter(|n| !declared.iter().any(|f| f.name == *n))
        .collect();
    if !unknown.is_empty() {
        let known: Vec<&str> = declared.iter().map(|f| f.name).collect();
        return Err(CliError::Usage(format!(
            "{name} has no field {}; its fields are: {}",
            unknown.join(", "),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )));
    }
    let mut lazy = Lazy {
        conn,
        catalog: None,
    };
    let mut obj = base;
    let mut numbers = Vec::new();
    let mut amounts = Vec::new();
    for arg in args {
        let Some(field) = declared.iter().find(|f| f.name == arg.name()) else {
            continue;
        };
        let value = match arg {
            Arg::Json(k, v) => resolve_json(&mut lazy, &k, v).await?,
            Arg::Text(_, text) if field.ty == Ty::Uint(256) => {
                amounts.push((field.name, text));
                continue;
            }
            Arg::Text(_, text) => {
                if matches!(field.ty, Ty::Uint(n) if n <= 64) {
                    numbers.push((field.name, text.clone()));
                }
                text_value(&mut lazy, field.name, &field.ty, &text).await?
            }
        };
        obj.insert(field.name.to_string(), value);
    }
    // Amounts last: their decimals come from the token, pool or vault named beside them.
    for (field, text) in amounts {
        let (decimals, unit) = if has_unit(&text) {
            (ETHER_DECIMALS, String::new())
        } else {
            amount_unit(lazy.get().await?, field, &obj)?
        };
        let v = parse_amount(&text, decimals, &unit).map_err(|source| CliError::Amount {
            field: field.to_string(),
            source,
        })?;
        obj.insert(field.to_string(), Value::String(v.to_string()));
    }
    obj.insert("type".into(), Value::String(name.into()));
    let missing: Vec<String> = declared
        .iter()
        .filter(|f| !f.optional && !obj.contains_key(f.name))
        .map(|f| format!("{} ({})", f.name, type_name(&f.ty)))
        .collect();
    match serde_json::from_value::<Action>(Value::Object(obj.clone())) {
        Ok(action) => Ok(action),
        Err(_) if !missing.is_empty() => Err(CliError::Usage(format!(
            "{name} is missing {} field{}: {}. `restake tx {name} --help` lists its fields",
            missing.len(),
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        ))),
        Err(first) => {
            // Some integer fields travel as decimal strings: try them as written.
            let mut as_text = obj;
            for (field, text) in numbers {
                as_text.insert(field.to_string(), Value::String(text));
            }
            serde_json::from_value::<Action>(Value::Object(as_text))
                .map_err(|_| CliError::Usage(format!("invalid {name}: {first}")))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn the_list_names_every_declared_action_with_optional_fields_in_brackets() {
        let text = list();
        for name in Action::NAMES {
            assert!(
                text.contains(&format!("  {name} ")) || text.contains(&format!("  {name}\n")),
                "{name}"
            );
        }
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with("delegateTo "))
            .unwrap();
        assert!(
            line.ends_with("operator [approverSignature] [approverExpiry] [approverSalt]"),
            "{line}"
        );
    }

    #[test]
    fn an_actions_help_gives_each_field_its_type_and_the_structs_it_uses() {
        let h = help("queueWithdrawals").unwrap();
        assert!(
            h.contains("params  QueuedWithdrawalParams[]  required"),
            "{h}"
        );
        assert!(
            h.contains(
                "QueuedWithdrawalParams { strategies: address[], depositShares: uint256[] }"
            ),
            "{h}"
        );
        let h = help("depositIntoStrategy").unwrap();
        for line in [
            "strategy  address",
            "token     address",
            "amount    uint256",
        ] {
            assert!(h.contains(line), "{line}: {h}");
        }
        let e = help("depositintostrategy").unwrap_err().to_string();
        assert!(e.contains("did you mean depositIntoStrategy?"), "{e}");
    }

    #[test]
    fn field_arguments_split_into_text_and_json() {
        let raw = ["a=1.5".to_string(), "b:=[1,2]".into(), "c=x:=y".into()];
        assert_eq!(
            parse_args(&raw).unwrap(),
            vec![
                Arg::Text("a".into(), "1.5".into()),
                Arg::Json("b".into(), serde_json::json!([1, 2])),
                Arg::Text("c".into(), "x:=y".into()),
            ]
        );
        assert!(parse_args(&["novalue".to_string()]).is_err());
        assert!(parse_args(&["b:=[1,".to_string()]).is_err());
    }
}

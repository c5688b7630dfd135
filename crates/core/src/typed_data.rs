//! A small EIP-712 encoder over dynamic values, so one description of a message gives both its
//! signing digest and the `eth_signTypedData_v4` JSON a wallet signs. Wallets and this module
//! must agree byte for byte; the fixtures signed by independent wallet libraries check that.
//!
//! Rules (EIP-712): `hashStruct(s) = keccak256(typeHash(s) || encodeData(s))`;
//! `typeHash = keccak256(encodeType)`, where `encodeType` is `Name(type name,...)` followed by
//! every struct type it references, sorted by name; atomic values are one 32-byte word, `bytes`
//! and `string` are hashed, arrays are the hash of their encoded elements, structs their
//! `hashStruct`.

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// A field type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// `address`.
    Address,
    /// `uintN`.
    Uint(u16),
    /// `bool`.
    Bool,
    /// `bytes32`.
    Bytes32,
    /// `bytes`.
    Bytes,
    /// `string`.
    String,
    /// `T[]`.
    Array(Box<Ty>),
    /// A struct type, with its declared fields.
    Struct(StructType),
}

impl Ty {
    fn name(&self) -> String {
        match self {
            Ty::Address => "address".into(),
            Ty::Uint(n) => format!("uint{n}"),
            Ty::Bool => "bool".into(),
            Ty::Bytes32 => "bytes32".into(),
            Ty::Bytes => "bytes".into(),
            Ty::String => "string".into(),
            Ty::Array(t) => format!("{}[]", t.name()),
            Ty::Struct(t) => t.name.into(),
        }
    }
}

/// A named struct type and its fields (a function, so types can nest without recursion in
/// statics).
#[derive(Clone, Copy)]
pub struct StructType {
    /// Type name.
    pub name: &'static str,
    /// Field names and types in declaration order.
    pub fields: fn() -> Vec<(&'static str, Ty)>,
}

impl std::fmt::Debug for StructType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl PartialEq for StructType {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for StructType {}

impl StructType {
    /// A value of this type from field values in declaration order (extra values are ignored,
    /// missing ones leave the field out, which changes the type hash: callers pass all fields).
    pub fn value(self, vals: Vec<Val>) -> Val {
        let mut s = Struct::new(self.name);
        for ((name, ty), val) in (self.fields)().into_iter().zip(vals) {
            s = s.field(name, ty, val);
        }
        Val::Struct(s)
    }
}

/// A Rust type with an EIP-712 encoding: its type, known without a value (so an empty array
/// still declares the struct type of its elements), and the value of an instance.
///
/// Addresses are `address`, `U256` is `uint256`, `uN` is `uintN`, `B256` is `bytes32`, `Bytes` is
/// `bytes`, `String` is `string`, `bool` is `bool` and `Vec<T>` is `T[]`; boxes and references
/// are their content. Structs signed inside actions are declared with the actions
/// ([`crate::action`]).
pub trait Typed {
    /// The EIP-712 type.
    fn eip712_type() -> Ty;
    /// The value.
    fn eip712_value(&self) -> Val;
}

macro_rules! typed_uint {
    ($($t:ty => $bits:literal),*) => {$(
        impl Typed for $t {
            fn eip712_type() -> Ty {
                Ty::Uint($bits)
            }
            fn eip712_value(&self) -> Val {
                Val::Uint(U256::from(*self))
            }
        }
    )*};
}

typed_uint!(u8 => 8, u16 => 16, u32 => 32, u64 => 64);

impl Typed for U256 {
    fn eip712_type() -> Ty {
        Ty::Uint(256)
    }
    fn eip712_value(&self) -> Val {
        Val::Uint(*self)
    }
}

impl Typed for Address {
    fn eip712_type() -> Ty {
        Ty::Address
    }
    fn eip712_value(&self) -> Val {
        Val::Address(*self)
    }
}

impl Typed for bool {
    fn eip712_type() -> Ty {
        Ty::Bool
    }
    fn eip712_value(&self) -> Val {
        Val::Bool(*self)
    }
}

impl Typed for B256 {
    fn eip712_type() -> Ty {
        Ty::Bytes32
    }
    fn eip712_value(&self) -> Val {
        Val::Bytes32(*self)
    }
}

impl Typed for Bytes {
    fn eip712_type() -> Ty {
        Ty::Bytes
    }
    fn eip712_value(&self) -> Val {
        Val::Bytes(self.clone())
    }
}

impl Typed for String {
    fn eip712_type() -> Ty {
        Ty::String
    }
    fn eip712_value(&self) -> Val {
        Val::String(self.clone())
    }
}

impl<T: Typed> Typed for [T] {
    fn eip712_type() -> Ty {
        Ty::Array(Box::new(T::eip712_type()))
    }
    fn eip712_value(&self) -> Val {
        Val::Array(self.iter().map(T::eip712_value).collect())
    }
}

impl<T: Typed> Typed for Vec<T> {
    fn eip712_type() -> Ty {
        <[T]>::eip712_type()
    }
    fn eip712_value(&self) -> Val {
        self.as_slice().eip712_value()
    }
}

impl<T: Typed + ?Sized> Typed for Box<T> {
    fn eip712_type() -> Ty {
        T::eip712_type()
    }
    fn eip712_value(&self) -> Val {
        T::eip712_value(self)
    }
}

impl<T: Typed + ?Sized> Typed for &T {
    fn eip712_type() -> Ty {
        T::eip712_type()
    }
    fn eip712_value(&self) -> Val {
        T::eip712_value(self)
    }
}

fn collect_ty(ty: &Ty, out: &mut BTreeMap<String, Vec<(&'static str, String)>>) {
    match ty {
        Ty::Array(inner) => collect_ty(inner, out),
        Ty::Struct(t) => {
            if out.contains_key(t.name) {
                return;
            }
            let fields = (t.fields)();
            out.insert(
                t.name.into(),
                fields.iter().map(|(n, ty)| (*n, ty.name())).collect(),
            );
            for (_, f) in &fields {
                collect_ty(f, out);
            }
        }
        _ => {}
    }
}

/// A value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    /// An address.
    Address(Address),
    /// An unsigned integer (of the field's width).
    Uint(U256),
    /// A boolean.
    Bool(bool),
    /// 32 bytes.
    Bytes32(B256),
    /// Dynamic bytes.
    Bytes(Bytes),
    /// A string.
    String(String),
    /// An array (elements of the field's element type).
    Array(Vec<Val>),
    /// A struct.
    Struct(Struct),
}

/// A struct value with its type description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Struct {
    /// Type name.
    pub name: String,
    /// Fields in declaration order.
    pub fields: Vec<Field>,
}

/// One field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Field name.
    pub name: &'static str,
    /// Field type.
    pub ty: Ty,
    /// Field value.
    pub val: Val,
}

impl Struct {
    /// An empty struct of type `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            fields: Vec::new(),
        }
    }

    /// Appends a field.
    pub fn field(mut self, name: &'static str, ty: Ty, val: Val) -> Self {
        self.fields.push(Field { name, ty, val });
        self
    }

    /// Appends a field with the type and value of a Rust value.
    pub fn typed<T: Typed + ?Sized>(self, name: &'static str, value: &T) -> Self {
        self.field(name, T::eip712_type(), value.eip712_value())
    }

    /// Every struct type this one uses (itself included), name → field list.
    pub fn types(&self) -> BTreeMap<String, Vec<(&'static str, String)>> {
        let mut out = BTreeMap::new();
        self.collect_types(&mut out);
        out
    }

    fn collect_types(&self, out: &mut BTreeMap<String, Vec<(&'static str, String)>>) {
        out.insert(
            self.name.clone(),
            self.fields.iter().map(|f| (f.name, f.ty.name())).collect(),
        );
        for f in &self.fields {
            collect_ty(&f.ty, out);
        }
    }

    /// `encodeType`.
    pub fn encode_type(&self) -> String {
        let types = self.types();
        let sig = |name: &str, fields: &[(&'static str, String)]| {
            let inner: Vec<String> = fields.iter().map(|(n, t)| format!("{t} {n}")).collect();
            format!("{name}({})", inner.join(","))
        };
        let mut s = types
            .get(&self.name)
            .map(|f| sig(&self.name, f))
            .unwrap_or_default();
        for (name, fields) in &types {
            if *name != self.name {
                s.push_str(&sig(name, fields));
            }
        }
        s
    }

    /// `keccak256(encodeType)`, remembered per struct name: every struct type in the protocol
    /// has one name (the action's or the nested struct's), and building `encodeType` costs more
    /// than the rest of an action's hash. Tests (debug builds) recompute it every time and check
    /// the remembered one, so two types sharing a name would fail them.
    pub fn type_hash(&self) -> B256 {
        static TYPE_HASHES: LazyLock<std::sync::RwLock<BTreeMap<String, B256>>> =
            LazyLock::new(Default::default);
        let cached = TYPE_HASHES
            .read()
            .ok()
            .and_then(|m| m.get(&self.name).copied());
        if let Some(h) = cached {
            debug_assert_eq!(h, keccak256(self.encode_type().as_bytes()), "{}", self.name);
            return h;
        }
        let h = keccak256(self.encode_type().as_bytes());
        if let Ok(mut m) = TYPE_HASHES.write() {
            m.insert(self.name.clone(), h);
        }
        h
    }

    /// `hashStruct`.
    pub fn hash(&self) -> B256 {
        let mut buf = Vec::with_capacity(self.fields.len().saturating_add(1).saturating_mul(32));
        buf.extend_from_slice(self.type_hash().as_slice());
        for f in &self.fields {
            buf.extend_from_slice(encode_value(&f.val).as_slice());
        }
        keccak256(buf)
    }

    /// The message as JSON (`uint` values as decimal strings, bytes as `0x` hex).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        for f in &self.fields {
            m.insert(f.name.into(), val_json(&f.val));
        }
        Value::Object(m)
    }
}

fn encode_value(v: &Val) -> B256 {
    match v {
        Val::Address(a) => a.into_word(),
        Val::Uint(u) => B256::from(u.to_be_bytes::<32>()),
        Val::Bool(b) => B256::from(U256::from(u8::from(*b)).to_be_bytes::<32>()),
        Val::Bytes32(b) => *b,
        Val::Bytes(b) => keccak256(b),
        Val::String(s) => keccak256(s.as_bytes()),
        Val::Array(items) => {
            let mut buf = Vec::with_capacity(items.len().saturating_mul(32));
            for i in items {
                buf.extend_from_slice(encode_value(i).as_slice());
            }
            keccak256(buf)
        }
        Val::Struct(s) => s.hash(),
    }
}

fn val_json(v: &Val) -> Value {
    match v {
        Val::Address(a) => Value::String(a.to_checksum(None)),
        Val::Uint(u) => Value::String(u.to_string()),
        Val::Bool(b) => Value::Bool(*b),
        Val::Bytes32(b) => Value::String(b.to_string()),
        Val::Bytes(b) => Value::String(b.to_string()),
        Val::String(s) => Value::String(s.clone()),
        Val::Array(items) => Value::Array(items.iter().map(val_json).collect()),
        Val::Struct(s) => s.to_json(),
    }
}

/// The `Restake` signing domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Domain {
    /// Chain id.
    pub chain_id: u64,
}

impl Domain {
    fn as_struct(&self) -> Struct {
        Struct::new("EIP712Domain")
            .field("name", Ty::String, Val::String("Restake".into()))
            .field("version", Ty::String, Val::String("1".into()))
            .field(
                "chainId",
                Ty::Uint(256),
                Val::Uint(U256::from(self.chain_id)),
            )
    }

    /// `hashStruct(domain)`. Only the chain id varies, so the type hash and the hashed name
    /// and version are computed once.
    pub fn separator(&self) -> B256 {
        static FIXED: LazyLock<[B256; 3]> = LazyLock::new(|| {
            let d = Domain { chain_id: 0 }.as_struct();
            [
                keccak256(d.encode_type().as_bytes()),
                keccak256(b"Restake"),
                keccak256(b"1"),
            ]
        });
        let mut buf = [0u8; 128];
        for (chunk, word) in buf.chunks_exact_mut(32).zip(
            FIXED
                .iter()
                .copied()
                .chain([B256::from(U256::from(self.chain_id).to_be_bytes::<32>())]),
        ) {
            chunk.copy_from_slice(word.as_slice());
        }
        keccak256(buf)
    }
}

/// `keccak256(0x19 0x01 || domainSeparator || hashStruct(message))`.
pub fn signing_hash(domain: &Domain, message: &Struct) -> B256 {
    let mut buf = Vec::with_capacity(66);
    buf.extend_from_slice(&[0x19, 0x01]);
    buf.extend_from_slice(domain.separator().as_slice());
    buf.extend_from_slice(message.hash().as_slice());
    keccak256(buf)
}

/// The full `eth_signTypedData_v4` document for `message`.
pub fn typed_data_json(domain: &Domain, message: &Struct) -> Value {
    let mut types = Map::new();
    let field_list = |fields: &[(&'static str, String)]| {
        Value::Array(
            fields
                .iter()
                .map(|(n, t)| json!({ "name": n, "type": t }))
                .collect(),
        )
    };
    let d = domain.as_struct();
    types.insert(
        "EIP712Domain".into(),
        field_list(&d.types().remove("EIP712Domain").unwrap_or_default()),
    );
    for (name, fields) in message.types() {
        types.insert(name, field_list(&fields));
    }
    json!({
        "types": Value::Object(types),
        "primaryType": message.name,
        "domain": { "name": "Restake", "version": "1", "chainId": domain.chain_id },
        "message": message.to_json(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_sol_types::{SolStruct, sol};

    sol! {
        struct Inner { address who; uint256 amount; }
        struct Outer { string label; Inner[] items; bytes data; bool flag; bytes32 salt; uint64 nonce; }
    }

    #[test]
    fn domain_separator_matches_the_generic_struct_hash_and_alloy() {
        for chain_id in [0u64, 1, 31337, u64::MAX] {
            let d = Domain { chain_id };
            assert_eq!(d.separator(), d.as_struct().hash());
            assert_eq!(d.separator(), crate::eip712::domain(chain_id).hash_struct());
        }
    }

    fn inner_fields() -> Vec<(&'static str, Ty)> {
        vec![("who", Ty::Address), ("amount", Ty::Uint(256))]
    }
    const INNER: StructType = StructType {
        name: "Inner",
        fields: inner_fields,
    };

    #[test]
    fn an_empty_array_of_structs_still_declares_the_struct_type() {
        let (_, mine) = sample();
        let mut empty = mine.clone();
        empty.fields[1].val = Val::Array(vec![]);
        assert_eq!(empty.encode_type(), mine.encode_type());
        let sol_empty = Outer {
            label: "hi".into(),
            items: vec![],
            data: Bytes::from(vec![1, 2, 3]),
            flag: true,
            salt: B256::repeat_byte(9),
            nonce: 3,
        };
        assert_eq!(empty.hash(), sol_empty.eip712_hash_struct());
        let doc = typed_data_json(&Domain { chain_id: 1 }, &empty);
        assert!(doc["types"]["Inner"].is_array());
    }

    fn sample() -> (Outer, Struct) {
        let who = Address::repeat_byte(7);
        let sol_value = Outer {
            label: "hi".into(),
            items: vec![Inner {
                who,
                amount: U256::from(5),
            }],
            data: Bytes::from(vec![1, 2, 3]),
            flag: true,
            salt: B256::repeat_byte(9),
            nonce: 3,
        };
        let inner = INNER.value(vec![Val::Address(who), Val::Uint(U256::from(5))]);
        let mine = Struct::new("Outer")
            .field("label", Ty::String, Val::String("hi".into()))
            .field(
                "items",
                Ty::Array(Box::new(Ty::Struct(INNER))),
                Val::Array(vec![inner]),
            )
            .field("data", Ty::Bytes, Val::Bytes(Bytes::from(vec![1, 2, 3])))
            .field("flag", Ty::Bool, Val::Bool(true))
            .field("salt", Ty::Bytes32, Val::Bytes32(B256::repeat_byte(9)))
            .field("nonce", Ty::Uint(64), Val::Uint(U256::from(3)));
        (sol_value, mine)
    }

    struct RustInner {
        who: Address,
        amount: U256,
    }

    impl Typed for RustInner {
        fn eip712_type() -> Ty {
            Ty::Struct(INNER)
        }
        fn eip712_value(&self) -> Val {
            INNER.value(vec![self.who.eip712_value(), self.amount.eip712_value()])
        }
    }

    #[test]
    fn rust_values_sign_with_the_type_their_rust_type_maps_to() {
        let (sol_value, mine) = sample();
        let items = vec![RustInner {
            who: Address::repeat_byte(7),
            amount: U256::from(5),
        }];
        let typed = Struct::new("Outer")
            .typed("label", &String::from("hi"))
            .typed("items", &items)
            .typed("data", &Bytes::from(vec![1, 2, 3]))
            .typed("flag", &true)
            .typed("salt", &B256::repeat_byte(9))
            .typed("nonce", &3u64);
        assert_eq!(typed, mine);
        assert_eq!(typed.hash(), sol_value.eip712_hash_struct());
        let empty = Struct::new("Outer").typed("items", &Vec::<RustInner>::new());
        assert!(empty.types().contains_key("Inner"));
        assert_eq!(
            Struct::new("S")
                .typed("a", &1u8)
                .typed("b", &Box::new(2u16))
                .typed("c", &[3u32].as_slice())
                .typed("d", &vec![vec![4u64]])
                .encode_type(),
            "S(uint8 a,uint16 b,uint32[] c,uint64[][] d)"
        );
    }

    #[test]
    fn encode_type_lists_referenced_structs_after_the_primary_one() {
        let (sol_value, mine) = sample();
        let _ = &sol_value;
        assert_eq!(mine.encode_type(), Outer::eip712_encode_type());
        assert_eq!(
            mine.encode_type(),
            "Outer(string label,Inner[] items,bytes data,bool flag,bytes32 salt,uint64 nonce)Inner(address who,uint256 amount)"
        );
    }

    #[test]
    fn hashes_and_digest_match_an_independent_encoder() {
        let (sol_value, mine) = sample();
        assert_eq!(mine.hash(), sol_value.eip712_hash_struct());
        let domain = crate::eip712::domain(31337);
        assert_eq!(
            signing_hash(&Domain { chain_id: 31337 }, &mine),
            sol_value.eip712_signing_hash(&domain)
        );
    }

    #[test]
    fn typed_data_json_has_domain_types_and_message() {
        let (_, mine) = sample();
        let doc = typed_data_json(&Domain { chain_id: 1 }, &mine);
        assert_eq!(doc["primaryType"], "Outer");
        assert_eq!(
            doc["types"]["Inner"][1],
            json!({"name": "amount", "type": "uint256"})
        );
        assert_eq!(
            doc["types"]["EIP712Domain"].as_array().map(Vec::len),
            Some(3)
        );
        assert_eq!(doc["message"]["items"][0]["amount"], "5");
        assert_eq!(doc["message"]["nonce"], "3");
        assert_eq!(doc["domain"]["chainId"], 1);
    }
}

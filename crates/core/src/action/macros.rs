//! The macros that expand the declaration in [`crate::action`] (whose header documents their
//! grammar), and the helpers their expansions call.

/// serde's `camelCase` of an identifier as a `&'static str` computed at compile time:
/// `operator_set_id` → `operatorSetId`, `DepositIntoStrategy` → `depositIntoStrategy`. The same
/// rule as the `rename_all = "camelCase"` and `rename_all_fields = "camelCase"` of `Action`, so a
/// field is signed under its wire name and `Action::name` is the wire `type`.
macro_rules! camel_case {
    ($ident:ident) => {{
        const IDENT: &str = stringify!($ident);
        const BYTES: [u8; $crate::action::macros::camel_len(IDENT)] =
            $crate::action::macros::camel(IDENT);
        const CAMEL: &str = $crate::action::macros::utf8_or(&BYTES, IDENT);
        CAMEL
    }};
}
pub(crate) use camel_case;

/// A field's value as it is signed: the field itself, or its `as` conversion applied to it.
macro_rules! signed_value {
    ($field:ident) => {
        $field
    };
    ($field:ident, $conversion:expr) => {
        $crate::action::macros::convert($field, $conversion)
    };
}
pub(crate) use signed_value;

/// A struct field's EIP-712 type, from the Rust type of the field or of its `as` conversion.
macro_rules! field_type {
    ($Struct:ident, $field:ident) => {
        $crate::action::macros::type_of_field(|s: &$Struct| &s.$field)
    };
    ($Struct:ident, $field:ident, $conversion:expr) => {
        $crate::action::macros::type_of_converted(|s: &$Struct| &s.$field, $conversion)
    };
}
pub(crate) use field_type;

/// An action field's EIP-712 type, from its Rust type or from what its `as` conversion yields.
macro_rules! declared_type {
    ($Field:ty) => {
        <$Field as $crate::typed_data::Typed>::eip712_type()
    };
    ($Field:ty, $conversion:expr) => {
        $crate::action::macros::type_of_conversion::<$Field, _, _>($conversion)
    };
}
pub(crate) use declared_type;

/// A struct's EIP-712 name: its Rust name unless it is signed `as` another.
macro_rules! struct_name {
    ($Struct:ident) => {
        stringify!($Struct)
    };
    ($Struct:ident, $Name:ident) => {
        stringify!($Name)
    };
}
pub(crate) use struct_name;

/// Expands the action declaration: the enum, its names, its signed struct and its dispatch.
macro_rules! declare_actions {
    (
        $(#[$attr:meta])*
        $vis:vis enum $Action:ident |$ex:ident, $sender:ident| {
            $(
                $(#[$variant_attr:meta])*
                $Variant:ident {
                    $(
                        $(#[$field_attr:meta])*
                        $field:ident: $Field:ty $(as $conversion:expr)?
                    ),* $(,)?
                } => $handler:expr
            ),* $(,)?
        }
    ) => {
        $(#[$attr])*
        $vis enum $Action {
            $(
                $(#[$variant_attr])*
                $Variant {
                    $(
                        $(#[$field_attr])*
                        $field: $Field,
                    )*
                },
            )*
        }

        /// A declared field of an action: how clients (the CLI's `restake tx <action> --help`)
        /// learn an action's fields without a second list.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct ActionField {
            /// The wire name (camelCase), which is also the signed name.
            pub name: &'static str,
            /// The EIP-712 type the field is signed as.
            pub ty: $crate::typed_data::Ty,
            /// Whether the field may be left out (an `Option`, or a serde `default`).
            pub optional: bool,
        }

        impl $Action {
            /// The fields of the action whose wire name is `name`, in declaration order; `None`
            /// for a name that is not an action.
            pub fn fields_of(name: &str) -> Option<Vec<ActionField>> {
                // Conversions may name the sender; the types they yield do not depend on it.
                let $sender = ::alloy_primitives::Address::ZERO;
                let _ = $sender;
                $(
                    if name == $crate::action::macros::camel_case!($Variant) {
                        return Some(vec![$(
                            ActionField {
                                name: $crate::action::macros::camel_case!($field),
                                ty: $crate::action::macros::declared_type!(
                                    $Field $(, $conversion)?
                                ),
                                optional: $crate::action::macros::may_be_omitted(
                                    stringify!($Field),
                                    stringify!($(#[$field_attr])*),
                                ),
                            }
                        ),*]);
                    }
                )*
                None
            }

            /// Every action's wire name in declaration order, which is the order of the Borsh
            /// tags: an action's tag is its index here.
            pub const NAMES: &'static [&'static str] =
                &[$($crate::action::macros::camel_case!($Variant)),*];

            /// The action's wire name (its `type`), also the selector used for appointees.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Self::$Variant { .. } => $crate::action::macros::camel_case!($Variant),)*
                }
            }

            /// The action's EIP-712 struct as `sender` signs it, without the transaction's
            /// nonce: named after the variant, with the fields in declaration order under their
            /// wire names, each signed as its value or as its `as` conversion.
            pub(crate) fn eip712_struct(
                &self,
                $sender: ::alloy_primitives::Address,
            ) -> $crate::typed_data::Struct {
                match self {
                    $(
                        Self::$Variant { $($field),* } => {
                            $crate::typed_data::Struct::new(stringify!($Variant))
                                $(.typed(
                                    $crate::action::macros::camel_case!($field),
                                    &$crate::action::macros::signed_value!(
                                        $field $(, $conversion)?
                                    ),
                                ))*
                        }
                    )*
                }
            }

            /// Runs the action's handler in `ex` for `sender`, dropping what it returns besides
            /// success (the events carry it).
            pub(crate) fn dispatch(
                &self,
                $ex: &mut $crate::exec::Exec<'_>,
                $sender: ::alloy_primitives::Address,
            ) -> ::core::result::Result<(), $crate::error::Error> {
                match self {
                    $(Self::$Variant { $($field),* } => $crate::action::macros::discard($handler),)*
                }
            }
        }
    };
}
pub(crate) use declare_actions;

/// Implements [`Typed`](crate::typed_data::Typed) for structs signed inside actions.
macro_rules! signed_structs {
    ($(
        $(#[$attr:meta])*
        $Struct:ident $(as $Name:ident)? {
            $($field:ident $(as $conversion:expr)?),* $(,)?
        }
    )*) => {$(
        $(#[$attr])*
        impl $crate::typed_data::Typed for $Struct {
            fn eip712_type() -> $crate::typed_data::Ty {
                fn fields() -> Vec<(&'static str, $crate::typed_data::Ty)> {
                    vec![$((
                        $crate::action::macros::camel_case!($field),
                        $crate::action::macros::field_type!($Struct, $field $(, $conversion)?),
                    )),*]
                }
                $crate::typed_data::Ty::Struct($crate::typed_data::StructType {
                    name: $crate::action::macros::struct_name!($Struct $(, $Name)?),
                    fields,
                })
            }

            fn eip712_value(&self) -> $crate::typed_data::Val {
                // Names every field: a field added to the struct must be declared here.
                let Self { $($field),* } = self;
                $crate::typed_data::Val::Struct(
                    $crate::typed_data::Struct::new(
                        $crate::action::macros::struct_name!($Struct $(, $Name)?),
                    )
                    $(.typed(
                        $crate::action::macros::camel_case!($field),
                        &$crate::action::macros::signed_value!($field $(, $conversion)?),
                    ))*,
                )
            }
        }
    )*};
}
pub(crate) use signed_structs;

use crate::error::Error;
use crate::typed_data::{Ty, Typed};

/// The length of [`camel`]'s result: the identifier without its underscores.
pub(crate) const fn camel_len(ident: &str) -> usize {
    let mut rest = ident.as_bytes();
    let mut len = 0usize;
    while let [byte, tail @ ..] = rest {
        if *byte != b'_' {
            len = len.saturating_add(1);
        }
        rest = tail;
    }
    len
}

/// serde's `camelCase` of a Rust identifier: underscores dropped, the letter after one
/// capitalised, the first letter lowercased. `N` is [`camel_len`] of it.
pub(crate) const fn camel<const N: usize>(ident: &str) -> [u8; N] {
    let mut out = [0u8; N];
    let mut slots: &mut [u8] = &mut out;
    let mut rest = ident.as_bytes();
    let mut first = true;
    let mut after_underscore = false;
    while let [byte, tail @ ..] = rest {
        rest = tail;
        if *byte == b'_' {
            after_underscore = true;
            continue;
        }
        if let [slot, free @ ..] = slots {
            *slot = if first {
                byte.to_ascii_lowercase()
            } else if after_underscore {
                byte.to_ascii_uppercase()
            } else {
                *byte
            };
            slots = free;
        }
        first = false;
        after_underscore = false;
    }
    out
}

/// `bytes` as text, or `fallback` if they are not UTF-8 (never for [`camel`]'s output, which
/// only changes ASCII letters).
pub(crate) const fn utf8_or<'a>(bytes: &'a [u8], fallback: &'a str) -> &'a str {
    match core::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(_) => fallback,
    }
}

/// `conversion(value)`, with the conversion's argument typed by the value (the conversion may
/// borrow from it).
pub(crate) fn convert<'a, F: ?Sized, U>(value: &'a F, conversion: impl FnOnce(&'a F) -> U) -> U {
    conversion(value)
}

/// The EIP-712 type of the field `field` selects, without a value.
pub(crate) fn type_of_field<'a, S: 'a, T: Typed + ?Sized + 'a>(
    _field: impl Fn(&'a S) -> &'a T,
) -> Ty {
    T::eip712_type()
}

/// The EIP-712 type of what `conversion` makes of the field `field` selects, without a value.
pub(crate) fn type_of_converted<'a, S: 'a, F: ?Sized + 'a, U: Typed>(
    _field: impl Fn(&'a S) -> &'a F,
    _conversion: impl Fn(&'a F) -> U,
) -> Ty {
    U::eip712_type()
}

/// The EIP-712 type of what `conversion` makes of a field of type `F`, without a value.
pub(crate) fn type_of_conversion<'a, F: ?Sized + 'a, U: Typed, C: Fn(&'a F) -> U>(
    _conversion: C,
) -> Ty {
    U::eip712_type()
}

/// Whether a field declared with Rust type `rust_type` and attributes `attributes` (both as
/// `stringify!` writes them) may be left out on the wire: serde fills an `Option` with `None`
/// and a `#[serde(default)]` field with its default.
pub(crate) fn may_be_omitted(rust_type: &str, attributes: &str) -> bool {
    if rust_type.trim_start().starts_with("Option") {
        return true;
    }
    let mut rest = attributes;
    while let Some(at) = rest.find("serde") {
        rest = rest.get(at.saturating_add(5)..).unwrap_or_default();
        let Some(open) = rest.trim_start().strip_prefix('(') else {
            continue;
        };
        let inside = open.split(')').next().unwrap_or_default();
        // Words outside string literals: `with = "dec", default` has `with` and `default`.
        let unquoted: String = inside.split('"').step_by(2).collect();
        if unquoted
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|word| word == "default")
        {
            return true;
        }
    }
    false
}

/// A handler's outcome without its value.
pub(crate) fn discard<T>(outcome: Result<T, Error>) -> Result<(), Error> {
    outcome.map(drop)
}

#[cfg(test)]
mod tests {
    use super::may_be_omitted;
    use crate::Action;
    use crate::typed_data::Ty;
    use serde::Serialize;

    #[test]
    fn an_actions_fields_are_its_wire_names_with_their_signed_types() {
        let deposit = Action::fields_of("depositIntoStrategy").unwrap();
        let listed: Vec<(&str, Ty, bool)> = deposit
            .into_iter()
            .map(|f| (f.name, f.ty, f.optional))
            .collect();
        assert_eq!(
            listed,
            [
                ("strategy", Ty::Address, false),
                ("token", Ty::Address, false),
                ("amount", Ty::Uint(256), false),
            ]
        );
        let delegate = Action::fields_of("delegateTo").unwrap();
        let listed: Vec<(&str, Ty, bool)> = delegate
            .into_iter()
            .map(|f| (f.name, f.ty, f.optional))
            .collect();
        assert_eq!(
            listed,
            [
                ("operator", Ty::Address, false),
                ("approverSignature", Ty::Bytes, true),
                ("approverExpiry", Ty::Uint(64), true),
                ("approverSalt", Ty::Bytes32, true),
            ]
        );
        // A conversion's type: an omitted vault delegator is signed as a `uint64`.
        let restake = Action::fields_of("restakeVaultAssets").unwrap();
        assert_eq!(
            restake.last().map(|f| (f.name, &f.ty, f.optional)),
            Some(("delegator", &Ty::Uint(64), true))
        );
        assert_eq!(Action::fields_of("pauseAll"), Some(vec![]));
        assert_eq!(Action::fields_of("noSuchAction"), None);
    }

    #[test]
    fn every_action_has_fields_and_serde_agrees_on_which_may_be_left_out() {
        for name in Action::NAMES {
            let fields = Action::fields_of(name).unwrap();
            let first_required = fields.iter().find(|f| !f.optional).map(|f| f.name);
            let bare = serde_json::json!({ "type": name });
            match (serde_json::from_value::<Action>(bare), first_required) {
                (Ok(_), None) => {}
                (Err(e), Some(field)) => assert!(
                    e.to_string().contains(&format!("missing field `{field}`")),
                    "{name}: serde says {e}, the declaration says {field} comes first"
                ),
                (outcome, required) => {
                    panic!("{name}: serde gives {outcome:?}, first required field {required:?}")
                }
            }
        }
    }

    #[test]
    fn only_options_and_serde_defaults_may_be_omitted() {
        assert!(may_be_omitted("Option<Address>", ""));
        assert!(may_be_omitted("u64", "#[serde(default)]"));
        assert!(may_be_omitted("U256", "#[serde(with = \"dec\", default)]"));
        assert!(may_be_omitted(
            "U256",
            "# [serde (with = \"dec\" , default)]"
        ));
        assert!(!may_be_omitted("U256", "#[serde(with = \"dec\")]"));
        assert!(!may_be_omitted(
            "u64",
            "#[doc = \" default \"] #[serde(alias = \"default\")]"
        ));
        assert!(!may_be_omitted("Vec<u64>", ""));
    }

    #[allow(non_snake_case, clippy::struct_field_names)]
    #[derive(Serialize, Default)]
    #[serde(rename_all = "camelCase")]
    struct Fields {
        operator_set_id: u8,
        avs: u8,
        balance_wei: u8,
        _leading: u8,
        double__under: u8,
        trailing_: u8,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    enum Variants {
        DepositIntoStrategy,
        PauseAll,
    }

    #[test]
    fn camel_case_is_serdes_rule_for_fields_and_variants() {
        let fields = serde_json::to_value(Fields::default()).unwrap();
        let mut serde_names: Vec<&str> = fields
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut ours = vec![
            camel_case!(operator_set_id),
            camel_case!(avs),
            camel_case!(balance_wei),
            camel_case!(_leading),
            camel_case!(double__under),
            camel_case!(trailing_),
        ];
        serde_names.sort_unstable();
        ours.sort_unstable();
        assert_eq!(ours, serde_names);
        assert_eq!(
            ours,
            [
                "avs",
                "balanceWei",
                "doubleUnder",
                "leading",
                "operatorSetId",
                "trailing"
            ]
        );
        for (variant, ident) in [
            (
                Variants::DepositIntoStrategy,
                camel_case!(DepositIntoStrategy),
            ),
            (Variants::PauseAll, camel_case!(PauseAll)),
        ] {
            assert_eq!(serde_json::to_value(variant).unwrap(), ident);
        }
    }
}

//! Reading a checked body with `serde-json-core` into a flat table of slots.
//!
//! Each endpoint describes its fields as one flat table ([`Field`]): name, dotted path, and
//! the index of the object field that holds it. [`walk`] drives `serde-json-core`'s
//! `Deserializer` over the body with hand-written serde visitors that fill one [`Slot`] per
//! table entry. Nothing here judges values; the rules run afterwards over the slots, so every
//! field's violation can be reported, not only the first one a typed `derive` would stop at.
//!
//! Why visitors instead of `#[derive(Deserialize)]`: a derived struct stops at the first
//! unknown or duplicate key, and a wrong type in one field aborts the whole parse. Here every
//! value is read through `deserialize_ignored_any`, the one entry point of `serde-json-core`
//! that accepts any JSON type (it dispatches on the next byte): strings arrive borrowed and
//! unescaped (see [`JsonStr`]), objects and arrays as map and sequence accesses, and scalars as
//! a bare `visit_unit`, whose text [`scalar_after_key`] then reads from the body. So a value
//! of the wrong type is recorded, not fatal, and reading goes on.
//!
//! Recursion: a known object field recurses into [`ObjectSeed`] (bounded by the tables, at
//! most 3 levels); every other container is skipped with `serde::de::IgnoredAny`, which
//! recurses once per level, bounded by [`MAX_DEPTH`](super::json::MAX_DEPTH) because
//! [`check`](super::json::check) has already rejected anything deeper. The walker must only run
//! on a body that passed that check.

use core::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::json::{JsonError, JsonStr, scalar_after_key};
use super::report::JsonType;
use super::table::Field;

/// What the body holds for one field of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot<'a> {
    /// The key is not in the body (or its object is not).
    Absent,
    /// A string, raw.
    Str(JsonStr<'a>),
    /// A number, `true`, `false` or `null`: its literal text.
    Scalar(&'a str),
    /// An object (for an object field, its members fill their own slots).
    Object,
    /// An array (never valid for a known field; its contents are skipped).
    Array,
}

impl<'a> Slot<'a> {
    /// The JSON type of the value, `None` when absent.
    pub(crate) fn json_type(&self) -> Option<JsonType> {
        Some(match self {
            Self::Absent => return None,
            Self::Str(_) => JsonType::String,
            Self::Scalar(t) => match t.as_bytes().first() {
                Some(b't' | b'f') => JsonType::Boolean,
                Some(b'n') => JsonType::Null,
                _ => JsonType::Number,
            },
            Self::Object => JsonType::Object,
            Self::Array => JsonType::Array,
        })
    }

    /// Whether the key is present with any value but `null`.
    pub(crate) fn is_given(&self) -> bool {
        !matches!(self.json_type(), None | Some(JsonType::Null))
    }

    /// The string, if the value is one.
    pub(crate) const fn as_str(&self) -> Option<JsonStr<'a>> {
        match *self {
            Self::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Receives the keys that do not fill a slot.
pub(crate) trait Sink<'a> {
    /// A key the table does not define, inside the object field `parent` (`None`: top level).
    fn unknown(&mut self, parent: Option<usize>, key: &'a str);
    /// A second occurrence of the table's field `field` in the same object.
    fn duplicate(&mut self, field: usize);
}

/// Reads `body` (which must have passed [`check`](super::json::check)) with `serde-json-core`,
/// filling `slots` (one per entry of `fields`, all [`Slot::Absent`] on entry).
pub(crate) fn walk<'a, S: Sink<'a>>(
    body: &'a [u8],
    fields: &'static [Field],
    slots: &mut [Slot<'a>],
    sink: &mut S,
) -> Result<(), JsonError> {
    // No unescape buffer: strings stay raw and borrowed (see the json module docs).
    let mut de = serde_json_core::de::Deserializer::new(body, None);
    let mut walker = Walker {
        body,
        fields,
        slots,
        sink,
    };
    ObjectSeed {
        walker: &mut walker,
        parent: None,
    }
    .deserialize(&mut de)
    .map_err(|_| JsonError::Parser)?;
    de.end().map_err(|_| JsonError::Parser)?;
    Ok(())
}

struct Walker<'a, 'w, S> {
    body: &'a [u8],
    fields: &'static [Field],
    slots: &'w mut [Slot<'a>],
    sink: &'w mut S,
}

impl<S> Walker<'_, '_, S> {
    /// The table index of `key` inside the object field `parent`.
    fn lookup(&self, parent: Option<usize>, key: JsonStr<'_>) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| f.parent == parent && key.eq_text(f.name))
    }
}

/// Error for a string that `serde-json-core` did not borrow from the body; impossible without
/// an unescape buffer, but reported rather than assumed.
fn not_borrowed<E: de::Error>() -> E {
    E::custom("string not borrowed from the body")
}

/// Reads an object key as its raw text, borrowed from the body.
struct KeySeed;

impl<'a> DeserializeSeed<'a> for KeySeed {
    type Value = &'a str;

    fn deserialize<D: de::Deserializer<'a>>(self, d: D) -> Result<&'a str, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'a> Visitor<'a> for KeySeed {
    type Value = &'a str;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'a str) -> Result<&'a str, E> {
        Ok(v)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<&'a str, E> {
        Err(not_borrowed())
    }
}

/// Walks the members of one object: the top level (`parent: None`) or an object field.
struct ObjectSeed<'x, 'a, 'w, S> {
    walker: &'x mut Walker<'a, 'w, S>,
    parent: Option<usize>,
}

impl<'a, S: Sink<'a>> DeserializeSeed<'a> for ObjectSeed<'_, 'a, '_, S> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'a>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'a, S: Sink<'a>> Visitor<'a> for ObjectSeed<'_, 'a, '_, S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'a>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let Some(index) = self.walker.lookup(self.parent, JsonStr::from_raw(key)) else {
                self.walker.sink.unknown(self.parent, key);
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if self.walker.slots.get(index) != Some(&Slot::Absent) {
                self.walker.sink.duplicate(index);
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let slot = map.next_value_seed(ValueSeed {
                walker: &mut *self.walker,
                index,
                key,
            })?;
            if let Some(s) = self.walker.slots.get_mut(index) {
                *s = slot;
            }
        }
        Ok(())
    }
}

/// Reads the value of the table's field `index`, whose key is `key`.
struct ValueSeed<'x, 'a, 'w, S> {
    walker: &'x mut Walker<'a, 'w, S>,
    index: usize,
    key: &'a str,
}

impl<'a, S: Sink<'a>> DeserializeSeed<'a> for ValueSeed<'_, 'a, '_, S> {
    type Value = Slot<'a>;

    fn deserialize<D: de::Deserializer<'a>>(self, d: D) -> Result<Slot<'a>, D::Error> {
        // The one entry point that takes any type; see the module docs.
        d.deserialize_ignored_any(self)
    }
}

impl<'a, S: Sink<'a>> Visitor<'a> for ValueSeed<'_, 'a, '_, S> {
    type Value = Slot<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'a str) -> Result<Slot<'a>, E> {
        Ok(Slot::Str(JsonStr::from_raw(v)))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Slot<'a>, E> {
        Err(not_borrowed())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Slot<'a>, E> {
        scalar_after_key(self.walker.body, self.key)
            .map(Slot::Scalar)
            .ok_or_else(|| E::custom("scalar text not found"))
    }

    fn visit_map<A: MapAccess<'a>>(self, map: A) -> Result<Slot<'a>, A::Error> {
        let is_object_field = self
            .walker
            .fields
            .get(self.index)
            .is_some_and(|f| f.is_object());
        if is_object_field {
            ObjectSeed {
                walker: self.walker,
                parent: Some(self.index),
            }
            .visit_map(map)?;
        } else {
            IgnoredAny.visit_map(map)?;
        }
        Ok(Slot::Object)
    }

    fn visit_seq<A: SeqAccess<'a>>(self, seq: A) -> Result<Slot<'a>, A::Error> {
        IgnoredAny.visit_seq(seq)?;
        Ok(Slot::Array)
    }
}

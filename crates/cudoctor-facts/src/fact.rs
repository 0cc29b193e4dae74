//! One fact, in one of its three states: known (with where it came from), absent (looked for,
//! not there), or unknown (could not be read, and why). Rules never treat unknown as absent.
//!
//! In JSON a fact `x` keeps the snapshot's keys: `x` (the value, `null` unless known),
//! `x_source` (where a known value came from) and `x_unknown` (why it is unknown), the last two
//! only when set. A struct field declares its keys with [`fact_keys!`](crate::fact_keys) and
//! `#[serde(flatten, with = "...")]`, so one field replaces the three that every writer has to
//! keep in step by hand.
//!
//! The snapshot's fields that are facts (driver, GPU, toolkit, library, cuDNN, Python and
//! framework versions, GPU code, ...) are `Fact<T>`, with their keys declared at the end of
//! `snapshot.rs`; the JSON is what it was (the CLI's JSON snapshots and the snapshot schema tests
//! are unchanged). `LiveFacts::libcuda` stays two fields: it records the name tried *and* why
//! loading failed.

/// A fact: known, absent or unknown.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Fact<T> {
    /// Looked for and not there (or not looked for).
    #[default]
    Absent,
    /// Known; `source` says from which file, call or variable, when it is recorded.
    Known {
        /// The value.
        value: T,
        /// Where it came from.
        source: Option<String>,
    },
    /// Could not be determined.
    Unknown {
        /// Why.
        reason: String,
    },
}

impl<T> Fact<T> {
    /// A known value and where it came from.
    pub fn known(value: T, source: impl Into<String>) -> Self {
        Self::Known {
            value,
            source: Some(source.into()),
        }
    }

    /// A known value with no recorded source.
    pub fn value_only(value: T) -> Self {
        Self::Known {
            value,
            source: None,
        }
    }

    /// An unknown fact and why.
    pub fn unknown(reason: impl Into<String>) -> Self {
        Self::Unknown {
            reason: reason.into(),
        }
    }

    /// The three JSON parts back into a fact: a value makes it known (a reason beside a value,
    /// which no writer produces, is dropped), else a reason makes it unknown, else absent.
    pub fn from_parts(value: Option<T>, source: Option<String>, unknown: Option<String>) -> Self {
        match (value, unknown) {
            (Some(value), _) => Self::Known { value, source },
            (None, Some(reason)) => Self::Unknown { reason },
            (None, None) => Self::Absent,
        }
    }

    /// The value, when known.
    pub fn value(&self) -> Option<&T> {
        match self {
            Self::Known { value, .. } => Some(value),
            _ => None,
        }
    }

    /// Where the known value came from.
    pub fn source(&self) -> Option<&str> {
        match self {
            Self::Known { source, .. } => source.as_deref(),
            _ => None,
        }
    }

    /// Why the fact is unknown, when it is.
    pub fn unknown_reason(&self) -> Option<&str> {
        match self {
            Self::Unknown { reason } => Some(reason),
            _ => None,
        }
    }

    /// Whether the value is known.
    pub fn is_known(&self) -> bool {
        matches!(self, Self::Known { .. })
    }

    /// Whether the value is known (as for an `Option` of the value).
    pub fn is_some(&self) -> bool {
        self.is_known()
    }

    /// Whether the value is not known: absent or unknown.
    pub fn is_none(&self) -> bool {
        !self.is_known()
    }

    /// The value, when known, as an `Option` ([`Fact::value`]).
    pub fn as_ref(&self) -> Option<&T> {
        self.value()
    }

    /// Sets the value, keeping the source already recorded (a fact that was not known gets
    /// none).
    pub fn set_value(&mut self, value: T) {
        let source = match std::mem::take(self) {
            Self::Known { source, .. } => source,
            _ => None,
        };
        *self = Self::Known { value, source };
    }

    /// Marks an absent fact unknown, with `reason` (a known or already unknown fact is kept).
    pub fn unknown_unless_set(&mut self, reason: impl FnOnce() -> String) {
        if matches!(self, Self::Absent) {
            *self = Self::Unknown { reason: reason() };
        }
    }

    /// The value, when known, taken out.
    pub fn into_value(self) -> Option<T> {
        match self {
            Self::Known { value, .. } => Some(value),
            _ => None,
        }
    }
}

impl<T> From<Option<T>> for Fact<T> {
    /// `Some` is a known value without a recorded source; `None` is absent.
    fn from(v: Option<T>) -> Self {
        v.map_or(Self::Absent, Self::value_only)
    }
}

impl<T: Clone> Fact<T> {
    /// The value, cloned, when known.
    pub fn cloned(&self) -> Option<T> {
        self.value().cloned()
    }
}

impl Fact<String> {
    /// The known text.
    pub fn as_deref(&self) -> Option<&str> {
        self.value().map(String::as_str)
    }
}

impl<T: Copy> Fact<T> {
    /// The value, copied, when known.
    pub fn get(&self) -> Option<T> {
        self.value().copied()
    }
}

/// Declares the JSON keys of a [`Fact`] field: `fact_keys!(mod_name, "x", "x_source",
/// "x_unknown")` makes a module for `#[serde(flatten, with = "mod_name")]`. Give `_` for a part
/// the field does not have (a fact that is never unknown, or never sourced); writing that part
/// is then a serialization error, never a silent key the schema does not allow. `skip "x"` leaves
/// the value key out too when the fact is not known (fields that were omitted when null).
#[macro_export]
macro_rules! fact_keys {
    ($module:ident, $value:literal, $source:tt, $unknown:tt) => {
        $crate::fact_keys!(@module $module, always, $value, $source, $unknown);
    };
    // `skip "x"`: the value key too is left out when the fact is not known.
    ($module:ident, skip $value:literal, $source:tt, $unknown:tt) => {
        $crate::fact_keys!(@module $module, skip, $value, $source, $unknown);
    };
    (@value $st:ident, always, $key:literal, $get:expr) => {
        $st.serialize_field($key, &$get)?;
    };
    (@value $st:ident, skip, $key:literal, $get:expr) => {
        match $get {
            Some(v) => $st.serialize_field($key, v)?,
            None => $st.skip_field($key)?,
        }
    };
    (@module $module:ident, $mode:ident, $value:literal, $source:tt, $unknown:tt) => {
        #[allow(missing_docs, clippy::ref_option)]
        pub mod $module {
            use serde::ser::SerializeStruct as _;
            use serde::{Deserialize as _, Deserializer, Serialize, Serializer};

            use $crate::fact::Fact;

            pub fn serialize<T: Serialize, S: Serializer>(
                fact: &Fact<T>,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                let mut st = serializer.serialize_struct("Fact", 3)?;
                $crate::fact_keys!(@value st, $mode, $value, fact.value());
                $crate::fact_keys!(@part st, $source, fact.source(), "a source");
                $crate::fact_keys!(@part st, $unknown, fact.unknown_reason(), "an unknown reason");
                st.end()
            }

            $crate::fact_keys!(@keys $value, $source, $unknown);

            pub fn deserialize<'de, T: serde::Deserialize<'de>, D: Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Fact<T>, D::Error> {
                let k = Keys::<T>::deserialize(deserializer)?;
                let (source, unknown) = (k.source(), k.unknown());
                Ok(Fact::from_parts(k.value, source, unknown))
            }
        }
    };
    (@part $st:ident, _, $get:expr, $what:literal) => {
        if $get.is_some() {
            return Err(serde::ser::Error::custom(concat!(
                "this fact has no key for ",
                $what
            )));
        }
    };
    (@part $st:ident, $key:literal, $get:expr, $what:literal) => {
        match $get {
            Some(v) => $st.serialize_field($key, v)?,
            None => $st.skip_field($key)?,
        }
    };
    (@keys $value:literal, $source:literal, $unknown:literal) => {
        #[derive(serde::Deserialize)]
        struct Keys<T> {
            #[serde(rename = $value, default = "none")]
            value: Option<T>,
            #[serde(rename = $source, default)]
            source: Option<String>,
            #[serde(rename = $unknown, default)]
            unknown: Option<String>,
        }
        impl<T> Keys<T> {
            fn source(&self) -> Option<String> {
                self.source.clone()
            }
            fn unknown(&self) -> Option<String> {
                self.unknown.clone()
            }
        }
        fn none<T>() -> Option<T> {
            None
        }
    };
    (@keys $value:literal, $source:literal, _) => {
        #[derive(serde::Deserialize)]
        struct Keys<T> {
            #[serde(rename = $value, default = "none")]
            value: Option<T>,
            #[serde(rename = $source, default)]
            source: Option<String>,
        }
        impl<T> Keys<T> {
            fn source(&self) -> Option<String> {
                self.source.clone()
            }
            #[allow(clippy::unused_self)]
            fn unknown(&self) -> Option<String> {
                None
            }
        }
        fn none<T>() -> Option<T> {
            None
        }
    };
    (@keys $value:literal, _, $unknown:literal) => {
        #[derive(serde::Deserialize)]
        struct Keys<T> {
            #[serde(rename = $value, default = "none")]
            value: Option<T>,
            #[serde(rename = $unknown, default)]
            unknown: Option<String>,
        }
        impl<T> Keys<T> {
            #[allow(clippy::unused_self)]
            fn source(&self) -> Option<String> {
                None
            }
            fn unknown(&self) -> Option<String> {
                self.unknown.clone()
            }
        }
        fn none<T>() -> Option<T> {
            None
        }
    };
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::Fact;

    crate::fact_keys!(x_keys, "x", "x_source", "x_unknown");
    crate::fact_keys!(y_keys, "y", "y_source", _);
    crate::fact_keys!(w_keys, skip "w", _, "w_unknown");

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct S {
        #[serde(flatten, with = "x_keys")]
        x: Fact<u32>,
        #[serde(flatten, with = "y_keys")]
        y: Fact<String>,
        z: bool,
        #[serde(flatten, with = "w_keys")]
        w: Fact<u8>,
    }

    #[test]
    fn keys_are_the_snapshot_s() {
        let s = S {
            x: Fact::known(3, "file"),
            y: Fact::Absent,
            z: true,
            w: Fact::Absent,
        };
        let j = serde_json::to_string(&s).unwrap();
        assert_eq!(j, r#"{"x":3,"x_source":"file","y":null,"z":true}"#);
        assert_eq!(serde_json::from_str::<S>(&j).unwrap(), s);
        let u = S {
            x: Fact::unknown("unreadable"),
            y: Fact::value_only("a".to_owned()),
            z: false,
            w: Fact::value_only(7),
        };
        let j = serde_json::to_string(&u).unwrap();
        assert_eq!(
            j,
            r#"{"x":null,"x_unknown":"unreadable","y":"a","z":false,"w":7}"#
        );
        assert_eq!(serde_json::from_str::<S>(&j).unwrap(), u);
        // Missing keys are absent.
        let a: S = serde_json::from_str(r#"{"z":true}"#).unwrap();
        assert_eq!(a.x, Fact::Absent);
        // A part the field has no key for is an error, not a stray key.
        let bad = S {
            x: Fact::Absent,
            y: Fact::unknown("why"),
            z: true,
            w: Fact::Absent,
        };
        assert!(serde_json::to_string(&bad).is_err());
    }
}

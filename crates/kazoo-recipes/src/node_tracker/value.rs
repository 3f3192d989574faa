//! [`Value`]: a node's data decoded the way zktools' `ZkNode` coerces it (integers, decimals,
//! booleans, none, ISO dates and date-times, and JSON with the `json` feature), and encoded
//! back the way zktools writes it, so both read each other's values.

use bytes::Bytes;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, SecondsFormat};
use std::fmt;
use std::str::FromStr;

/// A node's value, typed (zktools' coercions).
///
/// Decoding (see [`Value::decode`]): `-?digits` is an [`Int`](Value::Int) (a [`Decimal`] when
/// it does not fit an `i64`), `-?digits.digits` a [`Decimal`], `true`/`false` (any case) a
/// [`Bool`](Value::Bool), `none`/`null` (any case) [`Null`](Value::Null), `YYYY-MM-DD` a
/// [`Date`](Value::Date), an ISO 8601 date-time (`T` or space, optional fraction, `Z`, an
/// offset or none for UTC) a [`DateTime`](Value::DateTime); with JSON enabled, text that
/// starts with `{` or `[` and ends with `}` or `]` and parses is `Json` (feature `json`).
/// Anything else is [`Text`](Value::Text), and data that is not UTF-8 is
/// [`Bytes`](Value::Bytes).
///
/// ```
/// use kazoo_recipes::node_tracker::Value;
/// assert_eq!(Value::decode(b"42", false), Value::Int(42));
/// assert_eq!(Value::decode(b"True", false), Value::Bool(true));
/// assert_eq!(Value::decode(b"483.24", false).to_string(), "483.24");
/// assert_eq!(Value::from(7).encode(), b"7");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// `None` (zktools writes Python's `None`).
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A number with a fractional part (or an integer too large for `i64`), exact.
    Decimal(Decimal),
    /// An ISO 8601 date.
    Date(NaiveDate),
    /// An ISO 8601 date-time (UTC when the text had no offset).
    DateTime(DateTime<FixedOffset>),
    /// A JSON object or array (feature `json`, and asked for when decoding).
    #[cfg(feature = "json")]
    Json(serde_json::Value),
    /// Any other text.
    Text(String),
    /// Data that is not UTF-8.
    Bytes(Bytes),
}

/// An exact decimal number as written: an optional `-`, digits, and optionally `.` and digits.
///
/// ```
/// use kazoo_recipes::node_tracker::Decimal;
/// let d: Decimal = "483.24".parse().unwrap();
/// assert_eq!(d.as_str(), "483.24");
/// assert!((d.to_f64() - 483.24).abs() < 1e-9);
/// assert!("4e3".parse::<Decimal>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Decimal(String);

/// Text that is not a [`Decimal`].
///
/// ```
/// assert!("x".parse::<kazoo_recipes::node_tracker::Decimal>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotADecimal;

impl fmt::Display for NotADecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a decimal number")
    }
}

impl std::error::Error for NotADecimal {}

impl FromStr for Decimal {
    type Err = NotADecimal;

    fn from_str(s: &str) -> Result<Decimal, NotADecimal> {
        let digits = s.strip_prefix('-').unwrap_or(s);
        let (int, frac) = match digits.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (digits, None),
        };
        let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        let frac_ok = match frac {
            None => true,
            Some(f) => all_digits(f),
        };
        if all_digits(int) && frac_ok {
            Ok(Decimal(s.to_owned()))
        } else {
            Err(NotADecimal)
        }
    }
}

impl Decimal {
    /// The number as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The nearest `f64`.
    pub fn to_f64(&self) -> f64 {
        self.0.parse().unwrap_or(f64::NAN)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Value {
    /// Decodes a node's data; `json` turns JSON-looking text into `Value::Json` (it needs
    /// the `json` feature and is ignored without it).
    pub fn decode(data: &[u8], json: bool) -> Value {
        let Ok(text) = std::str::from_utf8(data) else {
            return Value::Bytes(Bytes::copy_from_slice(data));
        };
        decode_text(text, json)
    }

    /// Encodes the value as zktools writes it: Python's `str()` for `None`, booleans and
    /// numbers (`None`, `True`, `42`, `483.24`), `%Y-%m-%d` for dates,
    /// `%Y-%m-%dT%H:%M:%S.%fZ` for UTC date-times (RFC 3339 with the offset otherwise), and
    /// compact JSON.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Value::Bytes(b) => b.to_vec(),
            other => other.to_string().into_bytes(),
        }
    }

    /// True for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The integer, if the value is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The number as an `f64` (integers and decimals).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Decimal(d) => Some(d.to_f64()),
            _ => None,
        }
    }

    /// The boolean, if the value is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The text, if the value is text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }
}

fn decode_text(text: &str, json: bool) -> Value {
    let lower = text.to_ascii_lowercase();
    match lower.as_str() {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        "none" | "null" => return Value::Null,
        _ => {}
    }
    if let Ok(d) = text.parse::<Decimal>() {
        if !text.contains('.') {
            if let Ok(i) = text.parse::<i64>() {
                return Value::Int(i);
            }
        }
        return Value::Decimal(d);
    }
    if let Some(v) = parse_date_or_time(text) {
        return v;
    }
    #[cfg(feature = "json")]
    if json && looks_like_json(text) {
        if let Ok(v) = serde_json::from_str(text) {
            return Value::Json(v);
        }
    }
    let _ = json;
    Value::Text(text.to_owned())
}

#[cfg(feature = "json")]
fn looks_like_json(text: &str) -> bool {
    let t = text.as_bytes();
    t.len() >= 2 && matches!(t[0], b'{' | b'[') && matches!(t[t.len() - 1], b'}' | b']')
}

fn parse_date_or_time(text: &str) -> Option<Value> {
    // Cheap shape test first: every ISO form starts with YYYY-MM-DD.
    let b = text.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    if b.len() == 10 {
        return NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .map(Value::Date);
    }
    if b[10] != b'T' && b[10] != b' ' {
        return None;
    }
    let t = text.replacen(' ', "T", 1);
    if let Ok(dt) = DateTime::parse_from_rfc3339(&t) {
        return Some(Value::DateTime(dt));
    }
    // No offset: UTC (zktools writes UTC with a literal Z; naive text is taken as UTC too).
    let naive = t.strip_suffix('Z').unwrap_or(&t);
    NaiveDateTime::parse_from_str(naive, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|n| Value::DateTime(n.and_utc().fixed_offset()))
}

impl fmt::Display for Value {
    /// The text [`Value::encode`] writes (non-UTF-8 bytes are shown lossily).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("None"),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Decimal(d) => write!(f, "{d}"),
            Value::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Value::DateTime(dt) if dt.offset().local_minus_utc() == 0 => {
                write!(f, "{}", dt.naive_utc().format("%Y-%m-%dT%H:%M:%S%.6fZ"))
            }
            Value::DateTime(dt) => f.write_str(&dt.to_rfc3339_opts(SecondsFormat::AutoSi, false)),
            #[cfg(feature = "json")]
            Value::Json(v) => write!(f, "{v}"),
            Value::Text(t) => f.write_str(t),
            Value::Bytes(b) => f.write_str(&String::from_utf8_lossy(b)),
        }
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Value {
        Value::Int(v.into())
    }
}

impl From<u32> for Value {
    fn from(v: u32) -> Value {
        Value::Int(v.into())
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(v)
    }
}

impl From<f64> for Value {
    /// Finite numbers become a [`Decimal`] with the shortest text that reads back the same
    /// `f64` (Python's `repr`); others become text (`NaN`, `inf`).
    fn from(v: f64) -> Value {
        let text = if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e16 {
            format!("{v:.1}")
        } else {
            format!("{v}")
        };
        match text.parse::<Decimal>() {
            Ok(d) => Value::Decimal(d),
            Err(_) => Value::Text(text),
        }
    }
}

impl From<Decimal> for Value {
    fn from(v: Decimal) -> Value {
        Value::Decimal(v)
    }
}

impl From<&str> for Value {
    /// Text as given (it may read back as another type: `"42"` is an integer).
    fn from(v: &str) -> Value {
        Value::Text(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}

impl From<NaiveDate> for Value {
    fn from(v: NaiveDate) -> Value {
        Value::Date(v)
    }
}

impl From<DateTime<FixedOffset>> for Value {
    fn from(v: DateTime<FixedOffset>) -> Value {
        Value::DateTime(v)
    }
}

impl From<DateTime<chrono::Utc>> for Value {
    fn from(v: DateTime<chrono::Utc>) -> Value {
        Value::DateTime(v.fixed_offset())
    }
}

#[cfg(feature = "json")]
impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Value {
        Value::Json(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Value {
        Value::decode(s.as_bytes(), false)
    }

    #[test]
    fn zktools_coercions() {
        assert_eq!(d("0"), Value::Int(0));
        assert_eq!(d("-17"), Value::Int(-17));
        assert_eq!(d("483.24"), Value::Decimal("483.24".parse().unwrap()));
        assert_eq!(d("-0.5").as_f64(), Some(-0.5));
        // Too large for i64: kept exact.
        assert_eq!(
            d("123456789012345678901234567890"),
            Value::Decimal("123456789012345678901234567890".parse().unwrap())
        );
        for t in ["true", "True", "TRUE"] {
            assert_eq!(d(t), Value::Bool(true));
        }
        assert_eq!(d("false"), Value::Bool(false));
        assert_eq!(d("None"), Value::Null);
        assert_eq!(d("null"), Value::Null);
        assert_eq!(
            d("2024-02-29"),
            Value::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap())
        );
        assert!(matches!(d("2024-02-30"), Value::Text(_)));
        // zktools' own format, with T or a space.
        let want = NaiveDate::from_ymd_opt(2012, 3, 4)
            .unwrap()
            .and_hms_micro_opt(5, 6, 7, 890_000)
            .unwrap()
            .and_utc()
            .fixed_offset();
        assert_eq!(d("2012-03-04T05:06:07.890000Z"), Value::DateTime(want));
        assert_eq!(d("2012-03-04 05:06:07.890000Z"), Value::DateTime(want));
        assert_eq!(d("2012-03-04T05:06:07.89"), Value::DateTime(want));
        let offset = d("2012-03-04T07:06:07.89+02:00");
        assert!(matches!(offset, Value::DateTime(dt) if dt == want));
        for t in ["", "1.", ".5", "1e5", "12a", "-", "hello", "2012-03-04X"] {
            assert_eq!(d(t), Value::Text(t.into()), "{t:?}");
        }
        assert_eq!(
            Value::decode(&[0xff, 0xfe], false),
            Value::Bytes(Bytes::from_static(&[0xff, 0xfe]))
        );
        // JSON only when asked (and built with the feature).
        assert_eq!(d("[1, 2]"), Value::Text("[1, 2]".into()));
    }

    #[test]
    fn encodes_as_zktools_writes_and_reads_back() {
        let cases: Vec<(Value, &str)> = vec![
            (Value::Null, "None"),
            (true.into(), "True"),
            (false.into(), "False"),
            (42.into(), "42"),
            (483.24.into(), "483.24"),
            (2.0.into(), "2.0"),
            ("hello".into(), "hello"),
            (
                NaiveDate::from_ymd_opt(2024, 1, 2).unwrap().into(),
                "2024-01-02",
            ),
            (
                NaiveDate::from_ymd_opt(2012, 3, 4)
                    .unwrap()
                    .and_hms_micro_opt(5, 6, 7, 890_000)
                    .unwrap()
                    .and_utc()
                    .into(),
                "2012-03-04T05:06:07.890000Z",
            ),
        ];
        for (v, text) in cases {
            assert_eq!(String::from_utf8(v.encode()).unwrap(), text);
            if !matches!(v, Value::Text(_)) {
                assert_eq!(Value::decode(text.as_bytes(), false), v, "{text}");
            }
        }
        assert_eq!(Value::from(None::<i64>), Value::Null);
        assert_eq!(Value::from(f64::NAN), Value::Text("NaN".into()));
    }

    #[cfg(feature = "json")]
    #[test]
    fn json_when_enabled_and_lax() {
        let v = Value::decode(br#"{"a": [1, 2]}"#, true);
        assert_eq!(v, Value::Json(serde_json::json!({"a": [1, 2]})));
        assert_eq!(String::from_utf8(v.encode()).unwrap(), r#"{"a":[1,2]}"#);
        // Looks like JSON but is not: text as is.
        assert_eq!(
            Value::decode(b"[not json]", true),
            Value::Text("[not json]".into())
        );
        assert_eq!(Value::decode(b"[1]", false), Value::Text("[1]".into()));
    }
}

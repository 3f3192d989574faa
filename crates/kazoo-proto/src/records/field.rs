//! How each jute field type is written, sized and read, and the `record!` macro that builds the
//! plain records (a struct plus its `Encode` / `Decode`) from a field list.

use crate::acl::{Acl, Id};
use crate::codec::{DecodeError, Reader, WriteExt};
use crate::error_code::ErrorCode;
use crate::stat::Stat;
use crate::types::CreateMode;
use bytes::{BufMut, Bytes, BytesMut};

/// One field of a jute record. `MIN_LEN` is the smallest encoded size; vector decoding uses it to
/// bound an announced element count by the input actually present before allocating.
pub(crate) trait Field: Sized {
    const MIN_LEN: usize;
    fn put(&self, b: &mut BytesMut);
    fn size(&self) -> usize;
    fn get(r: &mut Reader) -> Result<Self, DecodeError>;
}

impl Field for i32 {
    const MIN_LEN: usize = 4;
    fn put(&self, b: &mut BytesMut) {
        b.put_i32(*self);
    }
    fn size(&self) -> usize {
        4
    }
    fn get(r: &mut Reader) -> Result<Self, DecodeError> {
        r.read_i32()
    }
}

impl Field for i64 {
    const MIN_LEN: usize = 8;
    fn put(&self, b: &mut BytesMut) {
        b.put_i64(*self);
    }
    fn size(&self) -> usize {
        8
    }
    fn get(r: &mut Reader) -> Result<Self, DecodeError> {
        r.read_i64()
    }
}

impl Field for bool {
    const MIN_LEN: usize = 1;
    fn put(&self, b: &mut BytesMut) {
        b.put_jute_bool(*self);
    }
    fn size(&self) -> usize {
        1
    }
    fn get(r: &mut Reader) -> Result<Self, DecodeError> {
        r.read_bool()
    }
}

impl Field for String {
    const MIN_LEN: usize = 4;
    fn put(&self, b: &mut BytesMut) {
        b.put_jute_string(self);
    }
    fn size(&self) -> usize {
        4 + self.len()
    }
    fn get(r: &mut Reader) -> Result<Self, DecodeError> {
        r.read_string()
    }
}

/// A nullable string: `None` is written as length -1, which the Java server reads as null.
impl Field for Option<String> {
    const MIN_LEN: usize = 4;
    fn put(&self, b: &mut BytesMut) {
        b.put_jute_buffer_opt(self.as_deref().map(str::as_bytes));
    }
    fn size(&self) -> usize {
        4 + self.as_ref().map_or(0, String::len)
    }
    fn get(r: &mut Reader) -> Result<Self, DecodeError> {
        r.read_string_opt()
    }
}

impl Field for Bytes {
    const MIN_LEN: usize = 4;
    fn put(&self, b: &mut BytesMut) {
        b.put_jute_buffer(self);
    }
    fn size(&self) -> usize {
        4 + self.len()
    }
    fn get(r: &mut Reader) -> Result<Self, DecodeError> {
        r.read_buffer()
    }
}

impl Field for ErrorCode {
    const MIN_LEN: usize = 4;
    fn put(&self, b: &mut BytesMut) {
        b.put_i32(self.code());
    }
    fn size(&self) -> usize {
        4
    }
    fn get(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(ErrorCode::from_code(r.read_i32()?))
    }
}

impl Field for CreateMode {
    const MIN_LEN: usize = 4;
    fn put(&self, b: &mut BytesMut) {
        b.put_i32(self.flag());
    }
    fn size(&self) -> usize {
        4
    }
    fn get(r: &mut Reader) -> Result<Self, DecodeError> {
        CreateMode::from_flag(r.read_i32()?)
    }
}

impl<T: Field> Field for Vec<T> {
    const MIN_LEN: usize = 4;
    fn put(&self, b: &mut BytesMut) {
        b.put_i32(self.len() as i32);
        for e in self {
            e.put(b);
        }
    }
    fn size(&self) -> usize {
        4 + self.iter().map(Field::size).sum::<usize>()
    }
    fn get(r: &mut Reader) -> Result<Self, DecodeError> {
        r.read_vec(T::MIN_LEN, T::get)
    }
}

/// Implements [`Field`] for a type that already has `Encode` / `Decode`.
macro_rules! field_via_codec {
    ($t:ty, $min:expr) => {
        impl $crate::records::field::Field for $t {
            const MIN_LEN: usize = $min;
            fn put(&self, b: &mut ::bytes::BytesMut) {
                $crate::codec::Encode::encode(self, b);
            }
            fn size(&self) -> usize {
                $crate::codec::Encode::encoded_len(self)
            }
            fn get(r: &mut $crate::codec::Reader) -> Result<Self, $crate::codec::DecodeError> {
                <$t as $crate::codec::Decode>::decode(r)
            }
        }
    };
}
pub(crate) use field_via_codec;

field_via_codec!(Stat, Stat::LEN);
field_via_codec!(Acl, 12);
field_via_codec!(Id, 8);

/// Declares a record: the struct (with the given docs) and its `Encode` / `Decode`, fields in
/// wire order.
macro_rules! record {
    (
        $(#[$m:meta])*
        pub struct $name:ident {
            $( $(#[$fm:meta])* pub $f:ident : $t:ty ),* $(,)?
        }
    ) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            $( $(#[$fm])* pub $f: $t, )*
        }

        impl $crate::codec::Encode for $name {
            fn encode(&self, _b: &mut ::bytes::BytesMut) {
                $( $crate::records::field::Field::put(&self.$f, _b); )*
            }
            fn encoded_len(&self) -> usize {
                0 $( + $crate::records::field::Field::size(&self.$f) )*
            }
        }

        impl $crate::codec::Decode for $name {
            fn decode(
                _r: &mut $crate::codec::Reader,
            ) -> Result<Self, $crate::codec::DecodeError> {
                Ok($name {
                    $( $f: $crate::records::field::Field::get(_r)?, )*
                })
            }
        }
    };
}
pub(crate) use record;

//! [`IntoData`]: everything a node's data may be given as (`create`, `set`, transactions), so
//! that byte-string literals, strings and vectors all work without a conversion at the call.

use bytes::{Bytes, BytesMut};
use std::borrow::Cow;

/// A value usable as a node's data.
///
/// Owned buffers ([`Bytes`], [`BytesMut`], `Vec<u8>`, `Box<[u8]>`, `String`) are moved;
/// borrowed ones (`&[u8]`, `&[u8; N]` such as `b"literal"`, `&str`, `&Vec<u8>`, `&String`,
/// `&Bytes`) are copied. The copy costs nothing that matters: the request is encoded into
/// its own frame buffer anyway. Implement it for your own types to pass them directly.
///
/// ```
/// use kazoo_client::IntoData;
/// assert_eq!(b"abc".into_data(), "abc".into_data());
/// assert_eq!(vec![1u8, 2].into_data().as_ref(), &[1, 2]);
/// ```
///
/// ```no_run
/// # async fn f(zk: kazoo_client::Client) -> kazoo_client::Result<()> {
/// use kazoo_client::CreateOptions;
/// zk.create("/a", b"literal", &CreateOptions::new()).await?;
/// zk.set("/a", "text", None).await?;
/// zk.set("/a", format!("{}", 42), None).await?;
/// # Ok(()) }
/// ```
pub trait IntoData {
    /// The data as [`Bytes`].
    fn into_data(self) -> Bytes;
}

impl IntoData for Bytes {
    fn into_data(self) -> Bytes {
        self
    }
}

impl IntoData for &Bytes {
    fn into_data(self) -> Bytes {
        self.clone()
    }
}

impl IntoData for BytesMut {
    fn into_data(self) -> Bytes {
        self.freeze()
    }
}

impl IntoData for Vec<u8> {
    fn into_data(self) -> Bytes {
        Bytes::from(self)
    }
}

impl IntoData for &Vec<u8> {
    fn into_data(self) -> Bytes {
        Bytes::copy_from_slice(self)
    }
}

impl IntoData for Box<[u8]> {
    fn into_data(self) -> Bytes {
        Bytes::from(self)
    }
}

impl IntoData for &[u8] {
    fn into_data(self) -> Bytes {
        Bytes::copy_from_slice(self)
    }
}

impl<const N: usize> IntoData for &[u8; N] {
    fn into_data(self) -> Bytes {
        Bytes::copy_from_slice(self)
    }
}

impl<const N: usize> IntoData for [u8; N] {
    fn into_data(self) -> Bytes {
        Bytes::copy_from_slice(&self)
    }
}

impl IntoData for String {
    fn into_data(self) -> Bytes {
        Bytes::from(self)
    }
}

impl IntoData for &String {
    fn into_data(self) -> Bytes {
        Bytes::copy_from_slice(self.as_bytes())
    }
}

impl IntoData for &str {
    fn into_data(self) -> Bytes {
        Bytes::copy_from_slice(self.as_bytes())
    }
}

impl IntoData for Cow<'_, [u8]> {
    fn into_data(self) -> Bytes {
        match self {
            Cow::Borrowed(b) => Bytes::copy_from_slice(b),
            Cow::Owned(v) => Bytes::from(v),
        }
    }
}

impl IntoData for Cow<'_, str> {
    fn into_data(self) -> Bytes {
        match self {
            Cow::Borrowed(s) => Bytes::copy_from_slice(s.as_bytes()),
            Cow::Owned(s) => Bytes::from(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::IntoData;
    use bytes::{Bytes, BytesMut};
    use std::borrow::Cow;

    #[test]
    fn every_form_gives_the_same_bytes() {
        let want = Bytes::from_static(b"xyz");
        let v = b"xyz".to_vec();
        let s = String::from("xyz");
        let forms = [
            want.clone().into_data(),
            (&want).into_data(),
            BytesMut::from(&b"xyz"[..]).into_data(),
            v.clone().into_data(),
            (&v).into_data(),
            v.clone().into_boxed_slice().into_data(),
            (&v[..]).into_data(),
            b"xyz".into_data(),
            (*b"xyz").into_data(),
            s.clone().into_data(),
            (&s).into_data(),
            "xyz".into_data(),
            Cow::Borrowed(&b"xyz"[..]).into_data(),
            Cow::<[u8]>::Owned(v.clone()).into_data(),
            Cow::Borrowed("xyz").into_data(),
            Cow::<str>::Owned(s).into_data(),
        ];
        for f in forms {
            assert_eq!(f, want);
        }
        assert!(b"".into_data().is_empty());
    }
}

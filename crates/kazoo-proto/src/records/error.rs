//! The `ErrorResponse` record: an error code as a body (multi error results, addWatch reply).

use super::field::record;
use crate::error_code::ErrorCode;

record! {
    /// `ErrorResponse`: a single error code.
    pub struct ErrorResponse {
        /// The code.
        pub err: ErrorCode,
    }
}

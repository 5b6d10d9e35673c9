//! Photos: phones shrink them before they are queued (`ZhibuOffline.resizePhoto`); the
//! server trusts nothing of that. It sniffs the type from the bytes, decodes within
//! limits, re-encodes as JPEG (so EXIF, GPS included, is gone) and stores it under the
//! photo's id ([`photos::Photos`]: the local disk, or S3-compatible storage shared by every
//! app server): meeting records, points evidence and wishes.

/// What a phone uploads at most, before base64 (the phone sends ~200 KB).
pub const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024;
/// The longest side kept on the server.
pub const MAX_SIDE: u32 = 1600;
/// Decoded pixels at most (a 24-megapixel camera's photo): a small file can claim a huge
/// picture, and decoding it would take the memory and time of many.
pub const MAX_PIXELS: u64 = 24_000_000;
/// Photo-like strings of one op decoded at most; no record takes more than three.
pub const MAX_PHOTOS_PER_OP: usize = 4;
/// Photos one person may store in a day.
pub const PHOTOS_PER_DAY: i64 = 60;
/// How long a write to storage is waited for before the photo is left pending.
pub const STORAGE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

#[cfg(feature = "ssr")]
pub mod photos;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
mod store;

//! Everything the browser reads is JSON: server functions' answers and errors, the hydration
//! data of a page's resources, the outbox's list, and the copies the service worker keeps of
//! all of these. In the browser one reader decodes them all: the browser's own `JSON.parse`,
//! then `serde_wasm_bindgen` from the parsed value. serde_json's parser, compiled once per
//! type it reads, was the largest share of the first load's code. The text on the wire and in
//! the worker's copies stays the same JSON, so copies kept by an older version still read.

use leptos::server::codee::{Decoder, Encoder};
use leptos::server_fn::{codec::Post, Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::{de::DeserializeOwned, Serialize};

/// Text that is not the JSON of the type expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("malformed JSON")
    }
}

/// Reads JSON text as a `T`.
pub fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, Malformed> {
    #[cfg(feature = "hydrate")]
    {
        from_js(js_sys::JSON::parse(text).map_err(|_| Malformed)?)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        serde_json::from_str(text).map_err(|_| Malformed)
    }
}

/// Reads a value the browser already parsed (from IndexedDB, say) as a `T`.
#[cfg(feature = "hydrate")]
pub fn from_js<T: DeserializeOwned>(value: wasm_bindgen::JsValue) -> Result<T, Malformed> {
    serde_wasm_bindgen::from_value(value).map_err(|_| Malformed)
}

/// JSON, for resources' hydration data and for server functions' answers and errors.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = Malformed;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, Malformed> {
        from_json(text)
    }
}

impl ContentType for Json {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for Json {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for Json {
    type Error = serde_json::Error;

    fn encode(value: &T) -> Result<Bytes, serde_json::Error> {
        serde_json::to_vec(value).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for Json {
    type Error = Malformed;

    fn decode(bytes: Bytes) -> Result<T, Malformed> {
        from_json(std::str::from_utf8(&bytes).map_err(|_| Malformed)?)
    }
}

/// Every server function's answer: the arguments as a form, the answer as [`Json`].
pub type Answer = Post<Json>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_encoded_decodes_to_the_same_value() {
        let value: Result<Vec<(String, i64)>, String> = Ok(vec![("支部".into(), -3)]);
        let text = <Json as Encoder<_>>::encode(&value).unwrap();
        let back: Result<Vec<(String, i64)>, String> = <Json as Decoder<_>>::decode(&text).unwrap();
        assert_eq!(back, value);
        assert!(<Json as Decoder<Vec<i64>>>::decode("[1,").is_err());
    }
}

//! Data a page loads from the server: rendered into the HTML on the server, then read back
//! while the page hydrates, and fetched again through its server function later.

use crate::json::Json;
use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;

pub type Fetched<T> = Resource<T, Json>;

/// A resource (see [`Resource::new`]) read with the same [`Json`] as the server functions.
#[track_caller]
pub fn fetched<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Fetched<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

//! Zhibu (支部通): views, server functions and shared types, one folder per capability.
#![recursion_limit = "512"]
// A server function takes its form's fields one by one; in the browser build the macro
// makes a client stub of it that carries no attributes of its own, so the lint cannot be
// allowed where the function is.
#![cfg_attr(feature = "hydrate", allow(clippy::too_many_arguments))]

pub mod auth;
#[cfg(feature = "ssr")]
pub mod db;
pub mod error;
pub mod home;
pub mod i18n;
pub mod json;
pub mod meetings;
pub mod offline;
pub mod orgs;
pub mod points;
pub mod reviews;
pub mod shell;
pub mod stars;
#[cfg(feature = "ssr")]
pub mod state;
pub mod suggestions;
pub mod uploads;
pub mod wishes;

pub use shell::{shell, App};

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    shell::boot::show_on_panic();
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        else {
            return;
        };
        // A split route's page hydrates with its code already fetched.
        shell::routes::load_current_page().await;
        leptos::mount::hydrate_from(body.clone(), App).forget();
        shell::boot::hydrated();
        // End-to-end tests wait for this before they click, so they exercise the hydrated app.
        let _ = body.dataset().set("hydrated", "true");
    });
}

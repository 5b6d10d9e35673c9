//! The page for unknown paths; the home page and the tabs belong to their capabilities.

use super::PageHeader;
use crate::i18n::{tr, Msg};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <PageHeader title=Msg::NotFoundTitle/>
        <div class="card">
            <A href="/" attr:class="button">{tr(Msg::GoHome)}</A>
        </div>
    }
}

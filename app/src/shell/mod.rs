//! The app shell: the HTML document, the router, the bottom tab bar and the small
//! pieces every page uses (loading, empty and error states, a way back).

#[cfg(feature = "hydrate")]
pub mod boot;
pub mod csv;
pub mod fetched;
pub mod pages;
pub mod routes;
pub mod time;

use crate::auth::{api::current_user, Me};
use crate::error::AppError;
use crate::i18n::{provide_i18n, tr, use_i18n, Msg};
use fetched::{fetched, Fetched};
use leptos::prelude::*;
use leptos_router::{
    components::{Router, Routes, A},
    hooks::use_location,
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The head is the server's alone: nothing in it changes on a page, so the browser gets
    // no code to hydrate it (the language switch sets `lang` and the title itself).
    let locale = crate::i18n::initial_locale();
    view! {
        <!DOCTYPE html>
        <html lang=locale.code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover"/>
                // Set as markup: a text child would carry hydration's `<!>` marker into the
                // tab's title. The name is a constant without markup.
                <title inner_html=Msg::AppName.text(locale)></title>
                <link id="leptos" rel="stylesheet" href="/pkg/zhibu.css"/>
                <meta name="theme-color" content="#c8102e"/>
                <meta name="description" content="支部通：三会一课签到、积分制管理、微心愿"/>
                <link rel="manifest" href="/manifest.webmanifest"/>
                <link rel="icon" href="/favicon.png"/>
                <link rel="apple-touch-icon" href="/icons/icon-192.png"/>
                <meta name="zhibu-sw" content=service_worker_setting()/>
                <script src="/offline.js" defer></script>
                <AutoReload options=options.clone()/>
                <AppScripts options/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Leptos' hydration scripts, except that the wasm is fetched once the page has painted: a
/// phone with one bar of signal shows the server's page first instead of splitting its
/// bandwidth between the page and 430 KB of wasm (Lighthouse counts that as a late largest
/// paint). `offline.js` is deferred for the same reason; it still runs before the app.
#[component]
fn AppScripts(options: LeptosOptions) -> impl IntoView {
    // Called for what it provides, not for its view: the split manifest in context, from
    // which the server adds preload links for the chunks of a lazy route it renders.
    let _ = HydrationScripts(
        HydrationScriptsProps::builder()
            .options(options.clone())
            .build(),
    );
    let pkg = options.site_pkg_dir.clone();
    let name = options.output_name.clone();
    // Without cargo-leptos (a plain `cargo build`), wasm-bindgen's default name is kept.
    let wasm = match option_env!("LEPTOS_OUTPUT_NAME") {
        Some(_) => name.to_string(),
        None => format!("{name}_bg"),
    };
    // A hidden tab paints no frame: it starts at once, and a timer backs the frame up. If
    // the app itself cannot be fetched, the page says so (the wasm's own notice cannot).
    let script = format!(
        "let started = false; \
         const start = () => {{ if (started) return; started = true; \
           import('/{pkg}/{name}.js') \
             .then((app) => app.default({{ module_or_path: '/{pkg}/{wasm}.wasm' }}).then(() => app.hydrate())) \
             .catch(() => ZhibuOffline.showStopped()); }}; \
         if (document.hidden) start(); \
         else {{ requestAnimationFrame(() => setTimeout(start)); setTimeout(start, 2000); }}"
    );
    view! { <script type="module">{script}</script> }
}

/// Whether pages ask the browser to install the service worker (off under `cargo leptos
/// watch`, where it would serve stale wasm).
fn service_worker_setting() -> &'static str {
    #[cfg(feature = "ssr")]
    if use_context::<crate::state::AppState>().is_some_and(|s| s.settings.service_worker) {
        return "on";
    }
    "off"
}

/// The logged-in user, loaded once per page load and shared through context.
pub type UserResource = Fetched<Result<Option<Me>, AppError>>;

pub fn use_user() -> UserResource {
    expect_context::<UserResource>()
}

#[component]
pub fn App() -> impl IntoView {
    provide_i18n();
    crate::offline::views::provide_offline();
    let user: UserResource = fetched(|| (), |_| current_user());
    provide_context(user);
    // The outbox shows and sends only the ops of whoever the server says is signed in.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(Ok(me)) = user.get() {
            crate::offline::client::set_user(me.map(|m| m.id));
        }
    });

    view! {
        <Router>
            <div class="app">
                <main class="content">
                    <crate::offline::views::StatusStrip/>
                    <Routes fallback=pages::NotFound children=routes::pages()/>
                </main>
                <TabBar/>
            </div>
        </Router>
    }
}

#[component]
fn TabBar() -> impl IntoView {
    let location = use_location();
    let tab = move |href: &'static str, icon: &'static str, label: Msg| {
        let active = move || {
            let path = location.pathname.get();
            // "/me" must not light up for "/meetings".
            path == href || (href != "/" && path.starts_with(&format!("{href}/")))
        };
        view! {
            <A href=href attr:class=move || if active() { "tab active" } else { "tab" }>
                <span class="tab-icon" aria-hidden="true">{icon}</span>
                <span class="tab-label">{tr(label)}</span>
            </A>
        }
    };
    view! {
        <nav class="tabbar" aria-label="主导航">
            {tab("/", "⌂", Msg::TabHome)}
            {tab("/meetings", "◷", Msg::TabMeetings)}
            {tab("/points", "★", Msg::TabPoints)}
            {tab("/wishes", "♡", Msg::TabWishes)}
            {tab("/me", "☺", Msg::TabMe)}
        </nav>
    }
}

/// A page title with an optional way back.
#[component]
pub fn PageHeader(title: Msg, #[prop(optional)] back: Option<&'static str>) -> impl IntoView {
    view! {
        <header class="page-header">
            {back.map(|href| view! { <A href=href attr:class="back">"‹ " {tr(Msg::Back)}</A> })}
            <h1>{tr(title)}</h1>
        </header>
    }
}

#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="loading" aria-busy="true">{tr(Msg::Loading)}</p> }
}

#[component]
pub fn Empty(msg: Msg) -> impl IntoView {
    view! { <p class="empty">{tr(msg)}</p> }
}

#[component]
pub fn ErrorNote(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    let code = format!("{error:?}");
    view! {
        <p class="error" role="alert" data-error=code>
            {move || error.message(i18n.locale.get())}
        </p>
    }
}

/// Shows the error of the last submission of an action, if it failed.
pub fn action_error<T, S>(value: S) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    move || {
        value
            .get()
            .and_then(|r| r.err())
            .map(|error| view! { <ErrorNote error/> })
    }
}

/// Counts an action's successes: a page's data keyed on it reloads after a save but not
/// after a refusal, so a form sent back with an error keeps everything typed into it.
pub fn saved_version<T, S>(value: S) -> Memo<usize>
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Memo::new(move |previous: Option<&usize>| {
        let before = previous.copied().unwrap_or(0);
        match value.get() {
            Some(Ok(_)) => before + 1,
            _ => before,
        }
    })
}

/// The `on:toggle` of a `<details>` drawn with `prop:open=open`: `open` follows the user
/// opening or closing it, so a form kept above a redraw is drawn again as it was left.
pub fn follow_details(open: RwSignal<bool>) -> impl Fn(leptos::ev::Event) + 'static {
    move |ev| {
        use wasm_bindgen::JsCast;
        if let Some(details) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok())
        {
            open.set(details.open());
        }
    }
}

/// Asks the user to log in, keeping where they wanted to go.
#[component]
pub fn LoginPrompt() -> impl IntoView {
    let location = use_location();
    let href = move || {
        let here = format!("{}{}", location.pathname.get(), location.search.get());
        let encoded: String = here
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        format!("/login?next={encoded}")
    };
    view! {
        <div class="card prompt">
            <p>{tr(Msg::LoginRequired)}</p>
            <a class="button" href=href>{tr(Msg::Login)}</a>
        </div>
    }
}

/// Renders `children` with the logged-in user, or a login prompt.
#[component]
pub fn WithUser<F, V>(view: F) -> impl IntoView
where
    F: Fn(Me) -> V + Send + Sync + Clone + 'static,
    V: IntoView + 'static,
{
    let user = use_user();
    view! {
        <Suspense fallback=Loading>
            {move || {
                let view = view.clone();
                user.get().map(move |result| match result {
                    Ok(Some(me)) => view(me).into_any(),
                    Ok(None) => view! { <LoginPrompt/> }.into_any(),
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                })
            }}
        </Suspense>
    }
}

/// The year in the address (`?year=`), this year (Shanghai) by default.
pub fn year_in_query() -> Memo<i64> {
    let query = leptos_router::hooks::use_query_map();
    Memo::new(move |_| {
        query
            .read()
            .get("year")
            .and_then(|y| y.parse::<i64>().ok())
            .unwrap_or_else(|| time::shanghai_year_month(time::now_secs()).0)
    })
}

/// A path parameter of the current route, empty when absent.
pub fn route_param(name: &'static str) -> Memo<String> {
    let params = leptos_router::hooks::use_params_map();
    Memo::new(move |_| params.read().get(name).unwrap_or_default())
}

/// This server's origin as the browser sees it (empty while rendering on the server).
pub fn origin() -> String {
    #[cfg(feature = "hydrate")]
    if let Some(origin) = web_sys::window().and_then(|w| w.location().origin().ok()) {
        return origin;
    }
    String::new()
}

/// Leaves the single-page app for a full load, so every view sees the new session.
pub fn hard_navigate(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// Only same-site paths may be a redirect target after login. Browsers read a backslash as
/// a slash (`/\evil.example` is `//evil.example`, another site), so none may appear, nor
/// any control or space character a browser would strip.
pub fn safe_next(next: Option<String>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path
                    .chars()
                    .any(|c| c == '\\' || c.is_control() || c.is_whitespace()) =>
        {
            path
        }
        _ => "/".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_must_stay_on_site() {
        assert_eq!(safe_next(Some("/join/ABCDEFGH".into())), "/join/ABCDEFGH");
        assert_eq!(safe_next(Some("//evil.example".into())), "/");
        assert_eq!(safe_next(Some("https://evil.example".into())), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some("/\\evil.example".into())), "/");
        assert_eq!(safe_next(Some("/\t/evil.example".into())), "/");
        assert_eq!(safe_next(Some("/ /evil.example".into())), "/");
        assert_eq!(
            safe_next(Some("/checkin/abc?s=1&c=123456".into())),
            "/checkin/abc?s=1&c=123456"
        );
    }
}

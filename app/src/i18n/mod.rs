//! Interface text in zh-CN (default) and English.
//!
//! Every key is a constant of [`Msg`] and every entry must give both languages, so a
//! missing key or a missing translation is a compile error, not a blank on screen.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

mod messages;
pub use messages::Msg;

pub const LOCALE_COOKIE: &str = "zhibu_lang";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    Zh,
    En,
}

impl Locale {
    pub fn from_code(code: &str) -> Self {
        if code.trim().to_ascii_lowercase().starts_with("en") {
            Locale::En
        } else {
            Locale::Zh
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Locale::Zh => "zh-CN",
            Locale::En => "en",
        }
    }

    /// The locale chosen earlier, read from a `Cookie` header value.
    pub fn from_cookie_header(header: &str) -> Self {
        header
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == LOCALE_COOKIE)
            .map(|(_, value)| Locale::from_code(value))
            .unwrap_or_default()
    }
}

/// The current locale, shared by every view through context.
#[derive(Clone, Copy)]
pub struct I18n {
    pub locale: RwSignal<Locale>,
}

impl I18n {
    pub fn t(&self, msg: Msg) -> &'static str {
        msg.text(self.locale.get())
    }

    pub fn set(&self, locale: Locale) {
        self.locale.set(locale);
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if let Some(doc) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
            {
                let _ = doc.set_cookie(&format!(
                    "{LOCALE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                    locale.code()
                ));
                // The document's head is rendered by the server only (`shell::shell`).
                if let Some(root) = doc.document_element() {
                    let _ = root.set_attribute("lang", locale.code());
                }
                doc.set_title(Msg::AppName.text(locale));
            }
        }
    }
}

/// Reads the locale from the request (server) or the document cookie (browser), so the
/// server-rendered page and the hydrated one agree.
pub fn provide_i18n() -> I18n {
    let initial = initial_locale();
    let i18n = I18n {
        locale: RwSignal::new(initial),
    };
    provide_context(i18n);
    i18n
}

/// The locale of the request being rendered (server) or of the document's cookie (browser).
pub fn initial_locale() -> Locale {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| {
                parts
                    .headers
                    .get(http::header::COOKIE)
                    .and_then(|v| v.to_str().ok())
                    .map(Locale::from_cookie_header)
            })
            .unwrap_or_default()
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        use wasm_bindgen::JsCast;
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
            .and_then(|d| d.cookie().ok())
            .map(|c| Locale::from_cookie_header(&c))
            .unwrap_or_default()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        Locale::default()
    }
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

/// A reactive piece of text for use inside `view!`.
pub fn tr(msg: Msg) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let i18n = use_i18n();
    move || i18n.t(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_header_picks_the_locale_cookie() {
        assert_eq!(
            Locale::from_cookie_header("a=1; zhibu_lang=en; b=2"),
            Locale::En
        );
        assert_eq!(Locale::from_cookie_header("zhibu_lang=zh-CN"), Locale::Zh);
        assert_eq!(Locale::from_cookie_header("other=en"), Locale::Zh);
        assert_eq!(Locale::from_cookie_header(""), Locale::Zh);
    }

    #[test]
    fn every_message_has_text_in_both_languages() {
        for msg in Msg::ALL {
            assert!(!msg.text(Locale::Zh).is_empty(), "{msg:?} zh");
            assert!(!msg.text(Locale::En).is_empty(), "{msg:?} en");
        }
    }
}

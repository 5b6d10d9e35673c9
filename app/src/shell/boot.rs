//! How the app starts in the browser.
//!
//! Hydration is asynchronous: the page of a split route waits for its chunk while the shell
//! around it is already live. Browser state that differs from what the server rendered (no
//! signal, ops in the outbox) must not reach the views before the route has hydrated, or the
//! route would find other HTML than its own; [`after_hydration`] holds such work back.
//!
//! The last resort when the app itself stops: a route chunk that could not be fetched (one
//! bar of signal, or offline before the service worker kept it) panics inside the split
//! loader, and a panic ends the wasm instance. Without [`show_on_panic`] the page would sit
//! there with buttons that do nothing; instead it says so and offers a full reload, which the
//! service worker answers from its caches when there is no signal.

use crate::i18n::{Locale, Msg};
use std::cell::RefCell;
use std::sync::Once;

type Work = Box<dyn FnOnce()>;

thread_local! {
    /// `None` once the page has hydrated; until then, the work waiting for it.
    static WAITING: RefCell<Option<Vec<Work>>> = RefCell::new(Some(Vec::new()));
}

/// Runs `work` now if the page has hydrated, or as soon as it has.
pub fn after_hydration(work: impl FnOnce() + 'static) {
    let work: Work = Box::new(work);
    let early = WAITING.with(|waiting| match waiting.borrow_mut().as_mut() {
        Some(queue) => {
            queue.push(work);
            None
        }
        None => Some(work),
    });
    if let Some(work) = early {
        work();
    }
}

/// Called once, when the whole page (shell and route) has hydrated.
pub fn hydrated() {
    let queued = WAITING.with(|waiting| waiting.borrow_mut().take());
    for work in queued.into_iter().flatten() {
        work();
    }
}

pub fn show_on_panic() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            console_error_panic_hook::hook(info);
            show_retry();
        }));
    });
}

/// Plain DOM with a plain link: nothing here may need the wasm instance that just stopped.
fn show_retry() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let (Some(body), Some(root)) = (document.body(), document.document_element()) else {
        return;
    };
    if document.get_element_by_id("app-stopped").is_some() {
        return;
    }
    let locale = Locale::from_code(&root.get_attribute("lang").unwrap_or_default());
    let here = document
        .location()
        .and_then(|l| l.href().ok())
        .unwrap_or_else(|| "/".into());
    let Ok(notice) = document.create_element("div") else {
        return;
    };
    notice.set_id("app-stopped");
    notice.set_class_name("app-stopped card");
    let _ = notice.set_attribute("role", "alert");
    let Ok(text) = document.create_element("p") else {
        return;
    };
    text.set_text_content(Some(Msg::PageLoadFailed.text(locale)));
    let Ok(retry) = document.create_element("a") else {
        return;
    };
    retry.set_class_name("button");
    let _ = retry.set_attribute("href", &here);
    // A full load, not the router's: what the panic left in memory is not to be trusted.
    let _ = retry.set_attribute("rel", "external");
    retry.set_text_content(Some(Msg::Retry.text(locale)));
    let _ = notice.append_child(&text);
    let _ = notice.append_child(&retry);
    let _ = body.append_child(&notice);
}

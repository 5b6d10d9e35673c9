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
//! service worker answers from its caches when there is no signal (`showStopped` in
//! `public/offline.js`, shared with the start script, which shows it when the app's main
//! bundle cannot be fetched). The release build aborts on a panic without running the hook
//! (`release_wasm_env` in `scripts/setup.sh`): there `offline.js` shows the notice when the
//! wasm traps.

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
            crate::offline::client::show_stopped();
        }));
    });
}

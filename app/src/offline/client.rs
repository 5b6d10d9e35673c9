//! The browser side: a thin typed layer over `public/offline.js`, which owns the IndexedDB
//! outbox and the sync loop so that the page and the service worker share one copy.

use super::{OfflineOp, OpEnvelope, QueuedOp};
use crate::error::AppError;
use crate::json::from_js;
use serde::Serialize;
use wasm_bindgen::{prelude::*, JsCast};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ZhibuOffline, js_name = add, catch)]
    async fn js_add(op: JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ZhibuOffline, js_name = mine, catch)]
    async fn js_mine() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ZhibuOffline, js_name = dismiss, catch)]
    async fn js_dismiss(op_id: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ZhibuOffline, js_name = kick, catch)]
    fn js_kick() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ZhibuOffline, js_name = startSyncLoop, catch)]
    fn js_start_sync_loop() -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = ZhibuOffline, js_name = registerServiceWorker, catch)]
    fn js_register_service_worker() -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = ZhibuOffline, js_name = applyUpdate, catch)]
    fn js_apply_update() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ZhibuOffline, js_name = userChanged, catch)]
    async fn js_user_changed(user_id: Option<String>) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ZhibuOffline, js_name = setUser, catch)]
    fn js_set_user(user_id: Option<String>) -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = ZhibuOffline, js_name = clockOffset, catch)]
    fn js_clock_offset() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ZhibuOffline, js_name = queueCheckin, catch)]
    async fn js_queue_checkin(
        meeting_id: &str,
        slot: f64,
        code: &str,
        scanned_at: f64,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ZhibuOffline, js_name = hasServiceWorker, catch)]
    fn js_has_service_worker() -> Result<bool, JsValue>;
    #[wasm_bindgen(js_namespace = ZhibuOffline, js_name = showStopped, catch)]
    fn js_show_stopped() -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = ZhibuOffline, js_name = resizePhoto, catch)]
    async fn js_resize_photo(file: web_sys::File) -> Result<JsValue, JsValue>;
}

/// The chosen photo, shrunk on the phone to a JPEG data URL ready to queue.
pub async fn resize_photo(file: web_sys::File) -> Result<String, AppError> {
    js_resize_photo(file)
        .await
        .ok()
        .and_then(|url| url.as_string())
        .ok_or(AppError::PhotoInvalid)
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, AppError> {
    let text = serde_json::to_string(value).map_err(|_| AppError::Internal)?;
    js_sys::JSON::parse(&text).map_err(|_| AppError::Internal)
}

/// The photos chosen in a file input (at most `max`), each shrunk for the outbox.
pub async fn resize_chosen(
    input: Option<web_sys::HtmlInputElement>,
    max: usize,
) -> Result<Vec<String>, AppError> {
    resize_files(chosen_files(input.as_ref()), max).await
}

/// The photo chosen in a file input's `change` event. The input is cleared, so that the
/// same photo can be chosen again.
pub fn take_chosen_photo(ev: &web_sys::Event) -> Option<web_sys::File> {
    let input = ev.target()?.dyn_into::<web_sys::HtmlInputElement>().ok()?;
    let file = input.files()?.get(0)?;
    input.set_value("");
    Some(file)
}

/// The files a file input holds now.
pub fn chosen_files(input: Option<&web_sys::HtmlInputElement>) -> Vec<web_sys::File> {
    let Some(files) = input.and_then(|i| i.files()) else {
        return Vec::new();
    };
    (0..files.length()).filter_map(|i| files.get(i)).collect()
}

/// Photos kept by a view (at most `max`), each shrunk for the outbox.
pub async fn resize_files(files: Vec<web_sys::File>, max: usize) -> Result<Vec<String>, AppError> {
    let mut photos = Vec::new();
    for file in files.into_iter().take(max) {
        photos.push(resize_photo(file).await?);
    }
    Ok(photos)
}

/// Stores `op` in the outbox (before anything is sent) and wakes the sync loop.
pub async fn enqueue<O: OfflineOp>(op: &O) -> Result<String, AppError> {
    let envelope = OpEnvelope {
        op_id: uuid::Uuid::now_v7().to_string(),
        kind: O::KIND.to_string(),
        payload: serde_json::to_value(op).map_err(|_| AppError::Internal)?,
        created_at: crate::shell::time::now_secs(),
        // The outbox adds the clock offset and the maker as it stores the op.
        clock_offset: None,
        user_id: None,
    };
    let mut record = serde_json::to_value(&envelope).map_err(|_| AppError::Internal)?;
    record["summary"] = serde_json::Value::String(op.summary());
    // The outbox refuses an op when nobody is signed in on this phone.
    js_add(to_js(&record)?)
        .await
        .map_err(|_| AppError::NotLoggedIn)?;
    Ok(envelope.op_id)
}

/// The signed-in user's ops (others' stay stored for their owner).
pub async fn queued() -> Vec<QueuedOp> {
    let Ok(list) = js_mine().await else {
        return Vec::new();
    };
    let (payload, ids) = (JsValue::from_str("payload"), JsValue::from_str("ids"));
    for record in js_sys::Array::from(&list).iter() {
        let Ok(value) = js_sys::Reflect::get(&record, &payload) else {
            continue;
        };
        let _ = js_sys::Reflect::set(&record, &ids, &short_texts(&value));
        if let Ok(text) = js_sys::JSON::stringify(&value) {
            let _ = js_sys::Reflect::set(&record, &payload, &text);
        }
    }
    from_js(list).unwrap_or_default()
}

/// The top-level `[field, text]` pairs of a payload whose text is short enough to be an id
/// (a photo's data URL is not), for [`QueuedOp::names`].
fn short_texts(payload: &JsValue) -> js_sys::Array {
    const ID_LEN: u32 = 64;
    let pairs = js_sys::Array::new();
    if let Some(object) = payload.dyn_ref::<js_sys::Object>() {
        for entry in js_sys::Object::entries(object).iter() {
            let entry = js_sys::Array::from(&entry);
            if entry
                .get(1)
                .dyn_ref::<js_sys::JsString>()
                .is_some_and(|text| text.length() <= ID_LEN)
            {
                pairs.push(&entry);
            }
        }
    }
    pairs
}

pub async fn dismiss(op_id: &str) {
    let _ = js_dismiss(op_id).await;
}

pub fn sync_now() {
    let _ = js_kick();
}

pub fn start() {
    let _ = js_register_service_worker();
    let _ = js_start_sync_loop();
}

/// The notice that the app has stopped, with a full reload (see `showStopped`).
pub fn show_stopped() {
    let _ = js_show_stopped();
}

pub fn apply_update() {
    let _ = js_apply_update();
}

/// Someone signed in or out: forget what the worker kept for the last person. Resolves once
/// the worker has done it, so the next page cannot be cached for the wrong person.
pub async fn user_changed(user_id: Option<String>) {
    let _ = js_user_changed(user_id).await;
}

/// Who is signed in on this phone, as the page learnt it: the outbox shows and sends only
/// that person's ops.
pub fn set_user(user_id: Option<String>) {
    let _ = js_set_user(user_id);
}

/// Server time minus phone time in seconds, as the outbox last measured it.
pub fn clock_offset() -> Option<i64> {
    js_clock_offset()
        .ok()
        .and_then(|v| v.as_f64())
        .map(|v| v as i64)
}

/// The server's time as this phone best knows it: codes shown and typed follow the
/// server's slots even on a phone whose clock is off.
pub fn server_now() -> i64 {
    crate::shell::time::now_secs() + clock_offset().unwrap_or(0)
}

/// Queues the check-in a scanned code carries, once (a second call for the same code does
/// nothing); `Ok(None)` when it was already queued.
pub async fn queue_checkin(
    meeting_id: &str,
    slot: i64,
    code: &str,
    scanned_at: i64,
) -> Result<Option<String>, AppError> {
    js_queue_checkin(meeting_id, slot as f64, code, scanned_at as f64)
        .await
        .map(|id| id.as_string())
        .map_err(|_| AppError::NotLoggedIn)
}

pub fn has_service_worker() -> bool {
    js_has_service_worker().unwrap_or(false)
}

pub fn is_online() -> bool {
    web_sys::window()
        .map(|w| w.navigator().on_line())
        .unwrap_or(true)
}

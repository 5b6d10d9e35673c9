//! The browser side: a thin typed layer over `public/offline.js`, which owns the IndexedDB
//! outbox and the sync loop so that the page and the service worker share one copy.

use super::{OfflineOp, OpEnvelope, QueuedOp};
use crate::error::AppError;
use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ZhibuOffline, js_name = add, catch)]
    async fn js_add(op: JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ZhibuOffline, js_name = list, catch)]
    async fn js_list() -> Result<JsValue, JsValue>;
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
    #[wasm_bindgen(js_namespace = ZhibuOffline, js_name = forgetUser, catch)]
    fn js_forget_user() -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = ZhibuOffline, js_name = hasServiceWorker, catch)]
    fn js_has_service_worker() -> Result<bool, JsValue>;
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

fn from_js<T: DeserializeOwned>(value: JsValue) -> Option<T> {
    let text = js_sys::JSON::stringify(&value).ok()?.as_string()?;
    serde_json::from_str(&text).ok()
}

/// The photos chosen in a file input (at most `max`), each shrunk for the outbox.
pub async fn resize_chosen(
    input: Option<web_sys::HtmlInputElement>,
    max: usize,
) -> Result<Vec<String>, AppError> {
    resize_files(chosen_files(input.as_ref()), max).await
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
    };
    let mut record = serde_json::to_value(&envelope).map_err(|_| AppError::Internal)?;
    record["summary"] = serde_json::Value::String(op.summary());
    js_add(to_js(&record)?)
        .await
        .map_err(|_| AppError::Internal)?;
    Ok(envelope.op_id)
}

pub async fn queued() -> Vec<QueuedOp> {
    match js_list().await {
        Ok(list) => from_js(list).unwrap_or_default(),
        Err(_) => Vec::new(),
    }
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

pub fn apply_update() {
    let _ = js_apply_update();
}

pub fn forget_user() {
    let _ = js_forget_user();
}

pub fn has_service_worker() -> bool {
    js_has_service_worker().unwrap_or(false)
}

pub fn is_online() -> bool {
    web_sys::window()
        .map(|w| w.navigator().on_line())
        .unwrap_or(true)
}

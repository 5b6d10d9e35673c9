//! 扫码签到 inside the app: the back camera, read by the browser's BarcodeDetector where it
//! has one, otherwise by the QR decoder compiled into the wasm. A check-in QR leads to its
//! `/checkin/…` page, which queues the check-in like a scan by the phone's own camera.

use crate::i18n::{tr, Msg};
use leptos::prelude::*;

#[component]
pub fn ScanButton() -> impl IntoView {
    let scanning = RwSignal::new(false);
    let problem = RwSignal::new(None::<Msg>);
    let video = NodeRef::<leptos::html::Video>::new();
    #[cfg(feature = "hydrate")]
    {
        let navigate = leptos_router::hooks::use_navigate();
        Effect::new(move |_| {
            if let (true, Some(element)) = (scanning.get(), video.get()) {
                let navigate = navigate.clone();
                leptos::task::spawn_local(async move {
                    if let Some(path) = camera::scan(element, scanning, problem).await {
                        navigate(&path, Default::default());
                    }
                });
            }
        });
    }
    view! {
        <div class="scan">
            {move || if scanning.get() {
                view! {
                    <div class="scanner">
                        <video node_ref=video class="scan-video" playsinline=true muted=true></video>
                        <p class="muted">{tr(Msg::ScanHint)}</p>
                        <button type="button" class="secondary" on:click=move |_| scanning.set(false)>{tr(Msg::ScanStop)}</button>
                    </div>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="wide" on:click=move |_| { problem.set(None); scanning.set(true); }>
                        {tr(Msg::ScanToCheckIn)}
                    </button>
                }.into_any()
            }}
            {move || problem.get().map(|msg| view! { <p class="error" role="alert">{tr(msg)}</p> })}
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod camera {
    use crate::i18n::Msg;
    use leptos::prelude::*;
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = ZhibuOffline, js_name = startCamera, catch)]
        async fn start_camera(video: &web_sys::HtmlVideoElement) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(js_namespace = ZhibuOffline, js_name = detectQr, catch)]
        async fn detect_qr(video: &web_sys::HtmlVideoElement) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(js_namespace = ZhibuOffline, js_name = grabLuma)]
        fn grab_luma(video: &web_sys::HtmlVideoElement) -> JsValue;
    }

    async fn sleep(ms: i32) {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }

    /// One frame's QR text, if any: the browser's detector, else the wasm decoder.
    async fn read_frame(video: &web_sys::HtmlVideoElement) -> Option<String> {
        match detect_qr(video).await {
            Ok(found) if !found.is_undefined() => found.as_string(),
            _ => {
                let frame = grab_luma(video);
                if frame.is_null() {
                    return None;
                }
                let get = |key: &str| js_sys::Reflect::get(&frame, &JsValue::from_str(key)).ok();
                let width = get("width")?.as_f64()? as usize;
                let height = get("height")?.as_f64()? as usize;
                let luma = js_sys::Uint8Array::new(&get("luma")?).to_vec();
                decode_frame(width, height, luma).await
            }
        }
    }

    /// The wasm decoder, with its 128 KB of Galois-field tables, comes in a chunk of its own
    /// the first time a browser without BarcodeDetector scans: the pages that show the scan
    /// button (home and check-in) load without it.
    #[leptos::lazy]
    fn decode_frame(width: usize, height: usize, luma: Vec<u8>) -> Option<String> {
        super::super::qr::decode_luma(width, height, &luma)
    }

    /// Reads frames until a check-in QR shows up (its page's path) or the user stops.
    pub async fn scan(
        video: web_sys::HtmlVideoElement,
        scanning: RwSignal<bool>,
        problem: RwSignal<Option<Msg>>,
    ) -> Option<String> {
        let stop = match start_camera(&video).await {
            Ok(stop) => stop,
            Err(_) => {
                problem.set(Some(Msg::ScanNoCamera));
                scanning.set(false);
                return None;
            }
        };
        let mut found = None;
        while scanning.get_untracked() {
            if let Some(text) = read_frame(&video).await {
                match super::super::qr::parse_checkin_url(&text) {
                    Some(target) => {
                        found = Some(target);
                        break;
                    }
                    None => problem.set(Some(Msg::ScanNotCheckin)),
                }
            }
            sleep(250).await;
        }
        if let Some(stop) = stop.dyn_ref::<js_sys::Function>() {
            let _ = stop.call0(&JsValue::NULL);
        }
        scanning.set(false);
        found
    }
}

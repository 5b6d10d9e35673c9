//! In the release wasm, wasm-ld keeps each data segment apart. wasm-split (`cargo leptos
//! --split`) moves a page's data into the page's chunk only when that data is a segment of its
//! own; merged, one overlong segment goes back into the main bundle whole (cargo-leptos#679).
//! Not in debug builds: their chunks would each carry a name for every segment, megabytes the
//! service worker precaches.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let wasm = std::env::var("TARGET").is_ok_and(|t| t.starts_with("wasm32"));
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    if wasm && release {
        println!("cargo:rustc-link-arg-cdylib=--no-merge-data-segments");
    }
}

//! A meeting's photos and scanned sign-in sheets: shown to the branch, added by those who
//! manage the meeting. A chosen photo is shrunk on the phone and queued like any other
//! write, so it waits in the outbox when there is no signal.

use super::{AddMeetingPhoto, MeetingFile};
use crate::error::AppError;
use crate::i18n::{tr, Msg};
use crate::offline::views::{queue_chosen_photo, use_offline, waiting_ops};
use crate::shell::ErrorNote;
use leptos::prelude::*;

#[component]
pub fn PhotosSection(meeting_id: String, files: Vec<MeetingFile>, can_add: bool) -> impl IntoView {
    let offline = use_offline();
    let id = StoredValue::new(meeting_id);
    let error = RwSignal::new(None::<AppError>);
    let queued = RwSignal::new(false);
    let waiting = move || {
        waiting_ops::<AddMeetingPhoto>(offline, |photo| id.with_value(|id| &photo.meeting_id == id))
    };
    let chosen = move |kind: &'static str, ev: leptos::ev::Event| {
        queue_chosen_photo(ev, queued, error, move |data| AddMeetingPhoto {
            id: uuid::Uuid::now_v7().to_string(),
            meeting_id: id.get_value(),
            kind: kind.to_string(),
            data,
        });
    };
    let empty = files.is_empty();
    view! {
        <section class="card photos-card">
            <h3>{tr(Msg::Photos)}</h3>
            <div class="photos">
                {files.into_iter().map(|f| view! {
                    <a href=format!("/media/{}.jpg", f.id) target="_blank" data-kind=f.kind.clone()>
                        <img src=format!("/media/{}.jpg", f.id) loading="lazy" alt=""
                            width=f.width height=f.height/>
                    </a>
                }).collect_view()}
                {move || waiting().into_iter().map(|(photo, rejected)| view! {
                    <figure class="waiting" data-kind=photo.kind.clone()>
                        <img src=photo.data alt=""/>
                        <figcaption class="badge">{tr(Msg::StatusPending)}</figcaption>
                        {rejected.map(|error| view! { <ErrorNote error/> })}
                    </figure>
                }).collect_view()}
            </div>
            {move || (empty && waiting().is_empty()).then(|| view! { <p class="muted">{tr(Msg::NoPhotos)}</p> })}
            {move || queued.get().then(|| view! { <p class="ok" role="status">{tr(Msg::PhotoQueued)}</p> })}
            {move || error.get().map(|error| view! { <ErrorNote error/> })}
            {can_add.then(|| view! {
                <div class="row wrap">
                    <label class="button secondary file-button">{tr(Msg::AddPhoto)}
                        <input type="file" accept="image/*" name="photo" on:change=move |ev| chosen("photo", ev)/>
                    </label>
                    <label class="button secondary file-button">{tr(Msg::AddSheetScan)}
                        <input type="file" accept="image/*" name="sheet" on:change=move |ev| chosen("sheet", ev)/>
                    </label>
                </div>
            })}
        </section>
    }
}

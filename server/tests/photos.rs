mod support;
use support::*;

use base64::Engine;
use serde_json::{json, Value};

/// A camera-like JPEG: an APP1 Exif segment with a GPS position right after SOI.
fn camera_jpeg(width: u32, height: u32) -> Vec<u8> {
    // Noise, so the JPEG is as large as a real photo of the same size.
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let n = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(2_246_822_519)).rotate_left(13);
        image::Rgb([n as u8, (n >> 8) as u8, (n >> 16) as u8])
    });
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
        .encode_image(&image)
        .unwrap();
    let payload = b"Exif\0\0MM\0*\0\0\0\x08GPS 31.2304N 121.4737E";
    let mut jpeg = plain[..2].to_vec();
    jpeg.extend_from_slice(&[0xFF, 0xE1]);
    jpeg.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    jpeg.extend_from_slice(payload);
    jpeg.extend_from_slice(&plain[2..]);
    jpeg
}

fn data_url(bytes: &[u8]) -> String {
    format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

async fn sync(app: &TestApp, cookie: &str, op_id: &str, payload: Value) -> Value {
    app.sync_one(cookie, op_id, "meeting.photo", payload, app::state::now())
        .await
}

async fn media(app: &TestApp, cookie: Option<&str>, id: &str) -> http::StatusCode {
    app.get(&format!("/media/{id}.jpg"), cookie).await.status
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn photos_are_reencoded_without_exif_and_shown_to_the_branch_only() {
    let app = app().await;
    let branch = app.branch_id("第一").await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let member = app.login(MEMBER_1, PASSWORD).await;
    let other_branch = app.login(SECRETARY_2, PASSWORD).await;
    let resident = app.login(RESIDENT, PASSWORD).await;
    let now = app::state::now();
    let (starts, ends) = (
        app::shell::time::format_local_datetime(now - 3600),
        app::shell::time::format_local_datetime(now - 600),
    );
    let meeting = app
        .call(
            "schedule_meeting",
            Some(&secretary),
            &[
                ("org_id", &branch),
                ("kind", "theme_day"),
                ("title", "植树主题党日"),
                ("agenda", ""),
                ("place", "河堤"),
                ("starts_at", &starts),
                ("ends_at", &ends),
                ("past_reason", "活动在河堤，会后补记"),
            ],
        )
        .await
        .json();
    let meeting = meeting.as_str().unwrap();
    // Big enough that one upload is over axum's default 2 MB body limit.
    let photo = camera_jpeg(2000, 1400);
    let encoded = data_url(&photo);
    assert!(encoded.len() > 2 * 1024 * 1024, "{}", encoded.len());
    let id = uuid::Uuid::now_v7().to_string();
    let op_id = uuid::Uuid::now_v7().to_string();
    let payload = json!({ "id": id, "meeting_id": meeting, "kind": "sheet", "data": encoded });

    let refused = sync(
        &app,
        &member,
        &uuid::Uuid::now_v7().to_string(),
        payload.clone(),
    )
    .await;
    assert_eq!(
        refused,
        json!({ "Rejected": "Forbidden" }),
        "members do not add photos"
    );

    let stored = sync(&app, &secretary, &op_id, payload.clone()).await;
    assert_eq!(stored, json!({ "Applied": { "id": id } }));
    let replay = sync(&app, &secretary, &op_id, payload.clone()).await;
    assert_eq!(replay, stored);
    let again = sync(&app, &secretary, &uuid::Uuid::now_v7().to_string(), payload).await;
    assert_eq!(again, stored, "the same photo id is stored once");
    assert_eq!(app.count("SELECT COUNT(*) FROM meeting_files").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM pending_photos").await,
        0,
        "moved into storage once the op committed"
    );

    let file = app.photos.read(&id).await.unwrap();
    assert!(contains(&photo, b"GPS"));
    assert!(!contains(&file, b"Exif") && !contains(&file, b"GPS"));
    let decoded = image::load_from_memory(&file).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (1600, 1120));

    let detail = app
        .call("meeting_detail", Some(&member), &[("meeting_id", meeting)])
        .await
        .json();
    assert_eq!(detail["files"][0]["id"], id.as_str());
    assert_eq!(detail["files"][0]["kind"], "sheet");

    assert_eq!(media(&app, Some(&secretary), &id).await, 200);
    assert_eq!(media(&app, Some(&member), &id).await, 200);
    assert_eq!(media(&app, Some(&other_branch), &id).await, 403);
    assert_eq!(media(&app, Some(&resident), &id).await, 403);
    assert_eq!(media(&app, None, &id).await, 401);
    assert_eq!(media(&app, Some(&secretary), "../test.db").await, 404);

    let garbage = json!({
        "id": uuid::Uuid::now_v7().to_string(),
        "meeting_id": meeting,
        "kind": "photo",
        "data": data_url(b"GIF89a not really"),
    });
    assert_eq!(
        sync(&app, &secretary, &uuid::Uuid::now_v7().to_string(), garbage).await,
        json!({ "Rejected": "PhotoInvalid" })
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM meeting_files").await, 1);
}

/// Storage down: the op is applied all the same, its photo kept in the database and served
/// from there, until the timer moves it into storage once storage is back.
#[tokio::test]
async fn a_photo_waits_in_the_database_while_storage_is_down() {
    let dir = std::env::temp_dir().join(format!("zhibu-test-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    // A directory under a plain file: every write fails.
    std::fs::write(dir.join("blocked"), b"").unwrap();
    let down = app::uploads::photos::Photos::local(&dir.join("blocked").join("uploads"));
    let broken = down.clone();
    let app = app_with(move |settings| settings.photos = broken).await;
    let secretary = app.login(SECRETARY_1, PASSWORD).await;
    let now = app::state::now();
    let meeting = held_meeting(&app, &secretary, now - 7200, now - 3600).await;
    let id = uuid::Uuid::now_v7().to_string();
    let stored = sync(
        &app,
        &secretary,
        &uuid::Uuid::now_v7().to_string(),
        json!({ "id": id, "meeting_id": meeting, "kind": "photo", "data": jpeg_data_url(70) }),
    )
    .await;
    assert_eq!(stored, json!({ "Applied": { "id": id } }));
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_photos").await, 1);
    assert_eq!(media(&app, Some(&secretary), &id).await, 200);
    let outsider = app.login(SECRETARY_2, PASSWORD).await;
    assert_eq!(media(&app, Some(&outsider), &id).await, 403);
    assert!(down.read(&id).await.is_err());

    assert_eq!(
        app::uploads::service::store_all_pending(&app.pool, &down)
            .await
            .unwrap(),
        0,
        "nothing moves while storage is down"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_photos").await, 1);
    // Storage back (the test's own store): the next tick moves it.
    assert!(server::timers::run_tick(&app.pool, &app.photos, "server-a", 7).await);
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_photos").await, 0);
    let moved = app.photos.read(&id).await.unwrap();
    assert!(image::load_from_memory(&moved).is_ok());
}

/// A file a power cut left empty (the disk's rename outlived its data) is written again by
/// the next save of its photo, instead of being taken for the stored photo.
#[tokio::test]
async fn a_photo_cut_short_is_written_again() {
    let dir = std::env::temp_dir().join(format!("zhibu-test-{}", uuid::Uuid::now_v7()));
    let photos = photos_for(&dir);
    let id = uuid::Uuid::now_v7().to_string();
    photos.save(&id, b"").await.unwrap();
    photos.save(&id, b"the whole photo").await.unwrap();
    assert_eq!(photos.read(&id).await.unwrap(), b"the whole photo");
    photos.save(&id, b"another").await.unwrap();
    assert_eq!(
        photos.read(&id).await.unwrap(),
        b"the whole photo",
        "a stored photo is never replaced"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

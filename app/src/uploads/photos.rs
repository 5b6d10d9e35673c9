//! Photos themselves: cleaned from what a phone sends, named by a checked id, and kept in
//! storage ([`Photos`]: the local disk, or S3-compatible storage shared by every app server).

use super::{MAX_PHOTOS_PER_OP, MAX_PIXELS, MAX_SIDE, MAX_UPLOAD_BYTES};
use crate::error::{AppError, AppResult};
use object_store::{path::Path as ObjectPath, ObjectStore};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct Reencoded {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Decodes JPEG, PNG or WebP (by content, not by name) and writes a clean JPEG.
pub fn reencode(bytes: &[u8]) -> AppResult<Reencoded> {
    use image::{ImageFormat, ImageReader, Limits};
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(AppError::PhotoInvalid);
    }
    let format = image::guess_format(bytes).map_err(|_| AppError::PhotoInvalid)?;
    if !matches!(
        format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP
    ) {
        return Err(AppError::PhotoInvalid);
    }
    // The header says how big the picture is, in pixels and in bytes per pixel (a 16-bit
    // RGBA PNG takes eight): both are checked before anything is decoded.
    let header = ImageReader::with_format(std::io::Cursor::new(bytes), format)
        .into_decoder()
        .map_err(|_| AppError::PhotoInvalid)?;
    let (width, height) = image::ImageDecoder::dimensions(&header);
    let pixels = u64::from(width) * u64::from(height);
    let per_pixel = u64::from(image::ImageDecoder::color_type(&header).bytes_per_pixel());
    if pixels > MAX_PIXELS || pixels * per_pixel > MAX_PIXELS * 4 {
        return Err(AppError::PhotoInvalid);
    }
    let mut reader = ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(MAX_PIXELS * 4 + 16 * 1024 * 1024);
    reader.limits(limits);
    let image = reader.decode().map_err(|_| AppError::PhotoInvalid)?;
    let image = if image.width().max(image.height()) > MAX_SIDE {
        image.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::Triangle)
    } else {
        image
    };
    let rgb = image.to_rgb8();
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 82)
        .encode_image(&rgb)
        .map_err(|_| AppError::Internal)?;
    Ok(Reencoded {
        jpeg,
        width: rgb.width(),
        height: rgb.height(),
    })
}

/// The checked id of a photo: a UUID in its one canonical spelling (lowercase,
/// hyphenated), so nothing else can be named and no second spelling of an id stored
/// for one record can be claimed by another record to reach its picture.
pub fn photo_id(id: &str) -> AppResult<String> {
    match uuid::Uuid::parse_str(id) {
        Ok(parsed) if parsed.hyphenated().to_string() == id => Ok(id.to_string()),
        _ => Err(AppError::BadPayload),
    }
}

/// The id a phone made for a new photo: checked as [`photo_id`], and never of the
/// version the server derives for the photos of other records (UUIDv5), which it could
/// otherwise name.
pub fn phone_photo_id(id: &str) -> AppResult<String> {
    let id = photo_id(id)?;
    if uuid::Uuid::parse_str(&id).map(|id| id.get_version_num()) == Ok(5) {
        return Err(AppError::BadPayload);
    }
    Ok(id)
}

/// Where S3-compatible storage is and how to sign in to it.
#[derive(Clone, Debug)]
pub struct S3Settings {
    /// `http(s)://host:port`; unset, AWS itself.
    pub endpoint: Option<String>,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// Stored photos, one object per id: the local disk by default, or S3-compatible
/// storage, where any app server serves any photo.
#[derive(Clone, Debug)]
pub struct Photos {
    store: Arc<dyn ObjectStore>,
    prefix: ObjectPath,
}

impl Photos {
    /// Files in `dir` (made when the first photo is stored).
    pub fn local(dir: &Path) -> Photos {
        // An object path spells `..` literally; resolve it here, as the disk would.
        let mut absolute = PathBuf::new();
        for part in std::path::absolute(dir)
            .unwrap_or_else(|_| dir.to_path_buf())
            .components()
        {
            match part {
                std::path::Component::ParentDir => {
                    absolute.pop();
                }
                std::path::Component::CurDir => {}
                other => absolute.push(other),
            }
        }
        Photos {
            store: Arc::new(object_store::local::LocalFileSystem::new()),
            prefix: ObjectPath::from(absolute.to_string_lossy().as_ref()),
        }
    }

    pub fn s3(settings: &S3Settings) -> AppResult<Photos> {
        let mut builder = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_access_key_id(&settings.access_key_id)
            .with_secret_access_key(&settings.secret_access_key);
        if let Some(endpoint) = &settings.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let store = builder.build().map_err(|error| {
            tracing::error!(%error, "S3 settings");
            AppError::Internal
        })?;
        Ok(Photos {
            store: Arc::new(store),
            prefix: ObjectPath::from("photos"),
        })
    }

    /// The same storage, its photos under `prefix` (one test's, apart from another's).
    pub fn within(self, prefix: &str) -> Photos {
        Photos {
            prefix: self.prefix.child(prefix),
            ..self
        }
    }

    fn object(&self, id: &str) -> AppResult<ObjectPath> {
        Ok(self.prefix.child(format!("{}.jpg", photo_id(id)?)))
    }

    /// Stores a photo once: an id names one picture for good, so a second write of the
    /// same id (a replayed op) changes nothing. The store writes whole objects (the disk
    /// through a temporary file and a rename), but the disk does not sync them: a power
    /// cut can leave the renamed file empty, and an empty one is written again.
    pub async fn save(&self, id: &str, jpeg: &[u8]) -> AppResult<()> {
        let object = self.object(id)?;
        match self.store.head(&object).await {
            Ok(found) if found.size > 0 => return Ok(()),
            Ok(_) => {}
            Err(object_store::Error::NotFound { .. }) => {}
            Err(error) => return Err(storage_error(error)),
        }
        self.store
            .put(&object, jpeg.to_vec().into())
            .await
            .map_err(storage_error)?;
        Ok(())
    }

    pub async fn read(&self, id: &str) -> AppResult<Vec<u8>> {
        let object = self.object(id).map_err(|_| AppError::NotFound)?;
        match self.store.get(&object).await {
            Ok(found) => Ok(found.bytes().await.map_err(storage_error)?.to_vec()),
            Err(object_store::Error::NotFound { .. }) => Err(AppError::NotFound),
            Err(error) => Err(storage_error(error)),
        }
    }

    /// The ids of every stored photo (tests, and a check of a backup).
    pub async fn ids(&self) -> AppResult<Vec<String>> {
        match self.store.list_with_delimiter(Some(&self.prefix)).await {
            Ok(listed) => Ok(listed
                .objects
                .iter()
                .filter_map(|o| {
                    o.location
                        .filename()?
                        .strip_suffix(".jpg")
                        .map(String::from)
                })
                .collect()),
            Err(object_store::Error::NotFound { .. }) => Ok(Vec::new()),
            Err(error) => Err(storage_error(error)),
        }
    }
}

fn storage_error(error: object_store::Error) -> AppError {
    tracing::error!(%error, "photo storage");
    AppError::Internal
}

/// One decode at a time per core: a decode may take 256 MiB and a core's second.
static DECODING: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
});

fn digest(data: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data.as_bytes()).into()
}

/// The photos of one op, decoded and re-encoded before the op's transaction begins.
/// Decoding takes CPU time (a second for a big PNG); inside the transaction it would
/// hold SQLite's single write lock and stall every check-in and login meanwhile.
#[derive(Default)]
pub struct Prepared(Vec<([u8; 32], AppResult<Arc<Reencoded>>)>);

impl Prepared {
    /// Every data URL in the payload, at most [`MAX_PHOTOS_PER_OP`] of them decoded and
    /// no more than `budget` (what is left of the request's); `used` says how many.
    pub async fn of(payload: &serde_json::Value, budget: usize) -> (Prepared, usize) {
        fn collect<'v>(value: &'v serde_json::Value, out: &mut Vec<&'v str>) {
            match value {
                serde_json::Value::String(s) if s.starts_with("data:") => out.push(s),
                serde_json::Value::Array(items) => items.iter().for_each(|item| collect(item, out)),
                serde_json::Value::Object(fields) => {
                    fields.values().for_each(|field| collect(field, out))
                }
                _ => {}
            }
        }
        let mut found = Vec::new();
        collect(payload, &mut found);
        let mut prepared = Vec::new();
        let mut used = 0;
        for (index, data) in found.into_iter().enumerate() {
            let key = digest(data);
            if prepared.iter().any(|(k, _)| *k == key) {
                continue;
            }
            let result = if index >= MAX_PHOTOS_PER_OP {
                Err(AppError::PhotoInvalid)
            } else if used >= budget {
                // The rest of this request's photos wait for the next one.
                Err(AppError::RateLimited)
            } else {
                used += 1;
                decode_off_thread(data).await
            };
            prepared.push((key, result));
        }
        (Prepared(prepared), used)
    }

    /// The cleaned photo of a data URL the payload carried.
    pub fn get(&self, data: &str) -> AppResult<Arc<Reencoded>> {
        let key = digest(data);
        self.0
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(Err(AppError::PhotoInvalid), |(_, result)| result.clone())
    }
}

/// Decodes in turn with the others; a photo that waits too long for its turn (a crowd
/// of uploads) is answered RateLimited and comes again with the outbox's next try.
async fn decode_off_thread(data: &str) -> AppResult<Arc<Reencoded>> {
    let wait = std::time::Duration::from_secs(20);
    let _turn = tokio::time::timeout(wait, DECODING.acquire())
        .await
        .map_err(|_| AppError::RateLimited)?
        .map_err(|_| AppError::Internal)?;
    let bytes = decode_base64(data)?;
    tokio::task::spawn_blocking(move || reencode(&bytes))
        .await
        .map_err(|_| AppError::Internal)?
        .map(Arc::new)
}

pub fn decode_base64(data: &str) -> AppResult<Vec<u8>> {
    use base64::Engine;
    // A data URL from the phone's canvas, or bare base64.
    let data = data.split_once(',').map_or(data, |(_, rest)| rest);
    if data.len() > MAX_UPLOAD_BYTES / 3 * 4 + 4 {
        return Err(AppError::PhotoInvalid);
    }
    base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|_| AppError::PhotoInvalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut plain = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
            .encode_image(&image)
            .unwrap();
        // An APP1 Exif segment with a GPS marker, right after SOI, as cameras write it.
        let payload = b"Exif\0\0MM\0*\0\0\0\x08GPS 31.2304N 121.4737E";
        let length = (payload.len() + 2) as u16;
        let mut with_exif = plain[..2].to_vec();
        with_exif.extend_from_slice(&[0xFF, 0xE1]);
        with_exif.extend_from_slice(&length.to_be_bytes());
        with_exif.extend_from_slice(payload);
        with_exif.extend_from_slice(&plain[2..]);
        with_exif
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn exif_does_not_survive_and_large_photos_shrink() {
        let original = jpeg_with_exif(2400, 1200);
        assert!(contains(&original, b"Exif"));
        let clean = reencode(&original).unwrap();
        assert!(!contains(&clean.jpeg, b"Exif"));
        assert!(!contains(&clean.jpeg, b"GPS"));
        assert_eq!((clean.width, clean.height), (1600, 800));
        let decoded = image::load_from_memory(&clean.jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (1600, 800));
    }

    #[test]
    fn only_images_are_accepted() {
        assert_eq!(
            reencode(b"<svg onload=alert(1)>").err(),
            Some(AppError::PhotoInvalid)
        );
        let mut truncated = jpeg_with_exif(64, 64);
        truncated.truncate(300);
        assert_eq!(reencode(&truncated).err(), Some(AppError::PhotoInvalid));
        let small = reencode(&jpeg_with_exif(64, 48)).unwrap();
        assert_eq!(
            (small.width, small.height),
            (64, 48),
            "small photos keep their size"
        );
    }

    #[test]
    fn data_urls_and_ids_are_checked() {
        assert_eq!(
            decode_base64("data:image/jpeg;base64,AQID").unwrap(),
            [1, 2, 3]
        );
        assert_eq!(decode_base64("AQID").unwrap(), [1, 2, 3]);
        assert!(decode_base64("***").is_err());
        assert!(photo_id("../../etc/passwd").is_err());
        let id = "0192f5c4-1b2a-7c3d-8e4f-5a6b7c8d9e0f";
        assert_eq!(photo_id(id).unwrap(), id);
        for other_spelling in [
            "0192F5C4-1B2A-7C3D-8E4F-5A6B7C8D9E0F",
            "0192f5c41b2a7c3d8e4f5a6b7c8d9e0f",
            "{0192f5c4-1b2a-7c3d-8e4f-5a6b7c8d9e0f}",
            "urn:uuid:0192f5c4-1b2a-7c3d-8e4f-5a6b7c8d9e0f",
        ] {
            assert!(photo_id(other_spelling).is_err(), "{other_spelling}");
        }
    }

    #[tokio::test]
    async fn a_photo_is_stored_once_and_read_by_its_id_only() {
        let dir = std::env::temp_dir().join(format!("zhibu-photos-{}", uuid::Uuid::now_v7()));
        let photos = Photos::local(&dir.join("elsewhere").join(".."));
        assert_eq!(photos.ids().await.unwrap(), Vec::<String>::new());
        let id = "0192f5c4-1b2a-7c3d-8e4f-5a6b7c8d9e0f";
        photos.save(id, b"first").await.unwrap();
        photos.save(id, b"second").await.unwrap();
        assert_eq!(
            photos.read(id).await.unwrap(),
            b"first",
            "an id names one picture"
        );
        assert_eq!(photos.ids().await.unwrap(), [id]);
        assert!(dir.join(format!("{id}.jpg")).exists());
        assert_eq!(
            photos
                .read("0192f5c4-1b2a-7c3d-8e4f-000000000000")
                .await
                .err(),
            Some(AppError::NotFound)
        );
        assert_eq!(
            photos.read("../zhibu.db").await.err(),
            Some(AppError::NotFound)
        );
        assert!(photos.save("../zhibu", b"x").await.is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

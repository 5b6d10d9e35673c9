//! Configuration: defaults, then an optional TOML file (`zhibu.toml` or `ZHIBU_CONFIG`),
//! then environment variables, each overriding the one before.

use app::uploads::photos::{Photos, S3Settings};
use serde::Deserialize;
use std::{net::SocketAddr, path::PathBuf};

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite://…` or `postgres://…` URL; defaults to `<data_dir>/zhibu.db` (SQLite).
    pub database_url: Option<String>,
    pub address: SocketAddr,
    pub data_dir: PathBuf,
    /// Unset: `Secure` for every host but loopback.
    pub secure_cookies: Option<bool>,
    /// The header a trusted reverse proxy puts the client's address in; unset by default,
    /// since without such a proxy any client could write it.
    pub trusted_proxy_header: Option<String>,
    /// Where cargo-leptos put the wasm, js, css and public assets.
    pub site_root: String,
    /// Extra origins allowed to POST to `/api` besides the request's own host.
    pub allowed_origins: Vec<String>,
    pub log_json: bool,
    /// Photos on S3-compatible storage (shared by every app server) when a bucket is set;
    /// otherwise files under `<data_dir>/uploads`.
    pub s3_bucket: Option<String>,
    /// `http(s)://host:port` of the storage; unset, AWS itself.
    pub s3_endpoint: Option<String>,
    pub s3_region: Option<String>,
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<String>,
    /// Register the service worker; defaults to on in release builds only, so that
    /// `cargo leptos watch` never serves stale wasm from a cache.
    pub service_worker: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: None,
            address: SocketAddr::from(([127, 0, 0, 1], 3000)),
            data_dir: PathBuf::from("data"),
            secure_cookies: None,
            trusted_proxy_header: None,
            site_root: "target/site".into(),
            allowed_origins: Vec::new(),
            log_json: false,
            s3_bucket: None,
            s3_endpoint: None,
            s3_region: None,
            s3_access_key_id: None,
            s3_secret_access_key: None,
            service_worker: !cfg!(debug_assertions),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("bad config file {0}: {1}")]
    Parse(PathBuf, toml::de::Error),
    #[error("bad value for {0}: {1}")]
    Env(&'static str, String),
}

impl Config {
    pub fn load() -> Result<Self, ConfigError> {
        let explicit = std::env::var_os("ZHIBU_CONFIG").map(PathBuf::from);
        let path = explicit
            .clone()
            .unwrap_or_else(|| PathBuf::from("zhibu.toml"));
        let mut config = if path.exists() || explicit.is_some() {
            let text =
                std::fs::read_to_string(&path).map_err(|e| ConfigError::Read(path.clone(), e))?;
            toml::from_str(&text).map_err(|e| ConfigError::Parse(path, e))?
        } else {
            Config::default()
        };
        config.apply_env(|key| std::env::var(key).ok())?;
        Ok(config)
    }

    /// Environment overrides. cargo-leptos sets `LEPTOS_SITE_ADDR` and `LEPTOS_SITE_ROOT`.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(url) = var("DATABASE_URL") {
            self.database_url = Some(url);
        }
        if let Some(addr) = var("ZHIBU_ADDRESS").or_else(|| var("LEPTOS_SITE_ADDR")) {
            self.address = addr
                .parse()
                .map_err(|e| ConfigError::Env("ZHIBU_ADDRESS", format!("{e}")))?;
        }
        if let Some(dir) = var("ZHIBU_DATA_DIR") {
            self.data_dir = dir.into();
        }
        if let Some(flag) = var("ZHIBU_SECURE_COOKIES") {
            self.secure_cookies =
                Some(parse_bool(&flag).ok_or(ConfigError::Env("ZHIBU_SECURE_COOKIES", flag))?);
        }
        if let Some(name) = var("ZHIBU_TRUSTED_PROXY_HEADER") {
            let name = name.trim().to_ascii_lowercase();
            // Empty, as an env file's `NAME=` leaves it: no trusted proxy.
            if !name.is_empty() && http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(ConfigError::Env("ZHIBU_TRUSTED_PROXY_HEADER", name));
            }
            self.trusted_proxy_header = Some(name).filter(|n| !n.is_empty());
        }
        if let Some(root) = var("LEPTOS_SITE_ROOT") {
            self.site_root = root;
        }
        if let Some(origins) = var("ZHIBU_ALLOWED_ORIGINS") {
            self.allowed_origins = origins
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
        if let Some(flag) = var("ZHIBU_SERVICE_WORKER") {
            self.service_worker =
                parse_bool(&flag).ok_or(ConfigError::Env("ZHIBU_SERVICE_WORKER", flag))?;
        }
        if let Some(flag) = var("ZHIBU_LOG_JSON") {
            self.log_json = parse_bool(&flag).ok_or(ConfigError::Env("ZHIBU_LOG_JSON", flag))?;
        }
        for (key, field) in [
            ("ZHIBU_S3_BUCKET", &mut self.s3_bucket),
            ("ZHIBU_S3_ENDPOINT", &mut self.s3_endpoint),
            ("ZHIBU_S3_REGION", &mut self.s3_region),
            ("ZHIBU_S3_ACCESS_KEY_ID", &mut self.s3_access_key_id),
            ("ZHIBU_S3_SECRET_ACCESS_KEY", &mut self.s3_secret_access_key),
        ] {
            if let Some(value) = var(key).filter(|v| !v.trim().is_empty()) {
                *field = Some(value.trim().to_string());
            }
        }
        Ok(())
    }

    /// Where photos are stored: the S3 bucket when one is set (its keys are then required),
    /// else `<data_dir>/uploads`.
    pub fn photos(&self) -> Result<Photos, ConfigError> {
        let Some(bucket) = &self.s3_bucket else {
            return Ok(Photos::local(&self.data_dir.join("uploads")));
        };
        let required = |value: &Option<String>, key: &'static str| {
            value.clone().ok_or(ConfigError::Env(
                key,
                "required with ZHIBU_S3_BUCKET".into(),
            ))
        };
        let settings = S3Settings {
            endpoint: self.s3_endpoint.clone(),
            bucket: bucket.clone(),
            region: self.s3_region.clone().unwrap_or_else(|| "us-east-1".into()),
            access_key_id: required(&self.s3_access_key_id, "ZHIBU_S3_ACCESS_KEY_ID")?,
            secret_access_key: required(&self.s3_secret_access_key, "ZHIBU_S3_SECRET_ACCESS_KEY")?,
        };
        Photos::s3(&settings).map_err(|_| {
            ConfigError::Env("ZHIBU_S3_ENDPOINT", "not a usable storage address".into())
        })
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("zhibu.db").display()))
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// An environment holding one variable.
    fn only(key: &'static str, value: &'static str) -> impl Fn(&str) -> Option<String> {
        move |k| (k == key).then(|| value.into())
    }

    #[test]
    fn env_overrides_file_values() {
        let mut config: Config =
            toml::from_str("address = \"127.0.0.1:4000\"\nsecure_cookies = true").unwrap();
        assert_eq!(config.address.port(), 4000);
        let env: HashMap<&str, &str> = [
            ("ZHIBU_ADDRESS", "127.0.0.1:5000"),
            ("ZHIBU_SECURE_COOKIES", "no"),
            ("ZHIBU_DATA_DIR", "/tmp/z"),
        ]
        .into();
        config
            .apply_env(|k| env.get(k).map(|v| v.to_string()))
            .unwrap();
        assert_eq!(config.address.port(), 5000);
        assert_eq!(config.secure_cookies, Some(false));
        assert_eq!(config.database_url(), "sqlite:///tmp/z/zhibu.db");
    }

    #[test]
    fn bad_values_are_refused() {
        let mut config = Config::default();
        assert!(config
            .apply_env(only("ZHIBU_SECURE_COOKIES", "maybe"))
            .is_err());
        assert!(toml::from_str::<Config>("no_such_key = 1").is_err());
        assert!(config
            .apply_env(only("ZHIBU_TRUSTED_PROXY_HEADER", "x forwarded"))
            .is_err());
    }

    #[test]
    fn an_empty_proxy_header_means_no_trusted_proxy() {
        let mut config = Config::default();
        config
            .apply_env(only("ZHIBU_TRUSTED_PROXY_HEADER", " "))
            .unwrap();
        assert_eq!(config.trusted_proxy_header, None);
        config
            .apply_env(only("ZHIBU_TRUSTED_PROXY_HEADER", "X-Real-IP"))
            .unwrap();
        assert_eq!(config.trusted_proxy_header.as_deref(), Some("x-real-ip"));
    }

    #[test]
    fn photos_go_to_s3_only_with_its_keys() {
        let mut config = Config::default();
        config
            .apply_env(only("ZHIBU_S3_BUCKET", "zhibu-photos"))
            .unwrap();
        assert!(config.photos().is_err(), "a bucket without keys is refused");
        let env: HashMap<&str, &str> = [
            ("ZHIBU_S3_BUCKET", "zhibu-photos"),
            ("ZHIBU_S3_ENDPOINT", "http://127.0.0.1:9000"),
            ("ZHIBU_S3_ACCESS_KEY_ID", "id"),
            ("ZHIBU_S3_SECRET_ACCESS_KEY", "secret"),
        ]
        .into();
        config
            .apply_env(|k| env.get(k).map(|v| v.to_string()))
            .unwrap();
        assert!(config.photos().is_ok());
    }
}

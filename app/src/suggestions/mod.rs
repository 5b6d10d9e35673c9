//! 意见建议: a member writes to their branch. Small on purpose: it is the first write that
//! goes through the offline outbox, and the pattern the next capabilities copy.

pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
mod store;
pub mod views;

use crate::error::AppError;
use crate::offline::OfflineOp;
use serde::{Deserialize, Serialize};

pub const BODY_MAX: usize = 500;

pub fn normalize_body(body: &str) -> Result<String, AppError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(AppError::TextRequired);
    }
    if body.chars().count() > BODY_MAX {
        return Err(AppError::TextTooLong);
    }
    Ok(body.to_string())
}

/// The offline op: the suggestion's id is made on the phone, so a replay cannot duplicate it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubmitSuggestion {
    pub id: String,
    pub body: String,
}

impl OfflineOp for SubmitSuggestion {
    const KIND: &'static str = "suggestion.submit";

    fn summary(&self) -> String {
        self.body.chars().take(60).collect()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SuggestionRow {
    pub id: String,
    pub body: String,
    pub written_at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MySuggestions {
    pub items: Vec<SuggestionRow>,
    /// Server time of this answer, shown as 更新于 when the answer comes from the cache.
    pub fetched_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_trimmed_and_bounded() {
        assert_eq!(normalize_body("  路灯坏了 "), Ok("路灯坏了".into()));
        assert_eq!(normalize_body("   "), Err(AppError::TextRequired));
        assert!(normalize_body(&"字".repeat(500)).is_ok());
        assert_eq!(
            normalize_body(&"字".repeat(501)),
            Err(AppError::TextTooLong)
        );
    }

    #[test]
    fn summary_is_short() {
        let op = SubmitSuggestion {
            id: "x".into(),
            body: "长".repeat(100),
        };
        assert_eq!(op.summary().chars().count(), 60);
    }
}

//! Offline first: the op envelope every offline write travels in, the trait a capability
//! implements to declare one, the server's exactly-once application, and the views that
//! show what waits to be sent.

pub mod api;
#[cfg(feature = "hydrate")]
pub mod client;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
mod store;
pub mod views;

use crate::error::AppError;
use crate::json::from_json;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// One write, as stored in the outbox and sent to the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpEnvelope {
    /// UUIDv7 made on the phone; the server applies each at most once.
    pub op_id: String,
    pub kind: String,
    pub payload: serde_json::Value,
    /// When the user made it (UTC seconds, the phone's clock).
    pub created_at: i64,
    /// Server time minus phone time in seconds, as the outbox measured it at its last
    /// contact with the server before the op was made; `None` if it never had one.
    #[serde(default)]
    pub clock_offset: Option<i64>,
    /// Who made it: on a shared phone, an op is sent only by its maker's session.
    #[serde(default)]
    pub user_id: Option<String>,
}

impl OpEnvelope {
    /// The phone's time of the op, corrected by the offset it measured: information for
    /// people, never the authority for a right (only the check-in rule reads it).
    pub fn phone_time(&self) -> i64 {
        // Bounded, so no sum or time format downstream can overflow: a phone a week off
        // is already beyond any rule that reads this.
        const WEEK: i64 = 7 * 86_400;
        const YEAR_9999: i64 = 253_402_300_799;
        self.created_at.clamp(0, YEAR_9999) + self.clock_offset.unwrap_or(0).clamp(-WEEK, WEEK)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum OpOutcome {
    Applied(serde_json::Value),
    /// Final: the op stays in the outbox, shown with its reason.
    Rejected(AppError),
    /// Passing trouble: send it again later.
    Retry(AppError),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpReply {
    pub op_id: String,
    pub outcome: OpOutcome,
    /// A refusal in words (Chinese), for pages that show it without the app's wasm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A write that works offline. A capability declares its payload type, how the op shows
/// while it waits, and (on the server, `service::ApplyOp`) how it is applied.
pub trait OfflineOp: Serialize + DeserializeOwned + Send + 'static {
    const KIND: &'static str;
    /// One line for lists of pending ops.
    fn summary(&self) -> String;
}

/// An op as the outbox holds it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueuedOp {
    pub op_id: String,
    pub kind: String,
    /// The payload's JSON text ([`client::queued`] turns the outbox's parsed payload into
    /// text). Read as its own op type, it needs no decoder of a generic JSON value.
    pub payload: String,
    /// The payload's short top-level texts (its ids) as field and text pairs, taken once by
    /// [`client::queued`]: a page finds the ops that name one wish without reading every
    /// payload, photos and all, again.
    #[serde(default)]
    pub ids: Vec<(String, String)>,
    pub created_at: i64,
    #[serde(default)]
    pub clock_offset: Option<i64>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub summary: String,
    /// `pending` or `rejected`.
    pub status: String,
    #[serde(default)]
    pub error: Option<AppError>,
}

impl QueuedOp {
    pub fn is_rejected(&self) -> bool {
        self.status == "rejected"
    }

    pub fn payload_as<O: OfflineOp>(&self) -> Option<O> {
        (self.kind == O::KIND)
            .then(|| from_json(&self.payload).ok())
            .flatten()
    }

    /// Whether the payload's `field` is the id `value`, whatever the op's kind: every op
    /// that names one wish, say.
    pub fn names(&self, field: &str, value: &str) -> bool {
        self.ids.iter().any(|(f, v)| f == field && v == value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Pledge {
        wish_id: String,
        amount: i64,
    }

    impl OfflineOp for Pledge {
        const KIND: &'static str = "test.pledge";

        fn summary(&self) -> String {
            format!("认领 {}", self.amount)
        }
    }

    fn queued(kind: &str, payload: &str) -> QueuedOp {
        QueuedOp {
            op_id: "op-1".into(),
            kind: kind.into(),
            payload: payload.into(),
            ids: Vec::new(),
            created_at: 0,
            clock_offset: None,
            user_id: None,
            summary: String::new(),
            status: "pending".into(),
            error: None,
        }
    }

    #[test]
    fn a_payload_reads_as_its_own_kind_only() {
        let op = queued(Pledge::KIND, r#"{"wish_id":"w1","amount":-3}"#);
        let pledge = Pledge {
            wish_id: "w1".into(),
            amount: -3,
        };
        assert_eq!(op.payload_as::<Pledge>(), Some(pledge));
        assert_eq!(
            queued("test.other", &op.payload).payload_as::<Pledge>(),
            None
        );
        assert_eq!(
            queued(Pledge::KIND, r#"{"wish_id":"w1"}"#).payload_as::<Pledge>(),
            None
        );
        assert_eq!(
            queued(Pledge::KIND, "not json").payload_as::<Pledge>(),
            None
        );
    }

    #[test]
    fn names_matches_one_id_of_any_kind() {
        let mut op = queued("test.any", "{}");
        op.ids = vec![
            ("wish_id".into(), "w1".into()),
            ("note".into(), "w2".into()),
        ];
        assert!(op.names("wish_id", "w1"));
        assert!(!op.names("wish_id", "w2"), "another field's text");
        assert!(!op.names("pledge_id", "w1"));
    }
}

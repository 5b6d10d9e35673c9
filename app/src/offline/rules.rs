//! Rules of the offline protocol that the server applies to every op.

use crate::error::AppError;

/// A transient failure leaves the op in the outbox to be sent again; any other error is the
/// op's final answer, kept and shown to the user.
pub fn is_transient(error: &AppError) -> bool {
    matches!(
        error,
        AppError::Internal
            | AppError::Network(_)
            | AppError::RateLimited
            | AppError::NotLoggedIn
            | AppError::OpOfAnotherUser
    )
}

/// The time an op was made, as far as the server believes the phone: never in the future,
/// never before the phone could have queued it (a week of no signal at most).
pub fn effective_time(op_created_at: i64, server_now: i64) -> i64 {
    const MAX_OFFLINE_SECS: i64 = 7 * 86_400;
    op_created_at.clamp(server_now - MAX_OFFLINE_SECS, server_now)
}

pub const MAX_BATCH: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_passing_troubles_are_retried() {
        assert!(is_transient(&AppError::Internal));
        assert!(is_transient(&AppError::Network("down".into())));
        assert!(is_transient(&AppError::RateLimited));
        assert!(is_transient(&AppError::NotLoggedIn));
        assert!(is_transient(&AppError::OpOfAnotherUser));
        assert!(!is_transient(&AppError::Forbidden));
        assert!(!is_transient(&AppError::NotInBranch));
        assert!(!is_transient(&AppError::UnknownOp));
    }

    #[test]
    fn op_time_is_clamped_to_what_is_plausible() {
        let now = 1_000_000;
        assert_eq!(effective_time(now - 60, now), now - 60);
        assert_eq!(effective_time(now + 3600, now), now);
        assert_eq!(effective_time(0, now), now - 7 * 86_400);
    }
}

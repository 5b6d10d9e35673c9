//! 民主评议党员: the four grades, what a ballot and a self-assessment may hold, the tally the
//! committee sees, and the cap on 优秀.

use crate::error::AppError;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Grade {
    /// 优秀
    Excellent,
    /// 合格
    Qualified,
    /// 基本合格
    Basic,
    /// 不合格
    Unqualified,
}

impl Grade {
    pub const ALL: [Grade; 4] = [
        Grade::Excellent,
        Grade::Qualified,
        Grade::Basic,
        Grade::Unqualified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Excellent => "excellent",
            Grade::Qualified => "qualified",
            Grade::Basic => "basic",
            Grade::Unqualified => "unqualified",
        }
    }

    pub fn parse(s: &str) -> Option<Grade> {
        Grade::ALL.into_iter().find(|g| g.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Grade::Excellent => "优秀",
            Grade::Qualified => "合格",
            Grade::Basic => "基本合格",
            Grade::Unqualified => "不合格",
        }
    }

    fn index(self) -> usize {
        match self {
            Grade::Excellent => 0,
            Grade::Qualified => 1,
            Grade::Basic => 2,
            Grade::Unqualified => 3,
        }
    }
}

pub const SELF_TEXT_MAX_CHARS: usize = 500;
/// Fewer ballots than this and the counts are not shown: one ballot could be told apart.
pub const MIN_BALLOTS_SHOWN: i64 = 3;
pub const REASON_MAX_CHARS: usize = 200;
pub const DEFAULT_EXCELLENT_CAP_PERCENT: i64 = 30;

/// A self-assessment: some words, not a book.
pub fn normalize_self_text(text: &str) -> Result<String, AppError> {
    let text = text.trim();
    if text.is_empty() {
        Err(AppError::TextRequired)
    } else if text.chars().count() > SELF_TEXT_MAX_CHARS {
        Err(AppError::TextTooLong)
    } else {
        Ok(text.to_string())
    }
}

/// The share of 优秀 a review allows, in percent: from 1 to 100.
pub fn check_cap_percent(percent: i64) -> Result<i64, AppError> {
    if (1..=100).contains(&percent) {
        Ok(percent)
    } else {
        Err(AppError::ReviewCap)
    }
}

/// How many 优秀 results a review of `participants` members allows (rounded down).
pub fn excellent_allowed(participants: usize, cap_percent: i64) -> usize {
    participants * cap_percent.clamp(0, 100) as usize / 100
}

/// The committee's decision: anything below 合格 says why.
pub fn check_decision(grade: Grade, reason: &str) -> Result<Option<String>, AppError> {
    let reason = reason.trim();
    if reason.chars().count() > REASON_MAX_CHARS {
        return Err(AppError::ReasonRequired);
    }
    match grade {
        Grade::Excellent | Grade::Qualified => Ok((!reason.is_empty()).then(|| reason.to_string())),
        Grade::Basic | Grade::Unqualified if reason.is_empty() => Err(AppError::ReasonRequired),
        Grade::Basic | Grade::Unqualified => Ok(Some(reason.to_string())),
    }
}

/// A ballot: marks of other participants only, each at most once.
pub fn check_ballot(
    voter: &str,
    participants: &[String],
    marks: &[(String, Grade)],
) -> Result<(), AppError> {
    let mut seen = std::collections::HashSet::new();
    for (subject, _) in marks {
        if subject == voter || !participants.contains(subject) || !seen.insert(subject) {
            return Err(AppError::BadPayload);
        }
    }
    Ok(())
}

/// Marks per grade, in [`Grade::ALL`] order.
pub fn tally(grades: impl IntoIterator<Item = Grade>) -> [i64; 4] {
    let mut counts = [0; 4];
    for grade in grades {
        counts[grade.index()] += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_round_trip() {
        for grade in Grade::ALL {
            assert_eq!(Grade::parse(grade.as_str()), Some(grade));
        }
        assert_eq!(Grade::parse("good"), None);
    }

    #[test]
    fn below_qualified_needs_a_reason() {
        assert_eq!(check_decision(Grade::Qualified, "  "), Ok(None));
        assert_eq!(
            check_decision(Grade::Excellent, " 带头服务 "),
            Ok(Some("带头服务".into()))
        );
        assert_eq!(
            check_decision(Grade::Basic, ""),
            Err(AppError::ReasonRequired)
        );
        assert_eq!(
            check_decision(Grade::Unqualified, " "),
            Err(AppError::ReasonRequired)
        );
        assert_eq!(
            check_decision(Grade::Unqualified, "长期不参加组织生活"),
            Ok(Some("长期不参加组织生活".into()))
        );
        let long = "很".repeat(REASON_MAX_CHARS + 1);
        assert_eq!(
            check_decision(Grade::Basic, &long),
            Err(AppError::ReasonRequired),
            "its message names the limit"
        );
    }

    #[test]
    fn the_excellent_cap_rounds_down() {
        assert_eq!(excellent_allowed(14, 30), 4);
        assert_eq!(excellent_allowed(10, 30), 3);
        assert_eq!(excellent_allowed(3, 30), 0);
        assert_eq!(excellent_allowed(5, 100), 5);
        assert_eq!(check_cap_percent(0), Err(AppError::ReviewCap));
        assert_eq!(check_cap_percent(101), Err(AppError::ReviewCap));
        assert_eq!(check_cap_percent(30), Ok(30));
    }

    #[test]
    fn a_ballot_marks_others_once_each() {
        let people: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let mark = |s: &str, g| (s.to_string(), g);
        assert_eq!(
            check_ballot(
                "a",
                &people,
                &[mark("b", Grade::Excellent), mark("c", Grade::Basic)]
            ),
            Ok(())
        );
        assert_eq!(check_ballot("a", &people, &[]), Ok(()));
        assert_eq!(
            check_ballot("a", &people, &[mark("a", Grade::Excellent)]),
            Err(AppError::BadPayload),
            "not oneself"
        );
        assert_eq!(
            check_ballot("a", &people, &[mark("z", Grade::Qualified)]),
            Err(AppError::BadPayload),
            "not an outsider"
        );
        assert_eq!(
            check_ballot(
                "a",
                &people,
                &[mark("b", Grade::Qualified), mark("b", Grade::Unqualified)]
            ),
            Err(AppError::BadPayload),
            "not twice"
        );
    }

    #[test]
    fn the_tally_counts_each_grade() {
        let counts = tally([
            Grade::Qualified,
            Grade::Excellent,
            Grade::Qualified,
            Grade::Unqualified,
        ]);
        assert_eq!(counts, [1, 2, 0, 1]);
    }

    #[test]
    fn a_self_assessment_has_words() {
        assert_eq!(normalize_self_text("  "), Err(AppError::TextRequired));
        assert_eq!(normalize_self_text(" 认真学习 "), Ok("认真学习".into()));
        assert_eq!(
            normalize_self_text(&"字".repeat(SELF_TEXT_MAX_CHARS + 1)),
            Err(AppError::TextTooLong)
        );
    }
}

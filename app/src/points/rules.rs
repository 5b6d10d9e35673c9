//! 积分制 rules without I/O: categories, caps per month or year (Shanghai calendar), what a
//! meeting's attendance earns, balances, reversals and ranks, and the secretary's forms read.

use super::RuleForm;
use crate::error::AppError;
use crate::meetings::rules::{MeetingKind, Presence};
use crate::reviews::rules::Grade;
use crate::shell::time::{days_from_civil, parse_local_datetime, shanghai_year_month};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Category {
    /// 组织生活
    OrgLife,
    /// 志愿服务
    Volunteer,
    /// 学习
    Study,
    /// 先锋作用
    Vanguard,
    /// 扣分
    Deduction,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::OrgLife,
        Category::Volunteer,
        Category::Study,
        Category::Vanguard,
        Category::Deduction,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::OrgLife => "org_life",
            Category::Volunteer => "volunteer",
            Category::Study => "study",
            Category::Vanguard => "vanguard",
            Category::Deduction => "deduction",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Category::OrgLife => "组织生活",
            Category::Volunteer => "志愿服务",
            Category::Study => "学习",
            Category::Vanguard => "先锋作用",
            Category::Deduction => "扣分",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CapPeriod {
    Month,
    Year,
}

impl CapPeriod {
    pub fn as_str(self) -> &'static str {
        match self {
            CapPeriod::Month => "month",
            CapPeriod::Year => "year",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "month" => Some(CapPeriod::Month),
            "year" => Some(CapPeriod::Year),
            _ => None,
        }
    }

    /// The UTC second range `[start, end)` of the Shanghai month or year holding `at`.
    pub fn range(self, at: i64) -> (i64, i64) {
        let (year, month) = shanghai_year_month(at);
        let start_of = |y: i64, m: u32| days_from_civil(y, m, 1) * 86_400 - 8 * 3600;
        match self {
            CapPeriod::Month => {
                let (ny, nm) = if month == 12 {
                    (year + 1, 1)
                } else {
                    (year, month + 1)
                };
                (start_of(year, month), start_of(ny, nm))
            }
            CapPeriod::Year => (start_of(year, 1), start_of(year + 1, 1)),
        }
    }
}

/// What the rule may still give when `already` (signed) was given under it in the cap's
/// period: a cap bounds the size of the total, for awards and deductions alike.
pub fn capped(points: i64, cap: Option<i64>, already: i64) -> i64 {
    match cap {
        None => points,
        Some(cap) => {
            let room = (cap - already.abs()).max(0);
            points.signum() * points.abs().min(room)
        }
    }
}

/// What an automatic rule is keyed to: the source of points it awards by itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AutoSource {
    Attend(MeetingKind),
    Late,
    AbsentWithoutLeave,
    /// A 微心愿 fulfilled and confirmed (the wishes capability calls the hook).
    WishFulfilled,
    /// A 民主评议 result, once the review has closed (the reviews capability calls the hook).
    ReviewResult(Grade),
}

impl AutoSource {
    pub fn key(self) -> String {
        match self {
            AutoSource::Attend(kind) => format!("attend:{}", kind.as_str()),
            AutoSource::Late => "late".into(),
            AutoSource::AbsentWithoutLeave => "absent".into(),
            AutoSource::WishFulfilled => "wish".into(),
            AutoSource::ReviewResult(grade) => format!("review:{}", grade.as_str()),
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "late" => Some(AutoSource::Late),
            "absent" => Some(AutoSource::AbsentWithoutLeave),
            "wish" => Some(AutoSource::WishFulfilled),
            _ => match s.split_once(':')? {
                ("attend", kind) => MeetingKind::parse(kind).map(AutoSource::Attend),
                ("review", grade) => Grade::parse(grade).map(AutoSource::ReviewResult),
                _ => None,
            },
        }
    }
}

/// The automatic sources a member's line on a finished meeting triggers. A 补录 earns
/// nothing (paper never pays); leave neither earns nor costs.
pub fn attendance_sources(kind: MeetingKind, presence: Presence) -> Vec<AutoSource> {
    match presence {
        Presence::OnTime => vec![AutoSource::Attend(kind)],
        Presence::Late => vec![AutoSource::Attend(kind), AutoSource::Late],
        Presence::Absent => vec![AutoSource::AbsentWithoutLeave],
        Presence::Leave | Presence::Corrected => vec![],
    }
}

/// A rule as a branch keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSpec {
    pub name: String,
    pub points: i64,
    pub category: Category,
    pub cap: Option<(CapPeriod, i64)>,
    /// `None` for rules members claim.
    pub auto: Option<AutoSource>,
    /// Off for the optional ones a branch turns on if it wants them.
    pub active: bool,
}

/// The rules of the default catalogue a branch lacks, given the automatic sources of the
/// rules it has (`None` for a claimed rule): all of them for a branch with no rules yet,
/// else the automatic ones it has never had (offered since it started).
pub fn missing_from_catalogue(kept: &[Option<String>]) -> Vec<RuleSpec> {
    let fresh = kept.is_empty();
    default_catalogue()
        .into_iter()
        .filter(|rule| {
            fresh
                || rule
                    .auto
                    .is_some_and(|auto| !kept.contains(&Some(auto.key())))
        })
        .collect()
}

/// The catalogue a branch starts with; the secretary edits it from there.
pub fn default_catalogue() -> Vec<RuleSpec> {
    use MeetingKind::*;
    let rule = |name: &str, points, category, cap, auto| RuleSpec {
        name: name.to_string(),
        points,
        category,
        cap,
        auto,
        active: true,
    };
    // Points for a 民主评议 result are a branch's own choice: offered, off until turned on.
    let review = |grade: Grade, points, category| RuleSpec {
        active: false,
        ..rule(
            &format!("民主评议{}", grade.label_zh()),
            points,
            category,
            None,
            Some(AutoSource::ReviewResult(grade)),
        )
    };
    let attend = |kind: MeetingKind, points| {
        rule(
            &format!("参加{}", kind.label_zh()),
            points,
            Category::OrgLife,
            None,
            Some(AutoSource::Attend(kind)),
        )
    };
    vec![
        attend(GeneralMeeting, 5),
        attend(Committee, 3),
        attend(GroupMeeting, 3),
        attend(PartyLecture, 3),
        attend(ThemeDay, 5),
        attend(OrgLifeMeeting, 5),
        attend(MemberReview, 5),
        rule(
            "会议迟到",
            -1,
            Category::Deduction,
            None,
            Some(AutoSource::Late),
        ),
        rule(
            "无故缺席",
            -3,
            Category::Deduction,
            None,
            Some(AutoSource::AbsentWithoutLeave),
        ),
        rule(
            "完成微心愿",
            5,
            Category::Volunteer,
            Some((CapPeriod::Month, 20)),
            Some(AutoSource::WishFulfilled),
        ),
        review(Grade::Excellent, 10, Category::Vanguard),
        review(Grade::Unqualified, -10, Category::Deduction),
        rule(
            "社区志愿服务（每次）",
            2,
            Category::Volunteer,
            Some((CapPeriod::Month, 10)),
            None,
        ),
        rule(
            "参加理论学习",
            1,
            Category::Study,
            Some((CapPeriod::Month, 5)),
            None,
        ),
        rule(
            "先锋模范事迹",
            5,
            Category::Vanguard,
            Some((CapPeriod::Year, 20)),
            None,
        ),
    ]
}

/// A rule as the secretary saves it from the editor (an automatic rule keeps its source).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInput {
    pub name: String,
    pub points: i64,
    pub category: Category,
    pub cap: Option<(CapPeriod, i64)>,
    pub active: bool,
}

/// The rule editor's form read: an unknown category or cap period, or an empty or garbled
/// number, is the rule's own error. Whether the rule may be saved is the service's to say.
pub fn rule_from_form(form: &RuleForm) -> Result<RuleInput, AppError> {
    let category = Category::parse(&form.category).ok_or(AppError::RuleInvalid)?;
    let cap = match form.cap_period.as_str() {
        "" => None,
        period => Some((
            CapPeriod::parse(period).ok_or(AppError::RuleInvalid)?,
            form.cap_points
                .trim()
                .parse()
                .map_err(|_| AppError::RuleInvalid)?,
        )),
    };
    Ok(RuleInput {
        name: form.name.clone(),
        points: form
            .points
            .trim()
            .parse()
            .map_err(|_| AppError::RuleInvalid)?,
        category,
        cap,
        active: form.active.is_some(),
    })
}

/// A 积分任务 as the secretary publishes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTask {
    pub title: String,
    pub description: String,
    pub points: i64,
    pub places: i64,
    pub deadline: i64,
}

/// The task form read: an empty or garbled number or deadline (`YYYY-MM-DDTHH:MM`,
/// Shanghai) is the task's own error. Whether the task may be published is the service's.
pub fn task_from_form(
    title: String,
    description: String,
    points: &str,
    places: &str,
    deadline: &str,
) -> Result<NewTask, AppError> {
    let number = |text: &str| {
        text.trim()
            .parse::<i64>()
            .map_err(|_| AppError::TaskInvalid)
    };
    let deadline = parse_local_datetime(deadline).ok_or(AppError::TaskInvalid)?;
    Ok(NewTask {
        title,
        description,
        points: number(points)?,
        places: number(places)?,
        deadline,
    })
}

/// How a ledger entry's source reads (来源), on the phone and in the export.
pub fn source_label(source_kind: &str) -> &'static str {
    match source_kind {
        "meeting" => "会议",
        "claim" => "申报",
        "task" => "积分任务",
        "wish" => "微心愿",
        "review" => "民主评议",
        _ => "更正",
    }
}

/// Standard competition rank ("1224"): one more than the number of higher balances.
pub fn rank_of(balances: &[i64], mine: i64) -> usize {
    1 + balances.iter().filter(|&&b| b > mine).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unix seconds of a Shanghai wall-clock time.
    fn shanghai(y: i64, m: u32, d: u32, h: i64) -> i64 {
        days_from_civil(y, m, d) * 86_400 + (h - 8) * 3600
    }

    #[test]
    fn a_branch_lacks_the_whole_catalogue_at_first_and_then_only_automatic_rules_it_never_had() {
        let all = default_catalogue();
        assert_eq!(missing_from_catalogue(&[]).len(), all.len());
        let every_source: Vec<Option<String>> = all
            .iter()
            .map(|rule| rule.auto.map(AutoSource::key))
            .collect();
        assert!(missing_from_catalogue(&every_source).is_empty());
        // A branch with rules of its own and no automatic one: offered the automatic
        // ones, never the claimed defaults again.
        assert!(missing_from_catalogue(&[None]).len() < all.len());
        assert!(missing_from_catalogue(&[None])
            .iter()
            .all(|rule| rule.auto.is_some()));
        let without_late: Vec<Option<String>> = every_source
            .into_iter()
            .filter(|source| source.as_deref() != Some("late"))
            .collect();
        let missing = missing_from_catalogue(&without_late);
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].auto, Some(AutoSource::Late));
    }

    #[test]
    fn caps_stop_exactly_at_the_edge() {
        assert_eq!(capped(2, Some(10), 0), 2);
        assert_eq!(capped(2, Some(10), 8), 2, "reaching the cap is allowed");
        assert_eq!(capped(2, Some(10), 9), 1, "only what is left");
        assert_eq!(capped(2, Some(10), 10), 0);
        assert_eq!(
            capped(2, Some(10), 14),
            0,
            "over the cap after a rule change: nothing"
        );
        assert_eq!(capped(5, None, 1_000), 5);
        assert_eq!(
            capped(-3, Some(6), -5),
            -1,
            "deductions are capped by size too"
        );
        assert_eq!(capped(-3, Some(6), -6), 0);
    }

    #[test]
    fn periods_follow_the_shanghai_calendar() {
        // 2026-11-30 23:30 and 2026-12-01 00:30 in Shanghai: two months.
        let late_november = shanghai(2026, 11, 30, 23) + 1800;
        let early_december = shanghai(2026, 12, 1, 0) + 1800;
        let (start, end) = CapPeriod::Month.range(late_november);
        assert_eq!(start, shanghai(2026, 11, 1, 0));
        assert_eq!(end, shanghai(2026, 12, 1, 0));
        assert!(late_november < end && early_december >= end);
        // December to January crosses the year.
        let (dec_start, dec_end) = CapPeriod::Month.range(shanghai(2026, 12, 31, 23));
        assert_eq!(
            (dec_start, dec_end),
            (shanghai(2026, 12, 1, 0), shanghai(2027, 1, 1, 0))
        );
        let (year_start, year_end) = CapPeriod::Year.range(shanghai(2026, 6, 15, 12));
        assert_eq!(
            (year_start, year_end),
            (shanghai(2026, 1, 1, 0), shanghai(2027, 1, 1, 0))
        );
        // 2026-12-31 17:00 UTC is already 2027 in Shanghai.
        let new_year_utc = days_from_civil(2026, 12, 31) * 86_400 + 17 * 3600;
        assert_eq!(
            CapPeriod::Year.range(new_year_utc).0,
            shanghai(2027, 1, 1, 0)
        );
    }

    #[test]
    fn attendance_earns_and_costs_as_the_rules_say() {
        use MeetingKind::ThemeDay;
        assert_eq!(
            attendance_sources(ThemeDay, Presence::OnTime),
            vec![AutoSource::Attend(ThemeDay)]
        );
        assert_eq!(
            attendance_sources(ThemeDay, Presence::Late),
            vec![AutoSource::Attend(ThemeDay), AutoSource::Late]
        );
        assert_eq!(
            attendance_sources(ThemeDay, Presence::Absent),
            vec![AutoSource::AbsentWithoutLeave]
        );
        assert!(attendance_sources(ThemeDay, Presence::Leave).is_empty());
        assert!(
            attendance_sources(ThemeDay, Presence::Corrected).is_empty(),
            "补录 never earns automatic points"
        );
    }

    #[test]
    fn names_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
        }
        for rule in default_catalogue() {
            if let Some(auto) = rule.auto {
                assert_eq!(AutoSource::parse(&auto.key()), Some(auto));
            }
            assert_eq!(
                rule.points < 0,
                rule.category == Category::Deduction,
                "{}",
                rule.name
            );
        }
        assert_eq!(AutoSource::parse("attend:picnic"), None);
        assert_eq!(AutoSource::parse("review:perfect"), None);
        assert_eq!(
            AutoSource::parse("review:excellent"),
            Some(AutoSource::ReviewResult(Grade::Excellent))
        );
        assert!(
            default_catalogue()
                .iter()
                .filter(|r| matches!(r.auto, Some(AutoSource::ReviewResult(_))))
                .all(|r| !r.active),
            "points for review results are optional: offered switched off"
        );
    }

    #[test]
    fn sources_have_names() {
        assert_eq!(source_label("meeting"), "会议");
        assert_eq!(source_label("task"), "积分任务");
        assert_eq!(source_label("correction"), "更正");
    }

    #[test]
    fn rule_forms_read_as_typed() {
        let form = RuleForm {
            branch_id: "b".into(),
            rule_id: String::new(),
            name: "巡河".into(),
            points: " 2 ".into(),
            category: "volunteer".into(),
            cap_period: "month".into(),
            cap_points: "10".into(),
            active: Some("on".into()),
        };
        assert_eq!(
            rule_from_form(&form),
            Ok(RuleInput {
                name: "巡河".into(),
                points: 2,
                category: Category::Volunteer,
                cap: Some((CapPeriod::Month, 10)),
                active: true,
            })
        );
        let uncapped = RuleForm {
            cap_period: String::new(),
            cap_points: "garbled".into(),
            active: None,
            ..form.clone()
        };
        let rule = rule_from_form(&uncapped).unwrap();
        assert_eq!(
            (rule.cap, rule.active),
            (None, false),
            "no period: no cap read"
        );
        for bad in [
            RuleForm {
                points: String::new(),
                ..form.clone()
            },
            RuleForm {
                points: "2.5".into(),
                ..form.clone()
            },
            RuleForm {
                category: "charity".into(),
                ..form.clone()
            },
            RuleForm {
                cap_period: "week".into(),
                ..form.clone()
            },
            RuleForm {
                cap_points: String::new(),
                ..form.clone()
            },
        ] {
            assert_eq!(rule_from_form(&bad), Err(AppError::RuleInvalid), "{bad:?}");
        }
    }

    #[test]
    fn task_forms_read_as_typed() {
        let task =
            task_from_form("清扫".into(), "楼道".into(), " 3 ", "5", "2026-05-01T09:30").unwrap();
        assert_eq!(
            task,
            NewTask {
                title: "清扫".into(),
                description: "楼道".into(),
                points: 3,
                places: 5,
                deadline: shanghai(2026, 5, 1, 9) + 1800,
            }
        );
        for (points, places, deadline) in [
            ("", "5", "2026-05-01T09:30"),
            ("3", "five", "2026-05-01T09:30"),
            ("3", "5", ""),
            ("3", "5", "2026-05-01"),
        ] {
            assert_eq!(
                task_from_form(String::new(), String::new(), points, places, deadline),
                Err(AppError::TaskInvalid)
            );
        }
    }

    #[test]
    fn ranks_share_places() {
        let balances = [30, 20, 20, 10];
        assert_eq!(rank_of(&balances, 30), 1);
        assert_eq!(rank_of(&balances, 20), 2);
        assert_eq!(rank_of(&balances, 10), 4);
        assert_eq!(rank_of(&[], 0), 1);
    }
}

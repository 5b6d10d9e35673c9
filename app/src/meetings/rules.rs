//! 三会一课 rules: meeting kinds and their required frequencies (《中国共产党支部工作条例
//! （试行）》), the attendance sheet's arithmetic, the compliance calendar, and the
//! secretary's forms read.

use crate::error::AppError;
use crate::i18n::Msg;
use crate::shell::time::{parse_local_datetime, shanghai_year_month};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MeetingKind {
    /// 支部党员大会
    GeneralMeeting,
    /// 支部委员会会议
    Committee,
    /// 党小组会
    GroupMeeting,
    /// 党课
    PartyLecture,
    /// 主题党日
    ThemeDay,
    /// 组织生活会
    OrgLifeMeeting,
    /// 民主评议党员
    MemberReview,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Period {
    Month,
    Quarter,
    Year,
}

impl MeetingKind {
    pub const ALL: [MeetingKind; 7] = [
        MeetingKind::GeneralMeeting,
        MeetingKind::Committee,
        MeetingKind::GroupMeeting,
        MeetingKind::PartyLecture,
        MeetingKind::ThemeDay,
        MeetingKind::OrgLifeMeeting,
        MeetingKind::MemberReview,
    ];

    pub fn as_str(self) -> &'static str {
        use MeetingKind::*;
        match self {
            GeneralMeeting => "general_meeting",
            Committee => "committee",
            GroupMeeting => "group_meeting",
            PartyLecture => "party_lecture",
            ThemeDay => "theme_day",
            OrgLifeMeeting => "org_life_meeting",
            MemberReview => "member_review",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        MeetingKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The minimum the compliance calendar checks; 党小组会 is counted per group.
    pub fn requirement(self) -> (Period, u32) {
        use MeetingKind::*;
        match self {
            GeneralMeeting | PartyLecture => (Period::Quarter, 1),
            Committee | GroupMeeting | ThemeDay => (Period::Month, 1),
            OrgLifeMeeting | MemberReview => (Period::Year, 1),
        }
    }

    pub fn label_zh(self) -> &'static str {
        use MeetingKind::*;
        match self {
            GeneralMeeting => "支部党员大会",
            Committee => "支部委员会会议",
            GroupMeeting => "党小组会",
            PartyLecture => "党课",
            ThemeDay => "主题党日",
            OrgLifeMeeting => "组织生活会",
            MemberReview => "民主评议党员",
        }
    }
}

/// A meeting that took place, as the calendar needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldMeeting {
    pub kind: MeetingKind,
    pub starts_at: i64,
    /// The group of a 党小组会.
    pub group_id: Option<String>,
    /// 补记: scheduled only after it had started, with a reason.
    pub recorded_later: bool,
}

/// One cell of the calendar: a kind in one period (and, for 党小组会, one group).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodCheck {
    pub kind: MeetingKind,
    pub group_id: Option<String>,
    /// 1–12 for months, 1–4 for quarters, 0 for the year.
    pub period: u32,
    pub held: u32,
    /// Of `held`, how many were recorded only afterwards (补记): they count, and show so.
    #[serde(default)]
    pub recorded_later: u32,
    pub required: u32,
}

impl PeriodCheck {
    pub fn short(&self) -> bool {
        self.held < self.required
    }
}

fn period_index(period: Period, month: u32) -> u32 {
    match period {
        Period::Month => month,
        Period::Quarter => (month - 1) / 3 + 1,
        Period::Year => 0,
    }
}

/// Every required (kind, period[, group]) of `year`, up to and including `until_month`
/// (months not yet over are not judged), with how many meetings were held.
pub fn compliance(
    year: i64,
    until_month: u32,
    meetings: &[HeldMeeting],
    groups: &[String],
) -> Vec<PeriodCheck> {
    let mut checks = Vec::new();
    for kind in MeetingKind::ALL {
        let (period, required) = kind.requirement();
        let periods: Vec<u32> = match period {
            Period::Month => (1..=until_month.min(12)).collect(),
            Period::Quarter => (1..=4).filter(|q| q * 3 <= until_month).collect(),
            Period::Year => {
                if until_month >= 12 {
                    vec![0]
                } else {
                    vec![]
                }
            }
        };
        let scopes: Vec<Option<String>> = if kind == MeetingKind::GroupMeeting {
            groups.iter().cloned().map(Some).collect()
        } else {
            vec![None]
        };
        for scope in &scopes {
            for &p in &periods {
                let in_cell: Vec<&HeldMeeting> = meetings
                    .iter()
                    .filter(|m| m.kind == kind && (scope.is_none() || m.group_id == *scope))
                    .filter(|m| {
                        let (y, month) = shanghai_year_month(m.starts_at);
                        y == year && period_index(period, month) == p
                    })
                    .collect();
                checks.push(PeriodCheck {
                    kind,
                    group_id: scope.clone(),
                    period: p,
                    held: in_cell.len() as u32,
                    recorded_later: in_cell.iter().filter(|m| m.recorded_later).count() as u32,
                    required,
                });
            }
        }
    }
    checks
}

/// What turns red on the calendar when `month` ends, unless it is held by then: this month's
/// monthly meetings, the quarter's at its last month, the year's in December.
pub fn due_this_month(
    year: i64,
    month: u32,
    meetings: &[HeldMeeting],
    groups: &[String],
) -> Vec<PeriodCheck> {
    compliance(year, 12, meetings, groups)
        .into_iter()
        .filter(|c| c.short())
        .filter(|c| match c.kind.requirement().0 {
            Period::Month => c.period == month,
            Period::Quarter => month.is_multiple_of(3) && c.period == month / 3,
            Period::Year => month == 12,
        })
        .collect()
}

/// Months (1–12) in which anything required fell short: the calendar paints them red.
/// A quarter or year that fell short paints its last month.
pub fn short_months(checks: &[PeriodCheck]) -> Vec<u32> {
    let mut months: Vec<u32> = checks
        .iter()
        .filter(|c| c.short())
        .map(|c| match c.kind.requirement().0 {
            Period::Month => c.period,
            Period::Quarter => c.period * 3,
            Period::Year => 12,
        })
        .collect();
    months.sort_unstable();
    months.dedup();
    months
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Presence {
    OnTime,
    Late,
    /// Approved leave (请假).
    Leave,
    Absent,
    /// 补录: a secretary's correction; counts as present, never earns automatic points.
    Corrected,
}

impl Presence {
    pub const ALL: [Presence; 5] = [
        Presence::OnTime,
        Presence::Late,
        Presence::Leave,
        Presence::Absent,
        Presence::Corrected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Presence::OnTime => "on_time",
            Presence::Late => "late",
            Presence::Leave => "leave",
            Presence::Absent => "absent",
            Presence::Corrected => "corrected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Presence::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// 实到 counts on time, late and 补录.
    pub fn is_present(self) -> bool {
        matches!(
            self,
            Presence::OnTime | Presence::Late | Presence::Corrected
        )
    }
}

/// What a line's presence is called: on the pages, and in Chinese in the CSV export.
pub fn presence_label(presence: Presence) -> Msg {
    match presence {
        Presence::OnTime => Msg::PresenceOnTime,
        Presence::Late => Msg::PresenceLate,
        Presence::Leave => Msg::PresenceLeave,
        Presence::Absent => Msg::PresenceAbsent,
        Presence::Corrected => Msg::PresenceCorrected,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetLine {
    /// `None` while the meeting runs and the member has not checked in yet.
    pub presence: Option<Presence>,
    /// 正式党员 (may vote) or 预备党员.
    pub voting: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetTotals {
    /// 应到
    pub expected: u32,
    /// 实到 (on time, late and corrected)
    pub present: u32,
    pub late: u32,
    pub leave: u32,
    pub absent: u32,
    pub corrected: u32,
    /// Not checked in yet, the meeting still running.
    pub awaiting: u32,
    pub voting_expected: u32,
    pub voting_present: u32,
}

impl SheetTotals {
    /// A 支部党员大会 decides only when more than half of the voting members are present.
    pub fn has_quorum(&self) -> bool {
        self.voting_present * 2 > self.voting_expected
    }
}

/// Totals of a sheet whose lines are the members expected when the meeting started.
pub fn totals(lines: &[SheetLine]) -> SheetTotals {
    let mut t = SheetTotals::default();
    for line in lines {
        t.expected += 1;
        t.voting_expected += u32::from(line.voting);
        let present = line.presence.is_some_and(Presence::is_present);
        t.present += u32::from(present);
        t.voting_present += u32::from(present && line.voting);
        match line.presence {
            Some(Presence::Late) => t.late += 1,
            Some(Presence::Leave) => t.leave += 1,
            Some(Presence::Absent) => t.absent += 1,
            Some(Presence::Corrected) => t.corrected += 1,
            Some(Presence::OnTime) => {}
            None => t.awaiting += 1,
        }
    }
    t
}

pub const REASON_MAX: usize = 200;
pub const MINUTES_MAX: usize = 20_000;

/// Cancellations, edits, refusals and 补录 always carry a reason.
pub fn normalize_reason(reason: &str) -> Result<String, crate::error::AppError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > REASON_MAX {
        return Err(crate::error::AppError::ReasonRequired);
    }
    Ok(reason.to_string())
}

/// What a schedule or an edit sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub title: String,
    pub agenda: String,
    pub place: String,
    pub starts_at: i64,
    pub ends_at: i64,
}

/// The schedule or edit form read: a start or end that is not `YYYY-MM-DDTHH:MM`
/// (Shanghai) is the times' own error. Whether the plan may be saved is the service's.
pub fn plan_from_form(
    title: String,
    agenda: String,
    place: String,
    starts_at: &str,
    ends_at: &str,
) -> Result<Plan, AppError> {
    let starts_at = parse_local_datetime(starts_at).ok_or(AppError::MeetingTimes)?;
    let ends_at = parse_local_datetime(ends_at).ok_or(AppError::MeetingTimes)?;
    Ok(Plan {
        title,
        agenda,
        place,
        starts_at,
        ends_at,
    })
}

/// A leave decision as sent: `approve` (true) or `refuse` (false).
pub fn leave_decision(decision: &str) -> Result<bool, AppError> {
    match decision {
        "approve" => Ok(true),
        "refuse" => Ok(false),
        _ => Err(AppError::BadPayload),
    }
}

/// 请假 of a kind (DESIGN: 病假, 事假, 公假).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeaveKind {
    Sick,
    Personal,
    Official,
}

impl LeaveKind {
    pub const ALL: [LeaveKind; 3] = [LeaveKind::Sick, LeaveKind::Personal, LeaveKind::Official];

    pub fn as_str(self) -> &'static str {
        match self {
            LeaveKind::Sick => "sick",
            LeaveKind::Personal => "personal",
            LeaveKind::Official => "official",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        LeaveKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            LeaveKind::Sick => "病假",
            LeaveKind::Personal => "事假",
            LeaveKind::Official => "公假",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeaveStatus {
    Pending,
    Approved,
    Refused,
}

impl LeaveStatus {
    pub const ALL: [LeaveStatus; 3] = [
        LeaveStatus::Pending,
        LeaveStatus::Approved,
        LeaveStatus::Refused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LeaveStatus::Pending => "pending",
            LeaveStatus::Approved => "approved",
            LeaveStatus::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        LeaveStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A member's line on the sheet. Being there wins over leave (someone on leave who came
/// anyway was present); approved leave is 请假; nothing else is 缺席 once the meeting is
/// over, and still open while it runs.
pub fn line_presence(
    recorded: Option<Presence>,
    leave: Option<LeaveStatus>,
    ended: bool,
) -> Option<Presence> {
    match recorded {
        Some(p) if p.is_present() => Some(p),
        _ if leave == Some(LeaveStatus::Approved) => Some(Presence::Leave),
        _ if ended => Some(Presence::Absent),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 10:00 Shanghai on the given day of 2026.
    fn at(month: u32, day: u32) -> i64 {
        let days_before = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
        let day_of_year = days_before[(month - 1) as usize] + day as i64 - 1;
        // 2026-01-01T00:00:00Z is 1767225600.
        1_767_225_600 + day_of_year * 86_400 + 2 * 3600
    }

    fn held(kind: MeetingKind, month: u32, group: Option<&str>) -> HeldMeeting {
        HeldMeeting {
            kind,
            starts_at: at(month, 10),
            group_id: group.map(str::to_string),
            recorded_later: false,
        }
    }

    #[test]
    fn what_turns_red_when_the_month_ends() {
        let groups = vec!["g1".to_string(), "g2".to_string()];
        let held = vec![
            held(MeetingKind::Committee, 6, None),
            held(MeetingKind::GroupMeeting, 6, Some("g1")),
            held(MeetingKind::PartyLecture, 4, None),
        ];
        let due = |month| {
            due_this_month(2026, month, &held, &groups)
                .into_iter()
                .map(|c| (c.kind, c.group_id))
                .collect::<Vec<_>>()
        };
        // June ends the second quarter: its 党员大会 is due, its 党课 was held in April.
        assert_eq!(
            due(6),
            vec![
                (MeetingKind::GeneralMeeting, None),
                (MeetingKind::GroupMeeting, Some("g2".to_string())),
                (MeetingKind::ThemeDay, None),
            ]
        );
        // May: only the monthly ones, nothing of the quarter yet.
        assert_eq!(due(5).len(), 4, "支委会, two 党小组会, 主题党日");
        // December adds the year's.
        assert!(due(12).contains(&(MeetingKind::OrgLifeMeeting, None)));
        assert!(!due(11).contains(&(MeetingKind::OrgLifeMeeting, None)));
    }

    #[test]
    fn a_meeting_recorded_afterwards_counts_and_says_so() {
        let mut late = held(MeetingKind::Committee, 3, None);
        late.recorded_later = true;
        let checks = compliance(2026, 6, &[late, held(MeetingKind::Committee, 4, None)], &[]);
        let cell = |month| {
            checks
                .iter()
                .find(|c| c.kind == MeetingKind::Committee && c.period == month)
                .unwrap()
        };
        assert_eq!((cell(3).held, cell(3).recorded_later), (1, 1));
        assert_eq!((cell(4).held, cell(4).recorded_later), (1, 0));
        assert!(!cell(3).short());
    }

    #[test]
    fn kinds_round_trip() {
        for kind in MeetingKind::ALL {
            assert_eq!(MeetingKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(MeetingKind::parse("picnic"), None);
    }

    #[test]
    fn requirements_follow_the_regulations() {
        assert_eq!(
            MeetingKind::GeneralMeeting.requirement(),
            (Period::Quarter, 1)
        );
        assert_eq!(MeetingKind::Committee.requirement(), (Period::Month, 1));
        assert_eq!(MeetingKind::ThemeDay.requirement(), (Period::Month, 1));
        assert_eq!(MeetingKind::MemberReview.requirement(), (Period::Year, 1));
    }

    #[test]
    fn a_month_without_a_committee_meeting_turns_red() {
        let groups = vec!["g1".to_string()];
        let mut meetings = Vec::new();
        for month in 1..=3 {
            meetings.push(held(MeetingKind::GroupMeeting, month, Some("g1")));
            meetings.push(held(MeetingKind::ThemeDay, month, None));
            if month != 2 {
                meetings.push(held(MeetingKind::Committee, month, None));
            }
        }
        meetings.push(held(MeetingKind::GeneralMeeting, 3, None));
        meetings.push(held(MeetingKind::PartyLecture, 1, None));
        let checks = compliance(2026, 3, &meetings, &groups);
        assert_eq!(short_months(&checks), vec![2]);
        let feb = checks
            .iter()
            .find(|c| c.kind == MeetingKind::Committee && c.period == 2)
            .unwrap();
        assert_eq!((feb.held, feb.required), (0, 1));
    }

    #[test]
    fn group_meetings_are_required_of_every_group() {
        let groups = vec!["g1".to_string(), "g2".to_string()];
        let meetings = vec![held(MeetingKind::GroupMeeting, 1, Some("g1"))];
        let checks = compliance(2026, 1, &meetings, &groups);
        let group_checks: Vec<_> = checks
            .iter()
            .filter(|c| c.kind == MeetingKind::GroupMeeting)
            .collect();
        assert_eq!(group_checks.len(), 2);
        assert!(group_checks
            .iter()
            .any(|c| c.group_id.as_deref() == Some("g2") && c.short()));
        assert!(group_checks
            .iter()
            .any(|c| c.group_id.as_deref() == Some("g1") && !c.short()));
    }

    #[test]
    fn quarters_and_years_are_judged_once_over() {
        let checks = compliance(2026, 2, &[], &[]);
        assert!(
            checks
                .iter()
                .all(|c| c.kind.requirement().0 == Period::Month),
            "no quarter ends by February"
        );
        let checks = compliance(2026, 12, &[], &[]);
        assert!(checks
            .iter()
            .any(|c| c.kind == MeetingKind::MemberReview && c.period == 0 && c.short()));
        assert_eq!(short_months(&checks), (1..=12).collect::<Vec<_>>());
    }

    #[test]
    fn periods_are_counted_in_shanghai_time() {
        // 31 March 17:00 UTC is already 1 April in Shanghai: a second-quarter meeting.
        let april_in_shanghai = at(3, 31) + 15 * 3600;
        let meetings = vec![HeldMeeting {
            kind: MeetingKind::GeneralMeeting,
            starts_at: april_in_shanghai,
            group_id: None,
            recorded_later: false,
        }];
        let checks = compliance(2026, 6, &meetings, &[]);
        let q = |n| {
            checks
                .iter()
                .find(|c| c.kind == MeetingKind::GeneralMeeting && c.period == n)
                .unwrap()
                .held
        };
        assert_eq!((q(1), q(2)), (0, 1));
    }

    #[test]
    fn sheet_totals_and_quorum() {
        use Presence::*;
        let line = |presence, voting| SheetLine {
            presence: Some(presence),
            voting,
        };
        let lines = [
            line(OnTime, true),
            line(Late, true),
            line(Corrected, true),
            line(Leave, true),
            line(Absent, true),
            line(OnTime, false),
        ];
        let t = totals(&lines);
        assert_eq!(
            (
                t.expected,
                t.present,
                t.late,
                t.leave,
                t.absent,
                t.corrected
            ),
            (6, 4, 1, 1, 1, 1)
        );
        assert_eq!((t.voting_expected, t.voting_present), (5, 3));
        assert!(t.has_quorum(), "3 of 5 voting members");
        let half = totals(&[line(OnTime, true), line(Absent, true)]);
        assert!(!half.has_quorum(), "exactly half is not more than half");
        let probationary_only = totals(&[line(OnTime, false), line(Absent, true)]);
        assert!(
            !probationary_only.has_quorum(),
            "预备党员 do not count towards the quorum"
        );
        assert_eq!(totals(&[]), SheetTotals::default());
        let running = totals(&[
            SheetLine {
                presence: None,
                voting: true,
            },
            line(OnTime, true),
        ]);
        assert_eq!((running.awaiting, running.present), (1, 1));
    }

    #[test]
    fn presence_of_a_line() {
        use LeaveStatus::*;
        use Presence::*;
        assert_eq!(line_presence(Some(Late), Some(Approved), true), Some(Late));
        assert_eq!(line_presence(None, Some(Approved), false), Some(Leave));
        assert_eq!(line_presence(None, Some(Approved), true), Some(Leave));
        assert_eq!(line_presence(None, Some(Refused), true), Some(Absent));
        assert_eq!(line_presence(None, Some(Pending), true), Some(Absent));
        assert_eq!(line_presence(None, Some(Pending), false), None);
        assert_eq!(line_presence(None, None, false), None);
        assert_eq!(line_presence(Some(Corrected), None, true), Some(Corrected));
    }

    #[test]
    fn reasons_are_required_and_bounded() {
        use crate::error::AppError;
        assert_eq!(normalize_reason("  手机没电 "), Ok("手机没电".into()));
        assert_eq!(normalize_reason(" \n "), Err(AppError::ReasonRequired));
        assert!(normalize_reason(&"因".repeat(REASON_MAX)).is_ok());
        assert_eq!(
            normalize_reason(&"因".repeat(REASON_MAX + 1)),
            Err(AppError::ReasonRequired)
        );
    }

    #[test]
    fn schedule_forms_are_read_in_shanghai_time() {
        let plan = plan_from_form(
            "支部党员大会".into(),
            "议程".into(),
            "会议室".into(),
            "2026-01-01T08:00",
            " 2026-01-01T09:30 ",
        );
        assert_eq!(
            plan,
            Ok(Plan {
                title: "支部党员大会".into(),
                agenda: "议程".into(),
                place: "会议室".into(),
                // 2026-01-01T00:00:00Z is 1767225600; 08:00 Shanghai is midnight UTC.
                starts_at: 1_767_225_600,
                ends_at: 1_767_225_600 + 5400,
            })
        );
        for (starts, ends) in [
            ("", "2026-01-01T09:30"),
            ("2026-01-01T08:00", "tomorrow"),
            ("2026-01-01", "2026-01-01T09:30"),
            ("2026-13-01T08:00", "2026-01-01T09:30"),
        ] {
            assert_eq!(
                plan_from_form(String::new(), String::new(), String::new(), starts, ends),
                Err(AppError::MeetingTimes),
                "{starts} – {ends}"
            );
        }
    }

    #[test]
    fn leave_decisions_are_approve_or_refuse() {
        assert_eq!(leave_decision("approve"), Ok(true));
        assert_eq!(leave_decision("refuse"), Ok(false));
        for other in ["", "Approve", " approve", "reject"] {
            assert_eq!(leave_decision(other), Err(AppError::BadPayload));
        }
    }

    #[test]
    fn leave_names_round_trip() {
        for kind in LeaveKind::ALL {
            assert_eq!(LeaveKind::parse(kind.as_str()), Some(kind));
        }
        for status in LeaveStatus::ALL {
            assert_eq!(LeaveStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(LeaveKind::parse("holiday"), None);
    }
}

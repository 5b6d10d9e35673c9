//! A year in the life of the demo's first branch, so a visitor sees what the app does without
//! doing everything by hand: meetings of every kind on the required rhythm with a few months
//! missed; attendance with 准时, 迟到, each kind of 请假, 缺席, 补录 and 离线签到; minutes and a
//! scanned sheet; the ledger those give, claims approved, waiting and refused, an open task,
//! a reversal; wishes in every state; and a meeting today whose check-in is open.
//!
//! Deterministic: the same choices every time (a fixed sequence), dated back from the day it
//! runs. Written straight into the tables, as the app would have over the year.

use app::db::{Conn, Pool};
use app::meetings::checkin::{slot_of, slot_start};
use app::meetings::rules::MeetingKind;
use app::shell::time::{days_from_civil, shanghai_year_month};
use app::state::{new_id, now, random_hex32};
use app::uploads::photos::Photos;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A fixed sequence standing in for chance (splitmix64).
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % sides
    }
}

/// UTC seconds of a Shanghai wall-clock time.
fn shanghai(year: i64, month: u32, day: u32, hour: i64, minute: i64) -> i64 {
    days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 - 8 * 3600
}

/// `back` months before (year, month).
fn months_back(year: i64, month: u32, back: u32) -> (i64, u32) {
    let index = year * 12 + i64::from(month) - 1 - i64::from(back);
    (index.div_euclid(12), (index.rem_euclid(12) + 1) as u32)
}

struct Person {
    id: String,
    phone: String,
    voting: bool,
}

struct Branch {
    id: String,
    secretary: String,
    members: Vec<Person>,
    groups: Vec<(String, Vec<String>)>,
}

async fn branch(pool: &Pool, name: &str) -> Result<Branch, BoxError> {
    let id: String = app::db::query_scalar("SELECT id FROM orgs WHERE name = ?")
        .bind(name)
        .fetch_one(pool)
        .await?;
    let secretary: String = app::db::query_scalar(
        "SELECT user_id FROM memberships WHERE org_id = ? AND role = 'secretary' LIMIT 1",
    )
    .bind(&id)
    .fetch_one(pool)
    .await?;
    let members = app::db::query_as::<(String, String, bool)>(
        "SELECT u.id, u.phone, u.party_status = 'full' FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.org_id = ? AND m.role = 'member' ORDER BY u.phone",
    )
    .bind(&id)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|(id, phone, voting)| Person { id, phone, voting })
    .collect();
    let mut groups = Vec::new();
    let group_ids: Vec<String> = app::db::query_scalar(
        "SELECT id FROM orgs WHERE parent_id = ? AND kind = 'group' ORDER BY name",
    )
    .bind(&id)
    .fetch_all(pool)
    .await?;
    for group in group_ids {
        let people: Vec<String> = app::db::query_scalar(
            "SELECT user_id FROM memberships WHERE org_id = ? AND role = 'member'",
        )
        .bind(&group)
        .fetch_all(pool)
        .await?;
        groups.push((group, people));
    }
    Ok(Branch {
        id,
        secretary,
        members,
        groups,
    })
}

/// One meeting of the plan.
struct Planned {
    kind: MeetingKind,
    org: String,
    title: String,
    place: &'static str,
    starts_at: i64,
    minutes: u32,
    /// Who it expects: the org's members, or for a 支委会 the committee.
    audience: Vec<String>,
}

const LEAVE_REASONS: [(&str, &str); 3] = [
    ("sick", "感冒发烧，在家休息"),
    ("personal", "孩子学校开家长会"),
    ("official", "单位安排外出培训"),
];

/// The year of meetings of the first branch, month by month back from this one.
fn plan(branch: &Branch, year: i64, month: u32) -> Vec<Planned> {
    let everyone: Vec<String> = branch.members.iter().map(|p| p.id.clone()).collect();
    let mut plan = Vec::new();
    for back in (0..12).rev() {
        let (y, m) = months_back(year, month, back);
        let at = |day, hour, minute| shanghai(y, m, day, hour, minute);
        // Missed months, so the calendar shows what red means.
        if back != 4 && back != 9 {
            plan.push(Planned {
                kind: MeetingKind::Committee,
                org: branch.id.clone(),
                title: format!("{m}月支委会：研究本月党建工作"),
                place: "党群服务中心会议室",
                starts_at: at(5, 19, 0),
                minutes: 90,
                audience: vec![branch.secretary.clone()],
            });
        }
        if back != 7 {
            plan.push(Planned {
                kind: MeetingKind::ThemeDay,
                org: branch.id.clone(),
                title: format!("{m}月主题党日：志愿服务进社区"),
                place: "幸福里社区广场",
                starts_at: at(15, 9, 0),
                minutes: 120,
                audience: everyone.clone(),
            });
        }
        for (n, (group, people)) in branch.groups.iter().enumerate() {
            if n == 1 && back == 6 {
                continue;
            }
            plan.push(Planned {
                kind: MeetingKind::GroupMeeting,
                org: group.clone(),
                title: format!("{m}月党小组学习"),
                place: "党员活动室",
                starts_at: at(20 + 2 * n as u32, 19, 30),
                minutes: 60,
                audience: people.clone(),
            });
        }
        if m % 3 == 2 {
            plan.push(Planned {
                kind: MeetingKind::PartyLecture,
                org: branch.id.clone(),
                title: "党课：学习党章，做合格党员".into(),
                place: "党群服务中心会议室",
                starts_at: at(10, 14, 30),
                minutes: 90,
                audience: everyone.clone(),
            });
        }
        if m % 3 == 0 {
            plan.push(Planned {
                kind: MeetingKind::GeneralMeeting,
                org: branch.id.clone(),
                title: format!("第{}季度支部党员大会", m / 3),
                place: "党群服务中心会议室",
                starts_at: at(25, 14, 0),
                minutes: 120,
                audience: everyone.clone(),
            });
        }
        if m == 1 {
            plan.push(Planned {
                kind: MeetingKind::OrgLifeMeeting,
                org: branch.id.clone(),
                title: format!("{}年度组织生活会", y - 1),
                place: "党群服务中心会议室",
                starts_at: at(18, 14, 0),
                minutes: 180,
                audience: everyone.clone(),
            });
            plan.push(Planned {
                kind: MeetingKind::MemberReview,
                org: branch.id.clone(),
                title: format!("{}年度民主评议党员", y - 1),
                place: "党群服务中心会议室",
                starts_at: at(19, 14, 0),
                minutes: 120,
                audience: everyone.clone(),
            });
        }
    }
    plan
}

/// Whether the demo's year is there (a start that failed half-way comes back for it).
pub async fn has_history(pool: &Pool) -> Result<bool, BoxError> {
    let found: Option<bool> = app::db::query_scalar(
        "SELECT TRUE FROM meetings m JOIN orgs o ON o.id = m.org_id
         WHERE o.name = '幸福里社区第一党支部' AND m.frozen_at IS NOT NULL LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    Ok(found.is_some())
}

/// Adds the lived-in year to a freshly seeded demo (see [`crate::seed::seed_demo`]).
pub async fn seed_history(pool: &Pool, uploads: &Photos) -> Result<(), BoxError> {
    let first = branch(pool, "幸福里社区第一党支部").await?;
    let at = now();
    let (year, month) = shanghai_year_month(at);
    let mut dice = Dice(2024);
    let mut tx = pool.begin().await?;
    app::points::service::ensure_catalogue(&mut tx, &first.id).await?;
    let plan = plan(&first, year, month);
    let mut theme_days = Vec::new();
    for planned in &plan {
        let ends_at = planned.starts_at + i64::from(planned.minutes) * 60;
        if ends_at < at {
            let id = held(&mut tx, &first, planned, &mut dice).await?;
            if planned.kind == MeetingKind::ThemeDay {
                theme_days.push(id);
            }
        } else if planned.starts_at > at + 3600 {
            upcoming(&mut tx, planned).await?;
        }
    }
    // What comes next month, whatever day of this one it is.
    let (next_year, next_month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    let everyone: Vec<String> = first.members.iter().map(|p| p.id.clone()).collect();
    for planned in [
        Planned {
            kind: MeetingKind::Committee,
            org: first.id.clone(),
            title: format!("{next_month}月支委会：研究年终考核"),
            place: "党群服务中心会议室",
            starts_at: shanghai(next_year, next_month, 5, 19, 0),
            minutes: 90,
            audience: vec![first.secretary.clone()],
        },
        Planned {
            kind: MeetingKind::ThemeDay,
            org: first.id.clone(),
            title: format!("{next_month}月主题党日：重温入党誓词"),
            place: "幸福里社区党群服务中心",
            starts_at: shanghai(next_year, next_month, 15, 9, 0),
            minutes: 120,
            audience: everyone,
        },
    ] {
        upcoming(&mut tx, &planned).await?;
    }
    if let Some(last) = theme_days.last() {
        sheet_and_photo(&mut tx, uploads, last, &first.secretary).await?;
    }
    ledger(&mut tx, &first, &mut dice).await?;
    leave_for_what_comes(&mut tx, &first).await?;
    wishes(&mut tx, &first, uploads).await?;
    tx.commit().await?;
    live_meeting(pool).await?;
    stars(pool, year).await?;
    Ok(())
}

/// Last year's star ratings, given in January (the first branch a 头雁, the second held back
/// by its meetings), and the first branch's self-assessment of this year, waiting for the
/// 党委.
async fn stars(pool: &Pool, year: i64) -> Result<(), BoxError> {
    use app::stars::rules::{outcome, Mark, Marks};
    let (template_id, body): (String, String) = app::db::query_as(
        "SELECT t.id, t.body FROM star_templates t JOIN orgs o ON o.id = t.committee_id
         WHERE o.name = ? ORDER BY t.created_at DESC LIMIT 1",
    )
    .bind(crate::seed::DEMO_COMMITTEE)
    .fetch_one(pool)
    .await?;
    let template: app::stars::rules::Template = serde_json::from_str(&body)?;
    let admin: String = app::db::query_scalar(
        "SELECT m.user_id FROM memberships m JOIN orgs o ON o.id = m.org_id
         WHERE o.name = ? AND m.role = 'admin' LIMIT 1",
    )
    .bind(crate::seed::DEMO_COMMITTEE)
    .fetch_one(pool)
    .await?;
    let first = branch(pool, "幸福里社区第一党支部").await?;
    let second = branch(pool, "幸福里社区第二党支部").await?;
    let mark = |value: i64, note: &str| Mark {
        value,
        note: note.to_string(),
    };
    // Each task's share of its maximum, in percent.
    let marks = |basics: [i64; 5], share: i64, highlights: i64, notes: [&str; 5]| Marks {
        basics: basics
            .iter()
            .zip(notes)
            .map(|(v, note)| mark(*v, note))
            .collect(),
        features: template
            .features
            .iter()
            .map(|f| mark(f.max_points * share / 100, ""))
            .collect(),
        highlights: mark(highlights, ""),
    };
    let january = shanghai(year, 1, 20, 10, 0);
    let given = [
        (
            &first.id,
            year - 1,
            "rating",
            marks([1; 5], 70, 6, [""; 5]),
            "三会一课规范，服务群众有特色，评为坚强堡垒。",
            &admin,
            january,
        ),
        (
            &second.id,
            year - 1,
            "rating",
            marks(
                [1, 1, 1, 0, 1],
                60,
                0,
                ["", "", "", "3 个月未开主题党日，组织生活会未按时召开", ""],
            ),
            "基本活动未达标，列入转化，由党工委委员包联整改。",
            &admin,
            january,
        ),
        (
            &first.id,
            year,
            "self",
            marks(
                [1; 5],
                80,
                8,
                [
                    "",
                    "",
                    "",
                    "全年主题党日按月开展，会议均有记录，见三会一课日历",
                    "",
                ],
            ),
            "对照标准逐项自查，特色亮点为“红色物业”议事会。",
            &first.secretary,
            now() - 3 * 86_400,
        ),
    ];
    for (branch_id, year, kind, marks, comment, by, at) in given {
        let result = outcome(&marks);
        app::db::query(
            "INSERT INTO star_assessments (id, branch_id, year, kind, template_id, marks, comment,
                                           stars, blocked_by, created_by, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(new_id())
        .bind(branch_id)
        .bind(year)
        .bind(kind)
        .bind(&template_id)
        .bind(serde_json::to_string(&marks)?)
        .bind(comment)
        .bind(i64::from(result.stars))
        .bind(result.failed.first().map(|b| b.as_str()))
        .bind(by)
        .bind(at)
        .execute(pool)
        .await?;
    }
    Ok(())
}

async fn insert_meeting(
    conn: &mut Conn,
    planned: &Planned,
    created_at: i64,
) -> Result<String, BoxError> {
    let id = new_id();
    app::db::query(
        "INSERT INTO meetings (id, org_id, kind, title, agenda, place, starts_at, ends_at, audience,
             secret, created_by, created_at)
         SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, m.user_id, ?
         FROM memberships m WHERE m.org_id IN (?, (SELECT parent_id FROM orgs WHERE id = ?))
           AND m.role = 'secretary' LIMIT 1",
    )
    .bind(&id)
    .bind(&planned.org)
    .bind(planned.kind.as_str())
    .bind(&planned.title)
    .bind("一、学习上级文件精神\n二、通报近期工作\n三、讨论下一步安排")
    .bind(planned.place)
    .bind(planned.starts_at)
    .bind(planned.starts_at + i64::from(planned.minutes) * 60)
    .bind(if planned.kind == MeetingKind::Committee {
        "committee"
    } else {
        "members"
    })
    .bind(random_hex32())
    .bind(created_at)
    .bind(&planned.org)
    .bind(&planned.org)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// A meeting that took place: 应到 frozen at its start, everyone's line, minutes, and the
/// points given when it ended.
async fn held(
    conn: &mut Conn,
    branch: &Branch,
    planned: &Planned,
    dice: &mut Dice,
) -> Result<String, BoxError> {
    let starts = planned.starts_at;
    let ends = starts + i64::from(planned.minutes) * 60;
    let id = insert_meeting(conn, planned, starts - 5 * 86_400).await?;
    app::db::query("UPDATE meetings SET frozen_at = ?, minutes = ? WHERE id = ?")
        .bind(starts)
        .bind(format!(
            "{}\n\n应到、实到见签到表。会议传达了上级精神，与会党员逐一发言，形成三项工作安排。",
            planned.title
        ))
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    for (n, user) in planned.audience.iter().enumerate() {
        let voting = branch
            .members
            .iter()
            .find(|p| &p.id == user)
            .is_none_or(|p| p.voting);
        app::db::query(
            "INSERT INTO meeting_expected (meeting_id, user_id, voting) VALUES (?, ?, ?)",
        )
        .bind(&id)
        .bind(user)
        .bind(voting)
        .execute(&mut *conn)
        .await?;
        let roll = dice.roll(100);
        let own = user == &branch.secretary;
        // The secretary shows the code; their own line is always there on time.
        let line = if own { 0 } else { roll };
        match line {
            0..=77 => {
                let slot = slot_of(starts - 600 + (n as i64 * 37) % 600);
                attend(conn, &id, user, "on_time", slot, None).await?;
            }
            78..=85 => {
                let slot = slot_of(starts + 300 + n as i64 * 40);
                attend(conn, &id, user, "late", slot, None).await?;
            }
            86..=90 => {
                let (kind, reason) = LEAVE_REASONS[(roll as usize) % LEAVE_REASONS.len()];
                app::db::query(
                    "INSERT INTO leave_requests (meeting_id, user_id, kind, reason, status, requested_at,
                         decided_by, decided_at)
                     VALUES (?, ?, ?, ?, 'approved', ?, ?, ?)",
                )
                .bind(&id)
                .bind(user)
                .bind(kind)
                .bind(reason)
                .bind(starts - 2 * 86_400)
                .bind(&branch.secretary)
                .bind(starts - 86_400)
                .execute(&mut *conn)
                .await?;
            }
            91..=94 => {}
            95..=96 => {
                app::db::query(
                    "INSERT INTO attendance (meeting_id, user_id, presence, slot, recorded_at, corrected_by, reason)
                     VALUES (?, ?, 'corrected', NULL, ?, ?, '签到时手机没电，书记核实在场')",
                )
                .bind(&id)
                .bind(user)
                .bind(ends + 600)
                .bind(&branch.secretary)
                .execute(&mut *conn)
                .await?;
            }
            _ => {
                // 离线签到: no signal in the room, synced on the way home.
                let slot = slot_of(starts - 120);
                attend(conn, &id, user, "on_time", slot, Some(ends + 2 * 3600)).await?;
            }
        }
    }
    app::points::service::award_meeting_at(conn, &id, ends + 60).await?;
    app::db::query("UPDATE meetings SET points_at = ? WHERE id = ?")
        .bind(ends + 60)
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

async fn attend(
    conn: &mut Conn,
    meeting: &str,
    user: &str,
    presence: &str,
    slot: i64,
    synced_at: Option<i64>,
) -> Result<(), BoxError> {
    let scanned = slot_start(slot) + 5;
    app::db::query(
        "INSERT INTO attendance (meeting_id, user_id, presence, slot, recorded_at, arrival, scanned_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(meeting)
    .bind(user)
    .bind(presence)
    .bind(slot)
    .bind(synced_at.unwrap_or(scanned + 3))
    .bind(if synced_at.is_some() {
        "offline"
    } else {
        "online"
    })
    .bind(scanned)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn upcoming(conn: &mut Conn, planned: &Planned) -> Result<(), BoxError> {
    insert_meeting(conn, planned, now() - 2 * 86_400).await?;
    Ok(())
}

/// A scanned sign-in sheet and a photo on the last 主题党日.
async fn sheet_and_photo(
    conn: &mut Conn,
    uploads: &Photos,
    meeting: &str,
    secretary: &str,
) -> Result<(), BoxError> {
    for (kind, picture) in [("sheet", sign_in_sheet()), ("photo", square_photo())] {
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80).encode_image(&picture)?;
        let id = new_id();
        uploads.save(&id, &jpeg).await?;
        app::db::query(
            "INSERT INTO meeting_files (id, meeting_id, kind, width, height, bytes, uploaded_by, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(meeting)
        .bind(kind)
        .bind(picture.width())
        .bind(picture.height())
        .bind(jpeg.len() as i64)
        .bind(secretary)
        .bind(now())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A ruled page with a red heading band, as a phone photographs a paper sheet.
fn sign_in_sheet() -> image::RgbImage {
    image::RgbImage::from_fn(900, 1200, |x, y| {
        if y < 120 {
            image::Rgb([200, 16, 46])
        } else if y % 60 == 0 || x == 80 || x == 480 {
            image::Rgb([120, 120, 130])
        } else {
            image::Rgb([250, 249, 245])
        }
    })
}

/// A sunny square: sky, a lawn, a flag.
fn square_photo() -> image::RgbImage {
    image::RgbImage::from_fn(1200, 800, |x, y| {
        if (560..760).contains(&x) && (120..240).contains(&y) {
            image::Rgb([210, 20, 40])
        } else if y < 420 {
            image::Rgb([150 + (y / 8) as u8, 190, 235])
        } else {
            image::Rgb([70, 140 + (x % 40) as u8, 70])
        }
    })
}

/// Claims approved over the year, two waiting, one refused with its reason, an open task
/// with one member signed up and one hand-in waiting, and one reversal.
async fn ledger(conn: &mut Conn, branch: &Branch, dice: &mut Dice) -> Result<(), BoxError> {
    let at = now();
    let rule = |name: &'static str| {
        app::db::query_as::<(String, String, i64, String)>(
            "SELECT id, name, points, category FROM point_rules WHERE branch_id = ? AND name LIKE ? LIMIT 1",
        )
        .bind(branch.id.clone())
        .bind(format!("%{name}%"))
    };
    let volunteering = rule("志愿服务").fetch_one(&mut *conn).await?;
    let study = rule("理论学习").fetch_one(&mut *conn).await?;
    let notes = [
        "周末清扫楼道",
        "陪护独居老人就医",
        "社区反诈宣传",
        "参加读书分享会",
        "整理党员活动室",
    ];
    for (n, person) in branch.members.iter().enumerate().skip(1) {
        for k in 0..(2 + dice.roll(3)) {
            let (rule_id, title, points, category) =
                if k % 2 == 0 { &volunteering } else { &study };
            let created = at - (20 + dice.roll(320) as i64) * 86_400;
            let claim = new_id();
            app::db::query(
                "INSERT INTO point_claims (id, branch_id, user_id, rule_id, note, status, awarded,
                     decided_by, decided_at, created_at)
                 VALUES (?, ?, ?, ?, ?, 'approved', ?, ?, ?, ?)",
            )
            .bind(&claim)
            .bind(&branch.id)
            .bind(&person.id)
            .bind(rule_id)
            .bind(notes[(n + k as usize) % notes.len()])
            .bind(points)
            .bind(&branch.secretary)
            .bind(created + 86_400)
            .bind(created)
            .execute(&mut *conn)
            .await?;
            entry(
                conn,
                branch,
                &person.id,
                *points,
                rule_id,
                title,
                category,
                "claim",
                &claim,
                created + 86_400,
            )
            .await?;
        }
    }
    let member = |phone: &str| {
        branch
            .members
            .iter()
            .find(|p| p.phone == phone)
            .map(|p| p.id.clone())
            .ok_or_else(|| format!("demo member {phone} missing"))
    };
    // Waiting for the secretary, and one refused with a reason the member reads.
    for (phone, note, days) in [
        ("13800000009", "组织社区义诊", 1),
        ("13800000012", "参加区委党校网课", 2),
    ] {
        app::db::query(
            "INSERT INTO point_claims (id, branch_id, user_id, rule_id, note, status, created_at)
             VALUES (?, ?, ?, ?, ?, 'pending', ?)",
        )
        .bind(new_id())
        .bind(&branch.id)
        .bind(member(phone)?)
        .bind(&volunteering.0)
        .bind(note)
        .bind(at - days * 86_400)
        .execute(&mut *conn)
        .await?;
    }
    app::db::query(
        "INSERT INTO point_claims (id, branch_id, user_id, rule_id, note, status, decided_by, decided_at,
             decision_reason, created_at)
         VALUES (?, ?, ?, ?, '帮邻居修自行车', 'rejected', ?, ?, '属于邻里互助，不计入志愿服务，可申报“先锋模范事迹”', ?)",
    )
    .bind(new_id())
    .bind(&branch.id)
    .bind(member("13800000006")?)
    .bind(&volunteering.0)
    .bind(&branch.secretary)
    .bind(at - 3 * 86_400)
    .bind(at - 5 * 86_400)
    .execute(&mut *conn)
    .await?;
    // An open task: one member signed up, another handed it in.
    let task = new_id();
    app::db::query(
        "INSERT INTO point_tasks (id, branch_id, title, description, points, places, deadline, created_by, created_at)
         VALUES (?, ?, '冬季楼道消防隐患排查', '两人一组，排查幸福里小区 1–9 栋楼道杂物和灭火器，拍照上报', 3, 6, ?, ?, ?)",
    )
    .bind(&task)
    .bind(&branch.id)
    .bind(at + 10 * 86_400)
    .bind(&branch.secretary)
    .bind(at - 4 * 86_400)
    .execute(&mut *conn)
    .await?;
    for (phone, status, note) in [
        ("13800000006", "signed", None),
        (
            "13800000010",
            "submitted",
            Some("1–4 栋已排查，清走杂物两处"),
        ),
    ] {
        app::db::query(
            "INSERT INTO task_entries (id, task_id, user_id, status, note, signed_at, submitted_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(new_id())
        .bind(&task)
        .bind(member(phone)?)
        .bind(status)
        .bind(note)
        .bind(at - 3 * 86_400)
        .bind(note.map(|_| at - 86_400))
        .execute(&mut *conn)
        .await?;
    }
    // A deduction found unfair afterwards, reversed with its reason.
    let deduction: Option<(String, String)> = app::db::query_as(
        "SELECT id, user_id FROM point_entries WHERE branch_id = ? AND points < 0 AND source_kind = 'meeting'
           AND user_id <> ? ORDER BY created_at DESC LIMIT 1",
    )
    .bind(&branch.id)
    .bind(&branch.secretary)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((entry_id, _)) = deduction {
        app::db::query(
            "INSERT INTO point_entries (id, branch_id, user_id, points, rule_id, title, category, source_kind,
                 source_id, reverses, reason, created_by, created_at)
             SELECT ?1, branch_id, user_id, -points, rule_id, title, category, 'correction', source_id, id,
                 '当天公出，支委会核实后撤销扣分', ?2, CASE WHEN created_at + 86400 < ?3 THEN created_at + 86400 ELSE ?3 END
             FROM point_entries WHERE id = ?4",
        )
        .bind(new_id())
        .bind(&branch.secretary)
        .bind(at)
        .bind(&entry_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn entry(
    conn: &mut Conn,
    branch: &Branch,
    user: &str,
    points: i64,
    rule_id: &str,
    title: &str,
    category: &str,
    source_kind: &str,
    source_id: &str,
    at: i64,
) -> Result<(), BoxError> {
    app::db::query(
        "INSERT INTO point_entries (id, branch_id, user_id, points, rule_id, title, category, source_kind,
             source_id, award_key, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(new_id())
    .bind(&branch.id)
    .bind(user)
    .bind(points)
    .bind(rule_id)
    .bind(title)
    .bind(category)
    .bind(source_kind)
    .bind(source_id)
    .bind(format!("{source_kind}:{source_id}"))
    .bind(&branch.secretary)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The next 主题党日's leave: one member's waits for the secretary, another's was refused.
async fn leave_for_what_comes(conn: &mut Conn, branch: &Branch) -> Result<(), BoxError> {
    let next: Option<(String, i64)> = app::db::query_as(
        "SELECT id, starts_at FROM meetings WHERE org_id = ? AND starts_at > ? AND kind = 'theme_day'
         ORDER BY starts_at LIMIT 1",
    )
    .bind(&branch.id)
    .bind(now())
    .fetch_optional(&mut *conn)
    .await?;
    let Some((meeting, _)) = next else {
        return Ok(());
    };
    let find = |phone: &str| {
        branch
            .members
            .iter()
            .find(|p| p.phone == phone)
            .map(|p| p.id.clone())
    };
    if let Some(user) = find("13800000011") {
        app::db::query(
            "INSERT INTO leave_requests (meeting_id, user_id, kind, reason, status, requested_at)
             VALUES (?, ?, 'official', '区里安排值班', 'pending', ?)",
        )
        .bind(&meeting)
        .bind(&user)
        .bind(now() - 86_400)
        .execute(&mut *conn)
        .await?;
    }
    if let Some(user) = find("13800000006") {
        app::db::query(
            "INSERT INTO leave_requests (meeting_id, user_id, kind, reason, status, requested_at, decided_by,
                 decided_at, decision_note)
             VALUES (?, ?, 'personal', '想去看望外地亲戚', 'refused', ?, ?, ?, '本次学习很重要，请调整行程；确有困难再联系我')",
        )
        .bind(&meeting)
        .bind(&user)
        .bind(now() - 2 * 86_400)
        .bind(&branch.secretary)
        .bind(now() - 86_400)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Wishes in every state beside the base demo's three: half of the 20 套 pledged, one
/// claimed, one done and waiting for the resident, one confirmed with thanks, one refused
/// with its reason, one expired.
async fn wishes(conn: &mut Conn, branch: &Branch, uploads: &Photos) -> Result<(), BoxError> {
    let at = now();
    let member = |phone: &str| {
        branch
            .members
            .iter()
            .find(|p| p.phone == phone)
            .map(|p| p.id.clone())
            .ok_or_else(|| format!("demo member {phone} missing"))
    };
    let (sun, sun_name, community): (String, String, String) =
        app::db::query_as("SELECT id, name, community_id FROM users WHERE phone = '13900000001'")
            .fetch_one(&mut *conn)
            .await?;
    let (qian, qian_name, _): (String, String, String) =
        app::db::query_as("SELECT id, name, community_id FROM users WHERE phone = '13900000002'")
            .fetch_one(&mut *conn)
            .await?;
    // Half of the crowdfunded school uniforms pledged by two members.
    let uniforms: String =
        app::db::query_scalar("SELECT id FROM wishes WHERE title LIKE '%校服%' LIMIT 1")
            .fetch_one(&mut *conn)
            .await?;
    for (phone, quantity) in [("13800000007", 6), ("13800000008", 4)] {
        pledge(
            conn,
            &uniforms,
            &member(phone)?,
            quantity,
            "active",
            at - 86_400,
        )
        .await?;
    }
    let wish = |title: &'static str,
                story: &'static str,
                category: &'static str,
                poster: &str,
                name: &str,
                status: &'static str,
                created_days: i64| {
        (
            title,
            story,
            category,
            poster.to_string(),
            name.to_string(),
            status,
            created_days,
        )
    };
    let more = [
        wish(
            "帮忙把旧家具搬下楼",
            "家里换了新床，旧床和柜子搬不动，想请人帮忙搬到楼下回收点。",
            "living",
            &sun,
            &sun_name,
            "claimed",
            6,
        ),
        wish(
            "想请人陪同去社区医院体检",
            "老伴住院，我一个人去体检怕找不到科室。",
            "medical",
            &sun,
            &sun_name,
            "fulfilled",
            12,
        ),
        wish(
            "楼道声控灯坏了",
            "三单元二楼到四楼的灯都不亮，晚上上楼摸黑。",
            "living",
            &qian,
            &qian_name,
            "confirmed",
            40,
        ),
        wish(
            "代缴三个月水电费",
            "手机不会操作，想请人帮忙代缴。",
            "other",
            &sun,
            &sun_name,
            "rejected",
            20,
        ),
        wish(
            "春节前想要一副对联",
            "想请会写毛笔字的党员帮写一副春联。",
            "other",
            &qian,
            &qian_name,
            "expired",
            300,
        ),
    ];
    for (title, story, category, poster, name, status, created_days) in more {
        let id = new_id();
        let created = at - created_days * 86_400;
        let needed_by = if status == "expired" {
            created + 20 * 86_400
        } else {
            at + 20 * 86_400
        };
        let published = (status != "rejected").then_some(created + 86_400);
        app::db::query(
            "INSERT INTO wishes (id, community_id, poster_id, title, story, category, needed_by, target, contact_name,
                 contact_phone, contact_address, status, reject_reason, branch_id, reviewed_by, reviewed_at,
                 published_at, created_at)
             SELECT ?, ?, ?, ?, ?, ?, ?, 1, ?, phone, '幸福里小区 3 栋 2 单元', ?, ?, ?, ?, ?, ?, ?
             FROM users WHERE id = ?",
        )
        .bind(&id)
        .bind(&community)
        .bind(&poster)
        .bind(title)
        .bind(story)
        .bind(category)
        .bind(needed_by)
        .bind(&name)
        .bind(status)
        .bind((status == "rejected").then_some("涉及资金往来，请到社区服务站由工作人员办理"))
        .bind(&branch.id)
        .bind(&branch.secretary)
        .bind(created + 86_400)
        .bind(published)
        .bind(created)
        .bind(&poster)
        .execute(&mut *conn)
        .await?;
        match status {
            "claimed" => {
                pledge(
                    conn,
                    &id,
                    &member("13800000006")?,
                    1,
                    "active",
                    at - 2 * 86_400,
                )
                .await?;
            }
            "fulfilled" => {
                let pledge_id = pledge(
                    conn,
                    &id,
                    &member("13800000010")?,
                    1,
                    "done",
                    at - 5 * 86_400,
                )
                .await?;
                app::db::query("UPDATE wish_pledges SET proof_note = '已陪同完成体检，报告已送到家', done_at = ? WHERE id = ?")
                    .bind(at - 2 * 86_400)
                    .bind(&pledge_id)
                    .execute(&mut *conn)
                    .await?;
                proof_photo(conn, uploads, &id, &pledge_id, &member("13800000010")?).await?;
            }
            "confirmed" => {
                let helper = member("13800000011")?;
                let pledge_id =
                    pledge(conn, &id, &helper, 1, "confirmed", created + 2 * 86_400).await?;
                app::db::query(
                    "UPDATE wish_pledges SET proof_note = '已更换 3 个声控灯', done_at = ?, confirmed_at = ?,
                         confirmed_how = 'poster', thanks = '灯修好了，晚上回家不怕黑了，谢谢小伙子！' WHERE id = ?",
                )
                .bind(created + 3 * 86_400)
                .bind(created + 4 * 86_400)
                .bind(&pledge_id)
                .execute(&mut *conn)
                .await?;
                let (rule_id, rule_name, points, category): (String, String, i64, String) = app::db::query_as(
                    "SELECT id, name, points, category FROM point_rules WHERE branch_id = ? AND auto_source = 'wish'",
                )
                .bind(&branch.id)
                .fetch_one(&mut *conn)
                .await?;
                let title = format!("{rule_name}：{title}");
                app::db::query(
                    "INSERT INTO point_entries (id, branch_id, user_id, points, rule_id, title, category, source_kind,
                         source_id, award_key, created_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, 'wish', ?, ?, ?)",
                )
                .bind(new_id())
                .bind(&branch.id)
                .bind(&helper)
                .bind(points)
                .bind(&rule_id)
                .bind(&title)
                .bind(&category)
                .bind(&id)
                .bind(format!("wish:{id}:{helper}"))
                .bind(created + 4 * 86_400)
                .execute(&mut *conn)
                .await?;
            }
            _ => {}
        }
    }
    Ok(())
}

async fn pledge(
    conn: &mut Conn,
    wish: &str,
    user: &str,
    quantity: i64,
    status: &str,
    created: i64,
) -> Result<String, BoxError> {
    let id = new_id();
    app::db::query(
        "INSERT INTO wish_pledges (id, wish_id, user_id, quantity, status, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(wish)
    .bind(user)
    .bind(quantity)
    .bind(status)
    .bind(created)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

async fn proof_photo(
    conn: &mut Conn,
    uploads: &Photos,
    wish: &str,
    pledge: &str,
    user: &str,
) -> Result<(), BoxError> {
    let picture = square_photo();
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80).encode_image(&picture)?;
    let id = new_id();
    uploads.save(&id, &jpeg).await?;
    app::db::query(
        "INSERT INTO wish_photos (id, wish_id, pledge_id, width, height, bytes, uploaded_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(wish)
    .bind(pledge)
    .bind(picture.width())
    .bind(picture.height())
    .bind(jpeg.len() as i64)
    .bind(user)
    .bind(now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Today's 主题党日 with its check-in open, so a visitor can show the code and check in at
/// once: made when no meeting of the branch has its check-in open now, once a day (a later
/// start the same day finds the day's meeting, over or not, and adds none).
pub async fn live_meeting(pool: &Pool) -> Result<(), BoxError> {
    let first = branch(pool, "幸福里社区第一党支部").await?;
    let at = now();
    let month = shanghai_year_month(at).1;
    let day = app::shell::time::format_date(at);
    let marker = format!("%（{day}）%");
    let open_or_made_today: Option<String> = app::db::query_scalar(
        "SELECT id FROM meetings WHERE org_id = ?1 AND cancelled_at IS NULL
           AND ((starts_at - opens_before <= ?2 AND ?2 < ends_at) OR title LIKE ?3) LIMIT 1",
    )
    .bind(&first.id)
    .bind(at)
    .bind(&marker)
    .fetch_optional(pool)
    .await?;
    if open_or_made_today.is_some() {
        return Ok(());
    }
    let starts = at / 60 * 60 - 10 * 60;
    let planned = Planned {
        kind: MeetingKind::ThemeDay,
        org: first.id.clone(),
        title: format!("{month}月主题党日（{day}）：学习《中国共产党纪律处分条例》"),
        place: "党群服务中心会议室",
        starts_at: starts,
        minutes: 120,
        audience: Vec::new(),
    };
    let mut conn = pool.acquire().await?;
    insert_meeting(&mut conn, &planned, at - 86_400).await?;
    Ok(())
}

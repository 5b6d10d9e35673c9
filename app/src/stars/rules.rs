//! 星级支部 (赤峰): five basic stars, each pass or fail and each a veto on the rest; feature
//! stars from 100 points of the field's tasks plus 10 of highlights, one star per 20 points;
//! ten stars at most. The arithmetic and what a template and a set of marks may hold.

use crate::error::AppError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The five basic items, in the order every template and every set of marks keeps them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Basic {
    /// 基本组织
    Organisation,
    /// 基本队伍
    Team,
    /// 基本制度
    System,
    /// 基本活动
    Activities,
    /// 基本保障
    Support,
}

impl Basic {
    pub const ALL: [Basic; 5] = [
        Basic::Organisation,
        Basic::Team,
        Basic::System,
        Basic::Activities,
        Basic::Support,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Basic::Organisation => "organisation",
            Basic::Team => "team",
            Basic::System => "system",
            Basic::Activities => "activities",
            Basic::Support => "support",
        }
    }

    pub fn parse(s: &str) -> Option<Basic> {
        Basic::ALL.into_iter().find(|b| b.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Basic::Organisation => "基本组织",
            Basic::Team => "基本队伍",
            Basic::System => "基本制度",
            Basic::Activities => "基本活动",
            Basic::Support => "基本保障",
        }
    }
}

/// What a photo of evidence backs: one of the basic items, or the feature items together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Evidence {
    Basic(Basic),
    Feature,
}

impl Evidence {
    pub fn all() -> impl Iterator<Item = Evidence> {
        Basic::ALL
            .into_iter()
            .map(Evidence::Basic)
            .chain([Evidence::Feature])
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Basic(basic) => basic.as_str(),
            Evidence::Feature => "feature",
        }
    }

    pub fn parse(s: &str) -> Option<Evidence> {
        Evidence::all().find(|e| e.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Evidence::Basic(basic) => basic.label_zh(),
            Evidence::Feature => "特色工作",
        }
    }
}

/// Photos of evidence one item may have in a year: enough to show the work, few enough to
/// look through when rating.
pub const EVIDENCE_PHOTOS_PER_ITEM: i64 = 12;

/// Points of the field's tasks a template shares out among its feature items.
pub const FEATURE_POINTS: i64 = 100;
/// 特色亮点: points on top of the tasks.
pub const HIGHLIGHT_POINTS: i64 = 10;
pub const POINTS_PER_STAR: i64 = 20;
pub const MAX_STARS: u8 = 10;

pub const FIELD_MAX_CHARS: usize = 20;
pub const CHECK_MAX_CHARS: usize = 200;
pub const ITEM_NAME_MAX_CHARS: usize = 40;
pub const MAX_FEATURE_ITEMS: usize = 20;
pub const NOTE_MAX_CHARS: usize = 500;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureItem {
    pub name: String,
    pub max_points: i64,
}

/// What a 党委 checks for one field (农村、社区、机关…): what each basic item requires, and
/// the field's tasks with their maximum points.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub field: String,
    /// One per [`Basic::ALL`], in that order.
    pub checks: Vec<String>,
    pub features: Vec<FeatureItem>,
}

/// One item's mark: 1 or 0 for a basic item (pass, fail), points for the others, and the
/// note that backs it (evidence in a self-assessment, the reason in a rating).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub value: i64,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marks {
    /// One per [`Basic::ALL`].
    pub basics: Vec<Mark>,
    /// One per feature item of the template.
    pub features: Vec<Mark>,
    /// 特色亮点.
    pub highlights: Mark,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub stars: u8,
    /// The basic items failed, in template order: the first is what blocks the branch.
    pub failed: Vec<Basic>,
    /// Feature and highlight points together.
    pub points: i64,
}

/// 头雁, 提升 and 转化: how a 党委 groups its branches for follow-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tier {
    /// 头雁, 8★ and above.
    Leading,
    /// 提升, 6–7★.
    Rising,
    /// 转化, below 6★.
    Transforming,
}

impl Tier {
    pub fn of(stars: u8) -> Tier {
        match stars {
            8.. => Tier::Leading,
            6..=7 => Tier::Rising,
            _ => Tier::Transforming,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Tier::Leading => "头雁",
            Tier::Rising => "提升",
            Tier::Transforming => "转化",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Leading => "leading",
            Tier::Rising => "rising",
            Tier::Transforming => "transforming",
        }
    }
}

/// The title a number of stars earns: 堡垒支部 from 6★, 坚强堡垒 from 8★, 模范支部 at 10★.
pub fn title_zh(stars: u8) -> Option<&'static str> {
    match stars {
        10.. => Some("模范支部"),
        8..=9 => Some("坚强堡垒"),
        6..=7 => Some("堡垒支部"),
        _ => None,
    }
}

/// A basic star for each basic item passed; feature stars, one per 20 points of tasks and
/// highlights, only when all five passed (一票否决); ten at most.
pub fn outcome(marks: &Marks) -> Outcome {
    let failed: Vec<Basic> = Basic::ALL
        .into_iter()
        .zip(&marks.basics)
        .filter(|(_, mark)| mark.value != 1)
        .map(|(basic, _)| basic)
        .collect();
    let points = marks.features.iter().map(|m| m.value).sum::<i64>() + marks.highlights.value;
    let basic_stars = (Basic::ALL.len() - failed.len()) as u8;
    let feature_stars = if failed.is_empty() {
        (points.clamp(0, FEATURE_POINTS + HIGHLIGHT_POINTS) / POINTS_PER_STAR) as u8
    } else {
        0
    };
    Outcome {
        stars: (basic_stars + feature_stars).min(MAX_STARS),
        failed,
        points,
    }
}

fn within(text: &str, max_chars: usize) -> bool {
    text.chars().count() <= max_chars
}

/// A template as the 党委 typed it: the field's name, the five checks, and the feature items
/// one per line as `名称 分值` (or `名称：分值`), their points adding up to 100.
pub fn template_from_input(
    field: &str,
    checks: [&str; 5],
    feature_lines: &str,
) -> Result<Template, AppError> {
    let field = field.trim();
    if field.is_empty() || !within(field, FIELD_MAX_CHARS) {
        return Err(AppError::StarTemplate);
    }
    let checks: Vec<String> = checks.iter().map(|c| c.trim().to_string()).collect();
    if checks
        .iter()
        .any(|c| c.is_empty() || !within(c, CHECK_MAX_CHARS))
    {
        return Err(AppError::StarTemplate);
    }
    let features = feature_lines
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(feature_item)
        .collect::<Result<Vec<_>, _>>()?;
    if features.is_empty()
        || features.len() > MAX_FEATURE_ITEMS
        || features.iter().map(|f| f.max_points).sum::<i64>() != FEATURE_POINTS
    {
        return Err(AppError::StarTemplate);
    }
    Ok(Template {
        field: field.to_string(),
        checks,
        features,
    })
}

fn feature_item(line: &str) -> Result<FeatureItem, AppError> {
    let split = line
        .rfind(|c: char| c.is_whitespace() || c == '：' || c == ':')
        .ok_or(AppError::StarTemplate)?;
    let (name, points) = line.split_at(split);
    let points = points
        .trim_start_matches(|c: char| c.is_whitespace() || c == '：' || c == ':')
        .trim_end_matches('分');
    let name = name.trim();
    let max_points: i64 = points.parse().map_err(|_| AppError::StarTemplate)?;
    if name.is_empty()
        || !within(name, ITEM_NAME_MAX_CHARS)
        || !(1..=FEATURE_POINTS).contains(&max_points)
    {
        return Err(AppError::StarTemplate);
    }
    Ok(FeatureItem {
        name: name.to_string(),
        max_points,
    })
}

/// The feature items as the template form shows them, one `名称 分值` per line.
pub fn feature_lines(template: &Template) -> String {
    template
        .features
        .iter()
        .map(|f| format!("{} {}", f.name, f.max_points))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Marks as the form posts them: `b0`…`b4` ("1" pass, "0" fail), `f0`… (points) and `h`
/// (highlight points), each with its note under `n` + the same key. Every item must be
/// marked, within its maximum.
pub fn marks_from_form(
    template: &Template,
    form: &HashMap<String, String>,
) -> Result<Marks, AppError> {
    let mark = |key: String, max: i64| -> Result<Mark, AppError> {
        let value: i64 = form
            .get(&key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .ok_or(AppError::StarMarks)?
            .parse()
            .map_err(|_| AppError::StarMarks)?;
        if !(0..=max).contains(&value) {
            return Err(AppError::StarMarks);
        }
        let note = form
            .get(&format!("n{key}"))
            .map(|n| n.trim().to_string())
            .unwrap_or_default();
        if !within(&note, NOTE_MAX_CHARS) {
            return Err(AppError::TextTooLong);
        }
        Ok(Mark { value, note })
    };
    Ok(Marks {
        basics: (0..Basic::ALL.len())
            .map(|i| mark(format!("b{i}"), 1))
            .collect::<Result<_, _>>()?,
        features: template
            .features
            .iter()
            .enumerate()
            .map(|(i, f)| mark(format!("f{i}"), f.max_points))
            .collect::<Result<_, _>>()?,
        highlights: mark("h".into(), HIGHLIGHT_POINTS)?,
    })
}

pub const LEDGER_ITEM_MAX_CHARS: usize = 200;

/// An unmet item as the 党委 writes it into the 台账.
pub fn normalize_ledger_item(text: &str) -> Result<String, AppError> {
    let text = text.trim();
    if text.is_empty() {
        Err(AppError::TextRequired)
    } else if !within(text, LEDGER_ITEM_MAX_CHARS) {
        Err(AppError::TextTooLong)
    } else {
        Ok(text.to_string())
    }
}

/// A cadre 包联s one branch of each group (头雁, 提升, 转化): the groups still missing.
pub fn cadre_gaps(tiers: &[Tier]) -> Vec<Tier> {
    [Tier::Leading, Tier::Rising, Tier::Transforming]
        .into_iter()
        .filter(|t| !tiers.contains(t))
        .collect()
}

/// The template a 党委 starts from: the five checks of 赤峰's scheme and a community
/// branch's tasks, which it can rename and reweigh.
pub fn standard_template() -> Template {
    let checks = [
        "支部设置规范，党小组划分合理，按期换届",
        "支部委员会配备齐全，书记到位，党员队伍结构合理，民主评议党员按年开展",
        "三会一课、组织生活会、民主评议、党费收缴等制度健全并落实",
        "三会一课按规定频次开展，主题党日每月一次，会议有记录",
        "有固定活动场所，经费有保障，党务公开及时",
    ];
    let features = [
        ("组织建设", 25),
        ("党员教育管理", 20),
        ("服务群众", 25),
        ("基层治理", 20),
        ("结对共建", 10),
    ];
    Template {
        field: "社区".into(),
        checks: checks.iter().map(|c| c.to_string()).collect(),
        features: features
            .iter()
            .map(|(name, max_points)| FeatureItem {
                name: name.to_string(),
                max_points: *max_points,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_items_round_trip_and_nothing_else_parses() {
        let all: Vec<Evidence> = Evidence::all().collect();
        assert_eq!(all.len(), 6);
        for item in all {
            assert_eq!(Evidence::parse(item.as_str()), Some(item));
        }
        assert_eq!(Evidence::parse("highlights"), None);
        assert_eq!(Evidence::parse(""), None);
    }

    fn mark(value: i64) -> Mark {
        Mark {
            value,
            note: String::new(),
        }
    }

    fn marks(basics: [i64; 5], features: &[i64], highlights: i64) -> Marks {
        Marks {
            basics: basics.into_iter().map(mark).collect(),
            features: features.iter().copied().map(mark).collect(),
            highlights: mark(highlights),
        }
    }

    #[test]
    fn twenty_points_a_star_once_all_five_basics_pass() {
        let all = [1; 5];
        assert_eq!(outcome(&marks(all, &[0, 0], 0)).stars, 5);
        assert_eq!(outcome(&marks(all, &[10, 9], 0)).stars, 5, "19 points");
        assert_eq!(outcome(&marks(all, &[10, 10], 0)).stars, 6, "20 points");
        assert_eq!(outcome(&marks(all, &[30, 29], 0)).stars, 7, "59 points");
        assert_eq!(
            outcome(&marks(all, &[30, 20], 10)).stars,
            8,
            "highlights count"
        );
    }

    #[test]
    fn a_failed_basic_item_vetoes_every_feature_star() {
        let out = outcome(&marks([1, 1, 1, 0, 1], &[50, 50], 10));
        assert_eq!(out.stars, 4, "four basic stars and nothing from 110 points");
        assert_eq!(out.failed, vec![Basic::Activities]);
        assert_eq!(out.points, 110);
        let out = outcome(&marks([0, 1, 0, 1, 1], &[100], 0));
        assert_eq!(out.stars, 3);
        assert_eq!(out.failed, vec![Basic::Organisation, Basic::System]);
    }

    #[test]
    fn ten_stars_at_most() {
        let full = outcome(&marks([1; 5], &[60, 40], 10));
        assert_eq!(full.stars, 10);
        assert_eq!(full.points, 110);
        assert_eq!(
            outcome(&marks([1; 5], &[60, 40], 0)).stars,
            10,
            "100 points"
        );
        assert_eq!(outcome(&marks([1; 5], &[60, 39], 0)).stars, 9);
    }

    #[test]
    fn a_cadre_follows_one_branch_of_each_group() {
        assert_eq!(
            cadre_gaps(&[Tier::Leading, Tier::Transforming, Tier::Transforming]),
            vec![Tier::Rising]
        );
        assert_eq!(
            cadre_gaps(&[Tier::Rising, Tier::Leading, Tier::Transforming]),
            vec![]
        );
        assert_eq!(cadre_gaps(&[]).len(), 3);
    }

    #[test]
    fn a_ledger_item_says_what_is_unmet() {
        assert_eq!(normalize_ledger_item("  "), Err(AppError::TextRequired));
        assert_eq!(
            normalize_ledger_item(" 补开组织生活会 "),
            Ok("补开组织生活会".into())
        );
        assert_eq!(
            normalize_ledger_item(&"字".repeat(LEDGER_ITEM_MAX_CHARS + 1)),
            Err(AppError::TextTooLong)
        );
    }

    #[test]
    fn basic_items_round_trip_their_keys() {
        for basic in Basic::ALL {
            assert_eq!(Basic::parse(basic.as_str()), Some(basic));
        }
        assert_eq!(Basic::parse("morale"), None);
    }

    #[test]
    fn tiers_and_titles_follow_the_stars() {
        assert_eq!(Tier::of(10), Tier::Leading);
        assert_eq!(Tier::of(8), Tier::Leading);
        assert_eq!(Tier::of(7), Tier::Rising);
        assert_eq!(Tier::of(6), Tier::Rising);
        assert_eq!(Tier::of(5), Tier::Transforming);
        assert_eq!(Tier::of(0), Tier::Transforming);
        assert_eq!(title_zh(5), None);
        assert_eq!(title_zh(6), Some("堡垒支部"));
        assert_eq!(title_zh(8), Some("坚强堡垒"));
        assert_eq!(title_zh(9), Some("坚强堡垒"));
        assert_eq!(title_zh(10), Some("模范支部"));
    }

    const CHECKS: [&str; 5] = ["组织", "队伍", "制度", "活动", "保障"];

    #[test]
    fn a_template_shares_out_exactly_one_hundred_points() {
        let t = template_from_input(
            " 农村 ",
            CHECKS,
            "产业发展 40\n乡村治理：35\n\n 人居环境  25分 ",
        )
        .unwrap();
        assert_eq!(t.field, "农村");
        assert_eq!(
            t.features,
            vec![
                FeatureItem {
                    name: "产业发展".into(),
                    max_points: 40
                },
                FeatureItem {
                    name: "乡村治理".into(),
                    max_points: 35
                },
                FeatureItem {
                    name: "人居环境".into(),
                    max_points: 25
                },
            ]
        );
        assert_eq!(feature_lines(&t), "产业发展 40\n乡村治理 35\n人居环境 25");
        for lines in ["产业发展 40\n乡村治理 35", "产业发展 60\n乡村治理 50", ""] {
            assert_eq!(
                template_from_input("农村", CHECKS, lines),
                Err(AppError::StarTemplate),
                "{lines:?}"
            );
        }
        for bad in [
            "产业发展",
            "100",
            "产业发展 abc",
            "产业发展 -10\n乡村 110",
            "产业发展 0\n乡村 100",
        ] {
            assert_eq!(
                template_from_input("农村", CHECKS, bad),
                Err(AppError::StarTemplate),
                "{bad:?}"
            );
        }
        assert_eq!(
            template_from_input("", CHECKS, "任务 100"),
            Err(AppError::StarTemplate)
        );
        assert_eq!(
            template_from_input("农村", ["组织", "", "制度", "活动", "保障"], "任务 100"),
            Err(AppError::StarTemplate)
        );
        let long = "很".repeat(FIELD_MAX_CHARS + 1);
        assert_eq!(
            template_from_input(&long, CHECKS, "任务 100"),
            Err(AppError::StarTemplate)
        );
    }

    #[test]
    fn the_standard_template_is_valid() {
        let t = standard_template();
        let checks: Vec<&str> = t.checks.iter().map(String::as_str).collect();
        let again =
            template_from_input(&t.field, checks.try_into().unwrap(), &feature_lines(&t)).unwrap();
        assert_eq!(again, t);
    }

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn marks_must_cover_every_item_within_its_maximum() {
        let t = template_from_input("农村", CHECKS, "产业 60\n治理 40").unwrap();
        let full = [
            ("b0", "1"),
            ("b1", "1"),
            ("b2", "0"),
            ("b3", "1"),
            ("b4", "1"),
            ("f0", "60"),
            ("f1", "12"),
            ("h", "10"),
            ("nb2", "制度未上墙"),
        ];
        let marks = marks_from_form(&t, &form(&full)).unwrap();
        assert_eq!(
            marks.basics[2],
            Mark {
                value: 0,
                note: "制度未上墙".into()
            }
        );
        assert_eq!(marks.features[1].value, 12);
        assert_eq!(outcome(&marks).stars, 4);

        let with = |key: &str, value: &str| {
            let mut f = form(&full);
            f.insert(key.into(), value.into());
            marks_from_form(&t, &f)
        };
        assert_eq!(
            with("f0", "61"),
            Err(AppError::StarMarks),
            "over the item's maximum"
        );
        assert_eq!(with("f1", "-1"), Err(AppError::StarMarks));
        assert_eq!(with("h", "11"), Err(AppError::StarMarks));
        assert_eq!(
            with("b0", "2"),
            Err(AppError::StarMarks),
            "a basic item passes or fails"
        );
        assert_eq!(with("f0", "1e3"), Err(AppError::StarMarks));
        assert_eq!(with("f0", ""), Err(AppError::StarMarks));
        assert_eq!(
            with("nf0", &"很".repeat(NOTE_MAX_CHARS + 1)),
            Err(AppError::TextTooLong)
        );
        let mut missing = form(&full);
        missing.remove("b4");
        assert_eq!(marks_from_form(&t, &missing), Err(AppError::StarMarks));
    }
}

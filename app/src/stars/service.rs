//! The star rating's use cases: who may keep a template, assess, rate and see; the marks
//! turned into stars here, from the template the marks were made against.

use super::rules::{
    marks_from_form, normalize_ledger_item, outcome, template_from_input, Basic, Evidence, Marks,
    Template, EVIDENCE_PHOTOS_PER_ITEM,
};
use super::store::{self, AssessmentRow, LedgerRow, NewAssessment, NewPhoto, TemplateRow};
use super::{
    AddStarPhoto, AssessmentKind, AssessmentView, BranchStanding, BranchStars, Derived,
    EvidencePhoto, LedgerItem, Standing, TemplateView,
};
use crate::auth::authz::{authorize, can, Action, Actor};
use crate::auth::session::org_path;
use crate::auth::NamedRef;
use crate::db::{Conn, Pool};
use crate::error::{AppError, AppResult};
use crate::offline::service::{ApplyOp, OpContext};
use crate::orgs::rules::OrgKind;
use crate::state::{audit, new_id, now};
use std::collections::HashMap;

const COMMENT_MAX_CHARS: usize = 1000;

fn template_view(row: TemplateRow) -> AppResult<TemplateView> {
    Ok(TemplateView {
        template: serde_json::from_str(&row.body).map_err(|_| AppError::Internal)?,
        id: row.id,
        committee: NamedRef {
            id: row.committee_id,
            name: row.committee_name,
        },
        created_at: row.created_at,
    })
}

/// The templates of every 党委 the actor keeps, and those 党委s.
pub async fn kept_templates(
    pool: &Pool,
    actor: &Actor,
) -> AppResult<(Vec<NamedRef>, Vec<TemplateView>)> {
    let committees = crate::orgs::service::committees_kept_by(pool, actor).await?;
    if committees.is_empty() {
        return Err(AppError::Forbidden);
    }
    let ids: Vec<String> = committees.iter().map(|c| c.id.clone()).collect();
    let templates = store::current_templates(pool, &ids)
        .await?
        .into_iter()
        .map(template_view)
        .collect::<AppResult<_>>()?;
    Ok((committees, templates))
}

pub async fn save_template(
    pool: &Pool,
    actor: &Actor,
    committee_id: &str,
    field: &str,
    checks: [&str; 5],
    features: &str,
) -> AppResult<String> {
    let path = org_path(pool, committee_id)
        .await
        .map_err(|_| AppError::Forbidden)?;
    authorize(actor, Action::KeepStarTemplate, &path)?;
    let (kind, ..) = crate::orgs::service::org_kind(pool, committee_id).await?;
    if kind != OrgKind::Committee {
        return Err(AppError::OrgKind);
    }
    let template = template_from_input(field, checks, features)?;
    let body = serde_json::to_string(&template).map_err(|_| AppError::Internal)?;
    let id = new_id();
    let mut tx = pool.begin().await?;
    store::insert_template(
        &mut tx,
        &id,
        committee_id,
        &template.field,
        &body,
        &actor.user_id,
        now(),
    )
    .await?;
    audit(
        &mut *tx,
        &actor.user_id,
        "save_star_template",
        Some(committee_id),
        Some(&id),
        Some(&template.field),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The branch's name, once the caller is authorised: anything but a branch is not found.
async fn branch_name(pool: &Pool, branch_id: &str) -> AppResult<String> {
    let (kind, name, _) = crate::orgs::service::org_kind(pool, branch_id).await?;
    if kind == OrgKind::Branch {
        Ok(name)
    } else {
        Err(AppError::NotFound)
    }
}

/// Whether the actor may rate the branch: a 党委 above it, holding no role in it or its groups.
async fn may_rate(pool: &Pool, actor: &Actor, path: &[String]) -> AppResult<bool> {
    let branch_id = &path[path.len() - 1];
    Ok(can(actor, Action::RateBranch, path)
        && !crate::orgs::service::belongs_to_branch(pool, &actor.user_id, branch_id).await?)
}

/// Years that may be assessed: from 2000 to this one (Shanghai), never one still to come.
fn check_year(year: i64) -> AppResult<()> {
    let (this_year, _) = crate::shell::time::shanghai_year_month(now());
    if (2000..=this_year).contains(&year) {
        Ok(())
    } else {
        Err(AppError::StarYear)
    }
}

/// The current templates of the 党委s above the branch, the nearest 党委's first.
async fn templates_above(pool: &Pool, path: &[String]) -> AppResult<Vec<TemplateView>> {
    let above = &path[..path.len() - 1];
    let mut templates: Vec<TemplateView> = store::current_templates(pool, above)
        .await?
        .into_iter()
        .map(template_view)
        .collect::<AppResult<_>>()?;
    templates.sort_by_key(|t| std::cmp::Reverse(above.iter().position(|id| *id == t.committee.id)));
    Ok(templates)
}

pub async fn branch_stars(
    pool: &Pool,
    actor: &Actor,
    branch_id: &str,
    year: i64,
) -> AppResult<BranchStars> {
    let path = crate::orgs::service::committee_path(pool, branch_id).await?;
    authorize(actor, Action::ViewStars, &path)?;
    let name = branch_name(pool, branch_id).await?;
    check_year(year)?;
    let templates = templates_above(pool, &path).await?;
    let mut known: HashMap<String, TemplateView> = templates
        .iter()
        .map(|t| (t.id.clone(), t.clone()))
        .collect();
    let mut assessments = Vec::new();
    for row in store::assessments(pool, branch_id, year).await? {
        if !known.contains_key(&row.template_id) {
            // An earlier version of a template: the assessment shows the items it was made on.
            let old = store::template(pool, &row.template_id)
                .await?
                .ok_or(AppError::Internal)?;
            known.insert(row.template_id.clone(), template_view(old)?);
        }
        let template = known[&row.template_id].clone();
        assessments.push(assessment_view(row, template)?);
    }
    Ok(BranchStars {
        branch: NamedRef {
            id: branch_id.to_string(),
            name,
        },
        year,
        templates,
        derived: derived(pool, branch_id, year).await?,
        assessments,
        can_assess: can(actor, Action::AssessBranch, &path),
        can_rate: may_rate(pool, actor, &path).await?,
        cadre: store::cadres(pool, &[branch_id.to_string()])
            .await?
            .into_iter()
            .next()
            .map(|(.., name)| name),
        ledger: store::ledger(pool, &[branch_id.to_string()], year)
            .await?
            .into_iter()
            .map(ledger_item)
            .collect(),
        can_follow: can(actor, Action::FollowBranch, &path),
    })
}

pub async fn evidence_photos(
    pool: &Pool,
    actor: &Actor,
    branch_id: &str,
    year: i64,
) -> AppResult<Vec<EvidencePhoto>> {
    may_view_stars(pool, actor, branch_id).await?;
    check_year(year)?;
    Ok(store::photos(pool, branch_id, year)
        .await?
        .into_iter()
        .filter_map(|row| {
            Some(EvidencePhoto {
                item: Evidence::parse(&row.item)?,
                id: row.id,
                width: row.width,
                height: row.height,
            })
        })
        .collect())
}

/// Whether the id names one of the branches' photos of evidence.
pub async fn holds_photo(conn: &mut Conn, photo_id: &str) -> AppResult<bool> {
    Ok(store::photo_place(conn, photo_id).await?.is_some())
}

/// `/media/…` for a photo of evidence: those who see its branch's stars. False when the
/// photo is not one of evidence for a 自评.
pub async fn may_view_photo(pool: &Pool, actor: &Actor, photo_id: &str) -> AppResult<bool> {
    let Some((branch_id, ..)) = store::photo_place(pool, photo_id).await? else {
        return Ok(false);
    };
    may_view_stars(pool, actor, &branch_id).await?;
    Ok(true)
}

/// Those who see the branch's stars see its photos of evidence.
pub async fn may_view_stars(pool: &Pool, actor: &Actor, branch_id: &str) -> AppResult<()> {
    let path = crate::orgs::service::committee_path(pool, branch_id).await?;
    authorize(actor, Action::ViewStars, &path)
}

impl ApplyOp for AddStarPhoto {
    /// For the branch's committee, for a year that may be assessed, a dozen per item at
    /// most. The photo is re-encoded before it is stored.
    async fn apply(self, ctx: &OpContext<'_>, conn: &mut Conn) -> AppResult<serde_json::Value> {
        use crate::uploads::{photos::phone_photo_id, service as uploads};
        let path = org_path(&mut *conn, &self.branch_id).await?;
        authorize(ctx.actor, Action::AssessBranch, &path)?;
        let (kind, ..) = crate::orgs::service::org_kind(&mut *conn, &self.branch_id).await?;
        if kind != OrgKind::Branch {
            return Err(AppError::NotFound);
        }
        check_year(self.year)?;
        let item = Evidence::parse(&self.item).ok_or(AppError::BadPayload)?;
        let id = phone_photo_id(&self.id)?;
        if let Some(place) = store::photo_place(&mut *conn, &id).await? {
            return if place == (self.branch_id.clone(), self.year, self.item.clone()) {
                Ok(serde_json::json!({ "id": id }))
            } else {
                Err(AppError::BadPayload)
            };
        }
        uploads::unclaimed(conn, &id).await?;
        if store::photos_of_item(conn, &self.branch_id, self.year, item.as_str()).await?
            >= EVIDENCE_PHOTOS_PER_ITEM
        {
            return Err(AppError::EvidencePhotosFull);
        }
        let clean = ctx.photos.get(&self.data)?;
        uploads::count_upload(conn, &id, &ctx.actor.user_id, clean.jpeg.len()).await?;
        ctx.keep_file(&id, &clean);
        store::insert_photo(
            conn,
            &NewPhoto {
                id: &id,
                branch_id: &self.branch_id,
                year: self.year,
                item: item.as_str(),
                width: clean.width,
                height: clean.height,
                bytes: clean.jpeg.len(),
                by: &ctx.actor.user_id,
                at: ctx.received_at,
            },
        )
        .await?;
        audit(
            &mut *conn,
            &ctx.actor.user_id,
            "star_evidence_photo",
            Some(&self.branch_id),
            Some(&id),
            Some(&format!("{} {}", self.year, item.as_str())),
        )
        .await?;
        Ok(serde_json::json!({ "id": id }))
    }
}

fn ledger_item(row: LedgerRow) -> LedgerItem {
    LedgerItem {
        basic: row.basic.as_deref().and_then(Basic::parse),
        done: row
            .done_at
            .map(|at| (at, row.done_note.unwrap_or_default())),
        id: row.id,
        item: row.item,
        follow_up_by: row.follow_up_name,
        due_at: row.due_at,
    }
}

/// The branch's path of 党委s, once the caller follows it for a 党委 above.
async fn followed_branch(pool: &Pool, actor: &Actor, branch_id: &str) -> AppResult<Vec<String>> {
    let path = crate::orgs::service::committee_path(pool, branch_id).await?;
    authorize(actor, Action::FollowBranch, &path)?;
    branch_name(pool, branch_id).await?;
    Ok(path)
}

/// 包联: the cadre, found by phone, must keep one of the 党委s above the branch.
pub async fn assign_cadre(
    pool: &Pool,
    actor: &Actor,
    branch_id: &str,
    phone: &str,
) -> AppResult<()> {
    let path = followed_branch(pool, actor, branch_id).await?;
    let phone = crate::auth::rules::normalize_phone(phone).map_err(|_| AppError::NotCadre)?;
    let cadre = crate::auth::service::admin_of_any(pool, &phone, &path[..path.len() - 1]).await?;
    let cadre = cadre.ok_or(AppError::NotCadre)?;
    let mut tx = pool.begin().await?;
    store::set_cadre(&mut tx, branch_id, &cadre, &actor.user_id, now()).await?;
    audit(
        &mut *tx,
        &actor.user_id,
        "assign_cadre",
        Some(branch_id),
        Some(&cadre),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An unmet item into the branch's 台账, followed up by its 包联 cadre (by whoever writes
/// it when there is none), due by the end of `due` (Shanghai).
pub async fn add_ledger_item(
    pool: &Pool,
    actor: &Actor,
    branch_id: &str,
    year: i64,
    basic: Option<Basic>,
    item: &str,
    due: &str,
) -> AppResult<String> {
    followed_branch(pool, actor, branch_id).await?;
    check_year(year)?;
    let item = normalize_ledger_item(item)?;
    let due_at = crate::shell::time::end_of_day(due).ok_or(AppError::DueDate)?;
    let follow_up = store::cadres(pool, &[branch_id.to_string()])
        .await?
        .into_iter()
        .next()
        .map(|(_, cadre, _)| cadre)
        .unwrap_or_else(|| actor.user_id.clone());
    let id = new_id();
    let mut tx = pool.begin().await?;
    store::insert_ledger_item(
        &mut tx,
        &store::NewLedgerItem {
            id: &id,
            branch_id,
            year,
            basic: basic.map(Basic::as_str),
            item: &item,
            follow_up_by: &follow_up,
            due_at,
            by: &actor.user_id,
            at: now(),
        },
    )
    .await?;
    audit(
        &mut *tx,
        &actor.user_id,
        "add_ledger_item",
        Some(branch_id),
        Some(&id),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn finish_ledger_item(
    pool: &Pool,
    actor: &Actor,
    item_id: &str,
    note: &str,
) -> AppResult<()> {
    let branch_id = store::ledger_item_branch(pool, item_id)
        .await?
        .ok_or(AppError::NotFound)?;
    followed_branch(pool, actor, &branch_id).await?;
    let note = note.trim();
    if note.chars().count() > super::rules::LEDGER_ITEM_MAX_CHARS {
        return Err(AppError::TextTooLong);
    }
    let mut tx = pool.begin().await?;
    if !store::finish_ledger_item(&mut tx, item_id, note, now()).await? {
        return Err(AppError::AlreadyDecided);
    }
    audit(
        &mut *tx,
        &actor.user_id,
        "finish_ledger_item",
        Some(&branch_id),
        Some(item_id),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn assessment_view(row: AssessmentRow, template: TemplateView) -> AppResult<AssessmentView> {
    let marks: Marks = serde_json::from_str(&row.marks).map_err(|_| AppError::Internal)?;
    Ok(AssessmentView {
        kind: AssessmentKind::parse(&row.kind).ok_or(AppError::Internal)?,
        outcome: outcome(&marks),
        marks,
        template,
        comment: row.comment,
        by: row.created_by_name,
        at: row.created_at,
        id: row.id,
    })
}

async fn derived(pool: &Pool, branch_id: &str, year: i64) -> AppResult<Derived> {
    let makeup = crate::orgs::service::branch_makeup(pool, branch_id).await?;
    let activity = crate::meetings::service::year_activity(pool, branch_id, year).await?;
    let (from, to) = crate::shell::time::shanghai_year_range(year);
    Ok(Derived {
        groups: makeup.groups,
        full_members: makeup.full,
        probationary_members: makeup.probationary,
        secretaries: makeup.secretaries,
        review_results: crate::reviews::service::year_results(pool, branch_id, year).await?,
        judged_until_month: activity.until_month,
        required_cells: activity.required_cells,
        short_cells: activity.short_cells,
        meetings_held: activity.held,
        meetings_with_minutes: activity.with_minutes,
        expected: activity.expected,
        present: activity.present,
        points_awarded: crate::points::service::branch_points_between(pool, branch_id, from, to)
            .await?,
        wishes_fulfilled: crate::wishes::service::fulfilled_by_branch_between(
            pool, branch_id, from, to,
        )
        .await?,
    })
}

/// A self-assessment by the branch's committee or a rating by a 党委 above, against one of
/// the templates of the 党委s above the branch. The stars are the server's arithmetic.
#[allow(clippy::too_many_arguments)]
pub async fn save_assessment(
    pool: &Pool,
    actor: &Actor,
    branch_id: &str,
    year: i64,
    kind: AssessmentKind,
    template_id: &str,
    form: &HashMap<String, String>,
    comment: &str,
) -> AppResult<String> {
    let path = crate::orgs::service::committee_path(pool, branch_id).await?;
    match kind {
        AssessmentKind::SelfAssessment => authorize(actor, Action::AssessBranch, &path)?,
        AssessmentKind::Rating => {
            if crate::orgs::service::belongs_to_branch(pool, &actor.user_id, branch_id).await? {
                return Err(AppError::OwnBranch);
            }
            authorize(actor, Action::RateBranch, &path)?;
        }
    }
    branch_name(pool, branch_id).await?;
    check_year(year)?;
    let comment = comment.trim();
    if comment.chars().count() > COMMENT_MAX_CHARS {
        return Err(AppError::TextTooLong);
    }
    // Only the current version of a template of a 党委 above this branch applies to it: a
    // form left open across a change is marked again on the template in force.
    let row = store::current_templates(pool, &path[..path.len() - 1])
        .await?
        .into_iter()
        .find(|t| t.id == template_id)
        .ok_or(AppError::NoStarTemplate)?;
    let template: Template = serde_json::from_str(&row.body).map_err(|_| AppError::Internal)?;
    let marks = marks_from_form(&template, form)?;
    let result = outcome(&marks);
    let marks_json = serde_json::to_string(&marks).map_err(|_| AppError::Internal)?;
    let blocked_by = result.failed.first().map(|b| b.as_str());
    let id = new_id();
    let mut tx = pool.begin().await?;
    store::insert_assessment(
        &mut tx,
        &NewAssessment {
            id: &id,
            branch_id,
            year,
            kind: kind.as_str(),
            template_id,
            marks: &marks_json,
            comment,
            stars: i64::from(result.stars),
            blocked_by,
            by: &actor.user_id,
            at: now(),
        },
    )
    .await?;
    audit(
        &mut *tx,
        &actor.user_id,
        match kind {
            AssessmentKind::SelfAssessment => "star_self_assessment",
            AssessmentKind::Rating => "star_rating",
        },
        Some(branch_id),
        Some(&id),
        Some(&format!("{year}: {}★", result.stars)),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Every branch below the 党委s the actor keeps, with its latest rating and
/// self-assessment of `year`.
pub async fn standings(pool: &Pool, actor: &Actor, year: i64) -> AppResult<Vec<BranchStanding>> {
    let committees = crate::orgs::service::committees_kept_by(pool, actor).await?;
    if committees.is_empty() {
        return Err(AppError::Forbidden);
    }
    check_year(year)?;
    let roots: Vec<&str> = committees.iter().map(|c| c.id.as_str()).collect();
    let branches = crate::orgs::service::branches_under(pool, &roots).await?;
    let ids: Vec<String> = branches.iter().map(|b| b.id.clone()).collect();
    let mut latest: HashMap<String, Vec<AssessmentRow>> = HashMap::new();
    for row in store::latest_assessments(pool, &ids, year).await? {
        latest.entry(row.branch_id.clone()).or_default().push(row);
    }
    let cadres: HashMap<String, String> = store::cadres(pool, &ids)
        .await?
        .into_iter()
        .map(|(branch, _, name)| (branch, name))
        .collect();
    let mut open_items: HashMap<String, (i64, i64)> = HashMap::new();
    let at = now();
    for item in store::ledger(pool, &ids, year).await? {
        if item.done_at.is_none() {
            let counts = open_items.entry(item.branch_id.clone()).or_default();
            counts.0 += 1;
            counts.1 += i64::from(at > item.due_at);
        }
    }
    Ok(branches
        .into_iter()
        .map(|branch| {
            let (open, overdue) = open_items.get(&branch.id).copied().unwrap_or_default();
            let mut standing = BranchStanding {
                cadre: cadres.get(&branch.id).cloned(),
                open_items: open,
                overdue_items: overdue,
                branch,
                rating: None,
                self_assessment: None,
            };
            for row in latest.remove(&standing.branch.id).unwrap_or_default() {
                let entry = Standing {
                    stars: u8::try_from(row.stars).unwrap_or(0),
                    blocked_by: row.blocked_by.as_deref().and_then(Basic::parse),
                    field: row.field,
                    at: row.created_at,
                };
                match AssessmentKind::parse(&row.kind) {
                    Some(AssessmentKind::Rating) => standing.rating = Some(entry),
                    Some(AssessmentKind::SelfAssessment) => standing.self_assessment = Some(entry),
                    None => {}
                }
            }
            standing
        })
        .collect())
}

/// `GET /admin/stars.csv?year=`: the 党委's page as a spreadsheet, one line per branch.
pub async fn export_csv(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    axum::extract::Query(query): axum::extract::Query<HashMap<String, String>>,
    request: axum::extract::Request,
) -> axum::response::Response {
    let (parts, _) = request.into_parts();
    let year = query
        .get("year")
        .and_then(|y| y.parse::<i64>().ok())
        .unwrap_or_else(|| crate::shell::time::shanghai_year_month(now()).0);
    let csv = async {
        let actor = crate::auth::session::actor_from_parts(&state.pool, &parts).await?;
        standings_csv(&standings(&state.pool, &actor, year).await?)
    };
    match csv.await {
        Ok(csv) => crate::shell::csv::attachment(&format!("stars-{year}.csv"), csv),
        Err(error) => crate::uploads::service::error_response(error),
    }
}

fn standings_csv(standings: &[BranchStanding]) -> AppResult<String> {
    use super::rules::{title_zh, Tier};
    use crate::shell::time::format_datetime;
    let rows: Vec<Vec<String>> = standings
        .iter()
        .map(|s| {
            let rating = s.rating.as_ref();
            vec![
                s.branch.name.clone(),
                rating.map(|r| r.field.clone()).unwrap_or_default(),
                rating.map(|r| r.stars.to_string()).unwrap_or_default(),
                rating
                    .and_then(|r| title_zh(r.stars))
                    .unwrap_or_default()
                    .to_string(),
                rating
                    .map(|r| Tier::of(r.stars).label_zh().to_string())
                    .unwrap_or_default(),
                rating
                    .and_then(|r| r.blocked_by)
                    .map(|b| b.label_zh().to_string())
                    .unwrap_or_default(),
                rating.map(|r| format_datetime(r.at)).unwrap_or_default(),
                s.self_assessment
                    .as_ref()
                    .map(|r| r.stars.to_string())
                    .unwrap_or_default(),
                s.cadre.clone().unwrap_or_default(),
                s.open_items.to_string(),
                s.overdue_items.to_string(),
            ]
        })
        .collect();
    Ok(crate::shell::csv::document(
        &[
            "支部",
            "领域",
            "星级",
            "称号",
            "分组",
            "未达标基本项",
            "评定时间",
            "自评星级",
        ],
        &rows,
    ))
}

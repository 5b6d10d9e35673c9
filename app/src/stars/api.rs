//! Star rating server functions; [`super::service`] decides who may do what.

use super::{BranchStanding, BranchStars, TemplateView};
use crate::auth::NamedRef;
use crate::error::AppError;
use leptos::prelude::*;
use std::collections::HashMap;

#[server(endpoint = "star_templates", output = crate::json::Answer)]
pub async fn fetch_templates() -> Result<(Vec<NamedRef>, Vec<TemplateView>), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::kept_templates(&state.pool, &actor).await
}

#[allow(clippy::too_many_arguments)]
#[server(endpoint = "save_star_template", output = crate::json::Answer)]
pub async fn save_template(
    committee_id: String,
    field: String,
    organisation: String,
    team: String,
    system: String,
    activities: String,
    support: String,
    features: String,
) -> Result<String, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    let checks = [
        organisation.as_str(),
        team.as_str(),
        system.as_str(),
        activities.as_str(),
        support.as_str(),
    ];
    super::service::save_template(
        &state.pool,
        &actor,
        &committee_id,
        &field,
        checks,
        &features,
    )
    .await
}

#[server(endpoint = "branch_stars", output = crate::json::Answer)]
pub async fn fetch_branch_stars(branch_id: String, year: i64) -> Result<BranchStars, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::branch_stars(&state.pool, &actor, &branch_id, year).await
}

/// The year's photos of evidence, oldest first: fetched apart from the page, so that a photo
/// synced from the outbox shows without the page (and a form being filled) drawn again.
#[server(endpoint = "star_photos", output = crate::json::Answer)]
pub async fn fetch_evidence_photos(
    branch_id: String,
    year: i64,
) -> Result<Vec<super::EvidencePhoto>, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::evidence_photos(&state.pool, &actor, &branch_id, year).await
}

/// 自评 (`kind` "self") or 评定 (`kind` "rating"); `marks` as [`super::rules::marks_from_form`]
/// reads them.
#[server(endpoint = "save_star_assessment", output = crate::json::Answer)]
pub async fn save_assessment(
    branch_id: String,
    year: i64,
    kind: String,
    template_id: String,
    #[server(default)] marks: HashMap<String, String>,
    #[server(default)] comment: String,
) -> Result<String, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    let kind = super::AssessmentKind::parse(&kind).ok_or(AppError::BadPayload)?;
    super::service::save_assessment(
        &state.pool,
        &actor,
        &branch_id,
        year,
        kind,
        &template_id,
        &marks,
        &comment,
    )
    .await
}

#[server(endpoint = "star_standings", output = crate::json::Answer)]
pub async fn fetch_standings(year: i64) -> Result<Vec<BranchStanding>, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::standings(&state.pool, &actor, year).await
}

#[server(endpoint = "assign_cadre", output = crate::json::Answer)]
pub async fn assign_cadre(branch_id: String, phone: String) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::assign_cadre(&state.pool, &actor, &branch_id, &phone).await
}

#[server(endpoint = "add_ledger_item", output = crate::json::Answer)]
pub async fn add_ledger_item(
    branch_id: String,
    year: i64,
    #[server(default)] basic: String,
    item: String,
    due: String,
) -> Result<String, AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    let basic = match basic.as_str() {
        "" => None,
        key => Some(super::rules::Basic::parse(key).ok_or(AppError::BadPayload)?),
    };
    super::service::add_ledger_item(&state.pool, &actor, &branch_id, year, basic, &item, &due).await
}

#[server(endpoint = "finish_ledger_item", output = crate::json::Answer)]
pub async fn finish_ledger_item(
    item_id: String,
    #[server(default)] note: String,
) -> Result<(), AppError> {
    let (state, actor) = crate::auth::session::require_actor().await?;
    super::service::finish_ledger_item(&state.pool, &actor, &item_id, &note).await
}

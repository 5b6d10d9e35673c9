//! The 党委's page of every branch's stars, its templates, and a branch's year: what the
//! records show, the self-assessment, the rating and their history.

use super::api::{
    fetch_branch_stars, fetch_evidence_photos, fetch_standings, fetch_templates, AddLedgerItem,
    AssignCadre, FinishLedgerItem, SaveAssessment, SaveTemplate,
};
use super::rules::{
    cadre_gaps, feature_lines, standard_template, title_zh, Basic, Evidence, Marks, Tier,
    HIGHLIGHT_POINTS,
};
use super::{
    AddStarPhoto, AssessmentKind, AssessmentView, BranchStars, Derived, EvidencePhoto, TemplateView,
};
use crate::auth::views::SubmitButton;
use crate::auth::NamedRef;
use crate::error::AppError;
use crate::i18n::{tr, Msg};
use crate::offline::views::{queue_chosen_photo, use_offline, waiting_ops};
use crate::shell::fetched::{fetched, Fetched};
use crate::shell::time::{format_date, format_datetime, now_secs, shanghai_year_month};
use crate::shell::{
    action_error, route_param, saved_version, year_in_query, Empty, ErrorNote, Loading, PageHeader,
    WithUser,
};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;

/// The first year the server takes an assessment for.
const FIRST_YEAR: i64 = 2000;

/// ‹ 2025 · 2026 › : the year shown, with links to the one before and (up to this year) after.
fn year_nav(base: String, year: i64) -> impl IntoView {
    let this_year = shanghai_year_month(now_secs()).0;
    view! {
        <nav class="year-nav">
            {(year > FIRST_YEAR).then(|| view! {
                <A href=format!("{base}?year={}", year - 1) attr:class="chip">"‹ " {year - 1}</A>
            })}
            <strong data-testid="year">{year} "年"</strong>
            {(year < this_year).then(|| view! {
                <A href=format!("{base}?year={}", year + 1) attr:class="chip">{year + 1} " ›"</A>
            })}
        </nav>
    }
}

fn star_row(stars: u8) -> impl IntoView {
    let filled = "★".repeat(stars as usize);
    let empty = "☆".repeat(10usize.saturating_sub(stars as usize));
    view! {
        <span class="stars" data-stars=stars aria-label=format!("{stars} 星")>
            <span class="on">{filled}</span><span class="off">{empty}</span>
        </span>
    }
}

fn tier_badge(stars: u8) -> impl IntoView {
    let tier = Tier::of(stars);
    view! {
        <span class=format!("badge tier-{}", tier.as_str()) data-tier=tier.as_str()>{tier.label_zh()}</span>
        {title_zh(stars).map(|t| view! { <span class="badge">{t}</span> })}
    }
}

/// `/admin/stars`: every branch below the 党委 with its stars, what blocks it, its group
/// and its self-assessment; a CSV of the same.
#[component]
pub fn StandingsPage() -> impl IntoView {
    let year = year_in_query();
    let data = fetched(move || year.get(), fetch_standings);
    view! {
        <PageHeader title=Msg::Stars back="/"/>
        <WithUser view=move |_| view! {
            {move || year_nav("/admin/stars".into(), year.get())}
            <p class="muted">{tr(Msg::StarsLead)}</p>
            <p class="actions">
                <A href="/admin/stars/templates" attr:class="chip">{tr(Msg::StarTemplates)}</A>
                <a class="chip" rel="external" download data-testid="export-csv"
                    href=move || format!("/admin/stars.csv?year={}", year.get())>{tr(Msg::ExportCsv)}</a>
            </p>
            <Transition fallback=Loading>
                {move || data.get().map(|result| match result {
                    Err(error) => view! { <div class="card"><ErrorNote error/></div> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <div class="card"><Empty msg=Msg::NoBranches/></div> }.into_any(),
                    Ok(list) => {
                        let count = |tier: Option<Tier>| list.iter().filter(|s| s.rating.as_ref().map(|r| Tier::of(r.stars)) == tier).count();
                        let summary = format!(
                            "头雁 {} · 提升 {} · 转化 {} · 未评定 {}",
                            count(Some(Tier::Leading)), count(Some(Tier::Rising)),
                            count(Some(Tier::Transforming)), count(None),
                        );
                        // 包联: each cadre's branches by group, and the groups still missing.
                        let mut cadres: Vec<(String, Vec<Tier>)> = Vec::new();
                        for s in &list {
                            let Some(cadre) = s.cadre.clone() else { continue };
                            let tier = s.rating.as_ref().map(|r| Tier::of(r.stars));
                            match cadres.iter_mut().find(|(name, _)| *name == cadre) {
                                Some((_, tiers)) => tiers.extend(tier),
                                None => cadres.push((cadre, tier.into_iter().collect())),
                            }
                        }
                        let balance: Vec<String> = cadres.iter().map(|(name, tiers)| {
                            let count = |t: Tier| tiers.iter().filter(|x| **x == t).count();
                            let gaps = cadre_gaps(tiers);
                            let missing = if gaps.is_empty() {
                                String::new()
                            } else {
                                format!("（缺{}）", gaps.iter().map(|t| t.label_zh()).collect::<Vec<_>>().join("、"))
                            };
                            format!("{name}：头雁 {} · 提升 {} · 转化 {}{missing}",
                                count(Tier::Leading), count(Tier::Rising), count(Tier::Transforming))
                        }).collect();
                        view! {
                            <p class="tier-summary" data-testid="tier-summary">{summary}</p>
                            {(!balance.is_empty()).then(|| view! {
                                <div class="card cadre-balance">
                                    <h3>{tr(Msg::CadreBalance)}</h3>
                                    <ul class="plain">
                                        {balance.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                                    </ul>
                                </div>
                            })}
                            <ul class="plain">
                                {list.into_iter().map(|s| {
                                    let href = format!("/branch/{}/stars?year={}", s.branch.id, year.get_untracked());
                                    let tier = s.rating.as_ref().map(|r| Tier::of(r.stars).as_str());
                                    view! {
                                        <li class="card standing" data-branch=s.branch.id.clone() data-tier=tier>
                                            <A href=href><strong>{s.branch.name.clone()}</strong></A>
                                            {match s.rating {
                                                Some(r) => view! {
                                                    <p>{star_row(r.stars)} " " {tier_badge(r.stars)}</p>
                                                    <p class="muted">{r.field.clone()} " · " {format_datetime(r.at)}</p>
                                                    {r.blocked_by.map(|b| view! {
                                                        <p class="blocked">{tr(Msg::BlockedBy)} "：" {b.label_zh()}</p>
                                                    })}
                                                }.into_any(),
                                                None => view! { <p><span class="badge">{tr(Msg::NotRated)}</span></p> }.into_any(),
                                            }}
                                            <p class="muted" data-testid="follow-up">
                                                {tr(Msg::Cadre)} "：" {s.cadre.clone().unwrap_or_else(|| "—".into())}
                                                " · " {tr(Msg::Ledger)} " " {s.open_items} " 项未完成"
                                                {(s.overdue_items > 0).then(|| format!("（{} 项逾期）", s.overdue_items))}
                                            </p>
                                            <p class="muted">
                                                {match s.self_assessment {
                                                    Some(a) => view! { {tr(Msg::SelfAssessed)} " " {a.stars} "★" }.into_any(),
                                                    None => view! { {tr(Msg::NotSelfAssessed)} }.into_any(),
                                                }}
                                            </p>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                })}
            </Transition>
        }/>
    }
}

/// `/admin/stars/templates`: each 党委's template per field, a new version on each save.
#[component]
pub fn TemplatesPage() -> impl IntoView {
    let save = ServerAction::<SaveTemplate>::new();
    let saved = saved_version(save.value());
    let data = fetched(move || saved.get(), |_| fetch_templates());
    view! {
        <PageHeader title=Msg::StarTemplates back="/admin/stars"/>
        <WithUser view=move |_| view! {
            <p class="muted">{tr(Msg::StarTemplatesLead)}</p>
            {action_error(save.value())}
            <Transition fallback=Loading>
                {move || data.get().map(|result| match result {
                    Err(error) => view! { <div class="card"><ErrorNote error/></div> }.into_any(),
                    Ok((committees, templates)) => committees.into_iter().map(|committee| {
                        let own: Vec<TemplateView> = templates.iter().filter(|t| t.committee.id == committee.id).cloned().collect();
                        let first = own.is_empty();
                        let committee_id = committee.id.clone();
                        let committee_name = committee.name.clone();
                        view! {
                            <section class="card" data-committee=committee_id>
                                <h2>{committee_name}</h2>
                                {first.then(|| view! { <Empty msg=Msg::NoStarTemplateYet/> })}
                                {own.into_iter().map(|t| {
                                    let field = t.template.field.clone();
                                    let key = field.clone();
                                    view! {
                                        <details class="template" data-field=key>
                                            <summary><strong>{field}</strong> " · " {format_datetime(t.created_at)}</summary>
                                            {template_form(committee.clone(), Some(t.template), save)}
                                        </details>
                                    }
                                }).collect_view()}
                                <details class="template" open=first>
                                    <summary>{tr(if first { Msg::UseStandardTemplate } else { Msg::NewTemplate })}</summary>
                                    {template_form(committee, first.then(standard_template), save)}
                                </details>
                            </section>
                        }
                    }).collect_view().into_any(),
                })}
            </Transition>
        }/>
    }
}

fn template_form(
    committee: NamedRef,
    template: Option<super::rules::Template>,
    save: ServerAction<SaveTemplate>,
) -> impl IntoView {
    let checks: Vec<String> = (0..Basic::ALL.len())
        .map(|i| {
            template
                .as_ref()
                .and_then(|t| t.checks.get(i).cloned())
                .unwrap_or_default()
        })
        .collect();
    let field = template
        .as_ref()
        .map(|t| t.field.clone())
        .unwrap_or_default();
    let features = template.as_ref().map(feature_lines).unwrap_or_default();
    let names = ["organisation", "team", "system", "activities", "support"];
    view! {
        <ActionForm action=save>
            <input type="hidden" name="committee_id" value=committee.id/>
            <label>{tr(Msg::StarField)}
                <input name="field" maxlength="20" required value=field/>
            </label>
            {Basic::ALL.into_iter().zip(names).enumerate().map(|(i, (basic, name))| view! {
                <label>{basic.label_zh()}
                    <textarea name=name maxlength="200" rows="2" required>{checks[i].clone()}</textarea>
                </label>
            }).collect_view()}
            <label>{tr(Msg::StarFeatureLines)}
                <textarea name="features" rows="6" required>{features}</textarea>
            </label>
            <SubmitButton pending=save.pending().into() label=Msg::SaveTemplate busy=Msg::Saving/>
        </ActionForm>
    }
}

/// `/branch/:id/stars`: the branch's year for its committee and the 党委 above.
#[component]
pub fn BranchStarsPage() -> impl IntoView {
    let branch = route_param("id");
    let year = year_in_query();
    let save = ServerAction::<SaveAssessment>::new();
    let follow = Follow {
        cadre: ServerAction::new(),
        add: ServerAction::new(),
        finish: ServerAction::new(),
    };
    let saved = saved_version(save.value());
    let cadre_saved = saved_version(follow.cadre.value());
    let added = saved_version(follow.add.value());
    let finished = saved_version(follow.finish.value());
    let offline = use_offline();
    // Photos of evidence are read again after the outbox changes, but only with a signal:
    // offline, the read would fail and put an error where the photos were.
    let outbox_seen = Memo::new(move |seen: Option<&u64>| {
        if offline.online.get() {
            offline.version.get()
        } else {
            seen.copied().unwrap_or_default()
        }
    });
    let photos = fetched(
        move || (branch.get(), year.get(), outbox_seen.get()),
        |(b, y, _)| fetch_evidence_photos(b, y),
    );
    let data = fetched(
        move || {
            (
                branch.get(),
                year.get(),
                saved.get(),
                cadre_saved.get(),
                added.get(),
                finished.get(),
            )
        },
        |(b, y, ..)| fetch_branch_stars(b, y),
    );
    view! {
        <PageHeader title=Msg::Stars back="/"/>
        <WithUser view=move |_| view! {
            {move || year_nav(format!("/branch/{}/stars", branch.get()), year.get())}
            <Transition fallback=Loading>
                {move || data.get().map(|result| match result {
                    Err(error) => view! { <div class="card"><ErrorNote error/></div> }.into_any(),
                    Ok(page) => branch_year(page, save, follow, photos).into_any(),
                })}
            </Transition>
        }/>
    }
}

/// The 党委's follow-up of a branch: its 包联 cadre and its 台账.
#[derive(Clone, Copy)]
struct Follow {
    cadre: ServerAction<AssignCadre>,
    add: ServerAction<AddLedgerItem>,
    finish: ServerAction<FinishLedgerItem>,
}

type Photos = Fetched<Result<Vec<EvidencePhoto>, AppError>>;

fn branch_year(
    page: BranchStars,
    save: ServerAction<SaveAssessment>,
    follow: Follow,
    photos: Photos,
) -> impl IntoView {
    let rating = page.latest(AssessmentKind::Rating).cloned();
    let own = page.latest(AssessmentKind::SelfAssessment).cloned();
    let form = if page.can_rate {
        Some(AssessmentKind::Rating)
    } else if page.can_assess {
        Some(AssessmentKind::SelfAssessment)
    } else {
        None
    };
    view! {
        <div class="card">
            <h2>{page.branch.name.clone()}</h2>
            <p class="muted">{tr(Msg::StarsLead)}</p>
        </div>
        <section class="card current" data-testid="current-rating">
            <h3>{tr(Msg::Rating)}</h3>
            {match &rating {
                Some(r) => summary(r).into_any(),
                None => view! { <p><span class="badge">{tr(Msg::NotRated)}</span></p> }.into_any(),
            }}
            <h3>{tr(Msg::SelfAssessment)}</h3>
            {match &own {
                Some(a) => summary(a).into_any(),
                None => view! { <p><span class="badge">{tr(Msg::NotSelfAssessed)}</span></p> }.into_any(),
            }}
        </section>
        {records(&page.branch.id, page.year, &page.derived)}
        <EvidencePhotos branch_id=page.branch.id.clone() year=page.year
            photos can_add=page.can_assess/>
        {ledger_view(&page, follow)}
        {form.map(|kind| assessment_form(&page, kind, save))}
        <section class="card history">
            <h3>{tr(Msg::StarHistory)}</h3>
            {page.assessments.is_empty().then(|| view! { <Empty msg=Msg::NoStarHistory/> })}
            <ul class="plain">
                {page.assessments.iter().map(|a| view! {
                    <li data-kind=a.kind.as_str()>
                        <strong>{tr(kind_label(a.kind))}</strong> " " {a.outcome.stars} "★ · "
                        {a.template.template.field.clone()} " · " {a.by.clone()} " · " {format_datetime(a.at)}
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

/// The committee's photos of evidence, by the item they back, and those still in the
/// outbox. A chosen photo is shrunk on the phone and queued, so it waits for a signal.
#[component]
fn EvidencePhotos(branch_id: String, year: i64, photos: Photos, can_add: bool) -> impl IntoView {
    let offline = use_offline();
    let branch = StoredValue::new(branch_id);
    let item = RwSignal::new(Evidence::Basic(Basic::Activities));
    let error = RwSignal::new(None::<AppError>);
    let queued = RwSignal::new(false);
    let waiting = move || {
        waiting_ops::<AddStarPhoto>(offline, |photo| {
            photo.year == year && branch.with_value(|b| &photo.branch_id == b)
        })
    };
    let chosen = move |ev: leptos::ev::Event| {
        queue_chosen_photo(ev, queued, error, move |data| AddStarPhoto {
            id: uuid::Uuid::now_v7().to_string(),
            branch_id: branch.get_value(),
            year,
            item: item.get_untracked().as_str().to_string(),
            data,
        });
    };
    let groups = move || {
        // A failed read says so above the photos still waiting, which stay in view.
        let (stored, failed) = match photos.get() {
            Some(Ok(stored)) => (stored, None),
            Some(Err(error)) => (Vec::new(), Some(error)),
            None => (Vec::new(), None),
        };
        let waiting = waiting();
        let shown = Evidence::all()
            .filter_map(|e| {
                let kept: Vec<&EvidencePhoto> = stored.iter().filter(|p| p.item == e).collect();
                let pending: Vec<_> = waiting
                    .iter()
                    .filter(|(p, _)| p.item == e.as_str())
                    .cloned()
                    .collect();
                (!kept.is_empty() || !pending.is_empty()).then(|| view! {
                    <div class="evidence-item" data-item=e.as_str()>
                        <h4>{e.label_zh()}</h4>
                        <div class="photos">
                            {kept.into_iter().map(|p| view! {
                                <a href=format!("/media/{}.jpg", p.id) target="_blank" data-photo=p.id.clone()>
                                    <img src=format!("/media/{}.jpg", p.id) loading="lazy" alt=""
                                        width=p.width height=p.height/>
                                </a>
                            }).collect_view()}
                            {pending.into_iter().map(|(photo, rejected)| view! {
                                <figure class="waiting">
                                    <img src=photo.data alt=""/>
                                    <figcaption class="badge">{tr(Msg::StatusPending)}</figcaption>
                                    {rejected.map(|error| view! { <ErrorNote error/> })}
                                </figure>
                            }).collect_view()}
                        </div>
                    </div>
                })
            })
            .collect::<Vec<_>>();
        let empty = (shown.is_empty() && failed.is_none())
            .then(|| view! { <p class="muted">{tr(Msg::NoEvidencePhotos)}</p> });
        view! {
            {failed.map(|error| view! { <ErrorNote error/> })}
            {empty}
            {shown.collect_view()}
        }
    };
    view! {
        <section class="card photos-card evidence" data-testid="evidence">
            <h3>{tr(Msg::EvidencePhotos)}</h3>
            {groups}
            {move || queued.get().then(|| view! { <p class="ok" role="status">{tr(Msg::PhotoQueued)}</p> })}
            {move || error.get().map(|error| view! { <ErrorNote error/> })}
            {can_add.then(|| view! {
                <div class="add-evidence">
                    <label>{tr(Msg::EvidenceItem)}
                        <select name="item" on:change=move |ev| {
                            if let Some(e) = Evidence::parse(&event_target_value(&ev)) {
                                item.set(e);
                            }
                        }>
                            {Evidence::all().map(|e| view! {
                                <option value=e.as_str() selected=e == item.get_untracked()>{e.label_zh()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label class="button secondary file-button">{tr(Msg::AddEvidencePhoto)}
                        <input type="file" accept="image/*" name="evidence" on:change=chosen/>
                    </label>
                </div>
            })}
        </section>
    }
}

fn kind_label(kind: AssessmentKind) -> Msg {
    match kind {
        AssessmentKind::SelfAssessment => Msg::SelfAssessment,
        AssessmentKind::Rating => Msg::Rating,
    }
}

fn summary(a: &AssessmentView) -> impl IntoView {
    let stars = a.outcome.stars;
    let failed = a
        .outcome
        .failed
        .iter()
        .map(|b| b.label_zh())
        .collect::<Vec<_>>()
        .join("、");
    view! {
        <p>{star_row(stars)} " " {tier_badge(stars)}</p>
        <p class="muted">
            {a.template.template.field.clone()} " · 特色 " {a.outcome.points} " 分 · "
            {a.by.clone()} " · " {format_datetime(a.at)}
        </p>
        {(!failed.is_empty()).then(|| view! { <p class="blocked">{tr(Msg::BlockedBy)} "：" {failed}</p> })}
        {(!a.comment.is_empty()).then(|| view! { <p class="comment">{a.comment.clone()}</p> })}
    }
}

/// What the records already show, beside the items they back, each linking to its records.
fn records(branch_id: &str, year: i64, d: &Derived) -> impl IntoView {
    let members = format!("/branch/{branch_id}/members");
    let compliance = format!("/branch/{branch_id}/compliance?year={year}");
    let points = format!("/branch/{branch_id}/points");
    let met = d.required_cells - d.short_cells;
    let rate = if d.expected > 0 {
        format!("{}%", d.present * 100 / d.expected)
    } else {
        "—".into()
    };
    let secretaries = if d.secretaries.is_empty() {
        "空缺".to_string()
    } else {
        d.secretaries.join("、")
    };
    let review = format!("/branch/{branch_id}/review?year={year}");
    let review_line = match d.review_results {
        None => "民主评议：未开展".to_string(),
        Some(counts) => format!(
            "民主评议：优秀 {} · 合格 {} · 基本合格 {} · 不合格 {}",
            counts[0], counts[1], counts[2], counts[3]
        ),
    };
    let until = if d.judged_until_month == 0 {
        "本年尚无已结束的月份".to_string()
    } else {
        format!("截至 {} 月", d.judged_until_month)
    };
    view! {
        <section class="card records" data-testid="records">
            <h3>{tr(Msg::FromRecords)}</h3>
            <dl>
                <dt>{Basic::Organisation.label_zh()}</dt>
                <dd><A href=members.clone()>{format!("党小组 {} 个 · 正式党员 {} 名 · 预备党员 {} 名", d.groups, d.full_members, d.probationary_members)}</A></dd>
                <dt>{Basic::Team.label_zh()}</dt>
                <dd>
                    <A href=members>{format!("支部书记：{secretaries}")}</A>
                    " · "
                    <A href=review>{review_line}</A>
                </dd>
                <dt>{Basic::Activities.label_zh()}</dt>
                <dd data-testid="activities">
                    <A href=compliance>
                        {format!("三会一课 {met}/{} 项达标（{until}）· 召开会议 {} 次，有记录 {} 次 · 出席率 {rate}",
                            d.required_cells, d.meetings_held, d.meetings_with_minutes)}
                    </A>
                </dd>
                <dt>"特色工作"</dt>
                <dd><A href=points>{format!("本年积分 {} 分 · 完成微心愿 {} 个", d.points_awarded, d.wishes_fulfilled)}</A></dd>
            </dl>
        </section>
    }
}

fn assessment_form(
    page: &BranchStars,
    kind: AssessmentKind,
    save: ServerAction<SaveAssessment>,
) -> impl IntoView {
    if page.templates.is_empty() {
        return view! { <div class="card"><Empty msg=Msg::ErrNoStarTemplate/></div> }.into_any();
    }
    // Start from the marks last given of this kind; a rating starts from the branch's own
    // marks, without its evidence notes (the 党委 writes its own reasons).
    let (start, own_notes) = match (page.latest(kind), kind) {
        (Some(last), _) => (Some(last), true),
        (None, AssessmentKind::Rating) => (page.latest(AssessmentKind::SelfAssessment), false),
        (None, AssessmentKind::SelfAssessment) => (None, false),
    };
    let templates = page.templates.clone();
    // The template in force for the field the last marks were made in.
    let in_force = start.and_then(|a| {
        templates.iter().find(|t| {
            t.committee.id == a.template.committee.id
                && t.template.field == a.template.template.field
        })
    });
    let chosen = RwSignal::new(in_force.unwrap_or(&templates[0]).id.clone());
    let prefill: Option<(String, Marks)> = start.zip(in_force).map(|(a, current)| {
        let mut marks = a.marks.clone();
        // Marks made on an earlier version carry over only where the items are the same.
        if current.template.features != a.template.template.features {
            marks.features.clear();
        }
        if !own_notes {
            for mark in marks.basics.iter_mut().chain(marks.features.iter_mut()) {
                mark.note.clear();
            }
            marks.highlights.note.clear();
        }
        (current.id.clone(), marks)
    });
    let (title, note_label, comment_label, submit) = match kind {
        AssessmentKind::Rating => (
            Msg::RateNow,
            Msg::RatingComment,
            Msg::RatingComment,
            Msg::SubmitRating,
        ),
        AssessmentKind::SelfAssessment => (
            Msg::AssessNow,
            Msg::Evidence,
            Msg::OverallNote,
            Msg::SubmitSelfAssessment,
        ),
    };
    let branch_id = page.branch.id.clone();
    let year = page.year;
    let many = templates.len() > 1;
    let options = templates.clone();
    view! {
        <section class="card assess" data-testid="assessment-form" data-kind=kind.as_str()>
            <h3>{tr(title)}</h3>
            {many.then(|| view! {
                <label>{tr(Msg::StarField)}
                    <select on:change=move |ev| chosen.set(event_target_value(&ev))>
                        {options.iter().map(|t| view! {
                            <option value=t.id.clone() selected=t.id == chosen.get_untracked()>
                                {t.template.field.clone()} " · " {t.committee.name.clone()}
                            </option>
                        }).collect_view()}
                    </select>
                </label>
            })}
            {action_error(save.value())}
            {move || {
                let id = chosen.get();
                let branch_id = branch_id.clone();
                let template = templates.iter().find(|t| t.id == id).cloned()?;
                let marks = prefill.as_ref().filter(|(t, _)| *t == id).map(|(_, m)| m.clone());
                let value = |i: Option<&super::rules::Mark>| i.map(|m| m.value);
                let note = |i: Option<&super::rules::Mark>| i.map(|m| m.note.clone()).unwrap_or_default();
                Some(view! {
                    <ActionForm action=save>
                        <input type="hidden" name="branch_id" value=branch_id/>
                        <input type="hidden" name="year" value=year/>
                        <input type="hidden" name="kind" value=kind.as_str()/>
                        <input type="hidden" name="template_id" value=template.id.clone()/>
                        {Basic::ALL.into_iter().enumerate().map(|(i, basic)| {
                            let mark = marks.as_ref().and_then(|m| m.basics.get(i));
                            let given = value(mark);
                            view! {
                                <fieldset class="item basic" data-item=format!("b{i}")>
                                    <legend>{basic.label_zh()}</legend>
                                    <p class="muted">{template.template.checks.get(i).cloned()}</p>
                                    <div class="verdict">
                                        <label><input type="radio" name=format!("marks[b{i}]") value="1" required checked=given == Some(1)/>{tr(Msg::Pass)}</label>
                                        <label><input type="radio" name=format!("marks[b{i}]") value="0" checked=given == Some(0)/>{tr(Msg::Fail)}</label>
                                    </div>
                                    <label>{tr(note_label)}<textarea name=format!("marks[nb{i}]") maxlength="500" rows="1">{note(mark)}</textarea></label>
                                </fieldset>
                            }
                        }).collect_view()}
                        {template.template.features.iter().enumerate().map(|(i, item)| {
                            let mark = marks.as_ref().and_then(|m| m.features.get(i));
                            view! {
                                <fieldset class="item feature" data-item=format!("f{i}")>
                                    <legend>{item.name.clone()} " （" {item.max_points} " 分）"</legend>
                                    <input type="number" name=format!("marks[f{i}]") min="0" max=item.max_points required
                                        value=value(mark).map(|v| v.to_string()).unwrap_or_default()/>
                                    <label>{tr(note_label)}<textarea name=format!("marks[nf{i}]") maxlength="500" rows="1">{note(mark)}</textarea></label>
                                </fieldset>
                            }
                        }).collect_view()}
                        {
                            let mark = marks.as_ref().map(|m| &m.highlights);
                            view! {
                                <fieldset class="item feature" data-item="h">
                                    <legend>{tr(Msg::Highlights)} " （" {HIGHLIGHT_POINTS} " 分）"</legend>
                                    <input type="number" name="marks[h]" min="0" max=HIGHLIGHT_POINTS required
                                        value=value(mark).map(|v| v.to_string()).unwrap_or_else(|| "0".into())/>
                                    <label>{tr(note_label)}<textarea name="marks[nh]" maxlength="500" rows="1">{note(mark)}</textarea></label>
                                </fieldset>
                            }
                        }
                        <label>{tr(comment_label)}<textarea name="comment" maxlength="1000" rows="3"></textarea></label>
                        <SubmitButton pending=save.pending().into() label=submit busy=Msg::Saving/>
                    </ActionForm>
                })
            }}
        </section>
    }
    .into_any()
}

/// 整改台账: the year's unmet items with who follows each up and by when; the 党委 above
/// assigns the 包联 cadre, writes items in and marks them done.
fn ledger_view(page: &BranchStars, follow: Follow) -> impl IntoView {
    let now = now_secs();
    let branch_id = page.branch.id.clone();
    let cadre_branch_id = page.branch.id.clone();
    let year = page.year;
    let can_follow = page.can_follow;
    view! {
        <section class="card ledger" data-testid="ledger">
            <h3>{tr(Msg::Ledger)}</h3>
            <p class="muted" data-testid="cadre">
                {tr(Msg::Cadre)} "："
                {match page.cadre.clone() {
                    Some(name) => name.into_any(),
                    None => tr(Msg::NoCadre).into_any(),
                }}
            </p>
            {page.ledger.is_empty().then(|| view! { <Empty msg=Msg::LedgerEmpty/> })}
            <ul class="plain">
                {page.ledger.iter().map(|item| {
                    let overdue = item.overdue(now);
                    let item_id = item.id.clone();
                    view! {
                        <li class="ledger-item" class:done=item.done.is_some() data-item=item.id.clone()>
                            <div class="member-head">
                                <strong>{item.item.clone()}</strong>
                                {item.basic.map(|b| view! { <span class="badge">{b.label_zh()}</span> })}
                                {overdue.then(|| view! { <span class="badge red">{tr(Msg::Overdue)}</span> })}
                                {item.done.is_some().then(|| view! { <span class="badge green">{tr(Msg::MarkDone)}</span> })}
                            </div>
                            <p class="muted">
                                {tr(Msg::FollowUp)} "：" {item.follow_up_by.clone()} " · "
                                {tr(Msg::DueBy)} " " {format_date(item.due_at)}
                            </p>
                            {item.done.clone().map(|(at, note)| view! {
                                <p class="muted">{format_date(at)} " " {note}</p>
                            })}
                            {(can_follow && item.done.is_none()).then(|| view! {
                                <details>
                                    <summary class="chip">{tr(Msg::MarkDone)}</summary>
                                    <ActionForm action=follow.finish>
                                        <input type="hidden" name="item_id" value=item_id/>
                                        <label>{tr(Msg::DoneNote)}<input name="note" maxlength="200"/></label>
                                        <SubmitButton pending=follow.finish.pending().into() label=Msg::MarkDone busy=Msg::Saving/>
                                    </ActionForm>
                                </details>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {can_follow.then(|| view! {
                {action_error(follow.finish.value())}
                <details class="add-ledger">
                    <summary class="chip">{tr(Msg::AddLedgerItem)}</summary>
                    {action_error(follow.add.value())}
                    <ActionForm action=follow.add>
                        <input type="hidden" name="branch_id" value=branch_id/>
                        <input type="hidden" name="year" value=year/>
                        <label>{tr(Msg::LedgerItem)}<input name="item" maxlength="200" required/></label>
                        <label>{tr(Msg::LedgerBasic)}
                            <select name="basic">
                                <option value="">{tr(Msg::LedgerNoBasic)}</option>
                                {Basic::ALL.into_iter().map(|b| view! { <option value=b.as_str()>{b.label_zh()}</option> }).collect_view()}
                            </select>
                        </label>
                        <label>{tr(Msg::DueBy)}<input name="due" type="date" required/></label>
                        <SubmitButton pending=follow.add.pending().into() label=Msg::AddLedgerItem busy=Msg::Saving/>
                    </ActionForm>
                </details>
                <details class="assign-cadre">
                    <summary class="chip">{tr(Msg::AssignCadre)}</summary>
                    {action_error(follow.cadre.value())}
                    <ActionForm action=follow.cadre>
                        <input type="hidden" name="branch_id" value=cadre_branch_id/>
                        <label>{tr(Msg::Phone)}<input name="phone" inputmode="numeric" maxlength="11" required/></label>
                        <SubmitButton pending=follow.cadre.pending().into() label=Msg::Save busy=Msg::Saving/>
                    </ActionForm>
                </details>
            })}
        </section>
    }
}

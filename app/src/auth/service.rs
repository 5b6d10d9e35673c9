//! The accounts' use cases. Each one validates its input, checks the caller, and only then
//! writes; a refusal changes nothing. Sessions, password hashes and the counted failures
//! are [`super::session`]'s.

use super::authz::{Actor, Role};
use super::rules::{check_community_chosen, check_new_account, check_password, normalize_phone};
use super::session::{
    client_address, decoy_hash, give_back, hash_password, reserve_attempt, verify_password,
};
use super::store::{self, NewUser};
use super::{Me, MyRole, NamedRef, PartyStatus};
use crate::db::{Exec, Pool};
use crate::error::{AppError, AppResult};
use crate::orgs::rules::OrgKind;
use crate::state::{new_id, now, AppState};

fn named(rows: Vec<(String, String)>) -> Vec<NamedRef> {
    rows.into_iter()
        .map(|(id, name)| NamedRef { id, name })
        .collect()
}

pub async fn report(pool: &Pool, actor: &Actor, community_id: &str) -> AppResult<NamedRef> {
    let party_status = store::party_status(pool, &actor.user_id).await?;
    if party_status.is_none() {
        return Err(AppError::NotInBranch);
    }
    let name = store::community_name(pool, community_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = pool.begin().await?;
    if !crate::wishes::service::in_paired_branch(&mut tx, &actor.user_id, community_id).await? {
        return Err(AppError::NotPaired);
    }
    store::set_community(&mut tx, &actor.user_id, community_id).await?;
    crate::state::audit(
        &mut *tx,
        &actor.user_id,
        "report_to_community",
        None,
        Some(community_id),
        Some(&name),
    )
    .await?;
    tx.commit().await?;
    Ok(NamedRef {
        id: community_id.to_string(),
        name,
    })
}

/// The communities a party member may report to: those paired with their branch.
pub async fn report_communities(pool: &Pool, actor: &Actor) -> AppResult<Vec<NamedRef>> {
    Ok(named(
        store::report_communities(pool, &actor.user_id).await?,
    ))
}

pub async fn communities(pool: &Pool) -> AppResult<Vec<NamedRef>> {
    Ok(named(store::communities(pool).await?))
}

/// The user with this phone, if they administer any of `orgs`.
pub async fn admin_of_any(pool: &Pool, phone: &str, orgs: &[String]) -> AppResult<Option<String>> {
    Ok(store::admin_of_any(pool, phone, orgs).await?)
}

pub async fn load_me(pool: &Pool, user_id: &str) -> AppResult<Me> {
    let (id, name, phone, party_status, community_id, community_name) = store::user(pool, user_id)
        .await?
        .ok_or(AppError::NotLoggedIn)?;
    let roles = store::roles(pool, user_id).await?;
    Ok(Me {
        id,
        name,
        phone,
        party_status: party_status.as_deref().and_then(PartyStatus::parse),
        community: community_id
            .zip(community_name)
            .map(|(id, name)| NamedRef { id, name }),
        roles: roles
            .into_iter()
            .filter_map(|(org_id, org_name, kind, role)| {
                Some(MyRole {
                    org_id,
                    org_name,
                    org_kind: OrgKind::parse(&kind)?,
                    role: Role::parse(&role)?,
                })
            })
            .collect(),
        fetched_at: now(),
    })
}

/// Checks the password and returns the user's id. Each try is counted before the
/// password is checked and given back when it was right: five wrong ones in the window
/// lock that phone number, never anyone else (one venue shares one address).
pub async fn login(state: &AppState, phone: &str, password: String) -> AppResult<String> {
    let phone = normalize_phone(phone)?;
    let attempt = reserve_attempt(
        state,
        &format!("login:{phone}"),
        state.settings.login_attempts_per_phone,
    )
    .await?;
    let found = store::credentials(&state.pool, &phone).await?;
    let user = match found {
        Some((id, hash)) => verify_password(password, hash).await?.then_some(id),
        None => {
            verify_password(password, decoy_hash().await?.to_string()).await?;
            None
        }
    };
    match user {
        Some(id) => {
            give_back(state, attempt).await?;
            Ok(id)
        }
        None => Err(AppError::WrongCredentials),
    }
}

/// Inserts a new user; the phone number's uniqueness is the database's to keep, so two
/// registrations racing for one number cannot both succeed.
pub async fn insert_user(
    executor: impl Into<Exec<'_>>,
    phone: &str,
    name: &str,
    password_hash: &str,
    party_status: Option<PartyStatus>,
    community_id: Option<&str>,
) -> AppResult<String> {
    let id = new_id();
    let result = store::insert_user(
        executor,
        &NewUser {
            id: &id,
            phone,
            name,
            password_hash,
            party_status,
            community_id,
            created_at: now(),
        },
    )
    .await;
    match result {
        Ok(()) => Ok(id),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(AppError::PhoneTaken),
        Err(e) => Err(e.into()),
    }
}

/// New accounts the whole site takes in an hour.
const NEW_ACCOUNTS_PER_HOUR: i64 = 300;

/// Validated input of a new account, before anything is written.
pub struct NewAccount {
    pub phone: String,
    pub name: String,
    pub password_hash: String,
}

/// For input that passed [`check_new_account`]: checks the rate limit and that the number
/// is free, then hashes the password.
pub async fn prepare_account(
    state: &AppState,
    phone: String,
    name: String,
    password: String,
) -> AppResult<NewAccount> {
    // However many people one venue registers, the site takes this many new accounts
    // an hour: accounts are what every per-person quota counts.
    let last_hour = store::users_since(&state.pool, now() - 3600).await?;
    if last_hour >= NEW_ACCOUNTS_PER_HOUR {
        return Err(AppError::RateLimited);
    }
    // Only a number that already has an account counts: asking which numbers exist.
    let attempt = reserve_attempt(
        state,
        &format!("register:{}", client_address(&state.settings)),
        state.settings.attempts_per_address,
    )
    .await?;
    if store::user_by_phone(&state.pool, &phone).await?.is_some() {
        return Err(AppError::PhoneTaken);
    }
    give_back(state, attempt).await?;
    Ok(NewAccount {
        phone,
        name,
        password_hash: hash_password(password).await?,
    })
}

pub async fn register_resident(
    state: &AppState,
    phone: &str,
    name: &str,
    password: String,
    community_id: &str,
) -> AppResult<String> {
    // Input errors first, as the form lists them; the community only then.
    let (phone, name) = check_new_account(phone, name, &password)?;
    check_community_chosen(community_id)?;
    let community = store::find_community(&state.pool, community_id)
        .await?
        .ok_or(AppError::CommunityRequired)?;
    let account = prepare_account(state, phone, name, password).await?;
    insert_user(
        &state.pool,
        &account.phone,
        &account.name,
        &account.password_hash,
        None,
        Some(&community),
    )
    .await
}

/// Changes the password and ends every other session of the user.
pub async fn change_password(
    state: &AppState,
    user_id: &str,
    old_password: String,
    new_password: String,
) -> AppResult<()> {
    check_password(&new_password)?;
    let hash = store::password_hash(&state.pool, user_id).await?;
    let attempt = reserve_attempt(
        state,
        &format!("password:{user_id}"),
        state.settings.login_attempts_per_phone,
    )
    .await?;
    if !verify_password(old_password, hash).await? {
        return Err(AppError::WrongPassword);
    }
    give_back(state, attempt).await?;
    let new_hash = hash_password(new_password).await?;
    let mut tx = state.pool.begin().await?;
    store::set_password_hash(&mut tx, user_id, &new_hash).await?;
    store::delete_sessions_of(&mut tx, user_id).await?;
    crate::state::audit(
        &mut *tx,
        user_id,
        "change_password",
        None,
        Some(user_id),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

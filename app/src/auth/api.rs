//! Account server functions. Each one validates its input, checks the caller, and only
//! then writes; a refusal changes nothing.

use super::{Me, NamedRef};
use crate::error::AppError;
use leptos::prelude::*;

/// 在职党员到社区报到: a party member reports to one community at a time (changeable), where
/// they then see and take on wishes.
#[server(endpoint = "report_to_community")]
pub async fn report_to_community(community_id: String) -> Result<NamedRef, AppError> {
    let (state, actor) = super::session::require_actor().await?;
    service::report(&state.pool, &actor, &community_id).await
}

#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<Me>, AppError> {
    let state = crate::state::app_state()?;
    match super::session::current_user_id(&state).await? {
        Some(user_id) => service::load_me(&state.pool, &user_id).await.map(Some),
        None => Ok(None),
    }
}

/// The communities a party member may report to: those paired with their branch.
#[server(endpoint = "report_communities")]
pub async fn report_communities() -> Result<Vec<NamedRef>, AppError> {
    let (state, actor) = super::session::require_actor().await?;
    Ok(crate::db::query_as::<(String, String)>(
        "SELECT DISTINCT c.id, c.name FROM memberships m
         JOIN orgs o ON o.id = m.org_id AND o.kind = 'branch'
         JOIN branch_communities bc ON bc.branch_id = m.org_id
         JOIN communities c ON c.id = bc.community_id
         WHERE m.user_id = ? AND m.role = 'member' ORDER BY c.name",
    )
    .bind(&actor.user_id)
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|(id, name)| NamedRef { id, name })
    .collect())
}

#[server(endpoint = "communities")]
pub async fn list_communities() -> Result<Vec<NamedRef>, AppError> {
    let state = crate::state::app_state()?;
    Ok(
        crate::db::query_as::<(String, String)>("SELECT id, name FROM communities ORDER BY name")
            .fetch_all(&state.pool)
            .await?
            .into_iter()
            .map(|(id, name)| NamedRef { id, name })
            .collect(),
    )
}

#[server(endpoint = "login")]
pub async fn login(phone: String, password: String) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let user_id = service::login(&state, &phone, password).await?;
    super::session::start_session(&state, &user_id).await
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    super::session::end_session(&state).await
}

#[server(endpoint = "register")]
pub async fn register_resident(
    phone: String,
    name: String,
    password: String,
    community_id: String,
) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let user_id =
        service::register_resident(&state, &phone, &name, password, &community_id).await?;
    super::session::start_session(&state, &user_id).await
}

#[server(endpoint = "change_password")]
pub async fn change_password(old_password: String, new_password: String) -> Result<(), AppError> {
    let (state, actor) = super::session::require_actor().await?;
    service::change_password(&state, &actor.user_id, old_password, new_password).await?;
    super::session::start_session(&state, &actor.user_id).await
}

#[cfg(feature = "ssr")]
pub mod service {
    use crate::auth::authz::Role;
    use crate::auth::rules::{check_new_account, check_password, normalize_phone};
    use crate::auth::session::{
        client_address, decoy_hash, give_back, hash_password, reserve_attempt, verify_password,
    };
    use crate::auth::{Me, MyRole, NamedRef, PartyStatus};
    use crate::db::Pool;
    use crate::error::{AppError, AppResult};
    use crate::orgs::rules::OrgKind;
    use crate::state::{new_id, now, AppState};

    pub async fn report(
        pool: &Pool,
        actor: &crate::auth::authz::Actor,
        community_id: &str,
    ) -> AppResult<NamedRef> {
        let party_status: Option<String> =
            crate::db::query_scalar("SELECT party_status FROM users WHERE id = ?")
                .bind(&actor.user_id)
                .fetch_one(pool)
                .await?;
        if party_status.is_none() {
            return Err(AppError::NotInBranch);
        }
        let name: String = crate::db::query_scalar("SELECT name FROM communities WHERE id = ?")
            .bind(community_id)
            .fetch_optional(pool)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut tx = pool.begin().await?;
        if !crate::wishes::service::in_paired_branch(&mut tx, &actor.user_id, community_id).await? {
            return Err(AppError::NotPaired);
        }
        crate::db::query("UPDATE users SET community_id = ? WHERE id = ?")
            .bind(community_id)
            .bind(&actor.user_id)
            .execute(&mut *tx)
            .await?;
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

    /// The user with this phone, if they administer any of `orgs`.
    pub async fn admin_of_any(
        pool: &Pool,
        phone: &str,
        orgs: &[String],
    ) -> AppResult<Option<String>> {
        if orgs.is_empty() {
            return Ok(None);
        }
        Ok(crate::db::query_scalar(&format!(
            "SELECT u.id FROM users u WHERE u.phone = ?1 AND EXISTS (
                 SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.role = 'admin'
                   AND m.org_id IN ({}))",
            crate::db::numbered_placeholders(2, orgs.len())
        ))
        .bind(phone)
        .bind_each(orgs)
        .fetch_optional(pool)
        .await?)
    }

    pub async fn load_me(pool: &Pool, user_id: &str) -> AppResult<Me> {
        let (id, name, phone, party_status, community_id, community_name): (
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
        ) = crate::db::query_as(
            "SELECT u.id, u.name, u.phone, u.party_status, c.id, c.name
             FROM users u LEFT JOIN communities c ON c.id = u.community_id WHERE u.id = ?",
        )
        .bind(user_id)
        .fetch_optional(pool)
        .await?
        .ok_or(AppError::NotLoggedIn)?;
        let roles: Vec<(String, String, String, String)> = crate::db::query_as(
            "SELECT o.id, o.name, o.kind, m.role FROM memberships m JOIN orgs o ON o.id = m.org_id
             WHERE m.user_id = ? ORDER BY o.kind, o.name",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await?;
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
            fetched_at: crate::state::now(),
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
        let found: Option<(String, String)> =
            crate::db::query_as("SELECT id, password_hash FROM users WHERE phone = ?")
                .bind(&phone)
                .fetch_optional(&state.pool)
                .await?;
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
        executor: impl Into<crate::db::Exec<'_>>,
        phone: &str,
        name: &str,
        password_hash: &str,
        party_status: Option<PartyStatus>,
        community_id: Option<&str>,
    ) -> AppResult<String> {
        let id = new_id();
        let result = crate::db::query(
            "INSERT INTO users (id, phone, name, password_hash, party_status, community_id, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(phone)
        .bind(name)
        .bind(password_hash)
        .bind(party_status.map(|p| p.as_str()))
        .bind(community_id)
        .bind(now())
        .execute(executor)
        .await;
        match result {
            Ok(_) => Ok(id),
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
        let last_hour: i64 =
            crate::db::query_scalar("SELECT COUNT(*) FROM users WHERE created_at > ?")
                .bind(crate::state::now() - 3600)
                .fetch_one(&state.pool)
                .await?;
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
        let taken: Option<String> = crate::db::query_scalar("SELECT id FROM users WHERE phone = ?")
            .bind(&phone)
            .fetch_optional(&state.pool)
            .await?;
        if taken.is_some() {
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
        if community_id.trim().is_empty() {
            return Err(AppError::CommunityRequired);
        }
        let community: Option<String> =
            crate::db::query_scalar("SELECT id FROM communities WHERE id = ?")
                .bind(community_id)
                .fetch_optional(&state.pool)
                .await?;
        let community = community.ok_or(AppError::CommunityRequired)?;
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
        let hash: String = crate::db::query_scalar("SELECT password_hash FROM users WHERE id = ?")
            .bind(user_id)
            .fetch_one(&state.pool)
            .await?;
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
        crate::db::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(&new_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        crate::db::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
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
}

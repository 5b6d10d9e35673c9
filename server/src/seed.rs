//! Demo data: one 党工委, two branches with groups, communities paired with them, about
//! thirty members and a few residents, all with one known password.

use app::auth::service::insert_user;
use app::auth::session::hash_password;
use app::auth::PartyStatus;
use app::db::Pool;
use app::state::{new_id, now};

pub const DEMO_PASSWORD: &str = "zhibu2024";
pub const DEMO_COMMITTEE: &str = "示范街道党工委";
pub const ADMIN_PHONE: &str = "13800000000";
pub const SECRETARY_1_PHONE: &str = "13800000001";
pub const SECRETARY_2_PHONE: &str = "13800000017";

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高",
];
const GIVEN: &[&str] = &[
    "建国", "秀英", "海燕", "志强", "丽华", "红梅", "国庆", "晓东", "桂兰", "文杰", "春生", "玉兰",
    "立新", "雪梅", "卫东",
];

pub struct SeedReport {
    pub created: bool,
    /// The database holds accounts of its own: the demo is never added to real data.
    pub refused: bool,
    pub accounts: Vec<(String, String, String)>,
}

async fn org(
    pool: &Pool,
    parent: Option<&str>,
    kind: &str,
    name: &str,
) -> Result<String, sqlx::Error> {
    let id = new_id();
    app::db::query(
        "INSERT INTO orgs (id, parent_id, kind, name, created_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(parent)
    .bind(kind)
    .bind(name)
    .bind(now())
    .execute(pool)
    .await?;
    Ok(id)
}

async fn grant(pool: &Pool, user: &str, org: &str, role: &str) -> Result<(), sqlx::Error> {
    app::db::query("INSERT INTO memberships (user_id, org_id, role, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
        .bind(user)
        .bind(org)
        .bind(role)
        .bind(now())
        .execute(pool)
        .await?;
    Ok(())
}

async fn community(pool: &Pool, name: &str) -> Result<String, sqlx::Error> {
    let id = new_id();
    app::db::query("INSERT INTO communities (id, name, created_at) VALUES (?, ?, ?)")
        .bind(&id)
        .bind(name)
        .bind(now())
        .execute(pool)
        .await?;
    Ok(id)
}

/// Seeds once; a database that already has the demo committee is left as it is.
pub async fn seed_demo(
    pool: &Pool,
) -> Result<SeedReport, Box<dyn std::error::Error + Send + Sync>> {
    let exists: Option<String> = app::db::query_scalar("SELECT id FROM orgs WHERE name = ?")
        .bind(DEMO_COMMITTEE)
        .fetch_optional(pool)
        .await?;
    if exists.is_some() {
        return Ok(SeedReport {
            created: false,
            refused: false,
            accounts: Vec::new(),
        });
    }
    let users: i64 = app::db::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await?;
    if users > 0 {
        return Ok(SeedReport {
            created: false,
            refused: true,
            accounts: Vec::new(),
        });
    }
    // One hash for every demo account: argon2 is slow on purpose.
    let hash = hash_password(DEMO_PASSWORD.into())
        .await
        .map_err(|e| format!("{e}"))?;
    let committee = org(pool, None, "committee", DEMO_COMMITTEE).await?;
    let branch1 = org(pool, Some(&committee), "branch", "幸福里社区第一党支部").await?;
    let branch2 = org(pool, Some(&committee), "branch", "幸福里社区第二党支部").await?;
    let groups1 = [
        org(pool, Some(&branch1), "group", "第一党小组").await?,
        org(pool, Some(&branch1), "group", "第二党小组").await?,
    ];
    let groups2 = [org(pool, Some(&branch2), "group", "第三党小组").await?];
    let xingfu = community(pool, "幸福里社区").await?;
    let heping = community(pool, "和平路社区").await?;
    for (branch, comm) in [(&branch1, &xingfu), (&branch2, &heping)] {
        app::db::query(
            "INSERT INTO branch_communities (branch_id, community_id, created_at) VALUES (?, ?, ?)",
        )
        .bind(branch)
        .bind(comm)
        .bind(now())
        .execute(pool)
        .await?;
    }

    let mut accounts = Vec::new();
    let admin = insert_user(
        pool,
        ADMIN_PHONE,
        "郑书记（党工委）",
        &hash,
        Some(PartyStatus::Full),
        None,
    )
    .await
    .map_err(|e| format!("{e}"))?;
    grant(pool, &admin, &committee, "admin").await?;
    accounts.push((
        ADMIN_PHONE.to_string(),
        "郑书记（党工委）".to_string(),
        "党工委管理员".to_string(),
    ));
    demo_star_template(pool, &admin, &committee).await?;

    for i in 0..30usize {
        let (branch, groups, phone) = if i < 16 {
            (&branch1, &groups1[..], format!("138000000{:02}", i + 1))
        } else {
            (&branch2, &groups2[..], format!("138000000{:02}", i + 1))
        };
        let name = format!(
            "{}{}",
            SURNAMES[i % SURNAMES.len()],
            GIVEN[(i * 7) % GIVEN.len()]
        );
        let status = if i % 9 == 4 {
            PartyStatus::Probationary
        } else {
            PartyStatus::Full
        };
        // 在职党员到社区报到: each branch's members report to the community it is paired with.
        let reported = if i < 16 { &xingfu } else { &heping };
        let user = insert_user(pool, &phone, &name, &hash, Some(status), Some(reported))
            .await
            .map_err(|e| format!("{e}"))?;
        grant(pool, &user, branch, "member").await?;
        let group = &groups[i % groups.len()];
        grant(pool, &user, group, "member").await?;
        let role = match i {
            0 => {
                grant(pool, &user, &branch1, "secretary").await?;
                "第一党支部书记"
            }
            16 => {
                grant(pool, &user, &branch2, "secretary").await?;
                "第二党支部书记"
            }
            2 | 3 | 17 => {
                grant(pool, &user, group, "group_leader").await?;
                "党小组长"
            }
            _ => "党员",
        };
        if i < 4 || i == 16 || i == 17 {
            accounts.push((phone, name, role.to_string()));
        }
    }
    let mut residents = Vec::new();
    for (i, name) in ["孙大妈", "钱大爷", "周阿姨"].iter().enumerate() {
        let phone = format!("1390000000{}", i + 1);
        let resident = insert_user(
            pool,
            &phone,
            name,
            &hash,
            None,
            Some(if i < 2 { &xingfu } else { &heping }),
        )
        .await
        .map_err(|e| format!("{e}"))?;
        residents.push((resident, phone.clone(), name.to_string()));
        accounts.push((phone, name.to_string(), "居民".to_string()));
    }
    demo_wishes(pool, &xingfu, &branch1, &residents).await?;
    Ok(SeedReport {
        created: true,
        refused: false,
        accounts,
    })
}

/// The standard star template, kept by the demo's 党工委 as its admin would keep it.
async fn demo_star_template(
    pool: &Pool,
    admin: &str,
    committee: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    use app::auth::authz::{Actor, Grant, Role};
    let actor = Actor {
        user_id: admin.to_string(),
        grants: vec![Grant {
            org_id: committee.to_string(),
            role: Role::Admin,
        }],
    };
    let template = app::stars::rules::standard_template();
    let checks: [&str; 5] = std::array::from_fn(|i| template.checks[i].as_str());
    app::stars::service::save_template(
        pool,
        &actor,
        committee,
        &template.field,
        checks,
        &app::stars::rules::feature_lines(&template),
    )
    .await
    .map_err(|e| format!("{e}"))?;
    Ok(())
}

/// A few wishes on 幸福里's wall, so the demo shows one of each kind: an ordinary wish and
/// a crowdfunded one already reviewed, and one waiting for review.
async fn demo_wishes(
    pool: &Pool,
    community: &str,
    branch: &str,
    residents: &[(String, String, String)],
) -> Result<(), sqlx::Error> {
    let month = now() + 30 * 86_400;
    let wishes = [
        (
            &residents[0],
            "想借一台轮椅去医院复查",
            "腿脚不便，下月要去区医院复查，想借一台轮椅用两天。",
            "elderly",
            1,
            None,
            "published",
        ),
        (
            &residents[0],
            "为社区困难学生募集 20 套校服",
            "社区有 20 名困难家庭的小学生需要冬季校服。",
            "study",
            20,
            Some("套"),
            "published",
        ),
        (
            &residents[1],
            "家里水龙头漏水，想请人帮忙修一下",
            "厨房水龙头一直滴水，老两口不会修。",
            "living",
            1,
            None,
            "pending",
        ),
    ];
    for ((user, phone, name), title, story, category, target, unit, status) in wishes {
        app::db::query(
            "INSERT INTO wishes (id, community_id, poster_id, title, story, category, needed_by, target, unit,
                 contact_name, contact_phone, contact_address, status, branch_id, published_at, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '幸福里小区 3 栋 2 单元', ?, ?, ?, ?)",
        )
        .bind(new_id())
        .bind(community)
        .bind(user)
        .bind(title)
        .bind(story)
        .bind(category)
        .bind(month)
        .bind(target)
        .bind(unit)
        .bind(name)
        .bind(phone)
        .bind(status)
        .bind((status == "published").then_some(branch))
        // Posted a few days ago, as on a wall that has been in use.
        .bind((status == "published").then(|| now() - 2 * 86_400))
        .bind(now() - 3 * 86_400)
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// Makes `phone` an admin of the committee `org_name`, creating the committee and the
/// account when they do not exist yet.
pub async fn create_admin(
    pool: &Pool,
    phone: &str,
    name: &str,
    org_name: &str,
    password: String,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    use app::auth::rules::{check_password, normalize_name, normalize_phone};
    let phone = normalize_phone(phone).map_err(|e| format!("phone: {e}"))?;
    let name = normalize_name(name).map_err(|e| format!("name: {e}"))?;
    let org_name = normalize_name(org_name).map_err(|e| format!("org: {e}"))?;
    check_password(&password).map_err(|e| format!("password: {e}"))?;
    let hash = hash_password(password).await.map_err(|e| format!("{e}"))?;
    let committee: Option<String> =
        app::db::query_scalar("SELECT id FROM orgs WHERE name = ? AND kind = 'committee'")
            .bind(&org_name)
            .fetch_optional(pool)
            .await?;
    let committee = match committee {
        Some(id) => id,
        None => org(pool, None, "committee", &org_name).await?,
    };
    let existing: Option<String> = app::db::query_scalar("SELECT id FROM users WHERE phone = ?")
        .bind(&phone)
        .fetch_optional(pool)
        .await?;
    let user = match existing {
        Some(id) => {
            app::db::query("UPDATE users SET password_hash = ? WHERE id = ?")
                .bind(&hash)
                .bind(&id)
                .execute(pool)
                .await?;
            id
        }
        None => insert_user(pool, &phone, &name, &hash, Some(PartyStatus::Full), None)
            .await
            .map_err(|e| format!("{e}"))?,
    };
    grant(pool, &user, &committee, "admin").await?;
    app::state::audit(
        pool,
        &user,
        "create_admin",
        Some(&committee),
        Some(&user),
        Some("command line"),
    )
    .await?;
    Ok(user)
}

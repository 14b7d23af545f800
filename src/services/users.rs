//! Users: login, creation by the province, password changes and the first admin.

use async_graphql::{ID, InputObject};
use chrono::{DateTime, Utc};
use entity::{login_failure, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::password::{
    hash_password, validate_new_password, verify_against_dummy, verify_password,
};
use crate::auth::token::{IssuedToken, TokenKeys};
use crate::auth::{Principal, Viewer};
use crate::db::begin_write;
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::scalars::parse_optional_id;

use super::text::required_text;
use super::{Services, audit_log, reference};

pub struct NewUser {
    pub username: String,
    pub password: String,
    pub role: Role,
    /// What the role is bound to (checked against the role by `create_user`).
    pub binding: BindingInput,
}

pub struct LoginResult {
    pub token: IssuedToken,
    pub user: user::Model,
}

fn validate_username(username: &str) -> AppResult<String> {
    let username = username.trim();
    let ok_len = (3..=64).contains(&username.chars().count());
    let ok_chars = username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !ok_len || !ok_chars {
        return Err(AppError::bad_input(
            "username",
            "3 to 64 characters: letters, digits, '.', '_', '-' or '@'",
        ));
    }
    Ok(username.to_owned())
}

/// Failed sign-ins for one username within this window lock it…
pub const LOCKOUT_FAILURES: u64 = 5;
/// …for this long after the last of them.
pub const LOCKOUT_MINUTES: i64 = 15;

/// Whether `username` is locked out at `now`: the last [`LOCKOUT_FAILURES`] failures all
/// fell within [`LOCKOUT_MINUTES`] and the last of them is less than that long ago.
/// Failures are not recorded while locked, so a lock lasts exactly the window.
async fn locked_out(
    db: &impl ConnectionTrait,
    username: &str,
    now: chrono::DateTime<Utc>,
) -> AppResult<bool> {
    let recent: Vec<chrono::DateTime<Utc>> = login_failure::Entity::find()
        .select_only()
        .column(login_failure::Column::FailedAt)
        .filter(login_failure::Column::Username.eq(username))
        .order_by_desc(login_failure::Column::FailedAt)
        .limit(LOCKOUT_FAILURES)
        .into_tuple()
        .all(db)
        .await?;
    let window = chrono::Duration::minutes(LOCKOUT_MINUTES);
    Ok(match (recent.first(), recent.last()) {
        (Some(newest), Some(oldest)) if recent.len() as u64 >= LOCKOUT_FAILURES => {
            *newest - *oldest <= window && now - *newest < window
        }
        _ => false,
    })
}

async fn record_failure(
    db: &DatabaseConnection,
    username: &str,
    now: chrono::DateTime<Utc>,
) -> AppResult<()> {
    let txn = begin_write(db).await?;
    // Old failures matter to no lock; keep the table small.
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::Username.eq(username))
        .filter(login_failure::Column::FailedAt.lt(now - chrono::Duration::days(1)))
        .exec(&txn)
        .await?;
    login_failure::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(username.to_owned()),
        failed_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    if locked_out(db, username, now).await? {
        tracing::warn!(%username, "sign-in locked after repeated failures");
    }
    Ok(())
}

/// The same answer for an unknown user and a wrong password, in the same time; after
/// [`LOCKOUT_FAILURES`] failures in [`LOCKOUT_MINUTES`] minutes the username is locked,
/// whether or not it exists.
pub async fn login(
    db: &DatabaseConnection,
    keys: &TokenKeys,
    username: &str,
    password: &str,
) -> AppResult<LoginResult> {
    let username = username.trim();
    let failed = || AppError::Unauthenticated("wrong username or password".into());
    let now = Utc::now();
    if username.is_empty() || username.len() > 64 {
        verify_against_dummy(password);
        return Err(failed());
    }
    if locked_out(db, username, now).await? {
        verify_against_dummy(password);
        return Err(AppError::Unauthenticated(format!(
            "too many failed sign-ins for this username; try again in {LOCKOUT_MINUTES} minutes"
        )));
    }
    let found = user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await?;
    let accepted = match &found {
        Some(user) => verify_password(&user.password_hash, password) && !user.disabled,
        None => {
            verify_against_dummy(password);
            false
        }
    };
    let Some(found) = found.filter(|_| accepted) else {
        record_failure(db, username, now).await?;
        return Err(failed());
    };
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::Username.eq(username))
        .exec(db)
        .await?;
    let token = keys.issue(found.id, found.token_version, now)?;
    tracing::info!(user = %found.username, "sign-in succeeded");
    Ok(LoginResult { token, user: found })
}

/// Resolves a verified token's subject to a principal, checking that the user still exists,
/// is enabled and has not revoked the token since (read through [`Services::principals`]).
pub async fn principal_for_token(
    s: &Services,
    user_id: Uuid,
    token_version: i32,
) -> AppResult<Principal> {
    let now = std::time::Instant::now();
    if let Some(principal) = s.principals.get(user_id, token_version, now) {
        return Ok(principal);
    }
    let ticket = s.principals.ticket();
    let revoked = || AppError::Unauthenticated("invalid or expired token".into());
    let found = user::Entity::find_by_id(user_id)
        .one(&s.db)
        .await?
        .ok_or_else(revoked)?;
    if found.disabled || found.token_version != token_version {
        return Err(revoked());
    }
    let principal = Principal {
        user_id: found.id,
        role: found.role,
        username: found.username,
        city_code: found.city_code,
        county: found.county,
        expert_id: found.expert_id,
        consultancy_id: found.consultancy_id,
        enterprise_id: found.enterprise_id,
    };
    s.principals.keep(ticket, token_version, &principal, now);
    Ok(principal)
}

pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> AppResult<user::Model> {
    super::find_or_not_found::<user::Entity>(db, "User", id).await
}

/// What a role is bound to, as asked for (`createUser`, `changeUser`).
pub struct BindingInput {
    pub city_code: Option<String>,
    pub county: Option<String>,
    pub expert_id: Option<Uuid>,
    pub consultancy_id: Option<Uuid>,
    pub enterprise_id: Option<Uuid>,
}

impl BindingInput {
    /// Bound to nothing: a province admin.
    pub const NONE: BindingInput = BindingInput {
        city_code: None,
        county: None,
        expert_id: None,
        consultancy_id: None,
        enterprise_id: None,
    };
}

/// A new user's row: enabled, without contact details, bound as `binding` says.
pub(crate) fn new_user(
    id: Uuid,
    username: String,
    password_hash: String,
    role: Role,
    binding: BindingInput,
    now: DateTime<Utc>,
) -> user::ActiveModel {
    user::ActiveModel {
        id: Set(id),
        username: Set(username),
        password_hash: Set(password_hash),
        role: Set(role),
        city_code: Set(binding.city_code),
        county: Set(binding.county),
        expert_id: Set(binding.expert_id),
        consultancy_id: Set(binding.consultancy_id),
        enterprise_id: Set(binding.enterprise_id),
        token_version: Set(0),
        disabled: Set(false),
        email: Set(None),
        phone: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// What a role is bound to, checked: a city admin to a city, a county admin to a county of a
/// city, an expert user to an expert, a consultancy user to a firm, an enterprise user to an
/// enterprise; nothing else is kept.
async fn binding_of(
    db: &impl ConnectionTrait,
    role: Role,
    asked: BindingInput,
) -> AppResult<BindingInput> {
    let none = BindingInput::NONE;
    Ok(match role {
        Role::ProvinceAdmin => none,
        Role::CityAdmin => {
            let code = asked
                .city_code
                .ok_or_else(|| AppError::bad_input("cityCode", "a city admin needs a city"))?;
            if !reference::city_exists(db, &code).await? {
                return Err(AppError::bad_input("cityCode", "unknown city code"));
            }
            BindingInput {
                city_code: Some(code),
                ..none
            }
        }
        Role::CountyAdmin => {
            let code = asked
                .city_code
                .ok_or_else(|| AppError::bad_input("cityCode", "a county admin needs a city"))?;
            if !reference::city_exists(db, &code).await? {
                return Err(AppError::bad_input("cityCode", "unknown city code"));
            }
            let county = required_text(
                "county",
                asked.county.as_deref().ok_or_else(|| {
                    AppError::bad_input("county", "a county admin needs a county")
                })?,
                50,
            )?;
            // Counties are named as the directory names them: a misspelt one would scope the
            // admin to nothing.
            let known = entity::enterprise::Entity::find()
                .filter(entity::enterprise::Column::CityCode.eq(code.as_str()))
                .filter(entity::enterprise::Column::County.eq(county.as_str()))
                .one(db)
                .await?
                .is_some();
            if !known {
                return Err(AppError::bad_input(
                    "county",
                    "no enterprise of the city's directory is in this county; name it as the directory does",
                ));
            }
            BindingInput {
                city_code: Some(code),
                county: Some(county),
                ..none
            }
        }
        Role::Expert => BindingInput {
            expert_id: Some(
                bound_to::<entity::expert::Entity>(
                    db,
                    asked.expert_id,
                    || AppError::bad_input("expertId", "an expert user needs an expert"),
                    || AppError::bad_input("expertId", "no such expert"),
                )
                .await?,
            ),
            ..none
        },
        Role::Consultancy => BindingInput {
            consultancy_id: Some(
                bound_to::<entity::consultancy::Entity>(
                    db,
                    asked.consultancy_id,
                    || {
                        AppError::bad_input(
                            "consultancyId",
                            "a consultancy user needs a consultancy",
                        )
                    },
                    || AppError::bad_input("consultancyId", "no such consultancy"),
                )
                .await?,
            ),
            ..none
        },
        Role::Enterprise => BindingInput {
            enterprise_id: Some(
                bound_to::<entity::enterprise::Entity>(
                    db,
                    asked.enterprise_id,
                    || {
                        AppError::bad_input(
                            "enterpriseId",
                            "an enterprise user needs an enterprise",
                        )
                    },
                    || AppError::bad_input("enterpriseId", "no such enterprise"),
                )
                .await?,
            ),
            ..none
        },
    })
}

/// The id of the `E` a user of that role is bound to: required (else `missing`), and the
/// row must exist (else `unknown`).
async fn bound_to<E>(
    db: &impl ConnectionTrait,
    asked: Option<Uuid>,
    missing: impl FnOnce() -> AppError,
    unknown: impl FnOnce() -> AppError,
) -> AppResult<Uuid>
where
    E: EntityTrait,
    E::PrimaryKey: sea_orm::PrimaryKeyTrait<ValueType = Uuid>,
{
    let id = asked.ok_or_else(missing)?;
    if E::find_by_id(id).one(db).await?.is_none() {
        return Err(unknown());
    }
    Ok(id)
}

pub async fn create_user(
    db: &sea_orm::DatabaseConnection,
    viewer: &Viewer,
    input: NewUser,
) -> AppResult<user::Model> {
    viewer.require_province_admin()?;
    let username = validate_username(&input.username)?;
    validate_new_password("password", &input.password)?;
    let binding = binding_of(db, input.role, input.binding).await?;
    let hash = hash_password(&input.password)?;
    let txn = begin_write(db).await?;
    if user::Entity::find()
        .filter(user::Column::Username.eq(username.as_str()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(AppError::conflict(format!("username {username} is taken")));
    }
    let row = new_user(
        Uuid::now_v7(),
        username,
        hash,
        input.role,
        binding,
        Utc::now(),
    );
    audit_log::commit_insert(txn, viewer, ("createUser", "User"), row, |created| {
        json!({ "username": created.username, "role": created.role, "cityCode": created.city_code, "consultancyId": created.consultancy_id, "enterpriseId": created.enterprise_id })
    })
    .await
}

/// Changes the caller's own password; existing tokens stop working.
pub async fn change_password(
    s: &Services,
    viewer: &Viewer,
    current_password: &str,
    new_password: &str,
) -> AppResult<user::Model> {
    let principal = viewer.require_user()?;
    validate_new_password("newPassword", new_password)?;
    let db = &s.db;
    let found = get(db, principal.user_id).await?;
    if !verify_password(&found.password_hash, current_password) {
        return Err(AppError::bad_input(
            "currentPassword",
            "is not your current password",
        ));
    }
    let hash = hash_password(new_password)?;
    let txn = begin_write(db).await?;
    let version = found.token_version;
    let mut active: user::ActiveModel = found.into();
    active.password_hash = Set(hash);
    active.token_version = Set(version + 1);
    active.updated_at = Set(Utc::now());
    let updated = active.update(&txn).await?;
    audit_log::commit(
        txn,
        viewer,
        "changePassword",
        "User",
        Some(updated.id.to_string()),
        json!({ "tokensRevoked": true }),
    )
    .await?;
    s.principals.forget(updated.id);
    Ok(updated)
}

pub enum Bootstrap {
    AlreadyHasUsers,
    Created {
        password_was_generated: Option<String>,
    },
}

/// When no user exists yet, creates `admin` as PROVINCE_ADMIN with the configured password,
/// or a generated one that the caller prints once.
pub async fn bootstrap_admin(
    db: &sea_orm::DatabaseConnection,
    configured_password: Option<&str>,
) -> AppResult<Bootstrap> {
    if user::Entity::find().count(db).await? > 0 {
        return Ok(Bootstrap::AlreadyHasUsers);
    }
    let (password, generated) = match configured_password {
        Some(p) => (p.to_owned(), None),
        None => {
            let mut bytes = [0u8; 12];
            getrandom::fill(&mut bytes)
                .map_err(|e| AppError::internal(format!("random password: {e}")))?;
            let p = hex::encode(bytes);
            (p.clone(), Some(p))
        }
    };
    validate_new_password("CLEANPROD_ADMIN_PASSWORD", &password)?;
    let hash = hash_password(&password)?;
    let txn = begin_write(db).await?;
    // Another instance may have bootstrapped meanwhile: check again under the write lock.
    if user::Entity::find().count(&txn).await? > 0 {
        return Ok(Bootstrap::AlreadyHasUsers);
    }
    let row = new_user(
        Uuid::now_v7(),
        "admin".into(),
        hash,
        Role::ProvinceAdmin,
        BindingInput::NONE,
        Utc::now(),
    );
    let operation = ("bootstrapAdmin", "User");
    audit_log::commit_insert(
        txn,
        &Viewer::System,
        operation,
        row,
        |_| json!({ "username": "admin" }),
    )
    .await?;
    Ok(Bootstrap::Created {
        password_was_generated: generated,
    })
}

/// `cleanprod create-user`: the command line acts as the province.
pub async fn create_user_from_cli(
    db: &sea_orm::DatabaseConnection,
    input: NewUser,
) -> AppResult<user::Model> {
    create_user(db, &Viewer::System, input).await
}

// A change to a user (the GraphQL input `ChangeUserInput`); the ids are checked by
// `change_user`. Its doc comments are the input's GraphQL descriptions.
/// What to change about a user: their role (with its city, expert or consultancy) or
/// whether they are disabled. Either revokes the user's existing tokens.
#[derive(InputObject)]
#[graphql(name = "ChangeUserInput")]
pub struct UserChange {
    pub role: Option<Role>,
    pub city_code: Option<String>,
    /// With role COUNTY_ADMIN: the county.
    pub county: Option<String>,
    pub expert_id: Option<ID>,
    pub consultancy_id: Option<ID>,
    pub enterprise_id: Option<ID>,
    pub disabled: Option<bool>,
}

/// Changes a user's role (with its city, expert or consultancy) or disables/enables them;
/// either revokes every token they hold.
pub async fn change_user(
    s: &Services,
    viewer: &Viewer,
    id: Uuid,
    change: UserChange,
) -> AppResult<user::Model> {
    // The ids are read before anything else, as the API always has.
    let asked = BindingInput {
        city_code: change.city_code,
        county: change.county,
        expert_id: parse_optional_id("expertId", change.expert_id.as_ref())?,
        consultancy_id: parse_optional_id("consultancyId", change.consultancy_id.as_ref())?,
        enterprise_id: parse_optional_id("enterpriseId", change.enterprise_id.as_ref())?,
    };
    viewer.require_province_admin()?;
    let db = &s.db;
    let found = get(db, id).await?;
    if viewer.user_id() == Some(id) && (change.disabled == Some(true) || change.role.is_some()) {
        return Err(AppError::bad_input(
            "id",
            "you cannot disable yourself or change your own role",
        ));
    }
    let mut active = user::ActiveModel {
        id: sea_orm::Unchanged(id),
        ..Default::default()
    };
    let mut summary = serde_json::Map::new();
    if let Some(role) = change.role {
        let binding = binding_of(db, role, asked).await?;
        active.role = Set(role);
        active.city_code = Set(binding.city_code);
        active.county = Set(binding.county);
        active.expert_id = Set(binding.expert_id);
        active.consultancy_id = Set(binding.consultancy_id);
        active.enterprise_id = Set(binding.enterprise_id);
        summary.insert("role".into(), json!(role.as_str()));
    }
    if let Some(disabled) = change.disabled {
        active.disabled = Set(disabled);
        summary.insert("disabled".into(), json!(disabled));
    }
    if summary.is_empty() {
        return Err(AppError::bad_input(
            "input",
            "name a role or the disabled flag to change",
        ));
    }
    active.token_version = Set(found.token_version + 1);
    active.updated_at = Set(Utc::now());
    let txn = begin_write(db).await?;
    user::Entity::update_many()
        .set(active)
        .filter(user::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    summary.insert("tokensRevoked".into(), json!(true));
    let updated = get(&txn, id).await?;
    audit_log::commit(
        txn,
        viewer,
        "changeUser",
        "User",
        Some(id.to_string()),
        Value::Object(summary),
    )
    .await?;
    s.principals.forget(id);
    Ok(updated)
}

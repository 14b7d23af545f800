//! Users: login, creation by the province, password changes and the first admin.

use chrono::Utc;
use entity::user;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::password::{
    hash_password, validate_new_password, verify_against_dummy, verify_password,
};
use crate::auth::token::{IssuedToken, TokenKeys};
use crate::auth::{Principal, Viewer};
use crate::db::begin_write;
use crate::domain::Role;
use crate::error::{AppError, AppResult};

use super::{audit_log, reference};

pub struct NewUser {
    pub username: String,
    pub password: String,
    pub role: Role,
    pub city_code: Option<String>,
    pub expert_id: Option<Uuid>,
    pub consultancy_id: Option<Uuid>,
}

pub struct LoginResult {
    pub token: IssuedToken,
    pub user: user::Model,
}

pub fn parse_role(model: &user::Model) -> AppResult<Role> {
    model
        .role
        .parse()
        .map_err(|_| AppError::internal(format!("user {} has an unknown role", model.id)))
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

/// The same answer for an unknown user and a wrong password, in the same time.
pub async fn login(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    username: &str,
    password: &str,
) -> AppResult<LoginResult> {
    let failed = || AppError::Unauthenticated("wrong username or password".into());
    let found = user::Entity::find()
        .filter(user::Column::Username.eq(username.trim()))
        .one(db)
        .await?;
    let Some(found) = found else {
        verify_against_dummy(password);
        return Err(failed());
    };
    if !verify_password(&found.password_hash, password) || found.disabled {
        return Err(failed());
    }
    let token = keys.issue(found.id, found.token_version, Utc::now())?;
    tracing::info!(user = %found.username, "login succeeded");
    Ok(LoginResult { token, user: found })
}

/// Resolves a verified token's subject to a principal, checking that the user still exists,
/// is enabled and has not revoked the token since.
pub async fn principal_for_token(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    token_version: i32,
) -> AppResult<Principal> {
    let revoked = || AppError::Unauthenticated("invalid or expired token".into());
    let found = user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or_else(revoked)?;
    if found.disabled || found.token_version != token_version {
        return Err(revoked());
    }
    Ok(Principal {
        user_id: found.id,
        role: parse_role(&found)?,
        username: found.username,
        city_code: found.city_code,
        expert_id: found.expert_id,
        consultancy_id: found.consultancy_id,
    })
}

pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> AppResult<user::Model> {
    user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("User", id))
}

pub async fn create_user(
    db: &sea_orm::DatabaseConnection,
    viewer: &Viewer,
    input: NewUser,
) -> AppResult<user::Model> {
    viewer.require_province_admin()?;
    let username = validate_username(&input.username)?;
    validate_new_password("password", &input.password)?;
    let (city_code, expert_id, consultancy_id) = match input.role {
        Role::ProvinceAdmin => (None, None, None),
        Role::CityAdmin => {
            let code = input
                .city_code
                .ok_or_else(|| AppError::bad_input("cityCode", "a city admin needs a city"))?;
            if !reference::city_exists(db, &code).await? {
                return Err(AppError::bad_input("cityCode", "unknown city code"));
            }
            (Some(code), None, None)
        }
        Role::Expert => {
            let id = input
                .expert_id
                .ok_or_else(|| AppError::bad_input("expertId", "an expert user needs an expert"))?;
            if entity::expert::Entity::find_by_id(id)
                .one(db)
                .await?
                .is_none()
            {
                return Err(AppError::bad_input("expertId", "no such expert"));
            }
            (None, Some(id), None)
        }
        Role::Consultancy => {
            let id = input.consultancy_id.ok_or_else(|| {
                AppError::bad_input("consultancyId", "a consultancy user needs a consultancy")
            })?;
            if entity::consultancy::Entity::find_by_id(id)
                .one(db)
                .await?
                .is_none()
            {
                return Err(AppError::bad_input("consultancyId", "no such consultancy"));
            }
            (None, None, Some(id))
        }
    };
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
    let now = Utc::now();
    let created = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(username),
        password_hash: Set(hash),
        role: Set(input.role.as_str().to_owned()),
        city_code: Set(city_code),
        expert_id: Set(expert_id),
        consultancy_id: Set(consultancy_id),
        token_version: Set(0),
        disabled: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit_log::record(
        &txn,
        viewer,
        "createUser",
        "User",
        Some(created.id.to_string()),
        json!({ "username": created.username, "role": created.role, "cityCode": created.city_code, "consultancyId": created.consultancy_id }),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes the caller's own password; existing tokens stop working.
pub async fn change_password(
    db: &sea_orm::DatabaseConnection,
    viewer: &Viewer,
    current_password: &str,
    new_password: &str,
) -> AppResult<user::Model> {
    let principal = viewer.require_user()?;
    validate_new_password("newPassword", new_password)?;
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
    audit_log::record(
        &txn,
        viewer,
        "changePassword",
        "User",
        Some(updated.id.to_string()),
        json!({ "tokensRevoked": true }),
    )
    .await?;
    txn.commit().await?;
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
    let now = Utc::now();
    let created = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set("admin".into()),
        password_hash: Set(hash),
        role: Set(Role::ProvinceAdmin.as_str().into()),
        city_code: Set(None),
        expert_id: Set(None),
        consultancy_id: Set(None),
        token_version: Set(0),
        disabled: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit_log::record(
        &txn,
        &Viewer::System,
        "bootstrapAdmin",
        "User",
        Some(created.id.to_string()),
        json!({ "username": "admin" }),
    )
    .await?;
    txn.commit().await?;
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

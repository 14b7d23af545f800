//! Users, login and the viewer's own account.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::user;

use crate::domain::Role;
use crate::services::notifications::channels::contact_of;
use crate::services::users::{self, BindingInput, NewUser, UserChange as ChangeUserInput};

use super::context::{services, viewer};
use super::reference::{City, city_of};
use super::scalars::{id_of, parse_id, parse_optional_id};

pub struct User(pub user::Model);

#[Object]
impl User {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn username(&self) -> &str {
        &self.0.username
    }
    async fn role(&self) -> Role {
        self.0.role
    }
    async fn city_code(&self) -> Option<&str> {
        self.0.city_code.as_deref()
    }
    async fn city(&self, ctx: &Context<'_>) -> Result<Option<City>> {
        city_of(ctx, self.0.city_code.as_deref()).await
    }
    /// A COUNTY_ADMIN's county (区县), as the directory names it.
    async fn county(&self) -> Option<&str> {
        self.0.county.as_deref()
    }
    async fn expert_id(&self) -> Option<ID> {
        self.0.expert_id.map(id_of)
    }
    async fn consultancy_id(&self) -> Option<ID> {
        self.0.consultancy_id.map(id_of)
    }
    /// The enterprise an ENTERPRISE user acts for.
    async fn enterprise_id(&self) -> Option<ID> {
        self.0.enterprise_id.map(id_of)
    }
    async fn disabled(&self) -> bool {
        self.0.disabled
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Where e-mail notifications go (the user and province administrators see it).
    async fn email(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let contact = contact_of(services(ctx)?, viewer(ctx), &self.0)?;
        Ok(contact.and_then(|c| c.email))
    }
    /// Where SMS notifications go (the user and province administrators see it).
    async fn phone(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let contact = contact_of(services(ctx)?, viewer(ctx), &self.0)?;
        Ok(contact.and_then(|c| c.phone))
    }
}

#[derive(SimpleObject)]
pub struct LoginPayload {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: User,
}

#[derive(InputObject)]
pub struct CreateUserInput {
    pub username: String,
    pub password: String,
    pub role: Role,
    /// Required for CITY_ADMIN and COUNTY_ADMIN.
    pub city_code: Option<String>,
    /// Required for COUNTY_ADMIN: a county (区县) of the city, as its enterprises name it.
    pub county: Option<String>,
    /// Required for EXPERT.
    pub expert_id: Option<ID>,
    /// Required for CONSULTANCY.
    pub consultancy_id: Option<ID>,
    /// Required for ENTERPRISE: the enterprise the account acts for.
    pub enterprise_id: Option<ID>,
}

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// The signed-in user.
    async fn me(&self, ctx: &Context<'_>) -> Result<User> {
        let principal = viewer(ctx).require_user()?;
        let s = services(ctx)?;
        Ok(User(users::get(&s.db, principal.user_id).await?))
    }
}

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Exchanges a username and password for a bearer token.
    async fn login(
        &self,
        ctx: &Context<'_>,
        username: String,
        password: String,
    ) -> Result<LoginPayload> {
        let s = services(ctx)?;
        let result = users::login(&s.db, &s.keys, &username, &password).await?;
        Ok(LoginPayload {
            token: result.token.token,
            expires_at: result.token.expires_at,
            user: User(result.user),
        })
    }

    /// Creates a user (province admins only).
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<User> {
        let s = services(ctx)?;
        let new = NewUser {
            username: input.username,
            password: input.password,
            role: input.role,
            binding: BindingInput {
                city_code: input.city_code,
                county: input.county,
                expert_id: parse_optional_id("expertId", input.expert_id.as_ref())?,
                consultancy_id: parse_optional_id("consultancyId", input.consultancy_id.as_ref())?,
                enterprise_id: parse_optional_id("enterpriseId", input.enterprise_id.as_ref())?,
            },
        };
        Ok(User(users::create_user(&s.db, viewer(ctx), new).await?))
    }

    /// Changes a user's role or disables them (province admins); their tokens stop working.
    async fn change_user(&self, ctx: &Context<'_>, id: ID, input: ChangeUserInput) -> Result<User> {
        let s = services(ctx)?;
        let id = parse_id("id", &id)?;
        Ok(User(users::change_user(s, viewer(ctx), id, input).await?))
    }

    /// Changes the signed-in user's password; their existing tokens stop working.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> Result<User> {
        let s = services(ctx)?;
        Ok(User(
            users::change_password(s, viewer(ctx), &current_password, &new_password).await?,
        ))
    }
}

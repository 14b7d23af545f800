//! Links from a record to a related one, declared once and flattened into each record's type
//! (`#[graphql(flatten)]`, like `FirmLink`): the schema shows them as the record's own fields.
//! A type whose link fields carry a description of their own keeps its own resolvers, as the
//! flattened fields can only carry the descriptions given here.

use async_graphql::{Context, ID, Object, Result};
use uuid::Uuid;

use super::audits::Review;
use super::context::loaders;
use super::loaders::load_as;
use super::reference::{City, city_named};
use super::scalars::id_of;

/// A record's city: its `cityCode` and the `city` itself, through the request's loader.
pub struct CityLink<'a>(pub &'a str);

#[Object]
impl CityLink<'_> {
    async fn city_code(&self) -> &str {
        self.0
    }
    async fn city(&self, ctx: &Context<'_>) -> Result<Option<City>> {
        city_named(ctx, self.0).await
    }
}

/// A record's review: its `reviewId` and the `review` itself, through the request's loader.
pub struct ReviewLink(pub Uuid);

#[Object]
impl ReviewLink {
    async fn review_id(&self) -> ID {
        id_of(self.0)
    }
    async fn review(&self, ctx: &Context<'_>) -> Result<Option<Review>> {
        load_as(&loaders(ctx)?.reviews, self.0, Review).await
    }
}

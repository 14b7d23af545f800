use sea_orm::entity::prelude::*;

/// The province's yearly recheck sample, drawn verifiably from the year's completed
/// evaluations and acceptances.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recheck_samples")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub year: i32,
    /// 1 for the year's first draw, then each supplementary one; unique with the year.
    pub round: i32,
    /// The rate as a decimal string (exact).
    pub rate: String,
    /// The date given to the RECHECK reviews it created.
    pub review_date: Date,
    pub algorithm: String,
    pub server_random: String,
    pub witness_nonce: String,
    pub seed: String,
    pub population_count: i32,
    pub population_digest: String,
    /// JSON array of the population's ids, ascending: the audits not sampled yet that year
    /// (review ids in samples drawn before audits became the unit).
    pub population: String,
    pub sample_size: i32,
    pub drawn_by: Option<Uuid>,
    pub drawn_at: DateTimeUtc,
    /// The commitment the draw used (`recheck_commitments`); none for samples drawn before
    /// commitments (algorithm v1).
    pub commitment_id: Option<Uuid>,
    /// Hex SHA-256 of the server's random bytes, shown before the witness typed the nonce.
    pub commitment: Option<String>,
    pub committed_at: Option<DateTimeUtc>,
}

no_relations!();

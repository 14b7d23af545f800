use sea_orm::entity::prelude::*;

use crate::domain::DrawRoundKind;

/// One round of a panel's draw (the first draw, then each replacement): everything needed to
/// re-run it (see the server's `rules::draw` and `rules::draw_record`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "panel_draws")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub panel_id: Uuid,
    /// 1 for the first draw, then 2, 3, … for replacements.
    pub round_no: i32,
    /// INITIAL or REPLACEMENT.
    pub kind: DrawRoundKind,
    pub algorithm: String,
    /// The review id that went into the seed.
    pub review_id: Uuid,
    pub review_date: Date,
    /// The 32 bytes from the OS random source, hex.
    pub server_random: String,
    pub witness_nonce: String,
    /// SHA-256 seed, hex.
    pub seed: String,
    /// The slots this round filled, as JSON (the whole composition, or the declined seat's).
    pub slots: String,
    pub replaced_seat_id: Option<Uuid>,
    pub replaced_slot: Option<i32>,
    /// JSON array of expert ids already invited to the panel (replacements).
    pub already_invited: String,
    pub eligible_count: i32,
    pub eligible_digest: String,
    pub pool_digest: String,
    /// The pool snapshot the lists are read against (`expert_pool_snapshots`); none for a
    /// round stored before snapshots, whose lists hold every expert themselves.
    pub pool_snapshot: Option<String>,
    /// The eligible experts, binary (`rules::draw_record`): with their sectors and kinds, or
    /// as bits over the pool snapshot.
    pub eligible: Vec<u8>,
    /// JSON object: exclusion reason → experts excluded under it first.
    pub excluded_counts: String,
    pub excluded_total: i32,
    /// The excluded experts with every reason, binary (`rules::draw_record`).
    pub excluded: Vec<u8>,
    /// JSON: the review facts eligibility was judged on (kind, codes, cap, same-city).
    pub context: String,
    pub drawn_by: Option<Uuid>,
    pub drawn_at: DateTimeUtc,
    /// The commitment the round's random bytes were fixed by (none before commitments).
    pub commitment_id: Option<Uuid>,
    /// Hex SHA-256 commitment to `server_random`, shown before the witness's nonce.
    pub commitment: Option<String>,
    pub committed_at: Option<DateTimeUtc>,
}

no_relations!();

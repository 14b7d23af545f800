//! Models read from a joined row by the position of their columns.
//!
//! sea-orm's `from_query_result(row, prefix)` finds each column by its prefixed name: per
//! column and row it formats the name, looks it up, and for a NULL builds an error from the
//! name's `Debug` text. In a deep read's joined rows (an enterprise page: audits, reviews,
//! panels and their seats) that was a fifth of the server's time. The joined reads select
//! each table's columns in their declared order (`bulk::select_in_order`), so a model is the
//! columns from its first: read here by index, each field with the same `TryGetable` decoding
//! the derive uses. Each table's field list is checked against its columns by a unit test.

use entity::{audit, panel, panel_seat, review};
use sea_orm::{DbErr, EntityTrait, Iterable, QueryResult};

/// How many columns a table's model spans in a joined row.
pub fn width<E: EntityTrait>() -> usize {
    E::Column::iter().count()
}

macro_rules! positional_models {
    ($($decoder:ident: $module:ident { $($field:ident),* $(,)? })*) => {
        $(
            #[doc = concat!("A `", stringify!($module), "` row from the columns at `first` on, in declared order.")]
            pub fn $decoder(row: &QueryResult, first: usize) -> Result<$module::Model, DbErr> {
                let mut index = first;
                let mut next = || {
                    index += 1;
                    index - 1
                };
                // Fields are evaluated in the order written: the columns' order.
                Ok($module::Model { $($field: row.try_get_by_index(next())?,)* })
            }
        )*

        #[cfg(test)]
        mod tests {
            use super::*;
            use sea_orm::IdenStatic;

            #[test]
            fn each_field_list_follows_its_tables_columns() {
                $(
                    let columns: Vec<&str> =
                        $module::Column::iter().map(|c| c.as_str()).collect();
                    assert_eq!(columns, [$(stringify!($field)),*], stringify!($module));
                )*
            }
        }
    };
}

positional_models! {
    audit_at: audit {
        id, enterprise_id, city_code, year, list_id, status, last_outcome, closed, mode,
        notice_date, started_on, consultancy_id, lead_auditor_id, report_submitted_on,
        evaluated_on, accepted_on, acceptance_extended_until, extension_reason,
        cycle_start_year, procedure, disclosed_on, disclosure_channel, disclosure_url,
        disclosure_content, self_organised, team_leader_name, team_leader_position,
        extension_requested_until, extension_request_reason, extension_requested_on, due_kind,
        due_on, delegated_county, delegated_at, delegated_by, version, created_at, updated_at,
    }
    review_at: review {
        id, audit_id, kind, review_date, organiser_city_code, status, outcome, score, opinion,
        scheduled_by, recorded_by, held_at, created_at, updated_at, starts_at, venue,
        contact_name, contact_phone, meeting_note,
    }
    panel_at: panel {
        id, review_id, audit_id, review_kind, review_date, organiser_city_code, size,
        composition, exclude_same_city, drawn_by, created_at, revealed_at, revealed_by,
        reveal_reason, sheets_required, leader_seat_id, leader_designated_at,
        leader_designated_by, outcome_conclusion, outcome_score, outcome_confirmed_at,
        outcome_confirmed_by, outcome_confirmed_by_leader,
    }
    seat_at: panel_seat {
        id, panel_id, draw_id, review_id, review_date, expert_id, slot_index, status,
        decline_reason, responded_at, responded_by, replaces_seat_id, attendance_recorded_at,
        attendance_recorded_by, checked_in_at, rating, rating_comment, rated_by, rated_at,
        version, created_at, updated_at,
    }
}

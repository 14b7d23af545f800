//! Demo training: sessions over the five years, provincial and city ones, with their sign-in
//! sheets — pool experts, consultancy staff (whose hours then feed the firms' appraisals) and
//! enterprise people from outside the registry.

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate};
use entity::{
    training_attendance, training_session, training_session_audience, training_session_topic,
};
use sea_orm::{ConnectionTrait, Set};
use uuid::Uuid;

use crate::domain::{
    AttendanceStatus, TrainingAudience, TrainingParticipantKind, TrainingScope,
    TrainingSessionStatus, TrainingTopic,
};
use crate::error::AppResult;

use super::{CITIES, FIRST_YEAR, Gen, Progress, YEARS, at, insert_batches};

/// Sessions and attendances at scale 1.
const SESSIONS: u64 = 100;
const SIGN_INS_PER_SESSION: u64 = 100;
/// Sessions still to come at scale 1, open for enrolment (dated from the day of the seed).
const UPCOMING: u64 = 6;

const TITLES: [&str; 6] = [
    "清洁生产审核政策解读",
    "清洁生产审核方法与案例",
    "重点行业清洁生产技术",
    "清洁生产审核报告编制规范",
    "审核评估与验收要点",
    "节能减污降碳协同增效",
];

/// Somebody who can sign in: an expert or a consultancy's staff member.
pub(super) struct Trainee {
    pub kind: TrainingParticipantKind,
    pub id: Uuid,
    pub consultancy_id: Option<Uuid>,
    pub name: String,
    pub organisation: String,
}

pub(super) struct TrainingCounts {
    pub sessions: u64,
    pub attendances: u64,
}

/// The sessions of one year are spread over its working months.
fn session_day(g: &mut Gen, year: i32) -> NaiveDate {
    g.date_in(year, 40, 340)
}

pub(super) async fn seed_training(
    db: &impl ConnectionTrait,
    g: &mut Gen,
    scale: u64,
    experts: &[Trainee],
    staff: &[Trainee],
    progress: &dyn Progress,
) -> AppResult<TrainingCounts> {
    let mut sessions = Vec::new();
    let mut audiences = Vec::new();
    let mut topics = Vec::new();
    let mut attendances = Vec::new();
    let total = SESSIONS * scale;
    let upcoming = UPCOMING * scale;
    let today = crate::services::today();
    for i in 0..total + upcoming {
        let id = g.id();
        // The last few lie ahead: two weeks to three months from the seed's day.
        let is_upcoming = i >= total;
        let day = if is_upcoming {
            today + Duration::days(g.range(14, 90))
        } else {
            session_day(g, FIRST_YEAR + (i % YEARS as u64) as i32)
        };
        let year = day.year();
        let provincial = g.chance(30);
        // Held where it is organised: a city's in that city, the province's in Taiyuan.
        let (city_code, organiser, venue) = if provincial {
            (None, "山西省生态环境厅".to_owned(), "太原")
        } else {
            let (code, name) = *g.pick(&CITIES);
            (Some(code.to_owned()), format!("{name}市生态环境局"), name)
        };
        let days = *g.pick(&[1i64, 1, 2, 3]);
        let hours = days * 6;
        let starts = at(day);
        let ends = starts + Duration::days(days - 1) + Duration::hours(8);
        let mut own_audiences = vec![
            TrainingAudience::Expert,
            TrainingAudience::ConsultancyStaff,
            TrainingAudience::EnterpriseStaff,
        ];
        if provincial {
            own_audiences.push(TrainingAudience::AdministrativeStaff);
        }
        for audience in &own_audiences {
            audiences.push(training_session_audience::ActiveModel {
                session_id: Set(id),
                audience: Set(*audience),
            });
        }
        let first_topic = TrainingTopic::ALL[g.below(TrainingTopic::ALL.len() as u64) as usize];
        let second_topic = TrainingTopic::ALL[g.below(TrainingTopic::ALL.len() as u64) as usize];
        for topic in [first_topic, second_topic]
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
        {
            topics.push(training_session_topic::ActiveModel {
                session_id: Set(id),
                topic: Set(topic),
            });
        }
        let credit_hours = hours * 10_000;
        let mut seen: HashSet<Uuid> = HashSet::new();
        let mut signed = 0i32;
        // Repeats are skipped, so a sheet draws until it has its people.
        let sign_ins = if is_upcoming { 0 } else { SIGN_INS_PER_SESSION };
        for seq in 0..sign_ins * 2 {
            if signed as u64 == sign_ins {
                break;
            }
            let roll = g.below(100);
            let (kind, participant, audience) = match roll {
                0..=29 => (
                    TrainingParticipantKind::Expert,
                    Some(g.pick(experts)),
                    TrainingAudience::Expert,
                ),
                30..=89 => (
                    TrainingParticipantKind::ConsultancyStaff,
                    Some(g.pick(staff)),
                    TrainingAudience::ConsultancyStaff,
                ),
                _ => (
                    TrainingParticipantKind::Outside,
                    None,
                    TrainingAudience::EnterpriseStaff,
                ),
            };
            if let Some(p) = participant
                && !seen.insert(p.id)
            {
                continue;
            }
            let (name, organisation) = match participant {
                Some(p) => (p.name.clone(), p.organisation.clone()),
                None => (
                    format!("{}{seq}", g.person_name()),
                    format!("{}企业", g.pick(&CITIES).1),
                ),
            };
            let status = match g.below(100) {
                0..=89 => AttendanceStatus::Attended,
                90..=95 => AttendanceStatus::Absent,
                _ => AttendanceStatus::Excused,
            };
            let attended = status == AttendanceStatus::Attended;
            let examined = attended && g.chance(70);
            signed += 1;
            attendances.push(training_attendance::ActiveModel {
                id: Set(g.id()),
                session_id: Set(id),
                participant_kind: Set(kind),
                expert_id: Set(participant
                    .filter(|p| p.kind == TrainingParticipantKind::Expert)
                    .map(|p| p.id)),
                staff_id: Set(participant
                    .filter(|p| p.kind == TrainingParticipantKind::ConsultancyStaff)
                    .map(|p| p.id)),
                consultancy_id: Set(participant.and_then(|p| p.consultancy_id)),
                user_id: Set(None),
                display_name: Set(name),
                organisation: Set(organisation),
                role_title: Set(None),
                audience: Set(audience),
                status: Set(status),
                checked_in_at: Set(attended.then_some(starts)),
                checked_out_at: Set(attended.then_some(ends)),
                hours: Set(if attended { credit_hours } else { 0 }),
                exam_score: Set(examined.then(|| g.range(60, 100) * 10_000)),
                certificate_no: Set(examined.then(|| format!("PX{year}-{:04}-{seq:03}", i + 1))),
                enrolled_by: Set(None),
                enrolled_at: Set(starts - Duration::days(10)),
                recorded_by: Set(None),
                recorded_at: Set((status != AttendanceStatus::Registered).then_some(ends)),
                updated_at: Set(ends),
            });
        }
        sessions.push(training_session::ActiveModel {
            id: Set(id),
            year: Set(year),
            title: Set(format!("{}（第{}期）", g.pick(&TITLES), i + 1)),
            scope: Set(if provincial {
                TrainingScope::Provincial
            } else {
                TrainingScope::City
            }),
            city_code: Set(city_code),
            organiser: Set(organiser),
            description: Set(Some("面向专家、咨询机构和企业的清洁生产审核培训。".into())),
            starts_at: Set(starts),
            ends_at: Set(ends),
            credit_hours: Set(credit_hours),
            location: Set(format!("{venue}市会议中心")),
            capacity: Set(Some(150)),
            enrolled: Set(signed),
            status: Set(TrainingSessionStatus::Announced),
            cancel_reason: Set(None),
            cancelled_at: Set(None),
            plan_item_id: Set(None),
            created_by: Set(None),
            version: Set(1),
            created_at: Set(starts - Duration::days(30)),
            updated_at: Set(ends),
        });
    }
    let sessions = insert_batches(db, sessions, "training sessions", progress).await?;
    insert_batches(db, audiences, "session audiences", progress).await?;
    insert_batches(db, topics, "session topics", progress).await?;
    let attendances = insert_batches(db, attendances, "attendances", progress).await?;
    Ok(TrainingCounts {
        sessions,
        attendances,
    })
}

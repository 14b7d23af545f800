//! The exported datasets: each read through its GraphQL query's service function (same
//! access, scope and filters), then laid out as a table with the province's column names.

use std::collections::HashMap;

use entity::{annual_audit_list, audit, consultancy, enterprise, review};
use uuid::Uuid;

use crate::auth::Viewer;
use crate::error::AppResult;
use crate::rules::deadlines::{is_notice_late, today_in_china};
use crate::scalars::Date;
use crate::services::annual_lists::{self, ListFilter};
use crate::services::audits::{self, AuditFilter, ReviewFilter};
use crate::services::enterprises::{self, DirectoryFilter};
use crate::services::expert_pool::PoolFilter;
use crate::services::rechecks::{self, FindingFilter};
use crate::services::unguarded::keyed_by_id;
use crate::services::violations::{self, ViolationFilter};
use crate::services::{Services, experts, today};

use super::{Cell, Dataset, ExportFilter, Table, every_page};

pub(super) async fn read(
    s: &Services,
    viewer: &Viewer,
    dataset: Dataset,
    filter: ExportFilter,
) -> AppResult<Table> {
    match dataset {
        Dataset::Directory => directory(s, viewer, filter).await,
        Dataset::AnnualLists => annual_lists(s, viewer, filter).await,
        Dataset::OverdueAudits => overdue_audits(s, viewer, filter).await,
        Dataset::Reviews => reviews(s, viewer, filter).await,
        Dataset::Experts => experts_pool(s, viewer, filter).await,
        Dataset::Violations => violations(s, viewer, filter).await,
        Dataset::RecheckFindings => findings(s, viewer, filter).await,
        Dataset::Figures => figures_table(s, viewer, filter).await,
        Dataset::Assessment => assessment_table(s, viewer, filter).await,
    }
}

/// City names by code, from the reference data read at start-up.
fn city_names(s: &Services) -> HashMap<String, String> {
    s.cities
        .iter()
        .map(|c| (c.code.clone(), c.name.clone()))
        .collect()
}

fn city_of(names: &HashMap<String, String>, code: &str) -> Cell {
    Cell::Text(names.get(code).cloned().unwrap_or_else(|| code.to_owned()))
}

/// The file stem: the dataset and the narrowing a reader would want in the name.
fn stem(dataset: Dataset, filter: &ExportFilter) -> String {
    let mut stem = dataset.slug().to_owned();
    if let Some(year) = filter.year {
        stem.push_str(&format!("-{year}"));
    }
    if let Some(city) = &filter.city_code {
        stem.push('-');
        stem.push_str(city);
    }
    stem
}

const DIRECTORY_HEADERS: &[&str] = &[
    "企业名称",
    "统一社会信用代码",
    "所在城市",
    "所在区县",
    "行业代码",
    "行业类别",
    "纳入名录年度",
    "最近完成审核日期",
    "本轮审核期限",
    "是否超期未审核",
];

async fn directory(s: &Services, viewer: &Viewer, filter: ExportFilter) -> AppResult<Table> {
    let as_of = filter.as_of.unwrap_or_else(today);
    let members = every_page(
        |page| {
            enterprises::list_directory(
                &s.db,
                viewer,
                DirectoryFilter {
                    city_code: filter.city_code.clone(),
                    sector: filter.sector,
                    cycle_overdue: None,
                    text: None,
                },
                as_of,
                page,
            )
        },
        |e: &enterprise::Model| e.id,
    )
    .await?;
    let names = city_names(s);
    let rows = members
        .iter()
        .map(|e| {
            let standing = enterprises::cycle_standing(e, as_of);
            vec![
                e.name.as_str().into(),
                e.credit_code.as_str().into(),
                city_of(&names, &e.city_code),
                e.county.as_str().into(),
                e.industry_code.as_str().into(),
                e.sector.map(|s| s.label()).into(),
                e.directory_since_year.into(),
                e.last_completed_on.into(),
                standing.as_ref().and_then(|c| c.covered_until).into(),
                standing.map(|c| c.overdue).into(),
            ]
        })
        .collect();
    Ok(Table {
        stem: stem(Dataset::Directory, &filter),
        title: "强制性清洁生产审核企业名录",
        headers: DIRECTORY_HEADERS,
        rows,
    })
}

const LIST_HEADERS: &[&str] = &[
    "年度",
    "所在城市",
    "名单状态",
    "企业名称",
    "统一社会信用代码",
    "所在区县",
    "公示日期",
    "书面通知日期",
    "通知文号",
    "通知是否逾期",
];

async fn annual_lists(s: &Services, viewer: &Viewer, filter: ExportFilter) -> AppResult<Table> {
    let lists = every_page(
        |page| {
            annual_lists::list_lists(
                &s.db,
                viewer,
                ListFilter {
                    city_code: filter.city_code.clone(),
                    year: filter.year,
                    status: None,
                },
                page,
            )
        },
        |l: &annual_audit_list::Model| l.id,
    )
    .await?;
    let ids: Vec<Uuid> = lists.iter().map(|l| l.id).collect();
    let mut entries = annual_lists::unguarded::entries_of(&s.db, &ids).await?;
    let enterprise_ids: Vec<Uuid> = entries
        .values()
        .flatten()
        .map(|e| e.enterprise_id)
        .collect();
    let found = keyed_by_id::<enterprise::Entity>(&s.db, &enterprise_ids).await?;
    let names = city_names(s);
    let mut rows = Vec::new();
    for list in &lists {
        for entry in entries.remove(&list.id).unwrap_or_default() {
            let e = found.get(&entry.enterprise_id);
            rows.push(vec![
                list.year.into(),
                city_of(&names, &list.city_code),
                list.status.label().into(),
                e.map(|e| e.name.as_str()).into(),
                e.map(|e| e.credit_code.as_str()).into(),
                e.map(|e| e.county.as_str()).into(),
                list.published_on.into(),
                entry.notice_date.into(),
                entry.notice_number.into(),
                entry
                    .notice_date
                    .map(|on| is_notice_late(on, list.year))
                    .into(),
            ]);
        }
    }
    Ok(Table {
        stem: stem(Dataset::AnnualLists, &filter),
        title: "年度强制性清洁生产审核企业名单",
        headers: LIST_HEADERS,
        rows,
    })
}

const OVERDUE_HEADERS: &[&str] = &[
    "企业名称",
    "统一社会信用代码",
    "所在城市",
    "审核年度",
    "审核状态",
    "逾期事项",
    "应完成日期",
    "逾期天数",
];

async fn overdue_audits(s: &Services, viewer: &Viewer, filter: ExportFilter) -> AppResult<Table> {
    let as_of = filter.as_of.unwrap_or_else(today);
    let overdue = every_page(
        |page| {
            audits::list_audits(
                &s.db,
                viewer,
                AuditFilter {
                    city_code: filter.city_code.clone(),
                    year: filter.year,
                    status: filter.audit_status,
                    overdue: Some(true),
                    as_of: Some(as_of),
                    ..Default::default()
                },
                page,
            )
        },
        |a: &audit::Model| a.id,
    )
    .await?;
    let ids: Vec<Uuid> = overdue.iter().map(|a| a.enterprise_id).collect();
    let found = keyed_by_id::<enterprise::Entity>(&s.db, &ids).await?;
    let names = city_names(s);
    let rows = overdue
        .iter()
        .map(|a| {
            let e = found.get(&a.enterprise_id);
            vec![
                e.map(|e| e.name.as_str()).into(),
                e.map(|e| e.credit_code.as_str()).into(),
                city_of(&names, &a.city_code),
                a.year.into(),
                a.status.label().into(),
                a.due_kind.map(|k| k.label()).into(),
                a.due_on.into(),
                a.due_on.map(|due| (as_of - due).num_days()).into(),
            ]
        })
        .collect();
    Ok(Table {
        stem: stem(Dataset::OverdueAudits, &filter),
        title: "逾期未完成审核",
        headers: OVERDUE_HEADERS,
        rows,
    })
}

const REVIEW_HEADERS: &[&str] = &[
    "评审日期",
    "评审类型",
    "评审状态",
    "企业名称",
    "统一社会信用代码",
    "所在城市",
    "组织单位",
    "评审结论",
    "得分",
];

async fn reviews(s: &Services, viewer: &Viewer, filter: ExportFilter) -> AppResult<Table> {
    let found = every_page(
        |page| {
            audits::list_reviews(
                &s.db,
                viewer,
                ReviewFilter {
                    status: filter.review_status,
                    kind: filter.review_kind,
                    city_code: filter.city_code.clone(),
                    date_from: filter.date_from.map(Date),
                    date_to: filter.date_to.map(Date),
                    has_panel: None,
                },
                page,
            )
        },
        |r: &review::Model| r.id,
    )
    .await?;
    let (their_audits, firms) =
        audits_and_firms(s, found.iter().map(|r| r.audit_id).collect()).await?;
    let names = city_names(s);
    let rows = found
        .iter()
        .map(|r| {
            let a = their_audits.get(&r.audit_id);
            let e = a.and_then(|a| firms.get(&a.enterprise_id));
            vec![
                r.review_date.into(),
                r.kind.label().into(),
                r.status.label().into(),
                e.map(|e| e.name.as_str()).into(),
                e.map(|e| e.credit_code.as_str()).into(),
                a.map_or(Cell::Empty, |a| city_of(&names, &a.city_code)),
                match &r.organiser_city_code {
                    Some(city) => city_of(&names, city),
                    None => "省生态环境厅".into(),
                },
                r.outcome.map(|o| o.label()).into(),
                r.score.into(),
            ]
        })
        .collect();
    Ok(Table {
        stem: stem(Dataset::Reviews, &filter),
        title: "评估与验收",
        headers: REVIEW_HEADERS,
        rows,
    })
}

const EXPERT_HEADERS: &[&str] = &[
    "姓名",
    "性别",
    "身份证号",
    "手机号",
    "工作单位",
    "所在城市",
    "职称",
    "从业年限",
    "聘期起",
    "聘期止",
    "状态",
    "行业",
    "专业领域",
];

async fn experts_pool(s: &Services, viewer: &Viewer, filter: ExportFilter) -> AppResult<Table> {
    let pool = every_page(
        |page| {
            experts::list_experts(
                s,
                viewer,
                PoolFilter {
                    status: filter.expert_status,
                    sector: filter.sector,
                    city_code: filter.city_code.clone(),
                    ..Default::default()
                },
                page,
            )
        },
        |e| e.model.id,
    )
    .await?;
    let names = city_names(s);
    let rows = pool
        .iter()
        .map(|e| {
            let m = &e.model;
            // Decrypted and masked as the GraphQL type shows them to this reader.
            let id_card = experts::id_card_number_seen_by(&s.data_keys, viewer, m)?;
            let phone = experts::phone_seen_by(&s.data_keys, viewer, m)?;
            let join = |labels: Vec<&str>| labels.join("、");
            Ok(vec![
                m.name.as_str().into(),
                m.gender.label().into(),
                id_card.into(),
                phone.into(),
                m.employer.as_str().into(),
                city_of(&names, &m.city_code),
                e.title.map(|t| t.label()).into(),
                m.years_in_field.into(),
                m.term_start.into(),
                m.term_end.into(),
                e.status.label().into(),
                join(e.sectors.iter().map(|s| s.label()).collect()).into(),
                join(e.kinds.iter().map(|k| k.label()).collect()).into(),
            ])
        })
        .collect::<AppResult<_>>()?;
    Ok(Table {
        stem: stem(Dataset::Experts, &filter),
        title: "清洁生产审核专家库",
        headers: EXPERT_HEADERS,
        rows,
    })
}

const VIOLATION_HEADERS: &[&str] = &[
    "对象类型",
    "对象名称",
    "统一社会信用代码",
    "所在城市",
    "违规类型",
    "严重程度",
    "决定日期",
    "决定文号",
    "处理措施",
    "公示状态",
];

async fn violations(s: &Services, viewer: &Viewer, filter: ExportFilter) -> AppResult<Table> {
    let periods = &s.config.violation_publication;
    let found = every_page(
        |page| {
            violations::list_violations(
                &s.db,
                viewer,
                periods,
                ViolationFilter {
                    year: filter.year,
                    city_code: filter.city_code.clone(),
                    ..Default::default()
                },
                page,
            )
        },
        |v| v.id,
    )
    .await?;
    let names = city_names(s);
    let rows = found
        .iter()
        .map(|v| {
            vec![
                v.subject_kind.label().into(),
                v.subject_name.as_str().into(),
                v.subject_credit_code.as_deref().into(),
                v.city_code
                    .as_deref()
                    .map_or(Cell::Empty, |c| city_of(&names, c)),
                v.kind.label().into(),
                v.severity.label().into(),
                v.decision_date.into(),
                v.decision_number.as_str().into(),
                v.penalty.as_str().into(),
                violations::publication_state(periods, v).label().into(),
            ]
        })
        .collect();
    Ok(Table {
        stem: stem(Dataset::Violations, &filter),
        title: "违规记录",
        headers: VIOLATION_HEADERS,
        rows,
    })
}

const FINDING_HEADERS: &[&str] = &[
    "复核年度",
    "所在城市",
    "企业名称",
    "问题类型",
    "问题描述",
    "咨询机构",
    "记录日期",
];

async fn findings(s: &Services, viewer: &Viewer, filter: ExportFilter) -> AppResult<Table> {
    let found = every_page(
        |page| {
            rechecks::list_findings(
                &s.db,
                viewer,
                FindingFilter {
                    year: filter.year,
                    city_code: filter.city_code.clone(),
                    ..Default::default()
                },
                page,
            )
        },
        |f| f.id,
    )
    .await?;
    let (their_audits, firms) =
        audits_and_firms(s, found.iter().map(|f| f.audit_id).collect()).await?;
    let consultancy_ids: Vec<Uuid> = found.iter().filter_map(|f| f.consultancy_id).collect();
    let consultancies = keyed_by_id::<consultancy::Entity>(&s.db, &consultancy_ids).await?;
    let names = city_names(s);
    let rows = found
        .iter()
        .map(|f| {
            let e = their_audits
                .get(&f.audit_id)
                .and_then(|a| firms.get(&a.enterprise_id));
            vec![
                f.year.into(),
                city_of(&names, &f.city_code),
                e.map(|e| e.name.as_str()).into(),
                f.kind.label().into(),
                f.description.as_str().into(),
                f.consultancy_id
                    .and_then(|c| consultancies.get(&c))
                    .map(|c| c.name.as_str())
                    .into(),
                today_in_china(f.recorded_at).into(),
            ]
        })
        .collect();
    Ok(Table {
        stem: stem(Dataset::RecheckFindings, &filter),
        title: "复核发现问题",
        headers: FINDING_HEADERS,
        rows,
    })
}

const FIGURE_HEADERS: &[&str] = &[
    "年度",
    "统计范围",
    "城市",
    "区县",
    "行业",
    "名录企业数",
    "完成审核企业数",
    "审核覆盖率(%)",
    "超期未审核企业数",
    "参加评估企业数",
    "评估通过企业数",
    "一次通过企业数",
    "企业评估通过率(%)",
    "评估次数",
    "评估通过次数",
    "评估通过率(%)",
    "验收次数",
    "验收通过次数",
    "验收通过率(%)",
    "复核次数",
    "复核通过次数",
    "复核发现问题数",
    "逾期未公布审核信息",
    "逾期未启动审核",
    "逾期未提交审核报告",
    "逾期未完成评估",
    "逾期未完成验收",
    "方案数",
    "已实施方案数",
    "方案投资(万元)",
    "经济效益(万元/年)",
    "节能(吨标煤/年)",
    "节水(吨/年)",
    "削减COD(吨/年)",
    "削减氨氮(吨/年)",
    "削减二氧化硫(吨/年)",
    "削减氮氧化物(吨/年)",
    "削减颗粒物(吨/年)",
    "削减VOCs(吨/年)",
    "减排二氧化碳(吨/年)",
];

fn count(n: u64) -> Cell {
    Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

fn decimal(d: Option<rust_decimal::Decimal>) -> Cell {
    d.map_or(Cell::Empty, |d| Cell::Text(d.normalize().to_string()))
}

/// One row per line and year: the scope's own lines first, then by city, county and sector.
async fn figures_table(s: &Services, viewer: &Viewer, filter: ExportFilter) -> AppResult<Table> {
    use crate::services::figures::{self, FiguresFilter, Group};
    use crate::services::summary::{AMOUNTS, OptionTotals};
    use chrono::Datelike;

    let year_to = filter
        .year_to
        .or(filter.year)
        .unwrap_or_else(|| today().year());
    let year_from = filter.year_from.or(filter.year).unwrap_or(year_to);
    let answer = figures::figures(
        &s.db,
        viewer,
        FiguresFilter {
            city_code: filter.city_code.clone(),
            county: filter.county.clone(),
            sector: filter.sector,
            year_from,
            year_to,
        },
    )
    .await?;
    let names = city_names(s);
    let lines = std::iter::once(&answer.total)
        .chain(&answer.by_city)
        .chain(&answer.by_county)
        .chain(&answer.by_sector);
    let mut rows = Vec::new();
    for line in lines {
        let (scope, city, county, sector): (&str, Cell, Cell, Cell) = match &line.group {
            Group::All => (
                "合计",
                answer
                    .scope
                    .city
                    .as_deref()
                    .map_or(Cell::from("全省"), |c| city_of(&names, c)),
                answer.scope.county.as_deref().into(),
                answer.scope.sector.map(|s| s.label()).into(),
            ),
            Group::City(c) => ("城市", city_of(&names, c), Cell::Empty, Cell::Empty),
            Group::County(c, k) => ("区县", city_of(&names, c), k.as_str().into(), Cell::Empty),
            Group::Sector(sector) => ("行业", Cell::Empty, Cell::Empty, sector.label().into()),
        };
        for y in &line.years {
            let c = &y.counts;
            let r = &y.rates;
            let mut row = vec![
                y.year.into(),
                scope.into(),
                city.clone(),
                county.clone(),
                sector.clone(),
                count(c.members),
                count(c.covered),
                decimal(r.coverage.rate),
                count(c.cycle_overdue),
                count(c.enterprises_evaluated),
                count(c.enterprises_passed),
                count(c.enterprises_passed_first),
                decimal(r.enterprise_pass.rate),
                count(c.evaluations_held),
                count(c.evaluations_passed),
                decimal(r.evaluation.rate),
                count(c.acceptances_held),
                count(c.acceptances_passed),
                decimal(r.acceptance.rate),
                count(c.rechecks_held),
                count(c.rechecks_passed),
                count(y.findings_total()),
            ];
            row.extend(y.overdue.values().map(|n| count(*n)));
            let options = |f: fn(&OptionTotals) -> u64| y.options.iter().map(f).sum::<u64>();
            row.push(count(options(|o| o.count)));
            row.push(count(options(|o| o.implemented)));
            let mut summed = [rust_decimal::Decimal::ZERO; AMOUNTS];
            for o in &y.options {
                for (sum, amount) in summed.iter_mut().zip(o.amounts()) {
                    *sum = sum.saturating_add(amount);
                }
            }
            row.extend(summed.map(|d| decimal(Some(d))));
            rows.push(row);
        }
    }
    let mut stem = format!("figures-{year_from}-{year_to}");
    if let Some(city) = &answer.scope.city {
        stem.push('-');
        stem.push_str(city);
    }
    Ok(Table {
        stem,
        title: "清洁生产审核统计",
        headers: FIGURE_HEADERS,
        rows,
    })
}

const ASSESSMENT_HEADERS: &[&str] = &[
    "年度",
    "城市",
    "考核表状态",
    "项目代码",
    "考核项目",
    "分值",
    "评分方式",
    "考核指标",
    "目标值(%)",
    "实际值(%)",
    "得分",
    "评分说明",
    "考核总分",
];

/// One row per city and item of the year (last year unless `year` is given): the province
/// every city's sheet, a city admin its own.
async fn assessment_table(s: &Services, viewer: &Viewer, filter: ExportFilter) -> AppResult<Table> {
    use crate::services::amounts::from_stored;
    use crate::services::assessment;
    use chrono::Datelike;

    let year = filter.year.unwrap_or_else(|| today().year() - 1);
    let scope = viewer.list_city(filter.city_code.as_deref())?;
    let codes: Vec<String> = match scope {
        Some(city) => vec![city.to_owned()],
        None => s.cities.iter().map(|c| c.code.clone()).collect(),
    };
    let names = city_names(s);
    let mut rows = Vec::new();
    for code in &codes {
        let sheet = assessment::sheet(&s.db, viewer, code, year).await?;
        for line in &sheet.lines {
            let item = &line.item;
            let how = match item.method {
                Some(method) => method.label(),
                None => item.kind.label(),
            };
            rows.push(vec![
                year.into(),
                city_of(&names, code),
                sheet.status.label().into(),
                item.code.as_str().into(),
                item.title.as_str().into(),
                item.weight.into(),
                how.into(),
                item.figure.map(|f| f.label()).into(),
                decimal(item.target.map(from_stored)),
                decimal(line.value),
                decimal(line.score),
                line.note.as_deref().into(),
                decimal(Some(sheet.total)),
            ]);
        }
    }
    let mut stem = format!("assessment-{year}");
    if let Some(city) = scope {
        stem.push('-');
        stem.push_str(city);
    }
    Ok(Table {
        stem,
        title: "清洁生产目标责任制考核",
        headers: ASSESSMENT_HEADERS,
        rows,
    })
}

/// The audits of the rows (by id) and their enterprises (by id): the rows' access was checked
/// where they were listed.
async fn audits_and_firms(
    s: &Services,
    audit_ids: Vec<Uuid>,
) -> AppResult<(
    HashMap<Uuid, audit::Model>,
    HashMap<Uuid, enterprise::Model>,
)> {
    let audits = keyed_by_id::<audit::Entity>(&s.db, &audit_ids).await?;
    let enterprise_ids: Vec<Uuid> = audits.values().map(|a| a.enterprise_id).collect();
    let firms = keyed_by_id::<enterprise::Entity>(&s.db, &enterprise_ids).await?;
    Ok((audits, firms))
}

//! Whole answers to queries that read only published rankings, kept and served again.
//!
//! A published ranking is final (`services::ranking::PublishedRankings`), so a query that
//! reads nothing else always gets the same answer, whoever asks. Publication day is when every
//! firm of the province opens the ranking; at national scale the whole document is 2 000
//! lines, and building its answer field by field costs the server about 8 ms of CPU each time.
//! Served from here it is a hash and a copy.
//!
//! What may be kept is decided on the document, field by field, against [`RANKING`]: an
//! allowlist of what a ranking answer derives from its frozen lines alone. Anything else (the
//! appraisal scheme, the firm's city record, any other root field) makes the query ordinary.
//! An answer is kept only when every year the query names was already published when it
//! started executing, and only without errors.
//!
//! A kept answer is also kept gzip-compressed, compressed once when kept: the browsers that
//! open the ranking all ask for gzip, and the whole national ranking is 345 KB of JSON that
//! compresses to 43.5 KB. Answers executed per request are sent as they are (a proxy in
//! front may compress them; compressing each would cost the server CPU per request).

use std::io::Write;
use std::num::NonZeroUsize;
use std::sync::Mutex;

use async_graphql::Value;
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use bytes::Bytes;
use sha2::{Digest, Sha256};

use super::limits::selected_operation;

/// A field a frozen answer may select, and what may be selected under it.
struct Allowed {
    name: &'static str,
    under: &'static [Allowed],
}

const fn leaf(name: &'static str) -> Allowed {
    Allowed { name, under: &[] }
}

const PUBLICATION: &[Allowed] = &[
    leaf("year"),
    leaf("publishedAt"),
    leaf("publishedOn"),
    leaf("entryCount"),
];

/// `RankedConsultancy` without `city` (a reference record, not part of the ranking).
const CONSULTANCY: &[Allowed] = &[
    leaf("id"),
    leaf("name"),
    leaf("creditCode"),
    leaf("cityCode"),
];

const ENTRY: &[Allowed] = &[
    leaf("rank"),
    leaf("position"),
    Allowed {
        name: "consultancy",
        under: CONSULTANCY,
    },
    leaf("total"),
    leaf("grade"),
    leaf("gradeLabel"),
    leaf("capacityBuilding"),
    leaf("reportQuality"),
    leaf("personnelManagement"),
    leaf("serviceQuality"),
    leaf("serviceQuantity"),
    leaf("previousRank"),
    leaf("rankChange"),
];

/// `ConsultancyRanking` without `scheme` (read from the database, not the frozen lines).
const RANKING: &[Allowed] = &[
    leaf("year"),
    leaf("published"),
    Allowed {
        name: "publication",
        under: PUBLICATION,
    },
    leaf("previousYear"),
    Allowed {
        name: "entries",
        under: ENTRY,
    },
    leaf("entryCount"),
    leaf("reportPaths"),
];

/// The root field whose answer can be frozen.
const ROOT: &str = "consultancyRanking";

/// Fragments nest at most this deep here; deeper documents are simply not kept.
const MAX_FRAGMENT_DEPTH: usize = 8;

/// The years whose rankings a query reads, when it reads nothing but the frozen parts of
/// `consultancyRanking`; `None` for any other query (or one whose year is not a literal or a
/// given variable).
pub fn ranking_years(
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: Option<&serde_json::Value>,
) -> Option<Vec<i32>> {
    let operation = selected_operation(doc, operation_name)?;
    if operation.ty != OperationType::Query {
        return None;
    }
    let mut years = Vec::new();
    root_years(doc, &operation.selection_set.node, variables, &mut years, 0)?;
    (!years.is_empty()).then_some(years)
}

fn root_years(
    doc: &ExecutableDocument,
    set: &SelectionSet,
    variables: Option<&serde_json::Value>,
    years: &mut Vec<i32>,
    depth: usize,
) -> Option<()> {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                let field = &field.node;
                match field.name.node.as_str() {
                    "__typename" => {}
                    ROOT => {
                        let (_, year) = field
                            .arguments
                            .iter()
                            .find(|(name, _)| name.node.as_str() == "year")?;
                        let year = year
                            .node
                            .clone()
                            .into_const_with(|name| variable(variables, &name))
                            .ok()?;
                        years.push(year_of(&year)?);
                        within(doc, &field.selection_set.node, RANKING, depth)?;
                    }
                    _ => return None,
                }
            }
            fragment => {
                let set = fragment_set(doc, fragment)?;
                root_years(doc, set, variables, years, deeper(depth)?)?;
            }
        }
    }
    Some(())
}

/// Whether a selection set selects only `allowed` fields (and what each allows under it).
fn within(
    doc: &ExecutableDocument,
    set: &SelectionSet,
    allowed: &[Allowed],
    depth: usize,
) -> Option<()> {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                let field = &field.node;
                let name = field.name.node.as_str();
                if name == "__typename" {
                    continue;
                }
                let rule = allowed.iter().find(|a| a.name == name)?;
                within(doc, &field.selection_set.node, rule.under, depth)?;
            }
            fragment => within(doc, fragment_set(doc, fragment)?, allowed, deeper(depth)?)?,
        }
    }
    Some(())
}

/// What a fragment, inline or named, selects; `None` for a field or an unknown name.
fn fragment_set<'d>(doc: &'d ExecutableDocument, item: &'d Selection) -> Option<&'d SelectionSet> {
    match item {
        Selection::Field(_) => None,
        Selection::InlineFragment(fragment) => Some(&fragment.node.selection_set.node),
        Selection::FragmentSpread(spread) => doc
            .fragments
            .get(&spread.node.fragment_name.node)
            .map(|fragment| &fragment.node.selection_set.node),
    }
}

fn deeper(depth: usize) -> Option<usize> {
    (depth < MAX_FRAGMENT_DEPTH).then_some(depth + 1)
}

/// A variable's value as the request gives it.
fn variable(variables: Option<&serde_json::Value>, name: &str) -> Result<Value, ()> {
    variables
        .and_then(|v| v.get(name))
        .and_then(|v| Value::from_json(v.clone()).ok())
        .ok_or(())
}

fn year_of(value: &Value) -> Option<i32> {
    match value {
        Value::Number(n) => n.as_i64().and_then(|y| i32::try_from(y).ok()),
        _ => None,
    }
}

/// What identifies an answer: the document (by the SHA-256 of its text), the operation and
/// the variables.
pub fn answer_key(
    document_hash: &str,
    operation_name: Option<&str>,
    variables: Option<&serde_json::Value>,
) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(document_hash.as_bytes());
    hasher.update([0]);
    hasher.update(operation_name.unwrap_or("").as_bytes());
    hasher.update([0]);
    if let Some(variables) = variables {
        // A `Value` always serialises; an empty key part is only a miss.
        hasher.update(serde_json::to_vec(variables).unwrap_or_default());
    }
    hasher.finalize().into()
}

/// Answers shorter than this are not worth compressing (gzip's own header and trailer are
/// 18 bytes, and a small answer fits one packet either way).
const GZIP_FROM: usize = 1024;

/// A kept answer: its JSON and, when long enough, the same gzip-compressed.
#[derive(Clone, Debug)]
pub struct KeptAnswer {
    pub json: Bytes,
    pub gzip: Option<Bytes>,
}

impl KeptAnswer {
    /// Compresses the answer once, here, for every client that will be served it.
    pub fn new(json: Bytes) -> KeptAnswer {
        let gzip = (json.len() >= GZIP_FROM).then(|| gzip(&json)).flatten();
        KeptAnswer { json, gzip }
    }

    /// The body for a client that sent `accept_encoding`, and whether it is gzip.
    pub fn body_for(&self, accept_encoding: Option<&str>) -> (Bytes, bool) {
        match &self.gzip {
            Some(gzip) if accept_encoding.is_some_and(accepts_gzip) => (gzip.clone(), true),
            _ => (self.json.clone(), false),
        }
    }

    fn bytes(&self) -> usize {
        self.json.len() + self.gzip.as_ref().map_or(0, Bytes::len)
    }
}

/// `None` only if the encoder fails, which writing to memory does not; the answer is then
/// served uncompressed.
fn gzip(json: &[u8]) -> Option<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(json.len() / 4),
        flate2::Compression::default(),
    );
    encoder.write_all(json).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

/// Whether an `Accept-Encoding` value takes gzip (RFC 9110, 12.5.3): `gzip`, `x-gzip` or `*`,
/// unless given `q=0`. An explicit `gzip;q=0` wins over `*`. Not actix-web's typed
/// `AcceptEncoding::negotiate`: it never takes `*` for gzip and reads `x-gzip` as unknown.
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    let mut wildcard = false;
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let refused = parts.any(|p| {
            let p = p.trim();
            p.get(..2).is_some_and(|q| q.eq_ignore_ascii_case("q="))
                && p.get(2..)
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
        });
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            return !refused;
        }
        if coding == "*" {
            wildcard = !refused;
        }
    }
    wildcard
}

/// The kept answers, the most recently used first out of eviction, within a byte budget.
pub struct FrozenAnswers {
    inner: Mutex<Kept>,
    max_bytes: usize,
}

struct Kept {
    answers: lru::LruCache<[u8; 32], KeptAnswer>,
    bytes: usize,
}

impl FrozenAnswers {
    /// At most `max_entries` answers and `max_bytes` bytes of them.
    pub fn new(max_entries: NonZeroUsize, max_bytes: usize) -> FrozenAnswers {
        FrozenAnswers {
            inner: Mutex::new(Kept {
                answers: lru::LruCache::new(max_entries),
                bytes: 0,
            }),
            max_bytes,
        }
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        // A poisoned lock only means a panic elsewhere mid-update: the answers are whole.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, key: &[u8; 32]) -> Option<KeptAnswer> {
        self.kept().answers.get(key).cloned()
    }

    /// Keeps an answer, evicting the least recently used ones to stay within the budget; an
    /// answer larger than the whole budget is not kept.
    pub fn keep(&self, key: [u8; 32], answer: KeptAnswer) {
        let size = answer.bytes();
        if size > self.max_bytes {
            return;
        }
        let mut kept = self.kept();
        kept.bytes += size;
        if let Some((_, replaced)) = kept.answers.push(key, answer) {
            kept.bytes -= replaced.bytes();
        }
        while kept.bytes > self.max_bytes {
            let Some((_, evicted)) = kept.answers.pop_lru() else {
                break;
            };
            kept.bytes -= evicted.bytes();
        }
    }

    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.kept().bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn years(query: &str, variables: Option<serde_json::Value>) -> Option<Vec<i32>> {
        let doc = async_graphql::parser::parse_query(query).expect("parses");
        ranking_years(&doc, None, variables.as_ref())
    }

    #[test]
    fn the_ranking_page_and_the_whole_ranking_are_frozen() {
        assert_eq!(
            years(
                "query Ranking { consultancyRanking(year: 2024) { year published entryCount \
                 entries(first: 50) { position rank total grade rankChange \
                 consultancy { name creditCode } } } }",
                None
            ),
            Some(vec![2024])
        );
        assert_eq!(
            years(
                "query($y: Int!) { a: consultancyRanking(year: $y) { __typename \
                 publication { publishedOn entryCount } entries { ...Line } } \
                 b: consultancyRanking(year: 2023) { ... on ConsultancyRanking { year } } } \
                 fragment Line on RankingEntry { gradeLabel consultancy { id cityCode } }",
                Some(json!({ "y": 2024 }))
            ),
            Some(vec![2024, 2023])
        );
    }

    #[test]
    fn anything_beyond_the_frozen_lines_is_not() {
        // The scheme is read from the database, the city from the reference records.
        assert_eq!(
            years(
                "{ consultancyRanking(year: 2024) { scheme { year } } }",
                None
            ),
            None
        );
        assert_eq!(
            years(
                "{ consultancyRanking(year: 2024) { entries { consultancy { city { name } } } } }",
                None
            ),
            None
        );
        assert_eq!(
            years(
                "{ consultancyRanking(year: 2024) { year } me { id } }",
                None
            ),
            None
        );
        assert_eq!(
            years(
                "{ consultancyRanking(year: 2024) { ...F } } fragment F on ConsultancyRanking { scheme { year } }",
                None
            ),
            None
        );
        assert_eq!(years("{ __typename }", None), None);
        assert_eq!(years("{ __schema { queryType { name } } }", None), None);
        assert_eq!(
            years("mutation { consultancyRanking(year: 2024) { year } }", None),
            None
        );
    }

    #[test]
    fn a_year_must_be_known_before_execution() {
        assert_eq!(
            years(
                "query($y: Int) { consultancyRanking(year: $y) { year } }",
                None
            ),
            None
        );
        assert_eq!(
            years(
                "query($y: Int) { consultancyRanking(year: $y) { year } }",
                Some(json!({ "y": "2024" }))
            ),
            None
        );
        assert_eq!(years("{ consultancyRanking { year } }", None), None);
    }

    #[test]
    fn fragment_cycles_end() {
        assert_eq!(
            years(
                "{ consultancyRanking(year: 2024) { ...A } } \
                 fragment A on ConsultancyRanking { ...B } fragment B on ConsultancyRanking { ...A }",
                None
            ),
            None
        );
    }

    #[test]
    fn keys_tell_operations_and_variables_apart() {
        let a = answer_key("abc", Some("A"), Some(&json!({ "y": 1 })));
        assert_eq!(a, answer_key("abc", Some("A"), Some(&json!({ "y": 1 }))));
        assert_ne!(a, answer_key("abc", Some("B"), Some(&json!({ "y": 1 }))));
        assert_ne!(a, answer_key("abc", Some("A"), Some(&json!({ "y": 2 }))));
        assert_ne!(a, answer_key("abd", Some("A"), Some(&json!({ "y": 1 }))));
    }

    fn kept(text: &'static [u8]) -> KeptAnswer {
        KeptAnswer::new(Bytes::from_static(text))
    }

    #[test]
    fn the_byte_budget_evicts_the_least_recently_used() {
        let entries = NonZeroUsize::new(8).expect("non-zero");
        let answers = FrozenAnswers::new(entries, 10);
        answers.keep([1; 32], kept(b"aaaa"));
        answers.keep([2; 32], kept(b"bbbb"));
        assert!(answers.get(&[1; 32]).is_some());
        answers.keep([3; 32], kept(b"cccc"));
        assert!(
            answers.get(&[2; 32]).is_none(),
            "the least recently used goes"
        );
        assert!(answers.get(&[1; 32]).is_some());
        assert_eq!(answers.bytes(), 8);
        answers.keep([4; 32], kept(b"too large for it"));
        assert!(answers.get(&[4; 32]).is_none());
        answers.keep([1; 32], kept(b"a"));
        assert_eq!(
            answers.bytes(),
            5,
            "a replaced answer's bytes are given back"
        );
    }

    #[test]
    fn a_long_answer_is_kept_compressed_too_and_counted_with_it() {
        let json: Vec<u8> = (0..200)
            .flat_map(|i| format!("{{\"position\":{i},\"grade\":\"A\"}},").into_bytes())
            .collect();
        let answer = KeptAnswer::new(Bytes::from(json.clone()));
        let gzip = answer.gzip.clone().expect("long enough to compress");
        assert!(
            gzip.len() * 4 < json.len(),
            "{} of {}",
            gzip.len(),
            json.len()
        );
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gzip[..]), &mut unzipped)
            .expect("valid gzip");
        assert_eq!(unzipped, json);
        assert_eq!(answer.bytes(), json.len() + gzip.len());

        assert_eq!(
            answer.body_for(Some("gzip, deflate, br")),
            (gzip.clone(), true)
        );
        assert!(!answer.body_for(Some("br")).1);
        assert_eq!(answer.body_for(None), (Bytes::from(json), false));
        assert!(
            kept(b"{\"data\":{}}").gzip.is_none(),
            "a short answer is sent as it is"
        );
        assert!(!kept(b"{\"data\":{}}").body_for(Some("gzip")).1);
    }

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        assert!(accepts_gzip("gzip"));
        assert!(accepts_gzip("deflate, GZIP;q=0.5"));
        assert!(accepts_gzip("x-gzip"));
        assert!(accepts_gzip("br, *"));
        assert!(!accepts_gzip(""));
        assert!(!accepts_gzip("identity"));
        assert!(!accepts_gzip("br, deflate"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(
            !accepts_gzip("gzip; q=0.000, *"),
            "a refused gzip wins over the wildcard"
        );
        assert!(!accepts_gzip("*;q=0"));
        assert!(
            accepts_gzip("gzip;q=é"),
            "a weight that does not parse refuses nothing"
        );
        assert!(
            accepts_gzip("gzip;€"),
            "a parameter is cut on characters, not bytes"
        );
    }
}

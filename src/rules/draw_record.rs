//! A panel's draw record: how its eligible list is stored, the JSON form it is exported in,
//! and the verification that re-runs every round from it. The server (`verifyPanel`) and the
//! offline `cleanprod verify-draw FILE` call the same [`verify`], so both give the same answer.
//!
//! # Stored lists (binary, one column per round)
//!
//! The eligible list can hold thousands of experts, so it is stored compactly. Byte 0 is the
//! codec version (1). Then, per expert, in ascending id order:
//! - eligible: the 16 id bytes, the sectors as a little-endian `u16` bit set and the kinds of
//!   expertise as one byte bit set (19 bytes);
//! - excluded: the 16 id bytes and the reasons as a little-endian `u16` bit set (18 bytes).
//!
//! Bit `i` stands for item `i` of the enum's declaration order (`Sector::ALL`,
//! `ExpertiseKind::ALL`, `ExclusionReason::ALL`); reordering those enums needs a new codec
//! version. A bit with no item is an error, never ignored.
//!
//! Version 2 reads against a pool snapshot: the whole pool, every expert in ascending id
//! order, as a version 1 eligible list, stored once and named by its SHA-256
//! ([`snapshot_name`]). Byte 0 is 2; then
//! - eligible: one bit per snapshot expert, bit `i % 8` of byte `i / 8`, set when eligible;
//!   the bits past the last expert are clear;
//! - excluded: for each snapshot expert whose bit is clear, in order, the reasons as a
//!   little-endian `u16` bit set (never empty).
//!
//! At 2 000 experts a round's lists take about 1 KB instead of about 37 KB.
//!
//! # Export (JSON, format `cleanprod-draw-record-v1`)
//!
//! [`DrawRecord`]: the panel's review and composition, then every round with its algorithm,
//! seed inputs (`serverRandom` hex, `reviewId`, `witnessNonce`), seed, slots, the eligible
//! experts with their sector and kind names, digests, exclusion counts, the experts already
//! invited (replacements) and the seats the round actually gave (from the seat records).
//!
//! # Verification
//!
//! For each round: the algorithm is [`DRAW_ALGORITHM`]; the seed is
//! `derive_seed(serverRandom, reviewId, witnessNonce)`; the eligible ids ascend without
//! duplicates, their number, [`eligible_digest`] and [`pool_digest`] match the record; the
//! exclusion counts add up; the first round's slots are the panel's composition and a
//! replacement's one slot is the declined seat's; a replacement excludes everyone seated by
//! an earlier round; and re-running [`draw_panel`] (or [`draw_replacement`]) gives exactly the
//! recorded seats. Any difference is reported as a problem of that round.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::{DrawRoundKind, ExclusionReason, ExpertiseKind, Sector};
use crate::rules::draw::{
    DRAW_ALGORITHM, DRAW_ALGORITHM_V1, DrawCandidate, Seat, Slot, commitment_of, derive_seed,
    draw_panel, draw_replacement, eligible_digest, pool_digest,
};

/// What is wrong with a v2 round's commitment: it must be there, match the revealed bytes,
/// and have been made before the round was drawn.
fn commitment_problems(round: &RoundRecord) -> Vec<String> {
    let mut problems = Vec::new();
    match (&round.commitment, round.committed_at) {
        (Some(commitment), Some(committed_at)) => {
            if let Ok(random) = hex32("serverRandom", &round.server_random)
                && hex::encode(commitment_of(&random)) != *commitment
            {
                problems.push(
                    "serverRandom does not match the commitment shown before the draw".to_owned(),
                );
            }
            if committed_at >= round.drawn_at {
                problems.push("the commitment was not made before the round was drawn".to_owned());
            }
        }
        _ => problems.push("the round has no commitment to its random bytes".to_owned()),
    }
    problems
}

/// The export's format name.
pub const RECORD_FORMAT: &str = "cleanprod-draw-record-v1";

const CODEC_VERSION: u8 = 1;
/// Lists read against a stored pool snapshot.
const SNAPSHOT_CODEC_VERSION: u8 = 2;
/// Bytes per expert in a stored eligible list.
pub const ELIGIBLE_ENTRY: usize = 16 + 2 + 1;
const EXCLUDED_ENTRY: usize = 16 + 2;

/// A stored list that does not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("unknown list codec version {0}")]
    Version(u8),
    #[error("the list is empty or cut short")]
    Length,
    #[error("bit {0} names no {1}")]
    UnknownBit(u32, &'static str),
    #[error("the list is read against a pool snapshot, and none was given")]
    SnapshotMissing,
    #[error("an excluded expert has no reason")]
    NoReason,
}

/// An eligible expert with the profile the composition was filled from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub id: Uuid,
    pub sectors: Vec<Sector>,
    pub expertise: Vec<ExpertiseKind>,
}

impl Profile {
    pub fn as_candidate(&self) -> DrawCandidate<'_> {
        DrawCandidate::new(self.id, &self.sectors, &self.expertise)
    }
}

fn mask_of<T: Copy + PartialEq>(items: &[T], all: &[T]) -> u32 {
    all.iter()
        .enumerate()
        .filter(|(_, item)| items.contains(item))
        .fold(0, |mask, (i, _)| mask | (1 << i))
}

fn items_of<T: Copy>(mask: u32, all: &[T], what: &'static str) -> Result<Vec<T>, CodecError> {
    let mut items = Vec::new();
    for bit in 0..32u32 {
        if mask & (1 << bit) == 0 {
            continue;
        }
        let item = all
            .get(bit as usize)
            .ok_or(CodecError::UnknownBit(bit, what))?;
        items.push(*item);
    }
    Ok(items)
}

fn id_at(chunk: &[u8]) -> Result<Uuid, CodecError> {
    let bytes: [u8; 16] = chunk
        .get(..16)
        .and_then(|b| b.try_into().ok())
        .ok_or(CodecError::Length)?;
    Ok(Uuid::from_bytes(bytes))
}

fn body(bytes: &[u8], entry: usize) -> Result<&[u8], CodecError> {
    let (&version, rest) = bytes.split_first().ok_or(CodecError::Length)?;
    if version != CODEC_VERSION {
        return Err(CodecError::Version(version));
    }
    if rest.len() % entry != 0 {
        return Err(CodecError::Length);
    }
    Ok(rest)
}

/// The eligible list in its stored form (pass it in ascending id order).
pub fn encode_eligible(profiles: &[DrawCandidate<'_>]) -> Vec<u8> {
    let entries: Vec<[u8; ELIGIBLE_ENTRY]> = profiles.iter().map(eligible_entry).collect();
    encode_eligible_entries(&entries)
}

/// One expert's part of a stored eligible list: the id, the sectors' and the kinds' bit sets.
/// The pool keeps each expert's, so a draw need not build it again.
pub fn eligible_entry(p: &DrawCandidate<'_>) -> [u8; ELIGIBLE_ENTRY] {
    let mut entry = [0u8; ELIGIBLE_ENTRY];
    entry[..16].copy_from_slice(p.id.as_bytes());
    // 13 sectors and 4 kinds fit their widths.
    let sectors = mask_of(p.sectors, Sector::ALL) as u16;
    entry[16..18].copy_from_slice(&sectors.to_le_bytes());
    entry[18] = mask_of(p.expertise, ExpertiseKind::ALL) as u8;
    entry
}

/// The stored eligible list from its entries ([`eligible_entry`]), in ascending id order.
pub fn encode_eligible_entries<'e>(
    entries: impl IntoIterator<Item = &'e [u8; ELIGIBLE_ENTRY]>,
) -> Vec<u8> {
    let entries = entries.into_iter();
    let mut out = Vec::with_capacity(1 + entries.size_hint().0 * ELIGIBLE_ENTRY);
    out.push(CODEC_VERSION);
    for entry in entries {
        out.extend_from_slice(entry);
    }
    out
}

/// Each profile's sets come back in declaration order (a set has no other order).
pub fn decode_eligible(bytes: &[u8]) -> Result<Vec<Profile>, CodecError> {
    body(bytes, ELIGIBLE_ENTRY)?
        .chunks_exact(ELIGIBLE_ENTRY)
        .map(|chunk| {
            let sectors = u32::from(u16::from_le_bytes([chunk[16], chunk[17]]));
            Ok(Profile {
                id: id_at(chunk)?,
                sectors: items_of(sectors, Sector::ALL, "sector")?,
                expertise: items_of(u32::from(chunk[18]), ExpertiseKind::ALL, "expertise kind")?,
            })
        })
        .collect()
}

/// The excluded experts with their reasons in stored form (ascending id order).
pub fn encode_excluded(excluded: &BTreeMap<Uuid, Vec<ExclusionReason>>) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + excluded.len() * EXCLUDED_ENTRY);
    out.push(CODEC_VERSION);
    for (id, reasons) in excluded {
        out.extend_from_slice(id.as_bytes());
        // Nine reasons fit a u16.
        let mask = mask_of(reasons, ExclusionReason::ALL) as u16;
        out.extend_from_slice(&mask.to_le_bytes());
    }
    out
}

pub fn decode_excluded(bytes: &[u8]) -> Result<Vec<(Uuid, Vec<ExclusionReason>)>, CodecError> {
    body(bytes, EXCLUDED_ENTRY)?
        .chunks_exact(EXCLUDED_ENTRY)
        .map(|chunk| {
            let mask = u32::from(u16::from_le_bytes([chunk[16], chunk[17]]));
            Ok((
                id_at(chunk)?,
                items_of(mask, ExclusionReason::ALL, "exclusion reason")?,
            ))
        })
        .collect()
}

/// The name a pool snapshot is stored under: the SHA-256 of its bytes, hex. A snapshot is
/// the whole pool, every expert in ascending id order, as a version 1 eligible list.
pub fn snapshot_name(snapshot: &[u8]) -> String {
    hex::encode(Sha256::digest(snapshot))
}

/// A round's eligible list against a snapshot of `pool_len` experts (version 2): one bit per
/// expert in the snapshot's order, bit `i % 8` of byte `i / 8`, set when eligible.
/// `positions`: where the eligible experts stand in the snapshot.
pub fn encode_eligible_positions(pool_len: usize, positions: &[usize]) -> Vec<u8> {
    let mut out = vec![0u8; 1 + pool_len.div_ceil(8)];
    out[0] = SNAPSHOT_CODEC_VERSION;
    for &i in positions.iter().filter(|i| **i < pool_len) {
        out[1 + i / 8] |= 1 << (i % 8);
    }
    out
}

/// A round's excluded list against the same snapshot (version 2): for each expert whose
/// eligible bit is clear, in the snapshot's order, the reasons as a little-endian `u16` set.
pub fn encode_excluded_reasons<'r>(
    reasons: impl IntoIterator<Item = &'r [ExclusionReason]>,
) -> Vec<u8> {
    let reasons = reasons.into_iter();
    let mut out = Vec::with_capacity(1 + 2 * reasons.size_hint().0);
    out.push(SNAPSHOT_CODEC_VERSION);
    for set in reasons {
        // Nine reasons fit a u16.
        let mask = mask_of(set, ExclusionReason::ALL) as u16;
        out.extend_from_slice(&mask.to_le_bytes());
    }
    out
}

/// The eligible bits of a version 2 list over `pool_len` experts. Bits past the pool's end
/// must be clear: anything else is a list written for another snapshot.
fn eligible_bits(bytes: &[u8], pool_len: usize) -> Result<Vec<bool>, CodecError> {
    let (&version, bits) = bytes.split_first().ok_or(CodecError::Length)?;
    if version != SNAPSHOT_CODEC_VERSION {
        return Err(CodecError::Version(version));
    }
    if bits.len() != pool_len.div_ceil(8) {
        return Err(CodecError::Length);
    }
    let all: Vec<bool> = (0..bits.len() * 8)
        .map(|i| bits[i / 8] & (1 << (i % 8)) != 0)
        .collect();
    if all[pool_len..].iter().any(|set| *set) {
        return Err(CodecError::Length);
    }
    Ok(all[..pool_len].to_vec())
}

/// A stored eligible list of either version; version 2 is read against its `snapshot`.
pub fn decode_eligible_stored(
    bytes: &[u8],
    snapshot: Option<&[u8]>,
) -> Result<Vec<Profile>, CodecError> {
    match bytes.first() {
        Some(&SNAPSHOT_CODEC_VERSION) => {
            let pool = decode_eligible(snapshot.ok_or(CodecError::SnapshotMissing)?)?;
            let bits = eligible_bits(bytes, pool.len())?;
            Ok(pool
                .into_iter()
                .zip(bits)
                .filter_map(|(profile, eligible)| eligible.then_some(profile))
                .collect())
        }
        _ => decode_eligible(bytes),
    }
}

/// A stored excluded list of either version; version 2 is read against its `snapshot` and
/// the round's `eligible` list (the excluded are the snapshot's other experts).
pub fn decode_excluded_stored(
    bytes: &[u8],
    eligible: &[u8],
    snapshot: Option<&[u8]>,
) -> Result<Vec<(Uuid, Vec<ExclusionReason>)>, CodecError> {
    let Some((&SNAPSHOT_CODEC_VERSION, masks)) = bytes.split_first() else {
        return decode_excluded(bytes);
    };
    let pool = decode_eligible(snapshot.ok_or(CodecError::SnapshotMissing)?)?;
    let bits = eligible_bits(eligible, pool.len())?;
    let others: Vec<Uuid> = pool
        .iter()
        .zip(bits)
        .filter(|(_, eligible)| !eligible)
        .map(|(profile, _)| profile.id)
        .collect();
    if masks.len() != 2 * others.len() {
        return Err(CodecError::Length);
    }
    others
        .into_iter()
        .zip(masks.chunks_exact(2))
        .map(|(id, mask)| {
            let mask = u32::from(u16::from_le_bytes([mask[0], mask[1]]));
            if mask == 0 {
                return Err(CodecError::NoReason);
            }
            Ok((
                id,
                items_of(mask, ExclusionReason::ALL, "exclusion reason")?,
            ))
        })
        .collect()
}

/// A composition slot by names; `null` means anyone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotRecord {
    pub sector: Option<String>,
    pub kind: Option<String>,
}

impl From<Slot> for SlotRecord {
    fn from(slot: Slot) -> Self {
        SlotRecord {
            sector: slot.sector.map(|s| s.as_str().to_owned()),
            kind: slot.kind.map(|k| k.as_str().to_owned()),
        }
    }
}

impl SlotRecord {
    pub fn to_slot(&self) -> Result<Slot, String> {
        let sector = self
            .sector
            .as_deref()
            .map(|s| s.parse::<Sector>().map_err(|e| e.to_string()))
            .transpose()?;
        let kind = self
            .kind
            .as_deref()
            .map(|k| k.parse::<ExpertiseKind>().map_err(|e| e.to_string()))
            .transpose()?;
        Ok(Slot { sector, kind })
    }
}

pub fn slot_records(slots: &[Slot]) -> Vec<SlotRecord> {
    slots.iter().copied().map(SlotRecord::from).collect()
}

pub fn parse_slots(records: &[SlotRecord]) -> Result<Vec<Slot>, String> {
    records.iter().map(SlotRecord::to_slot).collect()
}

/// An eligible expert in the export, by names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EligibleRecord {
    pub id: Uuid,
    pub sectors: Vec<String>,
    pub kinds: Vec<String>,
}

impl From<&Profile> for EligibleRecord {
    fn from(p: &Profile) -> Self {
        EligibleRecord {
            id: p.id,
            sectors: p.sectors.iter().map(|s| s.as_str().to_owned()).collect(),
            kinds: p.expertise.iter().map(|k| k.as_str().to_owned()).collect(),
        }
    }
}

impl EligibleRecord {
    fn to_profile(&self) -> Result<Profile, String> {
        let sectors = self
            .sectors
            .iter()
            .map(|s| s.parse::<Sector>().map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?;
        let expertise = self
            .kinds
            .iter()
            .map(|k| k.parse::<ExpertiseKind>().map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?;
        Ok(Profile {
            id: self.id,
            sectors,
            expertise,
        })
    }
}

/// A seat a round gave: the slot's index in the panel's composition and the expert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeatRecord {
    pub slot: u32,
    pub expert_id: Uuid,
}

/// One round of the draw as exported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoundRecord {
    pub round: u32,
    /// INITIAL or REPLACEMENT.
    pub kind: String,
    pub algorithm: String,
    pub review_id: Uuid,
    pub review_date: NaiveDate,
    /// Hex of the 32 bytes from the OS random source.
    pub server_random: String,
    pub witness_nonce: String,
    /// Hex of the 32-byte seed.
    pub seed: String,
    pub slots: Vec<SlotRecord>,
    pub replaced_seat_id: Option<Uuid>,
    pub replaced_slot: Option<u32>,
    pub already_invited: Vec<Uuid>,
    pub eligible_count: u32,
    pub eligible_digest: String,
    pub pool_digest: String,
    pub eligible: Vec<EligibleRecord>,
    pub excluded_counts: BTreeMap<String, u32>,
    pub excluded_total: u32,
    /// What the round's seat records say it gave.
    pub seats: Vec<SeatRecord>,
    /// The review facts eligibility was judged on (for the reader; not re-checked).
    pub context: serde_json::Value,
    pub drawn_by: Option<Uuid>,
    pub drawn_at: DateTime<Utc>,
    /// v2: the commitment to `serverRandom` shown before the witness's nonce (hex), and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub committed_at: Option<DateTime<Utc>>,
}

/// A panel's whole draw record as exported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DrawRecord {
    pub format: String,
    pub panel_id: Uuid,
    pub review_id: Uuid,
    pub review_kind: String,
    pub review_date: NaiveDate,
    pub composition: Vec<SlotRecord>,
    pub rounds: Vec<RoundRecord>,
}

/// The verdict on one round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundVerification {
    pub round: u32,
    pub reproduces: bool,
    /// What re-running the round gives (empty when it could not be re-run).
    pub expected: Vec<Seat>,
    pub problems: Vec<String>,
}

/// The verdict on a whole record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub reproduces: bool,
    /// Problems of the record as a whole (format, round numbering).
    pub problems: Vec<String>,
    pub rounds: Vec<RoundVerification>,
}

fn hex32(field: &str, text: &str) -> Result<[u8; 32], String> {
    crate::rules::draw::bytes32_from_hex(text)
        .ok_or_else(|| format!("{field} is not 32 bytes of hex"))
}

/// Verifies every round of a record (see the module doc).
pub fn verify(record: &DrawRecord) -> Verification {
    let mut problems = Vec::new();
    if record.format != RECORD_FORMAT {
        problems.push(format!(
            "format {:?} is not {RECORD_FORMAT:?}",
            record.format
        ));
    }
    if record.rounds.is_empty() {
        problems.push("the record has no rounds".to_owned());
    }
    let composition = match parse_slots(&record.composition) {
        Ok(slots) => Some(slots),
        Err(e) => {
            problems.push(format!("composition: {e}"));
            None
        }
    };
    let mut seated_before: BTreeSet<Uuid> = BTreeSet::new();
    let mut rounds = Vec::with_capacity(record.rounds.len());
    for (i, round) in record.rounds.iter().enumerate() {
        let expected_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if round.round != expected_no {
            problems.push(format!(
                "round {} is listed where round {expected_no} belongs",
                round.round
            ));
        }
        let expected_kind = if i == 0 {
            DrawRoundKind::Initial
        } else {
            DrawRoundKind::Replacement
        };
        rounds.push(verify_round(
            record,
            round,
            expected_kind,
            composition.as_deref(),
            &seated_before,
        ));
        seated_before.extend(round.seats.iter().map(|s| s.expert_id));
    }
    let reproduces = problems.is_empty() && rounds.iter().all(|r| r.reproduces);
    Verification {
        reproduces,
        problems,
        rounds,
    }
}

fn verify_round(
    record: &DrawRecord,
    round: &RoundRecord,
    expected_kind: DrawRoundKind,
    composition: Option<&[Slot]>,
    seated_before: &BTreeSet<Uuid>,
) -> RoundVerification {
    let mut problems = Vec::new();
    let mut expected = Vec::new();
    if round.kind != expected_kind.as_str() {
        problems.push(format!(
            "kind {} where {} belongs",
            round.kind,
            expected_kind.as_str()
        ));
    }
    if round.review_id != record.review_id {
        problems.push("reviewId differs from the panel's review".to_owned());
    }
    let committed = round.algorithm == DRAW_ALGORITHM;
    let algorithm_known = committed || round.algorithm == DRAW_ALGORITHM_V1;
    if !algorithm_known {
        problems.push(format!(
            "algorithm {:?} is unknown to this verifier ({DRAW_ALGORITHM}, {DRAW_ALGORITHM_V1})",
            round.algorithm
        ));
    }
    if committed {
        problems.extend(commitment_problems(round));
    }
    let seed = match (
        hex32("serverRandom", &round.server_random),
        hex32("seed", &round.seed),
    ) {
        (Ok(random), Ok(seed)) => {
            if derive_seed(&random, round.review_id, &round.witness_nonce) != seed {
                problems.push(
                    "the seed does not follow from serverRandom, reviewId and witnessNonce"
                        .to_owned(),
                );
            }
            Some(seed)
        }
        (random, seed) => {
            problems.extend(random.err());
            problems.extend(seed.err());
            None
        }
    };

    let profiles: Result<Vec<Profile>, String> = round
        .eligible
        .iter()
        .map(EligibleRecord::to_profile)
        .collect();
    let profiles = match profiles {
        Ok(p) => Some(p),
        Err(e) => {
            problems.push(format!("eligible list: {e}"));
            None
        }
    };
    if let Some(profiles) = &profiles {
        let ids: Vec<Uuid> = profiles.iter().map(|p| p.id).collect();
        if ids.windows(2).any(|w| w[0] >= w[1]) {
            problems.push("the eligible ids are not strictly ascending".to_owned());
        }
        if usize::try_from(round.eligible_count).ok() != Some(ids.len()) {
            problems.push(format!(
                "eligibleCount is {} but the list has {} experts",
                round.eligible_count,
                ids.len()
            ));
        }
        if hex::encode(eligible_digest(&ids)) != round.eligible_digest {
            problems.push("eligibleDigest does not match the eligible list".to_owned());
        }
        let candidates: Vec<DrawCandidate<'_>> =
            profiles.iter().map(Profile::as_candidate).collect();
        if hex::encode(pool_digest(&candidates)) != round.pool_digest {
            problems.push("poolDigest does not match the eligible profiles".to_owned());
        }
    }
    let excluded_sum: u64 = round.excluded_counts.values().map(|&n| u64::from(n)).sum();
    if excluded_sum != u64::from(round.excluded_total) {
        problems.push(format!(
            "the exclusion counts add up to {excluded_sum}, not {}",
            round.excluded_total
        ));
    }
    if let Some(reason) = round
        .excluded_counts
        .keys()
        .find(|k| k.parse::<ExclusionReason>().is_err())
    {
        problems.push(format!("unknown exclusion reason {reason}"));
    }

    let slots = match parse_slots(&round.slots) {
        Ok(s) => Some(s),
        Err(e) => {
            problems.push(format!("slots: {e}"));
            None
        }
    };
    // The slots must be the ones the panel asked for.
    let slot_index = match (expected_kind, &slots, composition) {
        (DrawRoundKind::Initial, Some(slots), Some(composition)) => {
            if slots.as_slice() != composition {
                problems.push("the slots differ from the panel's composition".to_owned());
            }
            None
        }
        (DrawRoundKind::Replacement, Some(slots), Some(composition)) => {
            let index = round.replaced_slot.and_then(|i| usize::try_from(i).ok());
            match (index, slots.as_slice()) {
                (Some(i), [one]) if composition.get(i) == Some(one) => Some(i),
                _ => {
                    problems.push(
                        "a replacement must fill exactly the declined seat's slot".to_owned(),
                    );
                    None
                }
            }
        }
        _ => None,
    };
    if expected_kind == DrawRoundKind::Replacement {
        let invited: BTreeSet<Uuid> = round.already_invited.iter().copied().collect();
        if let Some(missing) = seated_before.iter().find(|id| !invited.contains(id)) {
            problems.push(format!(
                "expert {missing}, seated by an earlier round, is missing from alreadyInvited"
            ));
        }
    }

    // Re-run the round when everything it needs is sound.
    if let (true, Some(seed), Some(profiles), Some(slots)) =
        (algorithm_known, seed, &profiles, &slots)
    {
        let candidates: Vec<DrawCandidate<'_>> =
            profiles.iter().map(Profile::as_candidate).collect();
        let rerun = match (expected_kind, slot_index) {
            (DrawRoundKind::Initial, _) => draw_panel(&candidates, slots, &seed),
            (DrawRoundKind::Replacement, Some(i)) => {
                draw_replacement(&candidates, i, slots[0], &round.already_invited, &seed)
                    .map(|seat| vec![seat])
            }
            (DrawRoundKind::Replacement, None) => Ok(Vec::new()),
        };
        match rerun {
            Ok(seats) => {
                expected = seats;
                let mut recorded: Vec<(u32, Uuid)> =
                    round.seats.iter().map(|s| (s.slot, s.expert_id)).collect();
                recorded.sort();
                let mut wanted: Vec<(u32, Uuid)> = expected
                    .iter()
                    .map(|s| (u32::try_from(s.slot).unwrap_or(u32::MAX), s.expert_id))
                    .collect();
                wanted.sort();
                if recorded != wanted {
                    problems.push(
                        "re-running the draw gives other seats than the recorded ones".to_owned(),
                    );
                }
            }
            Err(e) => problems.push(format!("re-running the draw fails: {e}")),
        }
    }
    RoundVerification {
        round: round.round,
        reproduces: problems.is_empty(),
        expected,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::draw::default_composition;
    use sha2::{Digest, Sha256};

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn pool() -> Vec<Profile> {
        (1..=12)
            .map(|n| Profile {
                id: id(n),
                sectors: if n % 2 == 0 {
                    vec![Sector::Energy, Sector::Steel]
                } else {
                    vec![Sector::Paper]
                },
                expertise: match n % 3 {
                    0 => vec![ExpertiseKind::IndustryProcess],
                    1 => vec![ExpertiseKind::Environmental, ExpertiseKind::AuditMethod],
                    _ => vec![ExpertiseKind::Energy],
                },
            })
            .collect()
    }

    fn round_record(
        round: u32,
        kind: DrawRoundKind,
        profiles: &[Profile],
        slots: &[Slot],
        nonce: &str,
    ) -> (RoundRecord, [u8; 32]) {
        let random: [u8; 32] = Sha256::digest(round.to_be_bytes()).into();
        let seed = derive_seed(&random, id(999), nonce);
        let ids: Vec<Uuid> = profiles.iter().map(|p| p.id).collect();
        let cands: Vec<DrawCandidate<'_>> = profiles.iter().map(Profile::as_candidate).collect();
        let record = RoundRecord {
            round,
            kind: kind.as_str().to_owned(),
            algorithm: DRAW_ALGORITHM.to_owned(),
            review_id: id(999),
            review_date: NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
            server_random: hex::encode(random),
            witness_nonce: nonce.to_owned(),
            seed: hex::encode(seed),
            slots: slot_records(slots),
            replaced_seat_id: None,
            replaced_slot: None,
            already_invited: vec![],
            eligible_count: u32::try_from(ids.len()).expect("small"),
            eligible_digest: hex::encode(eligible_digest(&ids)),
            pool_digest: hex::encode(pool_digest(&cands)),
            eligible: profiles.iter().map(EligibleRecord::from).collect(),
            excluded_counts: [("NOT_ACTIVE".to_owned(), 2)].into_iter().collect(),
            excluded_total: 2,
            seats: vec![],
            context: serde_json::json!({}),
            drawn_by: None,
            drawn_at: DateTime::<Utc>::from_timestamp(1_800_000_000, 0).expect("instant"),
            commitment: Some(hex::encode(commitment_of(&random))),
            committed_at: DateTime::<Utc>::from_timestamp(1_799_999_940, 0),
        };
        (record, seed)
    }

    /// A record of a first draw and one replacement of slot 1, as the server writes it.
    fn sample_record() -> DrawRecord {
        let profiles = pool();
        let composition = default_composition(Sector::Steel, 5);
        let (mut first, seed) =
            round_record(1, DrawRoundKind::Initial, &profiles, &composition, "见证人");
        let cands: Vec<DrawCandidate<'_>> = profiles.iter().map(Profile::as_candidate).collect();
        let seats = draw_panel(&cands, &composition, &seed).expect("drawable");
        first.seats = seats
            .iter()
            .map(|s| SeatRecord {
                slot: s.slot as u32,
                expert_id: s.expert_id,
            })
            .collect();
        let invited: Vec<Uuid> = seats.iter().map(|s| s.expert_id).collect();
        let (mut second, seed2) = round_record(
            2,
            DrawRoundKind::Replacement,
            &profiles,
            &composition[1..2],
            "",
        );
        second.replaced_slot = Some(1);
        second.already_invited = invited.clone();
        let seat = draw_replacement(&cands, 1, composition[1], &invited, &seed2).expect("one left");
        second.seats = vec![SeatRecord {
            slot: 1,
            expert_id: seat.expert_id,
        }];
        DrawRecord {
            format: RECORD_FORMAT.to_owned(),
            panel_id: id(1000),
            review_id: id(999),
            review_kind: "ACCEPTANCE".to_owned(),
            review_date: NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
            composition: slot_records(&composition),
            rounds: vec![first, second],
        }
    }

    #[test]
    fn eligible_list_round_trips() {
        let profiles = pool();
        let list: Vec<DrawCandidate<'_>> = profiles.iter().map(Profile::as_candidate).collect();
        let bytes = encode_eligible(&list);
        assert_eq!(bytes.len(), 1 + 12 * ELIGIBLE_ENTRY);
        assert_eq!(decode_eligible(&bytes), Ok(profiles));
        assert_eq!(decode_eligible(&[1]), Ok(vec![]));
        assert_eq!(decode_eligible(&[]), Err(CodecError::Length));
        assert_eq!(decode_eligible(&[2]), Err(CodecError::Version(2)));
        assert_eq!(decode_eligible(&bytes[..21]), Err(CodecError::Length));
        // Every sector and kind keeps its bit.
        let all = Profile {
            id: id(7),
            sectors: Sector::ALL.to_vec(),
            expertise: ExpertiseKind::ALL.to_vec(),
        };
        let bytes = encode_eligible(&[all.as_candidate()]);
        assert_eq!(&bytes[17..], &[0xff, 0x1f, 0x0f]);
        assert_eq!(decode_eligible(&bytes), Ok(vec![all]));
        let mut bad = bytes.clone();
        bad[19] = 0x10;
        assert_eq!(
            decode_eligible(&bad),
            Err(CodecError::UnknownBit(4, "expertise kind"))
        );
    }

    #[test]
    fn excluded_list_round_trips() {
        let excluded: BTreeMap<Uuid, Vec<ExclusionReason>> = [
            (id(3), ExclusionReason::ALL.to_vec()),
            (id(9), vec![ExclusionReason::SeatCapReached]),
        ]
        .into_iter()
        .collect();
        let bytes = encode_excluded(&excluded);
        assert_eq!(&bytes[17..19], &[0xff, 0x03]);
        let decoded: BTreeMap<_, _> = decode_excluded(&bytes)
            .expect("decodes")
            .into_iter()
            .collect();
        assert_eq!(decoded, excluded);
        let mut bad = bytes;
        bad[18] = 0x04;
        assert_eq!(
            decode_excluded(&bad),
            Err(CodecError::UnknownBit(10, "exclusion reason"))
        );
    }

    #[test]
    fn lists_against_a_snapshot_round_trip() {
        let profiles = pool();
        let candidates: Vec<DrawCandidate<'_>> =
            profiles.iter().map(Profile::as_candidate).collect();
        let snapshot = encode_eligible(&candidates);
        // Experts 2, 5 and 12 (positions 1, 4 and 11) eligible; the rest excluded.
        let positions = [1, 4, 11];
        let eligible = encode_eligible_positions(profiles.len(), &positions);
        assert_eq!(eligible, [2, 0b0001_0010, 0b0000_1000]);
        let expected: Vec<Profile> = positions.iter().map(|i| profiles[*i].clone()).collect();
        assert_eq!(
            decode_eligible_stored(&eligible, Some(&snapshot)),
            Ok(expected)
        );
        let reasons: Vec<(Uuid, Vec<ExclusionReason>)> = profiles
            .iter()
            .enumerate()
            .filter(|(i, _)| !positions.contains(i))
            .map(|(i, p)| {
                (
                    p.id,
                    vec![ExclusionReason::ALL[i % ExclusionReason::ALL.len()]],
                )
            })
            .collect();
        let excluded = encode_excluded_reasons(reasons.iter().map(|(_, r)| r.as_slice()));
        assert_eq!(excluded.len(), 1 + 2 * 9);
        assert_eq!(
            decode_excluded_stored(&excluded, &eligible, Some(&snapshot)),
            Ok(reasons)
        );
        // Version 1 lists read as before, with or without a snapshot.
        assert_eq!(
            decode_eligible_stored(&snapshot, None),
            decode_eligible(&snapshot)
        );
        let v1 = encode_excluded(&[(id(3), vec![ExclusionReason::NotActive])].into());
        assert_eq!(
            decode_excluded_stored(&v1, &snapshot, None),
            decode_excluded(&v1)
        );
    }

    #[test]
    fn lists_against_a_snapshot_reject_what_does_not_fit() {
        let profiles = pool();
        let candidates: Vec<DrawCandidate<'_>> =
            profiles.iter().map(Profile::as_candidate).collect();
        let snapshot = encode_eligible(&candidates);
        let eligible = encode_eligible_positions(12, &[0]);
        let excluded = encode_excluded_reasons(vec![[ExclusionReason::NotActive].as_slice(); 11]);
        assert_eq!(
            decode_eligible_stored(&eligible, None),
            Err(CodecError::SnapshotMissing)
        );
        assert_eq!(
            decode_excluded_stored(&excluded, &eligible, None),
            Err(CodecError::SnapshotMissing)
        );
        // A list for a pool of another size, or with bits past the pool's end.
        let longer = encode_eligible_positions(20, &[0]);
        assert_eq!(
            decode_eligible_stored(&longer, Some(&snapshot)),
            Err(CodecError::Length)
        );
        let mut past_end = eligible.clone();
        past_end[2] |= 0x80;
        assert_eq!(
            decode_eligible_stored(&past_end, Some(&snapshot)),
            Err(CodecError::Length)
        );
        // One reason set too few, an empty set, an unknown reason.
        assert_eq!(
            decode_excluded_stored(&excluded[..21], &eligible, Some(&snapshot)),
            Err(CodecError::Length)
        );
        let mut empty = excluded.clone();
        empty[1..3].copy_from_slice(&[0, 0]);
        assert_eq!(
            decode_excluded_stored(&empty, &eligible, Some(&snapshot)),
            Err(CodecError::NoReason)
        );
        let mut unknown = excluded.clone();
        unknown[2] = 0x80;
        assert_eq!(
            decode_excluded_stored(&unknown, &eligible, Some(&snapshot)),
            Err(CodecError::UnknownBit(15, "exclusion reason"))
        );
        assert_eq!(snapshot_name(&snapshot).len(), 64);
        assert_ne!(snapshot_name(&snapshot), snapshot_name(&snapshot[..20]));
    }

    #[test]
    fn an_honest_record_reproduces_and_survives_json() {
        let record = sample_record();
        let v = verify(&record);
        assert!(v.reproduces, "{v:?}");
        assert_eq!(v.rounds.len(), 2);
        assert_eq!(v.rounds[1].expected.len(), 1);
        let json = serde_json::to_string(&record).expect("json");
        let back: DrawRecord = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, record);
        assert!(verify(&back).reproduces);
    }

    fn problems_after(change: impl FnOnce(&mut DrawRecord)) -> Vec<String> {
        let mut record = sample_record();
        change(&mut record);
        let v = verify(&record);
        assert!(!v.reproduces);
        v.problems
            .into_iter()
            .chain(v.rounds.into_iter().flat_map(|r| r.problems))
            .collect()
    }

    #[test]
    fn tampering_is_caught() {
        let has = |problems: Vec<String>, needle: &str| {
            assert!(
                problems.iter().any(|p| p.contains(needle)),
                "{needle:?} not in {problems:?}"
            );
        };
        // Another expert put in a seat.
        has(
            problems_after(|r| r.rounds[0].seats[0].expert_id = id(12)),
            "other seats",
        );
        // A different nonce (or random) than the seed was made from.
        has(
            problems_after(|r| r.rounds[0].witness_nonce = "other".into()),
            "the seed does not follow",
        );
        // The seed changed to one that would give the recorded panel? Still must follow.
        has(
            problems_after(|r| r.rounds[0].seed = hex::encode([7u8; 32])),
            "the seed does not follow",
        );
        // An expert dropped from the eligible list.
        has(
            problems_after(|r| {
                r.rounds[0].eligible.remove(4);
            }),
            "eligibleCount",
        );
        // A profile changed: the pool digest no longer matches.
        has(
            problems_after(|r| r.rounds[0].eligible[0].kinds = vec!["ENERGY".into()]),
            "poolDigest",
        );
        // A replacement that could have re-drawn someone already invited.
        has(
            problems_after(|r| {
                r.rounds[1].already_invited.pop();
            }),
            "missing from alreadyInvited",
        );
        // A replacement filling another slot than the declined one.
        has(
            problems_after(|r| r.rounds[1].replaced_slot = Some(2)),
            "declined seat's slot",
        );
        has(problems_after(|r| r.rounds[1].round = 3), "round 3");
        has(
            problems_after(|r| r.rounds[0].algorithm = "other/v9".into()),
            "unknown to this verifier",
        );
        has(problems_after(|r| r.rounds[0].excluded_total = 5), "add up");
        has(
            problems_after(|r| r.composition[3].kind = Some("ENERGY".into())),
            "composition",
        );
        has(
            problems_after(|r| r.rounds[0].eligible[1].sectors = vec!["GOLD".into()]),
            "eligible list",
        );
    }

    #[test]
    fn a_round_must_keep_its_commitment() {
        let has = |problems: Vec<String>, needle: &str| {
            assert!(
                problems.iter().any(|p| p.contains(needle)),
                "{needle:?} not among {problems:?}"
            );
        };
        // Random bytes other than those committed to (tried until a wanted panel came out).
        has(
            problems_after(|r| {
                r.rounds[0].server_random = hex::encode([5u8; 32]);
                let random = [5u8; 32];
                r.rounds[0].seed = hex::encode(derive_seed(&random, id(999), "见证人"));
            }),
            "does not match the commitment",
        );
        has(
            problems_after(|r| r.rounds[0].committed_at = Some(r.rounds[0].drawn_at)),
            "not made before",
        );
        has(
            problems_after(|r| {
                r.rounds[0].commitment = None;
                r.rounds[0].committed_at = None;
            }),
            "no commitment",
        );
        // A round of v1, drawn before commitments, still reproduces without one.
        let mut record = sample_record();
        for round in &mut record.rounds {
            round.algorithm = DRAW_ALGORITHM_V1.to_owned();
            round.commitment = None;
            round.committed_at = None;
        }
        assert!(verify(&record).rounds.iter().all(|r| r.problems.is_empty()));
    }
}

//! The verifiable panel draw, its replacement rounds (补抽) and the yearly recheck sample.
//!
//! # Algorithm `cleanprod-draw-v2/chacha20` (panel rounds drawn now)
//!
//! Everything below as in v1, plus a **commitment** made before the witness types the
//! nonce: when a draw is opened the server fixes `os_random` and shows
//! `commitment = SHA-256(F("cleanprod-draw-commitment") ‖ F(os_random))` ([`commitment_of`]),
//! which the hash-chained audit log keeps; the round then reveals `os_random`. A v2 round's
//! record holds the commitment and when it was made, and verification checks that the
//! revealed bytes match it and that it was made before the round was drawn. Whoever runs the
//! server can therefore no longer try random bytes until a wanted panel comes out: the bytes
//! are fixed before the nonce that the seed also depends on is known. v1 rounds (drawn before
//! commitments) still verify as v1.
//!
//! Every draw is a pure function of its inputs, so the stored record (seed, eligible list and
//! the eligible experts' sectors and kinds of expertise) lets anyone re-run it and get the
//! same result on any machine. The algorithm is named [`DRAW_ALGORITHM`]; a change to any
//! step below must get a new name, and the fixed-vector tests at the bottom of this file fail
//! when the output changes.
//!
//! # Algorithm `cleanprod-draw-v1/chacha20`
//!
//! **Encoding.** `F(x)` is the byte length of `x` as a 4-byte big-endian unsigned integer,
//! followed by the bytes of `x`. A UUID is its 16 bytes in RFC 9562 order (the order of its
//! text form), and ids sort by those bytes (= by their lowercase text).
//!
//! **Seed.** `seed = SHA-256(F("cleanprod-draw-v1") ‖ F(os_random) ‖ F(review_id) ‖
//! F(witness_nonce))`, where `os_random` is 32 bytes from the operating system's random
//! source, `review_id` the review's UUID (for a recheck sample: the sample record's id) and
//! `witness_nonce` the UTF-8 bytes exactly as typed by the supervisor (empty when none).
//! See [`derive_seed`].
//!
//! **Generator.** ChaCha20 (20 rounds) keyed with the 32-byte seed, stream/nonce 0, block
//! counter starting at 0: rand_chacha 0.9's `ChaCha20Rng::from_seed(seed)`. For the first
//! 2³² blocks this is the RFC 8439 keystream with an all-zero 96-bit nonce and initial
//! counter 0. The keystream is read in order, 8 bytes at a time, each taken as a
//! little-endian `u64` (with key 0 the first word is `0x903df1a0ade0b876`).
//!
//! **Uniform index below `n`** (`n ≥ 1`; always consumes at least one word, also for
//! `n = 1`): let `r = 2⁶⁴ mod n`. Take the next word `x`; if `x ≥ 2⁶⁴ − r`, discard it and
//! take another; otherwise the index is `x mod n`. The accepted range is a whole number of
//! copies of `0..n`, so every index is equally likely.
//!
//! **Panel** ([`draw_panel`]). Inputs: the eligible candidates (id, sectors, kinds of
//! expertise), the composition (an ordered list of slots, each with an optional sector and an
//! optional kind; `None` = anyone) and the seed. A candidate *fits* a slot when the slot's
//! sector is `None` or among the candidate's sectors, and the slot's kind is `None` or among
//! the candidate's kinds.
//! 1. Sort the candidates by id; an id given twice is an error.
//! 2. Fewer candidates than slots: error `TooFewCandidates { needed, available }`.
//! 3. If no assignment of distinct candidates to all the slots, each fitting its slot, exists:
//!    error `UnfillableSlot`, naming the first slot that cannot be matched when the slots are
//!    matched one by one in order by augmenting paths (Kuhn's algorithm, candidates tried in
//!    id order). No randomness is used, so a draw fails only when no valid panel exists, never
//!    by bad luck, and drawing again cannot change that outcome.
//! 4. For each slot `i` in order: `allowed` = the candidates, in id order, that are not yet
//!    seated, fit slot `i`, and leave the later slots `i+1..` fillable by distinct candidates
//!    not yet seated (a yes/no question that every bipartite-matching method answers the same
//!    way). Seat `allowed[uniform index below len(allowed)]` in slot `i`. With a usual pool the
//!    last condition removes no one; it only keeps a scarce specialist for the later slot
//!    that needs them.
//! 5. The result is one `(slot index, expert id)` per slot, in slot order.
//!
//! **Replacement** ([`draw_replacement`]): the panel draw over the eligible candidates minus
//! everyone already invited to this panel, with the one-slot composition `[declined slot]`,
//! under a fresh seed.
//!
//! **Sample** ([`draw_sample`]): `k = ⌈rate × N⌉` computed exactly in decimal
//! (`0.05 ≤ rate ≤ 1`). Sort the `N` ids (an id given twice is an error); partial
//! Fisher–Yates: for `i` in `0..k`, `j = i + uniform index below (N − i)`, swap items `i` and
//! `j`. The sample is items `0..k`, in that (draw) order.
//!
//! **Digests.** [`eligible_digest`]: SHA-256 of the ids' 16-byte forms concatenated in the
//! given (ascending) order. [`pool_digest`]: SHA-256, over the candidates in id order, of
//! `id ‖ F(sector names) ‖ F(kind names)`, each list its distinct SCREAMING_SNAKE_CASE names
//! sorted and joined with `,`; it pins the profile the composition was filled from.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::{ExpertiseKind, ReviewKind, Sector};
use crate::rules::eligibility::Candidate;
use crate::rules::slot_matching::{Matcher, fitting, kind_bits, sector_bits};

/// The name and version of the draw algorithm, stored with every draw.
pub const DRAW_ALGORITHM: &str = "cleanprod-draw-v2/chacha20";

/// The algorithm of rounds drawn before commitments: the same draw, no commitment.
pub const DRAW_ALGORITHM_V1: &str = "cleanprod-draw-v1/chacha20";

const COMMITMENT_TAG: &[u8] = b"cleanprod-draw-commitment";

/// 32 bytes written as hex (random bytes, seeds, digests), or `None` when they are not.
pub fn bytes32_from_hex(text: &str) -> Option<[u8; 32]> {
    hex::decode(text)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
}

/// The commitment to a draw's random bytes, shown before the witness's nonce.
pub fn commitment_of(os_random: &[u8; 32]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    put_field(&mut hasher, COMMITMENT_TAG);
    put_field(&mut hasher, os_random);
    hasher.finalize().into()
}

/// Domain separation tag, the first field of the seed's hash input.
const SEED_TAG: &[u8] = b"cleanprod-draw-v1";

/// Smallest and largest panel.
pub const MIN_PANEL_SIZE: u8 = 3;
pub const MAX_PANEL_SIZE: u8 = 9;

/// The plan's floor for the yearly recheck sample: 5 %.
pub const MIN_SAMPLE_RATE: Decimal = Decimal::from_parts(5, 0, 0, false, 2);

/// One seat's requirement; `None` means any value is fine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot {
    pub sector: Option<Sector>,
    pub kind: Option<ExpertiseKind>,
}

impl Slot {
    /// A seat anyone eligible may fill.
    pub const ANYONE: Slot = Slot {
        sector: None,
        kind: None,
    };

    /// Whether an expert with these sectors and kinds of expertise may fill the slot.
    pub fn fits(&self, sectors: &[Sector], expertise: &[ExpertiseKind]) -> bool {
        self.sector.is_none_or(|s| sectors.contains(&s))
            && self.kind.is_none_or(|k| expertise.contains(&k))
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sector = self.sector.map_or("ANY", Sector::as_str);
        let kind = self.kind.map_or("ANY", ExpertiseKind::as_str);
        write!(f, "sector {sector}, expertise {kind}")
    }
}

/// An eligible expert as the draw sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrawCandidate<'a> {
    pub id: Uuid,
    pub sectors: &'a [Sector],
    pub expertise: &'a [ExpertiseKind],
    /// `sectors` and `expertise` as bits (`rules::slot_matching`), which the slot matching
    /// reads: made with [`DrawCandidate::new`], or kept with the pool's profiles.
    pub sector_bits: u16,
    pub kind_bits: u16,
}

impl<'a> DrawCandidate<'a> {
    pub fn new(id: Uuid, sectors: &'a [Sector], expertise: &'a [ExpertiseKind]) -> Self {
        DrawCandidate {
            id,
            sectors,
            expertise,
            sector_bits: sector_bits(sectors),
            kind_bits: kind_bits(expertise),
        }
    }
}

impl<'a> From<&Candidate<'a>> for DrawCandidate<'a> {
    fn from(c: &Candidate<'a>) -> Self {
        DrawCandidate::new(c.expert_id, c.sectors, c.expertise)
    }
}

/// One drawn seat: which slot of the composition, and who.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seat {
    pub slot: usize,
    pub expert_id: Uuid,
}

/// Why a panel cannot be drawn. The service turns the first two into INSUFFICIENT_CANDIDATES.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    #[error("too few eligible experts: {needed} needed, {available} available")]
    TooFewCandidates { needed: usize, available: usize },
    #[error(
        "no eligible expert is left for slot {index} ({slot}); {fitting} eligible experts fit it"
    )]
    UnfillableSlot {
        index: usize,
        slot: Slot,
        /// Eligible experts that fit the slot at all (they are needed elsewhere, or none).
        fitting: usize,
    },
    #[error("expert {0} is listed twice in the eligible pool")]
    DuplicateCandidate(Uuid),
}

/// Bad panel size or composition requested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PanelSpecError {
    #[error("panel size must be an odd number from 3 to 9, got {0}")]
    InvalidSize(i64),
    #[error("the composition names {slots} seats but the panel has {size}")]
    CompositionTooLarge { slots: usize, size: u8 },
}

/// Why a recheck sample cannot be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SampleError {
    #[error("sample rate must be from 0.05 to 1, got {0}")]
    RateOutOfRange(Decimal),
    #[error("{0} is listed twice in the population")]
    DuplicateMember(Uuid),
    #[error("sample size out of range")]
    SizeOverflow,
}

/// The default panel size: 3 for an evaluation, 5 for an acceptance or a recheck.
pub fn default_size(kind: ReviewKind) -> u8 {
    match kind {
        ReviewKind::Evaluation => 3,
        ReviewKind::Acceptance | ReviewKind::Recheck => 5,
    }
}

/// Checks a requested panel size: odd, from 3 to 9 (an even panel could tie).
pub fn validate_panel_size(size: i64) -> Result<u8, PanelSpecError> {
    match u8::try_from(size) {
        Ok(s) if (MIN_PANEL_SIZE..=MAX_PANEL_SIZE).contains(&s) && s % 2 == 1 => Ok(s),
        _ => Err(PanelSpecError::InvalidSize(size)),
    }
}

/// The requested size, or the review kind's default when none was given.
pub fn panel_size(requested: Option<i64>, kind: ReviewKind) -> Result<u8, PanelSpecError> {
    requested.map_or(Ok(default_size(kind)), validate_panel_size)
}

/// The plan's default composition: an expert of the enterprise's sector with
/// INDUSTRY_PROCESS expertise, one ENVIRONMENTAL, one ENERGY, then anyone up to `size`
/// (a size under 3 keeps the first `size` of the three).
pub fn default_composition(sector: Sector, size: u8) -> Vec<Slot> {
    let specific = [
        Slot {
            sector: Some(sector),
            kind: Some(ExpertiseKind::IndustryProcess),
        },
        Slot {
            sector: None,
            kind: Some(ExpertiseKind::Environmental),
        },
        Slot {
            sector: None,
            kind: Some(ExpertiseKind::Energy),
        },
    ];
    let size = usize::from(size);
    let mut slots: Vec<Slot> = specific.into_iter().take(size).collect();
    slots.resize(size, Slot::ANYONE);
    slots
}

/// A requested composition (its specific slots, in order) completed with "anyone" seats up
/// to `size`.
pub fn composition_with(required: &[Slot], size: u8) -> Result<Vec<Slot>, PanelSpecError> {
    if required.len() > usize::from(size) {
        return Err(PanelSpecError::CompositionTooLarge {
            slots: required.len(),
            size,
        });
    }
    let mut slots = required.to_vec();
    slots.resize(usize::from(size), Slot::ANYONE);
    Ok(slots)
}

/// Appends `F(bytes)`: a 4-byte big-endian length, then the bytes, so no two different field
/// lists hash the same input.
fn put_field(hasher: &mut Sha256, bytes: &[u8]) {
    // Inputs here are far below 4 GiB; saturate rather than wrap if one were not.
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    hasher.update(len.to_be_bytes());
    hasher.update(bytes);
}

/// The draw's seed from server randomness, the review (or sample) id and the witness nonce.
pub fn derive_seed(os_random: &[u8; 32], review_id: Uuid, witness_nonce: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    put_field(&mut hasher, SEED_TAG);
    put_field(&mut hasher, os_random);
    put_field(&mut hasher, review_id.as_bytes());
    put_field(&mut hasher, witness_nonce.as_bytes());
    hasher.finalize().into()
}

/// SHA-256 of the ids' 16-byte forms in the given order (pass the sorted eligible list).
pub fn eligible_digest<'a>(sorted_ids: impl IntoIterator<Item = &'a Uuid>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for id in sorted_ids {
        hasher.update(id.as_bytes());
    }
    hasher.finalize().into()
}

/// SHA-256 over the candidates' ids and expertise profiles in id order, so a verifier can
/// tell that the composition was filled from the profiles on record. It is the hash of the
/// candidates' [`pool_digest_entry`]s one after another.
pub fn pool_digest(candidates: &[DrawCandidate<'_>]) -> [u8; 32] {
    let mut sorted: Vec<&DrawCandidate<'_>> = candidates.iter().collect();
    sorted.sort_by_key(|c| c.id);
    let mut hasher = Sha256::new();
    // Reused for every candidate: a draw hashes the whole eligible pool inside its write
    // transaction, where an allocation per candidate showed in profiles.
    let mut entry = Vec::with_capacity(128);
    for c in sorted {
        entry.clear();
        put_digest_entry(&mut entry, c);
        hasher.update(&entry);
    }
    hasher.finalize().into()
}

/// What one candidate adds to [`pool_digest`]: the 16 id bytes, then the names of its
/// sectors and of its kinds of expertise, each set distinct, in byte order and comma-joined,
/// as a field (4-byte big-endian length, then the bytes). The pool keeps each expert's entry,
/// so a draw need not build it again.
pub fn pool_digest_entry(candidate: &DrawCandidate<'_>) -> Vec<u8> {
    let mut entry = Vec::with_capacity(64);
    put_digest_entry(&mut entry, candidate);
    entry
}

/// [`pool_digest`] from the candidates' entries ([`pool_digest_entry`]), given in id order.
pub fn pool_digest_of_entries<'e>(entries: impl IntoIterator<Item = &'e [u8]>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for entry in entries {
        hasher.update(entry);
    }
    hasher.finalize().into()
}

fn put_digest_entry(out: &mut Vec<u8>, c: &DrawCandidate<'_>) {
    out.extend_from_slice(c.id.as_bytes());
    put_name_set(out, c.sectors.iter().map(|s| s.as_str()));
    put_name_set(out, c.expertise.iter().map(|k| k.as_str()));
}

/// A set's names, distinct, in byte order and comma-joined, as one length-prefixed field.
fn put_name_set(out: &mut Vec<u8>, names: impl Iterator<Item = &'static str>) {
    let mut names: Vec<&'static str> = names.collect();
    names.sort_unstable();
    names.dedup();
    let joined = names.join(",");
    // Inputs here are far below 4 GiB; saturate rather than wrap if one were not.
    let len = u32::try_from(joined.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(joined.as_bytes());
}

/// A uniform index below `n` by rejection sampling on 64-bit words (see the module doc).
/// `n` is at least 1 at every call; 0 is treated as 1 rather than dividing by zero.
fn uniform_below<R: RngCore>(rng: &mut R, n: usize) -> usize {
    let n = (n as u64).max(1);
    // 2^64 mod n, without 128-bit arithmetic: ((2^64 − 1) mod n + 1) mod n.
    let r = (u64::MAX % n + 1) % n;
    // Accept x < 2^64 − r, i.e. x ≤ u64::MAX − r.
    let last_accepted = u64::MAX - r;
    loop {
        let x = rng.next_u64();
        if x <= last_accepted {
            // x mod n < n, which came in as a usize.
            return (x % n) as usize;
        }
    }
}

/// Draws a panel: one distinct eligible expert per slot, following the composition in
/// order (algorithm in the module doc). The candidates' order does not matter.
pub fn draw_panel(
    candidates: &[DrawCandidate<'_>],
    slots: &[Slot],
    seed: &[u8; 32],
) -> Result<Vec<Seat>, DrawError> {
    // Eligibility hands the candidates over in id order already: sorted again only if not.
    let sorted: Cow<'_, [DrawCandidate<'_>]> = if candidates.is_sorted_by(|a, b| a.id < b.id) {
        Cow::Borrowed(candidates)
    } else {
        let mut sorted = candidates.to_vec();
        sorted.sort_by_key(|c| c.id);
        if let Some(pair) = sorted.windows(2).find(|w| w[0].id == w[1].id) {
            return Err(DrawError::DuplicateCandidate(pair[0].id));
        }
        Cow::Owned(sorted)
    };
    if sorted.len() < slots.len() {
        return Err(DrawError::TooFewCandidates {
            needed: slots.len(),
            available: sorted.len(),
        });
    }
    // fits[s]: indices (into `sorted`, so in id order) of the candidates fitting slot s.
    let fits = fitting(slots, &sorted);
    let unfillable = |index: usize| DrawError::UnfillableSlot {
        index,
        slot: slots[index],
        fitting: fits[index].len(),
    };

    let mut seated = vec![false; sorted.len()];
    let mut matcher = Matcher::new(&fits, sorted.len());
    matcher
        .run(0..slots.len(), &seated, None)
        .map_err(unfillable)?;

    let mut rng = ChaCha20Rng::from_seed(*seed);
    let mut seats = Vec::with_capacity(slots.len());
    for (i, fitting) in fits.iter().enumerate() {
        let later = i + 1..slots.len();
        // A matching of the later slots: a candidate it does not use can be taken now
        // without harm; one it uses needs a check without them.
        let mut allowed: Vec<usize> = Vec::with_capacity(fitting.len());
        if matcher.run(later.clone(), &seated, None).is_ok() {
            let used = matcher.holding().to_vec();
            for &c in fitting {
                if seated[c] {
                    continue;
                }
                if !used.contains(&c) || matcher.run(later.clone(), &seated, Some(c)).is_ok() {
                    allowed.push(c);
                }
            }
        }
        if allowed.is_empty() {
            // Step 3 proved a full panel exists and every step keeps one possible.
            return Err(unfillable(i));
        }
        let pick = allowed[uniform_below(&mut rng, allowed.len())];
        seated[pick] = true;
        seats.push(Seat {
            slot: i,
            expert_id: sorted[pick].id,
        });
    }
    Ok(seats)
}

/// Draws one expert for a declined seat's slot (补抽): the panel draw over the eligible
/// candidates minus everyone already invited to this panel, with the one-slot composition
/// `[slot]`. Errors name `slot_index`, the declined seat's slot in the panel.
pub fn draw_replacement(
    candidates: &[DrawCandidate<'_>],
    slot_index: usize,
    slot: Slot,
    already_invited: &[Uuid],
    seed: &[u8; 32],
) -> Result<Seat, DrawError> {
    let invited: BTreeSet<Uuid> = already_invited.iter().copied().collect();
    let remaining: Vec<DrawCandidate<'_>> = candidates
        .iter()
        .filter(|c| !invited.contains(&c.id))
        .copied()
        .collect();
    let seats = draw_panel(&remaining, &[slot], seed).map_err(|e| match e {
        DrawError::UnfillableSlot { slot, fitting, .. } => DrawError::UnfillableSlot {
            index: slot_index,
            slot,
            fitting,
        },
        other => other,
    })?;
    match seats.first() {
        Some(seat) => Ok(Seat {
            slot: slot_index,
            expert_id: seat.expert_id,
        }),
        None => Err(DrawError::TooFewCandidates {
            needed: 1,
            available: remaining.len(),
        }),
    }
}

/// The recheck sample size: ⌈rate × N⌉, exact; the rate must be from 5 % to 100 %.
pub fn sample_size(rate: Decimal, population: usize) -> Result<usize, SampleError> {
    if rate < MIN_SAMPLE_RATE || rate > Decimal::ONE {
        return Err(SampleError::RateOutOfRange(rate));
    }
    rate.checked_mul(Decimal::from(population))
        .map(|x| x.ceil())
        .and_then(|x| x.to_usize())
        .ok_or(SampleError::SizeOverflow)
}

/// Draws the recheck sample: ⌈rate × N⌉ distinct members, uniformly, in draw order
/// (partial Fisher–Yates over the sorted population; see the module doc).
pub fn draw_sample(
    population: &[Uuid],
    rate: Decimal,
    seed: &[u8; 32],
) -> Result<Vec<Uuid>, SampleError> {
    let k = sample_size(rate, population.len())?;
    let mut items = population.to_vec();
    items.sort_unstable();
    if let Some(pair) = items.windows(2).find(|w| w[0] == w[1]) {
        return Err(SampleError::DuplicateMember(pair[0]));
    }
    let n = items.len();
    // k ≤ n because rate ≤ 1; min() keeps the slice in bounds regardless.
    let k = k.min(n);
    let mut rng = ChaCha20Rng::from_seed(*seed);
    for i in 0..k {
        let j = i + uniform_below(&mut rng, n - i);
        items.swap(i, j);
    }
    items.truncate(k);
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    /// Seed number `i` of the statistical tests: SHA-256 of `i` as 8 big-endian bytes.
    fn test_seed(i: u64) -> [u8; 32] {
        Sha256::digest(i.to_be_bytes()).into()
    }

    fn hex32(bytes: &[u8; 32]) -> String {
        hex::encode(bytes)
    }

    /// Pearson's chi-square statistic of observed counts against equal expectations.
    fn chi_square(counts: &[u64]) -> f64 {
        let total: u64 = counts.iter().sum();
        let expected = total as f64 / counts.len() as f64;
        counts
            .iter()
            .map(|&o| {
                let diff = o as f64 - expected;
                diff * diff / expected
            })
            .sum()
    }

    /// A fake generator that returns the given words, for the rejection step.
    struct Words(Vec<u64>, usize);

    impl RngCore for Words {
        fn next_u32(&mut self) -> u32 {
            self.next_u64() as u32
        }
        fn next_u64(&mut self) -> u64 {
            let w = self.0[self.1];
            self.1 += 1;
            w
        }
        fn fill_bytes(&mut self, dst: &mut [u8]) {
            for b in dst {
                *b = self.next_u32() as u8;
            }
        }
    }

    struct Profile {
        id: Uuid,
        sectors: Vec<Sector>,
        expertise: Vec<ExpertiseKind>,
    }

    impl Profile {
        fn new(n: u128, sectors: &[Sector], expertise: &[ExpertiseKind]) -> Self {
            Profile {
                id: id(n),
                sectors: sectors.to_vec(),
                expertise: expertise.to_vec(),
            }
        }
        fn as_candidate(&self) -> DrawCandidate<'_> {
            DrawCandidate::new(self.id, &self.sectors, &self.expertise)
        }
    }

    fn candidates(profiles: &[Profile]) -> Vec<DrawCandidate<'_>> {
        profiles.iter().map(Profile::as_candidate).collect()
    }

    use ExpertiseKind::{AuditMethod, Energy, Environmental, IndustryProcess};

    /// 5 steel process experts (1–5), 5 environmental (6–10), 5 energy (11–15), 15 others.
    fn mixed_pool() -> Vec<Profile> {
        (1..=30)
            .map(|n| match n {
                1..=5 => Profile::new(n, &[Sector::Steel], &[IndustryProcess]),
                6..=10 => Profile::new(n, &[Sector::Chemical], &[Environmental]),
                11..=15 => Profile::new(n, &[Sector::Energy], &[Energy]),
                _ => Profile::new(n, &[Sector::Paper], &[AuditMethod]),
            })
            .collect()
    }

    fn plain_pool(n: u128) -> Vec<Profile> {
        (1..=n)
            .map(|i| Profile::new(i, &[Sector::Paper], &[AuditMethod]))
            .collect()
    }

    #[test]
    fn generator_is_standard_chacha20() {
        // RFC 7539 A.1 test vector #1: key 0, nonce 0, counter 0 begins
        // 76 b8 e0 ad a0 f1 3d 90 40 5d 6a e5 53 86 bd 28.
        let mut rng = ChaCha20Rng::from_seed([0; 32]);
        assert_eq!(rng.next_u64(), 0x903d_f1a0_ade0_b876);
        assert_eq!(rng.next_u64(), 0x28bd_8653_e56a_5d40);
    }

    #[test]
    fn commitment_fixed_vector() {
        let mut os_random = [0u8; 32];
        for (i, b) in os_random.iter_mut().enumerate() {
            *b = i as u8;
        }
        assert_eq!(
            hex32(&commitment_of(&os_random)),
            "2b04c52f05d9922cd17f436e2d51146bfa3f2c8d5ca7b1d655f14e0560ae5f13"
        );
        os_random[31] ^= 1;
        assert_ne!(
            hex32(&commitment_of(&os_random)),
            "2b04c52f05d9922cd17f436e2d51146bfa3f2c8d5ca7b1d655f14e0560ae5f13"
        );
    }

    #[test]
    fn seed_fixed_vector() {
        let mut os_random = [0u8; 32];
        for (i, b) in os_random.iter_mut().enumerate() {
            *b = i as u8;
        }
        let review = Uuid::parse_str("0190a5b2-7c3d-7e4f-8a1b-2c3d4e5f6a7b").expect("uuid");
        assert_eq!(
            hex32(&derive_seed(&os_random, review, "见证人 42")),
            "90502954c91a649753f1bbc0c8d80f537d816a868a6f3a07b6ea64a048813541"
        );
        assert_eq!(
            hex32(&derive_seed(&os_random, review, "")),
            "be029b5687c67b37a276f23ab5455e1bf108b85f4c71e7587028c5c01b2babae"
        );
    }

    #[test]
    fn seed_depends_on_every_field() {
        let r = [7u8; 32];
        let base = derive_seed(&r, id(1), "abc");
        assert_ne!(base, derive_seed(&[8u8; 32], id(1), "abc"));
        assert_ne!(base, derive_seed(&r, id(2), "abc"));
        assert_ne!(base, derive_seed(&r, id(1), "abd"));
        assert_ne!(base, derive_seed(&r, id(1), "abc "));
        assert_eq!(base, derive_seed(&r, id(1), "abc"));
    }

    #[test]
    fn eligible_digest_fixed_vector() {
        assert_eq!(
            hex32(&eligible_digest(&[])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex32(&eligible_digest(&[id(1), id(2), id(3)])),
            "0b64f478d99c825f63acfab02a6523dbba36e29e629cbfa5f98925c7b1756077"
        );
        assert_ne!(
            eligible_digest(&[id(1), id(2)]),
            eligible_digest(&[id(2), id(1)])
        );
    }

    #[test]
    fn pool_digest_ignores_order_but_not_profiles() {
        let a = Profile::new(1, &[Sector::Steel, Sector::Energy], &[Energy]);
        let b = Profile::new(2, &[Sector::Paper], &[AuditMethod, Environmental]);
        let b2 = Profile::new(2, &[Sector::Paper], &[Environmental, AuditMethod]);
        let b3 = Profile::new(2, &[Sector::Paper], &[Environmental]);
        let ab = pool_digest(&[a.as_candidate(), b.as_candidate()]);
        assert_eq!(ab, pool_digest(&[b2.as_candidate(), a.as_candidate()]));
        assert_ne!(ab, pool_digest(&[a.as_candidate(), b3.as_candidate()]));
        assert_eq!(
            hex32(&ab),
            "20202c884489fec9f986fcc519ff223a59eede74f6d3daa700f876db3e0a3226"
        );
    }

    /// The digest as its documentation defines it, written plainly: the fast one must agree.
    fn pool_digest_by_definition(candidates: &[DrawCandidate<'_>]) -> [u8; 32] {
        fn names<T: Copy>(items: &[T], name: fn(T) -> &'static str) -> String {
            let set: BTreeSet<&str> = items.iter().map(|i| name(*i)).collect();
            set.into_iter().collect::<Vec<_>>().join(",")
        }
        let mut sorted: Vec<&DrawCandidate<'_>> = candidates.iter().collect();
        sorted.sort_by_key(|c| c.id);
        let mut hasher = Sha256::new();
        for c in sorted {
            hasher.update(c.id.as_bytes());
            put_field(&mut hasher, names(c.sectors, Sector::as_str).as_bytes());
            put_field(
                &mut hasher,
                names(c.expertise, ExpertiseKind::as_str).as_bytes(),
            );
        }
        hasher.finalize().into()
    }

    #[test]
    fn pool_digest_agrees_with_its_definition() {
        // Every sector and kind, in scrambled orders, with repeats and empty sets.
        let profiles: Vec<Profile> = (0..200u128)
            .map(|i| {
                let sectors: Vec<Sector> = Sector::ALL
                    .iter()
                    .copied()
                    .filter(|s| (i * 7 + *s as u128) % 3 != 0)
                    .rev()
                    .chain(Sector::ALL.iter().copied().take((i % 3) as usize))
                    .collect();
                let kinds: Vec<ExpertiseKind> = ExpertiseKind::ALL
                    .iter()
                    .copied()
                    .filter(|k| (i + *k as u128) % 2 == 0)
                    .collect();
                Profile::new(1000 - i, &sectors, &kinds)
            })
            .collect();
        let candidates: Vec<DrawCandidate<'_>> =
            profiles.iter().map(Profile::as_candidate).collect();
        assert_eq!(
            pool_digest(&candidates),
            pool_digest_by_definition(&candidates)
        );
        assert_eq!(pool_digest(&[]), pool_digest_by_definition(&[]));
        // The pool's kept entries give the same digest.
        let mut sorted = candidates.clone();
        sorted.sort_by_key(|c| c.id);
        let entries: Vec<Vec<u8>> = sorted.iter().map(pool_digest_entry).collect();
        assert_eq!(
            pool_digest_of_entries(entries.iter().map(Vec::as_slice)),
            pool_digest(&candidates)
        );
    }

    #[test]
    fn uniform_below_rejects_the_top_range() {
        // 2^64 mod 3 = 1: only u64::MAX is rejected.
        let mut rng = Words(vec![u64::MAX, u64::MAX - 1, 5], 0);
        assert_eq!(uniform_below(&mut rng, 3), ((u64::MAX - 1) % 3) as usize);
        assert_eq!(uniform_below(&mut rng, 3), 2);
        // n = 2^63 + 1: r = 2^63 − 1, the accepted words are 0 ..= 2^63.
        let n = (1u64 << 63) + 1;
        let mut rng = Words(vec![1 << 63 | 1, u64::MAX, 1 << 63], 0);
        assert_eq!(uniform_below(&mut rng, n as usize), 1usize << 63);
        assert_eq!(rng.1, 3);
        // A power of two rejects nothing; n = 1 still consumes one word.
        let mut rng = Words(vec![u64::MAX, 9], 0);
        assert_eq!(uniform_below(&mut rng, 8), 7);
        assert_eq!(uniform_below(&mut rng, 1), 0);
        assert_eq!(rng.1, 2);
    }

    #[test]
    fn panel_sizes() {
        assert_eq!(default_size(ReviewKind::Evaluation), 3);
        assert_eq!(default_size(ReviewKind::Acceptance), 5);
        assert_eq!(default_size(ReviewKind::Recheck), 5);
        for ok in [3, 5, 7, 9] {
            assert_eq!(validate_panel_size(ok), Ok(ok as u8));
        }
        for bad in [-3, 0, 1, 2, 4, 6, 8, 10, 11, 259, i64::MAX, i64::MIN] {
            assert_eq!(
                validate_panel_size(bad),
                Err(PanelSpecError::InvalidSize(bad))
            );
        }
        assert_eq!(panel_size(None, ReviewKind::Recheck), Ok(5));
        assert_eq!(panel_size(Some(7), ReviewKind::Evaluation), Ok(7));
        assert!(panel_size(Some(4), ReviewKind::Evaluation).is_err());
    }

    #[test]
    fn default_composition_shape() {
        let slots = default_composition(Sector::Steel, 5);
        assert_eq!(
            slots,
            vec![
                Slot {
                    sector: Some(Sector::Steel),
                    kind: Some(IndustryProcess)
                },
                Slot {
                    sector: None,
                    kind: Some(Environmental)
                },
                Slot {
                    sector: None,
                    kind: Some(Energy)
                },
                Slot::ANYONE,
                Slot::ANYONE,
            ]
        );
        assert_eq!(default_composition(Sector::Steel, 3), slots[..3]);
        assert_eq!(default_composition(Sector::Steel, 1), slots[..1]);
        assert!(default_composition(Sector::Steel, 0).is_empty());
    }

    #[test]
    fn custom_composition() {
        let env = Slot {
            sector: None,
            kind: Some(Environmental),
        };
        assert_eq!(
            composition_with(&[env], 3),
            Ok(vec![env, Slot::ANYONE, Slot::ANYONE])
        );
        assert_eq!(
            composition_with(&[env; 4], 3),
            Err(PanelSpecError::CompositionTooLarge { slots: 4, size: 3 })
        );
    }

    #[test]
    fn slot_fits_and_reads() {
        let slot = Slot {
            sector: Some(Sector::Steel),
            kind: Some(IndustryProcess),
        };
        assert!(slot.fits(&[Sector::Paper, Sector::Steel], &[Energy, IndustryProcess]));
        assert!(!slot.fits(&[Sector::Steel], &[Energy]));
        assert!(!slot.fits(&[Sector::Paper], &[IndustryProcess]));
        assert!(Slot::ANYONE.fits(&[], &[]));
        assert_eq!(slot.to_string(), "sector STEEL, expertise INDUSTRY_PROCESS");
        assert_eq!(Slot::ANYONE.to_string(), "sector ANY, expertise ANY");
    }

    #[test]
    fn panel_fixed_vector() {
        let pool = mixed_pool();
        let seats = draw_panel(
            &candidates(&pool),
            &default_composition(Sector::Steel, 5),
            &test_seed(1),
        )
        .expect("drawable");
        let got: Vec<(usize, u128)> = seats
            .iter()
            .map(|s| (s.slot, s.expert_id.as_u128()))
            .collect();
        assert_eq!(got, [(0, 3), (1, 9), (2, 12), (3, 28), (4, 25)]);
        let nine = draw_panel(
            &candidates(&pool),
            &default_composition(Sector::Steel, 9),
            &test_seed(7),
        )
        .expect("drawable");
        let got: Vec<u128> = nine.iter().map(|s| s.expert_id.as_u128()).collect();
        assert_eq!(got, [4, 6, 12, 15, 25, 7, 17, 13, 22]);
    }

    #[test]
    fn panel_fits_composition_and_seats_distinct_experts() {
        let pool = mixed_pool();
        let slots = default_composition(Sector::Steel, 9);
        for i in 0..200 {
            let seats = draw_panel(&candidates(&pool), &slots, &test_seed(i)).expect("drawable");
            assert_eq!(seats.len(), 9);
            let distinct: BTreeSet<Uuid> = seats.iter().map(|s| s.expert_id).collect();
            assert_eq!(distinct.len(), 9);
            for (k, seat) in seats.iter().enumerate() {
                assert_eq!(seat.slot, k);
                let p = pool
                    .iter()
                    .find(|p| p.id == seat.expert_id)
                    .expect("from pool");
                assert!(slots[k].fits(&p.sectors, &p.expertise));
            }
        }
    }

    #[test]
    fn panel_does_not_depend_on_input_order() {
        let pool = mixed_pool();
        let forward = candidates(&pool);
        let mut backward = forward.clone();
        backward.reverse();
        let slots = default_composition(Sector::Steel, 7);
        for i in 0..20 {
            assert_eq!(
                draw_panel(&forward, &slots, &test_seed(i)),
                draw_panel(&backward, &slots, &test_seed(i))
            );
        }
    }

    #[test]
    fn too_few_candidates() {
        let pool = plain_pool(4);
        let err = draw_panel(&candidates(&pool), &[Slot::ANYONE; 5], &test_seed(0));
        assert_eq!(
            err,
            Err(DrawError::TooFewCandidates {
                needed: 5,
                available: 4
            })
        );
    }

    #[test]
    fn unfillable_slot_is_named() {
        // No energy expert at all.
        let pool: Vec<Profile> = mixed_pool()
            .into_iter()
            .filter(|p| p.expertise != [Energy])
            .collect();
        let err = draw_panel(
            &candidates(&pool),
            &default_composition(Sector::Steel, 5),
            &test_seed(0),
        );
        assert_eq!(
            err,
            Err(DrawError::UnfillableSlot {
                index: 2,
                slot: Slot {
                    sector: None,
                    kind: Some(Energy)
                },
                fitting: 0
            })
        );
        // The wrong sector: steel process experts are needed, there are only paper ones.
        let err = draw_panel(
            &candidates(&mixed_pool()),
            &default_composition(Sector::Paper, 3),
            &test_seed(0),
        );
        assert!(matches!(
            err,
            Err(DrawError::UnfillableSlot {
                index: 0,
                fitting: 0,
                ..
            })
        ));
    }

    #[test]
    fn one_expert_fills_one_slot() {
        // Expert 1 is the only one with energy expertise (and also environmental); two env
        // and energy slots need two different people, the second of whom does not exist.
        let pool = vec![
            Profile::new(1, &[Sector::Steel], &[Environmental, Energy]),
            Profile::new(2, &[Sector::Steel], &[AuditMethod]),
            Profile::new(3, &[Sector::Steel], &[AuditMethod]),
        ];
        let env_and_energy = [
            Slot {
                sector: None,
                kind: Some(Energy),
            },
            Slot {
                sector: None,
                kind: Some(Environmental),
            },
        ];
        let err = draw_panel(&candidates(&pool), &env_and_energy, &test_seed(0));
        assert_eq!(
            err,
            Err(DrawError::UnfillableSlot {
                index: 1,
                slot: env_and_energy[1],
                fitting: 1
            })
        );
    }

    #[test]
    fn scarce_specialist_is_kept_for_the_slot_needing_them() {
        // Env slot first: 1 and 2 fit; energy slot: only 1 fits. A naive draw would fail
        // whenever it put 1 on the env slot; this one never fails and never does that.
        let pool = vec![
            Profile::new(1, &[Sector::Steel], &[Environmental, Energy]),
            Profile::new(2, &[Sector::Steel], &[Environmental]),
            Profile::new(3, &[Sector::Steel], &[AuditMethod]),
        ];
        let slots = [
            Slot {
                sector: None,
                kind: Some(Environmental),
            },
            Slot {
                sector: None,
                kind: Some(Energy),
            },
            Slot::ANYONE,
        ];
        for i in 0..100 {
            let seats = draw_panel(&candidates(&pool), &slots, &test_seed(i)).expect("drawable");
            let ids: Vec<u128> = seats.iter().map(|s| s.expert_id.as_u128()).collect();
            assert_eq!(ids, [2, 1, 3]);
        }
    }

    #[test]
    fn duplicate_candidate_is_an_error() {
        let pool = plain_pool(5);
        let mut list = candidates(&pool);
        list.push(list[2]);
        assert_eq!(
            draw_panel(&list, &[Slot::ANYONE; 3], &test_seed(0)),
            Err(DrawError::DuplicateCandidate(id(3)))
        );
    }

    #[test]
    fn empty_composition_draws_nobody() {
        assert_eq!(draw_panel(&[], &[], &test_seed(0)), Ok(vec![]));
    }

    #[test]
    fn replacement_fixed_vector_and_rules() {
        let pool = mixed_pool();
        let env = Slot {
            sector: None,
            kind: Some(Environmental),
        };
        let invited = [id(6), id(7), id(1), id(11), id(20)];
        let seat = draw_replacement(&candidates(&pool), 1, env, &invited, &test_seed(2))
            .expect("someone left");
        assert_eq!(seat.slot, 1);
        assert_eq!(seat.expert_id.as_u128(), 9);
        for i in 0..200 {
            let seat = draw_replacement(&candidates(&pool), 1, env, &invited, &test_seed(i))
                .expect("someone left");
            assert!((8..=10).contains(&seat.expert_id.as_u128()));
        }
        // Everyone fitting has been invited already.
        let all_env = [id(6), id(7), id(8), id(9), id(10)];
        assert_eq!(
            draw_replacement(&candidates(&pool), 1, env, &all_env, &test_seed(0)),
            Err(DrawError::UnfillableSlot {
                index: 1,
                slot: env,
                fitting: 0
            })
        );
        let tiny = plain_pool(2);
        assert_eq!(
            draw_replacement(
                &candidates(&tiny),
                4,
                Slot::ANYONE,
                &[id(1), id(2)],
                &test_seed(0)
            ),
            Err(DrawError::TooFewCandidates {
                needed: 1,
                available: 0
            })
        );
    }

    #[test]
    fn sample_sizes_are_exact_ceilings() {
        let rate = |s: &str| s.parse::<Decimal>().expect("decimal");
        assert_eq!(sample_size(rate("0.05"), 0), Ok(0));
        assert_eq!(sample_size(rate("0.05"), 1), Ok(1));
        assert_eq!(sample_size(rate("0.05"), 20), Ok(1));
        assert_eq!(sample_size(rate("0.05"), 21), Ok(2));
        assert_eq!(sample_size(rate("0.05"), 100), Ok(5));
        assert_eq!(sample_size(rate("0.050"), 101), Ok(6));
        assert_eq!(sample_size(rate("0.1"), 30), Ok(3));
        assert_eq!(sample_size(rate("1"), 7), Ok(7));
        for bad in ["0.0499", "0", "-0.1", "1.0001", "5"] {
            assert_eq!(
                sample_size(rate(bad), 10),
                Err(SampleError::RateOutOfRange(rate(bad)))
            );
        }
    }

    #[test]
    fn sample_fixed_vector_and_rules() {
        let population: Vec<Uuid> = (1..=50).map(id).collect();
        let rate: Decimal = "0.1".parse().expect("decimal");
        let sample = draw_sample(&population, rate, &test_seed(3)).expect("drawable");
        let got: Vec<u128> = sample.iter().map(|u| u.as_u128()).collect();
        assert_eq!(got, [49, 46, 45, 5, 42]);
        let mut shuffled = population.clone();
        shuffled.reverse();
        assert_eq!(draw_sample(&shuffled, rate, &test_seed(3)), Ok(sample));
        let all = draw_sample(&population, Decimal::ONE, &test_seed(4)).expect("drawable");
        let set: BTreeSet<Uuid> = all.iter().copied().collect();
        assert_eq!(set.len(), 50);
        assert_eq!(draw_sample(&[], MIN_SAMPLE_RATE, &test_seed(0)), Ok(vec![]));
        assert_eq!(
            draw_sample(&[id(1), id(2), id(1)], Decimal::ONE, &test_seed(0)),
            Err(SampleError::DuplicateMember(id(1)))
        );
    }

    // 0.999 quantiles of the chi-square distribution by degrees of freedom.
    const CHI2_999_DF4: f64 = 18.467;
    const CHI2_999_DF14: f64 = 36.123;
    const CHI2_999_DF29: f64 = 58.301;
    const CHI2_999_DF39: f64 = 72.055;

    #[test]
    fn anyone_seat_is_uniform() {
        let pool = plain_pool(30);
        let list = candidates(&pool);
        let mut counts = vec![0u64; 30];
        for i in 0..3000 {
            let seats = draw_panel(&list, &[Slot::ANYONE], &test_seed(i)).expect("drawable");
            counts[(seats[0].expert_id.as_u128() - 1) as usize] += 1;
        }
        let chi2 = chi_square(&counts);
        assert!(chi2 < CHI2_999_DF29, "chi-square {chi2} for {counts:?}");
    }

    #[test]
    fn composition_draws_are_uniform_within_each_slot() {
        let pool = mixed_pool();
        let list = candidates(&pool);
        let slots = default_composition(Sector::Steel, 5);
        let mut per_slot: BTreeMap<usize, Vec<u64>> = BTreeMap::new();
        let mut plain_anyone = vec![0u64; 15];
        for i in 0..3000 {
            let seats = draw_panel(&list, &slots, &test_seed(i)).expect("drawable");
            for seat in seats {
                let n = seat.expert_id.as_u128() as usize;
                if seat.slot < 3 {
                    let counts = per_slot.entry(seat.slot).or_insert_with(|| vec![0; 5]);
                    counts[(n - 1) % 5] += 1;
                } else if n > 15 {
                    plain_anyone[n - 16] += 1;
                }
            }
        }
        for (slot, counts) in &per_slot {
            let chi2 = chi_square(counts);
            assert!(
                chi2 < CHI2_999_DF4,
                "slot {slot}: chi-square {chi2} for {counts:?}"
            );
        }
        let chi2 = chi_square(&plain_anyone);
        assert!(
            chi2 < CHI2_999_DF14,
            "anyone seats: chi-square {chi2} for {plain_anyone:?}"
        );
        // Anyone seats pick among the 27 left: about 15/27 of them go to the 15 others.
        let share = plain_anyone.iter().sum::<u64>() as f64 / 6000.0;
        assert!((share - 15.0 / 27.0).abs() < 0.03, "share {share}");
    }

    #[test]
    fn sample_is_uniform() {
        let population: Vec<Uuid> = (1..=40).map(id).collect();
        let mut counts = vec![0u64; 40];
        for i in 0..2000 {
            for member in draw_sample(&population, MIN_SAMPLE_RATE, &test_seed(i)).expect("ok") {
                counts[(member.as_u128() - 1) as usize] += 1;
            }
        }
        assert_eq!(counts.iter().sum::<u64>(), 4000);
        let chi2 = chi_square(&counts);
        assert!(chi2 < CHI2_999_DF39, "chi-square {chi2} for {counts:?}");
    }
}

//! Which eligible candidates fit which slots of a panel, and the matching of slots to
//! distinct candidates by augmenting paths (Kuhn's algorithm): steps 3 and 4 of the panel
//! draw (`rules::draw`, whose module doc defines them). Pure and deterministic: candidates
//! are tried in the order given.

use crate::domain::{ExpertiseKind, Sector};
use crate::rules::draw::{DrawCandidate, Slot};

/// For each slot, the indices (into `candidates`, in their order) of the candidates that fit
/// it (`Slot::fits`), from each candidate's sectors and kinds as bits (kept with the pool's
/// profiles, so a draw does not walk every candidate's lists).
pub(crate) fn fitting(slots: &[Slot], candidates: &[DrawCandidate<'_>]) -> Vec<Vec<usize>> {
    slots
        .iter()
        .map(|slot| {
            let sector = slot.sector.map_or(0, |s| sector_bits(&[s]));
            let kind = slot.kind.map_or(0, |k| kind_bits(&[k]));
            let mut fitting = Vec::with_capacity(candidates.len());
            fitting.extend(
                candidates
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| {
                        (sector == 0 || c.sector_bits & sector != 0)
                            && (kind == 0 || c.kind_bits & kind != 0)
                    })
                    .map(|(i, _)| i),
            );
            fitting
        })
        .collect()
}

/// Kuhn's augmenting-path matching of slots to distinct candidates, over each slot's fitting
/// candidates. Its working memory is kept between runs: a draw matches up to slots² times,
/// and arrays the size of the pool made afresh for each run were most of a draw's matching
/// at 20 000 experts.
pub(crate) struct Matcher<'f> {
    /// `fits[s]`: the candidates fitting slot `s`, in the order they are tried.
    fits: &'f [Vec<usize>],
    /// The slot each candidate holds in the current run.
    owner: Vec<Option<usize>>,
    /// The candidates holding a slot in the current run (to clear before the next).
    holding: Vec<usize>,
    /// `visited[c] == stamp`: the current search for a slot has been through `c`.
    visited: Vec<u32>,
    stamp: u32,
}

impl<'f> Matcher<'f> {
    pub(crate) fn new(fits: &'f [Vec<usize>], candidates: usize) -> Matcher<'f> {
        Matcher {
            fits,
            owner: vec![None; candidates],
            holding: Vec::new(),
            visited: vec![0; candidates],
            stamp: 0,
        }
    }

    /// Matches `slots`, one by one in order, to distinct candidates that are neither
    /// `seated` nor `also_blocked`. Err: the first slot that could not be matched.
    pub(crate) fn run(
        &mut self,
        slots: std::ops::Range<usize>,
        seated: &[bool],
        also_blocked: Option<usize>,
    ) -> Result<(), usize> {
        for c in self.holding.drain(..) {
            self.owner[c] = None;
        }
        for s in slots {
            // A fresh search: nobody visited (the stamps of earlier searches are all lower).
            if self.stamp == u32::MAX {
                self.visited.fill(0);
                self.stamp = 0;
            }
            self.stamp += 1;
            if !self.augment(s, seated, also_blocked) {
                return Err(s);
            }
        }
        Ok(())
    }

    /// The candidates holding a slot after the last run.
    pub(crate) fn holding(&self) -> &[usize] {
        &self.holding
    }

    /// Tries to give slot `s` a candidate by an augmenting path.
    fn augment(&mut self, s: usize, seated: &[bool], also_blocked: Option<usize>) -> bool {
        let fits = self.fits;
        for &c in &fits[s] {
            if seated[c] || also_blocked == Some(c) || self.visited[c] == self.stamp {
                continue;
            }
            self.visited[c] = self.stamp;
            let free = match self.owner[c] {
                None => true,
                Some(other) => self.augment(other, seated, also_blocked),
            };
            if free {
                if self.owner[c].is_none() {
                    self.holding.push(c);
                }
                self.owner[c] = Some(s);
                return true;
            }
        }
        false
    }
}

/// A set of sectors as bits: bit `s as u16` for each sector `s` (13 of 16). The expert
/// list's filter keys use the same bits.
pub(crate) fn sector_bits(sectors: &[Sector]) -> u16 {
    sectors.iter().fold(0, |bits, s| bits | 1 << (*s as u16))
}

/// A set of kinds of expertise as bits: bit `k as u16` for each kind `k` (4 of 16).
pub(crate) fn kind_bits(kinds: &[ExpertiseKind]) -> u16 {
    kinds.iter().fold(0, |bits, k| bits | 1 << (*k as u16))
}

// Every sector and kind has its bit.
const _: () = assert!(Sector::ALL.len() <= 16 && ExpertiseKind::ALL.len() <= 16);

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use uuid::Uuid;

    #[test]
    fn every_sector_and_kind_has_a_bit_of_its_own() {
        let sectors: BTreeSet<u16> = Sector::ALL.iter().map(|s| sector_bits(&[*s])).collect();
        assert_eq!(sectors.len(), Sector::ALL.len());
        assert!(sectors.iter().all(|b| b.count_ones() == 1));
        let kinds: BTreeSet<u16> = ExpertiseKind::ALL
            .iter()
            .map(|k| kind_bits(&[*k]))
            .collect();
        assert_eq!(kinds.len(), ExpertiseKind::ALL.len());
        assert_eq!(
            sector_bits(Sector::ALL).count_ones() as usize,
            Sector::ALL.len()
        );
        assert_eq!(sector_bits(&[]), 0);
    }

    #[test]
    fn the_fitting_lists_are_what_each_slot_admits() {
        let steel = [Sector::Steel];
        let energy_steel = [Sector::Energy, Sector::Steel];
        let process = [ExpertiseKind::IndustryProcess];
        let both = [ExpertiseKind::IndustryProcess, ExpertiseKind::Energy];
        let candidates = [
            DrawCandidate::new(Uuid::from_u128(1), &steel, &process),
            DrawCandidate::new(Uuid::from_u128(2), &energy_steel, &both),
            DrawCandidate::new(Uuid::from_u128(3), &[], &[]),
        ];
        let mut slots = vec![Slot::ANYONE];
        for sector in [
            None,
            Some(Sector::Steel),
            Some(Sector::Energy),
            Some(Sector::Paper),
        ] {
            for kind in [
                None,
                Some(ExpertiseKind::IndustryProcess),
                Some(ExpertiseKind::Energy),
            ] {
                slots.push(Slot { sector, kind });
            }
        }
        let fits = fitting(&slots, &candidates);
        for (slot, fit) in slots.iter().zip(&fits) {
            let expected: Vec<usize> = (0..candidates.len())
                .filter(|&c| slot.fits(candidates[c].sectors, candidates[c].expertise))
                .collect();
            assert_eq!(fit, &expected, "{slot}");
        }
        assert_eq!(fits[0], [0, 1, 2]);
    }

    #[test]
    fn a_later_slot_keeps_the_one_candidate_it_needs() {
        // Slot 0 takes anyone, slot 1 only candidate 0: the matching gives slot 0 candidate 1.
        let fits = vec![vec![0, 1], vec![0]];
        let mut matcher = Matcher::new(&fits, 2);
        assert_eq!(matcher.run(0..2, &[false, false], None), Ok(()));
        let mut holding = matcher.holding().to_vec();
        holding.sort_unstable();
        assert_eq!(holding, [0, 1]);
        assert_eq!(
            matcher.run(0..2, &[false, false], Some(0)),
            Err(1),
            "slot 1 has nobody"
        );
        assert_eq!(
            matcher.run(1..2, &[true, false], None),
            Err(1),
            "candidate 0 seated"
        );
        assert_eq!(matcher.run(1..2, &[false, false], None), Ok(()));
        assert_eq!(matcher.holding(), [0]);
    }
}

//! Enterprise scale by the 2017 statistical rule for industry (统计上大中小微型企业划分办法
//! (2017)): the mandatory-audit rule of many catalogue rows depends on it.

use rust_decimal::Decimal;

use crate::domain::EnterpriseScale;

/// Lower bounds (staff, operating revenue in 10 000 CNY) of each tier, largest first.
const TIERS: [(EnterpriseScale, u32, i64); 3] = [
    (EnterpriseScale::Large, 1000, 40_000),
    (EnterpriseScale::Medium, 300, 2_000),
    (EnterpriseScale::Small, 20, 300),
];

/// The largest tier whose staff and revenue lower bounds are both met; MICRO otherwise.
///
/// Both bounds must hold (a firm with 1 000 staff but 2 000 ×10k CNY revenue is medium),
/// which is how the statistical rule reads for industry.
pub fn classify_scale(employees: u32, revenue_10k_cny: Decimal) -> EnterpriseScale {
    TIERS
        .iter()
        .find(|(_, min_staff, min_revenue)| {
            employees >= *min_staff && revenue_10k_cny >= Decimal::from(*min_revenue)
        })
        .map_or(EnterpriseScale::Micro, |(scale, _, _)| *scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use EnterpriseScale::*;

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal literal")
    }

    #[test]
    fn large_boundary() {
        assert_eq!(classify_scale(1000, d("40000")), Large);
        assert_eq!(classify_scale(250_000, d("9999999")), Large);
        assert_eq!(classify_scale(999, d("40000")), Medium);
        assert_eq!(classify_scale(1000, d("39999.99")), Medium);
    }

    #[test]
    fn medium_boundary() {
        assert_eq!(classify_scale(300, d("2000")), Medium);
        assert_eq!(classify_scale(299, d("2000")), Small);
        assert_eq!(classify_scale(300, d("1999.9999")), Small);
    }

    #[test]
    fn small_boundary() {
        assert_eq!(classify_scale(20, d("300")), Small);
        assert_eq!(classify_scale(19, d("300")), Micro);
        assert_eq!(classify_scale(20, d("299.99")), Micro);
    }

    #[test]
    fn both_bounds_must_hold() {
        // Many staff, little revenue: the revenue decides.
        assert_eq!(classify_scale(5000, d("2000")), Medium);
        assert_eq!(classify_scale(5000, d("300")), Small);
        assert_eq!(classify_scale(5000, d("10")), Micro);
        // Much revenue, few staff: the staff decide.
        assert_eq!(classify_scale(300, d("100000")), Medium);
        assert_eq!(classify_scale(20, d("100000")), Small);
        assert_eq!(classify_scale(5, d("100000")), Micro);
    }

    #[test]
    fn nothing_and_negative_are_micro() {
        assert_eq!(classify_scale(0, Decimal::ZERO), Micro);
        assert_eq!(classify_scale(2000, d("-50000")), Micro);
    }

    #[test]
    fn trailing_zeros_do_not_matter() {
        assert_eq!(classify_scale(1000, d("40000.000")), Large);
    }
}

//! Discounting of a business case: a constant annual rate, or HM Treasury's Green Book schedule
//! (3.5 % for years 0–30, 3.0 % for 31–75, 2.5 % from 76), each year's factor the product of
//! the yearly factors so far. Year 1 of the case is `t = 0` (undiscounted).

use serde::Serialize;

/// A discounting rule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Discount {
    /// A constant annual rate: factor `1/(1 + r)^t`.
    Rate(f64),
    /// The Green Book's declining schedule: 3.5 % to year 30, 3.0 % to 75, 2.5 % after.
    GreenBook,
}

impl Discount {
    /// The rate that applies between year `t − 1` and year `t` (t ≥ 1).
    pub fn rate_in_year(&self, t: usize) -> f64 {
        match *self {
            Discount::Rate(r) => r,
            Discount::GreenBook if t <= 30 => 0.035,
            Discount::GreenBook if t <= 75 => 0.030,
            Discount::GreenBook => 0.025,
        }
    }

    /// The discount factor of year `t` (t = 0 is undiscounted).
    ///
    /// ```
    /// use peerstat::econ::business::Discount;
    /// assert_eq!(Discount::Rate(0.035).factor(0), 1.0);
    /// let f31 = Discount::GreenBook.factor(31);
    /// assert!((f31 - 1.0 / (1.035f64.powi(30) * 1.03)).abs() < 1e-15);
    /// ```
    pub fn factor(&self, t: usize) -> f64 {
        match *self {
            Discount::Rate(r) => (1.0 + r).powi(-(t as i32)),
            Discount::GreenBook => (1..=t)
                .map(|s| 1.0 / (1.0 + self.rate_in_year(s)))
                .product(),
        }
    }

    /// The rule in words.
    pub fn describe(&self) -> String {
        match *self {
            Discount::Rate(r) => format!("{} % a year", trim(r * 100.0)),
            Discount::GreenBook => {
                "HM Treasury Green Book (3.5 % a year to year 30, 3.0 % to 75, 2.5 % after)".into()
            }
        }
    }
}

/// A percentage without trailing zeros.
fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

//! [`VcalcSpec`] on table columns: the variables read from the columns it names.

use super::{vcalc_full, SamplingCovariance, VcalcColumns, VcalcCorrelations, VcalcSpec};
use crate::data::Table;
use crate::error::{Error, Setting};

impl VcalcSpec {
    /// metafor's `vcalc` ([`vcalc_full`]) on the table rows `rows` (one per effect, in the
    /// fit's order) with sampling variances `v`: labels (cluster, subgroup, obs, type, groups)
    /// compared as text, times and group sizes numeric.
    ///
    /// # Errors
    /// [`Error::MissingColumn`] for a column that is absent; [`Error::Value`] naming the row and
    /// column for a missing value, a non-numeric or non-finite time, and a group size that is
    /// not positive; [`Error::Setting`] ([`Setting::SamplingCovariance`]) for `type` without
    /// its correlation (`rho_type`); as [`vcalc_full`] otherwise (an effect named by its row).
    pub fn covariance(
        &self,
        table: &Table,
        rows: &[usize],
        v: &[f64],
    ) -> Result<SamplingCovariance, Error> {
        let texts = |name: &str, role: &str| -> Result<Vec<String>, Error> {
            let col = table
                .get(name)
                .ok_or_else(|| table.missing_column(name, &format!("as the {role}")))?;
            rows.iter()
                .map(|&r| {
                    col.key(r)
                        .ok_or_else(|| table.value_error(r, name, format!("the {role} is missing")))
                })
                .collect()
        };
        let opt_texts =
            |name: &Option<String>, role: &str| name.as_deref().map(|n| texts(n, role)).transpose();
        let numbers = |name: &Option<String>, role: &str, positive: bool| {
            let Some(n) = name.as_deref() else {
                return Ok(None);
            };
            let col = table.numeric(n, &format!("as the {role}"))?;
            rows.iter()
                .map(|&r| match col.get(r).copied().flatten() {
                    None => Err(table.value_error(r, n, format!("the {role} is missing"))),
                    Some(x) if !x.is_finite() || (positive && x <= 0.0) => Err(table.value_error(
                        r,
                        n,
                        format!(
                            "the {role} must be a {}number (got {x})",
                            if positive { "positive " } else { "finite " }
                        ),
                    )),
                    Some(x) => Ok(x),
                })
                .collect::<Result<Vec<f64>, Error>>()
                .map(Some)
        };
        if self.type_col.is_some() && self.rho_type.is_none() {
            return Err(Error::setting(
                Setting::SamplingCovariance,
                "with type, give the correlation between types (rho_type)",
            ));
        }
        let cluster = texts(&self.cluster, "sampling-covariance cluster")?;
        let subgroup = opt_texts(&self.subgroup, "sampling-covariance subgroup")?;
        let obs = opt_texts(&self.obs, "sampling-covariance observation")?;
        let types = opt_texts(&self.type_col, "sampling-covariance type")?;
        let grp1 = opt_texts(&self.grp1, "first group (grp1)")?;
        let grp2 = opt_texts(&self.grp2, "second group (grp2)")?;
        let time1 = numbers(&self.time, "sampling-covariance time", false)?;
        let time2 = numbers(&self.time2, "second group's time (time2)", false)?;
        let w1 = numbers(&self.w1, "first group's size (w1)", true)?;
        let w2 = numbers(&self.w2, "second group's size (w2)", true)?;
        let names: Vec<String> = rows
            .iter()
            .map(|&r| format!("{}: row {}", table.source(), r + 1))
            .collect();
        let cols = VcalcColumns {
            subgroup: subgroup.as_deref(),
            obs: obs.as_deref(),
            types: types.as_deref(),
            time1: time1.as_deref(),
            time2: time2.as_deref(),
            grp1: grp1.as_deref(),
            grp2: grp2.as_deref(),
            w1: w1.as_deref(),
            w2: w2.as_deref(),
            names: Some(&names),
        };
        let corr = VcalcCorrelations {
            rho_obs: self.rho,
            rho_type: self.rho_type.unwrap_or(0.0),
            phi: if self.time.is_some() {
                self.phi.unwrap_or(1.0)
            } else {
                1.0
            },
        };
        vcalc_full(v, &cluster, &cols, corr)
    }
}

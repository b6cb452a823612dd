//! Predictions at moderator values from a cluster-robust fit, as metafor's `predict()` on a
//! `robust()` object: the predicted effect with its CI and prediction interval from the
//! cluster-robust covariance of the coefficients (not the model-based one), on `J − p` df (CR1)
//! or the Satterthwaite df of the linear combination (CR2, clubSandwich's
//! `linear_contrast`).

use nalgebra::DVector;

use super::{check_clusters, cr2, groups, Robust, RobustType};
use crate::error::{Error, Result};
use crate::model::prediction::{at, Prediction};
use crate::model::Fitted;

impl Robust {
    /// The prediction at `newmods` (one value per moderator column after the intercept) of the
    /// meta-regression `fit` with cluster-robust inference by `cluster` (one id per effect).
    /// The prediction interval adds the fit's τ² to the robust variance of the prediction.
    ///
    /// # Errors
    /// [`Error::Input`] for a fit without design, weights or residuals; as [`Robust::fit`]
    /// for the clusters; [`Error::Setting`] for `newmods` of the wrong length or not finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::DMatrix;
    /// use peerstat::model::regression::MetaRegression;
    /// use peerstat::model::RandomEffects;
    /// use peerstat::model::robust::{Robust, RobustType};
    /// let y = [0.1, 0.4, 0.3, 0.6, 0.2, 0.5];
    /// let v = [0.02, 0.03, 0.05, 0.04, 0.03, 0.02];
    /// let x = DMatrix::from_fn(6, 2, |i, j| if j == 0 { 1.0 } else { i as f64 + 1.0 });
    /// let names = ["intrcpt".to_string(), "dose".to_string()];
    /// let reg = MetaRegression::new(RandomEffects::new()).fit(&y, &v, &x, &names).unwrap();
    /// let p = Robust::new(RobustType::Cr2, 95.0).unwrap()
    ///     .predict(&reg, &[0, 1, 2, 3, 4, 5], &[3.5]).unwrap();
    /// assert!(p.ci_lower < p.pred && p.pred < p.ci_upper && p.df.is_some());
    /// ```
    pub fn predict(
        &self,
        fit: &dyn Fitted,
        cluster: &[usize],
        newmods: &[f64],
    ) -> Result<Prediction> {
        let (Some(x), Some(w), Some(e)) = (fit.design(), fit.weights(), fit.residuals()) else {
            return Err(Error::input(
                "robust prediction",
                "the fit keeps no design, weights or residuals of independent effects",
            ));
        };
        Error::check_len("cluster-robust cluster ids", x.nrows(), cluster.len())?;
        let beta =
            DVector::from_iterator(x.ncols(), fit.coefficients().iter().map(|c| c.est.estimate));
        let p = beta.len();
        let groups = groups(cluster);
        let n = groups.len();
        check_clusters(n, p)?;
        let blocks = cr2::Blocks::new(&x, &w, &e, &groups)?;
        let (vcov, df) = match self.kind {
            RobustType::Cr1 => (blocks.cr0() * (n as f64 / (n - p) as f64), (n - p) as f64),
            RobustType::Cr0 => (blocks.cr0(), (n - p) as f64),
            RobustType::Cr2 => {
                let c = blocks.cr2();
                // the contrast's df needs the values; `at` checks them (length, finite) first
                let df = if newmods.len() + 1 == p {
                    let x0 = DVector::from_iterator(
                        p,
                        std::iter::once(1.0).chain(newmods.iter().copied()),
                    );
                    c.satterthwaite_contrast(&x0)
                } else {
                    f64::NAN
                };
                (c.vcov, df)
            }
        };
        at(
            newmods,
            &beta,
            &vcov,
            fit.tau2(),
            Some(&vec![df; p]),
            self.level,
        )
    }
}

//! The options of a network meta-analysis as the Python layer passes them (`network` and the
//! network plots): the columns, the model, and the component model's specification.

use peerstat::model::network::{
    table as net_table, ComponentSpec, Network, NetworkMethod, RandomCi,
};
use pyo3::prelude::*;

use crate::errors::{setting, to_py};
use crate::options::{choice, parse};

/// The options of `network`, as the Python layer passes them.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct NetworkOpts {
    pub(crate) study: String,
    pub(crate) treatment: String,
    reference: Option<String>,
    small_values_good: bool,
    method: String,
    random_ci: String,
    level: f64,
    #[pyo3(default)]
    components_sep: Option<String>,
    #[pyo3(default)]
    components_from: Option<Vec<String>>,
    #[pyo3(default)]
    inactive: Vec<String>,
    #[pyo3(default)]
    interaction: Vec<String>,
    #[pyo3(default)]
    combination: Vec<String>,
}

impl NetworkOpts {
    /// The component columns (`components_from`).
    pub(crate) fn component_columns(&self) -> impl Iterator<Item = &str> {
        self.components_from.iter().flatten().map(String::as_str)
    }

    /// The study and treatment columns.
    pub(crate) fn columns(&self) -> (&str, &str) {
        (&self.study, &self.treatment)
    }

    /// The network model.
    pub(crate) fn network(&self) -> PyResult<Network> {
        let method = choice(
            "network method",
            &self.method,
            NetworkMethod::NAMES,
            "DL (netmeta, the default) or REML",
        )?;
        let mut net = Network::new()
            .level(self.level)
            .map_err(to_py)?
            .small_values_good(self.small_values_good)
            .random_ci(parse::<RandomCi>(&self.random_ci)?)
            .method(method);
        if let Some(r) = &self.reference {
            net = net.reference(r);
        }
        Ok(net)
    }

    /// Whether a component model is asked for; the component options without one are refused.
    pub(crate) fn components(&self) -> PyResult<bool> {
        match (&self.components_sep, &self.components_from) {
            (Some(_), Some(_)) => Err(setting(
                "components_sep and components_from exclude each other: components come from the \
                 treatment names or from columns",
            )),
            (None, None) => {
                if self.inactive.is_empty()
                    && self.interaction.is_empty()
                    && self.combination.is_empty()
                {
                    Ok(false)
                } else {
                    Err(setting(
                        "inactive, interaction and combination belong to a component network \
                         meta-analysis: give components_sep or components_from",
                    ))
                }
            }
            _ => Ok(true),
        }
    }

    /// The component specification (on the data, for `components_from`).
    pub(crate) fn spec(&self, table: &peerstat::data::Table) -> peerstat::Result<ComponentSpec> {
        let mut spec = match (&self.components_sep, &self.components_from) {
            (Some(sep), _) => ComponentSpec::separator(sep),
            (None, cols) => ComponentSpec::given(net_table::components_from_columns(
                table,
                &self.treatment,
                cols.as_deref().unwrap_or_default(),
            )?),
        };
        for i in &self.inactive {
            spec = spec.inactive(i);
        }
        for t in &self.interaction {
            spec = spec.interaction(t);
        }
        for c in &self.combination {
            spec = spec.combination(c);
        }
        Ok(spec)
    }
}

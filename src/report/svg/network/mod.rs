//! Network meta-analysis plots: the network graph (netmeta's `netgraph`) and the forest plot
//! of every treatment against the reference (`forest.netmeta`); the league-table heat map is in
//! [`super::league`].

mod forest;
mod frame;
mod graph;

pub use forest::network_forest;
pub(super) use frame::{interval_axis, Frame};
pub use graph::network_graph;

//! The nested levels of a random-intercept model: codes per level and the checks that every
//! level can carry a variance component.

use crate::error::Error;

/// Codes of each nested level (level `l` is the combination of the first `l + 1` ids), the
/// number of distinct levels of each, and the factor names as metafor prints them
/// (`a`, `a/b`, …).
pub(super) type Nested = (Vec<Vec<usize>>, Vec<usize>, Vec<String>);

/// The [`Nested`] levels of `levels` (ids per factor, outermost first), named from the names of
/// the single factors.
///
/// # Errors
/// [`Error::TooFew`] for a factor with one level; [`Error::Singular`] for a factor that groups
/// the effects as the factor outside it does, unless one of the two components is held at a
/// given value (`held`, one flag per factor), which leaves the other identifiable.
pub(super) fn nested(
    levels: &[Vec<usize>],
    factors: &[String],
    held: &[bool],
) -> Result<Nested, Error> {
    let k = levels.first().map_or(0, Vec::len);
    let nl = levels.len();
    let mut codes = Vec::with_capacity(levels.len());
    let mut nlevels = Vec::with_capacity(levels.len());
    for l in 0..levels.len() {
        let mut map = std::collections::HashMap::new();
        let c: Vec<usize> = (0..k)
            .map(|i| {
                let key: Vec<usize> = levels[..=l].iter().map(|ids| ids[i]).collect();
                let n = map.len();
                *map.entry(key).or_insert(n)
            })
            .collect();
        nlevels.push(map.len());
        codes.push(c);
    }
    let factors: Vec<String> = (1..=nl)
        .map(|l| {
            let f: Vec<&str> = (0..l)
                .map(|j| factors.get(j).map_or("?", String::as_str))
                .collect();
            f.join("/")
        })
        .collect();
    for l in 0..nl {
        if nlevels[l] < 2 {
            return Err(Error::TooFew {
                analysis: format!("the random-effects factor '{}'", factors[l]),
                needed: 2,
                found: nlevels[l],
                unit: "levels",
                note: "; a variance component needs at least two levels".into(),
            });
        }
        let either_held = l > 0 && (held.get(l).copied().unwrap_or(false) || held[l - 1]);
        if l > 0 && nlevels[l] == nlevels[l - 1] && !either_held {
            return Err(Error::Singular {
                message: format!(
                    "the random-effects factors '{}' and '{}' group the effects identically ({} levels each): their variance components cannot be told apart; drop one of them",
                    factors[l - 1], factors[l], nlevels[l]
                ),
            });
        }
    }
    Ok((codes, nlevels, factors))
}

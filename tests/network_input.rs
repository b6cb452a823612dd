//! Network input that must be refused, never fitted silently (issue 30 items 5 and 12):
//! contradictory multi-arm contrasts (netmeta's `chkmultiarm`), pairwise variances that need a
//! negative arm variance, and component names that split into nothing.

mod common;

use common::cli::{assert_fails, run, write_csv};
use peerstat::data::{read_table, ColumnMap};
use peerstat::model::network::{table, ComponentSpec, Contrast, Network, TOL_MULTIARM};
use peerstat::Error;
use tempfile::TempDir;

fn c(s: &str, a: &str, b: &str, y: f64, v: f64) -> Contrast {
    Contrast {
        study: s.into(),
        treat1: a.into(),
        treat2: b.into(),
        yi: y,
        vi: v,
    }
}

/// Two-arm studies around a three-arm study `s1` (its contrasts given by the caller).
fn with_three_arm(s1: [Contrast; 3]) -> Vec<Contrast> {
    let mut v = s1.to_vec();
    v.extend([
        c("s2", "A", "B", 0.3, 0.2),
        c("s3", "B", "C", 0.2, 0.2),
        c("s4", "A", "C", 0.4, 0.2),
    ]);
    v
}

#[track_caller]
fn input_error(r: Result<impl std::fmt::Debug, Error>, needles: &[&str]) {
    match r {
        Err(e @ Error::Input { .. }) => {
            let msg = e.to_string();
            for n in needles {
                assert!(msg.contains(n), "{n:?} not in {msg}");
            }
        }
        other => panic!("expected an input error, got {other:?}"),
    }
}

/// The example: A–B 0.5, B–C 0.5, A–C −3 in one study ran with exit 0 (τ² 5.45).
#[test]
fn cli_refuses_contradictory_multi_arm_contrasts() {
    let dir = TempDir::new().unwrap();
    let bad = write_csv(
        &dir,
        "bad.csv",
        "study,treat1,treat2,yi,vi\nS1,A,B,0.5,0.1\nS1,B,C,0.5,0.1\nS1,A,C,-3,0.1\n\
         S2,A,B,0.3,0.2\nS3,B,C,0.2,0.2\nS4,A,C,0.4,0.2\n",
    );
    assert_fails(
        &run(&["network", &bad]),
        &[
            "S1",
            "A vs B",
            "B vs C",
            "A vs C",
            "discrepancy of 4",
            "arm-level",
        ],
    );
    // The same with standard errors.
    let sei = write_csv(
        &dir,
        "sei.csv",
        "study,treat1,treat2,yi,sei\nS1,A,B,0.5,0.3\nS1,B,C,0.5,0.3\nS1,A,C,-3,0.3\n\
         S2,A,B,0.3,0.4\nS3,B,C,0.2,0.4\nS4,A,C,0.4,0.4\n",
    );
    assert_fails(&run(&["network", &sei, "--format", "json"]), &["S1"]);
    // A consistent study still runs.
    let good = write_csv(
        &dir,
        "good.csv",
        "study,treat1,treat2,yi,vi\nS1,A,B,0.5,0.1\nS1,B,C,0.5,0.1\nS1,A,C,1,0.1\n\
         S2,A,B,0.3,0.2\nS3,B,C,0.2,0.2\nS4,A,C,0.4,0.2\n",
    );
    let (code, _, err) = run(&["network", &good]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn library_refuses_contradictory_contrasts_in_both_models() {
    let data = with_three_arm([
        c("s1", "A", "B", 0.5, 0.1),
        c("s1", "B", "C", 0.5, 0.1),
        c("s1", "A", "C", -3.0, 0.1),
    ]);
    input_error(Network::new().fit(&data), &["s1", "A vs C", "arm-level"]);
    let spec = ComponentSpec::separator("+");
    input_error(Network::new().fit_components(&data, &spec), &["s1"]);
}

/// A pair given reversed counts with its sign turned: B–C 0.5 is C–B −0.5.
#[test]
fn reversed_pairs_are_checked_with_their_sign() {
    let ok = with_three_arm([
        c("s1", "A", "B", 0.5, 0.1),
        c("s1", "C", "B", -0.5, 0.1),
        c("s1", "C", "A", -1.0, 0.1),
    ]);
    Network::new().fit(&ok).unwrap();
    let bad = with_three_arm([
        c("s1", "A", "B", 0.5, 0.1),
        c("s1", "C", "B", 0.5, 0.1),
        c("s1", "C", "A", -1.0, 0.1),
    ]);
    input_error(Network::new().fit(&bad), &["s1", "inconsistent"]);
}

/// The same pair twice in one study (either way round, equal or different values) is refused.
#[test]
fn a_pair_given_twice_is_refused() {
    for (a, b, y) in [
        ("A", "B", 0.5),
        ("A", "B", 0.7),
        ("B", "A", -0.5),
        ("B", "A", 0.1),
    ] {
        let mut data = with_three_arm([
            c("s1", "A", "B", 0.5, 0.1),
            c("s1", "B", "C", 0.5, 0.1),
            c("s1", "A", "C", 1.0, 0.1),
        ]);
        data.push(c("s1", a, b, y, 0.1));
        input_error(Network::new().fit(&data), &["s1", "twice"]);
    }
}

/// netmeta's tolerance is on the least-squares residuals (a third of a three-arm
/// discrepancy): rounding passes, more does not.
#[test]
fn the_tolerance_is_netmetas() {
    assert_eq!(TOL_MULTIARM, 0.001);
    let at = |gap: f64| {
        with_three_arm([
            c("s1", "A", "B", 0.5, 0.1),
            c("s1", "B", "C", 0.5, 0.1),
            c("s1", "A", "C", 1.0 + gap, 0.1),
        ])
    };
    Network::new().fit(&at(0.0029)).unwrap();
    Network::new().fit(&at(-0.0029)).unwrap();
    input_error(Network::new().fit(&at(0.0031)), &["s1"]);
    input_error(Network::new().fit(&at(-0.0031)), &["s1"]);
}

/// A four-arm study with one bad contrast names the three most discrepant treatments.
#[test]
fn a_four_arm_study_names_its_worst_triple() {
    let d = [("A", 0.0), ("B", 0.4), ("C", 0.9), ("D", 1.5)];
    let mut data = Vec::new();
    for (i, (ti, di)) in d.iter().enumerate() {
        for (tj, dj) in &d[i + 1..] {
            let y = if (*ti, *tj) == ("C", "D") {
                2.0
            } else {
                di - dj
            };
            data.push(c("big", ti, tj, y, 0.2));
        }
    }
    data.push(c("s2", "A", "D", -1.2, 0.3));
    input_error(
        Network::new().fit(&data),
        &["study 'big'", "C vs D", "discrepancy of 2.6"],
    );
}

/// Contrast rows of a consistent three-arm study give the fit of its arm rows.
#[test]
fn consistent_contrast_rows_fit_as_their_arms() {
    let arms = "study,treatment,n,mean,sd\nS1,A,20,1.0,1.0\nS1,B,25,2.0,1.5\nS1,C,30,3.5,0.8\n\
                S2,A,30,1.2,1.1\nS2,B,30,1.9,1.4\nS3,B,40,2.0,1.0\nS3,C,40,2.4,1.2\n";
    let dir = TempDir::new().unwrap();
    let path = write_csv(&dir, "arms.csv", arms);
    let t = read_table(std::path::Path::new(&path), &ColumnMap::new()).unwrap();
    let from_arms = table::contrasts_from_arms(
        &t,
        "study",
        "treatment",
        peerstat::effect::Measure::Md,
        &Default::default(),
    )
    .unwrap();
    let a = Network::new().fit(&from_arms).unwrap();
    let mut rows = "study,treat1,treat2,yi,vi\n".to_string();
    for x in &from_arms {
        rows += &format!("{},{},{},{},{}\n", x.study, x.treat1, x.treat2, x.yi, x.vi);
    }
    let path = write_csv(&dir, "rows.csv", &rows);
    let t = read_table(std::path::Path::new(&path), &ColumnMap::new()).unwrap();
    let b = Network::new()
        .fit(&table::contrasts_from_rows(&t, "study").unwrap())
        .unwrap();
    assert_eq!(a.tau2, b.tau2);
    assert_eq!(a.q_total, b.q_total);
    for (x, y) in a.random.estimates.iter().zip(&b.random.estimates) {
        assert_eq!((x.estimate, x.se), (y.estimate, y.se));
    }
}

/// Pairwise variances that need a negative arm variance: V_AC = 0.5 > V_AB + V_BC = 0.2.
#[test]
fn variances_needing_a_negative_arm_variance_are_refused() {
    let data = with_three_arm([
        c("s1", "A", "B", 0.5, 0.1),
        c("s1", "B", "C", 0.5, 0.1),
        c("s1", "A", "C", 1.0, 0.5),
    ]);
    input_error(
        Network::new().fit(&data),
        &["s1", "negative variance", "'B'"],
    );
    // A zero arm variance (V_AC = V_AB + V_BC) is allowed, as in netmeta (a warning there).
    let zero = with_three_arm([
        c("s1", "A", "B", 0.5, 0.1),
        c("s1", "B", "C", 0.5, 0.1),
        c("s1", "A", "C", 1.0, 0.2),
    ]);
    Network::new().fit(&zero).unwrap();
}

/// Arm-level rows are computed pair by pair (an SMD with each pair's pooled SD, a zero-cell
/// correction for the pairs with the zero): they need not add up and are not refused.
#[test]
fn arm_level_rows_are_not_checked_for_additivity() {
    let dir = TempDir::new().unwrap();
    let cont = write_csv(
        &dir,
        "cont.csv",
        "study,treatment,n,mean,sd\nS1,A,20,1.0,1.0\nS1,B,25,2.0,3.0\nS1,C,30,3.5,0.5\n\
         S2,A,30,1.2,1.1\nS2,B,30,1.9,1.4\nS3,B,40,2.0,1.0\nS3,C,40,2.4,1.2\n",
    );
    let (code, _, err) = run(&["network", &cont, "--measure", "SMD"]);
    assert_eq!(code, 0, "{err}");
    let bin = write_csv(
        &dir,
        "bin.csv",
        "study,treatment,events,n\nS1,A,0,20\nS1,B,5,25\nS1,C,10,30\n\
         S2,A,3,30\nS2,B,6,30\nS3,B,4,40\nS3,C,9,40\n",
    );
    for m in ["OR", "RR", "RD"] {
        let (code, _, err) = run(&["network", &bin, "--measure", m]);
        assert_eq!(code, 0, "{m}: {err}");
    }
}

/// A treatment named as the separator split into empty component names and became inactive
/// silently (issue 30 item 12).
#[test]
fn a_treatment_of_no_component_names_is_refused() {
    let dir = TempDir::new().unwrap();
    let plus = write_csv(
        &dir,
        "plus.csv",
        "study,treat1,treat2,yi,vi\ns1,A,+,0.5,0.1\ns2,A,B,0.3,0.2\ns3,B,+,0.2,0.2\n\
         s4,A+B,B,0.4,0.2\n",
    );
    assert_fails(
        &run(&["network", &plus, "--components-sep", "+"]),
        &["treatment '+'", "empty component", "--inactive"],
    );
    // Declared inactive, it is the inactive treatment it was taken for.
    let (code, _, err) = run(&["network", &plus, "--components-sep", "+", "--inactive", "+"]);
    assert_eq!(code, 0, "{err}");
    // A doubled or trailing separator in the library too.
    let data = vec![
        c("s1", "A", "A++B", 0.5, 0.1),
        c("s2", "A", "B+", 0.3, 0.2),
        c("s3", "B+", "A++B", 0.2, 0.2),
    ];
    match Network::new().fit_components(&data, &ComponentSpec::separator("+")) {
        Err(e @ Error::Setting { .. }) => {
            assert!(e.to_string().contains("'A++B'"), "{e}")
        }
        other => panic!("expected a setting error, got {other:?}"),
    }
    // A combination with an empty part.
    let ok = vec![
        c("s1", "A", "P", 0.5, 0.1),
        c("s2", "A+B", "P", 0.3, 0.2),
        c("s3", "B", "A", 0.2, 0.2),
    ];
    let spec = ComponentSpec::separator("+")
        .inactive("P")
        .combination("A+");
    match Network::new().fit_components(&ok, &spec) {
        Err(e @ Error::Setting { .. }) => {
            assert!(e.to_string().contains("combination 'A+'"), "{e}")
        }
        other => panic!("expected a setting error, got {other:?}"),
    }
}

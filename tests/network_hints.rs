//! `network`: the hint for a missing arm column leads somewhere (`--col mean=ACTUAL` renames an
//! arm column of the network shape), and `--title` titles its plots (issue 27 §4).

mod common;

use common::cli::{path_str, run, write_csv};

const ARMS: &str = "study,treatment,n,avg,sd
s1,A,50,10.1,2
s1,B,50,9.0,2.1
s2,A,40,10.5,2.2
s2,C,42,9.8,2.0
s3,B,45,9.2,2.1
s3,C,47,9.9,2.3
s4,A,30,10.0,2.5
s4,B,31,9.1,2.4
";

#[test]
fn following_the_missing_arm_column_hint_works() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(&dir, "arms.csv", ARMS);
    let (code, _, err) = run(&["network", &f, "--measure", "MD"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("hint: rename a column with --col mean=ACTUAL"),
        "{err}"
    );
    let (code, out, err) = run(&["network", &f, "--measure", "MD", "--col", "mean=avg"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("4 studies, 4 pairwise comparisons, 3 treatments"),
        "{out}"
    );
    // binary arms too
    let bin = write_csv(
        &dir,
        "bin.csv",
        "study,treatment,ev,n\ns1,A,5,50\ns1,B,9,50\ns2,A,4,40\ns2,C,8,42\n",
    );
    let (code, _, err) = run(&["network", &bin, "--measure", "OR", "--col", "events=ev"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn network_plots_carry_the_given_title_or_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(&dir, "arms.csv", &ARMS.replace("avg", "mean"));
    let graph = path_str(&dir.path().join("graph.svg"));
    let league = path_str(&dir.path().join("league.svg"));
    let (code, _, err) = run(&[
        "network",
        &f,
        "--measure",
        "MD",
        "--graph",
        &graph,
        "--league",
        &league,
        "--title",
        "Self-management",
    ]);
    assert_eq!(code, 0, "{err}");
    let g = std::fs::read_to_string(&graph).unwrap();
    assert!(g.contains("Self-management — network"), "{g}");
    assert!(std::fs::read_to_string(&league)
        .unwrap()
        .contains("Self-management — league table"));
    let (code, _, err) = run(&["network", &f, "--measure", "MD", "--graph", &graph]);
    assert_eq!(code, 0, "{err}");
    let g = std::fs::read_to_string(&graph).unwrap();
    assert!(
        g.contains(">arms.csv — network<") && !g.contains(&f),
        "the title is the path"
    );
}

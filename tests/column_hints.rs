//! Misspelt columns are named with "did you mean" (issue 27 §4): an arm column (`mean_tx`)
//! behind "no row has a usable effect", and codebook columns (`risk_of_bais`,
//! `higher_is_beter`) that were silently kept as extra moderators. Following the hint works.

mod common;

use common::cli::{path_str, run, write_csv};

const ROWS: &str = "A,mental health,true,low,50,10.2,2.1,50,9.5,2.3
B,mental health,true,high,40,11.0,2.5,42,10.1,2.4
C,mental health,true,low,60,9.8,2.2,61,9.6,2.0
D,mental health,true,some concerns,35,10.9,2.6,33,10.0,2.7
";

fn csv(header: &str) -> String {
    format!("{header}\n{ROWS}")
}

#[test]
fn a_misspelt_arm_column_is_named_with_the_columns_each_effect_needs() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(
        &dir,
        "typo.csv",
        &csv("study,outcome_domain,higher_is_better,risk_of_bias,n_t,mean_tx,sd_t,n_c,mean_c,sd_c"),
    );
    let out = path_str(&dir.path().join("report"));
    let (code, _, err) = run(&["evaluate", &f, "-o", &out]);
    assert_eq!(code, 2, "{err}");
    for needle in [
        "no row has a usable effect",
        "continuous arms (n_t, mean_t, sd_t, n_c, mean_c, sd_c): missing mean_t",
        "a 2x2 table (events_t, n_t, events_c, n_c): missing events_t, events_c",
        "an effect as given (yi, vi or sei): missing yi, vi or sei",
        "column `mean_tx`: did you mean `mean_t`?",
    ] {
        assert!(err.contains(needle), "lacks {needle:?}: {err}");
    }
    // the hint leads somewhere: mapping the column reads the data
    let (code, _, err) = run(&["evaluate", &f, "-o", &out, "--col", "mean_t=mean_tx"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("Across 4 trials"), "{err}");
}

#[test]
fn misspelt_codebook_columns_are_named_not_taken_as_moderators() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(
        &dir,
        "typo.csv",
        &csv("study,outcome_domain,higher_is_beter,risk_of_bais,n_t,mean_t,sd_t,n_c,mean_c,sd_c"),
    );
    let out = path_str(&dir.path().join("report"));
    let (code, _, err) = run(&["evaluate", &f, "-o", &out, "--assume-higher-is-better"]);
    assert_eq!(code, 0, "{err}");
    for needle in [
        "warning: column `higher_is_beter` is not read (kept as an extra moderator): did you mean `higher_is_better`?",
        "warning: column `risk_of_bais` is not read (kept as an extra moderator): did you mean `risk_of_bias`? Rename it, or map it with --col risk_of_bias=risk_of_bais",
    ] {
        assert!(err.contains(needle), "lacks {needle:?}: {err}");
    }
    // in the report and results.json too
    let html = std::fs::read_to_string(dir.path().join("report/index.html")).unwrap();
    assert!(
        html.contains("did you mean `risk_of_bias`?"),
        "not in the report"
    );
    let json = std::fs::read_to_string(dir.path().join("report/results.json")).unwrap();
    assert!(json.contains("\"misspelt\""));
    // the warning is given before an error about the data it explains
    let (code, _, err) = run(&["evaluate", &f, "-o", &out]);
    assert_eq!(code, 2);
    let warn = err
        .find("did you mean `higher_is_better`")
        .expect("no warning");
    let error = err.find("error:").expect("no error");
    assert!(warn < error, "{err}");
    // following the hint: mapped, the columns are read and nothing is flagged
    let (code, _, err) = run(&[
        "evaluate",
        &f,
        "-o",
        &out,
        "--col",
        "risk_of_bias=risk_of_bais",
        "--col",
        "higher_is_better=higher_is_beter",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("did you mean"), "{err}");
    // columns far from any name read are plain moderators, not flagged
    let g = write_csv(
        &dir,
        "fine.csv",
        &csv("study,outcome_domain,higher_is_better,risk_of_bias,n_t,mean_t,sd_t,n_c,mean_c,sd_c")
            .replace("sd_c\n", "sd_c,setting_notes\n")
            .replace('\n', ",x\n")
            .replacen(",x\n", "\n", 1),
    );
    let (code, _, err) = run(&["evaluate", &g, "-o", &out]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("did you mean"), "{err}");
}

//! Identities of structured random-effects terms that a wrong implementation would miss:
//! compound symmetry over the schools of a district is the nested model district/school
//! (σ²_district = ρτ², σ²_school = (1 − ρ)τ², the same likelihood); the scaled identity is the
//! nested model with the district component held at 0; row order does not matter; a held τ² is
//! exact and cannot raise the likelihood.

mod common;

use common::cli::*;

/// `|a − b| ≤ tol·max(1, |b|)`.
#[track_caller]
fn near(what: &str, a: f64, b: f64, tol: f64) {
    assert!(
        (a - b).abs() <= tol * b.abs().max(1.0),
        "{what}: {a} vs {b} (diff {:e})",
        (a - b).abs()
    );
}

fn arr(v: &serde_json::Value, key: &str) -> Vec<f64> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} missing"))
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn compound_symmetry_is_the_nested_model() {
    let k11 = fixture("konstantopoulos2011.csv");
    let nested = meta_json(&[&k11, "--random", "~ 1 | district/school", "--no-profile-ci"]);
    let cs = meta_json(&[
        &k11,
        "--random",
        "~ school | district",
        "--struct",
        "CS",
        "--no-profile-ci",
    ]);
    let s2 = arr(&nested, "sigma2");
    let (tau2, rho) = (arr(&cs, "struct_tau2")[0], arr(&cs, "struct_rho")[0]);
    near("loglik", num(&cs, "loglik"), num(&nested, "loglik"), 1e-9);
    near("rho tau2 = sigma2 district", rho * tau2, s2[0], 1e-6);
    near(
        "(1 - rho) tau2 = sigma2 school",
        (1.0 - rho) * tau2,
        s2[1],
        1e-6,
    );
    near(
        "estimate",
        num(&cs, "estimate"),
        num(&nested, "estimate"),
        1e-7,
    );
    near("se", num(&cs, "se"), num(&nested, "se"), 1e-6);
    // The published REML values (metafor's konstantopoulos2011 example).
    near("published sigma2 district", s2[0], 0.0651, 1e-3 / 0.0651);
    // CS counts two parameters, as the nested model does: the same AIC.
    near("aic", num(&cs, "aic"), num(&nested, "aic"), 1e-9);
}

#[test]
fn scaled_identity_is_the_inner_component_alone() {
    let k11 = fixture("konstantopoulos2011.csv");
    let nested = meta_json(&[
        &k11,
        "--random",
        "~ 1 | district/school",
        "--sigma2",
        "0,NA",
        "--no-profile-ci",
    ]);
    let id = meta_json(&[
        &k11,
        "--random",
        "~ school | district",
        "--struct",
        "ID",
        "--no-profile-ci",
    ]);
    near("loglik", num(&id, "loglik"), num(&nested, "loglik"), 1e-9);
    near(
        "tau2",
        arr(&id, "struct_tau2")[0],
        arr(&nested, "sigma2")[1],
        1e-6,
    );
    assert!(arr(&id, "struct_rho").is_empty());
}

#[test]
fn row_order_does_not_matter() {
    let dir = tempfile::TempDir::new().unwrap();
    let text = std::fs::read_to_string(fixture("ishak2007_long.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    lines.rotate_left(17);
    let shuffled = write_csv(
        &dir,
        "shuffled.csv",
        &format!("{header}\n{}\n", lines.join("\n")),
    );
    let args = |f: &str| -> serde_json::Value {
        meta_json(&[
            f,
            "--random",
            "~ time | study",
            "--struct",
            "HAR",
            "--mods",
            "timef",
            "--vcalc",
            "cluster=study,time=time,phi=0.97,rho=1",
            "--no-profile-ci",
        ])
    };
    let (a, b) = (args(&fixture("ishak2007_long.csv")), args(&shuffled));
    near("loglik", num(&a, "loglik"), num(&b, "loglik"), 1e-10);
    for (x, y) in arr(&a, "struct_tau2").iter().zip(arr(&b, "struct_tau2")) {
        near("tau2", *x, y, 1e-8);
    }
    near(
        "rho",
        arr(&a, "struct_rho")[0],
        arr(&b, "struct_rho")[0],
        1e-8,
    );
    near("estimate", num(&a, "estimate"), num(&b, "estimate"), 1e-8);
    assert_eq!(arr(&a, "struct_tau2").len(), 4);
}

#[test]
fn a_held_tau2_is_exact_and_costs_likelihood() {
    let b = fixture("berkey1998.csv");
    let base = [
        b.as_str(),
        "--random",
        "~ outcome | trial",
        "--struct",
        "HCS",
        "--vcov-cols",
        "v1i,v2i",
        "--mods",
        "outcome",
        "--no-profile-ci",
    ];
    let free = meta_json(&base);
    let mut args = base.to_vec();
    args.extend(["--tau2", "NA,0.05", "--struct-rho", "0.5"]);
    let held = meta_json(&args);
    assert_eq!(arr(&held, "struct_tau2")[1], 0.05);
    assert_eq!(arr(&held, "struct_rho")[0], 0.5);
    assert_eq!(held["struct_tau2_fixed"], serde_json::json!([false, true]));
    assert!(num(&held, "loglik") < num(&free, "loglik"));
    // Two parameters fewer: AIC = -2 ll + 2 (p + 1).
    near(
        "aic",
        num(&held, "aic"),
        -2.0 * num(&held, "loglik") + 2.0 * 3.0,
        1e-12,
    );
    // A wrong count and a correlation out of range are setting errors naming the flag.
    let mut bad = base.to_vec();
    bad.extend(["--tau2", "0.1"]);
    assert_fails(&run(&[&["meta"], &bad[..]].concat()), &["--tau2"]);
    let mut bad = base.to_vec();
    bad.extend(["--struct-rho", "1.5"]);
    assert_fails(&run(&[&["meta"], &bad[..]].concat()), &["--struct-rho"]);
}

#[test]
fn test_t_is_knha_under_random() {
    let k11 = fixture("konstantopoulos2011.csv");
    let a = meta_json(&[
        &k11,
        "--random",
        "~ 1 | district/school",
        "--test",
        "t",
        "--no-profile-ci",
    ]);
    let b = meta_json(&[
        &k11,
        "--random",
        "~ 1 | district/school",
        "--knha",
        "--no-profile-ci",
    ]);
    assert_eq!(num(&a, "df"), 55.0);
    assert_eq!(num(&a, "p_value"), num(&b, "p_value"));
    assert_fails(
        &run(&[
            "meta",
            &k11,
            "--random",
            "~ 1 | district/school",
            "--test",
            "z",
            "--knha",
        ]),
        &["--test z", "--knha"],
    );
}

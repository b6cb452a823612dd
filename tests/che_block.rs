//! A cluster larger than the multilevel block limit is refused with an error naming the
//! cluster, its size and the limit (issue 30, item 6).

use peerstat::error::{Error, Setting};
use peerstat::model::multilevel::MultilevelModel;

#[test]
fn a_block_over_the_limit_is_refused() {
    // Study 0 has 6 effects, studies 1 and 2 have 2.
    let study = [0, 0, 0, 0, 0, 0, 1, 1, 2, 2];
    let levels = vec![study.to_vec(), (0..10).collect()];
    let y: Vec<f64> = (0..10).map(|i| 0.1 * i as f64).collect();
    let v = vec![0.05; 10];
    let x = nalgebra::DMatrix::from_element(10, 1, 1.0);
    let names = vec!["intrcpt".to_string()];
    let err = MultilevelModel::new()
        .max_block(5)
        .fit(&y, &v, &levels, &x, &names)
        .unwrap_err();
    match err {
        Error::Setting { setting, message } => {
            assert_eq!(setting, Setting::MaxBlock);
            assert!(message.contains("6 effects"), "{message}");
            assert!(message.contains("limit of 5"), "{message}");
        }
        e => panic!("unexpected error {e}"),
    }
    assert!(MultilevelModel::new()
        .max_block(6)
        .fit(&y, &v, &levels, &x, &names)
        .is_ok());
}

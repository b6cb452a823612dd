//! The exception hierarchy: every `peerstat::Error` becomes one of these, with the library's
//! message (which names the file or table, row and column where the input is at fault).

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    _native,
    PeerstatError,
    PyException,
    "Base class of every error peerstat raises."
);
create_exception!(
    _native,
    InputError,
    PeerstatError,
    "The input cannot support the analysis: a missing column, a bad cell (with its row and \
     column), an unreadable file or table, too few studies."
);
create_exception!(
    _native,
    SettingError,
    PeerstatError,
    "An option is out of range, unknown, or contradicts another."
);
create_exception!(
    _native,
    ModelError,
    PeerstatError,
    "The model cannot be fitted to valid input: no convergence, an undefined estimate, \
     collinear moderators."
);
create_exception!(
    _native,
    FileError,
    PeerstatError,
    "A file cannot be opened, read or written."
);

/// The Python exception of a library error, with the same message.
pub(crate) fn to_py(e: peerstat::Error) -> PyErr {
    use peerstat::Error as E;
    let msg = e.to_string();
    match e {
        E::Setting { .. } => SettingError::new_err(msg),
        E::Io { .. } => FileError::new_err(msg),
        E::NotConverged { .. }
        | E::Undefined { .. }
        | E::Singular { .. }
        | E::NoStudies
        | E::BadStudy { .. }
        | E::UnequalLengths { .. }
        | E::TooFewStudies { .. }
        | E::NotRepresentable { .. }
        | E::Tau2NotConverged { .. } => ModelError::new_err(msg),
        _ => InputError::new_err(msg),
    }
}

/// A bad option found by the bindings themselves (before the library sees it).
pub(crate) fn setting(msg: impl Into<String>) -> PyErr {
    SettingError::new_err(msg.into())
}

/// Adds the exception classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("PeerstatError", py.get_type::<PeerstatError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("SettingError", py.get_type::<SettingError>())?;
    m.add("ModelError", py.get_type::<ModelError>())?;
    m.add("FileError", py.get_type::<FileError>())?;
    Ok(())
}

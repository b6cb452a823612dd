#!/usr/bin/env bash
# CI for the Python package: a virtual environment with maturin, pytest, pyarrow, pandas, polars
# (and PyMARE for the comparison tests), a debug build of the extension (`maturin develop`), then
# pytest. Called by .ci/run; fails on the first failure.
#
# Environment: PYTHON (default python3), PEERSTAT_VENV (default python/.venv-ci). The extension
# is built into the repository's target directory (CARGO_TARGET_DIR if set), sharing the core
# crate's compiled dependencies.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
py="${PYTHON:-python3}"
venv="${PEERSTAT_VENV:-$here/.venv-ci}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

if [ ! -x "$venv/bin/python" ]; then
  "$py" -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --upgrade pip >/dev/null
"$venv/bin/python" -m pip install -q "maturin>=1.5,<2" pytest pyarrow pandas polars numpy
# PyMARE is optional (its tests are skipped without it): a failed install does not fail CI.
"$venv/bin/python" -m pip install -q PyMARE >/dev/null 2>&1 || echo "NOTICE: PyMARE not installed; its comparison tests are skipped"

# The CLI the tests compare with (debug, as `cargo test` builds it).
(cd "$root" && cargo build --quiet)
(cd "$here" && cargo fmt --check && cargo clippy --quiet -- -D warnings)
(cd "$here" && VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" maturin develop --quiet)
(cd "$here" && "$venv/bin/python" -m pytest -q tests)

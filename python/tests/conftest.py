"""Shared fixtures: the repository root, the fixtures folder, and the `peerstat` CLI (the debug
binary, built by cargo if needed) whose JSON the Python results must equal float for float."""

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"


def _cli_path():
    env = os.environ.get("PEERSTAT_BIN")
    if env:
        return [env]
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    binary = target / "debug" / "peerstat"
    if not binary.exists():
        subprocess.run(["cargo", "build", "-q"], cwd=ROOT, check=True)
    return [str(binary)]


@pytest.fixture(scope="session")
def cli():
    """Runs `peerstat ARGS` from the repository root; returns the completed process."""
    base = _cli_path()

    def run(*args, check=True):
        p = subprocess.run(base + [str(a) for a in args], cwd=ROOT, capture_output=True, text=True)
        if check and p.returncode != 0:
            raise AssertionError(f"peerstat {' '.join(map(str, args))} failed: {p.stderr}")
        return p

    return run


@pytest.fixture(scope="session")
def cli_json(cli):
    """`peerstat ARGS --format json`, parsed."""

    def run(*args):
        return json.loads(cli(*args, "--format", "json").stdout)

    return run


@pytest.fixture(scope="session")
def fixtures():
    return FIXTURES

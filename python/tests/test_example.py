"""The example script runs and prints the BCG results."""

import runpy
from pathlib import Path


def test_bcg_example_runs(capsys):
    runpy.run_path(str(Path(__file__).resolve().parents[1] / "examples" / "bcg.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "Random-Effects Model (k = 13; tau^2 estimator: REML)" in out
    assert "pooled log RR -0.7145" in out
    assert "shape: (5," in out  # the polars bulk result

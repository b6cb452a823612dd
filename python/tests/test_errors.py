"""Errors are Python exceptions of the right class with the library's (the CLI's) messages."""

import pandas as pd
import polars as pl
import pytest

import peerstat


def cli_error(cli, *args):
    p = cli(*args, check=False)
    assert p.returncode != 0
    line = next(l for l in p.stderr.splitlines() if l.startswith("error: "))
    return line[len("error: "):]


def test_hierarchy():
    for cls in (peerstat.InputError, peerstat.SettingError, peerstat.ModelError, peerstat.FileError):
        assert issubclass(cls, peerstat.PeerstatError)
        assert issubclass(cls, Exception)


def test_missing_column_has_the_cli_message(cli, fixtures, monkeypatch):
    monkeypatch.chdir(fixtures.parent)
    expected = cli_error(cli, "meta", "fixtures/bcg.csv", "--measure", "SMD")
    with pytest.raises(peerstat.InputError) as e:
        peerstat.meta("fixtures/bcg.csv", measure="SMD")
    assert str(e.value) == expected
    assert "missing column 'mean_t'" in expected


def test_bad_cell_names_row_and_column(cli, fixtures, tmp_path):
    df = pd.read_csv(fixtures / "normand1999.csv")
    df.loc[2, "sd_t"] = -3.0
    bad = tmp_path / "bad.csv"
    df.to_csv(bad, index=False)
    expected = cli_error(cli, "meta", bad, "--measure", "SMD", "--strict")
    with pytest.raises(peerstat.InputError) as e:
        peerstat.meta(bad, measure="SMD", strict=True)
    assert str(e.value) == expected
    assert "row 3" in expected


def test_unknown_measure_and_method_are_setting_errors():
    df = pl.DataFrame({"yi": [0.1, 0.2, 0.3], "vi": [0.01, 0.02, 0.03]})
    with pytest.raises(peerstat.SettingError, match="unknown measure 'XX'"):
        peerstat.meta(df, measure="XX")
    with pytest.raises(peerstat.SettingError, match="unknown method 'FOO'"):
        peerstat.meta(df, method="FOO")
    with pytest.raises(peerstat.SettingError, match="level"):
        peerstat.meta(df, level=120)
    with pytest.raises(peerstat.SettingError, match="'n_tt=n1'"):
        peerstat.meta(df, columns={"n_tt": "n1"})


def test_peto_needs_or(fixtures):
    with pytest.raises(peerstat.SettingError, match="PETO gives an odds ratio"):
        peerstat.meta(fixtures / "bcg.csv", measure="RR", method="PETO")


def test_missing_file_is_a_file_error(tmp_path):
    with pytest.raises(peerstat.FileError, match="nope.csv"):
        peerstat.meta(tmp_path / "nope.csv", measure="GEN")


def test_non_convergence_is_a_model_error(cli, fixtures, monkeypatch):
    monkeypatch.chdir(fixtures.parent)
    expected = cli_error(cli, "meta", "fixtures/bcg.csv", "--measure", "RR", "--max-iter", "1")
    with pytest.raises(peerstat.ModelError) as e:
        peerstat.meta("fixtures/bcg.csv", measure="RR", max_iter=1)
    assert str(e.value) == expected


def test_unsupported_types_are_input_errors_not_crashes():
    df = pl.DataFrame({"yi": [0.1, 0.2], "vi": [[1.0], [2.0]]})
    with pytest.raises(peerstat.InputError, match="unsupported type"):
        peerstat.meta(df)
    with pytest.raises(TypeError, match="Arrow PyCapsule"):
        peerstat.meta([1, 2, 3])
    with pytest.raises(peerstat.InputError, match="no data rows"):
        peerstat.meta(pl.DataFrame({"yi": [], "vi": []}, schema={"yi": pl.Float64, "vi": pl.Float64}))


def test_durations_are_refused():
    import datetime

    df = pl.DataFrame({"yi": [0.1, 0.2], "vi": [0.1, 0.2], "t": [datetime.timedelta(1), datetime.timedelta(2)]})
    with pytest.raises(peerstat.InputError, match="duration"):
        peerstat.meta(df)

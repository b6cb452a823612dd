"""evaluate and map against the CLI on the demo evidence base."""

import json
import os

import polars as pl
import pytest

import peerstat


def test_evaluate_equals_cli(cli, fixtures, tmp_path, monkeypatch):
    root = fixtures.parent
    monkeypatch.chdir(root)
    cli("evaluate", "seeds/demo.parquet", "-o", tmp_path / "cli")
    expected = json.loads((tmp_path / "cli" / "results.json").read_text())
    ev = peerstat.evaluate("seeds/demo.parquet", tmp_path / "py")
    assert ev.to_dict() == expected
    assert sorted(os.listdir(tmp_path / "py")) == sorted(os.listdir(tmp_path / "cli"))
    assert (tmp_path / "py" / "egm.html").read_text() == (tmp_path / "cli" / "egm.html").read_text()
    assert len(ev.domains) >= 3


def test_evaluate_refuses_a_folder_with_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(peerstat.SettingError, match=r"notes.txt"):
        peerstat.evaluate(os.path.join(os.path.dirname(__file__), "..", "..", "seeds", "demo.parquet"), tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_map_equals_cli(cli_json, fixtures, monkeypatch, tmp_path):
    monkeypatch.chdir(fixtures.parent)
    expected = cli_json("map", "seeds/demo.parquet")
    got = peerstat.map("seeds/demo.parquet", html=tmp_path / "egm.html")
    assert got.to_dict() == expected
    assert (tmp_path / "egm.html").stat().st_size > 10_000
    # From polars, with the costs given explicitly: the same map.
    frame = pl.read_parquet("seeds/demo.parquet")
    costs = pl.read_parquet("seeds/demo_costs.parquet")
    assert peerstat.map(frame, costs=costs, name="seeds/demo.parquet").to_dict()["cells"] == expected["cells"]

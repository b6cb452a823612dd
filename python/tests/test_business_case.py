"""``peerstat.business_case`` against ``peerstat business-case``: identical numbers."""

import pytest

import peerstat
from conftest import ROOT

DEMO = ROOT / "seeds" / "demo_scenario.toml"


def test_business_case_equals_cli_json(cli_json, tmp_path):
    expected = cli_json("business-case", "seeds/demo_scenario.toml")
    svg = tmp_path / "tornado.svg"
    case = peerstat.business_case(DEMO, tornado=svg)
    assert case.to_dict() == expected
    assert case.npv == expected["npv"]
    assert "Net present value" in str(case)
    assert 'class="tornado"' in svg.read_text()


def test_business_case_from_a_dict_and_errors_name_the_key():
    scenario = {
        "population": {"eligible": 12000, "uptake": [0.1, 0.2, 0.3]},
        "programme": {"cost_per_participant": 350.0, "fixed_cost_per_year": 50000.0},
        "outcome": {
            "measure": "RR",
            "estimate": 0.8,
            "ci_lower": 0.8,
            "ci_upper": 0.8,
            "baseline_rate": 0.9,
            "unit_cost": 2500.0,
        },
        "appraisal": {"draws": 200},
    }
    case = peerstat.business_case(scenario)
    assert case.years[0]["events_avoided"] == pytest.approx(216.0, rel=1e-12)
    del scenario["outcome"]["unit_cost"]
    with pytest.raises(peerstat.InputError, match="outcome.unit_cost"):
        peerstat.business_case(scenario)

"""``peerstat.cea(..., params=, evppi=, evsi=, population=)`` against ``peerstat cea --params
--evppi …``: identical numbers on voi's chemotherapy example."""

import pyarrow.csv as pacsv
import pytest

import peerstat
from conftest import FIXTURES

CEA = FIXTURES / "econ" / "voi" / "chemo_cea.csv"
PARS = FIXTURES / "econ" / "voi" / "chemo_pars.csv"


def test_evppi_by_gam_and_strong_oakley_equal_the_cli(cli_json):
    expected = cli_json(
        "cea", "fixtures/econ/voi/chemo_cea.csv", "--params", "fixtures/econ/voi/chemo_pars.csv",
        "--evppi", "p_side_effects_t2", "--evppi", "p_side_effects_t2,logor_side_effects",
        "--wtp", "20000",
    )
    fit = peerstat.cea(
        CEA, params=PARS, evppi=["p_side_effects_t2", "p_side_effects_t2,logor_side_effects"],
        wtp=[20000], name="fixtures/econ/voi/chemo_cea.csv",
    )
    got = fit.to_dict()
    assert got == expected
    evppi = got["by_wtp"][0]["evppi"]
    assert [e["parameters"] for e in evppi] == [
        ["p_side_effects_t2"], ["p_side_effects_t2", "logor_side_effects"]]
    # voi's published GAM EVPPI for p_side_effects_t2 at 20,000 (its tests): 262.1109, to 0.5 %.
    assert evppi[0]["evppi"] == pytest.approx(262.1109, rel=5e-3)


def test_strong_oakley_evsi_and_population_equal_the_cli_from_a_table(cli_json):
    expected = cli_json(
        "cea", "fixtures/econ/voi/chemo_cea.csv", "--params", "fixtures/econ/voi/chemo_pars.csv",
        "--evppi", "p_side_effects_t2", "--evppi-method", "so", "--blocks", "20", "--wtp", "20000",
        "--evsi", "trial-binary:p_side_effects_t1,p_side_effects_t2", "--evsi-n", "100,1000",
        "--population", "1000", "--horizon", "5", "--discount", "0.035",
    )
    fit = peerstat.cea(
        CEA, params=pacsv.read_csv(PARS), evppi="p_side_effects_t2", evppi_method="so", blocks=20,
        wtp=[20000], evsi="trial-binary:p_side_effects_t1,p_side_effects_t2", evsi_n=[100, 1000],
        population=1000, horizon=5, discount=0.035, name="fixtures/econ/voi/chemo_cea.csv",
    )
    assert fit.to_dict() == expected
    # voi's tests: Strong-Oakley with 20 blocks gives 261.6701.
    so = fit.to_dict()["by_wtp"][0]["evppi"][0]["evppi"]
    assert so == pytest.approx(261.6701, rel=1e-6)


def test_evppi_without_params_is_a_setting_error():
    with pytest.raises(peerstat.SettingError, match="params"):
        peerstat.cea(CEA, evppi="p_side_effects_t2")

"""Siting scenarios on the generated demo region: maps written, answers checked by brute force."""

from __future__ import annotations

import itertools
import pickle

import numpy as np
import pytest
from rich.console import Console

from scenarios.errors import ScenarioError
from scenarios.leaflet_offline import external_references
from scenarios.siting.scenario import build_problem, demo_spec, evaluate, prepare, run
from scenarios.siting.spec import parse_spec
from scenarios.siting.travel import load_siting_data


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("siting-cache")


@pytest.fixture(scope="module")
def spec(demo_region_dir, cache_dir):
    base = demo_spec(demo_region_dir)
    base["cache_dir"] = str(cache_dir)
    return base


@pytest.fixture(scope="module")
def data(spec, tmp_path_factory):
    return load_siting_data(parse_spec(spec, base_dir=tmp_path_factory.getbasetemp()))


def quiet() -> Console:
    return Console(quiet=True)


def brute_best(problem, p):
    allowed = [j for j in problem.allowed]
    best = np.inf
    for sites in itertools.combinations(allowed, p):
        if problem.forced <= set(sites):
            best = min(best, float(problem.weight @ problem.cost[:, list(sites)].min(axis=1)))
    return best


@pytest.mark.slow
def test_demo_scenario_writes_maps_and_is_optimal(spec, data, tmp_path):
    result = run(spec, base_dir=tmp_path, out_dir=tmp_path / "out", console=quiet())
    names = {path.name for path in result.files}
    assert {"siting_map.html", "siting_map.png", "siting.csv", "sites.csv"} <= names
    html = (tmp_path / "out" / "siting_map.html").read_text()
    assert "OPEN: " in html and "leaflet" in html.lower()
    assert external_references(html) == []  # works offline: Leaflet inlined, no tiles
    assert (tmp_path / "out" / "siting_map.png").stat().st_size > 10_000
    answers = result.tables["answers"]
    assert list(answers["p"]) == [1, 2, 3]
    assert (answers["status"] == "optimal").all()
    assert answers["objective"].is_monotonic_decreasing
    parsed = parse_spec(spec, base_dir=tmp_path)
    for p, objective in zip(answers["p"], answers["objective"]):
        assert objective == pytest.approx(brute_best(build_problem(parsed, data, p), p))
    assert result.summary["objective (p=2)"] == pytest.approx(answers["objective"].iloc[1])


def test_forced_and_forbidden_municipality(spec, data, tmp_path):
    sites = data.sites
    town = sites["municipality"].iloc[0]
    keep = sites.index[sites["municipality"] != town]
    forced = str(sites.loc[keep[-1], "site_id"])
    custom = dict(spec, p=2, forced_open=[forced], forbidden=[town])
    parsed = parse_spec(custom, base_dir=tmp_path)
    problem = build_problem(parsed, data, 2)
    assert problem.forbidden == set(np.flatnonzero(sites["municipality"] == town))
    numbers = evaluate(custom, base_dir=tmp_path, seed=0, context={"data": data})
    chosen = numbers["sites"].split("; ")
    assert forced in chosen
    assert not set(chosen) & set(sites.loc[sites["municipality"] == town, "site_id"])
    assert numbers["objective"] == pytest.approx(brute_best(problem, 2))


def test_mclp_covered_share_by_demand_weight(spec, data, tmp_path):
    custom = dict(spec, model="mclp", p=2, radius_minutes=8, weights={"police_drive": 1, "participant_transit": 0})
    numbers = evaluate(custom, base_dir=tmp_path, seed=0, context={"data": data})
    problem = build_problem(parse_spec(custom, base_dir=tmp_path), data, 2)
    covered = lambda sites: float(problem.weight[(problem.cost[:, list(sites)] <= 8).any(axis=1)].sum())
    best = max(covered(s) for s in itertools.combinations(range(problem.n_sites), 2))
    assert numbers["objective"] == pytest.approx(best)
    assert numbers["covered_share"] == pytest.approx(best)
    assert numbers["optimal"] == 1.0


def test_infeasible_scenario_explains_in_notes(spec, data, tmp_path):
    result = run(dict(spec, p=[25]), base_dir=tmp_path, out_dir=tmp_path / "out", console=quiet())
    assert result.tables["answers"]["status"].tolist() == ["infeasible"]
    assert any("asked for 25 sites but only 10 candidate sites remain" in note for note in result.notes)
    result = run(
        dict(spec, model="lscp", p=None, radius_minutes=1),
        base_dir=tmp_path,
        out_dir=tmp_path / "out2",
        console=quiet(),
    )
    assert any("within 1 minutes is impossible" in note for note in result.notes)


@pytest.mark.parametrize(
    "change, key",
    [
        ({"model": "k-means"}, "model"),
        ({"p": 0}, "p"),
        ({"forbidden": ["Atlantis"]}, "forbidden"),
        ({"weights": {"police_drive": -1}}, "weights.police_drive"),
        ({"model": "mclp", "radius_minutes": None}, "radius_minutes"),
        ({"capacity": {"default": 10}}, "participants_per_year"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_scenario_names_the_key(spec, data, tmp_path, change, key):
    custom = dict(spec, **change)
    with pytest.raises(ScenarioError) as error:
        evaluate(custom, base_dir=tmp_path, seed=0, context={"data": data})
    assert error.value.key == key


def test_prepare_is_picklable_and_evaluate_deterministic(spec, tmp_path):
    context = prepare(spec, base_dir=tmp_path)
    context = pickle.loads(pickle.dumps(context))
    first = evaluate(spec, base_dir=tmp_path, seed=1, context=context)
    second = evaluate(spec, base_dir=tmp_path, seed=2, context=context)
    assert first == second
    assert isinstance(first["sites"], str) and first["objective"] > 0


def test_a_site_has_one_colour_in_every_panel_of_the_png(data, tmp_path, monkeypatch):
    import matplotlib.figure
    from matplotlib.collections import PathCollection

    from scenarios.siting import maps

    n = len(data.sites)
    answers = [
        {"label": "one", "open_sites": [n - 1], "assignment": [n - 1] * len(data.points)},
        {"label": "two", "open_sites": [0, n - 1], "assignment": [0] * len(data.points)},
    ]
    drawn = {}
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", lambda fig, *a, **k: drawn.setdefault("fig", fig))
    maps.png_map(data, answers, tmp_path / "map.png", title="t")
    scatters = [[c for c in ax.collections if isinstance(c, PathCollection)] for ax in drawn["fig"].axes]
    stars = [max(found, key=lambda c: c.get_sizes().max()) for found in scatters]
    last_site_colour = [tuple(stars[0].get_facecolors()[0]), tuple(stars[1].get_facecolors()[1])]
    assert last_site_colour[0] == last_site_colour[1], "the same site is drawn in two colours"
    legend = drawn["fig"].axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["candidate site", "open site"]

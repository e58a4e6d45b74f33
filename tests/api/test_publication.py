"""Every people count the planner and pcg roles can read, from every aggregate endpoint at once:
no withheld count can be worked out by linear programs over all the published figures (the
report's attacker, :func:`scenarios.reports.privacy.attacker_interval`, over the union)."""

from __future__ import annotations


import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from api.db.models import Provider
from api.services.providers import slot_counts
from api.capacity_tables import capacity_state
from scenarios.reports import measures
from scenarios.reports.privacy import THRESHOLD, attacker_interval
from api.services.outcomes import referral_frame
from tests.api.frontdoor_helpers import facility, front_door, referral
from tests.api.helpers import Api, make_users

REFERRAL_KEYS = (
    "department",
    "officer",
    "route",
    "hours",
    "municipality",
    "zone",
    "race",
    "intake_done",
    "handed_off",
    "engaged",
)
AGGREGATE_ROUTES = {
    "/v1/providers",
    "/v1/providers/{provider_id}",
    "/v1/reports/capacity",
    "/v1/reports/capacity-gap",
    "/v1/referrals/outcomes",
}


@pytest.fixture(scope="module")
def live(current_region_dir, tmp_path_factory):
    """The demo region's providers and wait lists in the service, with a few holds and confirmations."""
    from api.services.seed import load_region_into_db
    from geodata.region import load_region

    region = load_region(current_region_dir)
    app = create_app(f"sqlite:///{tmp_path_factory.mktemp('pub') / 'handoff.db'}", current_region_dir)
    with TestClient(app) as client:
        api = Api(client, app, make_users(app.state.sessions))
        with app.state.sessions() as session:
            load_region_into_db(session, current_region_dir)
            session.commit()
        cohort = sorted(region.cohorts)[0]
        with app.state.sessions() as session:
            from api.auth import add_user

            api.tokens["coord"] = add_user(session, "coord-demo", "coordinator", cohort=cohort)[1]
            session.commit()
            points = [(p.lon, p.lat, p.municipality) for p in session.scalars(select(Provider).order_by(Provider.id))]
        for j, service in enumerate(("housing", "housing", "treatment", "clinic")):
            lon, lat, municipality = points[j]
            api.provider(
                f"X{j}", service=service, capacity=30, occupied=3 * j, lon=lon, lat=lat, municipality=municipality
            )
        for i in range(9):
            lon, lat, _ = points[i % 4]
            api.participant(
                f"LEAD-{i}",
                needs=("housing", "treatment", "clinic")[: 1 + i % 3],
                cohort=cohort,
                who="coord",
                lon=lon,
                lat=lat,
                max_transit_minutes=240,
            )
            request = api.request(f"LEAD-{i}", who="coord").json()
            held = [n["placement"]["id"] for n in request["needs"] if n["placement"]]
            for placement in held[: i % 2 + 1]:
                api.call("POST", f"/v1/placements/{placement}/confirm", who="coord")
        lon, lat, municipality = points[0]
        front_door(api, cohort=cohort)
        facility(api, "F-1", cohort=cohort, lon=lon, lat=lat)
        place = {"cohort": cohort, "municipality": municipality, "lon": lon, "lat": lat}
        referred = [referral(api, **place)["id"] for _ in range(12)] + [
            referral(api, who="officer_z2", route="social-contact", **place)["id"]
        ]
        api.call("POST", f"/v1/referrals/{referred[0]}/handed-off", who="officer_z1", json={})
        yield api, region


def truth(api, region) -> tuple[list[str], dict, np.ndarray, dict]:
    """Provider ids, where each counts (area per level, service, exact slots) and the attacker's
    unknowns: held and confirmed per provider and waiting entries per provider x LEAD x placeable."""
    with api.app.state.sessions() as session:
        providers, wait_lists = capacity_state(session)
        ids = [str(i) for i in providers["provider_id"]]
        taken = slot_counts(session, ids)
        exact = {p.id: (p.capacity, p.occupied) for p in session.scalars(select(Provider))}
        referrals = referral_frame(session)
    areas = measures.provider_areas(providers, police_zones=region.police_zones, cohorts=region.cohorts)
    entries = measures.wait_list_entries(wait_lists, providers)
    keys, values = [], []
    for pid in ids:
        keys += [("held", pid), ("confirmed", pid)]
        values += [taken[pid].held if pid in taken else 0, taken[pid].confirmed if pid in taken else 0]
    for (pid, lead, now), group in entries.groupby(["provider_id", "is_lead", "placeable_now"]):
        keys.append(("wait", pid, bool(lead), bool(now)))
        values.append(len(group))
    referrals = referrals.assign(
        hours=np.where(referrals["outside_hours"], "outside", "covered"), intake_done=referrals["intake_days"].notna()
    )
    for dim in ("municipality", "zone", "race"):
        referrals[dim] = referrals[dim].replace("", "not recorded")
    for combination, group in referrals.groupby(list(REFERRAL_KEYS)):
        keys.append(("ref", *combination))
        values.append(len(group))
    where = {
        pid: {
            "service": providers.loc[i, "service"],
            **{lv: str(areas.loc[pid, lv]) for lv in measures.LEVELS},
            "slots": exact[pid],
        }
        for i, pid in enumerate(ids)
    }
    return ids, where, np.array(values, dtype=float), {k: i for i, k in enumerate(keys)}


def gather(api) -> dict:
    """Every aggregate response the planner and pcg roles can get."""
    listing = api.call("GET", "/v1/providers", who="planner", params={"limit": 1000}).json()["items"]
    singles = [api.call("GET", f"/v1/providers/{p['id']}", who="planner").json() for p in listing]
    return {
        "providers": listing + singles,
        "capacity": [api.call("GET", "/v1/reports/capacity", who=w).json() for w in ("planner", "pcg")],
        "gap": [api.call("GET", "/v1/reports/capacity-gap", who=w).json() for w in ("planner", "pcg")],
        "outcomes": [
            api.call("GET", "/v1/referrals/outcomes", who=w).json()
            for w in ("planner", "pcg", "officer_z1", "officer_z2")
        ],
    }


def figures(published: dict, ids: list[str], where: dict, index: dict) -> list[tuple[str, list[int], float | None]]:
    """(name, unknowns summed, published value or None) of every people count in the responses."""

    def unknowns(kind: str, chosen: list[str], lead: bool | None = None, unmet: bool = False) -> list[int]:
        out = []
        for key, i in index.items():
            if (
                key[0] == kind == "wait"
                and key[1] in chosen
                and (lead is None or key[2] == lead)
                and (not unmet or (key[2] and not key[3]))
            ):
                out.append(i)
            elif key[0] == kind != "wait" and key[1] in chosen:
                out.append(i)
        return out

    def in_use(chosen, free, label):
        spare = sum(where[p]["slots"][0] - where[p]["slots"][1] for p in chosen)
        return (label, unknowns("held", chosen) + unknowns("confirmed", chosen), None if free is None else spare - free)

    def referred(**where) -> list[int]:
        """Unknowns of the referrals whose attributes equal ``where`` (any value when "Total")."""
        out = []
        for key, i in index.items():
            if key[0] == "ref":
                attributes = dict(zip(REFERRAL_KEYS, key[1:]))
                if all(v == "Total" or attributes[k] == v for k, v in where.items()):
                    out.append(i)
        return out

    rows = []
    for report in published["outcomes"]:
        for d in report["departments"]:
            department = "Total" if d["department"] == "All departments" else d["department"]
            for column in ("referrals", "handed_off", "intake_done", "engaged"):
                flag = {} if column == "referrals" else {column: True}
                rows.append(
                    (f"outcomes {d['department']} {column}", referred(department=department, **flag), d[column])
                )
    for item in published["providers"]:
        rows += [
            (f"provider {item['id']} held", unknowns("held", [item["id"]]), item["held"]),
            (f"provider {item['id']} confirmed", unknowns("confirmed", [item["id"]]), item["confirmed"]),
            in_use([item["id"]], item["free"], f"provider {item['id']} free"),
        ]
    for report in published["capacity"]:
        for s in report["services"]:
            chosen = [p for p in ids if where[p]["service"] == s["service"]]
            rows += [
                (f"capacity {s['service']} held", unknowns("held", chosen), s["held"]),
                (f"capacity {s['service']} confirmed", unknowns("confirmed", chosen), s["confirmed"]),
                (f"capacity {s['service']} waiting", unknowns("wait", chosen), s["waiting"]),
                in_use(chosen, s["free"], f"capacity {s['service']} free"),
            ]
    for report in published["gap"]:
        section = report["referrals"]
        for dim, table in [*section["by"].items(), ("hours", section["hours"])]:
            for r in table:
                label = r["route" if dim == "hours" else dim]
                for column, value in r.items():
                    if column in ("route", dim):
                        continue
                    cell = {"route": label, "hours": column} if dim == "hours" else {dim: label, "route": column}
                    rows.append((f"referrals {dim} {label} {column}", referred(**cell), value))
        rows.append(("referrals intakes", referred(intake_done=True), section["intake"]["intakes"]))
        for service, h in report["headline"].items():
            chosen = [p for p in ids if where[p]["service"] == service]
            rows += [
                (f"headline {service} waiting", unknowns("wait", chosen), h["waiting"]),
                (f"headline {service} unmet", unknowns("wait", chosen, unmet=True), h["lead_unmet"]),
                in_use(chosen, h["free"], f"headline {service} free"),
            ]
        for level, records in report["measures"].items():
            for r in records:
                chosen = [p for p in ids if where[p][level] == str(r["area"]) and where[p]["service"] == r["service"]]
                name = f"{level} {r['area']} {r['service']}"
                capacity = sum(where[p]["slots"][0] for p in chosen)
                busy = None if r["utilisation"] is None else round(r["utilisation"] * capacity)
                rows += [
                    (f"{name} waiting", unknowns("wait", chosen), r["waiting"]),
                    (f"{name} lead", unknowns("wait", chosen, lead=True), r["lead_waiting"]),
                    (f"{name} unmet", unknowns("wait", chosen, unmet=True), r["lead_unmet"]),
                    in_use(chosen, r["free"], f"{name} free"),
                    in_use(chosen, None if busy is None else capacity - busy, f"{name} utilisation"),
                ]
    return rows


def test_every_aggregate_endpoint_is_in_this_attack(live):
    api, _ = live
    readable = set()
    for path, operations in api.app.openapi()["paths"].items():
        for method in operations:
            if method == "get" and "{" not in path.replace("{provider_id}", ""):
                concrete = path.replace("{provider_id}", "H-none")
                status = (
                    api.call("GET", concrete, who="pcg").status_code,
                    api.call("GET", concrete, who="planner").status_code,
                )
                if any(code not in (401, 403) for code in status):
                    readable.add(path)
    assert readable - {"/healthz", "/readyz"} == AGGREGATE_ROUTES


def test_no_withheld_count_is_recoverable_from_all_endpoints_together(live):
    api, region = live
    ids, where, micro, index = truth(api, region)
    rows = figures(gather(api), ids, where, index)
    shown = [(members, value) for _, members, value in rows if value is not None and members]
    for name, members, value in rows:
        if value is not None and members:
            assert value == micro[members].sum(), f"{name} is published as {value}, truly {micro[members].sum()}"
    members_list = [np.array(m, dtype=int) for m, _ in shown]
    values = [float(v) for _, v in shown]
    withheld = [(name, np.array(m, dtype=int)) for name, m, v in rows if v is None and m]
    small = [(n, m) for n, m in withheld if 0 < micro[m].sum() < THRESHOLD]
    assert small, "the fixture should have small counts to protect"
    for kind in ("capacity", "provider", "outcomes", "municipality", "referrals"):
        assert any(n.startswith(kind) for n, _ in small), f"no small {kind} count in the fixture"
    for name, members in withheld:
        low, high = attacker_interval(micro.size, members_list, values, members)
        true = micro[members].sum()
        assert low <= true <= high
        assert high - low >= (THRESHOLD - 1 if 0 < true < THRESHOLD else 1e-6), (
            f"{name} (truly {true:g}) is pinned to [{low:g}, {high:g}] by the published figures"
        )


def test_small_cells_withheld_everywhere_alike(live):
    """The same count (one provider alone in its area, a service's county total) is shown or
    withheld the same way by every endpoint, and every published wait is withheld with its counts."""
    api, _ = live
    published = gather(api)
    gap = published["gap"][0]
    for service, h in gap["headline"].items():
        capacity = next(s for s in published["capacity"][0]["services"] if s["service"] == service)
        assert (h["free"] is None) == (capacity["free"] is None)
        assert (h["waiting"] is None) == (capacity["waiting"] is None)
        assert h["wait_days"] is None or (h["waiting"] is not None and h["free"] is not None)
    for records in gap["measures"].values():
        for r in records:
            assert r["wait_days"] is None or (r["waiting"] is not None and r["free"] is not None)
    assert published["gap"][0]["privacy"]["withheld"] > 0
    assert "None" not in " ".join(gap["summary"])


def test_no_officer_works_out_a_small_count_from_their_own_referrals(live):
    """An officer knows their own referrals exactly (they made them); with that and every figure
    the planner and pcg roles read, no count they do not know whole may be narrowed to a small
    remainder (1..10 people who are not theirs)."""
    api, region = live
    ids, where, micro, index = truth(api, region)
    rows = figures(gather(api), ids, where, index)
    shown = [(np.array(m, dtype=int), float(v)) for _, m, v in rows if v is not None and m]
    officers = {key[2] for key in index if key[0] == "ref"}
    assert len(officers) >= 2
    checked = 0
    for officer in sorted(officers):
        own = [i for key, i in index.items() if key[0] == "ref" and key[2] == officer]
        known = [(np.array([i]), float(micro[i])) for i in own]
        members_list = [m for m, _ in shown + known]
        values = [v for _, v in shown + known]
        for name, members, value in rows:
            remainder = micro[[i for i in members if i not in own]].sum()
            if not members or set(members) <= set(own) or not 0 < remainder < THRESHOLD:
                continue
            assert value is None, f"{name} is published and leaves {officer} a remainder of {remainder:g}"
            low, high = attacker_interval(micro.size, members_list, values, np.array(members, dtype=int))
            assert high - low >= THRESHOLD - 1, f"{officer} pins {name} to [{low:g}, {high:g}]"
            checked += 1
    assert checked, "the fixture should leave officers small remainders to protect"

"""Referral outcomes by police department, aggregate only, for police and the PCG.

One table: a row per department plus ``All departments``; columns referrals, handed off, intake
done and engaged. Its cells sum the same referral microcells as the capacity-gap report's
front-door tables (route x hours x municipality x zone x race x intake, refined by department,
officer and outcome), all in the one publication of :mod:`api.services.publication`, so the
counts withheld are chosen over every table at once, even when an officer is shown only their
department's row; each officer, who knows their own referrals exactly, is one more attacker.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import Principal
from api.db.frontdoor import Referral
from api.schemas.referrals import DepartmentOutcomes, OutcomeReport
from api.services.region import RegionContext
from scenarios.reports.privacy import Publication

ALL = "All departments"
COLUMNS = ("referrals", "handed_off", "intake_done", "engaged")
TABLE = "outcomes"


def referral_frame(session: Session) -> pd.DataFrame:
    """One row per referral, as the publication layer counts them: ``route``, ``outside_hours``
    (LEAD was not available), ``municipality``, ``zone``, ``race``, ``intake_days`` (days from
    referral to intake, NaN while pending), ``department``, ``officer``, ``handed_off``, ``engaged``."""
    rows = session.execute(
        select(
            Referral.route,
            Referral.available,
            Referral.municipality,
            Referral.zone,
            Referral.race,
            Referral.occurred_at,
            Referral.intake_at,
            Referral.department,
            Referral.officer,
            Referral.handed_off_at.is_not(None),
            Referral.engaged_at.is_not(None),
        ).order_by(Referral.occurred_at, Referral.id)
    ).all()
    return pd.DataFrame(
        [
            (
                route,
                not available,
                municipality,
                zone,
                race,
                (intake - occurred).total_seconds() / 86400.0 if intake else np.nan,
                department or "unknown",
                officer,
                bool(handed_off),
                bool(engaged),
            )
            for route, available, municipality, zone, race, occurred, intake, department, officer, handed_off, engaged in rows
        ],
        columns=[
            "route",
            "outside_hours",
            "municipality",
            "zone",
            "race",
            "intake_days",
            "department",
            "officer",
            "handed_off",
            "engaged",
        ],
    )


def add_outcome_cells(publication: Publication, micro: pd.DataFrame, *, offset: int) -> None:
    """Register the outcome table's cells in ``publication``, whose microcells ``offset`` onwards are
    the referral counts of ``micro`` (columns ``department``, ``handed_off``, ``intake``, ``engaged``)."""
    names = micro["department"].to_numpy(dtype=object)
    flags = micro[["handed_off", "intake", "engaged"]].to_numpy(dtype=bool).reshape(-1, 3)
    for department in sorted(set(names)) + [ALL]:
        mine = np.ones(len(names), dtype=bool) if department == ALL else names == department
        publication.add_cell(TABLE, department, "referrals", offset + np.flatnonzero(mine))
        for k, column in enumerate(COLUMNS[1:]):
            publication.add_cell(TABLE, department, column, offset + np.flatnonzero(mine & flags[:, k]))


def department_outcomes(session: Session, principal: Principal, region: RegionContext) -> OutcomeReport:
    """Outcomes by department; an officer sees only their own department's row (and the total).
    The counts are cells of the publication layer shared by every aggregate endpoint
    (:mod:`api.services.publication`)."""
    from api.services.publication import live_figures

    figures = live_figures(session, region)
    if figures.referrals.empty:
        return OutcomeReport(departments=[], withheld=0, note="No referrals recorded yet.")
    shown = figures.rows(TABLE)
    if principal.role == "officer":
        shown = [d for d in shown if d in (principal.department, ALL)]
    items = [DepartmentOutcomes(department=d, **{c: figures.count(TABLE, d, c) for c in COLUMNS}) for d in shown]
    withheld = sum(1 for c in figures.publication.cells if c.suppressed and c.table == TABLE)
    return OutcomeReport(
        departments=items,
        withheld=withheld,
        note="Counts of referrals only: no person, service, diagnosis or placement. Counts under 11 "
        "are withheld, with the counts that would give them away.",
    )

"""Referral outcomes by police department, aggregate only, for police and the PCG.

One table: a row per department plus ``All departments``; columns referrals, handed off, intake
done and engaged. Microcells are referrals by department x (handed off, intake done, engaged), so
the suppression of ``scenarios.reports.privacy`` (counts under 11 withheld, with the complementary
cells an attacker could subtract them from) is computed over the whole table even when an officer
is shown only their department's row.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.auth import Principal
from api.db.frontdoor import Referral
from api.schemas.referrals import DepartmentOutcomes, OutcomeReport
from api.services.region import RegionContext
from scenarios.reports.privacy import Publication

ALL = "All departments"
COLUMNS = ("referrals", "handed_off", "intake_done", "engaged")
TABLE = "outcomes"


def outcome_rows(session: Session) -> list[tuple[str, bool, bool, bool, int]]:
    """``(department, handed off, intake done, engaged, referrals)`` per combination recorded."""
    rows = session.execute(
        select(
            Referral.department,
            Referral.handed_off_at.is_not(None),
            Referral.intake_at.is_not(None),
            Referral.engaged_at.is_not(None),
            func.count(),
        ).group_by(
            Referral.department,
            Referral.handed_off_at.is_not(None),
            Referral.intake_at.is_not(None),
            Referral.engaged_at.is_not(None),
        )
    ).all()
    return [(str(d or "unknown"), bool(h), bool(i), bool(e), int(n)) for d, h, i, e, n in rows]


def add_outcome_cells(publication: Publication, rows: list[tuple[str, bool, bool, bool, int]], first: int) -> list[str]:
    """Register the outcome table's cells in ``publication``, whose microcells ``first`` onwards are
    the referral counts of ``rows``; returns the department names."""
    departments = sorted({r[0] for r in rows})
    flags = np.array([r[1:4] for r in rows], dtype=bool).reshape(-1, 3)
    names = np.array([r[0] for r in rows], dtype=object)
    for department in departments + [ALL]:
        mine = np.ones(len(rows), dtype=bool) if department == ALL else names == department
        publication.add_cell(TABLE, department, "referrals", first + np.flatnonzero(mine))
        for k, column in enumerate(COLUMNS[1:]):
            publication.add_cell(TABLE, department, column, first + np.flatnonzero(mine & flags[:, k]))
    return departments


def department_outcomes(session: Session, principal: Principal, region: RegionContext) -> OutcomeReport:
    """Outcomes by department; an officer sees only their own department's row (and the total).
    The counts are cells of the publication layer shared by every aggregate endpoint
    (:mod:`api.services.publication`)."""
    from api.services.publication import live_figures

    rows = outcome_rows(session)
    if not rows:
        return OutcomeReport(departments=[], withheld=0, note="No referrals recorded yet.")
    figures = live_figures(session, region)
    departments = sorted({r[0] for r in rows})
    shown = departments + [ALL]
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

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
from scenarios.reports.privacy import Publication

ALL = "All departments"
COLUMNS = ("referrals", "handed_off", "intake_done", "engaged")
TABLE = "outcomes"


def outcome_publication(rows: list[tuple[str, bool, bool, bool, int]]) -> tuple[Publication, list[str]]:
    """The protected publication of outcome counts from ``(department, handed off, intake done,
    engaged, referrals)`` rows; returns it and the department names."""
    micro = np.array([n for *_, n in rows], dtype=float)
    publication = Publication(micro)
    departments = sorted({r[0] for r in rows})
    flags = np.array([r[1:4] for r in rows], dtype=bool).reshape(-1, 3)
    names = np.array([r[0] for r in rows], dtype=object)
    for department in departments + [ALL]:
        mine = np.ones(len(rows), dtype=bool) if department == ALL else names == department
        publication.add_cell(TABLE, department, "referrals", np.flatnonzero(mine))
        for k, column in enumerate(COLUMNS[1:]):
            publication.add_cell(TABLE, department, column, np.flatnonzero(mine & flags[:, k]))
    return publication.protect(), departments


def department_outcomes(session: Session, principal: Principal) -> OutcomeReport:
    """Outcomes by department; an officer sees only their own department's row (and the total)."""
    rows = session.execute(select(Referral.department, Referral.handed_off_at.is_not(None),
                                  Referral.intake_at.is_not(None), Referral.engaged_at.is_not(None), func.count())
                           .group_by(Referral.department, Referral.handed_off_at.is_not(None),
                                     Referral.intake_at.is_not(None), Referral.engaged_at.is_not(None))).all()
    rows = [(str(d or "unknown"), bool(h), bool(i), bool(e), int(n)) for d, h, i, e, n in rows]
    if not rows:
        return OutcomeReport(departments=[], withheld=0, note="No referrals recorded yet.")
    publication, departments = outcome_publication(rows)
    table = publication.table(TABLE)
    shown = departments + [ALL]
    if principal.role == "officer":
        shown = [d for d in shown if d in (principal.department, ALL)]
    value = lambda d, c: None if np.isnan(table.loc[d, c]) else int(table.loc[d, c])  # noqa: E731
    items = [DepartmentOutcomes(department=d, **{c: value(d, c) for c in COLUMNS}) for d in shown]
    withheld = sum(1 for c in publication.cells if c.suppressed)
    return OutcomeReport(departments=items, withheld=withheld,
                         note="Counts of referrals only: no person, service, diagnosis or placement. Counts under 11 "
                              "are withheld, with the counts that would give them away.")

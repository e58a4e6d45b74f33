"""The front door's records as tables for reports and scenarios (no person: no ids, no locations).

``referral_rows``: one row per referral with its route, municipality, police zone, race, whether
LEAD was unavailable when it came (``outside_hours``), days from referral to intake (NaN while
pending), the local time it came (``time``, the cohort's time zone) and the offence label; what
``scenarios.reports.referrals`` and the coverage scenario's ``referrals:`` file read.
``caseload_rows``: each active case manager's caseload, target and limit.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.db.engine import make_engine
from api.db.frontdoor import CaseAssignment, CaseManager, FrontDoor, Referral
from scenarios.frontdoor.availability import DEFAULT_TIMEZONE

REFERRAL_COLUMNS = [
    "time",
    "route",
    "offence",
    "municipality",
    "zone",
    "race",
    "cohort",
    "outside_hours",
    "intake_days",
    "status",
]


def referral_rows(session: Session) -> pd.DataFrame:
    """One row per referral (columns :data:`REFERRAL_COLUMNS`); ``time`` is local wall-clock time."""
    zones = dict(session.execute(select(FrontDoor.cohort, FrontDoor.timezone)).all())
    rows = []
    for r in session.scalars(select(Referral).order_by(Referral.occurred_at, Referral.id)):
        local = r.occurred_at.astimezone(ZoneInfo(zones.get(r.cohort, DEFAULT_TIMEZONE)))
        days = (r.intake_at - r.occurred_at).total_seconds() / 86400.0 if r.intake_at else np.nan
        rows.append(
            [
                local.replace(tzinfo=None),
                r.route,
                r.offence,
                r.municipality,
                r.zone,
                r.race,
                r.cohort,
                not r.available,
                days,
                r.status,
            ]
        )
    return pd.DataFrame(rows, columns=REFERRAL_COLUMNS)


def caseload_rows(session: Session) -> pd.DataFrame:
    """Each active case manager's ``caseload`` (open assignments), ``target`` and ``limit``."""
    counts = dict(
        session.execute(
            select(CaseAssignment.case_manager_id, func.count())
            .where(CaseAssignment.ended_at.is_(None))
            .group_by(CaseAssignment.case_manager_id)
        ).all()
    )
    managers = session.scalars(select(CaseManager).where(CaseManager.active).order_by(CaseManager.id)).all()
    return pd.DataFrame(
        [(m.cohort, int(counts.get(m.id, 0)), m.caseload_target, m.caseload_limit) for m in managers],
        columns=["cohort", "caseload", "target", "limit"],
    )


def read_front_door(database_url: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`referral_rows` and :func:`caseload_rows` from the service's database."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return referral_rows(session), caseload_rows(session)
    finally:
        engine.dispose()


def export_referrals(database_url: str, out: Path) -> int:
    """Write :func:`referral_rows` to the CSV ``out`` (the coverage scenario's ``referrals:`` file);
    returns the number of referrals written."""
    referrals, _ = read_front_door(database_url)
    referrals.to_csv(out, index=False)
    return len(referrals)

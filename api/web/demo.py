"""Console users for the demo: one per role, so ``make demo`` can end with a sign-in."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.auth import add_user
from api.db.models import Participant, Provider, User

DEMO_DEPARTMENT = "Demo Police"


def demo_sign_ins(session: Session, stamp: str) -> dict[str, tuple[str, str]]:
    """Add a console user of each role (names end in ``stamp``): the coordinator of the cohort with
    the most participants, the first housing provider, a planner, the PCG and an officer. Returns
    role -> (user name, token); the caller commits."""
    cohort = (
        session.scalar(
            select(Participant.cohort)
            .group_by(Participant.cohort)
            .order_by(func.count().desc(), Participant.cohort)
            .limit(1)
        )
        or "Central"
    )
    provider = session.scalar(select(Provider.id).where(Provider.service == "housing").order_by(Provider.id).limit(1))
    wanted: dict[str, dict[str, str | None]] = {
        "coordinator": {"cohort": cohort},
        "provider": {"provider_id": provider},
        "planner": {},
        "pcg": {},
        "officer": {"department": DEMO_DEPARTMENT},
    }
    signs = {}
    for role, scope in wanted.items():
        if role == "provider" and provider is None:
            continue
        name = f"{role}-{stamp}"
        while session.scalar(select(User.id).where(User.name == name)) is not None:
            name += "x"
        _, token = add_user(session, name, role, days=30, **scope)
        signs[role] = (name, token)
    return signs

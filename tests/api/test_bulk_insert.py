"""api.db.bulk.insert_rows: rows written in one statement read back as the ORM writes them, in order."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import insert, select

from api.db.bulk import insert_rows, insert_tables
from api.db.engine import make_engine, make_sessionmaker
from api.db.migrate import upgrade
from api.db.models import AuditEntry, Participant, Placement, PlacementRequest, Provider
from api.services.placements import columns

EASTERN = timezone(timedelta(hours=-5))


def seeded(url: str):
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(
            insert(Provider),
            [dict(id="H1", name="H 1", service="housing", capacity=3, lon=-80.0, lat=40.4, list_id="H1", version=1)],
        )
        connection.execute(
            insert(Participant), [dict(id="P1", cohort="County", lon=-80.0, lat=40.4, needs=[], attributes={})]
        )
    return engine


def test_rows_read_back_as_written_in_order(database_url):
    engine = seeded(database_url)
    at = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=EASTERN)
    request = PlacementRequest(
        id="R1",
        participant_id="P1",
        status="placed",
        hold_minutes=30.5,
        result={"needs": [{"service": "housing", "wait_positions": [], "placement_id": "X1"}], "solver": None},
        created_by="coord 'quoted' \"name\"",
        created_at=at,
        updated_at=at,
    )
    hold = Placement(
        id="X1",
        request_id="R1",
        participant_id="P1",
        provider_id="H1",
        service="housing",
        category="general",
        status="held",
        transit_minutes=12.3,
        appointment=None,
        expected_start=date(2026, 3, 4),
        explanation="ünïcode; 1st in line",
        reason="",
        decline_reason=None,
        hold_expires_at=at + timedelta(minutes=30),
        created_at=at,
        updated_at=at,
    )
    audit = [
        dict(at=at, actor="c", action=f"step {k}", record_type="placement", record_id=str(k), detail={"k": k})
        for k in range(40)
    ]
    with make_sessionmaker(engine)() as session:
        connection = session.connection()
        insert_rows(connection, PlacementRequest, [columns(request)])
        insert_rows(connection, Placement, [columns(hold)])
        insert_rows(connection, AuditEntry, audit)
        insert_rows(connection, AuditEntry, [])
        session.commit()
    with make_sessionmaker(engine)() as session:
        got = session.get(PlacementRequest, "R1")
        assert got is not None
        assert got.result == request.result and got.created_by == request.created_by
        assert got.hold_minutes == 30.5 and got.created_at == at.astimezone(UTC)
        placed = session.get(Placement, "X1")
        assert placed is not None
        assert placed.hold_expires_at == (at + timedelta(minutes=30)).astimezone(UTC)
        assert placed.expected_start == date(2026, 3, 4) and placed.appointment is None
        assert placed.transit_minutes == 12.3 and placed.explanation == hold.explanation
        assert placed.decline_reason is None
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [e.action for e in entries] == [f"step {k}" for k in range(40)]
        assert [e.detail for e in entries] == [{"k": k} for k in range(40)]
    engine.dispose()


def test_a_time_with_an_offset_is_stored_as_the_driver_stores_it(database_url):
    engine = seeded(database_url)
    at = datetime(2026, 3, 2, 10, 0, tzinfo=EASTERN)
    base = dict(request_id="R", participant_id="P1", provider_id="H1", service="housing", status="held")
    with make_sessionmaker(engine)() as session:
        connection = session.connection()
        insert_rows(
            connection,
            PlacementRequest,
            [dict(id="R", participant_id="P1", status="placed", hold_minutes=1.0, result={}, created_by="c")],
        )
        connection.execute(insert(Placement), [dict(base, id="A", appointment=at)])
        insert_rows(connection, Placement, [dict(base, id="B", appointment=at)])
        session.commit()
    with make_sessionmaker(engine)() as session:
        a, b = session.get(Placement, "A"), session.get(Placement, "B")
        assert a is not None and b is not None and a.appointment == b.appointment
    engine.dispose()


def test_tables_in_one_call_may_name_rows_of_earlier_tables(database_url):
    engine = seeded(database_url)
    request = dict(id="R", participant_id="P1", status="placed", hold_minutes=1.0, result={}, created_by="c")
    base = dict(request_id="R", participant_id="P1", provider_id="H1", service="housing", status="held")
    audit = [dict(actor="c", action=str(k), record_type="placement", record_id=str(k), detail={}) for k in range(5)]
    at = datetime(2026, 3, 2, 10, 0, tzinfo=EASTERN)
    for offset in (False, True):
        with make_sessionmaker(engine)() as session:
            suffix = "-offset" if offset else ""
            holds = [dict(base, id=f"A{suffix}", request_id=f"R{suffix}", appointment=at if offset else None)]
            insert_tables(
                session.connection(),
                [(PlacementRequest, [dict(request, id=f"R{suffix}")]), (Placement, holds), (AuditEntry, audit)],
            )
            session.commit()
    with make_sessionmaker(engine)() as session:
        assert session.get(Placement, "A") is not None and session.get(Placement, "A-offset") is not None
        assert [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))] == [
            "0",
            "1",
            "2",
            "3",
            "4",
        ] * 2
    engine.dispose()

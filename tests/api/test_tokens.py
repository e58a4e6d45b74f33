"""Tokens expire and rotate (`handoff users token NAME --days 90`); expired tokens are a 401; reads
of person-level records are in the audit log (who read which participant, when)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from typer.testing import CliRunner

from api.auth import add_user
from api.db.models import Token, User, utcnow
from cli import app


def test_expired_tokens_are_401_and_fresh_ones_work(api):
    with api.app.state.sessions() as session:
        _, token = add_user(session, "temp", "planner", days=90)
        session.commit()
        expires = session.scalar(select(Token.expires_at).join(User).where(User.name == "temp"))
    assert timedelta(days=89) < expires - utcnow() <= timedelta(days=90)
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/v1/reports/capacity", headers=headers).status_code == 200
    with api.app.state.sessions() as session:
        session.execute(
            update(Token)
            .where(Token.user_id == select(User.id).where(User.name == "temp").scalar_subquery())
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    expired = api.client.get("/v1/reports/capacity", headers=headers)
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    assert expired.headers["www-authenticate"] == "Bearer"


def test_rotation_on_the_command_line(tmp_path):
    from fastapi.testclient import TestClient

    from api.app import create_app

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    added = runner.invoke(app, ["users", "add", "pia", "--role", "pcg", "--days", "30", "--database-url", url])
    assert added.exit_code == 0, added.output
    first = added.stdout.strip().splitlines()[-1]
    rotated = runner.invoke(app, ["users", "token", "pia", "--days", "90", "--database-url", url])
    assert rotated.exit_code == 0 and "1 older" in rotated.output, rotated.output
    second = rotated.stdout.strip().splitlines()[-1]
    with TestClient(create_app(url)) as client:

        def status(token: str) -> int:
            return client.get("/v1/reports/capacity", headers={"Authorization": f"Bearer {token}"}).status_code

        assert status(first) == 200 and status(second) == 200  # the old one runs out after 24 h
        cut = runner.invoke(app, ["users", "token", "pia", "--grace-hours", "0", "--database-url", url])
        assert cut.exit_code == 0, cut.output
        third = cut.stdout.strip().splitlines()[-1]
        assert (status(first), status(second), status(third)) == (401, 401, 200)
    unknown = runner.invoke(app, ["users", "token", "nobody", "--database-url", url])
    assert unknown.exit_code == 2 and "no user named" in unknown.output
    bad = runner.invoke(app, ["users", "token", "pia", "--days", "0", "--database-url", url])
    assert bad.exit_code == 2 and "--days" in bad.output


def test_reads_of_person_level_records_are_audited(api):
    api.provider("H1", capacity=3)
    api.participant("LEAD-1")
    request = api.request("LEAD-1").json()
    placement = request["needs"][0]["placement"]["id"]
    api.call("GET", "/v1/participants/LEAD-1", who="coord_north")
    api.call("GET", f"/v1/placement-requests/{request['id']}", who="coord_north")
    api.call("GET", f"/v1/placements/{placement}", who="provider_h1")
    api.call("GET", "/v1/placements", who="provider_h1")
    api.call("GET", "/v1/wait-lists/H1", who="provider_h1")
    assert api.call("GET", "/v1/participants/LEAD-1", who="coord_central").status_code == 404
    rows = api.call("GET", "/v1/audit", params={"action": "participant.read", "limit": 100}).json()["items"]
    seen = sorted((r["actor"], r["record_id"], r["detail"]["via"]) for r in rows)
    assert seen == [
        ("coord_north", "LEAD-1", "GET /v1/participants/{id}"),
        ("coord_north", "LEAD-1", "GET /v1/placement-requests/{id}"),
        ("provider_h1", "LEAD-1", "GET /v1/placements"),
        ("provider_h1", "LEAD-1", "GET /v1/placements/{id}"),
    ]
    assert all(r["at"] for r in rows)
    lists = api.call("GET", "/v1/audit", params={"action": "wait_list.read"}).json()["items"]
    assert [(r["actor"], r["record_id"]) for r in lists] == [("provider_h1", "H1")]

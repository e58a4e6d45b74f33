"""`handoff users add` prints a working token once and stores only its sha256; `handoff db upgrade`."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from typer.testing import CliRunner

from api.auth import principal_for_token
from cli import app
from api.db.engine import make_engine, make_sessionmaker
from api.db.models import AuditEntry, Token


def test_users_add_prints_token_once_and_stores_only_its_hash(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    result = runner.invoke(
        app, ["users", "add", "cora", "--role", "coordinator", "--cohort", "North", "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        stored = session.scalars(select(Token.token_hash)).all()
        assert stored == [hashlib.sha256(token.encode()).hexdigest()]
        assert principal_for_token(session, token).cohort == "North"
        assert session.scalar(select(AuditEntry.action).where(AuditEntry.record_id == "cora")) == "user.add"
    engine.dispose()
    for stored_file in tmp_path.glob("cli.db*"):
        assert token.encode() not in stored_file.read_bytes()
    missing = runner.invoke(app, ["users", "add", "pat", "--role", "coordinator", "--database-url", url])
    assert missing.exit_code == 2 and "--cohort" in missing.output
    revoked = runner.invoke(app, ["users", "revoke", "cora", "--database-url", url])
    assert revoked.exit_code == 0
    with make_sessionmaker(make_engine(url))() as session:
        assert principal_for_token(session, token) is None

"""One settings object, read once from HANDOFF_* and passed down; `handoff serve` hands it to
uvicorn's workers inside uvicorn's configuration, not through the environment."""

from __future__ import annotations

import gc
import os
import pickle

import pytest
from pydantic import ValidationError

from api.app import create_app
from api.commands import ServeConfig
from api.settings import Settings


def test_settings_come_from_handoff_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("HANDOFF_HOLD_MINUTES", "12.5")
    monkeypatch.setenv("HANDOFF_CANDIDATES", "7")
    monkeypatch.setenv("HANDOFF_DATABASE_URL", f"sqlite:///{tmp_path / 'a.db'}")
    settings = Settings.from_env(region_dir=None)
    assert settings.hold_minutes == 12.5 and settings.candidates_per_need == 7
    assert settings.database == f"sqlite:///{tmp_path / 'a.db'}"


def test_options_override_the_environment_and_none_keeps_it(monkeypatch):
    monkeypatch.setenv("HANDOFF_DATABASE_URL", "sqlite:///from-env.db")
    assert Settings.from_env(database_url="sqlite:///option.db").database_url == "sqlite:///option.db"
    assert Settings.from_env(database_url=None).database_url == "sqlite:///from-env.db"


def test_default_database_is_a_sqlite_file_here(monkeypatch, tmp_path):
    monkeypatch.delenv("HANDOFF_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env().database == f"sqlite:///{tmp_path / 'handoff.db'}"


def test_a_bad_value_names_the_setting(monkeypatch):
    monkeypatch.setenv("HANDOFF_HOLD_MINUTES", "-3")
    with pytest.raises(ValidationError, match="hold_minutes"):
        Settings.from_env()


def test_the_app_keeps_the_settings_it_was_given(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'b.db'}", hold_minutes=3.0)
    app = create_app(settings=settings)
    assert app.state.settings.hold_minutes == 3.0
    assert str(app.state.engine.url) == settings.database_url
    app.state.engine.dispose()


def test_serve_config_carries_the_settings_to_a_worker_without_the_environment(tmp_path):
    before = dict(os.environ)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'c.db'}", hold_minutes=4.0, desk_socket=None)
    config = pickle.loads(pickle.dumps(ServeConfig(settings, host="127.0.0.1", port=0, workers=2)))
    thresholds = gc.get_threshold()
    try:
        app = config.load_app()()  # what a spawned worker does (it also tunes the collector)
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    assert app.state.settings == settings
    assert dict(os.environ) == before
    app.state.engine.dispose()

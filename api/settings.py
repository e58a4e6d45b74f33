"""The service's settings: one object, read once from ``HANDOFF_*`` variables, passed down.

:meth:`Settings.from_env` is the only place the service reads its environment (pydantic-settings,
prefix ``HANDOFF_``; e.g. ``HANDOFF_DATABASE_URL``, ``HANDOFF_HOLD_MINUTES``). Everything else
receives a :class:`Settings`: the app (``create_app(settings=...)``), its routers (``SettingsDep``),
the desk process and the commands. ``handoff serve`` builds one from its options and hands it to
every uvicorn worker inside uvicorn's own (pickled) configuration, not through the environment
(:mod:`api.commands`).

The travel-time cache folder is geodata's own setting (``HANDOFF_CACHE_DIR``, read by
:func:`geodata.cache.default_cache_dir`), because geodata imports nothing of ``api``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_FILE = "handoff.db"


def sqlite_file_url(path: str | Path = DEFAULT_SQLITE_FILE) -> str:
    """The SQLAlchemy URL of a SQLite file (made absolute, so workers in other folders agree)."""
    return f"sqlite:///{Path(path).resolve()}"


class Settings(BaseSettings):
    """Settings of the placement service.

    ``database_url``: SQLAlchemy URL (empty: a SQLite file ``handoff.db`` in the working folder);
    ``region_dir``: region folder bounding the service (none: any lon/lat accepted);
    ``desk_socket``: Unix socket of the shared placement desk process (none: each process places
    on its own desk); ``hold_minutes``: default hold time (minutes); ``sweep_seconds``: period of
    the hold sweeper (seconds); ``candidates_per_need``: candidate providers per need
    (``HANDOFF_CANDIDATES``); ``round_time_limit_s``: CP-SAT time limit of a batch round (seconds);
    ``results_dir``: folder of scenario results and report snapshots the web console shows planners
    and the PCG (none: no results pages).
    """

    model_config = SettingsConfigDict(env_prefix="HANDOFF_", frozen=True, extra="ignore")

    database_url: str = ""
    region_dir: Path | None = None
    desk_socket: str | None = None
    hold_minutes: float = Field(30.0, gt=0)
    sweep_seconds: float = Field(5.0, gt=0)
    candidates_per_need: int = Field(
        12,
        ge=1,
        validation_alias=AliasChoices("HANDOFF_CANDIDATES", "HANDOFF_CANDIDATES_PER_NEED", "candidates_per_need"),
    )
    round_time_limit_s: float = Field(10.0, gt=0)
    results_dir: Path | None = None

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Settings from the ``HANDOFF_*`` environment; ``overrides`` that are not None win."""
        return cls(**{name: value for name, value in overrides.items() if value is not None})

    @property
    def database(self) -> str:
        """The database URL to use: :attr:`database_url`, or the SQLite file ``handoff.db`` here."""
        return self.database_url or sqlite_file_url()

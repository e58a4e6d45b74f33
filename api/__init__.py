"""The coordinators' HTTP service: the FastAPI app, persistence, auth, and its commands
(``serve``, ``users``, ``db`` in :mod:`api.commands`, registered by the ``handoff`` command line)."""

from __future__ import annotations

from scenarios.faces import lazy_face

EXPORTS = {
    "create_app": "api.app",
    "Settings": "api.settings",
    "run_walkthrough": "api.walkthrough",
    "read_capacity_state": "api.capacity_tables",
    "read_declines": "api.capacity_tables",
    "read_front_door": "api.referral_records",
    "make_engine": "api.db.engine",
    "make_sessionmaker": "api.db.engine",
    "upgrade": "api.db.migrate",
    "check_state_database": "api.db.state_check",
    "StateUnusable": "api.db.state_check",
    "import_providers": "api.services.imports",
    "import_wait_lists": "api.services.imports",
    "load_region_context": "api.services.region",
    "ImportRejected": "api.services.tables",
    "read_table": "api.services.tables",
    "demo_sign_ins": "api.web.demo",
}
__all__ = sorted(EXPORTS)
__getattr__ = lazy_face(__name__, EXPORTS)

"""Fixtures for the console's page tests: the app on a fresh SQLite file with a user of every role,
a provider and participants, and browsers (httpx clients) signed in through the sign-in form."""

from __future__ import annotations

import re

import pytest

from tests.api.helpers import Api, make_users

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def form_secret(html: str) -> str:
    """The CSRF secret of the first form on a page."""
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF secret"
    return found.group(1)


def sign_in(client, token: str):
    """Sign ``client`` in through the form; returns the response after the redirect."""
    page = client.get("/console/sign-in")
    assert page.status_code == 200
    return client.post("/console/sign-in", data={"token": token, "csrf": form_secret(page.text)})


@pytest.fixture
def console(tmp_path):
    """The app on a fresh SQLite database with users of every role, providers H1 (housing) and
    T1 (treatment), and participants N-1 (cohort North) and C-1 (Central), each with a release."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    app = create_app(f"sqlite:///{tmp_path / 'handoff.db'}", settings=Settings(results_dir=str(tmp_path / "results")))
    (tmp_path / "results").mkdir()
    with TestClient(app) as client:
        api = Api(client, app, make_users(app.state.sessions))
        api.provider("H1", capacity=2)
        api.provider("T1", service="treatment", capacity=2)
        api.participant("N-1", needs=("housing", "treatment"))
        api.participant("C-1", cohort="Central", who="coord_central")
        yield api


@pytest.fixture
def browser_for(console):
    """``browser_for(user)``: a new client of the same app, signed in as ``user``."""
    from fastapi.testclient import TestClient

    clients = []

    def make(user: str):
        client = TestClient(console.app, follow_redirects=True)
        clients.append(client)
        response = sign_in(client, console.tokens[user])
        assert "handoff_session" in client.cookies, response.text  # signed in (the home page may need a region)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Playwright launches Debian's Chromium (never a downloaded browser); skipped without it."""
    from tests.console.browser import LAUNCH_ARGS, chromium_or_skip

    return {**browser_type_launch_args, "executable_path": chromium_or_skip(), "args": LAUNCH_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Every page is a phone: 375 px wide."""
    from tests.console.browser import PHONE

    return {**browser_context_args, "viewport": PHONE, "device_scale_factor": 1}

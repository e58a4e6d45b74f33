"""Console pages over HTTP (no browser): sign-in, sessions, CSRF, roles and every page's actions."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from api.db.models import Placement, WaitListEntry, WebSession, utcnow
from tests.console.conftest import form_secret, sign_in


def test_sign_in_sets_a_protected_cookie_and_sends_each_role_home(console):
    client = console.client
    page = client.get("/console/sign-in")
    response = client.post(
        "/console/sign-in",
        data={"token": console.tokens["coord_north"], "csrf": form_secret(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/console/participants"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("handoff_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    listing = client.get("/console/participants")
    assert "N-1" in listing.text and "C-1" not in listing.text


def test_a_wrong_token_is_refused_with_a_message(console):
    response = sign_in(console.client, "not-a-token")
    assert response.status_code == 401 and "unknown or revoked" in response.text
    assert console.client.get("/console/participants", follow_redirects=False).status_code == 303


def test_pages_without_a_session_go_to_sign_in(console):
    response = console.client.get("/console/participants/N-1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/sign-in?next=%2Fconsole%2Fparticipants%2FN-1")


def test_another_cohorts_participant_is_refused_by_url(browser_for):
    north = browser_for("coord_north")
    response = north.get("/console/participants/C-1")
    unknown = north.get("/console/participants/NOBODY")
    assert response.status_code == unknown.status_code == 404  # as for an id that does not exist
    assert response.text.replace("C-1", "NOBODY") == unknown.text  # nothing tells them apart
    for action in ("placement-requests", "consents"):
        secret = form_secret(north.get("/console/participants/N-1").text)
        posted = north.post(
            f"/console/participants/C-1/{action}",
            data={"csrf": secret, "granted_on": "2026-01-01", "expires_on": "2026-12-31"},
        )
        assert posted.status_code == 404
    assert north.get("/console/participants/N-1").status_code == 200


def test_posts_without_the_form_secret_are_refused_and_change_nothing(console, browser_for):
    north = browser_for("coord_north")
    response = north.post("/console/participants/N-1/placement-requests", data={})
    assert response.status_code == 403 and "out of date" in response.text
    response = north.post("/console/participants/N-1/placement-requests", data={"csrf": "forged"})
    assert response.status_code == 403
    with console.app.state.sessions() as session:
        assert session.scalars(select(Placement)).all() == []
    provider = browser_for("provider_h1")
    assert provider.post("/console/provider/capacity", data={"capacity": "9"}).status_code == 403
    sign_in_page = console.client.get("/console/sign-in")
    assert (
        console.client.post("/console/sign-in", data={"token": console.tokens["pcg"], "csrf": "x"}).status_code == 403
    )
    assert sign_in_page.status_code == 200


def test_roles_reach_only_their_pages(browser_for):
    pcg = browser_for("pcg")
    assert pcg.get("/console/participants").status_code == 403
    assert pcg.get("/console/provider").status_code == 403
    assert pcg.get("/console/results").status_code == 403
    provider = browser_for("provider_h1")
    assert provider.get("/console/participants").status_code == 403
    assert provider.get("/console/provider?id=T1").status_code == 200  # ?id= is for admins; H1's page
    assert "Provider H1" in provider.get("/console/provider?id=T1").text


def test_coordinator_requests_confirms_and_declines_with_a_reason(console, browser_for):
    north = browser_for("coord_north")
    page = north.get("/console/participants/N-1")
    response = north.post("/console/participants/N-1/placement-requests", data={"csrf": form_secret(page.text)})
    assert response.status_code == 200 and "Placements requested" in response.text
    ids = re.findall(r"/console/placements/([0-9a-f-]+)/confirm", response.text)
    assert len(ids) == 2, response.text
    secret = form_secret(response.text)
    confirmed = north.post(f"/console/placements/{ids[0]}/confirm", data={"csrf": secret})
    assert "Placement confirmed" in confirmed.text
    declined = north.post(
        f"/console/placements/{ids[1]}/decline", data={"csrf": secret, "category": "too-far", "reason": ""}
    )
    assert "Placement declined" in declined.text and "Too far to travel" in declined.text
    with console.app.state.sessions() as session:
        status = dict(session.execute(select(Placement.id, Placement.status)).all())
        declined_row = session.get(Placement, ids[1])
    assert status == {ids[0]: "confirmed", ids[1]: "declined"}
    assert (declined_row.reason, declined_row.decline_reason) == ("Too far to travel", "too-far")
    again = north.post(f"/console/placements/{ids[1]}/confirm", data={"csrf": secret})
    assert again.status_code == 409 and "only a held placement" in again.text


def test_provider_changes_capacity_and_manages_the_wait_list(console, browser_for):
    provider = browser_for("provider_h1")
    secret = form_secret(provider.get("/console/provider").text)
    saved = provider.post(
        "/console/provider/capacity",
        data={"csrf": secret, "capacity": "5", "occupied": "1", "lead_slots": "0", "lead_occupied": "0"},
    )
    assert "Capacity saved" in saved.text and re.search(r'id="free-seats">4<', saved.text)
    wrong = provider.post("/console/provider/capacity", data={"csrf": secret, "capacity": "1", "occupied": "3"})
    assert wrong.status_code == 422 and "occupied 3 exceeds capacity 1" in wrong.text
    csv = b"person_id,lead,added\nW-1,no,2026-01-02\nW-2,yes,2026-01-03\nW-3,,\n"
    uploaded = provider.post(
        "/console/provider/wait-list/upload",
        data={"csrf": secret},
        files={"spreadsheet": ("list.csv", csv, "text/csv")},
    )
    assert "Wait list replaced" in uploaded.text and "3 waiting" in uploaded.text
    with console.app.state.sessions() as session:
        w3 = session.scalar(select(WaitListEntry.id).where(WaitListEntry.person_id == "W-3"))
    moved = provider.post(f"/console/provider/wait-list/entries/{w3}/move", data={"csrf": secret, "direction": "up"})
    assert moved.text.index("W-3") < moved.text.index("W-2") and moved.text.index("W-1") < moved.text.index("W-3")
    removed = provider.post(f"/console/provider/wait-list/entries/{w3}/remove", data={"csrf": secret})
    assert "2 waiting" in removed.text
    added = provider.post("/console/provider/wait-list/entries", data={"csrf": secret, "person_id": "W-9"})
    assert "3 waiting" in added.text and added.text.index("W-2") < added.text.index("W-9")
    bad = provider.post(
        "/console/provider/wait-list/upload",
        data={"csrf": secret},
        files={"spreadsheet": ("list.csv", b"person_id,lead\nW-1,maybe\n", "text/csv")},
    )
    assert bad.status_code == 422 and "list.csv, row 2, column &#39;lead&#39;" in bad.text and "3 waiting" in bad.text
    other = provider.post(
        "/console/provider/wait-list/upload",
        data={"csrf": secret},
        files={"spreadsheet": ("list.csv", b"provider_id,person_id\nT1,W-5\n", "text/csv")},
    )
    assert other.status_code == 403 and "3 waiting" in other.text


def test_sign_out_and_expiry_end_the_session(console, browser_for):
    north = browser_for("coord_north")
    secret = form_secret(north.get("/console/participants").text)
    stolen = dict(north.cookies)
    out = north.post("/console/sign-out", data={"csrf": secret})
    assert "signed out" in out.text
    north.cookies.update(stolen)  # the old cookie no longer works anywhere
    assert "Sign in" in north.get("/console/participants").text
    other = browser_for("coord_north")
    with console.app.state.sessions() as session:
        session.execute(
            update(WebSession).where(WebSession.ended_at.is_(None)).values(expires_at=utcnow() - timedelta(minutes=1))
        )
        session.commit()
    expired = other.get("/console/participants")
    assert "session ended or expired" in expired.text


def test_coordinator_joins_a_wait_list_from_the_answer(console, browser_for):
    console.call("PUT", "/v1/providers/H1/capacity", json={"capacity": 2, "occupied": 2})
    console.call("POST", "/v1/wait-lists/H1/entries", json={"person_id": "W-1"})
    north = browser_for("coord_north")
    secret = form_secret(north.get("/console/participants/N-1").text)
    answer = north.post("/console/participants/N-1/placement-requests", data={"csrf": secret})
    assert "Not placed yet" in answer.text and "Provider H1: place 2 (1 ahead)" in answer.text
    joined = north.post("/console/participants/N-1/wait-lists/H1/join", data={"csrf": secret})
    assert "on the wait list now" in joined.text and "on this list" in joined.text
    entries = console.call("GET", "/v1/wait-lists/H1").json()["entries"]
    assert [e["person_id"] for e in entries] == ["W-1", "N-1"]
    again = north.post("/console/participants/N-1/wait-lists/H1/join", data={"csrf": secret})
    assert again.status_code == 409 and "already waits" in again.text


def test_page_reads_of_people_are_audited_as_api_reads_are(console, browser_for):
    north = browser_for("coord_north")
    north.get("/console/participants/N-1")
    rows = console.call("GET", "/v1/audit", params={"action": "participant.read", "actor": "coord_north"}).json()
    assert [(r["record_id"], r["detail"]["via"]) for r in rows["items"]][:1] == [("N-1", "console /participants/{id}")]


def test_officer_refers_and_sees_the_hand_off_then_only_outcomes(console, browser_for):
    from tests.api.frontdoor_helpers import north_front_door

    north_front_door(console)
    officer = browser_for("officer_z1")
    form = officer.get("/console/referrals/new")
    assert form.status_code == 200 and "Refer to LEAD" in form.text
    fields = {
        "csrf": form_secret(form.text),
        "route": "arrest-diversion",
        "offence": "retail theft",
        "lat": "40.44",
        "lon": "-80.0",
        "cohort": "North",
    }
    refused = officer.post("/console/referrals", data=fields)  # no consent ticked
    assert refused.status_code == 422 and "consent" in refused.text and 'value="40.44"' in refused.text
    answer = officer.post("/console/referrals", data=fields | {"consent": "yes"})
    assert answer.status_code == 201, answer.text[answer.text.find('role="alert"') :][:600]
    assert "LEAD is available now" in answer.text and "412-555-0142" in answer.text
    mine = officer.get("/console/referrals")
    assert "Arrest diversion" in mine.text and "Handed off" in mine.text and "retail theft" not in mine.text
    other = browser_for("officer_z2")
    assert "No referrals yet." in other.get("/console/referrals").text
    coordinator = browser_for("coord_north")
    queue = coordinator.get("/console/intake")
    assert queue.status_code == 200 and "days left" in queue.text
    assert officer.get("/console/participants").status_code == 403


def test_demo_ends_with_the_console_address_and_a_coordinator_sign_in(console, tmp_path):
    from rich.console import Console

    from cli.demo import print_console_sign_ins

    console.participant("N-2")  # North has the most participants now
    out = Console(record=True, width=80)  # narrow: the serve command must still be one line to copy
    url = console.app.state.engine.url.render_as_string(hide_password=False)
    print_console_sign_ins(out, tmp_path, tmp_path / "region", url)
    text = out.export_text()
    assert "http://127.0.0.1:8000/console" in text and f"--region {tmp_path / 'region'} --results {tmp_path}\n" in text
    assert re.search(r"  officer +officer-\S+ +token \S{20,}\n", text), "each sign-in on one line"
    name, token = re.search(r"Coordinator sign-in: user (\S+), token (\S+)", text).groups()
    assert sign_in(console.client, token).url.path == "/console/participants"
    assert "Participants of North" in console.client.get("/console/participants").text  # the cohort with people
    assert name.startswith("coordinator-")


def test_provider_uploads_an_excel_wait_list(console, browser_for):
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["person_id", "lead", "added"])
    book.active.append(["X-2", True, "2026-02-01"])
    book.active.append(["X-1", False, "2026-02-03"])
    data = io.BytesIO()
    book.save(data)
    provider = browser_for("provider_h1")
    secret = form_secret(provider.get("/console/provider").text)
    uploaded = provider.post(
        "/console/provider/wait-list/upload",
        data={"csrf": secret},
        files={"spreadsheet": ("list.xlsx", data.getvalue(), "application/octet-stream")},
    )
    assert "Wait list replaced" in uploaded.text
    entries = console.call("GET", "/v1/wait-lists/H1").json()["entries"]
    assert [(e["person_id"], e["lead"]) for e in entries] == [("X-2", True), ("X-1", False)]

"""OpenAPI links between operations (create -> read, update, placement request -> confirm), so
clients and stateful fuzzers (schemathesis) can follow a record from the answer that made it."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

# (source path, method, status) -> [(link name, target path, method, parameters, request body)]
LINKS: dict[tuple[str, str, str], list[tuple[str, str, str, dict[str, str], Any]]] = {
    ("/v1/participants", "post", "201"): [
        ("GetParticipant", "/v1/participants/{participant_id}", "get", {"participant_id": "$response.body#/id"}, None),
        (
            "PatchParticipant",
            "/v1/participants/{participant_id}",
            "patch",
            {"participant_id": "$response.body#/id"},
            None,
        ),
        (
            "AddConsent",
            "/v1/participants/{participant_id}/consents",
            "post",
            {"participant_id": "$response.body#/id"},
            None,
        ),
        ("RequestPlacement", "/v1/placement-requests", "post", {}, {"participant_id": "$response.body#/id"}),
    ],
    ("/v1/participants/{participant_id}/consents", "post", "201"): [
        (
            "RequestPlacementAfterConsent",
            "/v1/placement-requests",
            "post",
            {},
            {"participant_id": "$request.path.participant_id"},
        ),
    ],
    ("/v1/placement-requests", "post", "201"): [
        ("GetRequest", "/v1/placement-requests/{request_id}", "get", {"request_id": "$response.body#/id"}, None),
        (
            "ConfirmFirstHold",
            "/v1/placements/{placement_id}/confirm",
            "post",
            {"placement_id": "$response.body#/needs/0/placement/id"},
            None,
        ),
        (
            "GetFirstHold",
            "/v1/placements/{placement_id}",
            "get",
            {"placement_id": "$response.body#/needs/0/placement/id"},
            None,
        ),
    ],
    ("/v1/providers", "post", "201"): [
        ("GetProvider", "/v1/providers/{provider_id}", "get", {"provider_id": "$response.body#/id"}, None),
        ("PatchProvider", "/v1/providers/{provider_id}", "patch", {"provider_id": "$response.body#/id"}, None),
        ("SetCapacity", "/v1/providers/{provider_id}/capacity", "put", {"provider_id": "$response.body#/id"}, None),
    ],
}


def add_links(document: dict) -> dict:
    """``document`` (an OpenAPI dict) with :data:`LINKS` on the source responses (in place)."""
    paths = document["paths"]
    for (path, method, status), links in LINKS.items():
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        if response is None:
            continue
        for name, target, target_method, parameters, body in links:
            if target_method not in paths.get(target, {}):
                continue
            link: dict[str, Any] = {"operationId": paths[target][target_method]["operationId"]}
            if parameters:
                link["parameters"] = parameters
            if body is not None:
                link["requestBody"] = body
            response.setdefault("links", {})[name] = link
    return document


def install(app: FastAPI) -> None:
    """Serve the app's OpenAPI document with its links (built once, as FastAPI does)."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = add_links(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI documents replacing it

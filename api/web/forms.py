"""Form values to the API's request models: the same validation, errors named by form field."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from api.errors import ApiError

M = TypeVar("M", bound=BaseModel)


def validated(model: type[M], data: dict) -> M:
    """``model`` built from form ``data`` (422 :class:`ApiError` naming each wrong field otherwise)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [
            (
                ".".join(str(p) for p in e["loc"]) or "form",
                f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg'].removeprefix('Value error, ')}",
            )
            for e in exc.errors()
        ]
        raise ApiError(
            422,
            "Please check the form",
            "Some values are not accepted; correct them and send again.",
            slug="validation",
            errors=errors,
        ) from None


def whole(value: str, field: str) -> int:
    """A whole number typed into ``field`` (422 naming the field otherwise)."""
    try:
        return int(value.strip())
    except ValueError:
        raise ApiError(
            422,
            "Please check the form",
            f"{field} must be a whole number, e.g. 12.",
            slug="validation",
            errors=[(field, f"{field}: not a whole number: {value!r}")],
        ) from None


def decimal(value: str, field: str) -> float:
    """A decimal number typed into ``field``, e.g. a latitude (422 naming the field otherwise)."""
    try:
        return float(value.strip().replace(",", "."))
    except ValueError:
        raise ApiError(
            422,
            "Please check the form",
            f"{field} must be a number, e.g. 40.4406.",
            slug="validation",
            errors=[(field, f"{field}: not a number: {value!r}")],
        ) from None

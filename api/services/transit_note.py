"""What the region's transit feeds cover, said in the placement explanations that cite transit minutes.

A case manager reads an explanation aloud ("... it is 35 min by transit ..."). When the region's
feeds reach few of its people or encounters (``geodata.feed_notes``: under half within the walk
limit of a served stop), those minutes are mostly walking, and the explanation says so in the
feed note's words, e.g. "The Beaver County Transit feed serves 4% of the region's residents ...;
transit minutes elsewhere are walking only ...". The note is worked out once per region, with its
transit table (:meth:`api.services.region.RegionContext.feed_warning`), never per request; a
region whose feeds cover it well, or whose minutes are the straight-line estimate, adds nothing.
"""

from __future__ import annotations

from dataclasses import replace

import matcher

CITES_TRANSIT = "by transit"


def feed_warning_of(service) -> str | None:
    """The low-coverage warning for the region of the travel ``service`` (a
    ``geodata.TravelService``), for the default travel request the API's minutes use; None when
    its feeds cover it well, it has no feed, or coverage cannot be worked out."""
    from geodata import feed_notes

    note = feed_notes(service.region)
    return None if note is None else note.warning


def _noted(explanation: str, warning: str) -> str:
    return f"{explanation} {warning}" if CITES_TRANSIT in explanation and warning not in explanation else explanation


def with_feed_note(result: matcher.Result, warning: str | None) -> matcher.Result:
    """``result`` with ``warning`` added to each placement, wait position and unmet need whose
    explanation cites transit minutes; ``result`` itself when there is no warning."""
    if not warning:
        return result
    return replace(
        result,
        placements=[replace(p, explanation=_noted(p.explanation, warning)) for p in result.placements],
        wait_positions=[replace(w, explanation=_noted(w.explanation, warning)) for w in result.wait_positions],
        unmet=[replace(u, explanation=_noted(u.explanation, warning)) for u in result.unmet],
    )

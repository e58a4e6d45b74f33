"""Why a need went unmet and what would work: every provider of that service that was considered,
with the one deciding reason each, then the next steps a coordinator can take (join a wait list,
a provider just over the travel limit, a different subtype). Used by :mod:`matcher.explain`.

At county scale a service has thousands of providers, most of which no transit route links to a
person's home: past :data:`NAMED_WITHOUT_ROUTE` of those, they are counted in one sentence instead
of named one by one (each provider with a route, and each declined one, is still named with its
reason), so an explanation stays readable aloud and costs what the person's reach costs. Likewise
past the :data:`NAMED_TOO_FAR` nearest providers over the person's travel limit, the
:data:`NAMED_FULL` nearest full ones and :data:`NAMED_ALIKE` refusing for the same eligibility
reason, the rest are counted in one phrase each (with their range of minutes; the nearest over the
limit is also a next step, and the best wait lists are the first steps)."""

from __future__ import annotations

import math

from matcher.types import WaitPosition

SHOWN_NEXT_STEPS = 3
NAMED_WITHOUT_ROUTE = 5  # providers without a transit route named one by one; more are counted
NAMED_TOO_FAR = 3  # providers over the travel limit named, nearest first; more are counted
NAMED_ALIKE = 3  # providers refusing for one eligibility reason named, nearest first; more are counted
NAMED_FULL = 3  # full providers named with the people ahead, nearest first; more are counted
INELIGIBLE = "it does not take you: "  # how an eligibility reason begins


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def deciding_kind(r, p: int, need: int, si: int, minutes: float | None) -> str:
    """The kind of the one reason provider index ``si`` did not place participant ``p``'s need
    (``minutes`` by transit, None without a route): declined, subtype, choices, ineligible,
    no-route, too-far, appointment, full or blocked."""
    prep = r.prep
    person, s = prep.participants[p], prep.providers[si]
    want = person.needs[need]
    if s.provider_id in want.declined:
        return "declined"
    if want.subtype and s.subtype != want.subtype:
        return "subtype"
    if person.preferences and s.provider_id not in person.preferences:
        return "choices"
    if r.eligible(p, si)[0] is not True:
        return "ineligible"
    if minutes is None:
        return "no-route"
    if minutes > person.max_transit_minutes:
        return "too-far"
    if (p, si) in prep.ineligible:
        return "appointment"
    return "full" if r.full(p, si) else "blocked"


def reason_of(r, p: int, need: int, si: int, minutes: float | None, kind: str) -> str:
    """The sentence of the reason of ``kind`` (:func:`deciding_kind`) for provider index ``si``."""
    prep = r.prep
    person, s = prep.participants[p], prep.providers[si]
    if kind == "declined":
        return "you declined it for this need"
    if kind == "subtype":
        return f"it is {s.subtype or 'of no subtype'}, not {person.needs[need].subtype}"
    if kind == "choices":
        return "it is not among your choices"
    if kind == "ineligible":
        return INELIGIBLE + r.eligible(p, si)[1]
    if kind == "no-route":
        return (
            "no transit route: the transit feed does not reach your home within the walk limit (or does not reach it)"
        )
    if kind == "too-far":
        return f"it is {minutes:.0f} min by transit, over your limit of {person.max_transit_minutes:.0f}"
    if kind == "appointment":
        return prep.ineligible[(p, si)]
    return r.blocked(p, si)


def unmet_explanation(r, p: int, need: int, waits: list[WaitPosition]) -> str:
    """The explanation of an unmet need: every provider considered with its deciding reason, and
    the next steps (``waits`` are the need's wait positions)."""
    prep = r.prep
    want = prep.participants[p].needs[need]
    reach = dict(r.reachable(p, want.service))
    considered = r.of_service.get(want.service, [])
    if not considered:
        return f"No {want.service} placement now: no {want.service} provider was considered for you."
    named, unrouted = considered, 0
    if len(considered) - len(reach) > NAMED_WITHOUT_ROUTE:
        declined = {r.index[d] for d in want.declined if d in r.index}
        named = list(set(reach) | {si for si in declined if prep.providers[si].service == want.service})
        unrouted = len(considered) - len(named)
    rows = []
    label = r.label
    seen = {"too-far": 0, "full": 0}
    shown = {"too-far": NAMED_TOO_FAR, "full": NAMED_FULL}
    for si in sorted(named, key=lambda i: (reach.get(i, math.inf), label[i])):
        kind = deciding_kind(r, p, need, si, reach.get(si))
        if kind in seen:
            seen[kind] += 1
        named_here = kind not in seen or seen[kind] <= shown[kind]  # the counted ones need no sentence
        rows.append((kind, si, reason_of(r, p, need, si, reach.get(si), kind) if named_here else ""))
    text = f"No {want.service} placement now. Considered: " + "; ".join(_considered(r, p, want.service, rows, reach))
    if unrouted:
        text += (
            f"{'; and ' if rows else ''}{unrouted} other {want.service} providers: no transit route "
            "(the transit feed does not reach your home within the walk limit, or does not reach them)"
        )
    text += "."
    return text + " " + next_steps(r, p, need, rows, reach, waits)


def _considered(r, p: int, service: str, rows, reach: dict[int, float]) -> list[str]:
    """The phrases of the considered ``rows`` (kind, provider index, reason; nearest first): each
    provider with its reason, but past :data:`NAMED_TOO_FAR` over the travel limit,
    :data:`NAMED_FULL` full and :data:`NAMED_ALIKE` refusing for one eligibility reason, the rest
    counted in one phrase each."""
    far: list[int] = []
    full: list[int] = []
    alike: dict[str, list[int]] = {}
    for kind, si, why in rows:
        if kind == "too-far":
            far.append(si)
        elif kind == "full":
            full.append(si)
        elif kind == "ineligible":
            alike.setdefault(why, []).append(si)
    counted = set(far[NAMED_TOO_FAR:]) | set(full[NAMED_FULL:])
    counted = counted.union(*(sis[NAMED_ALIKE:] for sis in alike.values()))
    label = r.label
    phrases = [f"{label[si]}: {why}" for _, si, why in rows if si not in counted]
    for why, sis in alike.items():
        if len(sis) > NAMED_ALIKE:
            phrases.append(
                f"{_others(len(sis) - NAMED_ALIKE, service, 'does', 'do')} not take you either "
                f"({why.removeprefix(INELIGIBLE)})"
            )
    if len(full) > NAMED_FULL:
        phrases.append(f"{_others(len(full) - NAMED_FULL, service, 'is', 'are')} full too")
    if len(far) > NAMED_TOO_FAR:
        limit, rest = r.prep.participants[p].max_transit_minutes, far[NAMED_TOO_FAR:]
        phrases.append(
            f"{_others(len(rest), service, 'is', 'are')} over your limit of {limit:.0f} min by transit too "
            f"({reach[rest[0]]:.0f} to {reach[rest[-1]]:.0f} min)"
        )
    return phrases


def _others(n: int, service: str, one: str, many: str) -> str:
    """'1 other clinic provider is' or '4 other clinic providers are' (``one``/``many``: the verb)."""
    return f"1 other {service} provider {one}" if n == 1 else f"{n} other {service} providers {many}"


def next_steps(r, p: int, need: int, rows, reach: dict[int, float], waits: list[WaitPosition]) -> str:
    """What would work for the need, best first: wait lists to join, a provider just over the
    travel limit, a provider of another subtype."""
    prep = r.prep
    person, want = prep.participants[p], prep.participants[p].needs[need]
    steps = []
    for w in waits:
        label = prep.providers[r.index[w.provider_id]].label
        start = f", estimated start {w.estimated_start}" if w.estimated_start else ", no start date can be estimated"
        steps.append(f"join the wait list of {label} (you would be {_ordinal(w.position)} in line{start})")
    nearest_far = min(((reach[si], si) for kind, si, _ in rows if kind == "too-far"), default=None)
    if nearest_far is not None:
        minutes, si = nearest_far
        steps.append(
            f"a travel limit of {math.ceil(minutes)} min would reach {prep.providers[si].label} "
            f"({minutes:.0f} min by transit)"
        )
    other = [
        si
        for kind, si, _ in rows
        if kind == "subtype"
        and prep.providers[si].provider_id not in want.declined
        and reach.get(si, math.inf) <= person.max_transit_minutes
        and r.eligible(p, si)[0] is True
    ]
    if other:
        s = prep.providers[other[0]]
        steps.append(
            f"without the {want.subtype} requirement, {s.label} ({s.subtype or 'no subtype'}) takes you and is in reach"
        )
    if not steps:
        return (
            "Next step: no provider of this service that was considered can take you now; ask the program "
            "to widen the search or add a provider."
        )
    return "Next steps: " + "; or ".join(steps[:SHOWN_NEXT_STEPS]) + "."

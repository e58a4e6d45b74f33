"""Deterministic place, street and organisation names for the demo region."""

from __future__ import annotations

import numpy as np

_STEMS = [
    "Oak",
    "Elm",
    "Mill",
    "Glen",
    "Fox",
    "Bell",
    "Ross",
    "Shaler",
    "Penn",
    "Brent",
    "Spring",
    "Rose",
    "Cedar",
    "Castle",
    "Harmar",
    "Forest",
    "Plum",
    "Monroe",
    "Clair",
    "Stow",
    "Avon",
    "Ferry",
    "Ash",
    "Bridge",
    "Crest",
    "Deer",
    "Eagle",
    "Fair",
    "Green",
    "Haw",
    "Iron",
    "Kings",
    "Laurel",
    "Maple",
    "North",
    "Orchard",
    "Pine",
    "Quarry",
    "Ridge",
    "Stone",
    "Turtle",
    "Union",
    "Vale",
    "Willow",
    "Aspin",
    "Birch",
    "Coal",
    "Dorm",
    "Ember",
    "Frank",
    "Gibson",
    "Hamp",
    "Indian",
    "Jeff",
    "Kenn",
    "Lincoln",
    "Marsh",
    "Neville",
    "Osborne",
    "Pitcairn",
    "Reserve",
    "Sewick",
    "Thorn",
    "Verona",
    "Wilkins",
    "Baldwin",
    "Chester",
    "Dravos",
    "Emsworth",
    "Findlay",
    "Glass",
    "Heidel",
    "Ingram",
]
_ENDINGS = [
    "ville",
    "ton",
    "burg",
    "dale",
    "wood",
    "field",
    "brook",
    "mont",
    "view",
    "haven",
    " Hills",
    " Heights",
    " Park",
    " Valley",
    " Run",
    "port",
    "side",
    " Springs",
]
_KINDS = ["Borough", "Borough", "Township"]
_STREETS = [
    "Liberty",
    "Penn",
    "Forbes",
    "Fifth",
    "Butler",
    "Carson",
    "Brownsville",
    "Saw Mill Run",
    "Ohio River",
    "Allegheny",
    "Baum",
    "Centre",
    "Murray",
    "Negley",
    "Highland",
    "Craig",
    "Bigelow",
    "Smithfield",
    "Grant",
    "Ross",
    "Wood",
    "Market",
    "Stanwix",
    "Boulevard",
    "Perrysville",
    "Brighton",
    "California",
    "Chartiers",
    "Steuben",
    "Noblestown",
    "Banksville",
    "West Liberty",
    "Library",
    "Lebanon",
    "Clairton",
    "Homestead",
    "Ardmore",
    "Frankstown",
    "Washington",
    "Greentree",
    "McKnight",
    "Babcock",
    "Freeport",
]
_STREET_KINDS = ["Street", "Avenue", "Road", "Way", "Drive", "Lane"]
_NEIGHBORHOODS = ["Upper", "Lower", "East", "West", "North", "South", "Central", "Old"]
_PROVIDER_WORDS = {
    "housing": ["House", "Residence", "Homes", "Shelter", "Commons", "Place"],
    "treatment": ["Recovery Center", "Treatment Services", "Wellness", "Behavioral Health", "Clinic"],
    "clinic": ["Health Center", "Community Clinic", "Medical", "Family Health", "Care Clinic"],
}


def municipality_names(rng: np.random.Generator, n: int) -> list[tuple[str, str]]:
    """``n`` distinct ``(name, kind)`` pairs such as ``("Oakdale", "Borough")``."""
    combos = [s + e for s in _STEMS for e in _ENDINGS]
    picks = rng.choice(len(combos), size=n, replace=False)
    kinds = rng.choice(len(_KINDS), size=n)
    return [(combos[i], _KINDS[k]) for i, k in zip(picks, kinds)]


def street_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct street names such as ``"Forbes Avenue"``."""
    combos = [f"{s} {k}" for s in _STREETS for k in _STREET_KINDS]
    extra = [f"{s} {k}" for s in _STEMS for k in _STREET_KINDS]
    pool = combos + [c for c in extra if c not in set(combos)]
    if n <= len(pool):
        return [pool[i] for i in rng.choice(len(pool), size=n, replace=False)]
    return [pool[i % len(pool)] + ("" if i < len(pool) else f" {i // len(pool) + 1}") for i in range(n)]


def neighborhood_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct city neighbourhood names such as ``"Upper Glenwood"``."""
    combos = [f"{p} {s}{e}".strip() for p in [""] + _NEIGHBORHOODS for s in _STEMS for e in ("", "wood", "field")]
    return [combos[i] for i in rng.choice(len(combos), size=n, replace=False)]


def provider_name(rng: np.random.Generator, service: str, place: str) -> str:
    """A plausible provider name for ``service`` near ``place`` (e.g. ``"Cedar Recovery Center"``)."""
    stem = _STEMS[int(rng.integers(len(_STEMS)))]
    word = _PROVIDER_WORDS[service][int(rng.integers(len(_PROVIDER_WORDS[service])))]
    return f"{stem} {word} of {place}"

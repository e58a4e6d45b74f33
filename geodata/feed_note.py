"""What the region's transit feeds cover, in words a reader can act on (summary, siting, report, API).

Transit minutes are only as good as the feeds: where no served stop is within walking distance,
a "transit" trip is a walk or unreachable. :func:`feed_notes` turns
:func:`geodata.coverage.feed_coverage` into one sentence of fact and, when the feeds reach under
:data:`LOW_SHARE` of the people or the encounters, a warning that names the feeds:

    "On Monday 2018-08-06 the Beaver County Transit feed serves 6% of the 309,107 residents of
    areas with a boundary and 16% of located encounters within a 20-minute walk of its 281 stops
    with service that day; transit minutes elsewhere are walking only (or unreachable), so transit
    figures there understate what a full network would give."

The warning says everything the fact says, so where there is one it is shown alone
(:attr:`FeedNote.sentences`); it stands on its own in an explanation a case manager reads out.

Several feeds are one network (``geodata.transit_timetable`` indexes the stops of every feed and
transfers between them on foot), so the shares are over all feeds together.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from geodata.errors import DataError

LOW_SHARE = 0.5


@dataclass(frozen=True)
class FeedNote:
    """The feeds' coverage as sentences: ``fact`` always, ``warning`` when coverage is low (else ``None``)."""

    fact: str
    warning: str | None
    population_share: float | None
    encounter_share: float | None

    @property
    def sentences(self) -> list[str]:
        """What to print: the warning when there is one (it says the fact too), else the fact."""
        return [self.warning] if self.warning else [self.fact]


def feed_names(region) -> str:
    """The agencies of the region's feeds, e.g. ``"Beaver County Transit"`` (file names when unnamed)."""
    names: list[str] = []
    for spec, feed in zip(region.manifest.files.get("transit", []), region.transit):
        agency = feed.agency["agency_name"].dropna().astype(str).tolist() if "agency_name" in feed.agency else []
        names += agency or [spec.path.stem]
    names = list(dict.fromkeys(names))
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


@functools.lru_cache(maxsize=8)
def feed_notes(region, request=None) -> FeedNote | None:
    """The region's feed coverage in words, or ``None`` when the region has no transit feed.

    Kept for the last few (region, request) pairs: a loaded region's files do not change.
    """
    from geodata.coverage import feed_coverage, residents_text
    from geodata.travel import TravelRequest, TravelService

    if not region.manifest.files.get("transit"):
        return None
    try:
        coverage = feed_coverage(TravelService(region, cache=False), request or TravelRequest(), cache=True)
    except DataError:
        return None
    names = feed_names(region)
    plural = len(region.manifest.files["transit"]) > 1
    shares = []
    if coverage.population_share is not None:
        shares.append(residents_text(coverage.population_share, coverage.population))
    if coverage.encounter_share is not None:
        shares.append(f"{coverage.encounter_share:.0%} of located encounters")
    low = [s for s in (coverage.population_share, coverage.encounter_share) if s is not None and s < LOW_SHARE]
    warning = None
    if low and shares:
        warning = (
            f"On {coverage.day:%A} {coverage.day} the {names} feed{'s' if plural else ''} "
            f"serve{'' if plural else 's'} {' and '.join(shares)} within a {coverage.walk_minutes:g}-minute "
            f"walk of {'their' if plural else 'its'} {coverage.served_stops:,} stops with service that day; "
            "transit minutes elsewhere are walking only (or unreachable), so transit figures there "
            "understate what a full network would give."
        )
    return FeedNote(coverage.describe(), warning, coverage.population_share, coverage.encounter_share)

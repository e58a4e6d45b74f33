"""The one straight-line fallback for travel minutes, with every speed named here.

Used when a region has no street graph (drive) or no transit feed with service (transit), and
for the short walk from a participant's own location to the nearest point of a precomputed
table. Distance is great-circle kilometres times :data:`DETOUR` (streets are not straight);
minutes are that distance at the mode's speed plus the mode's fixed minutes (walking to the
stop and waiting, for transit). docs/transit.md ("When there is no feed") says the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_KM = 6371.0088
DETOUR = 1.3  # street distance per straight-line distance


@dataclass(frozen=True)
class Pace:
    """A straight-line speed: ``kmh`` over the detoured distance plus ``fixed_minutes``."""

    name: str
    kmh: float
    fixed_minutes: float = 0.0

    def describe(self) -> str:
        """A sentence a case manager can read aloud, e.g. for a report's method note."""
        extra = f" plus {self.fixed_minutes:g} min to reach the stop and wait" if self.fixed_minutes else ""
        return f"straight-line estimate: {DETOUR:g} x distance at {self.kmh:g} km/h ({self.name}){extra}"


WALK = Pace("walking", 4.8)
DRIVE = Pace("driving", 35.0)
TRANSIT = Pace("bus door to door", 18.0, 8.0)  # right order for 2-15 km bus trips in Pittsburgh


def great_circle_km(origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
    """Kilometres on the sphere between (n, 2) and (m, 2) lon/lat degrees, shape (n, m)."""
    o = np.radians(np.asarray(origins, dtype=float).reshape(-1, 2))
    d = np.radians(np.asarray(destinations, dtype=float).reshape(-1, 2))
    dlon = d[None, :, 0] - o[:, None, 0]
    dlat = d[None, :, 1] - o[:, None, 1]
    a = np.sin(dlat / 2) ** 2 + np.cos(o[:, None, 1]) * np.cos(d[None, :, 1]) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def straight_line_minutes(origins: np.ndarray, destinations: np.ndarray, pace: Pace) -> np.ndarray:
    """Estimated minutes at ``pace`` from (n, 2) lon/lat origins to (m, 2) destinations, (n, m)."""
    return pace.fixed_minutes + great_circle_km(origins, destinations) * DETOUR / pace.kmh * 60.0

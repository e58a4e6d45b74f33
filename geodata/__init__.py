"""Regions, real-format loaders, the demo region generator and travel-time engines.

Imports no other package of Handoff's.
"""
from geodata.errors import DataError

__all__ = ["DataError"]

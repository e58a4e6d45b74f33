"""Placement model and solver (OR-Tools CP-SAT), the no-bump rule, checker and explanations.

Pure: takes travel times as numbers; imports nothing from ``api`` or ``scenarios``.
Formats: docs/formats.md; the rule: docs/no-bump.md.
"""

from matcher.baselines import deferred_acceptance, fcfs
from matcher.check import check
from matcher.generate import generate_instance
from matcher.incremental import Board, make_board, place_one, single_participant_instance, validate_state
from matcher.most_met import MoreSeats, MostMet, most_needs_met
from matcher.io import instance_from_dict, instance_to_dict, json_schema, result_from_dict, result_to_dict
from matcher.solve import solve
from matcher.types import (
    Instance,
    InstanceError,
    Need,
    Participant,
    Placement,
    Provider,
    Result,
    UnmetNeed,
    Violation,
    WaitListEntry,
    WaitPosition,
    Window,
)

__all__ = [
    "Board",
    "Instance",
    "InstanceError",
    "MoreSeats",
    "MostMet",
    "Need",
    "Participant",
    "Placement",
    "Provider",
    "Result",
    "UnmetNeed",
    "Violation",
    "WaitListEntry",
    "WaitPosition",
    "Window",
    "check",
    "deferred_acceptance",
    "fcfs",
    "generate_instance",
    "instance_from_dict",
    "instance_to_dict",
    "json_schema",
    "make_board",
    "most_needs_met",
    "place_one",
    "result_from_dict",
    "result_to_dict",
    "single_participant_instance",
    "solve",
    "validate_state",
]

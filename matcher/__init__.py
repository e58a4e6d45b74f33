"""Placement model and solver (OR-Tools CP-SAT), the no-bump rule, checker and explanations.

Pure: takes travel times as numbers; imports nothing from ``api`` or ``scenarios``.
Formats: docs/formats.md; the rule: docs/no-bump.md.
"""
from matcher.io import instance_from_dict, instance_to_dict, json_schema, result_from_dict, result_to_dict
from matcher.solve import solve
from matcher.types import (
    Instance, InstanceError, Need, Participant, Placement, Provider, Result, UnmetNeed, Violation,
    WaitListEntry, WaitPosition,
)

__all__ = [
    "Instance", "InstanceError", "Need", "Participant", "Placement", "Provider", "Result", "UnmetNeed",
    "Violation", "WaitListEntry", "WaitPosition", "solve", "instance_from_dict", "instance_to_dict",
    "json_schema", "result_from_dict", "result_to_dict",
]

"""Placement model and solver (OR-Tools CP-SAT), the no-bump rule, checker and explanations.

Pure: takes travel times as numbers; imports nothing from ``api`` or ``scenarios``.
"""

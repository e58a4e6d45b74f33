"""Facility siting: where case-management facilities go (p-median, MCLP, LSCP, p-center,
capacitated and fixed-charge location), solved exactly with OR-Tools' MIP backends.

Imported eagerly (not through :func:`scenarios.faces.lazy_face`): the function ``solve`` shares
its name with the module :mod:`scenarios.siting.solve`, and only an import here binds the name to
the function."""

from __future__ import annotations

from scenarios.siting.mip import SOLVERS
from scenarios.siting.orlib import read_cap, read_optima, read_pmed
from scenarios.siting.problem import SitingProblem, SitingSolution
from scenarios.siting.scenario import demo_spec
from scenarios.siting.solve import solve

__all__ = ["SOLVERS", "SitingProblem", "SitingSolution", "demo_spec", "read_cap", "read_optima", "read_pmed", "solve"]

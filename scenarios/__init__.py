"""Planners' what-ifs: facility siting, coverage-hours pricing, capacity-gap reports, sweeps."""

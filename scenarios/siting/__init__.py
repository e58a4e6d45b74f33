"""Facility siting: where case-management facilities go (p-median, MCLP, LSCP, p-center,
capacitated and fixed-charge location), solved exactly with OR-Tools' MIP backends."""

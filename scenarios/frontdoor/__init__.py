"""The LEAD front door: when a cohort can take a hand-off, and the best warm hand-off for an officer.

Modules: ``availability`` (covered hours of the week in a time zone, from windows or an adopted
coverage schedule), ``handoff`` (drive to an open facility or an on-duty case manager comes),
``travel`` (the one drive-minutes function, on the region's street network). See docs/referrals.md.
"""

"""The PCG's capacity-gap report: measures, reach, equity, declines and marginal values, aggregate
only, small cells withheld (:mod:`scenarios.reports.privacy`), rendered to HTML, JSON and PDF."""

from __future__ import annotations

from scenarios.faces import lazy_face

EXPORTS = {
    "ReportOptions": "scenarios.reports.report",
    "REPORT_KIND": "scenarios.reports.report",
    "build_report": "scenarios.reports.report",
    "equity_for": "scenarios.reports.report",
    "to_json": "scenarios.reports.report",
    "waiting_publication": "scenarios.reports.report",
    "combined_privacy": "scenarios.reports.report",
    "summary_sentences": "scenarios.reports.report",
    "COUNT_FIELDS": "scenarios.reports.report",
    "marginal_values": "scenarios.reports.marginal",
    "render_html": "scenarios.reports.render",
    "write_pdf": "scenarios.reports.render",
    "figures": "scenarios.reports.render",
    "Publication": "scenarios.reports.privacy",
    "THRESHOLD": "scenarios.reports.privacy",
    "Cell": "scenarios.reports.privacy",
    "privacy_sentence": "scenarios.reports.report",
    "add_referral_tables": "scenarios.reports.referrals",
    "published_section": "scenarios.reports.referrals",
    "referral_microcells": "scenarios.reports.referrals",
}
__all__ = sorted(EXPORTS)
__getattr__ = lazy_face(__name__, EXPORTS)

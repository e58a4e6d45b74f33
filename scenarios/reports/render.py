"""Render a capacity-gap report dict to ONE self-contained HTML file and to a PDF.

The HTML has no external references: charts and the map are PNG data URIs made with matplotlib,
styles are inline, there is no script. The PDF is printed from that same HTML by WeasyPrint (no
browser needed: the tables, map and charts, each section on a new page, A4 landscape so the wide
tables fit), or by headless Chromium when asked; matplotlib's PdfPages (summary, map and charts,
one page each) is the last resort when neither is available.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import jinja2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from scenarios.reports import charts  # noqa: E402
from scenarios.reports.measures import LEVEL_TITLES, LEVELS  # noqa: E402
from scenarios.reports.privacy import SUPPRESSED_MARK, assert_no_pseudonyms, format_count  # noqa: E402

TEMPLATE = "report.html.j2"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable on PATH, or ``None``."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def figures(report: dict, municipalities=None, streets=None, water=None) -> dict:
    """The report's matplotlib figures by name: map (on ``streets``, the region's street graph, and
    ``water``, its water polygons, when given), capacity, waits, marginal, equity charts."""
    wait_by_area = {
        row["area"]: row["wait_days"]
        for row in report["measures"].get("municipality", [])
        if row["service"] == "housing" and isinstance(row["wait_days"], (int, float))
    }
    import pandas as pd

    providers = pd.DataFrame(report["providers_map"])
    figs = {
        "map": charts.gap_map(
            municipalities,
            providers,
            wait_by_area,
            title=f"{report['region']}: expected housing wait and providers",
            streets=streets,
            water=water,
        ),
        "capacity": charts.capacity_chart(report["headline"]),
        "waits": charts.wait_chart(report["measures"].get("municipality", [])),
    }
    if report.get("marginal"):
        figs["marginal"] = charts.marginal_chart(report["marginal"]["providers"])
    for dim in ("race", "gender", "age_band"):
        rows = (report.get("equity") or {}).get("dimensions", {}).get(dim, {}).get("eligible", [])
        if any(r.get("ratio") is not None for r in rows):
            figs[f"equity:{dim}"] = charts.ratio_chart(
                rows, title=f"Diversion-eligible share of arrests by {dim.replace('_', ' ')}"
            )
    return figs


def _count(value) -> str:
    return format_count(float("nan") if value is None else value)


def _pct(value) -> str:
    return "-" if value is None else f"{100 * value:.0f} %"


def _wait(value) -> str:
    if value is None:
        return f"{SUPPRESSED_MARK} waiting"
    return value if isinstance(value, str) else f"{value:,.0f}"


def _ratio(row: dict) -> str:
    if row.get("reference"):
        return "1 (reference)"
    if row.get("ratio") is None:
        return "-"
    return f"{row['ratio']:.2f} ({row['ratio_low']:.2f}-{row['ratio_high']:.2f})"


def _num(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return f"{value:+,.1f}" if isinstance(value, float) and not float(value).is_integer() else f"{value:,.0f}"


def _access_rate(entry: dict, service: str, group: str):
    for row in entry["access"].get(service, []):
        if row["group"] == group:
            return row["rate"]
    return None


def render_html(report: dict, out: Path, *, municipalities=None, streets=None, water=None) -> Path:
    """Write the report as one self-contained HTML file at ``out``; returns the path."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("scenarios.reports", "."),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(count=_count, pct=_pct, wait=_wait, ratio=_ratio, num=_num, access_rate=_access_rate)
    figs = figures(report, municipalities, streets, water)
    images: dict[str, Any] = {
        name: charts.to_data_uri(fig) for name, fig in figs.items() if not name.startswith("equity:")
    }
    images["equity"] = {name: charts.to_data_uri(fig) for name, fig in figs.items() if name.startswith("equity:")}
    images.setdefault("marginal", "")
    html = env.get_template(TEMPLATE).render(
        r=report, images=images, levels=[(level, LEVEL_TITLES[level]) for level in LEVELS]
    )
    assert_no_pseudonyms(html, where=str(out))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out


def write_pdf(
    html_path: Path, out: Path, report: dict, *, municipalities=None, engine: str = "auto", timeout_s: float = 120.0
) -> tuple[Path, str]:
    """Print the report to PDF; returns (path, engine used: ``weasyprint``, ``chromium`` or ``matplotlib``).

    ``engine="auto"`` uses WeasyPrint, else headless Chromium when installed, else matplotlib.
    """
    out = Path(out)
    if engine not in ("auto", "weasyprint", "chromium", "matplotlib"):
        raise ValueError(f"engine must be auto, weasyprint, chromium or matplotlib, got {engine!r}")
    if engine in ("auto", "weasyprint"):
        try:
            import weasyprint
        except (ImportError, OSError) as exc:  # OSError: the pango library is missing
            if engine == "weasyprint":
                raise RuntimeError(
                    f"WeasyPrint is not usable here ({exc}); pip install weasyprint, and "
                    "apt-get install -y libpango-1.0-0 libpangoft2-1.0-0"
                ) from exc
        else:
            weasyprint.HTML(filename=str(html_path)).write_pdf(out)
            return out, "weasyprint"
    chromium = find_chromium() if engine in ("auto", "chromium") else None
    if engine == "chromium" and chromium is None:
        raise RuntimeError(
            "Chromium is not installed; install it (apt-get install -y chromium) or use engine='weasyprint'"
        )
    if chromium:
        with tempfile.TemporaryDirectory(prefix="handoff-chromium-") as profile:
            subprocess.run(
                [
                    chromium,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-pdf-header-footer",
                    f"--user-data-dir={profile}",
                    f"--print-to-pdf={out.resolve()}",
                    Path(html_path).resolve().as_uri(),
                ],
                check=True,
                capture_output=True,
                timeout=timeout_s,
            )
        return out, "chromium"
    # imported here: the PDF backend takes a third of a second to import and is the last resort
    from matplotlib.backends.backend_pdf import PdfPages

    with PdfPages(out) as pdf:
        for fig in [_summary_page(report), *figures(report, municipalities).values()]:
            pdf.savefig(fig)
            plt.close(fig)
    return out, "matplotlib"


def _summary_page(report: dict):
    """A text page: title, snapshot and the plain-language summary (A4 portrait)."""
    fig = plt.figure(figsize=(8.27, 11.69))
    lines = [report["title"], f"{report['region']} - snapshot {report['as_of']}", ""]
    for sentence in report["summary"]:
        lines += textwrap.wrap("- " + sentence, 90) + [""]
    fig.text(0.07, 0.95, "\n".join(lines), va="top", ha="left", fontsize=10, family="DejaVu Sans")
    return fig

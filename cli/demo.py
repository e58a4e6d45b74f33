"""`handoff demo`: the main job end to end on the generated demo region (what `make demo` runs)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console


def demo(
    out: Path = typer.Option(Path("demo-output"), "--out", help="Folder for the demo region and every output."),
    seed: int = typer.Option(7, "--seed", help="Seed of the generated region; the same seed gives the same files."),
    scale: str = typer.Option("small", "--scale", help="small (seconds) or county (shaped like Allegheny County)."),
) -> None:
    """Generate the demo region and run every part of Handoff on it, printing what each step found.

    Steps: the region (summary and map), a placement request over HTTP against the embedded SQLite
    store, a facility-siting scenario, a coverage-hours scenario, the PCG's capacity-gap report, and
    the web console: how to start it and a sign-in for each role.

    Example: `handoff demo --out demo-output` (or `handoff demo --out big --scale county --seed 7`).
    """
    # Imported here so that `handoff --help` stays fast: the demo pulls in every part of Handoff.
    from cli.scenario import frame_table, print_result
    from api.walkthrough import run_walkthrough
    from geodata.demo import write_demo_region
    from geodata.demo.providers import local_today
    from geodata.region import load_region
    from geodata.show import plot_region, region_summary
    from scenarios.coverage.scenario import demo_spec as coverage_spec
    from scenarios.reports.marginal import marginal_values
    from scenarios.reports.render import render_html, write_pdf
    from scenarios.reports.report import ReportOptions, build_report, to_json
    from scenarios.runner import run_scenario
    from scenarios.siting.scenario import demo_spec as siting_spec

    console = Console()
    out.mkdir(parents=True, exist_ok=True)
    region_dir = out / "region"

    console.rule("[bold]1. The demo region")
    counts = write_demo_region(region_dir, scale=scale, seed=seed, today=local_today())
    console.print(f"generated {region_dir} ({', '.join(f'{k} {v}' for k, v in counts.items() if isinstance(v, int))})")
    region = load_region(region_dir)
    console.print(frame_table(region_summary(region), title=region.name))
    console.print(f"wrote {plot_region(region, out / 'region-map.png')}")

    console.rule("[bold]2. A placement request over HTTP (SQLite)")
    database = out / "handoff.db"
    database.unlink(missing_ok=True)
    run_walkthrough(region_dir, database_url=f"sqlite:///{database.resolve()}", console=console)

    console.rule("[bold]3. Where to site case-management facilities")
    print_result(console, run_scenario(siting_spec(region_dir), base_dir=out, out_dir=out / "siting", console=console))

    console.rule("[bold]4. Coverage hours: cost, capture and the split")
    print_result(
        console, run_scenario(coverage_spec(region_dir), base_dir=out, out_dir=out / "coverage", console=console)
    )

    console.rule("[bold]5. The PCG's capacity-gap report")
    report = build_report(region, options=ReportOptions(), marginal_fn=marginal_values)
    html = render_html(
        report, out / "report.html", municipalities=region.municipalities, streets=region.streets, water=region.water
    )
    (out / "report.json").write_text(to_json(report), encoding="utf-8")
    pdf, engine = write_pdf(html, out / "report.pdf", report, municipalities=region.municipalities)
    for sentence in report["summary"]:
        console.print(f"- {sentence}")
    console.print(f"wrote {html}, {out / 'report.json'} and {pdf} ({engine})")

    console.rule("[bold]6. The web console")
    print_console_sign_ins(console, out, region_dir, f"sqlite:///{database.resolve()}")
    console.rule("[bold green]demo complete")


def print_console_sign_ins(console: Console, out: Path, region_dir: Path, database_url: str) -> None:
    """Add a console user of each role to the demo database and print how to open the console and
    sign in (the last lines of `make demo`)."""
    import time

    from api.db.engine import make_engine, make_sessionmaker
    from api import demo_sign_ins

    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as session:
        signs = demo_sign_ins(session, str(int(time.time())))
        session.commit()
    engine.dispose()
    for role, (name, token) in signs.items():
        if role != "coordinator":
            console.print(f"  {role:<9} {name:<24} token {token}", soft_wrap=True)
    name, token = signs["coordinator"]
    console.print(
        "Start the console (phone-sized pages; works without internet):\n"
        f"  handoff serve --database-url {database_url} --region {region_dir} --results {out}",
        soft_wrap=True,  # a command to copy: never broken across lines
    )
    console.print("Console address: [bold]http://127.0.0.1:8000/console[/bold]", soft_wrap=True)
    console.print(f"Coordinator sign-in: user [bold]{name}[/bold], token [bold]{token}[/bold]", soft_wrap=True)

"""Imports flow one way (cli, api -> scenarios -> {matcher, geodata}) and no package imports another's
private names: read from the source with ``ast``, so a function-level import counts too."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("matcher", "geodata", "scenarios", "api", "cli")
ALLOWED = {  # the packages each package may import
    "matcher": set(),
    "geodata": set(),
    "scenarios": {"matcher", "geodata"},
    "api": {"scenarios", "matcher", "geodata"},
    "cli": {"api", "scenarios", "matcher", "geodata"},
}


def imports_of(path: Path) -> list[tuple[int, str, str | None]]:
    """(line, imported module, imported name or None) of every import in a file."""
    found: list[tuple[int, str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.extend((node.lineno, node.module, alias.name) for alias in node.names)
    return found


def violations(root: Path) -> list[str]:
    """Upward imports and cross-package private imports under ``root``, one sentence each."""
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            where = path.relative_to(root)
            for line, module, name in imports_of(path):
                target = module.split(".")[0]
                if target not in PACKAGES or target == package:
                    continue
                if target not in ALLOWED[package]:
                    found.append(
                        f"{where}:{line}: {package} imports {module} (imports flow cli, api -> scenarios "
                        f"-> matcher, geodata)"
                    )
                private = [
                    part
                    for part in [*module.split(".")[1:], name or ""]
                    if part.startswith("_") and not part.startswith("__")
                ]
                if private:
                    found.append(
                        f"{where}:{line}: imports private {'.'.join(private)} from {module}: export it "
                        f"from {target}'s public face instead"
                    )
    return found


def test_the_code_base_has_no_upward_or_private_import():
    assert violations(REPO) == []


@pytest.mark.parametrize(
    ("package", "source", "wrong"),
    [
        ("matcher", "from scenarios.siting import solve\n", "matcher imports scenarios.siting"),
        ("geodata", "def f():\n    import api.app\n", "geodata imports api.app"),
        ("scenarios", "from cli import app\n", "scenarios imports cli"),
        ("api", "from matcher.solve import _search\n", "imports private _search from matcher.solve"),
        ("cli", "from geodata._hidden import thing\n", "imports private _hidden from geodata._hidden"),
    ],
)
def test_each_kind_of_violation_is_found(tmp_path, package, source, wrong):
    for name in PACKAGES:
        (tmp_path / name).mkdir()
    (tmp_path / package / "module.py").write_text(source)
    found = violations(tmp_path)
    assert len(found) == 1 and wrong in found[0]


def test_imports_inside_a_package_and_public_names_are_fine(tmp_path):
    for name in PACKAGES:
        (tmp_path / name).mkdir()
    (tmp_path / "scenarios" / "module.py").write_text(
        "from scenarios.siting._lp import _solve\nfrom matcher import solve\nimport geodata.region\n"
    )
    assert violations(tmp_path) == []


def _is_module(root: Path, name: str) -> bool:
    path = root / Path(*name.split("."))
    return path.is_dir() or path.with_suffix(".py").is_file()


def unexported_names(root: Path) -> list[str]:
    """Names one package imports from another's modules that no package face on the way exports
    (``__all__`` of the top package or of a subpackage holding the module)."""
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            for line, module, name in imports_of(path):
                target = module.split(".")[0]
                if target == package or target not in ALLOWED[package] or name is None:
                    continue
                parts = module.split(".")
                faces = [".".join(parts[:k]) for k in range(1, len(parts) + 1)]
                exported = any(
                    name in getattr(importlib.import_module(face), "__all__", ())
                    for face in faces
                    if (root / Path(*face.split("."))).is_dir()
                )
                if not exported and not _is_module(root, f"{module}.{name}"):
                    found.append(
                        f"{path.relative_to(root)}:{line}: {name} (from {module}) is not exported by "
                        f"{' or '.join(f for f in faces if (root / Path(*f.split('.'))).is_dir())}"
                    )
    return found


def test_every_name_used_across_packages_is_on_a_public_face():
    assert unexported_names(REPO) == []


def test_public_faces_resolve_every_name_they_export():
    for face in (
        "geodata",
        "matcher",
        "scenarios",
        "scenarios.siting",
        "scenarios.reports",
        "scenarios.coverage",
        "scenarios.sweep",
        "scenarios.frontdoor",
        "api",
    ):
        module = importlib.import_module(face)
        for name in module.__all__:
            assert getattr(module, name) is not None, f"{face}.{name}"


def test_from_scenarios_siting_import_solve_and_siting_problem():
    from scenarios.siting import SitingProblem, solve
    from scenarios.siting.problem import SitingProblem as defined
    from scenarios.siting.solve import solve as solver

    assert SitingProblem is defined and solve is solver

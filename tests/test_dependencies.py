"""Every third-party package the app imports is declared, and the release's constraints pin each."""
import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def _imported_top_level_modules() -> set[str]:
    names = set()
    for path in (ROOT / "ganime_gui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"ganime_gui"}


def test_every_imported_package_is_a_declared_dependency():
    declared = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    distributions = metadata.packages_distributions()
    # Packages that arrive inside another declared one: keras with tensorflow, PySide6's parts.
    comes_with = {"keras": "tensorflow", "pyside6-essentials": "pyside6", "pyside6-addons": "pyside6",
                  "shiboken6": "pyside6"}
    undeclared = {}
    for module in _imported_top_level_modules():
        owners = {_name(d) for d in distributions.get(module, [module])} | {_name(module)}
        owners |= {comes_with[o] for o in owners if o in comes_with}
        if not owners & declared:
            undeclared[module] = sorted(owners)
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def test_the_release_constraints_pin_every_dependency():
    constraints = (ROOT / "constraints.txt").read_text(encoding="utf-8")
    pinned = {_name(line) for line in constraints.splitlines() if "==" in line}
    extras = PYPROJECT["project"]["optional-dependencies"]
    wanted = {_name(r) for r in PYPROJECT["project"]["dependencies"] + extras["test"] + extras["build"]}
    assert wanted <= pinned, f"not in constraints.txt (regenerate it, see release.yml): {wanted - pinned}"

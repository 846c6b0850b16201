"""An import-linter contract: no module imports a private name (`_name`) from another package.

import-linter sees modules, not the names taken from them, so `from claims.final_action import
_line_allowed` would pass its own contracts. This one reads each module's `from ... import`
statements. A name is private when it starts with one underscore (dunders are public); the
packages are the top-level ones listed in `packages`, and a package may use its own private names.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import grimp
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _source(module: str, roots: dict[str, Path]) -> Path | None:
    top, _, rest = module.partition(".")
    base = roots[top].joinpath(*rest.split(".")) if rest else roots[top]
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def private_name_imports(modules: list[str], packages: set[str]) -> list[tuple[str, str, int]]:
    """(importer, "module.name", line) for each private name a module takes from another package."""
    roots: dict[str, Path] = {}
    for package in packages:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise ValueError(f"{package} is not a package on the Python path")
        roots[package] = Path(next(iter(spec.submodule_search_locations)))
    found = []
    for module in sorted(modules):
        top = module.partition(".")[0]
        if top not in roots:
            continue
        path = _source(module, roots)
        if path is None:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                continue
            other = node.module.partition(".")[0]
            if other == top or other not in packages:
                continue
            found += [
                (module, f"{node.module}.{alias.name}", node.lineno)
                for alias in node.names
                if _private(alias.name)
            ]
    return found


class PrivateNamesContract(Contract):
    type_name = "private_names"

    packages = fields.SetField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        found = private_name_imports(sorted(graph.modules), set(self.packages))
        return ContractCheck(kept=not found, metadata={"found": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error("Private names imported from another package:", bold=False)
        output.new_line()
        for importer, name, line in check.metadata["found"]:
            output.print_error(f"- {importer} imports {name} (l.{line})", bold=False)
        output.new_line()

"""The shape the codebase keeps (issue 8): no import cycles, small modules, functions and views.

These read the source with ``ast``; they run nothing of the blog.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "blog"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 40
MAX_VIEW_LINES = 25
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}


def _modules() -> dict[str, pathlib.Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def _imported_modules(name: str, path: pathlib.Path) -> set[str]:
    """Every blog module ``name`` imports, at the top or inside functions."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # ``from blog.x import y`` may name the module blog.x.y or an attribute of blog.x.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        found.update(target for target in targets if target in MODULES and target != name)
    return found


def _graph() -> dict[str, set[str]]:
    return {name: _imported_modules(name, path) for name, path in MODULES.items()}


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle as a list of module names, or None. Importing a package's child does not import
    its ``__init__`` back, so package parents count only where they are imported."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_sees_a_cycle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles_between_blog_modules():
    cycle = _find_cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_is_at_most_400_lines(name):
    lines = len(MODULES[name].read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name} has {lines} lines; split it by job"


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _is_view(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in function.decorator_list:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(call, ast.Attribute) and call.attr in ROUTE_DECORATORS:
            return True
    return False


def _body_lines(function) -> int:
    return function.end_lineno - function.body[0].lineno + 1


@pytest.mark.parametrize("name", sorted(MODULES))
def test_functions_and_views_are_small(name):
    tree = ast.parse(MODULES[name].read_text())
    too_long = []
    for function in _functions(tree):
        limit = MAX_VIEW_LINES if _is_view(function) else MAX_FUNCTION_LINES
        if _body_lines(function) > limit:
            too_long.append(f"{function.name} ({_body_lines(function)} lines, limit {limit})")
    assert not too_long, f"{name}: " + ", ".join(too_long)


def test_templates_never_ignore_a_missing_include():
    templates = (ROOT / "templates").rglob("*.html")
    offenders = [str(p.relative_to(ROOT)) for p in templates if "ignore missing" in p.read_text()]
    assert not offenders, f"'ignore missing' hides a misspelt template in {offenders}"

"""The code's shape (issue 13 item 34): no module imports one that imports it back, even
through a function-level import, so each app reads top-down (tasks → services →
selectors → models)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src" / "zhike"


def _graph() -> dict[str, set[str]]:
    modules = {}
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = ("zhike", *path.relative_to(ROOT).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    prefix = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*prefix, *([node.module] if node.module else [])])
                targets = [base, *(f"{base}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_structure_no_module_imports_one_that_imports_it_back() -> None:
    assert _cycles(_graph()) == []


def test_structure_the_cycle_check_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _apps_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The module graph folded onto zhike's Django apps (a module belongs to the app whose
    package is its longest prefix: zhike.policy.revisions is an app of its own). Modules
    outside every app (zhike.db, zhike.errors, the project's urls and api_v1) are left out:
    the shared ones import no app, the wiring ones sit above all of them."""
    from django.apps import apps as registry

    names = sorted(
        (c.name for c in registry.get_app_configs() if c.name.startswith("zhike.")),
        key=len,
        reverse=True,
    )

    def app_of(module: str) -> str | None:
        return next((n for n in names if module == n or module.startswith(n + ".")), None)

    folded: dict[str, set[str]] = {n: set() for n in names}
    for module, targets in graph.items():
        source = app_of(module)
        if source is None:
            continue
        folded[source] |= {t for t in map(app_of, targets) if t and t != source}
    return folded


def test_structure_no_app_imports_one_that_imports_it_back() -> None:
    # The policy is read by workflow (schema, loader) and revised through workflow's
    # approvals (policy.revisions): two apps, layered policy < workflow < policy.revisions.
    assert _cycles(_apps_graph(_graph())) == []


def test_structure_shared_modules_import_no_app() -> None:
    """zhike.api (the routers' toolkit), zhike.errors, zhike.db and the other shared
    modules are below every app: an app's router or service may use them freely."""
    shared = ["zhike.api.schema", "zhike.api.errors", "zhike.api.openapi", "zhike.errors"]
    shared += [
        "zhike.db",
        "zhike.compiled",
        "zhike.deferred",
        "zhike.text",
        "zhike.jobs",
        "zhike.spreadsheets",
    ]
    apps = {"archive", "grading", "org", "policy", "trade", "workflow", "audit", "web"}
    graph = _graph()
    for module in shared:
        reached = {t.split(".")[1] for t in graph[module] if t.count(".") >= 1}
        assert not reached & apps, (module, reached & apps)

"""The package's layout holds: no import circle, no import from a lower layer to a higher one, and each
table (READERS, ANALYSES, EXPORTS) is what the code uses."""

import ast
from pathlib import Path

import pytest

import casestudy

PACKAGE = Path(casestudy.__file__).parent

#: Each part of the package and the parts it may import (the base modules any part may import).
BASE = {"errors", "progress", "atomic", "version", "limits"}
ALLOWED = {
    "text": set(),
    "model": {"text"},
    "codebook": set(),
    "sources": {"model", "text"},
    "output": {"model", "codebook", "text"},
    "analyses": {"model", "codebook", "text", "sources", "output"},
    "engine": {"model", "codebook", "text", "sources"},
    "pipeline": {"model", "codebook", "text", "sources", "output", "analyses", "engine"},
    "cli": {"model", "codebook", "text", "sources", "output", "analyses", "engine", "pipeline"},
    "clidocs": {"cli"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["casestudy"] + parts)


def _imports(path: Path) -> set[str]:
    """The casestudy modules a file imports, anywhere in it (imports inside functions count too)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("casestudy"):
                if node.module:  # "from . import pipeline" imports the module, not the package
                    found.add(target)
                for alias in node.names:  # "from . import pipeline" imports a module
                    if (PACKAGE.parent / (target + "." + alias.name).replace(".", "/")).with_suffix(".py").exists() \
                            or (PACKAGE.parent / (target + "." + alias.name).replace(".", "/") / "__init__.py").exists():
                        found.add(f"{target}.{alias.name}")
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("casestudy")}
    return found - {name}


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        targets = set()
        for target in _imports(path):
            while target not in modules and "." in target:  # a name imported from a module
                target = target.rpartition(".")[0]
            if target in modules and target != name:
                targets.add(target)
        graph[name] = targets
    return graph


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_no_module_imports_a_higher_layer_or_a_sibling_it_must_not():
    wrong = []
    for module, targets in _graph().items():
        part = _part(module)
        if part in ("__init__",) or part in BASE:
            if part in BASE:
                wrong += [(module, t) for t in targets if _part(t) not in BASE]
            continue
        allowed = ALLOWED[part] | BASE | {part}
        wrong += [(module, t) for t in targets if _part(t) not in allowed]
    assert wrong == []


def test_the_import_graph_has_no_circle():
    graph = {m: {t for t in ts if t != "casestudy"} for m, ts in _graph().items()}
    # a package's __init__ re-exporting its own modules is not a circle of design: leave those edges out
    edges = {m: {t for t in ts if not (m.endswith("__init__") or t.startswith(m + "."))} for m, ts in graph.items()}
    state: dict[str, int] = {}
    circle: list[str] = []

    def visit(node, stack):
        state[node] = 1
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                circle.extend(stack[stack.index(target):] + [node, target] if target in stack else [node, target])
                return True
            if state.get(target) is None and visit(target, stack + [node]):
                return True
        state[node] = 2
        return False

    for node in sorted(edges):
        if state.get(node) is None and visit(node, []):
            break
    assert circle == []


def test_the_walk_sees_an_upward_import(tmp_path):
    """The layering test can fail: a lower module that imports a higher one is caught."""
    fake = PACKAGE / "sources" / "_probe_upward.py"
    fake.write_text("from ..pipeline import run\n", encoding="utf-8")
    try:
        graph = _graph()
        assert "casestudy.pipeline" in graph["casestudy.sources._probe_upward"]
        assert "pipeline" not in ALLOWED["sources"]
    finally:
        fake.unlink()


def test_every_norwegian_word_list_lives_in_text_nb():
    """No module but text/nb.py holds a word list of Norwegian function words or labels."""
    words = ("\"ikkje\"", "\"intervjuer\"", "\"planer\"", "vedtatt|", "\"samt\"")
    holders = sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
                     if any(w in p.read_text(encoding="utf-8") for w in words))
    assert holders == ["text/nb.py"]


def test_readers_table_drives_what_is_found_and_read(tmp_path):
    from casestudy.sources import READERS, read
    from casestudy.sources.folder import find_files, infer_kind

    assert set(READERS) == {".pdf", ".docx", ".txt"}
    (tmp_path / "a.txt").write_text("Informant: Vi samarbeider godt.\n", encoding="utf-8")
    (tmp_path / "b.xyz").write_text("ikke en kilde", encoding="utf-8")
    assert [p.name for p in find_files(tmp_path)] == ["a.txt"]
    assert infer_kind("x/plan.pdf") == "plan" and infer_kind("x/notat.txt") == "interview"
    assert read(tmp_path / "a.txt").format == "txt"


def test_exports_table_lists_the_export_formats():
    from casestudy.output import EXPORTS
    from casestudy.pipeline import EXPORT_FORMATS

    assert EXPORT_FORMATS == ("xlsx", "docx", "md", "qdpx", "qdc")
    assert all(callable(EXPORTS[fmt].write) for fmt in EXPORT_FORMATS)


@pytest.mark.parametrize("name", ["coding", "plancheck", "profile"])
def test_analyses_table_makes_each_task_for_a_run(name):
    from casestudy.analyses import ANALYSES
    from casestudy.codebook import find_codebook

    analysis = ANALYSES[name]
    book = find_codebook({"codebook": "barnevern", "checklist": "krav_15-1"}.get(analysis.uses, "barnevern"))
    task = analysis.task.for_run(book if analysis.uses else None, unit="sentence", model=None)
    assert task.key.startswith(f"{name}|")

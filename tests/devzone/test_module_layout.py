"""How devzone's modules hang together: no import cycles, no state on the request.

Read from the source with ``ast``, imports inside functions included: a cycle
hidden in a function still ties two modules together, only later.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEVZONE = ROOT / "devzone"
SPREADSHEETS = "devzone.spreadsheets"
RESOURCES = "devzone.spreadsheets.resources"
ENGINE = "devzone.spreadsheets.engine"
# Where an import reads the request and calls the pipeline.
IMPORT_PATH = [
    DEVZONE / "admin_base.py",
    DEVZONE / "admin_imports.py",
    DEVZONE / "spreadsheets" / "pipeline.py",
    DEVZONE / "spreadsheets" / "runs.py",
    DEVZONE / "spreadsheets" / "uploads.py",
    DEVZONE / "management" / "commands" / "import_file.py",
]
# Django's own: an admin view names its site for the template's links.
REQUEST_ATTRIBUTES_ALLOWED = {"current_app"}
LOADERS = {"import_module", "import_string", "__import__"}


def module_name(path, root=ROOT):
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def named_imports(path, root=ROOT):
    """Return every module name a file imports, wherever in the file it does."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names += [base, *(f"{base}.{alias.name}" for alias in node.names)]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) in LOADERS
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.append(node.args[0].value)
    return names


def import_graph(package_dir, root=ROOT):
    """Return {module: the modules of the package it imports} for a package's files."""
    paths = {module_name(path, root): path for path in package_dir.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        # A module's own packages are imported before it: no edge back to them.
        own = {".".join(name.split(".")[:n]) for n in range(1, name.count(".") + 2)}
        found = set()
        for imported in named_imports(path, root):
            parts = imported.split(".")
            # ``from a.b import c`` runs a, a.b and, if it is a module, a.b.c.
            found.update(
                prefix
                for prefix in (".".join(parts[:n]) for n in range(1, len(parts) + 1))
                if prefix in paths and prefix not in own
            )
        graph[name] = found
    return graph


def cycles(graph):
    """Return the import cycles of a graph, each as the modules along it."""
    found, state = [], {}

    def visit(node, trail):
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                found.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def reaches(graph, start, goal):
    """Return True if ``start`` imports ``goal``, directly or through others."""
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(graph.get(node, ()))
    return False


def test_the_import_reader_sees_imports_inside_functions(tmp_path):
    # given a package whose modules import each other only inside functions
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from pkg.b import g\n")
    (package / "b.py").write_text("def g():\n    from . import a\n")

    # then the cycle is found all the same
    graph = import_graph(package, tmp_path)
    assert graph["pkg.a"] == {"pkg.b"}
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.a"]]


def test_no_import_cycle_joins_the_spreadsheet_modules():
    graph = import_graph(DEVZONE)
    spreadsheets = {
        name: {target for target in targets if target.startswith(SPREADSHEETS)}
        for name, targets in graph.items()
        if name.startswith(SPREADSHEETS)
    }
    assert RESOURCES in spreadsheets and ENGINE in spreadsheets
    assert cycles(spreadsheets) == []


def test_the_engine_never_imports_the_resources_even_through_other_modules():
    graph = import_graph(DEVZONE)
    assert not reaches(graph, ENGINE, RESOURCES)


def request_attributes_set(path):
    """Return the attributes a file sets on an object named ``request``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) in ("setattr", "delattr")
            and node.args
            and getattr(node.args[0], "id", None) == "request"
        ):
            found.append(f"{node.func.id} line {node.lineno}")
        for target in targets:
            for part in ast.walk(target):
                if (
                    isinstance(part, ast.Attribute)
                    and getattr(part.value, "id", None) == "request"
                    and part.attr not in REQUEST_ATTRIBUTES_ALLOWED
                ):
                    found.append(f"request.{part.attr} line {node.lineno}")
    return found


def test_an_import_carries_no_state_on_the_request():
    # The preview and the confirmation each build their own ImportRun and hand it
    # to the pipeline; what the confirmation needs waits beside the upload.
    for path in IMPORT_PATH:
        assert request_attributes_set(path) == [], path.name
    for path in DEVZONE.rglob("*.py"):
        assert "request._devzone" not in path.read_text(encoding="utf-8"), path


def test_the_request_check_sees_an_attribute_set_on_the_request(tmp_path):
    module = tmp_path / "view.py"
    module.write_text(
        "def view(request):\n"
        "    request._run = 1\n"
        "    request.current_app = 'admin'\n"
        "    setattr(request, 'x', 2)\n"
    )
    assert request_attributes_set(module) == ["request._run line 2", "setattr line 4"]

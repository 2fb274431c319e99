"""results.json (schema version 1): writing and reading.  Every number is a decimal string.

Keys added after the first version are optional, so older files stay readable and a reader must
tolerate their absence: ``papers`` (citation per paper key), per claim ``source`` (the claim
file, for user claims) and ``source_hash``, per evidence ``scope`` and ``check_hash``.

The two hashes let ``verify report NEW --against OLD`` flag evidence whose inputs changed
between runs, as asv does for benchmarks.  They are computed when the run is made:

- ``check_hash``: the code of the check: the source of the function that builds it (the
  factory around the ``run`` closure) and, transitively, of every function or class of this
  project (``verify``, ``proofs``, ``numerics``) that code names.
- ``source_hash``: the claim as data: its id, reference, statement, hypotheses, assertion,
  amendment and not-checkable fields, and for each check its name, tier, scope and the values
  its ``run`` closure captured (parameter boxes, step sizes, problems).
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import inspect
import json
import linecache
import platform
import subprocess
import sys
import types
from collections.abc import Mapping
from enum import Enum
from importlib import metadata
from pathlib import Path

from verify.runfolder import write_atomic
from verify.runner import ClaimResult
from verify.vocabulary import (
    Check, Claim, Counterexample, Coverage, Evidence, Figure, Outcome, RefLine, Scope, Series,
    Status, Strength, Tier,
)

SCHEMA_VERSION = 1
# gmpy2: mpmath's arithmetic backend when installed (the same numbers, faster)
LIBRARIES = ("sympy", "numpy", "mpmath", "gmpy2", "python-flint", "scipy", "matplotlib",
             "hypothesis", "tqdm")
PROJECT_PACKAGES = ("verify", "proofs", "numerics")
HASH_CHARS = 16  # 64 bits of sha256: plenty to tell two versions of one check apart


def _plain(value):
    """Dataclasses, enums, mappings and tuples to JSON-ready values."""
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def git_sha() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).resolve().parent, timeout=5)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def git_dirty() -> bool | None:
    """Whether tracked files differ from the commit (so the sha alone does not pin the code)."""
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                             capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
        return bool(out.stdout.strip()) if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def environment(seed: int, dps: int) -> dict:
    libs = {}
    for name in LIBRARIES:
        try:
            libs[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            libs[name] = "not installed"
    return {"python": platform.python_version(), "platform": platform.platform(),
            "libraries": libs, "git_sha": git_sha(), "git_dirty": git_dirty(),
            "seed": str(seed),
            "precision": {"mpmath_dps": str(dps), "float": "IEEE 754 binary64",
                          "arb_bits": "128-256"}}


# ---------------------------------------------------------------- source hashes


def _digest(parts: list[str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()[:HASH_CHARS]


def _in_project(obj) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module.split(".")[0] in PROJECT_PACKAGES


def _names(code: types.CodeType):
    """Global names a code object (and the functions nested in it) may refer to."""
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _names(const)


def _outermost(fn: types.FunctionType):
    """For a closure made by a factory (``factory.<locals>.run``), the factory itself."""
    top = fn.__qualname__.split(".<locals>.")[0]
    found = fn.__globals__.get(top) if top != fn.__qualname__ else None
    return inspect.unwrap(found) if isinstance(found, types.FunctionType) else fn


_SOURCES: dict = {}


def _source(obj) -> str:
    """``module.qualname`` and the source of a function or class (cached: many checks share
    their helpers, and reading source is the slow part).  A function is cached by its code
    object: the closures one factory makes (a ``run`` per claim) share it, and its source."""
    key = obj.__code__ if isinstance(obj, types.FunctionType) else obj
    try:
        return _SOURCES[key]
    except KeyError:
        pass
    except TypeError:  # unhashable: not cached
        return _read_source(obj)
    _SOURCES[key] = text = _read_source(obj)
    return text


def clear_source_caches() -> None:
    """Forget the sources and global references read so far (a test that rewrites a module)."""
    _SOURCES.clear()
    _GLOBAL_TARGETS.clear()
    _CLASS_SPANS.clear()
    linecache.clearcache()


def _read_source(obj) -> str:
    name = f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', obj)}"
    text = _definition_text(obj)
    if text is not None:
        return f"{name}\n{text}"
    try:
        return f"{name}\n{inspect.getsource(obj)}"
    except (OSError, TypeError):  # built at run time (exec, a REPL): the name only
        return name


# inspect.getsource finds a function's end by tokenising from its first line and a class by
# walking its module's syntax tree, for every call: ~1 ms and ~8 ms, most of a cached re-run's
# hashing.  The same text, read faster: a function's lines run from its code object's first
# line (its first decorator's) to the last line any of its instructions (or a nested
# function's) comes from; a class's from one parse of its module, kept per file.  Both give
# inspect.getsource's text for every function and class the 143 claims use (compared when
# this was written); lambdas, whose source is their whole statement, still go through inspect.
_CLASS_SPANS: dict[str, tuple[list[str], dict[str, tuple[int, int]]]] = {}


def _definition_text(obj) -> str | None:
    if isinstance(obj, types.FunctionType):
        code = obj.__code__
        lines = _lines(code.co_filename)
        if code.co_name == "<lambda>" or not lines:
            return None
        return "".join(lines[code.co_firstlineno - 1:_last_line(code)])
    if isinstance(obj, type):
        filename = getattr(sys.modules.get(obj.__module__), "__file__", None)
        span = _class_spans(filename).get(obj.__qualname__) if filename else None
        if span is not None:
            return "".join(_lines(filename)[span[0] - 1:span[1]])
    return None


def _lines(filename: str) -> list[str]:
    linecache.checkcache(filename)  # a file rewritten since it was read (as inspect does)
    return linecache.getlines(filename)


def _last_line(code: types.CodeType) -> int:
    last = code.co_firstlineno
    for _, end, _, _ in code.co_positions():
        if end is not None and end > last:
            last = end
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            last = max(last, _last_line(const))
    return last


def _class_spans(filename: str) -> dict[str, tuple[int, int]]:
    """qualname -> (first line, decorators included; last line) of every class in a file."""
    lines = _lines(filename)
    if filename in _CLASS_SPANS and _CLASS_SPANS[filename][0] is lines:  # not re-read since
        return _CLASS_SPANS[filename][1]
    spans: dict[str, tuple[int, int]] = {}
    try:
        tree = ast.parse("".join(lines))
    except (SyntaxError, ValueError):
        tree = None

    def visit(statements, prefix: str) -> None:  # statements only: a class is one
        for child in statements:
            if isinstance(child, ast.ClassDef):
                first = min([d.lineno for d in child.decorator_list] + [child.lineno])
                spans.setdefault(prefix + child.name, (first, child.end_lineno))
                visit(child.body, f"{prefix}{child.name}.")
                continue
            inner = (f"{prefix}{child.name}.<locals>."
                     if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else prefix)
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                block = getattr(child, field, None)
                if isinstance(block, list):
                    visit(block, inner)

    if tree is not None:
        visit(tree.body, "")
    _CLASS_SPANS[filename] = (lines, spans)
    return spans


def _code_sources(obj, seen: set[int], out: list[str], root: bool = False) -> None:
    """Append the source of ``obj`` and of the project functions/classes it names, once each.

    The ``root`` (the check's own code) counts wherever it is defined; what it uses counts
    only inside this project, so library upgrades do not flag every check.
    """
    obj = inspect.unwrap(obj) if callable(obj) else obj
    if id(obj) in seen or not (root or _in_project(obj)):
        return
    seen.add(id(obj))
    out.append(_source(obj))
    if isinstance(obj, type):
        for member in vars(obj).values():
            if isinstance(member, (types.FunctionType, staticmethod, classmethod, property)):
                inner = getattr(member, "__func__", None) or getattr(member, "fget", None) \
                    or member
                _code_refs(inner, seen, out)
    elif isinstance(obj, types.FunctionType):
        _code_refs(obj, seen, out)


_GLOBAL_TARGETS: dict = {}


def _global_targets(fn: types.FunctionType) -> tuple:
    """The functions and classes ``fn``'s global names hold, in name order, and those it reaches
    through a project module it holds (``relu.gd``: the attribute's name is among the code's
    names too; an edit of numerics/relu.py left the checks calling ``relu.gd`` cached).
    Cached by code object and module: the closures one factory makes share both."""
    key = (fn.__code__, id(fn.__globals__))
    if key not in _GLOBAL_TARGETS:
        names = sorted(set(_names(fn.__code__)))
        values = [fn.__globals__.get(name) for name in names]
        modules = [v for v in values if isinstance(v, types.ModuleType) and _in_project_module(v)]
        through = [getattr(module, name, None) for module in modules for name in names]
        _GLOBAL_TARGETS[key] = tuple(target for value in values + through
                                     for target in _code_in(value))
    return _GLOBAL_TARGETS[key]


def _in_project_module(module: types.ModuleType) -> bool:
    return module.__name__.split(".")[0] in PROJECT_PACKAGES


def _code_refs(fn, seen: set[int], out: list[str]) -> None:
    if not isinstance(fn, types.FunctionType):
        return
    for target in _global_targets(fn):
        _code_sources(target, seen, out)
    for cell in fn.__closure__ or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        for target in _code_in(value):
            _code_sources(target, seen, out)


def _code_in(value, depth: int = 0):
    """The functions and classes ``value`` holds: itself, a checks' ``run``, or those in a
    list, tuple or dict (a table of proofs by kind, the (instance, check) pairs of
    :func:`verify.userclaims.instances.over_instances`), which a check calls through."""
    if isinstance(value, (types.FunctionType, type)) or hasattr(value, "__wrapped__"):
        yield value
    elif depth < 3 and isinstance(value, (list, tuple, dict)):
        for item in value.values() if isinstance(value, dict) else value:
            yield from _code_in(item, depth + 1)
    elif isinstance(getattr(value, "run", None), types.FunctionType) and _in_project(value):
        yield value.run


def project_rooted(check: Check) -> bool:
    """Whether a check's own code (its function and the factory that made it) lies in the
    project's packages: its hash then follows from the project's sources alone."""
    run = inspect.unwrap(check.run)
    if not isinstance(run, types.FunctionType):
        return _in_project(type(run))
    return _in_project(run) and _in_project(_outermost(run))


def check_hash(check: Check) -> str:
    """Hash of a check's code: its factory and the project code it uses, transitively."""
    run = inspect.unwrap(check.run)
    parts: list[str] = []
    seen: set[int] = set()
    if isinstance(run, types.FunctionType):
        _code_sources(_outermost(run), seen, parts, root=True)
        _code_sources(run, seen, parts, root=True)  # a closure not made by a module factory
    else:  # a callable object: its class's code
        _code_sources(type(run), seen, parts, root=True)
    return _digest(parts or [repr(check.name)])


def _stable(value, depth: int = 0) -> str:
    """A deterministic text for a captured value (no memory addresses, sets sorted)."""
    if depth > 8:
        return type(value).__qualname__
    nxt = depth + 1
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return repr(value)
    if isinstance(value, Enum):
        return f"{type(value).__qualname__}.{value.name}"
    if isinstance(value, types.ModuleType):  # by name: its repr holds the checkout's path
        return f"module {value.__name__}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Fields left out of repr are caches and the like, not what the value means.
        fields = ", ".join(f"{f.name}={_stable(getattr(value, f.name), nxt)}"
                           for f in dataclasses.fields(value) if f.repr)
        return f"{type(value).__qualname__}({fields})"
    if isinstance(value, Mapping):
        items = sorted((_stable(k, nxt), _stable(v, nxt)) for k, v in value.items())
        return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(_stable(v, nxt) for v in value)) + "}"
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_stable(v, nxt) for v in value) + ")"
    if isinstance(value, types.FunctionType):
        return f"{value.__module__}.{value.__qualname__}{_closure_data(value, nxt)}"
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
    if hasattr(value, "tobytes") and hasattr(value, "dtype"):  # arrays: their bytes
        return f"array({value.dtype}, {getattr(value, 'shape', '')}, " \
               f"{hashlib.sha256(value.tobytes()).hexdigest()[:16]})"
    text = repr(value)
    return type(value).__qualname__ if " at 0x" in text else text


def _closure_data(fn: types.FunctionType, depth: int) -> str:
    names = fn.__code__.co_freevars
    cells = fn.__closure__ or ()
    values = []
    for name, cell in zip(names, cells):
        try:
            values.append(f"{name}={_stable(cell.cell_contents, depth)}")
        except ValueError:
            values.append(f"{name}=<empty>")
    return "[" + ", ".join(values) + "]" if values else ""


def claim_hash(claim: Claim) -> str:
    """Hash of a claim as data: its printed fields and the parameters its checks captured."""
    parts = [claim.id, _stable(claim.ref), claim.statement, _stable(dict(claim.hypotheses)),
             claim.asserts, _stable(claim.amends), claim.amend_reason,
             _stable(claim.not_checkable), _stable(claim.control),
             # scope and parts decide the strength, so a change in them must change the hash
             # (the result cache is keyed on it)
             _stable(_plain(claim.scope)), _stable(list(claim.parts)), claim.caveat]
    for check in claim.checks:
        run = inspect.unwrap(check.run)
        data = _closure_data(run, 0) if isinstance(run, types.FunctionType) else _stable(run)
        parts.append(f"{check.name}|{check.tier.value}|{check.scope}|{check.attempt}|{data}")
    return _digest(parts)


# ---------------------------------------------------------------- records


def claim_record(result: ClaimResult) -> dict:
    c = result.claim
    return {
        "id": c.id, "paper": c.ref.paper, "where": c.ref.where, "url": c.ref.url,
        "statement": c.statement, "hypotheses": dict(c.hypotheses), "asserts": c.asserts,
        "status": result.status.value,
        "strength": result.strength.value if result.strength else None,
        "strength_basis": result.strength_basis, "scope": _plain(c.scope),
        "amends": c.amends, "amend_reason": c.amend_reason, "caveat": c.caveat or None,
        "not_checkable": c.not_checkable, "control": c.control, "source": c.source, "source_hash": claim_hash(c),
        "seconds": f"{result.seconds:.3f}",
        "evidence": [_evidence_record(e, ch) for e, ch in _with_checks(c, result.evidence)],
    }


def _with_checks(claim: Claim, evidence):
    """Pair each evidence with the check that produced it (in order; names may repeat)."""
    checks = iter(claim.checks)
    for e in evidence:
        check = next((ch for ch in checks if ch.name == e.check), None)
        yield e, check


def _evidence_record(evidence, check: Check | None) -> dict:
    record = _plain(evidence)
    if record["counterexample"] is not None:  # every number in results.json is a string
        record["counterexample"]["dps"] = str(record["counterexample"]["dps"])
    record["scope"] = check.scope if check else ""
    record["check_hash"] = check_hash(check) if check else None
    return record


def papers(results: list[ClaimResult]) -> dict:
    """Citation and url of every paper key in the run (its data file or module)."""
    return _papers(r.claim.ref.paper for r in results)


def _papers(keys) -> dict:
    from verify.registry import paper_info

    return {key: paper_info(key) for key in dict.fromkeys(keys)}


def build(results: list[ClaimResult], run_info: dict, seed: int, dps: int) -> dict:
    """results.json's contents for finished claim results (in the order given)."""
    return assemble([claim_record(r) for r in results], run_info, seed, dps)


def assemble(records: list[dict], run_info: dict, seed: int, dps: int,
             complete: bool = True) -> dict:
    """results.json's contents from claim records (:func:`claim_record`, or journal lines).

    ``complete`` is false for a run that was interrupted or is still going: the claims are
    then only those finished so far (``verify run --resume`` finishes it).
    """
    counts = {s.value: 0 for s in Status}
    for r in records:
        if not r["control"]:
            counts[r["status"]] += 1
    return {"schema_version": SCHEMA_VERSION, "complete": complete, "run": run_info,
            "environment": environment(seed, dps), "papers": _papers(r["paper"] for r in records),
            "summary": {k: str(v) for k, v in counts.items()},
            "claims": records}


def write(data: dict, out_dir: Path) -> Path:
    """Write ``out_dir/results.json`` atomically: readers see the old file or the new one."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "results.json"
    write_atomic(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return path


# ---------------------------------------------------------------- reading records back


def result_from_record(record: dict, claim: Claim) -> ClaimResult:
    """The :class:`ClaimResult` a record was made from (for the summary and exit status of a
    run whose claims come back from worker processes or from a journal)."""
    how = record.get("strength")
    return ClaimResult(claim, Status(record["status"]),
                       tuple(_evidence(e) for e in record["evidence"]),
                       float(record["seconds"]), Strength(how) if how else None,
                       record.get("strength_basis", ""))


def _evidence(e: dict) -> Evidence:
    cx = e["counterexample"]
    if cx is not None:
        cx = Counterexample(**{**cx, "dps": int(cx["dps"])})
    return Evidence(check=e["check"], tier=Tier(e["tier"]), outcome=Outcome(e["outcome"]),
                    detail=e["detail"], numbers=e["numbers"], counterexample=cx,
                    reproduce=e["reproduce"], seconds=e["seconds"],
                    figures=tuple(_figure(f) for f in e["figures"]), attempt=e["attempt"],
                    coverage=_coverage(e.get("coverage")))


def _coverage(c: dict | None) -> Coverage | None:
    if c is None:
        return None
    points = c.get("points")
    return Coverage(Scope(c["scope"]), dict(c.get("covers", {})),
                    int(points) if points is not None else None, bool(c.get("decides", True)),
                    c.get("part", ""))


def _figure(f: dict) -> Figure:
    series = tuple(Series(**{**s, "x": tuple(s["x"]), "y": tuple(s["y"])}) for s in f["series"])
    return Figure(**{**f, "series": series, "lines": tuple(RefLine(**ln) for ln in f["lines"])})


class ResultsError(ValueError):
    """A results file that cannot be read or is not schema version 1."""


def load(path: Path) -> dict:
    """Read a results.json; :class:`ResultsError` with a one-line reason when it is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except IsADirectoryError:
        raise ResultsError(f"{path} is a folder, not a results.json") from None
    except OSError as exc:
        raise ResultsError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or "schema_version" not in data:
        raise ResultsError(f"{path} is not a results.json (no schema_version)")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ResultsError(f"{path} has schema version {data.get('schema_version')!r}; this "
                           f"version of verify reads version {SCHEMA_VERSION}")
    if not isinstance(data.get("claims"), list):
        raise ResultsError(f"{path} has no list of claims")
    return data

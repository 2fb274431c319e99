"""Draw the figure specs of a ``results.json`` with matplotlib, as deterministic PNG files.

A figure spec (``evidence[].figures[]``) names its series and reference lines with decimal
strings.  :func:`draw_figure` draws what parses and is valid for the requested axis scales,
and says in its notes what it had to leave out; it never raises on odd data.

Only the stdlib and matplotlib are used here (the report layer reads ``results.json`` and
nothing else of the suite).  The object-oriented :class:`matplotlib.figure.Figure` API is
used rather than ``pyplot``: no global figure registry, no interactive backend, nothing to
close.  Figures are raster PNG (Agg): a plot of thousands of points gains nothing from being a
vector, and as files beside the page they keep ``index.html`` small and quick to open.

Log axes show the data's meaningful range: values that underflowed (below the smallest normal
double, e.g. ``1e-315``) are left out, and when the rest spans more than ``MAX_DECADES``
decades the axis starts ``MAX_DECADES`` below the largest value; the notes (shown in the
caption) say so, with how many points lie outside.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import os
import re
import secrets
import shutil
import sys
import textwrap
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from importlib import metadata

DPI = 150
"""Pixels per inch of the PNG (a 6.4 x 4.2 in figure is 960 x 630 pixels, shown at 640 x 420)."""
FIGSIZE = (6.4, 4.2)
PNG_COMPRESSION = 1
"""zlib level of the PNG files (lossless at every level: only the file size and time vary)."""
MAX_DECADES = 30
"""A log axis spans at most this many decades below the largest value."""
UNDERFLOW = sys.float_info.min
"""Positive values below the smallest normal double are underflow, not data, on a log axis."""

SCALES = ("linear", "log", "symlog")
STYLES = ("line", "points", "step")

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_REF_STYLES = (("0.25", "--"), ("tab:red", "--"), ("tab:purple", ":"), ("tab:brown", "-."))


@functools.lru_cache(maxsize=1)
def _matplotlib():
    """matplotlib, imported when a figure is first drawn (about a second): a report whose
    figures all come from the cache, such as a re-run's, never needs it."""
    import matplotlib

    matplotlib.use("Agg")  # harmless when pyplot is never imported; keeps any later use headless
    import matplotlib.backends.backend_agg
    import matplotlib.figure
    import matplotlib.style

    _share_mathtext_cache(matplotlib)
    return matplotlib


def _share_mathtext_cache(matplotlib) -> None:
    """Make matplotlib's cache of parsed mathtext one per process instead of one per figure.

    Why: ``MathTextParser._parse_cached`` is an ``lru_cache`` on a method, so ``self`` (the
    parser of one figure's renderer) is part of its key, and every new figure parses its tick
    labels (``$\\mathdefault{10^{-4}}$``) again with pyparsing: about a fifth of the time of
    drawing a report's figures.  The parse depends only on the text, the font properties
    (copied by ``parse`` before they reach the cache), the dpi, the flags and the parser's
    output type, all in the shared key, so the PNGs are byte for byte the same.  Where
    matplotlib's internals differ from this, nothing is changed.  Unbounded: a report's
    distinct texts are a few hundred small parses.  (No new literal numbers here: Hypothesis
    draws the suite's module constants, see :func:`verify.parallel.load_suite`.)
    """
    import matplotlib.mathtext as mathtext

    cls = mathtext.MathTextParser
    parse = getattr(cls.__dict__.get("_parse_cached"), "__wrapped__", None)
    if parse is None:  # not matplotlib's lru_cache'd method (or already shared)
        return
    parser = {}  # output type -> a parser of that type: the one the shared cache calls

    @functools.lru_cache(maxsize=None)
    def shared(output_type, s, dpi, prop, antialiased, load_glyph_flags):
        return parse(parser[output_type], s, dpi, prop, antialiased, load_glyph_flags)

    def _parse_cached(self, s, dpi, prop, antialiased, load_glyph_flags):
        parser.setdefault(self._output_type, self)
        return shared(self._output_type, s, dpi, prop, antialiased, load_glyph_flags)

    cls._parse_cached = _parse_cached


@dataclass
class FigureResult:
    """What :func:`draw_figure` produced.

    Attributes:
        path: the PNG file written, or ``None`` when nothing could be drawn.
        notes: short sentences about what was left out or could not be drawn.
        size: (width, height) in CSS pixels to show it at, when drawn.
    """

    path: Path | None
    notes: list[str] = field(default_factory=list)
    size: tuple[int, int] | None = None


def figure_filename(figure_id: object) -> str:
    """The PNG file name of a figure: its id with characters outside [A-Za-z0-9._-] as '_'."""
    name = _UNSAFE.sub("_", figure_id if isinstance(figure_id, str) else str(figure_id))
    if not name.strip("._"):
        name = "figure" + name
    return name + ".png"


def parse_number(value: object) -> float | None:
    """A finite float from a decimal string (or a plain int/float), else ``None``."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        try:
            f = float(value)
        except (OverflowError, ValueError):
            return None
    elif isinstance(value, str):
        try:
            f = float(value.strip().replace("_", ""))
        except (ValueError, OverflowError):
            return None
    else:
        return None
    return f if math.isfinite(f) else None


def _text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _scale(spec: dict, key: str, notes: list[str]) -> str:
    raw = spec.get(key)
    if raw is None or raw == "":
        return "linear"
    s = _text(raw).strip().lower()
    if s not in SCALES:
        notes.append(f"unknown {key} {_text(raw)!r}; drawn linear")
        return "linear"
    return s


def _valid_for(scale: str, v: float | None) -> bool:
    return v is not None and (scale != "log" or v >= UNDERFLOW)


def _series_points(series: dict, xscale: str, yscale: str, label: str, notes: list[str]):
    """(xs, ys, n_valid) with invalid points as NaN, and a note when some were dropped."""
    xs_raw = series.get("x")
    ys_raw = series.get("y")
    xs_raw = xs_raw if isinstance(xs_raw, (list, tuple)) else []
    ys_raw = ys_raw if isinstance(ys_raw, (list, tuple)) else []
    n = min(len(xs_raw), len(ys_raw))
    if len(xs_raw) != len(ys_raw):
        notes.append(
            f"series {label!r}: x has {len(xs_raw)} values and y {len(ys_raw)}; "
            f"the first {n} pairs drawn"
        )
    xs: list[float] = []
    ys: list[float] = []
    valid = 0
    for xr, yr in zip(xs_raw[:n], ys_raw[:n]):
        x = parse_number(xr)
        y = parse_number(yr)
        if _valid_for(xscale, x) and _valid_for(yscale, y):
            xs.append(x)  # type: ignore[arg-type]
            ys.append(y)  # type: ignore[arg-type]
            valid += 1
        else:
            xs.append(math.nan)
            ys.append(math.nan)
    dropped = n - valid
    if n == 0:
        notes.append(f"series {label!r} is empty")
    elif dropped:
        why = "non-finite, unparsable"
        if "log" in (xscale, yscale):
            why += ", non-positive or underflowed (below 2.2e-308) on a log axis"
        notes.append(f"series {label!r}: {dropped} of {n} points left out ({why})")
    return xs, ys, valid


def _entries(spec: dict, key: str, what: str,
             notes: list[str]) -> Iterator[tuple[int, dict, str, str]]:
    """The objects of the list ``spec[key]`` as (index, entry, label, display name); an entry
    that is not an object is noted and left out (a hand-edited results.json may hold one)."""
    items = spec.get(key)
    for i, entry in enumerate(items if isinstance(items, (list, tuple)) else []):
        if not isinstance(entry, dict):
            notes.append(f"{what} {i + 1} is not an object; left out")
            continue
        label = _text(entry.get("label"))
        yield i, entry, label, label or f"#{i + 1}"


def _symlog_threshold(values: list[float]) -> float | None:
    nonzero = [abs(v) for v in values if not math.isnan(v) and v != 0]
    if not nonzero:
        return None
    return max(min(nonzero), 1e-300)


def _spaced(lo: float, hi: float, scale: str, n: int = 101) -> list[float]:
    if scale == "log" and lo > 0 and hi > 0:
        a, b = math.log10(lo), math.log10(hi)
        return [10 ** (a + (b - a) * i / (n - 1)) for i in range(n)]
    return [lo + (hi - lo) * i / (n - 1) for i in range(n)]


def _wrap(s: str, width: int = 70) -> str:
    return "\n".join(textwrap.wrap(s, width)) if len(s) > width else s


def _draw(spec: dict, path: Path, plain: bool) -> list[str]:
    """Draw and save; returns notes.  ``plain`` turns off mathtext for every text."""
    notes: list[str] = []
    tk = {"parse_math": False} if plain else {}

    def lab(s: str) -> str:
        # Matplotlib hides legend labels starting with "_".
        return " " + s if s.startswith("_") else s

    xscale = _scale(spec, "xscale", notes)
    yscale = _scale(spec, "yscale", notes)
    mpl = _matplotlib()
    fig = mpl.figure.Figure(figsize=FIGSIZE, dpi=DPI)
    # An Agg canvas of its own: tight_layout then measures the texts with the renderer that
    # savefig draws with, whose text-size cache (per renderer) serves the drawing.  On the
    # default canvas each took a renderer of its own and every tick label, title and legend
    # entry was measured twice.  The same pixels (the renderer is cleared before drawing).
    mpl.backends.backend_agg.FigureCanvasAgg(fig)
    try:
        ax = fig.add_subplot()
        has_label = False
        all_x: list[float] = []
        all_y: list[float] = []
        total_valid = 0
        big = False
        has_points = False

        for i, series, label, name in _entries(spec, "series", "series", notes):
            xs, ys, valid = _series_points(series, xscale, yscale, name, notes)
            total_valid += valid
            all_x.extend(xs)
            all_y.extend(ys)
            if valid == 0:
                continue
            kw = {"label": lab(label)} if label else {}
            has_label = has_label or bool(label)
            style = _text(series.get("style") or "line").strip().lower()
            if style not in STYLES:
                notes.append(f"series {name!r}: unknown style {style!r}; drawn as a line")
                style = "line"
            color = f"C{i % 10}"
            if style == "points":
                px = [x for x in xs if not math.isnan(x)]
                py = [y for y in ys if not math.isnan(y)]
                size, alpha = (6, 0.9) if valid < 1000 else (4, 0.7) if valid < 5000 else (2, 0.5)
                big = big or valid > 2000
                has_points = True
                ax.scatter(px, py, s=size, alpha=alpha, linewidths=0, color=color, **kw)
            else:
                # Invalid points are left out and the valid ones joined; where some were left
                # out (and there are not too many), markers show which points are data.
                px = [x for x in xs if not math.isnan(x)]
                py = [y for y in ys if not math.isnan(y)]
                mark = {"marker": "o", "markersize": 3} if valid < len(xs) and valid <= 200 else {}
                if valid == 1:
                    mark = {"marker": "o", "markersize": 4}
                if style == "step":
                    ax.step(px, py, where="post", color=color, linewidth=1.2, **mark, **kw)
                else:
                    ax.plot(px, py, color=color, linewidth=1.2, **mark, **kw)

        finite_x = [x for x in all_x if not math.isnan(x)]
        finite_y = [y for y in all_y if not math.isnan(y)]

        for j, line, label, name in _entries(spec, "lines", "reference line", notes):
            axis = _text(line.get("axis")).strip().lower()
            color, ls = _REF_STYLES[j % len(_REF_STYLES)]
            kw = {"label": lab(label)} if label else {}
            if axis == "diag":
                # y = x where it crosses the data's box; else over the data's x range.
                positive = xscale == "log" or yscale == "log"
                dx = [v for v in finite_x if v > 0 or not positive]
                dy = [v for v in finite_y if v > 0 or not positive]
                if not dx:
                    notes.append(f"reference line {name!r} (y = x): no data range; left out")
                    continue
                lo, hi = max(min(dx), min(dy or dx)), min(max(dx), max(dy or dx))
                if lo >= hi:
                    lo, hi = min(dx), max(dx)
                if lo == hi:
                    notes.append(f"reference line {name!r} (y = x): data range is one point")
                pts = _spaced(lo, hi, xscale)
                ax.plot(pts, pts, color=color, linestyle=ls, linewidth=1.0, **kw)
            elif axis in ("x", "y"):
                v = parse_number(line.get("value"))
                scale = xscale if axis == "x" else yscale
                if v is None:
                    notes.append(
                        f"reference line {name!r}: value {_text(line.get('value'))!r} "
                        "is not a finite number; left out"
                    )
                    continue
                if scale == "log" and v <= 0:
                    notes.append(
                        f"reference line {name!r}: value {v!r} is not positive on a log "
                        "axis; left out"
                    )
                    continue
                if axis == "x":
                    ax.axvline(v, color=color, linestyle=ls, linewidth=1.0, **kw)
                    finite_x.append(v)
                else:
                    ax.axhline(v, color=color, linestyle=ls, linewidth=1.0, **kw)
                    finite_y.append(v)
            else:
                notes.append(f"reference line {name!r}: unknown axis {axis!r}; left out")
                continue
            has_label = has_label or bool(label)

        for scale, setter, values in (
            (xscale, ax.set_xscale, finite_x),
            (yscale, ax.set_yscale, finite_y),
        ):
            if scale == "symlog":
                thr = _symlog_threshold(values)
                setter("symlog", **({"linthresh": thr} if thr else {}))
            elif scale == "log":
                if values:
                    setter("log")
                    _clip_decades(ax, setter is ax.set_yscale, values, notes)
                else:
                    notes.append("no positive values for a log axis; drawn linear")

        if total_valid == 0:
            notes.append("no plottable data points")
            ax.text(
                0.5, 0.5, "no plottable data", transform=ax.transAxes,
                ha="center", va="center", color="0.4", **tk,
            )
        ax.set_xlabel(_text(spec.get("xlabel")), **tk)
        ax.set_ylabel(_text(spec.get("ylabel")), **tk)
        title = _text(spec.get("title"))
        if title:
            ax.set_title(_wrap(title), fontsize=11, **tk)
        ax.grid(True, which="major", color="0.9", linewidth=0.6)
        if has_label:
            leg = ax.legend(
                loc="upper right" if big else "best", fontsize=8, framealpha=0.85,
                markerscale=2.0 if has_points else 1.0,
            )
            if plain:
                for t in leg.get_texts():
                    t.set_parse_math(False)
        fig.tight_layout()
        # tight_layout leaves a placeholder layout engine behind, for which savefig draws the
        # whole figure once more (without output) before drawing it: a third of the time.
        fig.set_layout_engine(None)
        path.parent.mkdir(parents=True, exist_ok=True)
        # zlib level 1: the same pixels as the default level 6 in ~15 % less drawing time
        # (the encoder is a fifth of it), for files ~15 % larger.
        fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None},
                    pil_kwargs={"compress_level": PNG_COMPRESSION})
    finally:
        fig.clear()
    return notes


def _clip_decades(ax, is_y: bool, values: list[float], notes: list[str]) -> None:
    """Start a log axis ``MAX_DECADES`` below its largest value when the data span more."""
    top = max(values)
    floor = top * 10.0 ** -MAX_DECADES
    below = sum(1 for v in values if v < floor)
    if not below:
        return
    if is_y:
        ax.set_ylim(bottom=floor)
    else:
        ax.set_xlim(left=floor)
    notes.append(f"the {'y' if is_y else 'x'} axis shows {MAX_DECADES} decades below the "
                 f"largest value ({top:.3g}); {below} point{'s' * (below != 1)} below "
                 f"{floor:.3g} lie beyond it")


def draw_figure(spec: object, path: Path) -> FigureResult:
    """Draw one figure spec into ``path`` (a ``.png`` file).  Never raises on odd data.

    Texts are first drawn with matplotlib's mathtext (so ``$\\delta$`` works); if that fails
    (e.g. an unbalanced ``$``), the figure is drawn again with every text taken literally.
    When even that fails, no file is written and the notes say why.
    """
    if not isinstance(spec, dict):
        return FigureResult(None, ["figure spec is not an object"])
    path = Path(path)
    last: Exception | None = None
    for plain in (False, True):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # Matplotlib's own defaults, whatever matplotlibrc the machine has.
                with _matplotlib().style.context("default"):
                    notes = _draw(spec, path, plain)
            if plain:
                notes.append("texts drawn literally (mathtext could not parse them)")
            w, h = FIGSIZE
            return FigureResult(path, notes, (round(w * 100), round(h * 100)))
        except Exception as exc:  # noqa: BLE001 - a report must never fail on a figure
            last = exc
            try:
                if path.exists():
                    path.unlink()
            except OSError:
                pass
    return FigureResult(
        None, [f"figure could not be drawn ({type(last).__name__}: {_text(last)[:200]})"]
    )


# ---------------------------------------------------------------- the figure cache


@functools.lru_cache(maxsize=1)
def _drawing_version() -> str:
    """What else decides a PNG besides its spec: this module's code and matplotlib's version."""
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return f"{code};matplotlib={metadata.version('matplotlib')};dpi={DPI};size={FIGSIZE}"


def figure_key(spec: dict) -> str:
    """The cache key of a figure: a hash of its data (all of the spec but its id, which names
    the file only) and of :func:`_drawing_version`."""
    data = json.dumps({k: v for k, v in spec.items() if k != "id"}, sort_keys=True, default=str)
    return hashlib.sha256(f"{_drawing_version()}\0{data}".encode("utf-8", "surrogatepass")
                          ).hexdigest()


def draw_figure_cached(spec: object, path: Path, cache: Path | None) -> FigureResult:
    """:func:`draw_figure`, reusing the PNG drawn earlier for the same figure data.

    ``cache`` is a folder holding ``<key>.png`` and ``<key>.json`` (the notes and size); None
    draws every figure.  A damaged or unreadable entry is drawn again; a cache that cannot be
    written only costs the next report its time.
    """
    if cache is None or not isinstance(spec, dict):
        return draw_figure(spec, path)
    path, cache = Path(path), Path(cache)
    key = figure_key(spec)
    png, meta = cache / f"{key}.png", cache / f"{key}.json"
    try:
        info = json.loads(meta.read_text(encoding="utf-8"))
        notes, size = [str(n) for n in info["notes"]], info["size"]
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, path)
        return FigureResult(path, notes, tuple(size) if size else None)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    result = draw_figure(spec, path)
    if result.path is not None:
        with contextlib.suppress(OSError):
            cache.mkdir(parents=True, exist_ok=True)
            _replace_with(png, lambda tmp: shutil.copyfile(result.path, tmp))
            # The notes last: an entry counts only once its PNG is complete.
            _replace_with(meta, lambda tmp: tmp.write_text(
                json.dumps({"notes": result.notes, "size": result.size}), encoding="utf-8"))
    return result


def _draw_into(spec: dict, cache: str, scratch: str) -> None:
    """Draw one figure into the cache folder ``cache`` (a worker's task in :func:`predraw`)."""
    draw_figure_cached(spec, Path(scratch) / f"{figure_key(spec)}.png", Path(cache))


def predraw_here(specs: list, cache: Path | str) -> None:
    """Draw the figures of ``specs`` into the folder ``cache`` in this process (a run's worker
    draws its claim's figures as the claim ends; the report then takes them from ``cache``).
    Never raises: a figure not drawn here is drawn by the report."""
    import tempfile

    if not specs:  # most claims draw none: no scratch folder to make
        return
    try:
        with tempfile.TemporaryDirectory(prefix="figures-") as scratch:
            for spec in specs:
                if isinstance(spec, dict):
                    with contextlib.suppress(Exception):
                        _draw_into(spec, str(cache), scratch)
    except OSError:
        pass


def predraw(specs: list, cache: Path, workers: int) -> None:
    """Draw the figures of ``specs`` not yet in ``cache`` over ``workers`` processes, so that a
    report then takes every PNG from ``cache``.

    Drawing is most of a report's time and each figure is independent of the others; the PNGs
    are those :func:`draw_figure` draws (same function, same inputs).  Each distinct figure
    (by :func:`figure_key`) is drawn once.  Where processes cannot be started the report just
    draws them itself.
    """
    import concurrent.futures
    import multiprocessing
    import tempfile

    todo: dict[str, dict] = {}
    for spec in specs:
        if isinstance(spec, dict):
            key = figure_key(spec)
            if key not in todo and not (Path(cache) / f"{key}.json").exists():
                todo[key] = spec
    if workers < 2 or len(todo) < 2:
        return
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else None)
    try:
        with tempfile.TemporaryDirectory(prefix="figures-") as scratch, \
                concurrent.futures.ProcessPoolExecutor(min(workers, len(todo)),
                                                       mp_context=ctx) as pool:
            for job in [pool.submit(_draw_into, spec, str(cache), scratch)
                        for spec in todo.values()]:
                with contextlib.suppress(Exception):
                    job.result()
    except Exception:  # noqa: BLE001 - no processes here (a daemon, limits): the report draws
        pass


def _replace_with(target: Path, write) -> None:
    """Write ``target`` through a temporary file beside it, replaced in one step."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()

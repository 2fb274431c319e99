"""The report layer: renders a ``results.json`` as one self-contained HTML page.

It reads only the parsed results (stdlib + matplotlib); it imports nothing else of the suite.
Modules: ``html`` (the page), ``figures`` (figure specs drawn as SVG), ``maths`` (formulas
typeset with mathtext), ``diff`` (changes against an older run), ``style`` (CSS and the one
inline script), ``util`` (tolerant accessors), ``browser`` (headless Chromium over the DevTools
pipe, for the browser test and ``scripts/screenshot.py``).
"""

from .html import render_report

__all__ = ["render_report"]

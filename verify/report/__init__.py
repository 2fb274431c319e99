"""The report layer: renders a ``results.json`` as a static HTML page with SVG figures.

It reads only the parsed results (stdlib + matplotlib); it imports nothing else of the suite.
"""

from .html import render_report

__all__ = ["render_report"]

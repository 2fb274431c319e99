"""The report layer: renders a ``results.json`` as an HTML page with its figures beside it.

It reads only the parsed results; it imports nothing else of the suite and none of the math
stack (so a report can be re-rendered without it).  Modules: ``html`` (the page, from the Jinja2
templates in ``templates/``), ``figures`` (figure specs drawn as PNG with matplotlib), ``maths``
(formulas as MathML with latex2mathml), ``diff`` (changes against an older run), ``style`` (CSS
and the one inline script), ``util`` (tolerant accessors).
"""

from .html import Progress, render_report

__all__ = ["Progress", "render_report"]

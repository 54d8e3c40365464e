"""nbconvert's HTML exporter, remembering what it renders the same for every student.

A class's feedback pages repeat the released cells: the same code is syntax-highlighted and the
same Markdown rendered in every student's page (in a class of 30, 76 distinct highlightings of
720, 17 distinct Markdown cells of 450), a tenth of a page's time.  Both are nbconvert filters
whose result is a pure function of their inputs and of the exporter's configuration, so
:class:`RememberingHTMLExporter` (nbconvert's own ``HTMLExporter``, nothing overridden but
where the two filters are looked up) computes each distinct input once and gives the same
string back after that:

* ``highlight_code``: nbconvert's :class:`~nbconvert.filters.highlight.Highlight2HTML`, made
  for each notebook with that notebook's lexer.  Remembered by the lexer, the formatter options,
  the source, the language and the whole cell metadata it is given.
* ``markdown2html``: remembered by the source, the cell's attachments and the exporter's Markdown
  settings; never when ``embed_images`` is set, since the result then depends on image files.

Nothing is remembered for an input that is not plain JSON (no canonical key), and a course
that configures its own exporter class or filters gets them unchanged (:func:`remembering`).
nbgrader's feedback pages are rendered by nbconvert's code in every case; what a page
contains does not change (``tests/test_course/test_record_equivalence.py`` compares them with stock
nbgrader's byte for byte).  Only a warning nbconvert gives while computing (an unknown lexer)
is given once instead of for every page.
"""
from __future__ import annotations

import json
from collections import OrderedDict
from typing import Callable

from jinja2 import pass_context
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.highlight import Highlight2HTML

#: results remembered per exporter (one per feedback worker); the least recently used go first,
#: so the released cells, needed for every page, stay while each student's own cells pass through.
MEMO_SIZE = 4096


class Memo:
    """At most ``size`` results of pure computations, by key."""

    def __init__(self, size: int = MEMO_SIZE):
        self.size = size
        self.hits = self.misses = 0
        self._items: OrderedDict = OrderedDict()

    def get(self, key, compute: Callable[[], str]) -> str:
        if key in self._items:
            self._items.move_to_end(key)
            self.hits += 1
            return self._items[key]
        self.misses += 1
        value = compute()
        self._items[key] = value
        if len(self._items) > self.size:
            self._items.popitem(last=False)
        return value


def canonical(value) -> str | None:
    """One text for one JSON value (cell metadata, attachments, options); None if it is not JSON."""
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return None


class RememberedHighlight:
    """nbconvert's ``Highlight2HTML`` filter of one notebook, its results kept in the exporter's memo."""

    def __init__(self, highlight: Highlight2HTML, memo: Memo):
        self.highlight = highlight
        self.memo = memo

    def __call__(self, source, language=None, metadata=None):
        options, meta = canonical(self.highlight.extra_formatter_options), canonical(metadata)
        if options is None or meta is None or type(source) is not str:
            return self.highlight(source, language, metadata)
        key = ("highlight_code", self.highlight.pygments_lexer, options, source, language, meta)
        return self.memo.get(key, lambda: self.highlight(source, language, metadata))


class RememberingHTMLExporter(HTMLExporter):
    """nbconvert's ``HTMLExporter`` whose ``highlight_code`` and ``markdown2html`` filters remember
    their results (see the module docstring).  Configured, and looked up in the configuration, as
    ``HTMLExporter``."""

    def __init__(self, *args, **kwargs):
        self.memo = Memo()
        super().__init__(*args, **kwargs)

    def register_filter(self, name, jinja_filter):
        # HTMLExporter.from_notebook_node registers a Highlight2HTML with each notebook's lexer.
        if name == "highlight_code" and type(jinja_filter) is Highlight2HTML:
            jinja_filter = RememberedHighlight(jinja_filter, self.memo)
        return super().register_filter(name, jinja_filter)

    @pass_context
    def markdown2html(self, context, source):
        render = super().markdown2html
        if self.embed_images or type(source) is not str:       # then it reads image files
            return render(context, source)
        attachments = canonical((context.get("cell") or {}).get("attachments", {}))
        options = canonical(self.lexer_options)
        if attachments is None or options is None:
            return render(context, source)
        key = ("markdown2html", source, attachments, self.anchor_link_text, self.exclude_anchor_links, options)
        return self.memo.get(key, lambda: render(context, source))


def remembering(exporter_class: type) -> type:
    """The exporter class for a feedback worker: nbconvert's ``HTMLExporter`` (nbgrader's choice)
    remembering; any other class a course configured, unchanged."""
    return RememberingHTMLExporter if exporter_class is HTMLExporter else exporter_class

"""No student HTML or script in any page made from a submitted notebook.

Feedback pages (``nbgrader generate_feedback``) and formgrader both render the
autograded notebook with nbconvert, which passes raw HTML in Markdown cells,
raw cells marked ``text/html`` and rich outputs (``text/html``,
``application/javascript``, ``image/svg+xml``...) straight into the page.
Such a page may be served from the instructor's Jupyter server, where a
script would act with the instructor's session.

:func:`sanitize_notebook` rewrites a notebook so that rendering it is safe:

* a Markdown cell whose rendering contains anything the HTML policy removes
  (scripts, event handlers, ``javascript:`` links, iframes, SVG, forms...) is
  replaced by its sanitised rendering (maths stays as text for MathJax, images
  stay, ``data:`` URLs only as raster images); harmless cells are untouched;
* outputs keep only plain text, LaTeX, raster images and sanitised HTML;
* raw cells are never rendered as HTML; notebook and cell metadata that
  templates print (title, widget state, tags) are dropped or filtered.

:class:`SanitizeNotebook` is the same as an nbconvert preprocessor, used after
the engine in ``Autograde.autograde_preprocessors`` (so the stored autograded
notebook is clean) and again in ``GenerateFeedback.preprocessors``.
HTML is cleaned by ``nh3`` (the Rust ``ammonia`` sanitiser).
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import nh3

try:
    from nbconvert.preprocessors import Preprocessor
    from traitlets import Bool
except ImportError:  # pragma: no cover
    Preprocessor = object  # type: ignore[assignment,misc]
    Bool = None  # type: ignore[assignment]

_TAGS = set(nh3.ALLOWED_TAGS) - {"area", "map"}
_ATTRIBUTES = {
    "*": {"title", "lang", "dir", "align", "class"},
    **{f"h{level}": {"id"} for level in range(1, 7)},   # Markdown headings are anchors
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"},
    "ol": {"start"},
    **{tag: {"style"} for tag in ("span", "div", "p", "b", "i", "font", "td", "th", "strong", "em")},
}
_STYLE = {"color", "background-color", "text-align", "font-weight", "font-style", "text-decoration"}
_SCHEMES = {"http", "https", "mailto", "data"}
_RASTER = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$", re.IGNORECASE)

#: Output MIME types kept as they are (nbconvert escapes or embeds them safely).
SAFE_OUTPUT_TYPES = {"text/plain", "text/latex", "image/png", "image/jpeg", "image/gif"}
#: Notebook metadata a template may need; everything else (title, widgets...) goes.
KEPT_NOTEBOOK_METADATA = {"kernelspec", "language_info", "autograder"}
_RAW_TYPES_NOT_RENDERED = {"text/latex", "text/restructuredtext", "text/x-python"}
_TAG = re.compile(r"^[\w-]{1,60}$")


def _data_urls_only_for_images(tag: str, attribute: str, value: str) -> str | None:
    if value.strip().lower().startswith("data:") and not (tag == "img" and attribute == "src"
                                                          and _RASTER.match(value.strip())):
        return None
    return value


def clean_html(fragment: str) -> str:
    """``fragment`` with everything that could run or load active content removed."""
    return nh3.clean(fragment, tags=_TAGS, clean_content_tags={"script", "style"}, attributes=_ATTRIBUTES,
                     attribute_filter=_data_urls_only_for_images, url_schemes=_SCHEMES,
                     filter_style_properties=_STYLE, link_rel="noopener noreferrer nofollow")


class _Events(HTMLParser):
    """The tag/attribute/text stream of an HTML fragment, to compare two fragments semantically."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.events: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        attrs = [(k, re.sub(r"\s+|;$", "", v or "") if k == "style" else v or "") for k, v in attrs if k != "rel"]
        self.events.append(("<", tag, tuple(sorted(attrs))))

    def handle_endtag(self, tag):
        self.events.append((">", tag))

    def handle_data(self, data):
        if data.strip():
            self.events.append(("t", " ".join(data.split())))

    def handle_comment(self, data):
        self.events.append(("!", data))


def _events(fragment: str) -> list[tuple]:
    parser = _Events()
    parser.feed(fragment)
    parser.close()
    return [e for e in parser.events if e[0] != ">" or e[1] not in ("p", "li", "img", "br", "hr")]


def render_markdown(source: str, attachments: dict | None = None) -> str:
    """The HTML nbconvert makes of a Markdown cell (maths kept as text for MathJax)."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
    renderer = IPythonRenderer(escape=False, attachments=attachments or {}, exclude_anchor_links=True)
    return MarkdownWithMath(renderer=renderer).render(source)


#: safe_markdown's answers by (source, attachments): a class's notebooks share most of their Markdown
#: cells (the release's), and rendering plus sanitising each copy again is most of a page's sanitising time.
_MARKDOWN_MEMO: dict[str, str | None] = {}
_MARKDOWN_MEMO_MAX = 4096


def safe_markdown(source: str, attachments: dict | None = None) -> str | None:
    """None when the Markdown renders to harmless HTML; else a replacement source that renders to the
    sanitised HTML (one line of HTML, so Markdown passes it through as one block)."""
    key = json.dumps([source, attachments or {}], sort_keys=True, default=str)
    if key not in _MARKDOWN_MEMO:
        if len(_MARKDOWN_MEMO) >= _MARKDOWN_MEMO_MAX:
            _MARKDOWN_MEMO.clear()
        _MARKDOWN_MEMO[key] = _safe_markdown(source, attachments)
    return _MARKDOWN_MEMO[key]


def _safe_markdown(source: str, attachments: dict | None) -> str | None:
    rendered = render_markdown(source, attachments)
    cleaned = clean_html(rendered)
    if _events(cleaned) == _events(rendered):
        return None
    return '<div class="autograder-sanitized">' + cleaned.replace("\r", "").replace("\n", "&#10;") + "</div>"


def _clean_output(output) -> bool:
    """Sanitise one output in place; True if anything was removed or rewritten."""
    if output.get("output_type") not in ("display_data", "execute_result"):
        return False   # stream and error text is escaped by every template
    data, changed = output.get("data", {}), False
    for mime in list(data):
        if mime in SAFE_OUTPUT_TYPES:
            continue
        text = data[mime] if isinstance(data[mime], str) else "".join(data[mime])
        if mime == "text/html":
            cleaned = clean_html(text)
            if _events(cleaned) != _events(text):
                data[mime], changed = cleaned, True
        elif mime == "text/markdown":
            replacement = safe_markdown(text)
            if replacement is not None:
                data[mime], changed = replacement, True
        else:   # javascript, svg, widgets, anything a template might embed as is
            del data[mime]
            changed = True
    metadata = output.get("metadata", {})
    kept = {}
    for key, value in metadata.items():
        if key == "autograder" and isinstance(value, dict):
            kept[key] = value
        elif key in data and isinstance(value, dict):   # per-MIME size hints, printed into <img> tags
            sizes = {k: v for k, v in value.items() if k in ("width", "height") and type(v) in (int, float)}
            if sizes:
                kept[key] = sizes
    if kept != metadata:
        output["metadata"], changed = kept, True
    return changed


def sanitize_notebook(nb) -> list[str]:
    """Make rendering ``nb`` as HTML safe (in place); returns what was changed, for the log."""
    changed = []
    for key in [k for k in nb.metadata if k not in KEPT_NOTEBOOK_METADATA]:
        del nb.metadata[key]
        changed.append(f"notebook metadata '{key}'")
    for index, cell in enumerate(nb.cells, 1):
        tags = cell.metadata.get("tags")
        if tags is not None:
            good = [t for t in tags if isinstance(t, str) and _TAG.match(t)] if isinstance(tags, list) else []
            if good != tags:
                cell.metadata["tags"] = good
                changed.append(f"cell {index}: tags")
        if cell.cell_type == "markdown":
            attachments = {name: {m: v for m, v in bundle.items() if m in SAFE_OUTPUT_TYPES}
                           for name, bundle in (cell.get("attachments") or {}).items() if isinstance(bundle, dict)}
            if cell.get("attachments"):
                cell["attachments"] = attachments
            replacement = safe_markdown(str(cell.source), attachments)
            if replacement is not None:
                cell.source = replacement
                changed.append(f"cell {index}: markdown HTML")
        elif cell.cell_type == "raw":
            mime = str(cell.metadata.get("raw_mimetype", "") or cell.metadata.get("format", ""))
            if mime and mime.lower() not in _RAW_TYPES_NOT_RENDERED:
                cell.metadata.pop("raw_mimetype", None)
                cell.metadata.pop("format", None)
                changed.append(f"cell {index}: raw {mime}")
        elif cell.cell_type == "code":
            if any([_clean_output(output) for output in cell.get("outputs", [])]):
                changed.append(f"cell {index}: outputs")
                cell.outputs = [o for o in cell.outputs if o.get("data", True)]   # nothing left to show
    return changed


class SanitizeNotebook(Preprocessor):
    """nbconvert preprocessor: :func:`sanitize_notebook` on every notebook it sees."""

    if Bool is not None:
        enabled = Bool(True, help="sanitise (nbconvert preprocessors are off by default)").tag(config=True)

    def preprocess(self, nb, resources):
        changed = sanitize_notebook(nb)
        if changed and hasattr(self, "log"):
            self.log.warning("removed active content from %s: %s",
                             (resources or {}).get("unique_key", "the notebook"), "; ".join(changed[:8]))
        return nb, resources

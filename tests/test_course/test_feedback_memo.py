"""autograder.course.feedback_memo: what the feedback exporter remembers is what nbconvert would compute.

Each test gives the remembering exporter an input it has remembered something close to (the same
source with another lexer, other metadata, other attachments) and checks the answer against a
stock nbconvert ``HTMLExporter``'s: a memo keyed on too little returns the earlier result and fails.
"""
from __future__ import annotations

import base64

import nbformat
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.course.feedback_memo import Memo, RememberedHighlight, RememberingHTMLExporter, remembering

CODE = "def f(x):\n    return x + 1  # one\n"
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n-not-really-an-image-").decode()


def _notebook(lexer: str, *cells) -> nbformat.NotebookNode:
    nb = new_notebook(cells=list(cells))
    nb.metadata["language_info"] = {"name": lexer, "pygments_lexer": lexer}
    return nb


def test_highlight_is_remembered_by_source_lexer_language_and_metadata():
    memo = Memo()
    stock_python, stock_c = Highlight2HTML(pygments_lexer="python"), Highlight2HTML(pygments_lexer="c")
    python, c = RememberedHighlight(stock_python, memo), RememberedHighlight(stock_c, memo)
    assert python(CODE) == stock_python(CODE)
    assert python(CODE) == stock_python(CODE) and memo.hits == 1
    assert python("x = 2\n") == stock_python("x = 2\n") != python(CODE)            # another source
    assert c(CODE) == stock_c(CODE) != stock_python(CODE)                           # another notebook lexer
    assert python(CODE, "c") == stock_python(CODE, "c") != stock_python(CODE)       # a cell's own language
    stock_ipython = Highlight2HTML(pygments_lexer="ipython3")
    ipython, magics = RememberedHighlight(stock_ipython, memo), {"magics_language": "bash", "tags": []}
    assert ipython("ls -l $HOME\n", metadata=magics) == stock_ipython("ls -l $HOME\n", metadata=magics)
    assert ipython("ls -l $HOME\n") == stock_ipython("ls -l $HOME\n") != stock_ipython("ls -l $HOME\n", metadata=magics)
    wide = Highlight2HTML(pygments_lexer="python", extra_formatter_options={"linenos": "inline"})
    assert RememberedHighlight(wide, memo)(CODE) == wide(CODE) != stock_python(CODE)   # formatter options


def test_pages_are_nbconverts_whatever_was_rendered_before():
    """Notebooks in turn through one remembering exporter, each the same page as stock nbconvert's."""
    text = "# Title\n\nSome *text* with `code` and\n\n```python\nprint(1)\n```\n"
    notebooks = [_notebook("python", new_markdown_cell(text), new_code_cell(CODE), new_code_cell(CODE)),
                 _notebook("c", new_markdown_cell(text), new_code_cell(CODE)),
                 _notebook("python", new_markdown_cell(text + "more\n"), new_code_cell(CODE + "# two\n")),
                 _notebook("python", new_markdown_cell(text), new_code_cell(CODE))]
    remembering_exporter, stock = RememberingHTMLExporter(), HTMLExporter()
    pages = [remembering_exporter.from_notebook_node(nb)[0] for nb in notebooks]
    assert pages == [stock.from_notebook_node(nb)[0] for nb in notebooks]
    assert len(set(pages)) == 4
    assert remembering_exporter.memo.hits >= 4      # it did remember: the repeated cells, the last notebook


def test_markdown_is_remembered_with_the_cells_attachments():
    def cell(mime):
        markdown = new_markdown_cell("![figure](attachment:fig.png)")
        markdown["attachments"] = {"fig.png": {mime: PNG}}
        return markdown
    notebooks = [_notebook("python", cell("image/png")), _notebook("python", cell("image/jpeg"))]
    remembering_exporter, stock = RememberingHTMLExporter(), HTMLExporter()
    pages = [remembering_exporter.from_notebook_node(nb)[0] for nb in notebooks]
    assert pages == [stock.from_notebook_node(nb)[0] for nb in notebooks]
    assert "data:image/png" in pages[0] and "data:image/jpeg" in pages[1]


def test_markdown_that_embeds_image_files_is_never_remembered(tmp_path):
    """With embed_images the page depends on the image file: changed between two pages, it must show."""
    (tmp_path / "fig.png").write_bytes(b"first")
    nb = _notebook("python", new_markdown_cell("![figure](fig.png)"))
    resources = {"metadata": {"path": str(tmp_path)}}
    remembering_exporter = RememberingHTMLExporter(embed_images=True)
    first = remembering_exporter.from_notebook_node(nb, resources=dict(resources))[0]
    (tmp_path / "fig.png").write_bytes(b"second")
    second = remembering_exporter.from_notebook_node(nb, resources=dict(resources))[0]
    assert base64.b64encode(b"first").decode() in first and base64.b64encode(b"second").decode() in second
    assert second == HTMLExporter(embed_images=True).from_notebook_node(nb, resources=dict(resources))[0]


def test_a_course_exporter_or_filter_is_left_alone():
    class CourseExporter(HTMLExporter):
        pass
    assert remembering(HTMLExporter) is RememberingHTMLExporter
    assert remembering(CourseExporter) is CourseExporter
    calls = []

    def course_highlight(source, language=None, metadata=None):
        calls.append(source)
        return f"<pre>course {len(calls)}</pre>"
    exporter = RememberingHTMLExporter(filters={"highlight_code": course_highlight})
    page = exporter.from_notebook_node(_notebook("python", new_code_cell(CODE), new_code_cell(CODE)))[0]
    assert exporter.environment.filters["highlight_code"] is course_highlight
    assert "course 1" in page and "course 2" in page


def test_the_memo_keeps_the_most_recently_used():
    memo = Memo(size=2)
    assert [memo.get(k, lambda k=k: k * 2) for k in ("a", "b", "a", "c")] == ["aa", "bb", "aa", "cc"]
    assert memo.get("a", lambda: "recomputed") == "aa"          # used last-but-one: kept
    assert memo.get("b", lambda: "recomputed") == "recomputed"  # least recently used: dropped

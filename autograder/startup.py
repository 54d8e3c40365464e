"""Start-up settings of the autograder's own processes (the CLI and the batch workers).

Imported first by ``autograder/__main__.py`` and ``autograder/batch.py``; never
by the package itself, so that nbgrader and other hosts of our preprocessors
keep their own settings.
"""
import sys

# jsonschema, which nbformat imports, imports rfc3987_syntax when it is installed (jupyter-events
# brings it), and that compiles 38 lark grammars at import: about 1 s, a third of a cold
# `autograder grade`.  It only provides the "iri" and "iri-reference" format checkers; the
# notebook schemas use neither, and nbformat validates without format checking.  A None entry in
# sys.modules makes that import fail, and jsonschema then simply goes without those two checkers.
sys.modules.setdefault("rfc3987_syntax", None)

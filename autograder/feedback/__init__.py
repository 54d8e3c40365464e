"""What a student reads: explanations of mistakes, how values are shown, the message catalogues (English and
Korean), and the report writers (JSON, Gradescope, Markdown, HTML, text).

``explain`` is the explainer base (``Context``, ``Explainer``, ``run_explainers``); ``explainers`` is the
registry of generic explainers, and ``hints`` asks them (plus an assignment's own, from ``source/<name>/``)
about an error or a returned value.  ``describe`` shows values, ``messages``/``texts``/``bridge_texts`` hold the
texts, ``report`` renders one result in every format.

May import: ``autograder.sandbox`` (the codec's types, a worker's facts) and the shared leaves.
Must never import: ``autograder.engine``, ``autograder.course``, ``autograder.ci``, ``autograder.cli``, or
nbgrader: feedback never shows hidden test code or reference code, it only words what the engine found.
"""

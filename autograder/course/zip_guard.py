"""``nbgrader zip_collect`` that copies regular files only.

nbgrader's extractor copies every file of ``downloaded/<a>/archive/`` that is not an archive, and its
collector every extracted file, with ``shutil.copy``: a symbolic link there (a folder unpacked or
copied by hand) arrives in ``submitted/`` as a regular file holding whatever it pointed at, where no
later check can tell it from the student's work.  This extractor first removes the links, FIFOs,
sockets, devices and outside hard links of the archive folder (the removed link loses nothing: its
target stays), then does nbgrader's extraction, then clears the extracted folder the same way.
``nbgrader_config.py`` selects it (``ZipCollectApp.extractor_plugin``); ``autograder batch --from``
unpacks archives itself (:mod:`autograder.archives`, regular files only) before zip_collect runs.
"""
from __future__ import annotations

from nbgrader.plugins import ExtractorPlugin

from .plain_files import keep_regular_files


class RegularFilesExtractor(ExtractorPlugin):
    """nbgrader's ExtractorPlugin, on folders holding regular files only."""

    def _clear(self, folder: str, what: str) -> None:
        for name in keep_regular_files(folder):
            self.log.warning("%s: removed %s (not a regular file; it is not collected)", what, name)

    def extract(self, archive_path: str, extracted_path: str) -> None:
        self._clear(archive_path, archive_path)
        super().extract(archive_path, extracted_path)
        self._clear(extracted_path, extracted_path)

"""Unpack an LMS export (zip or tar) member by member, skipping what is unsafe.

One bad member must not cost the whole class its grades: every member is
judged on its own, and the unsafe ones are skipped with a reason, while the
safe ones are written under the target folder.  Unsafe means:

* a path that leaves the target (``..``, an absolute path, a drive letter);
* a link (symbolic or hard), a device, a FIFO: only regular files are written;
* a member larger than ``max_member_bytes``, or one that would take the
  unpacked total past ``max_total_bytes`` (a zip bomb), judged on the bytes
  really written, not on the size the archive declares;
* an archive inside the archive (nbgrader's ``zip_collect`` would unpack it
  again without these checks);
* more than ``max_members`` members.
"""
from __future__ import annotations

import re
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MAX_MEMBER_BYTES = 100 << 20     # a notebook with many figures is a few MiB
MAX_TOTAL_BYTES = 2 << 30
MAX_MEMBERS = 20000
_ARCHIVE_SUFFIXES = (".zip", ".tar", ".tgz", ".gz", ".bz2", ".xz", ".7z", ".rar", ".tbz2", ".txz", ".zst")
_ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"7z\xbc\xaf\x27\x1c",
                  b"Rar!\x1a\x07", b"\x28\xb5\x2f\xfd")
_DRIVE = re.compile(r"^[A-Za-z]:")


class ArchiveError(Exception):
    """The archive itself cannot be read (not a zip/tar, corrupt); ``str()`` is one line."""


@dataclass
class Unpacked:
    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)   # (member name, why)


class _TooBig(Exception):
    pass


def safe_relative_path(name: str) -> PurePosixPath | None:
    """The member's path relative to the target, or None when it would leave the target."""
    text = name.replace("\\", "/")
    if not text or text.startswith("/") or _DRIVE.match(text) or "\0" in text:
        return None
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return PurePosixPath(*parts)


class _Members:
    """The common view of zip and tar members: name, kind, declared size, byte stream."""

    def __init__(self, path: Path):
        self.path = path
        if zipfile.is_zipfile(path):
            self.zip = zipfile.ZipFile(path)
            self.tar = None
        else:
            try:
                self.tar = tarfile.open(path)
            except (tarfile.TarError, OSError) as exc:
                raise ArchiveError(f"{path.name}: not a zip or tar archive ({exc})") from None
            self.zip = None

    def __iter__(self):
        """(name, kind, declared size, opener); kind is 'file', 'dir' or what else it is."""
        if self.zip is not None:
            for info in self.zip.infolist():
                mode = (info.external_attr >> 16) & 0o170000
                kind = ("dir" if info.is_dir() else "symbolic link" if mode == 0o120000
                        else "file" if mode in (0, 0o100000) else "special file")
                yield info.filename, kind, info.file_size, (lambda info=info: self.zip.open(info))
        else:
            for member in self.tar:
                kind = ("file" if member.isreg() else "dir" if member.isdir() else
                        "symbolic link" if member.issym() else "hard link" if member.islnk() else "special file")
                yield member.name, kind, member.size, (lambda member=member: self.tar.extractfile(member))

    def close(self):
        (self.zip or self.tar).close()


def _is_archive(name: str, head: bytes) -> bool:
    return name.lower().endswith(_ARCHIVE_SUFFIXES) or head.startswith(_ARCHIVE_MAGIC)


def unpack(archive: str | Path, target: str | Path, *, max_member_bytes: int = MAX_MEMBER_BYTES,
           max_total_bytes: int = MAX_TOTAL_BYTES, max_members: int = MAX_MEMBERS) -> Unpacked:
    """Write the safe regular files of ``archive`` under ``target`` (created); see the module docstring."""
    archive, target = Path(archive), Path(target)
    try:
        members = _Members(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError(f"{archive.name}: cannot read the archive ({exc})") from None
    target.mkdir(parents=True, exist_ok=True)
    out, total, seen = Unpacked(), 0, set()
    try:
        for count, (name, kind, declared, opener) in enumerate(members, 1):
            if kind == "dir":
                continue
            relative = safe_relative_path(name)
            reason = None
            if count > max_members:
                reason = f"more than {max_members} members"
            elif relative is None:
                reason = "its path leaves the target folder (absolute or '..')"
            elif kind != "file":
                reason = f"a {kind}, not a regular file"
            elif str(relative) in seen:
                reason = "a second member with the same name"
            elif declared > max_member_bytes:
                reason = f"larger than {max_member_bytes >> 20} MiB"
            elif total + declared > max_total_bytes:
                reason = f"the archive unpacks to more than {max_total_bytes >> 20} MiB"
            if reason is None:
                reason, size = _write(opener, target / relative, name, min(max_member_bytes, max_total_bytes - total),
                                      max_member_bytes)
                total += size
            if reason is None:
                seen.add(str(relative))
                out.files.append(target / relative)
            else:
                out.skipped.append((name, reason))
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
        out.skipped.append((archive.name, f"the rest of the archive is unreadable ({exc})"))
    finally:
        members.close()
    return out


def _write(opener, dest: Path, name: str, limit: int, member_cap: int) -> tuple[str | None, int]:
    """Unpack one member; (why it was skipped or None, bytes written)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        with opener() as stream:
            head = stream.read(8)
            if _is_archive(name, head):
                return "an archive inside the archive (not unpacked)", 0
            with open(dest, "xb") as out:
                out.write(head)
                size = len(head) + _append_capped(stream, out, limit - len(head))
        return None, size
    except _TooBig:
        dest.unlink(missing_ok=True)
        return (f"larger than {member_cap >> 20} MiB" if limit >= member_cap
                else "the archive unpacks to more than the total size cap"), 0
    except FileExistsError:
        return "a second member with the same name", 0
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, RuntimeError) as exc:
        dest.unlink(missing_ok=True)
        return f"unreadable ({str(exc)[:80]})", 0


def _append_capped(source, out, limit: int) -> int:
    written = 0
    while True:
        chunk = source.read(1 << 20)
        if not chunk:
            return written
        written += len(chunk)
        if written > limit:
            raise _TooBig()
        out.write(chunk)


"""Refuse a hostile torch archive before torch reads it (grader side only).

A worker's tensor travels as the zip archive ``torch.save`` writes.  ``torch.load`` trusts that
archive's directory: it allocates each record at its *declared* uncompressed size and inflates a
compressed record into it, so a 200 KB archive with one deflated record of zeros made the grader
allocate 400 MB (a 4 MB one, 4 GB).  This module accepts only the layout torch's own writer
produces and bounds everything by the archive's own length:

* torch 2.13 never compresses: ``torch.serialization._save`` writes every record through
  ``torch._C.PyTorchFileWriter.write_record(name, data, size)``, which has no compression
  argument, and every entry of its output is stored (method 0, compressed size equal to the size;
  ``tests/test_channel_fuzz.py`` checks this for every dtype).  So a compressed entry is refused
  outright and no record can be larger than the bytes that hold it;
* one plain central directory at the very end (no comment, no zip64, no encryption), at most
  ``MAX_ENTRIES`` entries, no duplicate names (compared case-insensitively, as miniz looks them
  up), each local header agreeing with its directory entry, the records' data disjoint and inside
  the archive; so what torch's reader (miniz) finds is what was checked here;
* ``data.pkl`` small (torch writes ~250 bytes for a tensor) and made only of the pickle opcodes
  and globals torch writes for a plain tensor, so the weights-only unpickler's work is bounded;
* at most ``MAX_STORAGES`` storage records.  torch 2.13 itself refuses a storage whose pickled
  element count disagrees with its record's size ("record size ... does not match expected size"),
  and :func:`autograder.sandbox.inside.codec._decode_tensor` refuses views larger than their storage.

Importing this module installs :func:`check` as the codec's archive guard.
"""
from __future__ import annotations

import pickletools
import struct

from .inside import codec
from .inside.codec import CodecError

MAX_ENTRIES = 16          # torch.save of one tensor writes 7
MAX_STORAGES = 4          # ... and one storage record
MAX_PICKLE = 16 << 10     # ... and a data.pkl of ~250 bytes
MAX_NAME = 256

_EOCD = struct.Struct("<4s4H2LH")                  # end of central directory, 22 bytes
_CENTRAL = struct.Struct("<4s6H3L5H2L")            # central directory entry, 46 bytes + name...
_LOCAL = struct.Struct("<4s5H3L2H")                # local header, 30 bytes + name + extra
_EOCD64 = struct.Struct("<4sQ2H2L4Q")              # zip64 end of central directory, 56 bytes
_LOCATOR = struct.Struct("<4sLQL")                 # zip64 end locator, 20 bytes
_ALLOWED_FLAGS = 0x0008 | 0x0800                   # data descriptor, UTF-8 names: what torch sets
_OPCODES = frozenset({
    "PROTO", "GLOBAL", "BINPUT", "LONG_BINPUT", "BINGET", "LONG_BINGET", "MARK", "STOP",
    "BINUNICODE", "BININT1", "BININT2", "BININT", "LONG1", "NEWFALSE", "NEWTRUE", "NONE",
    "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3", "EMPTY_TUPLE", "BINPERSID", "REDUCE",
    "EMPTY_DICT", "SETITEM", "SETITEMS", "EMPTY_LIST", "APPEND", "APPENDS", "BINFLOAT"})
_GLOBALS = frozenset({"collections OrderedDict", "torch._utils _rebuild_tensor_v2",
                      "torch._utils _rebuild_tensor_v3", "torch.storage UntypedStorage"})


def _refuse(why: str):
    raise CodecError(f"tensor archive refused: {why}")


def _entries(raw: bytes) -> dict[str, tuple[int, int]]:
    """name -> (data offset, size) for every entry, after checking the layout."""
    size = len(raw)
    if size < _EOCD.size:
        _refuse("too short")
    sig, disk, cd_disk, n_disk, n_total, cd_size, cd_offset, comment = _EOCD.unpack_from(raw, size - _EOCD.size)
    if sig != b"PK\x05\x06" or disk or cd_disk or comment or n_disk != n_total:
        _refuse("no plain end-of-directory record at its end")
    if not 0 < n_total <= MAX_ENTRIES:
        _refuse(f"{n_total} entries")
    cd_end = size - _EOCD.size
    if cd_end >= _LOCATOR.size and raw[cd_end - _LOCATOR.size:cd_end - _LOCATOR.size + 4] == b"PK\x06\x07":
        # torch's writer always adds zip64 end records, and miniz then reads those: they must say
        # exactly what the plain end record says, and sit right after the central directory.
        cd_end -= _LOCATOR.size + _EOCD64.size
        _sig, disk64, where, disks = _LOCATOR.unpack_from(raw, size - _EOCD.size - _LOCATOR.size)
        if cd_end < 0 or disk64 or disks != 1 or where != cd_end:
            _refuse("inconsistent zip64 end records")
        sig64, length, _made, _need, *rest = _EOCD64.unpack_from(raw, cd_end)
        if (sig64, length, *rest) != (b"PK\x06\x06", _EOCD64.size - 12, 0, 0, n_total, n_total,
                                      cd_size, cd_offset):
            _refuse("inconsistent zip64 end records")
    if cd_offset + cd_size != cd_end:
        _refuse("the central directory is not where the end record says")
    entries: dict[str, tuple[int, int]] = {}
    spans: list[tuple[int, int]] = []
    folded: set[str] = set()
    pos = cd_offset
    for _ in range(n_total):
        if pos + _CENTRAL.size > cd_offset + cd_size:
            _refuse("truncated central directory")
        (sig, _made, _need, flags, method, _t, _d, _crc, csize, usize, nlen, xlen, clen, _disk, _ia, _ea,
         offset) = _CENTRAL.unpack_from(raw, pos)
        if sig != b"PK\x01\x02" or flags & ~_ALLOWED_FLAGS:
            _refuse("unexpected central directory entry")
        if method != 0 or csize != usize:
            _refuse("a compressed entry (torch stores every record uncompressed)")
        if 0xFFFFFFFF in (csize, usize, offset) or not 0 < nlen <= MAX_NAME:
            _refuse("an entry's sizes or name are out of range")
        name_bytes = raw[pos + _CENTRAL.size:pos + _CENTRAL.size + nlen]
        pos += _CENTRAL.size + nlen + xlen + clen
        try:
            name = name_bytes.decode("ascii")
        except UnicodeDecodeError:
            _refuse("a non-ASCII entry name")
        if name.lower() in folded:
            _refuse(f"duplicate entry {name[:60]!r}")
        folded.add(name.lower())
        if offset + _LOCAL.size > cd_offset:
            _refuse("an entry outside the archive")
        lsig, _need, lflags, lmethod, _t, _d, _crc, lcsize, lusize, lnlen, lxlen = _LOCAL.unpack_from(raw, offset)
        if lsig != b"PK\x03\x04" or lmethod != 0 or lflags != flags or lnlen != nlen:
            _refuse("a local header that disagrees with the directory")
        if not flags & 0x0008 and (lcsize, lusize) != (csize, usize):
            _refuse("a local header that disagrees with the directory")
        start = offset + _LOCAL.size + lnlen + lxlen
        if raw[offset + _LOCAL.size:offset + _LOCAL.size + lnlen] != name_bytes or start + csize > cd_offset:
            _refuse("an entry outside the archive")
        entries[name] = (start, csize)
        spans.append((offset, start + csize))
    if pos != cd_offset + cd_size:
        _refuse("the central directory has trailing bytes")
    spans.sort()
    for (_, end), (begin, _) in zip(spans, spans[1:]):
        if begin < end:
            _refuse("overlapping entries")
    return entries


def _check_pickle(data: bytes) -> None:
    persids = 0
    try:
        for op, arg, _pos in pickletools.genops(data):
            if op.name not in _OPCODES:
                _refuse(f"pickle opcode {op.name}")
            if op.name == "GLOBAL" and arg not in _GLOBALS and not _torch_type(arg):
                _refuse(f"pickle global {str(arg)[:60]!r}")
            persids += op.name == "BINPERSID"
    except CodecError:
        raise
    except Exception as exc:  # genops only parses; malformed data raises ValueError and the like
        _refuse(f"malformed pickle ({type(exc).__name__})")
    if persids > MAX_STORAGES:
        _refuse(f"{persids} storage references")


def _torch_type(arg) -> bool:
    """``torch FloatStorage`` and the like, or ``torch uint16`` (a dtype, for _rebuild_tensor_v3)."""
    module, _, name = str(arg).partition(" ")
    if module != "torch" or not name.isidentifier():
        return False
    import torch
    value = getattr(torch, name, None)
    return isinstance(value, torch.dtype) or (name.endswith("Storage") and isinstance(value, type))


def check(raw: bytes) -> None:
    """Raise CodecError unless ``raw`` is an archive torch.load may read within bounds set by its length."""
    try:
        entries = _entries(raw)
    except struct.error:    # every read is bounds-checked first; this is a second line of defence
        _refuse("truncated records")
    pickles = [name for name in entries if name.endswith("/data.pkl") and name.count("/") == 1]
    if len(pickles) != 1:
        _refuse("no single data.pkl")
    storages = [name for name in entries if name.split("/")[1:2] == ["data"]]
    if len(storages) > MAX_STORAGES:
        _refuse(f"{len(storages)} storage records")
    start, size = entries[pickles[0]]
    if size > MAX_PICKLE:
        _refuse(f"a data.pkl of {size} bytes")
    _check_pickle(raw[start:start + size])


codec.archive_guard = check

"""Hand-built hostile payloads for the grader's side of the worker channel (tests/test_sandbox/test_channel_fuzz.py).

Each builder returns one whole frame body, as a worker could send it in reply to a call: every
byte of it is under the student's control.  The tensor archives start from what torch.save
writes and change one thing, so a refusal is caused by that one thing.
"""
from __future__ import annotations

import base64
import io
import struct
import zipfile

import numpy as np


def frame(value: bytes, call_id: int = 1) -> bytes:
    """A result reply to call ``call_id`` carrying ``value`` (raw JSON text)."""
    return b'{"op":"result","id":' + str(call_id).encode() + b',"stdout":"","value":' + value + b"}"


def tensor_value(archive: bytes) -> bytes:
    return b'{"__tensor__":{"data":"' + base64.b64encode(archive) + b'","requires_grad":false}}'


def npy_value(raw: bytes) -> bytes:
    return b'{"__ndarray__":"' + base64.b64encode(raw) + b'"}'


def torch_archive(tensor) -> bytes:
    import torch
    buf = io.BytesIO()
    torch.save(tensor, buf)
    return buf.getvalue()


def rezip(raw: bytes, change=lambda name, data: (name, data, zipfile.ZIP_STORED), extra=()) -> bytes:
    """The archive written again by Python's zipfile, each entry passed through ``change``."""
    source, out = zipfile.ZipFile(io.BytesIO(raw)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            name, data, method = change(info.filename, source.read(info.filename))
            target.writestr(zipfile.ZipInfo(name), data, compress_type=method)
        for name, data in extra:
            target.writestr(zipfile.ZipInfo(name), data)
    return out.getvalue()


def _numel(pickle: bytes, old: int, new: int) -> bytes:
    """data.pkl of torch.zeros(old) (old < 256) claiming ``new`` elements: storage size and shape."""
    small, big = b"K" + bytes([old]), b"J" + struct.pack("<i", new)
    return pickle.replace(small + b"t", big + b"t", 1).replace(small + b"\x85", big + b"\x85", 1)


def zip_bomb_archive(inflated: int) -> bytes:
    """One float storage of ``inflated`` zero bytes, deflated: a few hundred KB per 100 MB."""
    def change(name, data):
        if name.endswith("/data/0"):
            return name, bytes(inflated), zipfile.ZIP_DEFLATED
        if name.endswith("/data.pkl"):
            return name, _numel(data, 6, inflated // 4), zipfile.ZIP_STORED
        return name, data, zipfile.ZIP_STORED
    import torch
    return rezip(torch_archive(torch.zeros(6)), change)


def declared_size_archive(declared: int) -> bytes:
    """torch.save's own archive whose directory says the storage record holds ``declared`` bytes."""
    import torch
    raw = bytearray(torch_archive(torch.zeros(6)))
    name = b"archive/data/0"
    at = raw.index(b"PK\x01\x02")                  # the central directory entries, in turn
    while raw[at + 46:at + 46 + len(name)] != name:
        at = raw.index(b"PK\x01\x02", at + 4)
    struct.pack_into("<LL", raw, at + 20, declared, declared)
    return bytes(raw)


def stride_zero_archive(claimed: int) -> bytes:
    """A 6-float storage seen as ``claimed`` elements with stride 0: a view that expands when compared."""
    def change(name, data):
        if name.endswith("/data.pkl"):
            data = data.replace(b"K\x06\x85", b"J" + struct.pack("<i", claimed) + b"\x85", 1)
            data = data.replace(b"K\x01\x85", b"K\x00\x85", 1)
        return name, data, zipfile.ZIP_STORED
    import torch
    return rezip(torch_archive(torch.zeros(6)), change)


def npy_header(header: str, version: int = 1, data: bytes = b"") -> bytes:
    text = header.encode("latin1")
    text += b" " * (-(len(text) + 11) % 64) + b"\n"
    size = struct.pack("<H", len(text)) if version == 1 else struct.pack("<I", len(text))
    return b"\x93NUMPY" + bytes([version, 0]) + size + text + data


def npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def all_bombs(inflated: int = 1 << 30, big: int = 60_000_000) -> dict[str, bytes]:
    """name -> frame: ``inflated`` bytes in the zip bomb, ``big`` bytes in the largest JSON frames."""
    import torch
    deep = 100_000
    return {
        f"tensor_zip_bomb_{inflated >> 20}MiB": frame(tensor_value(zip_bomb_archive(inflated))),
        "tensor_declared_3GiB": frame(tensor_value(declared_size_archive(3 << 30))),
        "tensor_5000_entries": frame(tensor_value(rezip(torch_archive(torch.zeros(6)), extra=[
            (f"archive/x{i}", b"") for i in range(5000)]))),
        "tensor_duplicate_name": frame(tensor_value(rezip(torch_archive(torch.zeros(6)), extra=[
            ("ARCHIVE/DATA/0", bytes(24))]))),
        "tensor_stride0_view_1e9": frame(tensor_value(stride_zero_archive(10 ** 9))),
        "npy_shape_1e12_v1": frame(npy_value(npy_header(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }", 1, bytes(16)))),
        "npy_shape_1e12_v3": frame(npy_value(npy_header(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }", 3, bytes(16)))),
        "npy_subarray_dtype": frame(npy_value(npy_header(
            "{'descr': [('x', '<f8', (4000, 4000))], 'fortran_order': False, 'shape': (8,), }", 1, bytes(64)))),
        "npy_header_1MB": frame(npy_value(npy_header(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (" + "1, " * 300_000 + "), }", 2))),
        "json_nested_100k": frame(b"[" * deep + b"]" * deep),
        "json_int_1M_digits": frame(b"1" * 1_000_000),
        "json_empty_dicts": frame(b"[" + b"{}," * (big // 3) + b"{}]"),
        "json_tiny_strings": frame(b"[" + b'"a",' * (big // 4) + b'"a"]'),
        "json_string_astral": frame(b'"' + b"a" * big + b'\\ud83d\\ude00"'),
        "b64_not_npy": frame(b'{"__ndarray__":"' + b"A" * (big // 4 * 4) + b'"}'),
    }

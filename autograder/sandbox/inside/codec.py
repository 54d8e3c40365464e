"""Plain-data codec and message framing shared by the grader and the worker.

This module is imported by BOTH sides of the trust boundary:

* the grader (``autograder.sandbox.inside.codec``), which must treat everything coming from a
  worker as hostile, and
* the sandboxed worker (a private copy placed next to ``worker.py``), which may
  import only the standard library, numpy and this file.

So it must not import the ``autograder`` package, and must not import torch
unless a tensor is actually being encoded/decoded (importing torch costs
seconds).

Encoding (``encode``) turns a value into something ``json.dumps`` accepts.
Only exact types are recognised (``type(x) is np.ndarray``, never
``isinstance``): a subclass could override ``__eq__``/``__array_ufunc__`` and
lie to comparisons, so anything unknown becomes ``{"__unsupported__": name}``
and decodes to an :class:`Unsupported` marker.  Nothing here ever unpickles:
arrays use ``np.load(allow_pickle=False)``, tensors ``torch.load(weights_only=True)``.

Every JSON object on the wire is a one-key tagged object, so a student's dict
with a key such as ``"__tuple__"`` can never be confused with a tag.

Framing: 4-byte big-endian length + UTF-8 JSON body.
"""
from __future__ import annotations

import base64
import io
import json
import math
import struct
import sys

import numpy as np

MAX_DEPTH = 64            # nesting depth accepted by encode/decode
MAX_NODES = 5_000_000     # total containers+leaves accepted by decode
MAX_INT_BITS = 4096       # larger ints are refused (JSON/int-str limits)
HEADER = struct.Struct(">I")
# Bounds on one frame, checked before json.loads builds anything (see _audit_frame).  A frame of
# F bytes then costs at most ~4F for its strings plus MAX_FRAME_ITEMS small objects (~100 MB).
MAX_FRAME_ITEMS = 1 << 19            # values + containers: a full speculation log needs ~300k
_MAX_FRAME_DEPTH = 2 * MAX_DEPTH + 8  # a tagged container is two JSON levels, plus the envelope
_MAX_INT_DIGITS = 1234               # decimal digits of 2**MAX_INT_BITS
# Arrays travel as .npy of plain dtypes only: numbers, booleans, fixed-width text.  No objects,
# records or sub-array dtypes (those change the shape), so size = product(shape) x itemsize.
_NPY_KINDS = frozenset("biufcSU")
MAX_NDIM = 32
_MAX_NPY_HEADER = 4096               # np.save writes ~120 bytes for any of these dtypes

# Exact numpy scalar types we accept (subclasses are *not* in this set).
_NP_SCALARS = frozenset(
    t for t in set(np.sctypeDict.values())
    if issubclass(t, (np.number, np.bool_)) and t.__module__ == "numpy"
)


class CodecError(ValueError):
    """Raised when a payload is malformed or exceeds a limit."""


class Unsupported:
    """Marker for a value of a type the codec refuses to transport.

    A test comparing it with anything gets ``False``: it never equals a real
    result, so the student sees "wrong type" instead of the grader crashing.
    """

    __slots__ = ("type_name",)

    def __init__(self, type_name: str):
        self.type_name = str(type_name)[:200]

    def __eq__(self, other):
        return isinstance(other, Unsupported) and other.type_name == self.type_name

    def __hash__(self):
        return hash(("Unsupported", self.type_name))

    def __repr__(self):
        return f"Unsupported({self.type_name!r})"


def _type_name(obj) -> str:
    t = type(obj)
    return f"{getattr(t, '__module__', '?')}.{getattr(t, '__qualname__', '?')}"[:200]


def plain_dtype(dtype) -> bool:
    """Whether arrays of ``dtype`` may cross the channel (both sides apply the same rule)."""
    return (dtype.kind in _NPY_KINDS and dtype.fields is None and dtype.subdtype is None
            and dtype.itemsize > 0 and not dtype.hasobject)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


def _unsupported(obj, strict: bool, why: str = ""):
    name = _type_name(obj) + (f" ({why})" if why else "")
    if strict:
        raise CodecError(f"cannot encode value of type {name}")
    return {"__unsupported__": name}


def _encode_tensor(obj, strict: bool):
    import torch  # only reached when torch is already imported by the caller

    try:
        t = obj.detach()  # nn.Parameter.detach() gives a plain Tensor
        if type(t) is not torch.Tensor:
            return _unsupported(obj, strict, "tensor subclass")
        if t.dim() > MAX_NDIM:
            return _unsupported(obj, strict, f"{t.dim()} dimensions")
        buf = io.BytesIO()
        torch.save(t.cpu().contiguous().clone(), buf)
    except Exception as exc:  # sparse/quantized/odd tensors: report, don't crash
        return _unsupported(obj, strict, f"torch.save failed: {type(exc).__name__}")
    return {"__tensor__": {"data": _b64(buf.getvalue()),
                           "requires_grad": bool(obj.requires_grad)}}


def encode(obj, *, strict: bool = False, _depth: int = 0):
    """Encode ``obj`` into a JSON-able structure.

    ``strict=False`` (worker side) turns unknown types into an unsupported
    marker; ``strict=True`` (grader side, trusted inputs) raises CodecError.
    """
    if _depth > MAX_DEPTH:
        return _unsupported(obj, strict, "nested too deeply")
    t = type(obj)
    if obj is None or t is bool or t is str:
        return obj
    if t is int:
        if obj.bit_length() > MAX_INT_BITS:
            return _unsupported(obj, strict, "int too large")
        return obj
    if t is float:
        if math.isfinite(obj):
            return obj
        return {"__float__": "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")}
    d = _depth + 1
    if t is list:
        return [encode(x, strict=strict, _depth=d) for x in obj]
    if t is tuple:
        return {"__tuple__": [encode(x, strict=strict, _depth=d) for x in obj]}
    if t is dict:
        out = {}
        for k, v in obj.items():
            if type(k) is not str:
                return _unsupported(obj, strict, "non-str key")
            out[k] = encode(v, strict=strict, _depth=d)
        return {"__dict__": out}
    if t is np.ndarray:
        if not plain_dtype(obj.dtype) or obj.ndim > MAX_NDIM:
            return _unsupported(obj, strict, f"dtype {str(obj.dtype)[:50]}, {obj.ndim} dimensions")
        try:
            return {"__ndarray__": _b64(_npy_bytes(obj))}
        except Exception as exc:
            return _unsupported(obj, strict, type(exc).__name__)
    if t in _NP_SCALARS:
        return {"__npscalar__": _b64(_npy_bytes(np.asarray(obj)))}
    torch = sys.modules.get("torch")
    if torch is not None and t in (getattr(torch, "Tensor", None),
                                   getattr(getattr(torch, "nn", None), "Parameter", None)):
        return _encode_tensor(obj, strict)
    return _unsupported(obj, strict)


# --------------------------------------------------------------------- decode
def _unb64(s) -> bytes:
    if type(s) is not str:
        raise CodecError("expected base64 string")
    try:
        return base64.b64decode(s.encode("ascii"), validate=True)
    except Exception as exc:
        raise CodecError(f"bad base64: {exc}") from None


# npy header bytes -> (shape, fortran_order, dtype).  np.load re-parses the header with
# ast.literal_eval on every call (~60 us); arrays in one grading run share a handful of headers,
# so each is parsed once with numpy's own parser (and checked once).
_NPY_HEADERS: dict[bytes, tuple] = {}


def _npy_header(raw: bytes) -> tuple[tuple, bool, np.dtype, int]:
    """(shape, fortran_order, dtype, data offset) of a version 1/2 .npy; CodecError unless plain."""
    if raw[:6] != b"\x93NUMPY" or len(raw) < 12 or raw[6] not in (1, 2):
        raise CodecError("npy payload is not a version 1 or 2 .npy")
    start = 10 if raw[6] == 1 else 12
    end = start + int.from_bytes(raw[8:start], "little")
    if end - start > _MAX_NPY_HEADER or end > len(raw):
        raise CodecError("npy header is too long")
    header = raw[8:end]
    info = _NPY_HEADERS.get(header)
    if info is None:
        fmt = np.lib.format
        reader = fmt.read_array_header_1_0 if raw[6] == 1 else fmt.read_array_header_2_0
        try:  # numpy's safe literal parser
            info = reader(io.BytesIO(header), max_header_size=_MAX_NPY_HEADER)
        except Exception as exc:
            raise CodecError(f"bad npy header: {type(exc).__name__}") from None
        shape, _, dtype = info
        if not plain_dtype(dtype):
            raise CodecError(f"npy dtype {str(dtype)[:50]} is not allowed")
        if len(shape) > MAX_NDIM or any(n > 1 << 31 for n in shape):
            raise CodecError("npy shape is out of range")
        if len(_NPY_HEADERS) < 512:
            _NPY_HEADERS[header] = info
    return (*info, end)


def _load_npy(s) -> np.ndarray:
    """np.load(allow_pickle=False) without its trust in the header: nothing is allocated
    before the header's shape x itemsize is found to be exactly the bytes that follow it."""
    raw = _unb64(s)
    shape, fortran, dtype, end = _npy_header(raw)
    count = math.prod(shape)
    if len(raw) - end != count * dtype.itemsize:
        raise CodecError("npy payload has the wrong size")
    try:
        arr = np.frombuffer(raw, dtype=dtype, count=count, offset=end)
        arr = arr.reshape(shape[::-1]).transpose() if fortran else arr.reshape(shape)
    except Exception as exc:
        raise CodecError(f"bad npy payload: {type(exc).__name__}") from None
    return arr.copy(order="K")  # writable and owning its memory, like np.load


#: Set on the grader side (autograder.torch_archive) to refuse a hostile torch archive before
#: torch reads it; the worker only decodes what the trusted grader sent and leaves it unset.
archive_guard = None


def _decode_tensor(payload):
    if type(payload) is not dict or type(payload.get("requires_grad")) is not bool:
        raise CodecError("bad tensor payload")
    import warnings

    import torch

    raw = _unb64(payload.get("data"))
    if archive_guard is not None:
        archive_guard(raw)
    try:
        with warnings.catch_warnings():  # a forged payload may trigger noisy warnings
            warnings.simplefilter("ignore")
            t = torch.load(io.BytesIO(raw), weights_only=True, map_location="cpu")
    except CodecError:
        raise
    except Exception as exc:
        raise CodecError(f"bad tensor payload: {type(exc).__name__}") from None
    if not isinstance(t, torch.Tensor):
        raise CodecError("tensor payload is not a tensor")
    # encode sends a contiguous clone: anything else may be a view that claims far more elements
    # than its storage holds (stride 0), or a sparse/quantized layout that expands when compared.
    if (t.layout != torch.strided or t.is_quantized or not t.is_contiguous() or t.storage_offset() or t.dim() > MAX_NDIM
            or t.untyped_storage().nbytes() != t.numel() * t.element_size()):
        raise CodecError("tensor payload is not a plain contiguous tensor")
    if type(t) is not torch.Tensor:  # e.g. Parameter: hand back a plain tensor
        t = t.detach()
    if payload["requires_grad"] and (t.is_floating_point() or t.is_complex()):
        t.requires_grad_(True)
    return t


_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def decode(data, *, _state=None, _depth: int = 0):
    """Decode a structure produced by :func:`encode`; raise CodecError on anything else."""
    if _state is None:
        _state = [0]
    _state[0] += 1
    if _state[0] > MAX_NODES:
        raise CodecError("payload has too many elements")
    if _depth > MAX_DEPTH + 1:
        raise CodecError("payload nested too deeply")
    t = type(data)
    if data is None or t is bool or t is str or t is int:
        return data
    if t is float:
        return data
    d = _depth + 1
    if t is list:
        return [decode(x, _state=_state, _depth=d) for x in data]
    if t is not dict or len(data) != 1:
        raise CodecError(f"unexpected JSON value of type {t.__name__}")
    (tag, payload), = data.items()
    if tag == "__tuple__" and type(payload) is list:
        return tuple(decode(x, _state=_state, _depth=d) for x in payload)
    if tag == "__dict__" and type(payload) is dict:
        return {k: decode(v, _state=_state, _depth=d) for k, v in payload.items()}
    if tag == "__float__" and payload in _FLOATS:
        return _FLOATS[payload]
    if tag == "__ndarray__":
        return _load_npy(payload)
    if tag == "__npscalar__":
        arr = _load_npy(payload)
        if arr.shape != () or type(arr[()]) not in _NP_SCALARS:
            raise CodecError("bad numpy scalar payload")
        return arr[()]
    if tag == "__tensor__":
        return _decode_tensor(payload)
    if tag == "__unsupported__" and type(payload) is str:
        return Unsupported(payload)
    raise CodecError(f"unknown tag {str(tag)[:50]!r}")


# -------------------------------------------------------------------- framing
def _reject_constant(name):
    raise CodecError(f"non-standard JSON constant {name}")


def pack(msg: dict) -> bytes:
    """Serialise a message: 4-byte big-endian length + UTF-8 JSON."""
    body = json.dumps(msg, allow_nan=False, separators=(",", ":")).encode("utf-8")
    return HEADER.pack(len(body)) + body


_BRACKETS = np.zeros(256, dtype=bool)
_BRACKETS[list(b'"[]{}')] = True
_STEP = np.zeros(256, dtype=np.int8)
_STEP[list(b"[{")], _STEP[list(b"]}")] = 1, -1


def _audit_frame(body: bytes) -> None:
    """Refuse, before json.loads builds anything, a frame whose parse could cost more than a
    fixed multiple of its size, or nest deeper than _MAX_FRAME_DEPTH: linear time,
    C speed.  The counts include brackets and commas inside strings, so they only over-count."""
    if not body.isascii():  # pack() writes ASCII only (json.dumps escapes the rest)
        raise CodecError("message is not ASCII JSON")
    opened = body.count(b"[") + body.count(b"{")
    if opened + body.count(b",") > MAX_FRAME_ITEMS:
        raise CodecError("message has too many elements")
    if opened <= _MAX_FRAME_DEPTH:
        return
    marks = opened + body.count(b'"') + body.count(b"]") + body.count(b"}")
    if marks > 4 * MAX_FRAME_ITEMS:  # bounds the index arrays below
        raise CodecError("message has too many elements")
    text = body
    if b"\\" in text:  # drop escaped backslashes, then escaped quotes: the quotes left delimit strings
        text = text.replace(b"\\\\", b"").replace(b'\\"', b"")
    chars = np.frombuffer(text, dtype=np.uint8)
    found = chars[_BRACKETS[chars]]
    quote = found == ord('"')
    outside = (np.cumsum(quote) - quote) % 2 == 0     # an even number of quotes before it
    steps = _STEP[found] * outside
    if steps.size and int(np.cumsum(steps, dtype=np.int64).max()) > _MAX_FRAME_DEPTH:
        raise CodecError("message nested too deeply")


def _parse_int(text: str) -> int:
    if len(text) > _MAX_INT_DIGITS + 1:  # before int(): its cost grows with the square of the digits
        raise CodecError("integer literal too long")
    return int(text)


def unpack_body(body: bytes, *, trusted: bool = False) -> dict:
    """Parse one message body (without header); raise CodecError if it is not a JSON object.

    Bounded for any body: see _audit_frame (skipped for ``trusted`` bodies: the worker reading the
    grader's messages, whose cells may hold any amount of code).  Integers are refused by length
    before int() runs, whatever sys.set_int_max_str_digits says; float() is linear in its length."""
    if not trusted:
        _audit_frame(body)
    try:
        msg = json.loads(body.decode("ascii"), parse_constant=_reject_constant,
                         parse_int=_parse_int)
    except CodecError:
        raise
    except (ValueError, RecursionError) as exc:
        raise CodecError(f"invalid JSON message: {type(exc).__name__}") from None
    if type(msg) is not dict or type(msg.get("op")) is not str:
        raise CodecError("message is not an object with an 'op'")
    return msg

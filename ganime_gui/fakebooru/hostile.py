"""Bytes a hostile or broken site serves: decompression bombs, HTML posing as a picture, deep JSON."""
from __future__ import annotations

import functools
import struct
import zlib

BOMB_SIDE = 12_000     # 144 megapixels in about 20 KB


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.lru_cache(maxsize=1)
def _bomb_body(side: int) -> bytes:
    """IHDR and IDAT of a 1-bit ``side`` x ``side`` all-black PNG (compressed once, cached)."""
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    row = b"\x00" * (1 + (side + 7) // 8)
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()
    return _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat)


def bomb_png(tag: str, side: int = BOMB_SIDE) -> bytes:
    """A valid PNG that claims ``side`` x ``side`` pixels; ``tag`` (a tEXt chunk) makes each
    post's bomb its own file with its own md5."""
    body = _bomb_body(side)
    ihdr_end = 8 + 4 + 4 + 13 + 4
    text = _chunk(b"tEXt", b"Comment\x00" + tag.encode())
    return b"\x89PNG\r\n\x1a\n" + body[:ihdr_end - 8] + text + body[ihdr_end - 8:] + _chunk(b"IEND", b"")


def not_an_image(tag: str) -> bytes:
    """What a misconfigured site sends under an image URL: an HTML page."""
    return (f"<!DOCTYPE html><html><head><title>Image not found</title></head><body>"
            f"<h1>Oops</h1><p>{tag}</p></body></html>").encode()


def deep_json(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth

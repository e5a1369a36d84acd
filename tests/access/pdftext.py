"""Text of the PDFs Yewu writes (ReportLab: WinAnsi Type1 and STSong-Light UCS-2 strings), without poppler."""

import base64
import re
import zlib

_STREAM = re.compile(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", re.S)
_TOKEN = re.compile(rb"/(F\d+)\s+[\d.]+\s+Tf|\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>|\bET\b")
_ESCAPES = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}


def _unescape(s: bytes) -> bytes:
    """A PDF literal string's bytes: backslash escapes and octal codes resolved."""
    out, i = bytearray(), 0
    while i < len(s):
        ch = s[i]
        if ch != 0x5C or i + 1 == len(s):
            out.append(ch)
            i += 1
            continue
        n = s[i + 1]
        if n in _ESCAPES:
            out.append(_ESCAPES[n])
            i += 2
        elif 0x30 <= n <= 0x37:
            j = i + 1
            while j < len(s) and j < i + 4 and 0x30 <= s[j] <= 0x37:
                j += 1
            out.append(int(s[i + 1:j], 8) & 0xFF)
            i = j
        else:
            out.append(n)
            i += 2
    return bytes(out)


def pdf_text(data: bytes) -> str:
    """Every string drawn on the pages, in order, spaces removed (like ``pdftotext - - | tr -d ' '``)."""
    cid_fonts = set(re.findall(rb"/Encoding /UniGB-UCS2-H /Name /(F\d+)", data))
    parts = []
    for head, body in _STREAM.findall(data):
        if b"/ASCII85Decode" in head:
            body = base64.a85decode(body.strip().removesuffix(b"~>"), adobe=False)
        if b"/FlateDecode" in head:
            try:
                body = zlib.decompress(body)
            except zlib.error:
                continue
        if b"Tj" not in body and b"TJ" not in body:
            continue
        font = None
        for tok in _TOKEN.finditer(body):
            t = tok.group(0)
            if t.startswith(b"/"):
                font = tok.group(1)
            elif t == b"ET":
                parts.append("\n")
            else:
                raw = _unescape(t[1:-1]) if t.startswith(b"(") else bytes.fromhex(t[1:-1].decode())
                parts.append(raw.decode("utf-16-be", "replace") if font in cid_fonts else raw.decode("latin-1"))
    return "".join(parts).replace(" ", "")

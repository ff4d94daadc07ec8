"""Guess the text encoding and delimiter of a CSV export: UTF-8 (with or without BOM) or legacy Cyrillic/Latin.

Windows-1251 is recognised when the non-ASCII bytes decode to Cyrillic letters; anything else that is not UTF-8 is
read as Windows-1252 and said so, so a wrong guess never passes silently.
"""

from __future__ import annotations

import codecs


def detect_encoding(head: bytes, complete: bool = True) -> tuple[str, str | None]:
    """(encoding, note) for the first bytes of a file; *note* explains a guess the user should know about."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", None
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16", "the file is UTF-16 (byte-order mark found)"
    try:
        head.decode("utf-8")
        return "utf-8", None
    except UnicodeDecodeError as exc:
        if not complete and exc.start >= len(head) - 3:  # a character cut by the sample boundary
            return "utf-8", None
    high = bytes(b for b in head if b >= 0x80)
    text = high.decode("cp1251", errors="replace")
    cyrillic = sum(1 for ch in text if "\u0400" <= ch <= "\u04ff")
    if high and cyrillic / len(high) > 0.7:
        return "cp1251", "the file is not UTF-8; its text was read as Windows-1251 (Cyrillic)"
    return "cp1252", "the file is not UTF-8; its text was read as Windows-1252 (Western European)"


def mixed_encoding(data: bytes) -> tuple[int, int] | None:
    """(a UTF-8 line, a non-UTF-8 line), 1-based, when a file mixes UTF-8 text with another encoding.

    Such a file cannot be read right in either encoding: read as Windows-125x its UTF-8 lines become mojibake
    ("Ð¡ÐºÐ¾Ð¿Ñ˜Ðµ"), so it is refused instead of being read with a silent change.
    """
    utf8_line = other_line = None
    for i, line in enumerate(data.split(b"\n"), start=1):
        if max(line, default=0) < 0x80:
            continue
        try:
            line.decode("utf-8")
            utf8_line = utf8_line or i
        except UnicodeDecodeError:
            other_line = other_line or i
        if utf8_line and other_line:
            return utf8_line, other_line
    return None


def first_undecodable_line(data: bytes, enc: str) -> int | None:
    """The 1-based number of the first line that *enc* cannot decode."""
    for i, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode(enc)
        except (UnicodeError, LookupError):
            return i
    return None


def sniff_delimiter(first_line: str) -> str:
    """The delimiter of a header line: comma, semicolon (Kobo's default), tab or pipe, whichever is most frequent."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","

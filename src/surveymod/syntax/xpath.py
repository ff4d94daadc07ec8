"""XPath 1.0 (XLSForm relevance, constraints and calculations): the one rule for string literals."""

from __future__ import annotations


def xpath_string(value: str) -> str:
    """*value* as an XPath 1.0 string literal: in single quotes, in double quotes if it holds a single quote, and
    as ``concat()`` of such pieces if it holds both (XPath 1.0 has no escape inside a literal)."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    parts: list[str] = []
    for i, piece in enumerate(value.split("'")):
        if i:
            parts.append('"\'"')
        if piece:
            parts.append(f"'{piece}'")
    return "concat(" + ", ".join(parts) + ")"

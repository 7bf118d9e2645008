"""Line numbers for JSON pointers, found by one token scan of the file.

The fast parser gives no positions; findings want lines. Only files that have findings
are scanned, and only for the pointers those findings name.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(rb'"(?:[^"\\\n]|\\.)*"|[{}\[\],:]|\n|[^\s{}\[\],:"]+')


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def pointer_lines(data: bytes, wanted: set[str]) -> dict[str, int]:
    """Map each wanted JSON pointer to the line where its value (or key) starts."""
    found: dict[str, int] = {}
    if not wanted:
        return found
    line = 1
    stack: list[list] = []  # [kind, path, next_key_or_index, expecting_key]
    path = ""
    for match in _TOKEN.finditer(data):
        token = match.group(0)
        if token == b"\n":
            line += 1
            continue
        if token in (b",", b":"):
            if token == b"," and stack and stack[-1][0] == "array":
                stack[-1][2] += 1
            if token == b"," and stack and stack[-1][0] == "object":
                stack[-1][3] = True
            continue
        if token in (b"}", b"]"):
            if stack:
                stack.pop()
            continue
        top = stack[-1] if stack else None
        if top is not None and top[0] == "object" and top[3]:
            key = token[1:-1].decode("utf-8", "replace")
            top[2] = key
            top[3] = False
            pointer = f"{top[1]}/{_escape(key)}"
            if pointer in wanted and pointer not in found:
                found[pointer] = line
            continue
        if top is None:
            path = ""
        elif top[0] == "object":
            path = f"{top[1]}/{_escape(top[2])}"
        else:
            path = f"{top[1]}/{top[2]}"
        if path in wanted and path not in found:
            found[path] = line
        if token == b"{":
            stack.append(["object", path, None, True])
        elif token == b"[":
            stack.append(["array", path, 0, False])
        if len(found) == len(wanted):
            break
    return found


def nearest_lines(data: bytes, pointers: set[str]) -> dict[str, int]:
    """Like ``pointer_lines``, but a pointer to an absent member gets its nearest ancestor's line."""
    ancestors = {p.rsplit("/", i)[0] for p in pointers for i in range(p.count("/") + 1)}
    lines = pointer_lines(data, ancestors)
    result = {}
    for pointer in pointers:
        probe = pointer
        while probe and probe not in lines:
            probe = probe.rsplit("/", 1)[0]
        result[pointer] = lines.get(probe, 1)
    return result

"""A memory map of a message file whose resident part stays small.

A memory map copies nothing, but every page a search touches counts as the process's memory
until the map is closed: one search through a 480 MB one-line file makes the process 480 MB
larger. So long searches and counts go a window at a time, and the pages behind are given back
to the kernel. They stay in the page cache, so touching them again costs no disk access, and
giving them back never changes what is read.
"""

from __future__ import annotations

import mmap

WINDOW = 1 << 20  # bytes searched in one call; about twice this is resident at most


def release(data, start: int, end: int) -> None:
    """Give back the pages of ``data[start:end]`` if ``data`` is a memory map (no effect on its content)."""
    advise = getattr(data, "madvise", None)
    dont_need = getattr(mmap, "MADV_DONTNEED", None)
    start -= start % mmap.PAGESIZE
    if advise is None or dont_need is None or end <= start:
        return
    advise(dont_need, start, min(end, len(data)) - start)


class BoundedMap:
    """``data`` (a memory map, or bytes) searched a window at a time, giving back the pages passed."""

    def __init__(self, data, window: int = WINDOW):
        self.data = data
        self.window = max(1, window)
        self.released = 0  # the pages before this offset were last given back

    def __len__(self) -> int:
        return len(self.data)

    def release_before(self, offset: int) -> None:
        """Give back the pages before ``offset``, once a window's worth has been passed.

        From the start of the file, not from the last offset given back: touching a page maps
        its neighbours too (the kernel's fault-around), also some already given back."""
        if offset - self.released >= self.window:
            release(self.data, 0, offset)
            self.released = offset

    def find(self, needle: bytes, start: int, end: int | None = None) -> int:
        """As ``data.find(needle, start, end)``."""
        end = len(self.data) if end is None else min(end, len(self.data))
        overlap = max(len(needle) - 1, 0)  # a match that straddles a window's end is found in the next
        while start < end:
            stop = min(start + self.window + overlap, end)
            at = self.data.find(needle, start, stop)
            if at >= 0 or stop == end:
                return at
            start = stop - overlap
            self.release_before(start)
        return -1

    def rfind(self, needle: bytes, start: int, end: int) -> int:
        """As ``data.rfind(needle, start, end)``."""
        end = min(end, len(self.data))
        overlap = max(len(needle) - 1, 0)
        while start < end:
            low = max(start, end - self.window - overlap)
            at = self.data.rfind(needle, low, end)
            if at >= 0 or low == start:
                return at
            release(self.data, low + overlap + mmap.PAGESIZE, end)  # whole pages after the next window only
            end = low + overlap
        return -1

    def count_line_ends(self, start: int, end: int) -> int:
        """Line ends in ``data[start:end]`` (LF, CRLF or a lone CR), as ``count_line_ends`` counts them."""
        from kad_spec.message import count_line_ends_in_pieces

        total = count_line_ends_in_pieces(self.data, start, end, self.window)
        self.release_before(end)
        return total

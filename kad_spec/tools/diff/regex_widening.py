"""Is a new regular expression a superset of an old one? A deliberately simple, safe answer.

Deciding regex inclusion in general is hard, and a wrong "yes" would hide a breaking change
from the vendors. So this only answers "yes" when the two patterns have the same structure
and each part of the new one visibly accepts at least what the old part accepted:

* a quantifier is widened or unchanged (``{9}`` → ``{9,11}``, ``{2,3}`` → ``{1,3}``, ``+`` → ``*``),
  and a single item may become an optional/repeated one (``[0-9]`` → ``[0-9]{1,2}``);
* a character class is widened or unchanged (``[0-9]`` → ``[0-9A-Z]``, a literal → a class holding it);
* an alternation keeps every old alternative (each covered by some new alternative);
* everything else (anchors, literals, groups, flags) is identical.

Anything else is "no" (treated as breaking). Callers also check that the new pattern accepts
every known example value.
"""

from __future__ import annotations

import re

try:  # Python 3.11+
    import re._constants as C
    import re._parser as sre
except ImportError:  # pragma: no cover
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as sre  # type: ignore[no-redef]

_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT)
_DIGITS = (ord("0"), ord("9"))


def is_widening(old: str, new: str) -> bool:
    """True only if ``new`` accepts every string ``old`` accepts, by the simple rules above."""
    if old == new:
        return True
    try:
        old_tree, new_tree = sre.parse(old), sre.parse(new)
    except re.error:
        return False
    if old_tree.state.flags != new_tree.state.flags:
        return False
    return _sequence_covers(list(new_tree), list(old_tree))


def _sequence_covers(new: list, old: list) -> bool:
    return len(new) == len(old) and all(_item_covers(n, o) for n, o in zip(new, old))


def _item_covers(new, old) -> bool:
    new_op, new_av = new
    old_op, old_av = old
    if new_op in _REPEATS and old_op in _REPEATS:
        (new_min, new_max, new_sub), (old_min, old_max, old_sub) = new_av, old_av
        return new_min <= old_min and new_max >= old_max and _sequence_covers(list(new_sub), list(old_sub))
    if new_op in _REPEATS:
        new_min, new_max, new_sub = new_av
        return new_min <= 1 <= new_max and _sequence_covers(list(new_sub), [old])
    if new_op == C.BRANCH and old_op == C.BRANCH:
        return all(any(_sequence_covers(list(n), list(o)) for n in new_av[1]) for o in old_av[1])
    if new_op == C.BRANCH:
        return any(_sequence_covers(list(n), [old]) for n in new_av[1])
    if new_op == C.SUBPATTERN and old_op == C.SUBPATTERN:
        return new_av[1:3] == old_av[1:3] and _sequence_covers(list(new_av[3]), list(old_av[3]))
    new_set, old_set = _charset(new), _charset(old)
    if new_set is not None and old_set is not None:
        return _charset_covers(new_set, old_set)
    return new == old


def _charset(item):
    """(ranges, categories, negated) for a literal or a class; None for anything else."""
    op, av = item
    if op == C.LITERAL:
        return [(av, av)], frozenset(), False
    if op != C.IN:
        return None
    ranges, categories, negated = [], set(), False
    for sub_op, sub_av in av:
        if sub_op == C.LITERAL:
            ranges.append((sub_av, sub_av))
        elif sub_op == C.RANGE:
            ranges.append(sub_av)
        elif sub_op == C.CATEGORY:
            # \d covers [0-9] (and more: Unicode digits), so an old \d needs a new \d.
            if sub_av == C.CATEGORY_DIGIT:
                ranges.append(_DIGITS)
            categories.add(sub_av)
        elif sub_op == C.NEGATE:
            negated = True
        else:
            return None
    return ranges, frozenset(categories), negated


def _charset_covers(new, old) -> bool:
    new_ranges, new_categories, new_negated = new
    old_ranges, old_categories, old_negated = old
    if new_negated or old_negated:
        return new == old
    if not old_categories <= new_categories:
        return False
    return all(_range_covered(r, new_ranges) for r in old_ranges)


def _range_covered(target: tuple[int, int], ranges: list[tuple[int, int]]) -> bool:
    # Walk the new ranges in order, extending the covered prefix of the target range.
    low, high = target
    for start, end in sorted(ranges):
        if start <= low <= end:
            low = end + 1
            if low > high:
                return True
    return low > high

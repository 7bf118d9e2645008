"""One reading of a message's stays: batches in, hits out.

Readers push stays one at a time (:meth:`Reading.add_stay`, gathered into batches here) or a
whole piece of stays at once (:meth:`Reading.add_piece`, the JSON batch reader). Each batch
goes through the schema (only the stays the typed decoder could not vouch for), every batch
check and every collection check; the hits are kept per stay in the order one stay at a time
would give them, so that a limit on findings per rule keeps the same ones.
"""

from __future__ import annotations

import msgspec

from kad_spec.spec.findings import Hit
from kad_spec.message import nearest_line
from kad_spec.rules import BATCH_CHECKS, COLLECTION_CHECKS, ENVELOPE_CHECKS, MESSAGE_CHECKS, structure
from kad_spec.rules.context import MessageContext
from kad_spec.message.batch import BATCH_SIZE, StayBatch


class TypedDecoder:
    """Decodes a JSON array of stays into the model's Structs; untyped when a stay does not fit."""

    def __init__(self, typed):
        self.typed = typed
        self.decoder = typed.decoder

    def decode(self, array: bytes) -> tuple[list, bool]:
        try:
            return self.decoder.decode(array), True
        except msgspec.ValidationError:
            return msgspec.json.decode(array), False


class Reading:
    """The state of one reading: context, collection checks, and the hits so far (bounded)."""

    def __init__(self, validator, doc, on_batch=None, collection_hits_apart: bool = False, trace=None):
        from kad_spec.validation.typed import typed_stays

        # trace(origin, hit) for every hit: the check's dotted name, "schema" or "reader" (for
        # proving that each rule is found where its catalogue entry says).
        self.trace = trace
        self.on_batch = on_batch  # also given every batch (see Validator.check_document)
        self.ctx = MessageContext(header=doc.header, today=validator.settings.today, file=str(doc.path))
        self.structure_checked = doc.structure_checked
        self.collections = [check.func(self.ctx) for check in COLLECTION_CHECKS]
        # Per collection check, the hits its batches gave, when kept apart from the stays' hits
        # (a part of a message read in parts: kad_spec.validation.split merges them).
        self.collection_found: list[list[Hit]] | None = [[] for _ in self.collections] if collection_hits_apart else None
        self.hits = validator.new_hits()
        self.problems: list[Hit] = []  # found while reading pieces (duplicate keys), reported with the reader's
        self.stays = 0
        self.typed = typed_stays()
        self._pending: StayBatch | None = None

    # -- stays in ---------------------------------------------------------------------------
    def add_stay(self, index: int, stay, reader_hits=(), lines=None) -> None:
        """One stay from a reader that pushes stays one by one (``lines``: its {pointer: line})."""
        batch = self._pending
        if batch is None:
            batch = self._pending = StayBatch(index, [])
        local = len(batch.rows)
        batch.rows.append(stay)
        if reader_hits:
            batch.reader_hits[local] = list(reader_hits)
        if lines is not None:
            batch.lines[local] = lines
        if local + 1 >= BATCH_SIZE:
            self.flush()

    def add_piece(self, piece) -> None:
        """Stays decoded together by the JSON batch reader (kad_spec.message.json_batches.Piece)."""
        batch = StayBatch(piece.start, piece.stays, typed=piece.typed)
        if piece.key_marks is None or piece.key_marks != self._keys_decoded(batch):
            stays, duplicates = piece.with_hook()  # a key may be given twice: as the streaming reader reads it
            batch = StayBatch(piece.start, stays)
            self.problems += duplicates
        for start in range(0, len(batch.rows), BATCH_SIZE):
            self.add_batch(batch if len(batch.rows) <= BATCH_SIZE else
                           StayBatch(batch.start + start, batch.rows[start:start + BATCH_SIZE], typed=batch.typed))

    def add_checked_piece(self, piece) -> None:
        """Stays the reader has checked against its schema, with their lines
        (kad_spec.message.xml_batches.XmlPiece): no key is given twice in them."""
        self.flush()
        self.add_batch(StayBatch(piece.start, piece.stays, typed=piece.typed, lines=piece.lines))

    def flush(self) -> None:
        batch, self._pending = self._pending, None
        if batch is not None and batch.rows:
            self.add_batch(batch)

    def _keys_decoded(self, batch: StayBatch) -> int:
        if batch.typed:
            return self.typed.keys_decoded(batch)
        return sum(_keys_in(row) for row in batch.rows)

    # -- checks -----------------------------------------------------------------------------
    def add_batch(self, batch: StayBatch) -> None:
        self.stays += len(batch.rows)
        if self.on_batch is not None:
            self.on_batch(batch)
        per_stay: dict[int, list[Hit]] = {}
        trace = self.trace
        for i, hits in self._structure(batch):
            per_stay[i] = [_within(batch.start + i, hit) for hit in hits]
            for hit in hits if trace else ():
                trace("schema", hit)
        for check in BATCH_CHECKS:
            for i, hit in check.func(batch, self.ctx):
                per_stay.setdefault(i, []).append(_within(batch.start + i, hit))
                if trace:
                    trace(check.name, hit)
        for k, collection in enumerate(self.collections):
            found = collection.add_batch(batch)
            for _, hit in found if trace else ():
                trace(COLLECTION_CHECKS[k].name, hit)
            if self.collection_found is not None:
                self.collection_found[k] += [hit for _, hit in found]
                continue
            for i, hit in found:
                per_stay.setdefault(i, []).append(hit)
        for i, hits in batch.reader_hits.items():
            per_stay.setdefault(i, []).extend(hits)
            for hit in hits if trace else ():
                trace("reader", hit)
        for i in sorted(per_stay):
            self._keep(batch, i, per_stay[i])

    def _structure(self, batch: StayBatch):
        """(index, schema hits) of the stays the schema refuses."""
        if batch.typed:
            rows = batch.rows
            if self.structure_checked:  # by the XSD: only the conditional requirements are left
                doubtful, check = self.typed.unmet_conditions(batch), structure.conditional_stay_hits
            else:
                doubtful, check = self.typed.doubtful(batch), structure.check_stay
            for i in doubtful:
                hits = check(msgspec.to_builtins(rows[i]))
                if hits:
                    yield i, hits
            return
        check = structure.conditional_stay_hits if self.structure_checked else structure.check_stay
        for i, row in enumerate(batch.rows):
            hits = check(row)
            if hits:
                yield i, hits

    def _keep(self, batch: StayBatch, i: int, hits: list[Hit]) -> None:
        stay_id = batch.stay_id(i)
        lines = batch.lines.get(i)
        if lines is not None:
            line_map = lines() if callable(lines) else lines
            hits = [_with_line(hit, line_map) for hit in hits]
        self.hits.extend((hit, stay_id) for hit in hits)

    # -- the end ----------------------------------------------------------------------------
    def finish(self, doc) -> list:
        """Collection verdicts, reader problems and header checks, once every stay is in."""
        self.flush()
        hits = self.hits
        for check, collection in zip(COLLECTION_CHECKS, self.collections):
            self._add_at_end(check.name, collection.finish())
        # A streaming reader knows the whole header, and its own problems, only now.
        self._add_at_end("reader", [*self.problems, *doc.problems])
        if doc.envelope_read is not None:
            for check in ENVELOPE_CHECKS:
                self._add_at_end(check.name, check.func(doc.envelope_read, doc.header))
        if not doc.structure_checked:
            self._add_at_end("schema", structure.check_header(doc.header), stays=False)
        for check in MESSAGE_CHECKS:
            self._add_at_end(check.name, check.func(doc.header, self.ctx), stays=False)
        return hits

    def _add_at_end(self, origin: str, found, stays: bool = True) -> None:
        found = list(found)
        if self.trace:
            for hit in found:
                self.trace(origin, hit)
        self.hits += [(h, h.params.get("opphold_id") if stays else None) for h in found]


def _within(index: int, hit: Hit) -> Hit:
    """A hit of a check on one stay, its pointer made absolute."""
    return Hit(hit.rule_id, f"/opphold/{index}{hit.pointer}", hit.params, hit.line)


def _with_line(hit: Hit, lines: dict[str, int]) -> Hit:
    """Give a hit the line of its pointer, or of the nearest ancestor the reader placed."""
    if hit.line is not None:
        return hit
    line = nearest_line(lines, hit.pointer)
    return hit if line is None else Hit(hit.rule_id, hit.pointer, hit.params, line)


def _keys_in(node) -> int:
    if isinstance(node, dict):
        return len(node) + sum(_keys_in(value) for value in node.values())
    if isinstance(node, list):
        return sum(_keys_in(value) for value in node)
    return 0

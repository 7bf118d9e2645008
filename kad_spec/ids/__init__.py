"""Norwegian identifiers used in KAD/KPR messages, in the style of python-stdnum.

Each module offers ``compact``, ``validate`` (returns the compact number or
raises a ``ValidationError``) and ``is_valid``:

* ``personnr`` – fødselsnummer, D-, H- and FH-nummer, Tenor synthetic numbers
  and the 2032 scheme; plus ``classify``, ``age_on``, ``mask`` and generators.
* ``duf`` – DUF-nummer (UDI).
* ``orgnr`` – organisasjonsnummer (wraps ``stdnum.no.orgnr``).
* ``herid`` – HER-id (Adresseregisteret).

All exceptions come from ``kad_spec.ids.exceptions`` (python-stdnum's classes).
"""

from kad_spec.ids import duf, exceptions, herid, orgnr, personnr

__all__ = ["duf", "exceptions", "herid", "orgnr", "personnr"]

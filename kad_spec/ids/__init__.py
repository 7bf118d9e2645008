"""Norwegian identifiers used in KAD/KPR messages, in the style of python-stdnum.

Each module offers ``compact``, ``validate`` (returns the compact number or
raises a ``ValidationError``) and ``is_valid``:

* ``personnr`` – fødselsnummer, D-, H- and FH-nummer, Tenor synthetic numbers
  and the 2032 scheme; plus ``classify``, ``age_on``, ``mask`` and generators.
* ``duf`` – DUF-nummer (UDI).
* ``orgnr`` – organisasjonsnummer (wraps ``stdnum.no.orgnr``).
* ``herid`` – HER-id (Adresseregisteret).

All exceptions come from ``kad_spec.ids.exceptions`` (python-stdnum's classes).
The modules load when first asked for (``kad_spec.ids.personnr``, or ``from kad_spec.ids
import personnr``): python-stdnum costs a validation run about as much as its other work, and
most runs need it only for a number that is not clearly valid.
"""

import importlib

__all__ = ["duf", "exceptions", "herid", "orgnr", "personnr"]


def __getattr__(name: str):
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

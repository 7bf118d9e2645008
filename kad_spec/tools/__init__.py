"""Tools for the directorate and the vendors, beside validation.

* :mod:`~kad_spec.tools.lint` – checks that the model and the rule catalogue are complete.
* :mod:`~kad_spec.tools.diff` – classifies the changes between two model versions.
* :mod:`~kad_spec.tools.release` – a deterministic, versioned release zip.
* :mod:`~kad_spec.tools.example` – synthetic test messages, and messages with one defect.

Each module is a library API; :mod:`~kad_spec.cli.tools` holds the thin CLI functions.
Lossless JSON ↔ XML conversion is message work: :mod:`~kad_spec.message.convert`.
"""

"""The check-digit weights of the 11-digit person numbers (see :mod:`kad_spec.ids.personnr`).

Apart from ``personnr`` because that module loads python-stdnum (its exceptions are
stdnum's): the validator's batch check clears the usual valid numbers with these weights
alone (:mod:`kad_spec.rules.identity`), and loads stdnum only for a number it does not clear.
"""

K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)
K2_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

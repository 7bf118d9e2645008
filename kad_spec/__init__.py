"""kad-spec: specification as code for KAD/ØHD reporting to KPR."""

__version__ = "0.1.0"

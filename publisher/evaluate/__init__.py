"""Pure evaluation functions on polars frames (see docs/architecture.md): ``air``, ``water``, ``noise``,
``annual`` and ``discharge``."""

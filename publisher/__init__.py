"""publisher: monitoring data in, the public environmental bulletins of a bureau out.

Data flows one way: inbox -> ingest -> store -> evaluate -> bulletins -> render -> publish.
"""

__version__ = "0.1.0"

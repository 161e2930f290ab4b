"""Performance bench: a deterministic national-scale synthetic data set and timed stages.

``python -m publisher.bench`` (``make bench``) prints figures and never asserts times. See
``docs/performance.md`` for what each stage measures, the figures and how to reproduce them.

- :mod:`publisher.bench.national` generates the data set (registry, ingest files, store parts);
- :mod:`publisher.bench.baseline` is the same daily-AQI computation written with pandas and a
  Python function per row, the way it is commonly done by hand;
- :mod:`publisher.bench.__main__` runs every stage in its own subprocess and reports the median,
  minimum and maximum of several runs and the peak resident memory of each stage.
"""

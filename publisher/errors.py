"""Named exceptions. The CLI reports a PublisherError as one line, without a traceback.

Data problems found in a file are *not* exceptions: they are Findings (see ingest.findings),
collected, reported and used to quarantine the file. An exception means a run cannot
produce a correct result.
"""


class PublisherError(Exception):
    """Base class of the errors the CLI reports as one line (exit status 1)."""


class RegistryError(PublisherError):
    """stations.yaml is invalid; the message lists every problem with its line."""


class StandardNotFound(PublisherError):
    """No standards table of that family is in force on that date."""


class StoreError(PublisherError):
    """The store or its ledger cannot be read or written."""


class InputError(PublisherError):
    """An input file given on the command line cannot be read or understood."""


class BuildError(PublisherError):
    """A bulletin cannot be built now: another build holds it, its files are incomplete, its area is
    not a folder name. ``code`` is the stable English code the message ends with."""

    def __init__(self, message: str, code: str):
        super().__init__(f"{message} [{code}]")
        self.code = code

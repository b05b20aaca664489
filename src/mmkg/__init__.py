"""mmkg: evidence for multiple myeloma progressing after frontline lenalidomide, as a validated knowledge graph."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mmkg")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

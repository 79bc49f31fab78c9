"""kb: harvest best answers from community channels into a curated static knowledge site."""

__version__ = "0.1.0"

"""The vector side: chunk row ids to normalised vectors, inner-product search, atomic files.

A backend is one class implementing `VectorBackend` (`base.py`), registered in
`registry.BACKENDS`; `IndexPolicy` picks one by size; `shards` builds an inverted-file one
in shards filled elsewhere.
"""

from .base import DEFAULT_NPROBE, VectorBackend, VectorIndex, write_atomic
from .ivf import IvfFlatIndex
from .ivfpq import IvfPqIndex
from .policy import IndexKind, IndexPolicy
from .registry import BACKENDS, backend_for, new_index
from .rescore import search_exact
from .shards import Fill, build_in_shards, fill_shard

__all__ = [
    "BACKENDS",
    "DEFAULT_NPROBE",
    "Fill",
    "IndexKind",
    "IndexPolicy",
    "IvfFlatIndex",
    "IvfPqIndex",
    "VectorBackend",
    "VectorIndex",
    "backend_for",
    "build_in_shards",
    "fill_shard",
    "new_index",
    "search_exact",
    "write_atomic",
]

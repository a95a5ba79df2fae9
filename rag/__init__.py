"""interview-rag: ask questions of interview transcripts, get verbatim quotes with citations."""

from .chunking import ChunkingConfig
from .errors import Busy, Damaged, IndexMismatch, InvalidInput, NotFound, RagError
from .library import AddResult, IndexReport, Library
from .model import Chunk, Citation, Document, DocumentInfo, Passage, Turn
from .retriever import RetrievalConfig
from .vectors import IndexPolicy

__all__ = [
    "AddResult",
    "Busy",
    "Chunk",
    "ChunkingConfig",
    "Citation",
    "Damaged",
    "Document",
    "DocumentInfo",
    "IndexMismatch",
    "IndexPolicy",
    "IndexReport",
    "InvalidInput",
    "Library",
    "NotFound",
    "Passage",
    "RagError",
    "RetrievalConfig",
    "Turn",
]

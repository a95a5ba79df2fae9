"""interview-rag: ask questions of interview transcripts, get verbatim quotes with citations."""

from .chunking import ChunkingConfig
from .errors import Busy, Damaged, IndexMismatch, InvalidInput, NotFound, RagError
from .library import AddResult, IndexReport, Library, LibraryStatus
from .model import Answer, Chunk, Citation, Document, DocumentInfo, Evidence, Passage, Turn
from .retriever import RetrievalConfig
from .vectors import IndexPolicy

__all__ = [
    "AddResult",
    "Answer",
    "Busy",
    "Chunk",
    "ChunkingConfig",
    "Citation",
    "Damaged",
    "Document",
    "DocumentInfo",
    "Evidence",
    "IndexMismatch",
    "IndexPolicy",
    "IndexReport",
    "InvalidInput",
    "Library",
    "LibraryStatus",
    "NotFound",
    "Passage",
    "RagError",
    "RetrievalConfig",
    "Turn",
]

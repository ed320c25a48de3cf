"""Read input sources: JSON Lines or CSV, plain or gzip, files or stdin."""

from .ahead import ahead
from .csv_reader import CsvChunk, iter_csv_chunks
from .lines import LineChunk, iter_line_chunks
from .sources import FORMATS, check_source, detect_format, open_source, source_name

__all__ = [
    "ahead",
    "CsvChunk",
    "LineChunk",
    "iter_csv_chunks",
    "iter_line_chunks",
    "open_source",
    "check_source",
    "detect_format",
    "source_name",
    "FORMATS",
]

"""Marker files test views write when a source is closed, read by tests in another process."""

from pathlib import Path


def write_marker(marker: Path, text: str) -> None:
    """Write ``text`` to ``marker`` atomically: a test polling for the file never reads it
    created but still empty (seen once on a busy machine)."""
    partial = marker.with_name(marker.name + ".part")
    partial.write_text(text)
    partial.replace(marker)

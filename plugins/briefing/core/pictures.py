"""Pictures measured before anything decodes them (SECURITY.md, "Pictures").

A picture file says in its first bytes how large it is, and a decoder allocates what
it says: a 35-byte GIF that declares 65,535 x 65,535 pixels made Typst ask for 17 GB.
Pillow's ``Image.open`` reads only that header, so every picture of ``docs/`` (in the
build and in ``briefing check``) and every picture the PDF book shows is measured
here first: its file size, its declared width and height and its pixel count. What
exceeds a limit is never decoded.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

MAX_PICTURE_BYTES = 20_000_000
"""The largest picture file, in bytes (20 MB)."""
MAX_PICTURE_SIDE = 16_384
"""The most pixels a picture may declare across or down."""
MAX_PICTURE_PIXELS = 50_000_000
"""The most pixels a picture may declare in all (50 megapixels: some 200 MB decoded)."""
LIMITS = f"{MAX_PICTURE_SIDE:,} a side, {MAX_PICTURE_PIXELS:,} in all"
MEASURED_TYPES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".ico", ".bmp"})
"""Raster picture types, measured from their header (an SVG has no pixels to decode: only
its file size is limited)."""


@dataclass(frozen=True)
class Measure:
    """What a picture file says about itself, or why it may not be decoded."""

    pixels: int = 0
    problem: str | None = None
    oversized: bool = False
    """Over a limit (not merely unreadable): the site does not publish it either."""


def measure(path: Path) -> Measure:
    """The picture at ``path``, measured from its size and header without decoding it."""
    try:
        size = os.stat(path).st_size
    except (OSError, ValueError) as error:  # a name too long for the file system, too
        return Measure(problem=f"cannot be read ({_reason(error)})")
    if size > MAX_PICTURE_BYTES:
        return Measure(0, f"is {size:,} bytes, over the limit ({MAX_PICTURE_BYTES:,})", True)
    if path.suffix.lower() not in MEASURED_TYPES:
        return Measure()
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as picture:  # the header only
                width, height = picture.size
    except Image.DecompressionBombError:  # past Pillow's own limit: it stops there
        return Measure(0, f"declares more pixels than the limits allow ({LIMITS})", True)
    except Exception:  # Pillow raises many kinds, naming the file: the same words each time
        return Measure(problem="has no picture header that can be read")
    pixels = width * height
    if width > MAX_PICTURE_SIDE or height > MAX_PICTURE_SIDE or pixels > MAX_PICTURE_PIXELS:
        return Measure(
            pixels,
            f"declares {width:,} x {height:,} pixels, over the limits ({LIMITS})",
            True,
        )
    return Measure(pixels)


def _reason(error: Exception) -> str:
    text = str(error.strerror if isinstance(error, OSError) and error.strerror else error)
    return text.splitlines()[0] if text else type(error).__name__

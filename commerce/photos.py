"""Photos customers attach (a damaged item, a wrong label): checked and made inert.

Only what a browser or phone produces for a photo is accepted — JPEG, PNG, WebP or a GIF's first
frame — up to ``max_bytes`` and ``MAX_PIXELS``. The picture is decoded and drawn again into a
fresh JPEG: nothing of the original file survives (no metadata such as the camera's GPS position,
no trailing data, no script hidden in a polyglot file), it is turned upright by its orientation
tag, and it is scaled down to at most ``MAX_SIDE`` pixels a side.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from shopdesk.errors import InvalidRequestError

ACCEPTED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
MAX_PIXELS = 40_000_000   # decoded size guard (a small file can claim a huge picture)
MAX_SIDE = 2048
_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")


class PhotoRejected(InvalidRequestError):
    """The upload is not a photo we accept; the message says why, in plain words."""


@dataclass(frozen=True)
class InertPhoto:
    data: bytes
    content_type: str
    width: int
    height: int


def _looks_like_image(raw: bytes) -> bool:
    return raw.startswith(_SIGNATURES) or (raw[:4] == b"RIFF" and raw[8:12] == b"WEBP")


def make_inert(raw: bytes, max_bytes: int) -> InertPhoto:
    """The photo re-encoded as a clean JPEG, or :class:`PhotoRejected` saying why not."""
    from PIL import Image, ImageOps

    if not raw:
        raise PhotoRejected("The photo is empty.")
    if len(raw) > max_bytes:
        raise PhotoRejected(f"The photo is larger than {max_bytes // 1_000_000} MB; please send "
                            "a smaller one.")
    if not _looks_like_image(raw):
        raise PhotoRejected("That file is not a photo (JPEG, PNG, WebP or GIF).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                if probe.format not in ACCEPTED:
                    raise PhotoRejected("That file is not a photo (JPEG, PNG, WebP or GIF).")
                if probe.width * probe.height > MAX_PIXELS:
                    raise PhotoRejected("The photo is too large in pixels; please send a "
                                        "smaller one.")
                probe.verify()
            with Image.open(io.BytesIO(raw)) as image:
                image.seek(0)
                image.load()
                upright = ImageOps.exif_transpose(image)
                if upright.mode in {"RGBA", "LA", "P"}:
                    upright = upright.convert("RGBA")
                    canvas = Image.new("RGB", upright.size, (255, 255, 255))
                    canvas.paste(upright, mask=upright.getchannel("A"))
                    upright = canvas
                else:
                    upright = upright.convert("RGB")
                upright.thumbnail((MAX_SIDE, MAX_SIDE))
                out = io.BytesIO()
                upright.save(out, format="JPEG", quality=85, optimize=True)
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected("The photo is too large in pixels; please send a smaller one.") \
            from None
    except Exception:  # truncated, corrupt or hostile: Pillow's many error types
        raise PhotoRejected("The photo could not be read; it may be damaged. Please try "
                            "another.") from None
    return InertPhoto(out.getvalue(), "image/jpeg", upright.width, upright.height)

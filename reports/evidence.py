"""Evidence files from reporters: decide the type from the bytes, enforce the limits, and rebuild
the file so that nothing but its visible content survives (no EXIF, GPS, XMP, comments, document
metadata, scripts, attachments or trailing bytes).

A plain module: bytes in, bytes out, no request and no model. Nothing here logs, because a file's
content and its name are both things a reporter gave us. Each refusal is an `EvidenceRejected` (a
Django `ValidationError`, so a form field can let it through) with a stable `code` and a message
for the reporter.
"""

import contextlib
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

try:
    # Wagtail's image library (Willow) depends on pillow_heif; registering is idempotent.
    from pillow_heif import register_heif_opener
except ImportError:  # pragma: no cover - pillow_heif is in the lock file
    HEIC_SUPPORTED = False
else:
    register_heif_opener()
    HEIC_SUPPORTED = True

MEGABYTE = 1024 * 1024

MESSAGES = {
    "empty": _("This file is empty."),
    "too_large": _("This file is larger than %(limit)s. Please send a smaller file."),
    "unsupported_type": _("This file type is not accepted. Please send photos (JPEG, PNG, HEIC) or PDF documents."),
    "heic_unavailable": _("HEIC photos cannot be accepted at the moment. Please send the photo as JPEG."),
    "image_too_large": _(
        "This image is too large (more than %(limit)s megapixels). Please send a smaller photo or a screenshot."
    ),
    "damaged": _("This file could not be read. It may be damaged or incomplete."),
    "pdf_encrypted": _("This PDF is protected by a password. Please remove the password and send it again."),
    "pdf_too_many_pages": _("This PDF has more than %(limit)s pages. Please send only the pages that matter."),
    "active_content": _(
        "This file contains web page code (HTML or scripts), which is not accepted. "
        "Please send a photo or a screenshot of it instead."
    ),
    "too_many_files": _("Too many files: you can send at most %(limit)s."),
    "total_too_large": _("Together the files are larger than %(limit)s. Please send fewer or smaller files."),
}

# For the form's <input type="file" accept="…">: a hint to the browser only, the bytes decide.
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/heic,image/heif,application/pdf,.jpg,.jpeg,.png,.heic,.heif,.pdf"


class EvidenceRejected(ValidationError):
    """A refused evidence file (or batch). `code` is stable, for callers and tests; the message is
    shown to the reporter, in Chinese on the public site."""

    def __init__(self, code: str, message, params: dict | None = None):
        super().__init__(message, code=code, params=params)

    def __reduce__(self):
        return (type(self), (self.code, self.message, self.params))

    def __str__(self) -> str:
        return self.messages[0]


def _reject(code: str, **params) -> EvidenceRejected:
    return EvidenceRejected(code, MESSAGES[code], params or None)


@dataclass(frozen=True)
class Limits:
    max_files: int
    max_bytes: int
    max_total_bytes: int
    max_pixels: int
    max_pdf_pages: int


def current_limits() -> Limits:
    """The configured limits (portal/settings/base.py), e.g. for the form's help text."""
    return Limits(
        max_files=settings.PORTAL_EVIDENCE_MAX_FILES,
        max_bytes=settings.PORTAL_EVIDENCE_MAX_BYTES,
        max_total_bytes=settings.PORTAL_EVIDENCE_MAX_TOTAL_BYTES,
        max_pixels=settings.PORTAL_EVIDENCE_MAX_PIXELS,
        max_pdf_pages=settings.PORTAL_EVIDENCE_MAX_PDF_PAGES,
    )


def format_megabytes(size: int) -> str:
    return f"{size / MEGABYTE:.3g} MB"


def check_batch(sizes: Iterable[int]) -> None:
    """Refuse a set of uploads by their sizes alone, before any of them is read: too many files,
    one too large, or too much together. A later addition to a report must pass the sizes of the
    files it already has too, or the limits apply per visit instead of per report."""
    sizes = list(sizes)
    limits = current_limits()
    if len(sizes) > limits.max_files:
        raise _reject("too_many_files", limit=limits.max_files)
    if any(size > limits.max_bytes for size in sizes):
        raise _reject("too_large", limit=format_megabytes(limits.max_bytes))
    if sum(sizes) > limits.max_total_bytes:
        raise _reject("total_too_large", limit=format_megabytes(limits.max_total_bytes))


@dataclass(frozen=True)
class SanitisedFile:
    """A rebuilt evidence file. `display_name` comes from the reporter's file name and can identify
    them as much as the content can: store it encrypted, like the content."""

    content: bytes
    media_type: str
    extension: str
    original_size: int
    display_name: str


@dataclass(frozen=True)
class _Kind:
    name: str
    pillow_format: str | None  # None: not an image
    output_format: str | None
    media_type: str
    extension: str


JPEG = _Kind("jpeg", "JPEG", "JPEG", "image/jpeg", "jpg")
PNG = _Kind("png", "PNG", "PNG", "image/png", "png")
# Phones' HEIC becomes JPEG: every browser and every staff workstation can show that.
HEIC = _Kind("heic", "HEIF", "JPEG", "image/jpeg", "jpg")
PDF = _Kind("pdf", None, None, "application/pdf", "pdf")

# ISO base media file brands of HEVC-coded HEIF images (ISO/IEC 23008-12). `mif1` alone says only
# "some HEIF": AVIF and others use it too, so it must come with one of these.
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}


def detect_kind(data: bytes) -> _Kind | None:
    """The accepted type these bytes start with, or None. Only the leading signature counts: a PDF
    must start with `%PDF-` at offset 0 (readers tolerate junk before it, which is how HTML/PDF
    polyglots work; we do not)."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"%PDF-"):
        return PDF
    if len(data) >= 16 and data[4:8] == b"ftyp":
        box_size = int.from_bytes(data[0:4], "big")
        if 16 <= box_size <= min(len(data), 4096):
            brands = {data[8:12]} | {data[i : i + 4] for i in range(16, box_size - 3, 4)}
            if brands & _HEIC_BRANDS:
                return HEIC
    return None


_NAME_UNSAFE = re.compile(r'[<>:"|?*]')
_MAX_NAME_CHARS = 80


def display_name(filename: str, extension: str) -> str:
    """A name to show staff: the last path component of what the browser sent, without control,
    format (bidirectional overrides, zero-width) or reserved characters, at most 80 characters,
    and with the extension of what the file really is (without `extension`, the one it was sent
    with: for quoting a refused file). Never use it as a path."""
    base = re.split(r"[/\\]", filename or "")[-1]
    kept = []
    for char in unicodedata.normalize("NFC", base):
        category = unicodedata.category(char)
        if category.startswith("Z"):
            kept.append(" ")
        elif not category.startswith("C"):
            kept.append(char)
    base = " ".join(_NAME_UNSAFE.sub("_", "".join(kept)).split())
    if not extension:
        # A refused file, quoted in its refusal: the name the reporter knows, made harmless.
        return base.strip(" .")[:_MAX_NAME_CHARS].strip(" .") or "evidence"
    stem = base.rsplit(".", 1)[0] if "." in base.strip(".") else base
    stem = stem.strip(" .")[:_MAX_NAME_CHARS].strip(" .")
    return f"{stem or 'evidence'}.{extension}"


# HTML that runs script, in what we would store: a script, frame or plug-in element, or a tag with
# an event handler or a javascript: URL. Rebuilding drops everything around a file's content, but
# a PDF page's content stream is kept as it is, and a PNG's pixels can carry any bytes; such a
# polyglot is harmless as we serve it (fixed type, attachment, nosniff), yet a viewer that sniffs
# (old IE looked for HTML anywhere in the first 256 bytes) or a copy saved as .html would run it.
# Specific enough that compressed data practically never holds it by chance (about one 20 MB
# file in 10^8), and the leading "<" keeps the scan fast (tens of ms for a photo).
_ACTIVE_MARKUP = re.compile(
    rb"<(?:(?:script|iframe|object|embed)[\s/>]|[a-z][^<>]{0,200}?(?:\bon(?:error|load)\s*=|javascript:))",
    re.IGNORECASE,
)


def sanitise(data: bytes, filename: str = "") -> SanitisedFile:
    """Check one evidence file and rebuild it from its content alone.

    The type comes from the leading bytes, never from `filename` (used only for `display_name`).
    JPEG and PNG are decoded and re-encoded from their pixels (JPEG stays JPEG, PNG stays PNG),
    HEIC becomes JPEG, PDFs are rewritten page by page without metadata or active content.
    Raises `EvidenceRejected` for anything else, for oversized files and images, for files that
    cannot be read, and for a rebuilt file that still holds script-running HTML (a polyglot) —
    never another exception.
    """
    limits = current_limits()
    if not data:
        raise _reject("empty")
    if len(data) > limits.max_bytes:
        raise _reject("too_large", limit=format_megabytes(limits.max_bytes))
    kind = detect_kind(data)
    if kind is None:
        raise _reject("unsupported_type")
    content = _sanitise_pdf(data, limits) if kind is PDF else _sanitise_image(data, kind, limits)
    if _ACTIVE_MARKUP.search(content):
        raise _reject("active_content")
    return SanitisedFile(
        content=content,
        media_type=kind.media_type,
        extension=kind.extension,
        original_size=len(data),
        display_name=display_name(filename, kind.extension),
    )


def _sanitise_pdf(data: bytes, limits: Limits) -> bytes:
    # Imported here: pypdf adds some 25 MB to every web worker, and few reports carry a PDF.
    from .evidence_pdf import PdfPasswordRequired, PdfTooManyPages, PdfUnreadable, rewrite_pdf

    try:
        return rewrite_pdf(data, max_pages=limits.max_pdf_pages)
    except PdfPasswordRequired:
        raise _reject("pdf_encrypted") from None
    except PdfTooManyPages:
        raise _reject("pdf_too_many_pages", limit=limits.max_pdf_pages) from None
    except PdfUnreadable:
        raise _reject("damaged") from None


def _sanitise_image(data: bytes, kind: _Kind, limits: Limits) -> bytes:
    if kind is HEIC and not HEIC_SUPPORTED:
        raise _reject("heic_unavailable")
    # Pillow refuses (DecompressionBombError) beyond twice its own process-wide limit and only warns
    # between once and twice; capping ours at its limit makes every warned-about image one we
    # refuse, without touching the global warning filters (not thread-safe) or Pillow's limit
    # (Wagtail's images use it too).
    max_pixels = min(limits.max_pixels, Image.MAX_IMAGE_PIXELS or limits.max_pixels)
    too_large = _reject("image_too_large", limit=f"{max_pixels / 1_000_000:g}")
    try:
        # `formats` keeps Pillow from trying any other decoder on these bytes.
        with Image.open(io.BytesIO(data), formats=[kind.pillow_format]) as image:
            width, height = image.size
            # The header's dimensions, checked before a single pixel is decoded.
            if width * height > max_pixels:
                raise too_large
            # Multi-frame files keep their first frame only: phones write MPO JPEGs (a second,
            # depth or stereo picture), HEIC bursts and APNGs, and refusing those would refuse
            # ordinary photos, while evidence is a still picture.
            image.seek(0)
            image.load()
            clean = _pixels_only(image, kind.output_format)
        output = io.BytesIO()
        if kind.output_format == "JPEG":
            clean.save(output, format="JPEG", quality=90)
        else:
            clean.save(output, format="PNG")
    except EvidenceRejected:
        raise
    except Image.DecompressionBombError:
        raise too_large from None
    except Exception:
        # Truncated files, bad chunks, libheif errors, MemoryError: all a refusal, never a crash.
        raise _reject("damaged") from None
    return output.getvalue()


def _pixels_only(image: Image.Image, output_format: str) -> Image.Image:
    """A new image holding only the pixels: turned upright by its EXIF orientation, in a mode the
    output format takes, with an empty `info` (Pillow writes `info`'s comment, ICC profile and
    transparency back when it saves an image it opened). In place where it can: a 50-megapixel
    photo is 150 MB decoded, and it exists twice at most."""
    with contextlib.suppress(Exception):
        # A broken EXIF block must not cost the picture; it is not copied anyway.
        ImageOps.exif_transpose(image, in_place=True)
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    if output_format == "JPEG":
        if has_alpha:
            rgba = image.convert("RGBA")
            image = Image.new("RGB", rgba.size, "white")
            image.paste(rgba, mask=rgba.getchannel("A"))
            return image
        if image.mode not in ("RGB", "L"):
            return _fresh(image.convert("RGB"))
    elif image.mode not in ("1", "L", "LA", "RGB", "RGBA", "I;16") or "transparency" in image.info:
        return _fresh(image.convert("RGBA" if has_alpha else "RGB"))
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    return clean


def _fresh(image: Image.Image) -> Image.Image:
    # convert() copies `info`; an image made by it holds nothing else of the file.
    image.info = {}
    return image

"""Rewriting a reporter's PDF so that only its pages' visible content is kept (used by
`reports/evidence.py`, which turns the exceptions here into messages for the reporter).

The pages are copied into a new document; nothing else of the original is: no document
information dictionary (Author, Creator, Producer, Title, Subject, Keywords, dates), no XMP, no
catalog (so no document JavaScript, open action, embedded files, form scripts (XFA), outlines or
structure tree), no earlier revisions and no bytes after the end. Inside the pages, everything that
can run, carry a file or carry metadata is cut before copying — see `_scrub`. Pages keep their
content, fonts, images and annotations; digital signatures do not survive any rewrite.
"""

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject


class PdfUnreadable(Exception):
    """Not a PDF pypdf can read, or one it could not rewrite."""


class PdfPasswordRequired(Exception):
    """Opening it needs a password."""


class PdfTooManyPages(Exception):
    pass


# Keys removed from every dictionary reachable from the pages: metadata streams and private
# application data (which can hold names and paths), page thumbnails (pictures of the page that
# may predate an edit), event-triggered actions, scripts, and attached or associated files.
_REMOVED_KEYS = (
    "/Metadata",
    "/PieceInfo",
    "/LastModified",
    "/Thumb",
    "/AA",
    "/JS",
    "/JavaScript",
    "/EmbeddedFiles",
    "/EF",
    "/AF",
)
# Actions kept where an annotation or outline uses them: jumps within the document, links to a web
# or mail address (part of what the reporter shows us) and viewer commands such as "next page".
# Everything else (JavaScript, Launch, SubmitForm, ImportData, GoToR, GoToE, media, …) is removed,
# and so are links to other schemes: a file:// link clicked on a staff workstation can send its
# Windows credentials to a host the sender chose, and javascript: is a script.
_SAFE_ACTIONS = {"/GoTo", "/URI", "/Named"}
_SAFE_URI_SCHEMES = ("http://", "https://", "mailto:")
_ACTION_KEYS = ("/A", "/OpenAction", "/PA")
# Annotation types that exist to carry or play a file.
_REMOVED_ANNOTATIONS = {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"}
# Who made an annotation and when; on a form field (widget) /T is the field's name and stays.
_ANNOTATION_AUTHOR_KEYS = ("/T", "/M", "/CreationDate", "/NM")
_JPEG_METADATA_MARKERS = {*range(0xE1, 0xEE), 0xEF, 0xFE}  # APP1–APP13, APP15, COM


def rewrite_pdf(data: bytes, max_pages: int) -> bytes:
    """The pages of `data` in a new PDF without metadata or active content. Raises
    PdfPasswordRequired, PdfTooManyPages or PdfUnreadable, never anything else."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _opens_without_password(reader):
            raise PdfPasswordRequired
        pages = list(reader.pages)
        if not pages:
            raise PdfUnreadable
        if len(pages) > max_pages:
            raise PdfTooManyPages
        # Scrubbing the reader's objects before copying means that what is cut (a script, an
        # attachment) is never copied: the writer writes every object it holds, reachable or not.
        _scrub(pages)
        writer = PdfWriter()
        for page in pages:
            writer.add_page(page)
        writer.metadata = None  # the writer's own /Info (Producer: pypdf)
        output = io.BytesIO()
        writer.write(output)
        content = output.getvalue()
        # Fail closed: what we store must open, with every page, and with nothing left to cut.
        check = PdfReader(io.BytesIO(content), strict=False)
        check_pages = list(check.pages)
        if len(check_pages) != len(pages) or check.metadata or _scrub(check_pages):
            raise PdfUnreadable
    except (PdfPasswordRequired, PdfTooManyPages, PdfUnreadable):
        raise
    except Exception as exc:
        # pypdf raises many types on hostile input (PdfReadError, ValueError, KeyError,
        # RecursionError, MemoryError, …); all of them mean "cannot use this file".
        raise PdfUnreadable from exc
    return content


def _opens_without_password(reader: PdfReader) -> bool:
    """True for PDFs encrypted with an empty user password (an "owner password" that only
    restricts printing or copying): they open for anyone, so we can read and rewrite them."""
    try:
        return bool(reader.decrypt(""))
    except Exception:
        return False


def _scrub(roots) -> int:
    """Cut what `_REMOVED_KEYS`, `_SAFE_ACTIONS` and `_REMOVED_ANNOTATIONS` describe from every
    object reachable from `roots`, and metadata segments from JPEG images. Returns the number of
    changes (zero on a document already scrubbed)."""
    changes = 0
    seen: set[tuple[int, int]] = set()
    stack = list(roots)
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            reference = (obj.idnum, obj.generation)
            if reference in seen:
                continue
            seen.add(reference)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            changes += _scrub_dictionary(obj)
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return changes


def _scrub_dictionary(dictionary: DictionaryObject) -> int:
    changes = 0
    for key in _REMOVED_KEYS:
        if key in dictionary:
            del dictionary[key]
            changes += 1
    for key in _ACTION_KEYS:
        if key in dictionary and not _is_safe_action(dictionary[key]):
            del dictionary[key]
            changes += 1
    if "/Next" in dictionary:
        # An action's follow-up actions: a safe link must not chain into a script.
        following = dictionary["/Next"]
        if not all(_is_safe_action(action) for action in _as_list(following)):
            del dictionary["/Next"]
            changes += 1
    if "/Annots" in dictionary:
        changes += _scrub_annotations(dictionary)
    if isinstance(dictionary, StreamObject) and _is_jpeg_image(dictionary):
        stripped = strip_jpeg_metadata(dictionary._data)
        if stripped != dictionary._data:
            # set_data() refuses streams not encoded with Flate; the raw bytes are the JPEG file.
            dictionary._data = stripped
            changes += 1
    return changes


def _as_list(value) -> list:
    return list(value) if isinstance(value, ArrayObject) else [value]


def _is_safe_action(action) -> bool:
    action = action.get_object() if action is not None else None
    if isinstance(action, ArrayObject):
        return True  # an explicit destination ([page /Fit …]): a place to show, not an action
    if not isinstance(action, DictionaryObject) or action.get("/S") not in _SAFE_ACTIONS:
        return False
    if action.get("/S") == "/URI":
        uri = action.get("/URI")
        uri = uri.get_object() if uri is not None else None
        text = bytes(uri).decode("latin-1") if isinstance(uri, bytes) else str(uri or "")
        return text.strip().lower().startswith(_SAFE_URI_SCHEMES)
    return True


def _scrub_annotations(page: DictionaryObject) -> int:
    annotations = page["/Annots"]
    if not isinstance(annotations, ArrayObject):
        del page["/Annots"]
        return 1
    changes = 0
    kept = ArrayObject()
    for reference in annotations:
        annotation = reference.get_object()
        if not isinstance(annotation, DictionaryObject) or annotation.get("/Subtype") in _REMOVED_ANNOTATIONS:
            changes += 1
            continue
        for key in _ANNOTATION_AUTHOR_KEYS:
            if key in annotation and not (key == "/T" and annotation.get("/Subtype") == "/Widget"):
                del annotation[key]
                changes += 1
        kept.append(reference)
    if changes:
        page[NameObject("/Annots")] = kept
    return changes


def _is_jpeg_image(stream: StreamObject) -> bool:
    filters = stream.get("/Filter")
    if isinstance(filters, ArrayObject):
        filters = filters[0] if len(filters) == 1 else None
    return stream.get("/Subtype") == "/Image" and filters == "/DCTDecode"


def strip_jpeg_metadata(data: bytes) -> bytes:
    """A JPEG file without its EXIF, XMP, ICC, maker-note and comment segments and without
    anything after its end marker (where phones append a second picture), losslessly: the coded
    image is copied byte for byte. Tools like img2pdf put photos into PDFs unchanged, EXIF and
    GPS included. Keeps JFIF (APP0) and Adobe (APP14, it tells how colours are coded). Data it
    cannot follow is returned unchanged: a decoder could not follow it either."""
    if not data.startswith(b"\xff\xd8"):
        return data
    out = bytearray(data[:2])
    position, size = 2, len(data)
    while position + 1 < size:
        if data[position] != 0xFF:
            return data
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xD9:  # end of image
            out += data[position : position + 2]
            return bytes(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            out += data[position : position + 2]
            position += 2
            continue
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        end = position + 2 + length
        if length < 2 or end > size:
            return data
        if marker not in _JPEG_METADATA_MARKERS:
            out += data[position:end]
        position = end
        if marker == 0xDA:
            # Entropy-coded data runs to the next marker: 0xFF not followed by 0x00 (a stuffed
            # byte), a restart marker or another 0xFF.
            scan = position
            while True:
                scan = data.find(b"\xff", scan)
                if scan < 0 or scan + 1 >= size:
                    return data
                following = data[scan + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    scan += 1
                    continue
                break
            out += data[position:scan]
            position = scan
    return data

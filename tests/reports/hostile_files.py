"""Hostile uploads for tests/reports/test_hostile_uploads.py: bombs, polyglots, and raw multipart
bodies whose file names a browser (or Django's test client, which keeps only the base name) would
never send."""

import functools
import io
import random
import struct
import zlib

from PIL import Image

from tests.reports.test_evidence import handmade_pdf, photo, png_chunk, stream

__all__ = [
    "BOUNDARY",
    "GIB",
    "html_first_polyglot",
    "html_renamed_pdf",
    "jpeg_headed_zip_bomb",
    "multipart",
    "noisy_photo",
    "pdf_with_html_around_its_pages",
    "pdf_with_html_in_its_page",
    "photo",
    "png_pixel_bomb",
    "png_text_bomb",
    "zip_bomb",
]

GIB = 1 << 30
BOUNDARY = "hostile-upload-b0undary"
SCRIPT = b"<html><body><script>alert(document.cookie)</script></body></html>"


def _deflated_repeats(chunk: bytes, count: int) -> tuple[bytes, int]:
    """Raw DEFLATE data for `chunk` repeated `count` times, and its CRC-32. Each chunk is deflated
    once after a full flush, so the same block repeats: a gigabyte costs a checksum, not a
    compression."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    return block * count + zlib.compressobj(9, zlib.DEFLATED, -15).flush(), crc


def _zlib_of_repeats(chunk: bytes, count: int) -> bytes:
    """The same as a zlib stream (what PNG chunks hold)."""
    data, _ = _deflated_repeats(chunk, count)
    adler = 1
    for _ in range(count):
        adler = zlib.adler32(chunk, adler)
    return b"\x78\xda" + data + struct.pack(">I", adler)


@functools.cache
def zip_bomb(expanded: int = GIB) -> bytes:
    """A ZIP of about 1 MB holding one `photo.jpg` of `expanded` zero bytes."""
    chunk = b"\0" * (1 << 20)
    count = expanded // len(chunk)
    data, crc = _deflated_repeats(chunk, count)
    name = b"photo.jpg"
    sizes = struct.pack("<III", crc, len(data), count * len(chunk))
    local = b"PK\x03\x04" + struct.pack("<HHHHH", 20, 0, 8, 0, 0) + sizes + struct.pack("<HH", len(name), 0) + name
    central = (
        b"PK\x01\x02"
        + struct.pack("<HHHHHH", 20, 20, 0, 8, 0, 0)
        + sizes
        + struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, 0)
        + name
    )
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 1, 1, len(central), len(local) + len(data), 0)
    return local + data + central + end


def noisy_photo(size=(160, 120), seed: int = 0) -> bytes:
    """An ordinary JPEG that does not compress: some 23 KB at the default size."""
    pixels = random.Random(seed).randbytes(size[0] * size[1] * 3)  # noqa: S311 - repeatable noise, not a secret
    output = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(output, "JPEG", quality=95)
    return output.getvalue()


def jpeg_headed_zip_bomb() -> bytes:
    """The bomb behind a JPEG signature: the bytes claim to be a photo, so a decoder does look."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + zip_bomb()


def _png(width: int, height: int, colour_type: int, *chunks: bytes) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + b"".join(chunks) + png_chunk(b"IEND", b"")


@functools.cache
def png_pixel_bomb(width: int = 8_000, height: int = 8_000) -> bytes:
    """A greyscale PNG of width × height black pixels (64 megapixels: 64 MB once decoded), really
    encoded, in about 64 KB: over PORTAL_EVIDENCE_MAX_PIXELS, under Pillow's own limit."""
    rows = 100
    assert height % rows == 0
    row = b"\0" * (width + 1)  # filter byte + one byte a pixel
    return _png(width, height, 0, png_chunk(b"IDAT", _zlib_of_repeats(row * rows, height // rows)))


@functools.cache
def png_text_bomb(expanded: int = GIB) -> bytes:
    """A 4 × 4 PNG whose compressed text chunk (zTXt) expands to `expanded` bytes."""
    text = _zlib_of_repeats(b"A" * (1 << 20), expanded >> 20)
    pixels = zlib.compress(b"".join(b"\0" + b"\x80" * 4 for _ in range(4)))
    return _png(4, 4, 0, png_chunk(b"zTXt", b"Comment\0\0" + text), png_chunk(b"IDAT", pixels))


def html_renamed_pdf() -> bytes:
    return b"<!DOCTYPE html>\n" + SCRIPT + b"\n"


def html_first_polyglot() -> bytes:
    """HTML, then a whole PDF: a browser sees a page, a PDF reader (which skips junk before the
    header) sees a document."""
    return SCRIPT + b"\n" + pdf_with_html_in_its_page(b"(report) Tj")


def _page_pdf(content: bytes, extra: dict[int, bytes] | None = None) -> bytes:
    return handmade_pdf(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R"
            b" /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
            4: stream(b"BT /F1 12 Tf 20 100 Td " + content + b" ET"),
            **(extra or {}),
        }
    )


def pdf_with_html_around_its_pages() -> bytes:
    """A valid PDF that is also an HTML page: the markup sits in a comment right after the header
    (where old browsers sniffed), in an object no page uses, and after the end of the file."""
    pdf = _page_pdf(b"(visible evidence text) Tj", {9: b"(" + SCRIPT + b")"})
    header_end = pdf.index(b"\n", pdf.index(b"\n") + 1) + 1
    return pdf[:header_end] + b"%" + SCRIPT + b"\n" + pdf[header_end:] + SCRIPT


def pdf_with_html_in_its_page(content: bytes = b"(" + SCRIPT + b") Tj") -> bytes:
    """A valid PDF whose page content stream (which a rewrite keeps) holds the markup as text."""
    return _page_pdf(content)


def multipart(fields: dict, files: list[tuple[bytes, bytes, str]], file_field: str = "evidence") -> bytes:
    """A multipart/form-data body (boundary `BOUNDARY`). Each file is (the Content-Disposition
    parameter naming it, given raw, e.g. b'filename="../../x"' or b"filename*=UTF-8''..%2Fx";
    its bytes; its Content-Type)."""
    parts = []
    for name, values in fields.items():
        for value in values if isinstance(values, list | tuple) else [values]:
            parts.append(
                b'Content-Disposition: form-data; name="%s"\r\n\r\n%s' % (name.encode(), str(value).encode("utf-8"))
            )
    for disposition, content, content_type in files:
        parts.append(
            b'Content-Disposition: form-data; name="%s"; %s\r\nContent-Type: %s\r\n\r\n%s'
            % (file_field.encode(), disposition, content_type.encode(), content)
        )
    boundary = BOUNDARY.encode()
    body = io.BytesIO()
    for part in parts:
        body.write(b"--" + boundary + b"\r\n" + part + b"\r\n")
    body.write(b"--" + boundary + b"--\r\n")
    return body.getvalue()

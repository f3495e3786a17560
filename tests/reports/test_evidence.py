"""Evidence files (reports/evidence.py, reports/evidence_pdf.py): the type comes from the bytes,
images and PDFs are rebuilt without metadata or active content, hostile files are refused with a
code and a message, and nothing is logged."""

import io
import logging
import pickle
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfReader, PdfWriter

from reports import evidence
from reports.evidence import EvidenceRejected, check_batch, display_name, sanitise
from reports.evidence_pdf import strip_jpeg_metadata

GPS_LATITUDE = (39.0, 54.0, 15.0)


def refusal(data: bytes, filename: str = "evidence") -> EvidenceRejected:
    with pytest.raises(EvidenceRejected) as caught:
        sanitise(data, filename)
    return caught.value


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "ReporterPhone"
    exif[ExifTags.Base.Model] = "Model X"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (116.0, 23.0, 30.0)
    return exif


def photo(size=(64, 48), orientation=1, **extra) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((20, 20, 200), (0, 0, size[0] // 2, size[1] // 2))
    output = io.BytesIO()
    image.save(output, "JPEG", exif=exif_with_gps(orientation).tobytes(), **extra)
    return output.getvalue()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_declaring(width: int, height: int, idat: bytes = b"", colour_type: int = 2) -> bytes:
    """A PNG whose header declares these dimensions, whatever its pixel data holds."""
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat or zlib.compress(b""))
        + png_chunk(b"IEND", b"")
    )


def opened(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


# --- images -----------------------------------------------------------------------------------


def test_jpeg_loses_exif_gps_comment_and_xmp_and_keeps_its_size():
    original = photo(comment=b"reporter comment", xmp=b"<x:xmpmeta>reporter-xmp</x:xmpmeta>")
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test's premise

    result = sanitise(original, "IMG_0001.jpg")

    image = opened(result.content)
    assert image.format == "JPEG"
    assert image.size == (64, 48)
    assert len(image.getexif()) == 0
    assert not {"exif", "xmp", "comment", "icc_profile"} & set(image.info)
    for fragment in (b"Exif", b"ReporterPhone", b"reporter comment", b"reporter-xmp", b"http://ns.adobe.com"):
        assert fragment not in result.content
    assert (result.media_type, result.extension, result.original_size) == ("image/jpeg", "jpg", len(original))
    assert result.display_name == "IMG_0001.jpg"


def test_jpeg_is_turned_upright_by_its_exif_orientation():
    # Orientation 6: the camera was turned; viewers rotate 90° clockwise to show it.
    result = sanitise(photo(size=(40, 20), orientation=6))

    image = opened(result.content)
    assert image.size == (20, 40)
    assert ExifTags.Base.Orientation not in image.getexif()


def test_bytes_after_an_image_do_not_survive():
    zip_payload = io.BytesIO()
    with zipfile.ZipFile(zip_payload, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    polyglot = photo() + zip_payload.getvalue() + b"<html><script>alert(2)</script></html>"

    content = sanitise(polyglot).content

    assert b"PK\x03\x04" not in content
    assert b"<script>" not in content
    assert opened(content).size == (64, 48)


def test_png_loses_its_text_chunks_and_exif():
    info = PngInfo()
    info.add_text("Author", "reporter-name")
    info.add_text("Comment", "compressed-secret", zip=True)
    info.add_itxt("Description", "张三的截图")
    original = io.BytesIO()
    Image.new("RGB", (30, 20), "green").save(original, "PNG", pnginfo=info, exif=exif_with_gps().tobytes())
    assert Image.open(io.BytesIO(original.getvalue())).text  # the test's premise

    result = sanitise(original.getvalue(), "screenshot.png")

    image = opened(result.content)
    assert (image.format, image.size, image.text) == ("PNG", (30, 20), {})
    assert len(image.getexif()) == 0
    for chunk in (b"tEXt", b"zTXt", b"iTXt", b"eXIf"):
        assert chunk not in result.content
    assert (result.media_type, result.extension) == ("image/png", "png")


def test_png_transparency_is_kept_as_an_alpha_channel():
    original = io.BytesIO()
    palette_image = Image.new("P", (4, 4), 1)
    palette_image.putpalette([255, 255, 255, 255, 0, 0] + [0] * 762)
    palette_image.putpixel((0, 0), 0)
    palette_image.save(original, "PNG", transparency=0)

    image = opened(sanitise(original.getvalue()).content)

    assert image.mode == "RGBA"
    assert image.getpixel((0, 0))[3] == 0
    assert image.getpixel((1, 1)) == (255, 0, 0, 255)


JFIF_INFO = {"jfif", "jfif_version", "jfif_unit", "jfif_density"}


@pytest.mark.parametrize(
    ("image_format", "mode", "extra", "output_mode"),
    [
        ("JPEG", "L", {}, "L"),
        ("JPEG", "RGB", {}, "RGB"),
        ("JPEG", "CMYK", {}, "RGB"),
        ("PNG", "1", {}, "1"),
        ("PNG", "L", {}, "L"),
        ("PNG", "LA", {}, "LA"),
        ("PNG", "P", {}, "RGB"),
        ("PNG", "RGB", {"transparency": (0, 0, 0)}, "RGBA"),
        ("PNG", "RGBA", {}, "RGBA"),
        ("PNG", "I;16", {}, "I;16"),
    ],
)
def test_every_image_mode_comes_out_with_pixels_only(image_format, mode, extra, output_mode):
    original = io.BytesIO()
    image = Image.new(mode, (12, 10))
    if image_format == "JPEG":
        extra = {"comment": b"reporter comment", **extra}
    else:
        info = PngInfo()
        info.add_text("Author", "reporter comment")
        extra = {"pnginfo": info, **extra}
    image.save(original, image_format, icc_profile=b"reporter-icc-profile", exif=exif_with_gps().tobytes(), **extra)

    content = sanitise(original.getvalue()).content

    result = opened(content)
    assert (result.format, result.mode, result.size) == (image_format, output_mode, (12, 10))
    assert set(result.info) <= JFIF_INFO
    for fragment in (b"reporter comment", b"reporter-icc-profile", b"ReporterPhone"):
        assert fragment not in content


@pytest.mark.parametrize("image_format", ["MPO", "PNG"])
def test_multi_frame_images_keep_their_first_frame(image_format):
    # Phones write MPO (a JPEG with a second picture); an animated PNG is the PNG case.
    first, second = Image.new("RGB", (40, 30), (255, 0, 0)), Image.new("RGB", (40, 30), (0, 0, 255))
    original = io.BytesIO()
    first.save(original, image_format, save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(original.getvalue())).n_frames == 2  # the test's premise

    result = opened(sanitise(original.getvalue()).content)

    assert getattr(result, "n_frames", 1) == 1
    red, _, blue = result.convert("RGB").getpixel((20, 15))
    assert red > 200 and blue < 50


def heic_photo(size=(64, 48)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(output, format="HEIF", exif=exif_with_gps().tobytes(), quality=90)
    return output.getvalue()


def test_heic_becomes_a_jpeg_without_metadata():
    assert evidence.HEIC_SUPPORTED
    original = heic_photo()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test's premise

    result = sanitise(original, "IMG_0002.HEIC")

    image = opened(result.content)
    assert (image.format, image.size) == ("JPEG", (64, 48))
    assert len(image.getexif()) == 0
    assert b"Exif" not in result.content
    assert (result.media_type, result.extension, result.display_name) == ("image/jpeg", "jpg", "IMG_0002.jpg")


def test_heic_is_refused_clearly_when_it_cannot_be_decoded(monkeypatch):
    monkeypatch.setattr(evidence, "HEIC_SUPPORTED", False)

    assert refusal(heic_photo()).code == "heic_unavailable"


def test_a_damaged_image_is_refused():
    assert refusal(photo()[:300]).code == "damaged"
    assert refusal(b"\xff\xd8\xff" + b"\x00" * 100).code == "damaged"
    assert refusal(b"\x89PNG\r\n\x1a\n" + b"garbage").code == "damaged"


# --- decompression bombs ----------------------------------------------------------------------


def test_a_png_declaring_ten_billion_pixels_is_refused_without_decoding():
    assert refusal(png_declaring(100_000, 100_000)).code == "image_too_large"


def test_dimensions_over_the_limit_are_refused_before_any_pixel_is_read():
    # 81 megapixels, under Pillow's own limit; there is no pixel data at all, so "too large"
    # (not "damaged") shows that the header alone decided.
    assert refusal(png_declaring(9_000, 9_000)).code == "image_too_large"


def test_a_compressed_png_bomb_is_refused(settings):
    settings.PORTAL_EVIDENCE_MAX_PIXELS = 10_000_000
    width = height = 5_000  # 25 megapixels of zeros in a few kilobytes
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    bomb = png_declaring(width, height, idat=idat, colour_type=0)
    assert len(bomb) < 100_000

    assert refusal(bomb).code == "image_too_large"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_pillows_own_limit_caps_a_higher_setting(settings):
    settings.PORTAL_EVIDENCE_MAX_PIXELS = 10**12

    assert refusal(png_declaring(10_000, 10_000)).code == "image_too_large"


# --- what is not an accepted type -------------------------------------------------------------


def zip_bomb() -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("photo.jpg", b"\x00" * 20_000_000)
    return output.getvalue()


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        pytest.param(zip_bomb(), "photo.jpg", id="zip-bomb-renamed-jpg"),
        pytest.param(b"<!DOCTYPE html><html><script>alert(1)</script></html>", "report.pdf", id="html"),
        pytest.param(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64, "x.png", id="exe"),
        pytest.param(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "x.gif", id="gif"),
        pytest.param(b"RIFF\x24\x00\x00\x00WEBPVP8 ", "x.webp", id="webp"),
        pytest.param(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00mif1avifmiaf" + b"\x00" * 32, "x.heic", id="avif"),
        pytest.param(b"  %PDF-1.7\n", "x.pdf", id="pdf-header-not-at-start"),
        pytest.param("举报材料".encode(), "x.jpg", id="text"),
    ],
)
def test_other_types_are_refused_by_their_bytes_whatever_their_name(data, filename):
    assert refusal(data, filename).code == "unsupported_type"


def test_a_zip_is_refused_without_being_opened(monkeypatch):
    bomb = zip_bomb()

    def fail(*args, **kwargs):
        raise AssertionError("the archive was opened")

    monkeypatch.setattr(zipfile.ZipFile, "__init__", fail)
    monkeypatch.setattr(zlib, "decompressobj", fail)

    assert refusal(bomb, "photo.jpg").code == "unsupported_type"


def test_an_empty_file_is_refused():
    assert refusal(b"").code == "empty"


def test_an_oversize_file_is_refused_before_it_is_read(settings):
    settings.PORTAL_EVIDENCE_MAX_BYTES = 1_000

    rejected = refusal(b"\xff\xd8\xff" + b"\x00" * 1_000)

    assert rejected.code == "too_large"
    assert rejected.params == {"limit": "0.000954 MB"}


def test_refusals_speak_chinese_on_the_public_site():
    with translation.override("zh-hans"):
        assert str(refusal(b"PK\x03\x04")) == "不支持此类文件。请上传照片（JPEG、PNG、HEIC）或 PDF 文档。"
        assert str(refusal(png_declaring(9_000, 9_000))) == "图片尺寸过大（超过 50 百万像素），请上传较小的照片或截图。"


def test_a_refusal_is_a_validation_error_a_form_field_can_raise():
    rejected = refusal(b"")

    assert isinstance(rejected, ValidationError)
    assert rejected.code == "empty"
    assert rejected.messages == [str(rejected)]
    copied = pickle.loads(pickle.dumps(rejected))  # noqa: S301 - our own object
    assert (copied.code, copied.messages) == (rejected.code, rejected.messages)


# --- PDFs -------------------------------------------------------------------------------------


def pdf_from(writer: PdfWriter) -> bytes:
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def simple_pdf(pages: int = 3, **metadata) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    writer.add_metadata(metadata or {"/Author": "张三", "/Title": "secret-title"})
    return pdf_from(writer)


def handmade_pdf(objects: dict[int, bytes], info: int | None = None) -> bytes:
    """A PDF written object by object (catalog is object 1), for the hostile parts pypdf would not
    write for us."""
    output = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(output)
        output += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref = len(output)
    size = max(objects) + 1
    output += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        output += b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
    trailer = b"/Size %d /Root 1 0 R" % size + (b" /Info %d 0 R" % info if info else b"")
    output += b"trailer\n<< %s >>\nstartxref\n%d\n%%%%EOF\n" % (trailer, xref)
    return bytes(output)


def stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (entries, len(data), data)


def hostile_pdf() -> bytes:
    js = b"<< /S /JavaScript /JS (app.alert\\('opened'\\)) >>"
    return handmade_pdf(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 10 0 R /Metadata 13 0 R"
            b" /Names << /JavaScript << /Names [(run) 10 0 R] >> /EmbeddedFiles << /Names [(secret.txt) 14 0 R] >> >>"
            b" /AcroForm << /Fields [] /XFA 16 0 R >> >>",
            2: b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 6 0 R"
            b" /Resources << /XObject << /Im0 5 0 R >> >> /AA << /O 10 0 R >> /Metadata 13 0 R"
            b" /PieceInfo << /Illustrator << /Private (C:/Users/zhangsan/secret.ai) >> >>"
            b" /Annots [20 0 R 21 0 R 22 0 R 23 0 R 24 0 R 25 0 R 26 0 R] >>",
            4: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 7 0 R >>",
            5: stream(
                photo(size=(32, 24)),
                b"/Type /XObject /Subtype /Image /Width 32 /Height 24 /ColorSpace /DeviceRGB"
                b" /BitsPerComponent 8 /Filter /DCTDecode",
            ),
            6: stream(b"q 100 0 0 100 50 50 cm /Im0 Do Q"),
            7: stream(b"0 0 m 100 100 l S"),
            10: js,
            13: stream(b"<x:xmpmeta>reporter-xmp</x:xmpmeta>", b"/Type /Metadata /Subtype /XML"),
            14: b"<< /Type /Filespec /F (secret.txt) /EF << /F 15 0 R >> >>",
            15: stream(b"attached-secret", b"/Type /EmbeddedFile"),
            16: stream(b"<xdp:xdp><script>xfa-script</script></xdp:xdp>"),
            17: b"<< /Author (Zhang San) /Creator (WPS) /Producer (secret-producer) /Title (secret-title)"
            b" /CreationDate (D:20240102030405+08'00') >>",
            20: b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A 10 0 R >>",
            21: b"<< /Type /Annot /Subtype /Link /Rect [10 0 20 10]"
            b" /A << /S /URI /URI (https://example.org/evidence) /Next 10 0 R >> >>",
            22: b"<< /Type /Annot /Subtype /Text /Rect [20 0 30 10] /T (Zhang San) /Contents (look here)"
            b" /M (D:20240102030405+08'00') >>",
            23: b"<< /Type /Annot /Subtype /FileAttachment /Rect [30 0 40 10] /FS 14 0 R >>",
            24: b"<< /Type /Annot /Subtype /Link /Rect [40 0 50 10] /A << /S /Launch /F (calc.exe) >> >>",
            25: b"<< /Type /Annot /Subtype /Link /Rect [50 0 60 10] /A << /S /URI /URI (file://attacker/share) >> >>",
            26: b"<< /Type /Annot /Subtype /Link /Rect [60 0 70 10] /A << /S /URI /URI (JavaScript:alert\\(1\\)) >> >>",
            30: b"(orphan-secret)",
        },
        info=17,
    )


def test_pdf_loses_its_document_metadata_and_keeps_its_pages():
    original = simple_pdf(pages=3)
    assert PdfReader(io.BytesIO(original)).metadata["/Author"] == "张三"  # the test's premise

    result = sanitise(original, "病历.pdf")

    reader = PdfReader(io.BytesIO(result.content))
    assert len(reader.pages) == 3
    assert reader.metadata is None
    assert reader.xmp_metadata is None
    assert b"/Author" not in result.content
    assert b"pypdf" not in result.content
    assert (result.media_type, result.extension, result.display_name) == ("application/pdf", "pdf", "病历.pdf")


def test_pdf_loses_scripts_attachments_actions_and_authors_but_keeps_its_content():
    result = sanitise(hostile_pdf())

    content = result.content
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 2
    assert reader.metadata is None
    assert reader.attachments == {}
    for removed in (
        b"/JavaScript",
        b"/JS",
        b"/OpenAction",
        b"/AA",
        b"/Launch",
        b"calc.exe",
        b"/EmbeddedFile",
        b"/FileAttachment",
        b"attached-secret",
        b"/XFA",
        b"xfa-script",
        b"/Metadata",
        b"reporter-xmp",
        b"/PieceInfo",
        b"zhangsan",
        b"Zhang San",
        b"secret-producer",
        b"secret-title",
        b"orphan-secret",
        b"file://",
        b"alert",
    ):
        assert removed not in content, removed
    annotations = [annotation.get_object() for annotation in reader.pages[0]["/Annots"]]
    assert [annotation["/Subtype"] for annotation in annotations] == ["/Link", "/Link", "/Text"] + ["/Link"] * 3
    for stripped in (annotations[0], *annotations[3:]):
        assert "/A" not in stripped
    assert annotations[1]["/A"]["/URI"] == "https://example.org/evidence"
    assert "/Next" not in annotations[1]["/A"]
    assert annotations[2]["/Contents"] == "look here"
    assert not {"/T", "/M"} & set(annotations[2])


def test_photos_inside_a_pdf_lose_their_exif():
    assert b"ReporterPhone" in hostile_pdf()  # the test's premise: the JPEG went in unchanged

    content = sanitise(hostile_pdf()).content

    image_stream = PdfReader(io.BytesIO(content)).pages[0]["/Resources"]["/XObject"]["/Im0"].get_object()
    jpeg = image_stream.get_data()
    assert b"Exif" not in jpeg
    assert b"ReporterPhone" not in content
    assert opened(jpeg).size == (32, 24)


def test_jpeg_metadata_stripping_is_lossless_and_drops_appended_pictures():
    original = photo(comment=b"reporter comment")
    second_picture = photo(size=(8, 8))  # phones append a second picture (MPO) after the first

    stripped = strip_jpeg_metadata(original + second_picture)

    assert stripped.endswith(b"\xff\xd9")
    assert b"Exif" not in stripped and b"reporter comment" not in stripped
    assert opened(stripped).tobytes() == opened(original).tobytes()
    assert strip_jpeg_metadata(stripped) == stripped
    assert strip_jpeg_metadata(b"\xff\xd8\xff\xe1\x00") == b"\xff\xd8\xff\xe1\x00"  # cut short: left alone


def test_a_password_protected_pdf_is_refused():
    writer = PdfWriter(clone_from=io.BytesIO(simple_pdf()))
    writer.encrypt(user_password="open-sesame", owner_password="owner", algorithm="AES-256")

    assert refusal(pdf_from(writer)).code == "pdf_encrypted"


def test_a_pdf_with_only_an_owner_password_opens_for_anyone_and_is_accepted():
    writer = PdfWriter(clone_from=io.BytesIO(simple_pdf(pages=2)))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    original = pdf_from(writer)
    assert PdfReader(io.BytesIO(original)).is_encrypted  # the test's premise

    reader = PdfReader(io.BytesIO(sanitise(original).content))

    assert not reader.is_encrypted
    assert len(reader.pages) == 2
    assert reader.metadata is None


def test_html_before_the_pdf_header_is_refused():
    polyglot = b"<html><body><script>alert(1)</script></body></html>\n" + simple_pdf()

    assert refusal(polyglot, "report.pdf").code == "unsupported_type"


def test_bytes_after_the_pdf_do_not_survive():
    polyglot = simple_pdf() + zip_bomb() + b"<html><script>alert(1)</script></html>"

    content = sanitise(polyglot).content

    assert b"PK\x03\x04" not in content
    assert b"<script>" not in content
    assert content.rstrip().endswith(b"%%EOF")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"%PDF-1.7\n", id="header-only"),
        pytest.param(b"%PDF-1.7\n" + b"\x00garbage" * 100, id="garbage"),
        pytest.param(simple_pdf()[:400], id="truncated"),
        pytest.param(
            handmade_pdf({1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [] /Count 0 >>"}),
            id="no-pages",
        ),
        pytest.param(handmade_pdf({1: b"<< /Type /Catalog /Pages 1 0 R /Kids [1 0 R] /Count 1 >>"}), id="page-loop"),
    ],
)
def test_a_pdf_that_cannot_be_read_is_refused(data):
    assert refusal(data).code == "damaged"


def test_a_pdf_with_too_many_pages_is_refused(settings):
    settings.PORTAL_EVIDENCE_MAX_PDF_PAGES = 2

    rejected = refusal(simple_pdf(pages=3))

    assert rejected.code == "pdf_too_many_pages"
    assert rejected.params == {"limit": 2}


# --- names, batches, logs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "extension", "shown"),
    [
        ("../../x.jpg", "jpg", "x.jpg"),
        ("..\\..\\windows\\evil.pdf", "pdf", "evil.pdf"),
        ("C:\\Users\\张三\\Desktop\\医院收费单.PDF", "pdf", "医院收费单.pdf"),
        ("report.pdf", "png", "report.png"),
        ("收费单\u202egpj.exe", "jpg", "收费单gpj.jpg"),
        ("a\x00b\nc\r\td.png", "png", "abcd.png"),
        ('what?<is>*this|:".jpg', "jpg", "what__is__this___.jpg"),
        ("\u3000 spaced\u00a0 out .jpg", "jpg", "spaced out.jpg"),
        ("..", "jpg", "evidence.jpg"),
        ("/", "jpg", "evidence.jpg"),
        ("", "pdf", "evidence.pdf"),
        (".hidden", "png", "hidden.png"),
    ],
)
def test_display_names_are_harmless(filename, extension, shown):
    assert display_name(filename, extension) == shown


def test_long_names_are_cut():
    assert display_name("举" * 300 + ".jpg", "jpg") == "举" * 80 + ".jpg"


def test_sanitise_gives_a_harmless_display_name():
    assert sanitise(photo(), "../../x.jpg").display_name == "x.jpg"


def test_batches_are_checked_by_their_sizes(settings):
    settings.PORTAL_EVIDENCE_MAX_FILES = 3
    settings.PORTAL_EVIDENCE_MAX_BYTES = 100
    settings.PORTAL_EVIDENCE_MAX_TOTAL_BYTES = 250

    check_batch([])
    check_batch([100, 100, 50])
    for sizes, code in (
        ([1, 1, 1, 1], "too_many_files"),
        ([101], "too_large"),
        ([100, 100, 51], "total_too_large"),
    ):
        with pytest.raises(EvidenceRejected) as caught:
            check_batch(sizes)
        assert caught.value.code == code


def test_default_limits():
    limits = evidence.current_limits()

    assert (limits.max_files, limits.max_bytes, limits.max_total_bytes) == (10, 20 * 2**20, 50 * 2**20)
    assert (limits.max_pixels, limits.max_pdf_pages) == (50_000_000, 500)


def test_nothing_about_a_file_is_logged(caplog):
    # Pillow logs every EXIF tag at DEBUG and pypdf quotes objects in its warnings: the logging
    # settings keep both quiet whatever the root level.
    files = [photo(), hostile_pdf()]
    broken = [photo()[:300], b"%PDF-1.7\n" + b"\x00garbage" * 100, b"PK\x03\x04"]
    caplog.set_level(logging.DEBUG)

    for data in files:
        sanitise(data, "张三-secret-name.jpg")
    for data in broken:
        with pytest.raises(EvidenceRejected):
            sanitise(data, "张三-secret-name.jpg")

    assert [record.name for record in caplog.records if record.name.split(".")[0] in {"PIL", "pypdf", "reports"}] == []
    for fragment in ("张三", "secret-name", "ReporterPhone", "39", "garbage", "Zhang San"):
        assert fragment not in caplog.text

"""Evidence uploads are held in memory only: Django's default handler would spill a large file to
a temporary file on disk, unencrypted, where a crash or a disk image could keep it.

The handler stops storing a file once it is past the per-file limit (so a huge upload cannot fill
the memory) but keeps counting, so the form can refuse it with the real reason instead of failing.
The whole request is still bounded by the reverse proxy and by ``max_request_bytes``.

Django itself refuses some bodies while it parses them (more than ``DATA_UPLOAD_MAX_NUMBER_FILES``
files or ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` fields, text fields over ``DATA_UPLOAD_MAX_MEMORY_SIZE``,
a malformed multipart body). Left alone, those become Django's bare English 400 page; the channel
catches ``UNREADABLE_BODY`` and answers with ``body_refusal()`` instead. They are raised by the
first read of ``request.POST``, before anything is stored.
"""

from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import QueryDict, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from . import evidence

#: What Django raises when it will not read a request body (BadRequest: a form body that is not
#: UTF-8; UnreadablePostError: the client went away in the middle of sending it).
UNREADABLE_BODY = (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    MultiPartParserError,
    BadRequest,
    UnreadablePostError,
)


class OversizeUpload(InMemoryUploadedFile):
    """A file past the limit: its ``size`` is what was sent, its content is dropped."""


class EvidenceMemoryUploadHandler(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.max_file_bytes = settings.PORTAL_EVIDENCE_MAX_BYTES
        # Everything the evidence limits allow, plus room for the text fields.
        self.max_request_bytes = settings.PORTAL_EVIDENCE_MAX_TOTAL_BYTES + 2 * 1024 * 1024
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > self.max_request_bytes:
            # Too big to be a valid report: read nothing; the view answers with the limit.
            self.request.evidence_request_too_large = True
            return QueryDict(), MultiValueDict()
        return None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer = BytesIO()
        self.size = 0

    def receive_data_chunk(self, raw_data, start):
        self.size += len(raw_data)
        self.received += len(raw_data)
        if self.received > self.max_request_bytes:
            self.request.evidence_request_too_large = True
            raise StopUpload(connection_reset=False)
        if self.size <= self.max_file_bytes:
            self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size):
        oversize = self.size > self.max_file_bytes
        if oversize:
            self.buffer = BytesIO()
        self.buffer.seek(0)
        cls = OversizeUpload if oversize else InMemoryUploadedFile
        return cls(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=self.size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def use_memory_uploads(request) -> None:
    """Call before anything reads ``request.POST`` or ``request.FILES``."""
    request.evidence_request_too_large = False
    request.upload_handlers = [EvidenceMemoryUploadHandler(request)]


@dataclass(frozen=True)
class BodyRefusal:
    status: int
    title: str
    message: str


def body_refusal(error: Exception) -> BodyRefusal:
    """What to tell the sender of a body Django would not read (one of ``UNREADABLE_BODY``). Never
    quotes the body or Django's own (English) message."""
    title = _("The form could not be sent")
    if isinstance(error, TooManyFilesSent):
        # Choosing a whole folder of photos gets here; say the limit that matters to the reporter.
        message = evidence.MESSAGES["too_many_files"] % {"limit": evidence.current_limits().max_files}
        return BodyRefusal(400, title, message)
    if isinstance(error, RequestDataTooBig):
        message = _(
            "The form is larger than this site accepts. Please shorten the text or send fewer files, then try again."
        )
        return BodyRefusal(413, title, message)
    return BodyRefusal(400, title, _("The form arrived incomplete or damaged. Please go back and send it again."))

"""Evidence uploads are held in memory only: Django's default handler would spill a large file to
a temporary file on disk, unencrypted, where a crash or a disk image could keep it.

The handler stops storing a file once it is past the per-file limit (so a huge upload cannot fill
the memory) but keeps counting, so the form can refuse it with the real reason instead of failing.
The whole request is still bounded by the reverse proxy and by ``max_request_bytes``.
"""

from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict


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

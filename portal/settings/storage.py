"""Where uploaded media go: Wagtail's images (originals and renditions) and documents.

By default the filesystem under MEDIA_ROOT (or the class MEDIA_STORAGE_BACKEND names). With
PORTAL_S3_BUCKET set, an S3-compatible bucket through django-storages, so that every web node sees the
same files: MinIO, Ceph, or a cloud's object storage (Alibaba OSS, Huawei OBS, Tencent COS, AWS).

Report evidence never goes to media storage, whichever it is: reporters' files are sealed and stored
in the database with their report (reports/models.py).

    PORTAL_S3_BUCKET              bucket name (a DNS name: 3-63 of a-z 0-9 . -)
    PORTAL_S3_ENDPOINT_URL        http(s)://host[:port] of the service, e.g. http://minio.intranet:9000
    PORTAL_S3_ACCESS_KEY_ID       credentials of an account limited to that bucket
    PORTAL_S3_SECRET_ACCESS_KEY
    PORTAL_S3_REGION              optional (MinIO accepts any; OSS, OBS and AWS name theirs)
    PORTAL_S3_ADDRESSING_STYLE    optional: path (the default, what MinIO expects) or virtual
                                  (bucket.host, which OSS requires)

All four of the first are needed together; any of them without the bucket, or the bucket without
the rest, refuses to start rather than fall back silently to the local disk of one node.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

FILESYSTEM_BACKEND = "django.core.files.storage.FileSystemStorage"
S3_BACKEND = "storages.backends.s3.S3Storage"

REQUIRED = ("PORTAL_S3_BUCKET", "PORTAL_S3_ENDPOINT_URL", "PORTAL_S3_ACCESS_KEY_ID", "PORTAL_S3_SECRET_ACCESS_KEY")
OPTIONAL = ("PORTAL_S3_REGION", "PORTAL_S3_ADDRESSING_STYLE")
ADDRESSING_STYLES = ("path", "virtual")
# S3's bucket naming rules: also a valid host name label sequence, as virtual-host addressing needs.
_BUCKET = re.compile(r"^(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)(?!.*\.-)(?!.*-\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# Signed media URLs must outlive a public page that holds them in the shared page cache
# (PORTAL_PAGE_CACHE_SECONDS); an hour more leaves a reader time to click.
URL_LIFETIME_MARGIN_SECONDS = 3600


@dataclass(frozen=True)
class MediaStorage:
    """``storage`` is STORAGES["default"]; ``csp_origins`` the origins media URLs point at, which
    the Content Security Policy must allow for images (none for the filesystem: same origin)."""

    storage: dict
    csp_origins: tuple[str, ...] = ()


def _read(environ: Mapping[str, str], name: str) -> str:
    return (environ.get(name) or "").strip()


def _refuse(message: str) -> None:
    raise ImproperlyConfigured(f"Media storage: {message}")


def media_storage(environ: Mapping[str, str] | None = None, *, page_cache_seconds: int = 0) -> MediaStorage:
    """The media storage the environment (os.environ by default) asks for; ImproperlyConfigured when
    it is half-configured."""
    environ = os.environ if environ is None else environ
    values = {name: _read(environ, name) for name in (*REQUIRED, *OPTIONAL)}
    backend = _read(environ, "MEDIA_STORAGE_BACKEND")
    if not values["PORTAL_S3_BUCKET"]:
        stray = [name for name, value in values.items() if value]
        if stray:
            _refuse(
                f"{', '.join(stray)} {'is' if len(stray) == 1 else 'are'} set but PORTAL_S3_BUCKET is not. "
                "Set PORTAL_S3_BUCKET (with PORTAL_S3_ENDPOINT_URL, PORTAL_S3_ACCESS_KEY_ID and "
                "PORTAL_S3_SECRET_ACCESS_KEY) to keep media in object storage, or unset them to keep media "
                "under MEDIA_ROOT."
            )
        return MediaStorage({"BACKEND": backend or FILESYSTEM_BACKEND})

    missing = [name for name in REQUIRED if not values[name]]
    if missing:
        _refuse(
            f"PORTAL_S3_BUCKET is set but {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not; "
            f"object storage needs all of {', '.join(REQUIRED)}."
        )
    if backend and backend != S3_BACKEND:
        _refuse(f"MEDIA_STORAGE_BACKEND names {backend} but PORTAL_S3_BUCKET asks for {S3_BACKEND}; unset one.")
    bucket = values["PORTAL_S3_BUCKET"]
    if not _BUCKET.match(bucket):
        _refuse(
            f"PORTAL_S3_BUCKET {bucket!r} is not a valid bucket name: 3 to 63 lowercase letters, digits, "
            "dots and hyphens, starting and ending with a letter or digit."
        )
    endpoint = urlsplit(values["PORTAL_S3_ENDPOINT_URL"])
    try:
        endpoint.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        endpoint = endpoint._replace(scheme="")
    if (
        endpoint.scheme not in ("http", "https")
        or not endpoint.hostname
        or endpoint.path not in ("", "/")
        or endpoint.query
        or endpoint.fragment
        or endpoint.username
    ):
        given = values["PORTAL_S3_ENDPOINT_URL"]
        # Credentials written into the URL are not repeated into a log.
        shown = "a URL with credentials in it" if "@" in given else repr(given)
        _refuse(f"PORTAL_S3_ENDPOINT_URL must be http(s)://host[:port] with nothing after it, got {shown}.")
    style = values["PORTAL_S3_ADDRESSING_STYLE"] or "path"
    if style not in ADDRESSING_STYLES:
        _refuse(f"PORTAL_S3_ADDRESSING_STYLE must be one of {', '.join(ADDRESSING_STYLES)}, got {style!r}.")

    origin_host = endpoint.netloc if style == "path" else f"{bucket}.{endpoint.netloc}"
    options = {
        "bucket_name": bucket,
        "endpoint_url": f"{endpoint.scheme}://{endpoint.netloc}",
        "access_key": values["PORTAL_S3_ACCESS_KEY_ID"],
        "secret_key": values["PORTAL_S3_SECRET_ACCESS_KEY"],
        "region_name": values["PORTAL_S3_REGION"] or None,
        "addressing_style": style,
        "signature_version": "s3v4",
        # Objects stay private (the bucket's own policy); readers get signed, expiring URLs, so a
        # document in a restricted collection is reachable only through Wagtail's checked view.
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": max(0, page_cache_seconds) + URL_LIFETIME_MARGIN_SECONDS,
        # Two uploads named photo.jpg must not replace each other (django-storages overwrites by
        # default; Wagtail relies on the storage to find a free name).
        "file_overwrite": False,
    }
    return MediaStorage({"BACKEND": S3_BACKEND, "OPTIONS": options}, (f"{endpoint.scheme}://{origin_host}",))

#!/usr/bin/env bash
# backup.sh: back up the portal's PostgreSQL database and its media folder.
#
#   deploy/backup.sh [--env-file /etc/portal/portal.env] [--no-media] DEST_DIR
#
# Writes DEST_DIR/portal-<UTC time>/ with
#   database.dump   pg_dump, custom format (restore with deploy/restore.sh or pg_restore)
#   media.tar.gz    the files under MEDIA_ROOT (Wagtail images and documents)
#   info.txt        when and with which pg_dump it was made
#   SHA256SUMS      checksums of the above, checked by restore.sh before it touches anything
# and prints that folder's path as its last line. The folder appears only once complete (it is
# written as <name>.partial and renamed), and is readable by its owner only.
#
# DATABASE_URL (postgres://user:password@host:port/name) and MEDIA_ROOT come from the environment,
# as for the portal itself, or from --env-file. The database is dumped first, then the media: a file
# a dumped row names was written before its row, so it is in the tar.
#
# NOT in the backup, on purpose: the keyring and the receipt keys. Report content and evidence are
# in the database, encrypted; the keyring opens them, so it is kept apart (offline, other custody):
# a stolen backup must reveal no report. Restoring needs the keyring, the receipt keys and the same
# PORTAL_CODE_PEPPER (reporters' tracking codes are looked up under it).
#
# With media on object storage (PORTAL_S3_BUCKET set), MEDIA_ROOT holds nothing: back the bucket up
# with the storage's own versioning or replication and run this with --no-media.
set -euo pipefail

# shellcheck source=deploy/options.sh
. "$(dirname "$0")/options.sh"
parse_options "destination folder" "$@"
dest=$target
if [ "$with_media" -eq 1 ]; then
    [ -z "${PORTAL_S3_BUCKET:-}" ] || die "media are on object storage (PORTAL_S3_BUCKET): back the bucket up with the storage's own tools and run with --no-media"
    [ -n "${MEDIA_ROOT:-}" ] || die "MEDIA_ROOT is not set (or run with --no-media)"
    [ -d "$MEDIA_ROOT" ] || die "MEDIA_ROOT $MEDIA_ROOT is not a folder"
fi
command -v pg_dump >/dev/null || die "pg_dump is missing (apt-get install postgresql-client)"

umask 077
mkdir -p "$dest"
name="portal-$(date -u +%Y%m%dT%H%M%SZ)"
target="$dest/$name"
work="$target.partial"
[ ! -e "$target" ] && [ ! -e "$work" ] || die "$target already exists; wait a second and run again"
mkdir "$work"
trap 'rm -rf "$work"' EXIT

# Never prompts: the password comes from the URL, PGPASSWORD or ~/.pgpass.
pg_dump --format=custom --compress=6 --no-password --dbname="$DATABASE_URL" --file="$work/database.dump"
# A dump that pg_restore cannot read is not a backup.
pg_restore --list "$work/database.dump" >/dev/null

files=(database.dump)
if [ "$with_media" -eq 1 ]; then
    tar --create --gzip --file="$work/media.tar.gz" --directory="$MEDIA_ROOT" .
    files+=(media.tar.gz)
fi

{
    echo "created: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "pg_dump: $(pg_dump --version)"
    echo "media: $([ "$with_media" -eq 1 ] && echo included || echo "not included (--no-media)")"
    echo "keyring: not included; restore needs it, the receipt keys and the same PORTAL_CODE_PEPPER"
} >"$work/info.txt"
files+=(info.txt)
(cd "$work" && sha256sum -- "${files[@]}" >SHA256SUMS)

mv "$work" "$target"
trap - EXIT
echo "$target"

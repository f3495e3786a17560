#!/usr/bin/env bash
# restore.sh: restore a backup made by deploy/backup.sh into a FRESH database and media folder.
#
#   deploy/restore.sh [--env-file FILE] [--no-media] BACKUP_DIR
#
# DATABASE_URL names the database to restore into: it must exist and be empty (createdb -O portal
# portal_restored). MEDIA_ROOT names the media folder: absent or empty. Both come from the
# environment or from --env-file. The script refuses anything else: it never writes over a live
# portal. It checks the backup's SHA256SUMS first, unpacks the media beside MEDIA_ROOT, restores the
# database in a single transaction (all or nothing), then moves the media into place.
#
# Then, with the keyring (not in the backup: see backup.sh), on the staff tier:
#   manage.py migrate              # only if this code is newer than the backup
#   manage.py reportkeys check     # every report and evidence file opens
#   manage.py verify_audit         # the chain holds; compare its last sequence and hash with the
#                                  # ones recorded when the backup was made
# and point the portal's DATABASE_URL and MEDIA_ROOT at the restored copies.
set -euo pipefail

# shellcheck source=deploy/options.sh
. "$(dirname "$0")/options.sh"
parse_options "backup folder" "$@"
backup=$target
for tool in pg_restore psql sha256sum tar; do
    command -v "$tool" >/dev/null || die "$tool is missing"
done

# 1. The backup is whole and unchanged.
[ -f "$backup/SHA256SUMS" ] && [ -f "$backup/database.dump" ] || die "$backup is not a backup made by backup.sh"
(cd "$backup" && sha256sum --check --quiet --strict SHA256SUMS) ||
    die "the backup's checksums do not match: it is damaged or was changed; nothing was restored"
if [ "$with_media" -eq 1 ]; then
    [ -f "$backup/media.tar.gz" ] || die "this backup has no media (made with --no-media): run with --no-media"
    [ -n "${MEDIA_ROOT:-}" ] || die "MEDIA_ROOT is not set (or run with --no-media)"
    if [ -e "$MEDIA_ROOT" ] && [ -n "$(ls -A "$MEDIA_ROOT")" ]; then
        die "MEDIA_ROOT $MEDIA_ROOT is not empty; restore into a fresh folder"
    fi
fi

# 2. The target database is empty: no table, view or sequence of any user schema.
objects=$(psql --no-psqlrc --no-password --quiet --tuples-only --no-align --dbname="$DATABASE_URL" --command \
    "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'") ||
    die "cannot connect to the target database (create it first: createdb -O <owner> <name>)"
[ "$objects" = "0" ] || die "the target database is not empty ($objects objects); restore into a fresh database"

# 3. Media unpacked beside their place first, so a broken archive stops us before the database.
staging=""
if [ "$with_media" -eq 1 ]; then
    mkdir -p "$(dirname "$MEDIA_ROOT")"
    staging=$(mktemp -d "$(dirname "$MEDIA_ROOT")/.restoring-media.XXXXXX")
    trap 'rm -rf "$staging"' EXIT
    tar --extract --gzip --file="$backup/media.tar.gz" --directory="$staging" --no-same-owner
fi

# 4. The database, all or nothing. Objects belong to the user restoring (the portal's owner role).
pg_restore --no-password --no-owner --no-privileges --exit-on-error --single-transaction \
    --dbname="$DATABASE_URL" "$backup/database.dump"

# 5. The media into place.
if [ "$with_media" -eq 1 ]; then
    if [ -d "$MEDIA_ROOT" ]; then rmdir "$MEDIA_ROOT"; fi
    mv "$staging" "$MEDIA_ROOT"
    trap - EXIT
fi

echo "Restored $backup into the database of DATABASE_URL$([ "$with_media" -eq 1 ] && echo " and $MEDIA_ROOT")."
echo "Next, with the keyring: manage.py reportkeys check, then manage.py verify_audit (compare the last sequence and hash)."

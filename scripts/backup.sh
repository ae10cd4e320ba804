#!/usr/bin/env bash
# Back up the database (pg_dump, custom format) and the media files (tar) into one folder.
#
#   DATABASE_URL=postgres://... MEDIA_ROOT=/srv/media scripts/backup.sh [DEST_DIR]
#
# Prints the folder it wrote: db.dump, media.tar.gz and SHA256SUMS. Run it from cron or a
# Celery-beat-independent timer on ONE machine; copy the folder off the machine.
set -euo pipefail
: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to back up}"
MEDIA_ROOT=${MEDIA_ROOT:-$(cd "$(dirname "$0")/.." && pwd)/var/media}
DEST_ROOT=${1:-$(cd "$(dirname "$0")/.." && pwd)/var/backups}
DEST="$DEST_ROOT/$(date -u +%Y%m%dT%H%M%SZ)-$$"
mkdir -p "$DEST"
# A consistent snapshot (pg_dump runs in one repeatable-read transaction); no owners or
# grants, so it restores into any role's database.
pg_dump --format=custom --no-owner --no-acl --file "$DEST/db.dump" "$DATABASE_URL"
mkdir -p "$MEDIA_ROOT"
tar -C "$MEDIA_ROOT" -czf "$DEST/media.tar.gz" .
(cd "$DEST" && sha256sum db.dump media.tar.gz > SHA256SUMS)
echo "$DEST"

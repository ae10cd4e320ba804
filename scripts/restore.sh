#!/usr/bin/env bash
# Restore a folder written by scripts/backup.sh into an EMPTY database and media folder.
#
#   DATABASE_URL=postgres://.../fresh MEDIA_ROOT=/srv/media scripts/restore.sh BACKUP_DIR
#
# Checks the checksums first; stops at the first error (nothing half-restored is reported
# as success). Then run `manage.py migrate` (a no-op if the code matches the backup).
set -euo pipefail
BACKUP=${1:?usage: scripts/restore.sh BACKUP_DIR}
: "${DATABASE_URL:?DATABASE_URL must name the (empty) database to restore into}"
MEDIA_ROOT=${MEDIA_ROOT:?MEDIA_ROOT must name the folder to restore the media files into}
(cd "$BACKUP" && sha256sum --check --quiet SHA256SUMS)
pg_restore --no-owner --no-acl --exit-on-error --dbname "$DATABASE_URL" "$BACKUP/db.dump"
mkdir -p "$MEDIA_ROOT"
tar -C "$MEDIA_ROOT" -xzf "$BACKUP/media.tar.gz"
echo "restored $BACKUP"

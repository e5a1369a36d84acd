from django.core.management.base import BaseCommand, CommandError

from yewu.common import backup


class Command(BaseCommand):
    help = "Back up the whole database to PATH (SQLite: online backup API; PostgreSQL: pg_dump custom format)"

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, path, **opts):
        try:
            out = backup.backup(path)
        except backup.BackupError as e:
            raise CommandError(str(e)) from None
        stats = backup.table_fingerprints()
        rows = sum(n for n, _ in stats.values())
        self.stdout.write(f"backed up {backup.vendor()} database: {len(stats)} tables, {rows} rows -> {out} "
                          f"({out.stat().st_size} bytes)")

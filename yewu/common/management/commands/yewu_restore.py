from django.core.management.base import BaseCommand, CommandError

from yewu.common import backup


class Command(BaseCommand):
    help = ("Replace the whole database with the backup at PATH (made by `yewu backup`). "
            "Stop `yewu serve` and the workers first.")

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, path, yes=False, **opts):
        if not yes:
            answer = input(f"Replace every table of the {backup.vendor()} database with {path}? Type yes: ")
            if answer.strip().lower() != "yes":
                raise CommandError("not restored")
        try:
            backup.restore(path)
        except backup.BackupError as e:
            raise CommandError(str(e)) from None
        stats = backup.table_fingerprints()
        rows = sum(n for n, _ in stats.values())
        self.stdout.write(f"restored {path}: {len(stats)} tables, {rows} rows")

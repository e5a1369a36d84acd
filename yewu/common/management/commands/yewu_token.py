from django.core.management.base import BaseCommand, CommandError

from yewu.org.models import ApiToken, User


class Command(BaseCommand):
    help = "Print a new API bearer token for USERNAME"

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, username, **opts):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}")
        self.stdout.write(ApiToken.issue(user))

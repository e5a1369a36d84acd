from django.core.management.base import BaseCommand, CommandError

from yewu.org.models import Role, Team, User


class Command(BaseCommand):
    help = "Create (or update) a user with roles"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--roles", required=True, help="comma-separated role codes, e.g. SP or SM,SP")
        parser.add_argument("--name", default="")
        parser.add_argument("--team", default="")
        parser.add_argument("--password", default=None)

    def handle(self, username, roles, name, team, password, **opts):
        codes = [r.strip().upper() for r in roles.split(",") if r.strip()]
        bad = [c for c in codes if c not in Role.values]
        if bad:
            raise CommandError(f"unknown role(s) {bad}; valid: {', '.join(Role.values)}")
        user, created = User.objects.get_or_create(username=username)
        user.roles = codes
        user.display_name = name or user.display_name
        if team:
            t = Team.objects.filter(name=team).first()
            if t is None:
                raise CommandError(f"no team {team!r}")
            user.team = t
        if "SYS" in codes:
            user.is_staff = user.is_superuser = True
        if password:
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        user.save()
        self.stdout.write(f"{'created' if created else 'updated'} {username} roles={codes}")

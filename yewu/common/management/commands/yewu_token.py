from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from yewu.org import tokens
from yewu.org.models import User


class Command(BaseCommand):
    help = ("Print a new API bearer token for USERNAME (valid --days days); --list USERNAME shows a user's tokens; "
            "--revoke TOKEN|ID|PREFIX revokes one, --revoke all USERNAME every token of the user")

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?")
        parser.add_argument("--days", type=int, default=None,
                            help=f"lifetime in days, 1–{tokens.MAX_DAYS} (default YEWU_TOKEN_DAYS, 90)")
        parser.add_argument("--list", action="store_true", help="list USERNAME's tokens")
        parser.add_argument("--revoke", metavar="TOKEN|ID|PREFIX|all",
                            help="revoke a token (the token itself, its id or its prefix as --list shows it), "
                                 "or all tokens of USERNAME")

    def _user(self, username, active=True):
        if not username:
            raise CommandError("USERNAME is required")
        qs = User.objects.filter(username=username)
        user = (qs.filter(is_active=True) if active else qs).first()
        if user is None:
            raise CommandError(f"no {'active ' if active else ''}user {username!r}")
        return user

    def handle(self, username=None, days=None, list=False, revoke=None, **opts):
        if list:
            self._list(self._user(username, active=False))
        elif revoke:
            if revoke == "all":
                n = tokens.revoke_all(self._user(username, active=False), "yewu token --revoke all")
            else:
                found = tokens.find(revoke)
                if username:
                    found = [t for t in found if t.user.username == username]
                if not found:
                    raise CommandError(f"no token matches {revoke!r}")
                n = tokens.revoke(found, "yewu token --revoke")
            self.stdout.write(f"revoked {n} token(s)")
        else:
            user = self._user(username)
            try:
                raw, _ = tokens.issue(user, days=days)
            except ValueError as e:
                raise CommandError(str(e)) from None
            self.stdout.write(raw)

    def _list(self, user):
        now = timezone.now()
        rows = tokens.list_for(user)
        if not rows:
            self.stdout.write(f"{user.username}: no tokens")
            return
        fmt = "{:>6}  {:<9}  {:<16}  {:<16}  {:<16}  {}"
        self.stdout.write(fmt.format("id", "prefix", "created", "expires", "last used", "state"))

        def t(v):
            return timezone.localtime(v).strftime("%Y-%m-%d %H:%M") if v else "-"

        for tok in rows:
            st = tokens.state(tok, now)
            if st == "revoked":
                st += f" {t(tok.revoked_at)} ({tok.revoked_reason})"
            self.stdout.write(fmt.format(tok.pk, tok.prefix + "…", t(tok.created_at), t(tok.expires_at),
                                         t(tok.last_used_at), st))

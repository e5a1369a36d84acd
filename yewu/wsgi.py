import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yewu.settings")
application = get_wsgi_application()

from yewu.common.security import require_secret_key  # noqa: E402  (needs settings, loaded just above)

require_secret_key()

import os

from django.core.asgi import get_asgi_application

from drcp_multi.lifecycle import LifespanApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.ops.served.settings")
application = LifespanApp(get_asgi_application())

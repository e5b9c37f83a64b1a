"""zhike's development settings with one extra URL: the framework's floor.

    DJANGO_SETTINGS_MODULE=floor_settings ZHIKE_DEBUG=0 \
        uv run gunicorn zhike.wsgi --pythonpath bench/floor -w 3 -b 127.0.0.1:8768
"""

from zhike.settings.dev import *  # noqa: F403

ROOT_URLCONF = "floor_urls"

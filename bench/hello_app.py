"""The portal plus one bare "hello" route, for bench/pages.py only (never the production app).

bench/pages.py prints each page's throughput as a fraction of this route's.
The route lives in the same app, so it pays everything every request pays
(session cookie, the access check of portal/access.py, security headers) and
nothing else: no database, no template, no user to load (its policy is
public, so the access check never asks who the caller is). gunicorn serves
it as ``hello_app:create_app()`` with ``--pythonpath bench``.
"""
from portal import access
from portal import create_app as create_portal

HELLO = "/bench/hello"


def create_app(config=None):
    """``portal.create_app(config)`` with :data:`HELLO` added."""
    app = create_portal(config)

    @app.route(HELLO)
    @access.public
    def bench_hello():
        """The floor: a Flask view returning a constant."""
        return "hello"

    return app

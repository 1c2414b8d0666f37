"""The planner workbench behind ``staffline serve``: a local web page and REST API over the library.

Each instance folder directly under the served directory is a branch. A plan
request becomes a row in an embedded database (:mod:`staffline.web.store`)
and a job in a worker process (:mod:`staffline.web.jobs`) that calls
``staffline.api.plan`` and writes the output set atomically; the page
(``static/``) and other services read the same JSON API
(:mod:`staffline.web.app`). Nothing in the library imports this package.
"""

from staffline.web.app import create_app

__all__ = ["create_app"]

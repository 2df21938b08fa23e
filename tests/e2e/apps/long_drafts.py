"""The real function_app.py with one test-only change: the offline model's first drafts are about 30,000
characters long (see tests/long_article_drafts.py). Run it with `python -m devhost --app tests.e2e.apps.long_drafts`."""

from agents.offline import writing
from tests.long_article_drafts import long_article_draft

writing.article_draft = long_article_draft

from function_app import app  # noqa: E402  (after the swap: the app is built on import)

__all__ = ["app"]

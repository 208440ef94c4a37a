"""Discovery: from one URL of a site to a `[[sources]]` configuration for it.

`links` reads a page's links (languages, article URL shapes, the next page), `template`
compares article pages of one template (title, date, body, chrome), `crawl` fetches what
they need within a page budget, and `block` writes the commented configuration.
"""

from feeds.discover.crawl import Discovery, Guess, LanguageFinding, discover_site

__all__ = ["Discovery", "Guess", "LanguageFinding", "discover_site"]

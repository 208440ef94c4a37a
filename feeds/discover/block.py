"""A discovery as a commented `[[sources]]` block of config.toml: each inferred value with
how sure it is and what to check, ready to paste or append."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from feeds.discover.crawl import Discovery, Guess, LanguageFinding
from feeds.sources import DEFAULT_REMOVE


class WriteRefused(Exception):
    """The block was not written; the message says why, in one line."""


def _string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def _comment(guess: Guess | None, indent: str = "") -> list[str]:
    if guess is None:
        return []
    lines = [f"{indent}# {guess.sure}: {guess.evidence}"]
    if guess.check:
        lines.append(f"{indent}#   check: {guess.check}")
    return lines


def _listing(finding: LanguageFinding) -> str:
    url = finding.listing.value if finding.listing is not None else ""
    # Without {page} the walk follows the page's next link, which discovery saw: say it is
    # meant, so `config check` does not warn about it.
    paging = ', paging = "next-link"' if "{page}" not in url and finding.max_pages > 1 else ""
    return (f"{{ url = {_string(url)}, first_page = {finding.first_page}, "
            f"max_pages = {finding.max_pages}{paging} }}")


def source_block(found: Discovery) -> str:
    lines = [
        f"# Written by `feedbot discover {found.start_url}` from {found.pages_fetched} pages.",
        "# Each value says how sure discovery is (sure, likely, guess) and what to check;",
        "# try it with `feedbot preview URL --config FILE` and `feedbot check --config FILE`.",
        "[[sources]]",
        f"name = {_string(found.name)}",
        f"title = {_string(found.title)}",
        f"url = {_string(found.home_url)}",
    ]
    if found.language_form:
        lines.append(f"# Languages told apart by: {found.language_form}")
    for note in found.notes:
        lines.append(f"# note: {note}")
    if found.link_selector is not None:
        lines += _comment(found.link_selector)
        lines.append(f"link_selector = {_string(found.link_selector.value)}")
    if found.link_pattern is not None:
        lines += _comment(found.link_pattern)
        lines.append(f"link_pattern = {_string(found.link_pattern.value)}")
    if found.remove_extra:
        lines.append("# Blocks inside the body that repeat on every article (share bars, "
                     "'see also'):")
        lines.append("# removed, with the defaults.")
        items = ", ".join(_string(s) for s in (*DEFAULT_REMOVE, *found.remove_extra))
        lines.append(f"remove = [{items}]")
    by_feed = [f for f in found.languages if f.use_feed is not None and f.use_feed.sure == "sure"]
    scraped = [f for f in found.languages if f.listing is not None and f not in by_feed]
    if scraped:
        lines.append("[sources.listings]")
    for finding in scraped:
        lines.append(f"# {finding.lang}: found by {finding.found_by}")
        lines += _comment(finding.listing)
        if finding.pagination is not None and finding.pagination.value:
            lines.append(f"# pagination: {finding.pagination.evidence}")
        elif finding.pagination is not None:
            lines += _comment(finding.pagination)
        lines.append(f"{finding.lang} = {_listing(finding)}")
        if finding.feed_url:
            lines.append(f"# The site's {finding.lang} feed, {finding.feed_url}, is not used: "
                         + (finding.use_feed.evidence if finding.use_feed else "not compared"))
    if by_feed:
        lines.append("[sources.feeds]")
    for finding in by_feed:
        lines.append(f"# {finding.lang}: found by {finding.found_by}")
        lines += _comment(finding.use_feed)
        lines.append(f"{finding.lang} = {_string(finding.feed_url or '')}")
        if finding.listing is not None:
            lines.append("# The listing, to scrape instead (older articles too): under "
                         "[sources.listings],")
            lines.append(f"# {finding.lang} = {_listing(finding)}")
    chosen = {k: g for k, g in found.selectors.items() if g.value}
    if chosen:
        lines.append("[sources.selectors]")
        for key in ("title", "date", "body"):
            guess = found.selectors.get(key)
            if guess is None:
                continue
            lines += _comment(guess)
            if guess.value:
                lines.append(f"{key} = {_string(guess.value)}")
            else:
                lines.append(f"# {key}: none found; the default is used")
    return "\n".join(lines) + "\n"


def write_block(path: Path, block: str, name: str) -> str:
    """Append the block to `path` (created if missing), keeping everything already there;
    refused when the file is not valid TOML or already has a source of that name."""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise WriteRefused(f"{path} is not valid TOML ({exc}); nothing written") from None
        names = [s.get("name") for s in data.get("sources", []) if isinstance(s, dict)]
        if name in names:
            raise WriteRefused(f"{path} already has a source named {name!r}; nothing written "
                               "(choose another with --name, or remove that source first)")
        separator = "" if text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
        with path.open("a", encoding="utf-8") as out:
            out.write(separator + block)
        return f"appended source {name!r} to {path}"
    path.write_text(block, encoding="utf-8")
    return f"wrote source {name!r} to {path} (a new file)"

"""The people who follow names in private chats: chat id, language, followed phrases.

Nothing else about a user is stored (no name, no username, no message text). Forgetting
a chat (`/stop`, a 403 "blocked", `feedbot followers purge`) deletes its rows here, every
outbox row addressed to it (sent or not) and what delivery noted about it (a 429 wait,
operator alerts naming it), in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    ForeignKey,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    select,
)

from bot.alerts import notices, problems
from bot.follow_match import ArticleText, phrase_key
from bot.outbox import chat_waits, outbox
from feeds.models import Article

# The tables as the queries see them; migration 0006_private_followers creates them.
metadata = MetaData()

followers = Table(
    "followers",
    metadata,
    Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
    Column("lang", String(10), nullable=False),
)

followed = Table(
    "followed",
    metadata,
    Column("chat_id", BigInteger, ForeignKey("followers.chat_id", ondelete="CASCADE"),
           primary_key=True),
    # The phrase's normalised words (bot.follow_match.phrase_key): what is matched, and
    # what makes two spellings of one name one entry.
    Column("phrase_key", String(300), primary_key=True),
    Column("phrase", Text, nullable=False),  # as the user wrote it, for /following
)


class TooMany(Exception):
    """The chat already follows the most phrases it may."""


@dataclass(frozen=True)
class Follower:
    chat_id: int
    lang: str
    phrases: tuple[str, ...]


def is_private_chat(chat: str) -> bool:
    """A user's private chat has a positive numeric id (groups and channels are negative,
    public ones are @names): the outbox tells follower alerts from channel posts by it."""
    return chat.isdigit()


class FollowerStore:
    """Reads and writes followers; every method commits on its own except
    `chats_mentioned_in`, which reads on the connection it is given."""

    def __init__(self, engine: Engine, max_phrases: int = 20) -> None:
        self.engine = engine
        self.max_phrases = max_phrases
        self._text: tuple[tuple[str, str], ArticleText] | None = None

    def language(self, chat_id: int) -> str | None:
        with self.engine.connect() as conn:
            lang: str | None = conn.execute(select(followers.c.lang).where(
                followers.c.chat_id == chat_id)).scalar()
        return lang

    def set_language(self, chat_id: int, lang: str) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(followers.update().where(
                followers.c.chat_id == chat_id).values(lang=lang)).rowcount
            if not done:
                conn.execute(followers.insert().values(chat_id=chat_id, lang=lang))

    def follow(self, chat_id: int, phrases: Iterable[str]) -> list[str]:
        """Add phrases (the chat has a language); returns those that were new. Raises
        TooMany, adding none, when they would take the chat over `max_phrases`."""
        wanted: dict[str, str] = {}
        for phrase in phrases:
            key = phrase_key(phrase)
            if key and key not in wanted:
                wanted[key] = " ".join(phrase.split())
        with self.engine.begin() as conn:
            have = {r.phrase_key for r in conn.execute(select(followed.c.phrase_key).where(
                followed.c.chat_id == chat_id))}
            new = {k: p for k, p in wanted.items() if k not in have}
            if len(have) + len(new) > self.max_phrases:
                raise TooMany(f"{len(have)} followed, at most {self.max_phrases}")
            for key, phrase in new.items():
                conn.execute(followed.insert().values(chat_id=chat_id, phrase_key=key,
                                                      phrase=phrase))
        return list(new.values())

    def unfollow(self, chat_id: int, phrases: Iterable[str]) -> list[str]:
        """Remove phrases (matched by their normalised form); returns those removed."""
        keys = {phrase_key(p) for p in phrases} - {""}
        removed = []
        with self.engine.begin() as conn:
            for row in conn.execute(select(followed).where(
                    followed.c.chat_id == chat_id, followed.c.phrase_key.in_(keys))).all():
                removed.append(row.phrase)
            conn.execute(delete(followed).where(followed.c.chat_id == chat_id,
                                                followed.c.phrase_key.in_(keys)))
        return removed

    def following(self, chat_id: int) -> list[str]:
        with self.engine.connect() as conn:
            return [r.phrase for r in conn.execute(select(followed.c.phrase).where(
                followed.c.chat_id == chat_id).order_by(followed.c.phrase))]

    def forget(self, chat_id: int) -> bool:
        """Delete everything stored about the chat: its follower row, its phrases, every
        outbox row addressed to it. True when there was something to delete."""
        with self.engine.begin() as conn:
            # Explicit, not left to ON DELETE CASCADE: SQLite enforces foreign keys only
            # when a connection asks it to.
            conn.execute(delete(followed).where(followed.c.chat_id == chat_id))
            posts = conn.execute(delete(outbox).where(outbox.c.chat == str(chat_id))).rowcount
            # What delivery noted about the chat: a 429's wait, refusals told to the operator.
            conn.execute(delete(chat_waits).where(chat_waits.c.chat == str(chat_id)))
            for prefix in (f"chat:{chat_id}:", f"post:{chat_id}:"):
                conn.execute(delete(problems).where(problems.c.key.startswith(prefix)))
                conn.execute(delete(notices).where(notices.c.key.startswith(prefix)))
            gone = conn.execute(delete(followers).where(
                followers.c.chat_id == chat_id)).rowcount
        return bool(gone or posts)

    def forget_all(self) -> int:
        """Delete every follower (and their alerts); returns how many there were."""
        with self.engine.begin() as conn:
            ids = [r.chat_id for r in conn.execute(select(followers.c.chat_id))]
            conn.execute(delete(followed))
            chats = [str(i) for i in ids]
            for start in range(0, len(chats), 500):
                some = chats[start:start + 500]
                conn.execute(delete(outbox).where(outbox.c.chat.in_(some)))
                conn.execute(delete(chat_waits).where(chat_waits.c.chat.in_(some)))
            named = set(chats)
            for table in (problems, notices):  # keys "chat:<id>:..." and "post:<id>:..."
                keys = [key for key in conn.execute(select(table.c.key).where(
                    table.c.key.startswith("chat:") | table.c.key.startswith("post:"))).scalars()
                        if key.split(":")[1] in named]
                for start in range(0, len(keys), 500):
                    conn.execute(delete(table).where(table.c.key.in_(keys[start:start + 500])))
            conn.execute(delete(followers))
        return len(ids)

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(followers)).scalar_one())

    def export(self) -> list[Follower]:
        """Everything stored, for `feedbot followers export`."""
        with self.engine.connect() as conn:
            langs = {r.chat_id: r.lang for r in conn.execute(select(followers))}
            phrases: dict[int, list[str]] = {}
            for row in conn.execute(select(followed).order_by(followed.c.phrase)):
                phrases.setdefault(row.chat_id, []).append(row.phrase)
        return [Follower(chat_id, lang, tuple(phrases.get(chat_id, ())))
                for chat_id, lang in sorted(langs.items())]

    def names_in(self, chat_id: int, article: Article) -> list[str]:
        """The phrases `chat_id` follows that `article` mentions, as the user wrote them."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(followed.c.phrase_key, followed.c.phrase).join(
                followers, followers.c.chat_id == followed.c.chat_id).where(
                followed.c.chat_id == chat_id, followers.c.lang == article.lang).order_by(
                followed.c.phrase)).all()
        if not rows:
            return []
        fingerprint = (article.key, article.content_hash())
        if self._text is None or self._text[0] != fingerprint:
            # One article goes to many followers in a row: its words are indexed once.
            self._text = (fingerprint, ArticleText((article.title, article.summary,
                                                     article.body_text)))
        return [row.phrase for row in rows if self._text[1].mentions(row.phrase_key)]

    @staticmethod
    def chats_mentioned_in(conn: Connection, article: Article) -> list[str]:
        """The chats (as outbox chat strings) of followers in the article's language who
        follow a phrase it mentions; read inside the article's own transaction."""
        rows = conn.execute(select(followed.c.chat_id, followed.c.phrase_key).join(
            followers, followers.c.chat_id == followed.c.chat_id).where(
            followers.c.lang == article.lang)).all()
        if not rows:
            return []
        by_phrase: dict[str, list[int]] = {}
        for chat_id, key in rows:  # a name followed by a thousand chats is looked up once
            by_phrase.setdefault(key, []).append(chat_id)
        text = ArticleText((article.title, article.summary, article.body_text))
        found = {chat_id for key, chats in by_phrase.items() if text.mentions(key)
                 for chat_id in chats}
        return [str(chat_id) for chat_id in sorted(found)]

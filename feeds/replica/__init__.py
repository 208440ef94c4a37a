"""A replica of alqst.org on 127.0.0.1, built from the seed documents: the fixture every test
and the demo scrape. `ReplicaSite` serves it; `SEED_PAGES` says where each seed page lives."""

from feeds.replica.content import SEED_PAGES, SeedPage
from feeds.replica.server import FAULTS, ReplicaPost, ReplicaSite

__all__ = ["FAULTS", "SEED_PAGES", "ReplicaPost", "ReplicaSite", "SeedPage"]

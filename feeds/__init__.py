"""The article source and the feeds: fetch, extract, store and render. Never imports `bot`."""

"""The `kb` command: the composition root that wires the domain, ingest, the index and the web app together."""

"""What an operator can watch: Prometheus metrics, served on 127.0.0.1 when asked for.

The counters always exist (updating them costs nanoseconds); only the HTTP endpoint is
optional (`bot.metrics_port`, off by default). Each client has its own registry, so tests and
benchmarks that start several clients in one process never share counts.
"""

from __future__ import annotations

import logging
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

log = logging.getLogger(__name__)

#: The only address the metrics endpoint listens on: this machine.
METRICS_HOST = "127.0.0.1"


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.questions = Counter("newsquote_questions", "Questions asked with /ask", registry=r)
        self.answers = Counter("newsquote_answers", "Answers to /ask by grade (answer, unsure, "
                               "none; refused: an empty or over-long question)", ["grade"],
                               registry=r)
        self.latency = Histogram("newsquote_answer_seconds", "From an /ask arriving to its "
                                 "answer sent", registry=r,
                                 buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10))
        self.articles = Gauge("newsquote_index_articles", "Articles in the serving index",
                              registry=r)
        self.passages = Gauge("newsquote_index_passages", "Passages in the serving index",
                              registry=r)
        self.reloads = Counter("newsquote_reloads", "Reloads that swapped in a new index",
                               registry=r)
        self.failed_reloads = Counter("newsquote_reloads_failed", "Reloads that failed (the "
                                      "previous index kept serving)", registry=r)
        self.reconnects = Counter("newsquote_gateway_reconnects", "Gateway connections made "
                                  "again after the first: resumed or started anew", ["how"],
                                  registry=r)
        self.server: WSGIServer | None = None

    def serving(self, index) -> None:
        """The index now serving."""
        self.articles.set(len(index.articles))
        self.passages.set(len(index))

    def serve(self, port: int) -> None:
        """Serve /metrics on 127.0.0.1:`port` (in a thread of its own)."""
        self.server, _ = start_http_server(port, addr=METRICS_HOST, registry=self.registry)
        log.info("metrics on http://%s:%d/metrics", METRICS_HOST, port)

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

"""A live count per source on a terminal; nothing at all when output goes to a log."""

import sys

import click


class LiveCount:
    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.seen: dict[str, int] = {}

    def thread_done(self, source: str, outcome: str) -> None:
        self.seen[source] = self.seen.get(source, 0) + 1
        if self.enabled:
            click.echo(f"\r{source}: {self.seen[source]} threads…", nl=False, file=self.stream)

    def source_done(self, summary: str) -> None:
        if self.enabled:
            click.echo("\r\033[K", nl=False, file=self.stream)  # clear the live line before the summary
        click.echo(summary)

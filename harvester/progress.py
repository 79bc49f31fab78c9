"""Progress per source: a live count on a terminal; a plain line every so often in a log."""

import sys

import click

LOG_EVERY = 100  # threads between two log lines when output is not a terminal


class LiveCount:
    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.seen: dict[str, int] = {}

    def thread_done(self, source: str, outcome: str) -> None:
        count = self.seen[source] = self.seen.get(source, 0) + 1
        if self.live:
            click.echo(f"\r{source}: {count} threads…", nl=False, file=self.stream)
        elif count % LOG_EVERY == 0:
            click.echo(f"{source}: {count} threads so far", file=self.stream)

    def source_done(self, summary: str, warnings: list[str] = ()) -> None:
        if self.live:
            click.echo("\r\033[K", nl=False, file=self.stream)  # clear the live line before the summary
        click.echo(summary)
        for warning in warnings:
            click.echo(f"  warning: {warning}", err=True)

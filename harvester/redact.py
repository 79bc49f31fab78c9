"""Secrets and personal data out of harvested text, before anything reaches content/.

Detection uses maintained detectors: detect-secrets' plugins for tokens, keys and passwords
in assignments, phonenumbers for phone numbers. Each finding is replaced by a visible marker
such as `[redacted: github-token]`. A value found anywhere in a thread is scrubbed everywhere
in it: a token quoted in the answer is also removed from the question that pasted it.
"""

import html
import re
from collections import Counter
from dataclasses import dataclass, field

import phonenumbers
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins import keyword
from detect_secrets.plugins.keyword import KeywordDetector
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector

KINDS = ("secrets", "emails", "phones", "cards")

# Token formats: the detectors' own patterns, matched whole (their reported value is
# sometimes only a prefix group, such as "ghp").
_TOKEN_DETECTORS = {
    "aws-key": AWSKeyDetector,
    "github-token": GitHubTokenDetector,
    "gitlab-token": GitLabTokenDetector,
    "slack-token": SlackDetector,
    "stripe-key": StripeDetector,
    "jwt": JwtTokenDetector,
    "npm-token": NpmDetector,
    "pypi-token": PypiTokenDetector,
    "openai-key": OpenAIDetector,
    "sendgrid-key": SendGridDetector,
    "twilio-key": TwilioKeyDetector,
    "discord-token": DiscordBotTokenDetector,
}
_TOKEN_PATTERNS = [(label, pattern) for label, detector in _TOKEN_DETECTORS.items() for pattern in detector().denylist]
_KEYWORDS = KeywordDetector()
_KEYWORD_HINT = re.compile("|".join(keyword.DENYLIST), re.IGNORECASE)
_ENTROPY = Base64HighEntropyString()
# The detector reports a key block by its BEGIN line; the whole block must go.
_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\Z)",
    re.DOTALL,
)
# `key = value` or `key: value`, but not a line that starts with a URL ("https://…").
_ASSIGNMENT = re.compile(r"""^\s*(?:export\s+)?["']?[\w.-]+["']?\s*[:=](?!//)\s*["']?([^\s"',;]{20,})""")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_TOKEN_TAIL = re.compile(r"[A-Za-z0-9_-]*")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# Card numbers as people write them: 4-digit groups (Amex: 4-6-5), or a bare run of 15-16
# digits (Amex, Visa, Mastercard). Shorter or longer bare runs are timestamps and ids far more often.
_CARD = re.compile(r"(?<![\w-])(?:[2-6]\d{3}(?:[ -]\d{4}){2}[ -]\d{3,4}|3[47]\d{2}[ -]\d{6}[ -]\d{5}|[2-6]\d{14,15})(?![\w-])")
_URL = re.compile(r"(?:https?|ftp)://[^\s)>\]]+")
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_MARKER = re.compile(r"\[redacted: [a-z0-9-]+\]")


@dataclass
class Redactor:
    kinds: tuple[str, ...] = KINDS
    allowlist: tuple[str, ...] = ()
    phone_region: str = "US"
    counts: Counter = field(default_factory=Counter)  # findings by type, over the whole run

    def thread(self, texts: dict[str, str]) -> dict[str, str]:
        """Redact several Markdown texts of one thread together: what is secret in one is in all."""
        findings: dict[str, str] = {}  # value -> type
        for text in texts.values():
            findings.update(self._find(_plain(text)))
        for value in list(findings):
            if value in self.allowlist or _MARKER.fullmatch(value):
                del findings[value]
        # Longest first, so a key is not half-replaced by a shorter value inside it.
        patterns = [(_as_written(value), findings[value]) for value in sorted(findings, key=len, reverse=True)]
        cleaned = {}
        for key, text in texts.items():
            for pattern, kind in patterns:
                text, hits = pattern.subn(f"[redacted: {kind}]", text)
                self.counts[kind] += hits
            cleaned[key] = text
        return cleaned

    def _find(self, text: str) -> dict[str, str]:
        found: dict[str, str] = {}
        if "secrets" in self.kinds:
            found.update({match.group(0): "private-key" for match in _PRIVATE_KEY.finditer(text)})
            for line in text.splitlines():
                found.update(_secrets_in_line(line))
        if "emails" in self.kinds:
            found.update({match.group(0): "email" for match in _EMAIL.finditer(text)})
        if "cards" in self.kinds:
            found.update({match.group(0): "card-number" for match in _CARD.finditer(text) if _luhn_valid(match.group(0))})
        if "phones" in self.kinds:
            found.update({number: "phone" for number in self._phones(text)})
        return found

    def _phones(self, text: str) -> list[str]:
        urls = [match.span() for match in _URL.finditer(text)]
        numbers = []
        for match in phonenumbers.PhoneNumberMatcher(text, self.phone_region, leniency=phonenumbers.Leniency.VALID):
            # A bare run of digits is far more often an id than a phone number: only numbers
            # written the way people write phone numbers (+, spaces, dashes, brackets) count,
            # and never the digits of a link (arXiv ids, issue numbers).
            in_url = any(start <= match.start < end for start, end in urls)
            if not in_url and re.search(r"[+\s().-]", match.raw_string.strip()):
                numbers.append(match.raw_string)
        return numbers


def _plain(markdown: str) -> str:
    """What a reader sees: Markdown's backslash escapes and HTML entities undone, so a token
    written `ghp\\_abc` is found as `ghp_abc`."""
    return html.unescape(_MARKDOWN_ESCAPE.sub(r"\1", markdown))


def _as_written(value: str) -> re.Pattern:
    """`value` as it may stand in Markdown: any character backslash-escaped or an entity."""
    return re.compile("".join(
        rf"\\?(?:{re.escape(char)}|{re.escape(html.escape(char))})" if html.escape(char) != char
        else rf"\\?{re.escape(char)}"
        for char in value
    ))


def _secrets_in_line(line: str) -> dict[str, str]:
    found = {}
    for label, pattern in _TOKEN_PATTERNS:
        for match in pattern.finditer(line):
            # Patterns fix a token's usual length; take the whole run so no tail is left.
            tail = _TOKEN_TAIL.match(line, match.end())
            found[line[match.start():tail.end()]] = label
    # Keyword assignments (password = ..., api_key: ...), quoted and unquoted styles. The
    # detector is slow, so it only sees lines that hold one of its keywords at all.
    if _KEYWORD_HINT.search(line):
        for style in ("settings.py", "settings.yaml"):
            for secret in _KEYWORDS.analyze_line(filename=style, line=line, line_number=0):
                if secret.secret_value and secret.secret_value not in found:
                    found[secret.secret_value] = "password"
    # A high-entropy value on a `key = value` line. Pure hex is left alone: commit ids and
    # checksums are shared on purpose and look exactly like that.
    assignment = _ASSIGNMENT.match(line)
    if assignment:
        value = assignment.group(1)
        if (not _HEX.match(value) and not any(known in value for known in found)
                and _ENTROPY.calculate_shannon_entropy(value) > _ENTROPY.entropy_limit
                and re.search(r"\d", value) and re.search(r"[A-Za-z]", value)):
            found[value] = "high-entropy-secret"
    return found


def _luhn_valid(candidate: str) -> bool:
    digits = [int(d) for d in re.sub(r"\D", "", candidate)]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0

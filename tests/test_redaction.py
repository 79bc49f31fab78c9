"""Secrets and personal data never reach content/ or site/; look-alikes stay."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import dump_source
from harvester.redact import Redactor

SECRETS = {
    "aws-key": "AKIAIOSFODNN7EXAMPLE",
    "github-token": "ghp_R4nd0mT0k3nV4lu3F0rT3st1ngPurp0s3sXY",
    "gitlab-token": "glpat-Zx8Kq2Lm9Np4Rt6Vw3Ys",
    "slack-token": "xoxb-102938475610-1029384756102-Zq8Xw7Vu6Ts5Rq4Po3Nm2Lk1",
    "stripe-key": "sk_live_51HqLyjWDarjtT1zdp7dc4eC3",
    "jwt": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsIm5hbWUiOiJKYW5lIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    "password": "Tr0ub4dor&3horse",
    "high-entropy-secret": "q8Zr2Lx7Vm4Kp9Wt3Nc6Ys1Hb5Dg0Fj",
    "email": "jane.roe@corp.example",
    "phone": "+1 (415) 555-0132",
    "card-number": "4111 1111 1111 1111",
}
PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx4Yq\nZm9vYmFyYmF6cXV4\n-----END RSA PRIVATE KEY-----"
LOOK_ALIKES = [
    "1.2.3.4", "10.15.7", "3f786850e387550fdab836ed7e6dc881de23001b", "123e4567-e89b-12d3-a456-426614174000",
    "1234567890", "2018-03-12", "4111 1111 1111 1112", "sha256 = e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "https://arxiv.org/abs/1802.06002", "port 8080", "user@localhost",
]


def question_html() -> str:
    prose = "".join(f"<p>My {kind} is {value} and it broke.</p>" for kind, value in SECRETS.items() if kind != "password")
    code = "\n".join([
        f"export AWS_ACCESS_KEY_ID={SECRETS['aws-key']}",
        f'password = "{SECRETS["password"]}"',
        f"upstream_ref: {SECRETS['high-entropy-secret']}",
        f"curl -H 'Authorization: Bearer {SECRETS['jwt']}' https://api.example.com",
        PRIVATE_KEY,
    ])
    looks = "".join(f"<p>Look-alike: <code>{value}</code> and {value}.</p>" for value in LOOK_ALIKES)
    return f"{prose}<pre><code>{code}</code></pre>{looks}"


def write_dump(folder: Path) -> Path:
    folder.mkdir()
    posts = ET.Element("posts")
    ET.SubElement(posts, "row", Id="1", PostTypeId="1", AcceptedAnswerId="2", Score="3", Tags="<ops>",
                  CreationDate="2024-01-01T00:00:00.000", Title=f"Login fails for {SECRETS['email']}", Body=question_html())
    # The answer repeats the password bare, where no detector would see it: thread-wide scrubbing must.
    ET.SubElement(posts, "row", Id="2", PostTypeId="2", ParentId="1", Score="5", CreationDate="2024-01-01T01:00:00.000",
                  Body=f"<p>Rotate it now: {SECRETS['password']} is in the channel history. Also 1.2.3.4 is fine.</p>")
    ET.ElementTree(posts).write(folder / "Posts.xml", encoding="utf-8", xml_declaration=True)
    return folder


@pytest.fixture
def harvested(kb, tmp_path):
    kb.set_sources(dump_source(write_dump(tmp_path / "dump"), name="ops"))
    kb.output = kb("harvest").output
    return kb


def everything_written(root: Path) -> str:
    files = [*(root / "content").rglob("*"), *(root / "site").rglob("*")]
    return "\n".join(p.read_text(errors="replace") for p in files if p.is_file() and not p.name.endswith((".gz", ".png", ".woff2")))


def test_no_secret_reaches_content_or_site_and_look_alikes_stay(harvested):
    harvested("approve", "--all")
    harvested("build")
    written = everything_written(harvested.root)
    assert "[redacted: github-token]" in written
    for kind, value in SECRETS.items():
        assert value not in written, f"{kind} leaked"
    assert "MIIEowIBAAKCAQEAx4Yq" not in written and "BEGIN RSA PRIVATE KEY" not in written
    entry = (harvested.root / "content" / "ops" / "1.md").read_text()
    for value in LOOK_ALIKES:
        assert value in entry, f"look-alike {value!r} was redacted"
    for kind in [*SECRETS, "private-key"]:
        assert f"[redacted: {kind}]" in entry, kind
    assert entry.count("[redacted: password]") >= 2  # in the code, and repeated bare in the answer


def test_the_harvest_reports_counts_never_values(harvested):
    assert "redacted" in harvested.output and "1 private-key" in harvested.output
    for value in SECRETS.values():
        assert value not in harvested.output


def test_privacy_yml_switches_and_allowlist(kb, tmp_path):
    (kb.root / "site_config" / "privacy.yml").write_text(
        f"redact: [secrets, phones, cards]\nallowlist: ['{SECRETS['aws-key']}']\n")
    kb.set_sources(dump_source(write_dump(tmp_path / "dump"), name="ops"))
    kb("harvest")
    entry = (kb.root / "content" / "ops" / "1.md").read_text()
    assert SECRETS["email"] in entry  # e-mails switched off
    assert SECRETS["aws-key"] in entry  # allowlisted
    assert SECRETS["github-token"] not in entry


def test_privacy_yml_mistakes_are_named(kb, tmp_path):
    kb.set_sources(dump_source(write_dump(tmp_path / "dump"), name="ops"))
    (kb.root / "site_config" / "privacy.yml").write_text("redact: [secrets, passwords]\nallowlst: []\n")
    result = kb("harvest", ok=False)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        'site_config/privacy.yml: unknown key "allowlst" (did you mean "allowlist"?)',
        'site_config/privacy.yml: "redact" has passwords; known: secrets, emails, phones, cards',
    ]
    assert kb.content_files() == {}


@pytest.mark.parametrize("text", [
    "Released 2.10.3 on 2024-05-01; see commit 9fceb02d0ae598e95dc970b74767f19372d61af8.",
    "Ticket 4711, build 20240501.3, PID 31337, uuid 550e8400-e29b-41d4-a716-446655440000.",
    "x = 0.5 * (a + b)  # not a secret\nversion = \"1.22.0-rc.1\"\nchecksum: 5d41402abc4b2a76b9719d911017c592",
    # Seen in a real forum: an image file name whose digits happen to pass the Luhn check.
    "微信图片_202205141421561918×674 145 KB, saved 20220514142156, see arxiv.org/abs/1802.06002",
    # Seen in a real Slack export: a line opening with a URL is not `key: value`.
    "https://haskell-jp.slack.com/archives/CL3AXB1AL/p1680155886899719 の関係で",
])
def test_ordinary_technical_text_is_left_alone(text):
    assert Redactor().thread({"t": text}) == {"t": text}


@pytest.mark.parametrize("card", ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111",
                                  "3782 822463 10005", "378282246310005", "5555 5555 5555 4444"])
def test_card_numbers_in_the_ways_people_write_them(card):
    assert Redactor().thread({"t": f"my card {card}, thanks"}) == {"t": "my card [redacted: card-number], thanks"}

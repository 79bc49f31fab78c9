"""No path built from harvested data can leave content/ or the site tree."""

from pathlib import Path

import pytest

from harvester import site, store


@pytest.mark.parametrize("native", ["../../etc/passwd", "..", "/abs/olute", "a/../../b", "C:\\win", "\x00nul", "…", "%2e%2e%2f"])
def test_entry_paths_stay_inside_content(tmp_path, native):
    path = store.entry_path(tmp_path, f"src:{native}")
    assert path.resolve().is_relative_to((tmp_path / "content").resolve())
    assert path.parent == tmp_path / "content" / "src"
    page = site.entry_page(f"src:{native}")
    assert page.startswith("entries/src/") and ".." not in page and page.count("/") == 2


@pytest.mark.parametrize("tag", ["../../x", "a/b", "<script>", "c++", "c#", "x" * 500, "日本語", ""])
def test_tag_slugs_are_single_bounded_path_parts(tag):
    slug = site.tag_slug(tag)
    assert slug and "/" not in slug and ".." not in slug and len(slug) <= 64
    assert Path(slug).name == slug


def test_ids_that_slug_alike_get_different_files(tmp_path):
    ids = ["src:a.b", "src:a-b", "src:A-B", "src:…", "src:‥", "src:1612345678.000100", "src:1612345678-000100"]
    assert len({store.entry_path(tmp_path, entry_id) for entry_id in ids}) == len(ids)
    assert store.entry_path(tmp_path, "src:1234").name == "1234.md"


def test_tags_that_slug_alike_get_their_own_pages():
    from harvester import templating
    from harvester.model import Entry

    names = ["index", "Docker", "docker", "docker-2", "C++", "c"]
    entries = [Entry({"id": f"s:{n}", "title": f"Entry {n}", "status": "approved", "kind": "faq", "tags": [name]}, "Body\n")
               for n, name in enumerate(names)]
    pages = dict(site.lay_out(site.Published(entries, {}, {}), templating.environment(Path("/nonexistent")), "KB"))
    tag_pages = [path for path in pages if path.startswith("tags/") and path != "tags/index.md"]
    assert len(tag_pages) == len(names)
    assert "Tag: index" not in pages["tags/index.md"]  # the list of tags kept its page
    for name in names:
        assert sum(f"Tag: {name}" in pages[path] for path in tag_pages) >= 1

"""Templates kb renders entries and site pages from (installed as `harvester.templates`).

A workspace's own templates/ folder overrides these file by file.
"""

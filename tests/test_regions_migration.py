"""Migration 0013 turns the free-text regions of existing halls into regions of the tree."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, pool, text

from server.core.migrate import downgrade, upgrade

pytestmark = pytest.mark.integration

BRANCH = (
    "INSERT INTO branch (id, name, timezone, locale, region, settings, last_seq) "
    "VALUES (:id, :name, 'Asia/Shanghai', 'zh-CN', :region, '{}', 0)"
)


def test_free_text_regions_become_top_level_regions(empty_url: str) -> None:
    upgrade(empty_url, "0012")
    engine = create_engine(empty_url, poolclass=pool.NullPool)
    try:
        with engine.begin() as db:
            for id_, region in ((1, "华东"), (2, "华东"), (3, "华南"), (4, None), (5, "")):
                db.execute(text(BRANCH), {"id": id_, "name": f"hall {id_}", "region": region})
        upgrade(empty_url)
        with engine.connect() as db:
            regions = dict(db.execute(text("SELECT name, id FROM region")).all())
            placed = dict(db.execute(text("SELECT id, region_id FROM branch")).all())
            parents = db.execute(text("SELECT parent_id FROM region")).scalars().all()
        assert set(regions) == {"华东", "华南"} and parents == [None, None]
        east, south = regions["华东"], regions["华南"]
        assert placed == {1: east, 2: east, 3: south, 4: None, 5: None}
        downgrade(empty_url, "0012")
        with engine.connect() as db:
            kept = dict(db.execute(text("SELECT id, region FROM branch")).all())
        assert kept[1] == "华东" and kept[4] is None  # the names stay
    finally:
        engine.dispose()

"""Raw captures become articles with the metadata a news reader needs."""

from __future__ import annotations

from pathlib import Path

from index.raw_text import parse_date, parse_raw_text


def _parse(sample_dir: Path, name: str):  # noqa: ANN202
    path = next(sample_dir.glob(f"{name}_*.txt"))
    return parse_raw_text(path.read_text(encoding="utf-8"), path.name)


def test_stamped_listing_page_becomes_one_article_per_item(sample_dir: Path) -> None:
    items = _parse(sample_dir, "000")
    assert len(items) == 20
    nissan = items[1]
    assert nissan.id == "000_9a5092abaffa30a2.txt#2"
    assert nissan.origin == "000_9a5092abaffa30a2.txt"
    assert nissan.title == "Nissan announces third gigafactory in UK for EV models"
    assert nissan.published_at == "2023-11-28T12:18:00+00:00"
    assert nissan.author == "Megan Kelly"
    assert "EV36Zero hub in Sunderland" in nissan.text
    # the image caption of the next item and the page header are not article text
    assert all("Nissan ev UK announcement" not in a.text for a in items)
    assert all("The latest news and insights" not in a.text for a in items)
    assert items[-1].title.startswith("Britishvolt collapse")


def test_line_listing_page_splits_items_and_authors(sample_dir: Path) -> None:
    items = _parse(sample_dir, "003")
    assert len(items) == 12
    assert items[0].author == "Ilkhan Ozsevim"
    assert items[0].text.endswith("premium EV market.")
    assert items[2].text.startswith("Polestar starts US production of the Polestar 3")
    assert items[7].author == "Ian Henry"  # a line whose summary has no closing full stop
    assert all(a.origin == "003_28e3bffdbebfa19a.txt" for a in items)


def test_single_article_date_title_source_and_boilerplate(sample_dir: Path) -> None:
    (gm,) = _parse(sample_dir, "002")
    assert gm.title == "GM's US-Made Battery Initiative: Transforming the EV Supply Chain"
    assert gm.published_at == "2024-09-12T10:26:00"
    assert gm.source == "Benzinga"
    for furniture in ("Related posts", "Newsletter", "Subscribe", "Ethical Policy"):
        assert furniture not in gm.text
    assert gm.text.count("GM's US-Made Battery Initiative") == 1

    (jlr,) = _parse(sample_dir, "004")
    assert jlr.published_at == "2019-06-05"
    assert jlr.title.startswith("Collaboration is the route many carmakers")
    assert "date 2019-06-05" in jlr.text  # the capture is kept verbatim: dates stay quotable


def test_date_formats_seen_in_captures() -> None:
    assert parse_date("2023-12-04T19:20:00+00:00By James Bakewell") == "2023-12-04T19:20:00+00:00"
    assert parse_date(" date 2019-06-05 Collaboration is") == "2019-06-05"
    assert parse_date("Thursday, 12 September 2024, 10:26") == "2024-09-12T10:26:00"
    assert parse_date("Published 3 March 2022") == "2022-03-03"
    assert parse_date("March 3, 2022") == "2022-03-03"
    assert parse_date("no date here") == ""


def test_byline_author_in_single_article() -> None:
    (article,) = parse_raw_text("Plant opens\n\nBy Megan Kelly\n\nThe plant opened today. Related posts\n", "a.txt")
    assert article.author == "Megan Kelly"
    assert article.title == "Plant opens"

"""The quote check is what makes 'exact words' enforceable: it must accept layout noise and reject changed facts."""

from mmkg.sources import SourceText, quote_found, source_text

REVIEW_2019 = "https://w3id.org/mmkg/id/source/review-2019"


def _source() -> SourceText:
    text = source_text(REVIEW_2019)
    assert text is not None, "the 2019 review text must be available in ../shared/sources"
    return text


def test_quote_spanning_a_line_break_and_hyphenation_is_found() -> None:
    # printed as "...ENDEAVOR\nstudy prospectively compared Vd versus carfilzomib-\ndexamethasone (Kd)..."
    assert quote_found("the phase 3 randomized ENDEAVOR study prospectively compared Vd versus "
                       "carfilzomib-dexamethasone (Kd)", _source())


def test_changed_number_is_rejected() -> None:
    assert quote_found("8.6 and 6.6 months with Kd and Vd", _source())
    assert not quote_found("8.7 and 6.6 months with Kd and Vd", _source())


def test_ellipsis_joins_pieces_in_order_only() -> None:
    assert quote_found("the median PFS for DVd was 16.7 versus … 7.1 months for Vd alone", _source())
    assert not quote_found("7.1 months for Vd alone … the median PFS for DVd was 16.7 versus", _source())


def test_empty_quote_is_not_found() -> None:
    assert not quote_found("  …  ", _source())


def test_punctuation_only_cell_is_matched_literally() -> None:
    mele = source_text("https://w3id.org/mmkg/id/source/mele-2024")
    assert mele is not None
    assert quote_found("/", mele)
    assert not quote_found("§", mele)

from ganime_gui.core.timefmt import format_duration, format_eta


def test_durations_read_the_same_everywhere():
    assert format_duration(42) == "42s"
    assert format_duration(185.9) == "3m 05s"
    assert format_duration(7620) == "2h 07m"
    assert format_duration(None) == "–" and format_duration(float("nan")) == "–"


def test_eta_text_and_what_unknown_reads_as():
    assert format_eta(75) == "ETA 1m 15s"
    assert format_eta(None) == "ETA unknown"
    assert format_eta(None, unknown="") == "" and format_eta(float("nan"), unknown="") == ""

"""NBA team ids (stats.nba.com) and abbreviations of the 2015-16 season, so that a team
can be named by its abbreviation where only ids travel with the data (checked against
the play-by-play in tests/engine/test_teams.py)."""

from __future__ import annotations

NBA_TEAMS: dict[int, str] = {
    1610612737: "ATL", 1610612738: "BOS", 1610612739: "CLE", 1610612740: "NOP",
    1610612741: "CHI", 1610612742: "DAL", 1610612743: "DEN", 1610612744: "GSW",
    1610612745: "HOU", 1610612746: "LAC", 1610612747: "LAL", 1610612748: "MIA",
    1610612749: "MIL", 1610612750: "MIN", 1610612751: "BKN", 1610612752: "NYK",
    1610612753: "ORL", 1610612754: "IND", 1610612755: "PHI", 1610612756: "PHX",
    1610612757: "POR", 1610612758: "SAC", 1610612759: "SAS", 1610612760: "OKC",
    1610612761: "TOR", 1610612762: "UTA", 1610612763: "MEM", 1610612764: "WAS",
    1610612765: "DET", 1610612766: "CHA",
}


def team_id(abbreviation: str) -> int | None:
    """'GSW' -> 1610612744 (case-insensitive); None when unknown."""
    want = abbreviation.upper()
    return next((i for i, a in NBA_TEAMS.items() if a == want), None)

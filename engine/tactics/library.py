"""The tactical feature library: one entry per feature a coach can ask for, with the
plain-language descriptions the instruction compiler matches against, its unit and a
typical spread (about one standard deviation over real possessions of the training
games, rounded; ``benchmarks/tactics_scales.py`` measures it) that puts features on a
common scale in rubric scores.

Court zones (one vocabulary for the project): ``engine.court.shot_zone`` -> 'rim'
(within 6 ft of the hoop), 'paint' (rest of the 16 x 19 ft lane), 'mid_range' (other
twos), 'corner_three', 'above_break_three'. The realism report keeps its own 3 ft
distance cuts (a histogram, not a zone vocabulary).
"""

from __future__ import annotations

from dataclasses import dataclass

ZONES = ("rim", "paint", "mid_range", "corner_three", "above_break_three")


@dataclass(frozen=True)
class FeatureSpec:
    """name; unit; scale: typical spread in that unit; phrases: how a coach asks for
    MORE of it (each phrase a short description); less: how a coach asks for LESS of it
    (matched with the opposite sign); smooth: a differentiable twin exists
    (engine.tactics.soft)."""

    name: str
    unit: str
    scale: float
    phrases: tuple[str, ...]
    less: tuple[str, ...] = ()
    smooth: bool = False


FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec("rim_attempts", "shots", 0.45, (
        "attack the rim", "shots at the rim", "layups and dunks", "finish at the basket",
        "get to the hoop", "take it to the basket"), smooth=True),
    FeatureSpec("paint_attempts", "shots", 0.3, (
        "shots in the paint", "floaters in the lane", "short shots in the key"), smooth=True),
    FeatureSpec("mid_range_attempts", "shots", 0.45, (
        "mid-range jumpers", "long two-point shots", "pull-up jumpers from the elbow",
        "mid range shots", "long twos", "settle for jumpers"), smooth=True),
    FeatureSpec("corner_three_attempts", "shots", 0.25, (
        "corner threes", "shots from the corner", "spot up in the corners",
        "the corners"), smooth=True),
    FeatureSpec("above_break_three_attempts", "shots", 0.35, (
        "threes above the break", "shots from the top of the key beyond the arc",
        "wing threes", "three-pointers from the wing"), smooth=True),
    FeatureSpec("three_point_attempts", "shots", 0.4, (
        "shoot threes", "three-point shots", "shots from beyond the arc", "launch from deep", "open threes")),
    FeatureSpec("paint_touches", "touches", 0.9, (
        "touch the paint", "get the ball inside the lane", "paint touches",
        "get into the key"), smooth=True),
    FeatureSpec("drive_depth_ft", "ft", 8.0, (
        "drive deep", "penetrate", "get downhill", "drive deep into the lane"), smooth=True),
    FeatureSpec("drives", "drives", 0.75, (
        "drive", "put the ball on the floor and attack", "attack off the dribble",
        "take defenders off the bounce", "drive the lane")),
    FeatureSpec("kick_outs", "passes", 0.35, (
        "kick out", "drive and kick", "pass out of the drive to shooters")),
    FeatureSpec("passes", "passes", 2.0, (
        "move the ball", "pass the ball", "make extra passes", "share the ball"),
        less=("hold the ball", "isolation", "one-on-one")),
    FeatureSpec("ball_reversals", "reversals", 0.55, (
        "reverse the ball", "swing the ball side to side", "swing it to the weak side")),
    FeatureSpec("ball_movement_ft", "ft", 70.0, (
        "ball movement", "keep the ball moving around the floor"), smooth=True),
    FeatureSpec("spacing_hull_sqft", "sq ft", 160.0, (
        "spread the floor", "space the floor", "stay spaced out", "wide spacing"),
        less=("crowd the lane", "pack it in", "bunch up")),
    FeatureSpec("spacing_pairwise_ft", "ft", 3.5, (
        "keep distance between teammates", "stay far apart", "spacing"), smooth=True),
    FeatureSpec("time_to_first_shot_s", "s", 6.0, (
        "be patient", "work the clock", "take your time", "slow it down", "run clock"),
        less=("push the pace", "shoot early", "play fast", "quick shot", "run in transition")),
    FeatureSpec("pace_ftps", "ft/s", 2.9, (
        "move without the ball", "keep moving", "cut hard", "play with energy"),
        less=("stand around", "stand still"), smooth=True),
    FeatureSpec("screens", "screens", 0.6, (
        "set screens", "pick and roll", "ball screen", "run the pick", "screen for the ball handler")),
    FeatureSpec("post_entries", "passes", 0.3, (
        "post up", "feed the post", "throw it into the post", "post entry",
        "get the big the ball down low", "play inside out")),
    FeatureSpec("post_time_s", "s", 0.65, (
        "post touches", "back down in the low post", "work from the block", "post up")),
    FeatureSpec("pass_lane_risk", "risk", 0.22, (
        "risky passes", "passes through traffic", "throw into tight windows", "force passes into traffic"),
        less=("take care of the ball", "safe passes", "protect the ball")),
)

BY_NAME = {f.name: f for f in FEATURES}
FEATURE_NAMES = tuple(f.name for f in FEATURES)


def spec(name: str) -> FeatureSpec:
    """The FeatureSpec of ``name`` (KeyError naming the known features otherwise)."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown tactical feature {name!r}; known: {', '.join(FEATURE_NAMES)}") from None

"""Pixel-level tests of the pygame renderer, the exporters and the matplotlib diagrams."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from engine.possessions.events import detect_events
from engine.possessions.labels import label_actions
from engine.possessions.segment import Possession
from viz.court_draw import CourtView, court_markings
from viz.diagram import play_diagram, shot_chart
from viz.export import save_gif, save_mp4, save_png
from viz.render import CourtRenderer, RenderStyle, ball_geometry


def possession() -> Possession:
    """Holder 1 drives 2 frames, passes to 2, who shoots a made three at frame 7."""
    t = 8
    pos = np.zeros((t, 11, 3), np.float32)
    pos[:, 1:6, 0] = [[60, 70, 70, 80, 85]]
    pos[:, 1:6, 1] = [[25, 5, 45, 10, 40]]
    pos[:, 6:11, 0] = [[65, 74, 74, 82, 84]]
    pos[:, 6:11, 1] = [[25, 9, 41, 14, 36]]
    pos[:, 2, 0], pos[:, 2, 1] = 88.75 - 25.0, 25.0
    pos[2:4, 1, 0] = [66, 72]
    pos[4:, 1, 0] = 72
    handler = np.array([1, 1, 1, 1, 1, 2, 2, 2], np.int8)
    pos[:, 0, :2] = pos[np.arange(t), handler, :2]
    pos[:, 0, 2] = 4.0
    time_s = np.arange(t) * 0.5
    action, target = label_actions(pos, handler, time_s, [7])
    ids = np.arange(-1, 10)
    shots = [{"shooter_id": int(ids[2]), "frame": 7, "made": True, "is_three": True}]
    meta = {"game_id": "g", "period": 1, "poss_index": 0, "outcome": "made3", "points": 3}
    return Possession(meta, pos, np.ones((t, 11), bool), ids, 700 - time_s, np.full(t, 20.0),
                      time_s, np.zeros(t, np.int32), handler, action, target, shots)


@pytest.fixture(scope="module")
def renderer() -> CourtRenderer:
    return CourtRenderer(width_px=470, trails=False)


def _empty_frame() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros((11, 3)), np.zeros(11, bool)


def _disc_share(frame: np.ndarray, centre: np.ndarray, radius: int, colour) -> float:
    """Share of pixels within 0.8 radius of centre that have exactly ``colour``."""
    h, w = frame.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    inside = np.hypot(xx - centre[0], yy - centre[1]) <= 0.8 * radius
    return float(np.all(frame[inside] == np.array(colour, np.uint8), axis=-1).mean())


def test_to_pixels_maps_court_corners_and_centre():
    view = CourtView(width_px=940, margin_ft=2.0)
    s = 940 / 98
    assert view.scale == pytest.approx(s)
    np.testing.assert_allclose(view.to_pixels([0.0, 0.0]), [2 * s, 52 * s])
    np.testing.assert_allclose(view.to_pixels([94.0, 50.0]), [96 * s, 2 * s])
    np.testing.assert_allclose(view.to_pixels([47.0, 25.0]), [470, 27 * s])
    pts = np.array([[10.0, 3.0], [88.75, 25.0]])
    np.testing.assert_allclose(view.from_pixels(view.to_pixels(pts)), pts)


def test_half_court_mapping_starts_at_midline():
    view = CourtView(width_px=510, half_court=True, margin_ft=2.0)
    assert view.scale == pytest.approx(10.0)
    np.testing.assert_allclose(view.to_pixels([47.0, 50.0]), [20.0, 20.0])
    np.testing.assert_allclose(view.to_pixels([94.0, 0.0]), [490.0, 520.0])
    assert all((m.points[:, 0] >= 47 - 1e-9).all() for m in court_markings(half_court=True))


def test_player_and_defender_land_on_their_pixels_with_team_colours(renderer):
    pos, valid = _empty_frame()
    pos[1, :2], pos[6, :2] = (70.0, 20.0), (30.0, 35.0)
    valid[[1, 6]] = True
    frame = renderer.render_frame(pos, valid, handler=-1, clocks={"game_clock": 600.0})
    assert frame.shape == (renderer.size[1], renderer.size[0], 3) and frame.dtype == np.uint8
    st, r = renderer.style, renderer.player_radius_px
    # most of the disc around the expected pixel is the team colour (the number sits on top)
    assert _disc_share(frame, renderer.to_pixels(pos[1]), r, st.offense) > 0.5
    assert _disc_share(frame, renderer.to_pixels(pos[6]), r, st.defense) > 0.5
    assert _disc_share(frame, renderer.to_pixels(pos[6]), r, st.offense) == 0.0


def test_team_colours_are_configurable():
    style = RenderStyle(offense=(10, 200, 10))
    r = CourtRenderer(width_px=300, trails=False, style=style)
    pos, valid = _empty_frame()
    pos[3, :2], valid[3] = (60.0, 30.0), True
    frame = r.render_frame(pos, valid)
    assert _disc_share(frame, r.to_pixels(pos[3]), r.player_radius_px, (10, 200, 10)) > 0.5


def test_ball_and_shadow_grow_with_height(renderer):
    low, high = (ball_geometry(z, renderer.view.scale, renderer.style) for z in (1.0, 12.0))
    assert high[0] > low[0] and high[1] > low[1] and high[2] > low[2]
    background = renderer.render_frame(*_empty_frame())
    changed = []
    for z in (1.0, 12.0):
        pos, valid = _empty_frame()
        pos[0], valid[0] = (70.0, 40.0, z), True
        changed.append(int(np.any(renderer.render_frame(pos, valid) != background, axis=-1).sum()))
    assert changed[1] > changed[0] > 0


def test_holder_ring_and_trails_change_pixels():
    r = CourtRenderer(width_px=470, trails=True)
    pos, valid = _empty_frame()
    pos[1, :2], valid[1] = (70.0, 20.0), True
    plain = r.render_frame(pos, valid)
    ringed = r.render_frame(pos, valid, handler=1)
    ring = np.array(r.style.holder_ring, np.uint8)
    assert not np.all(plain == ring, axis=-1).any() and np.all(ringed == ring, axis=-1).any()
    trail = np.repeat(pos[None], 4, axis=0)
    trail[:, 1, 0] = [55.0, 60.0, 65.0, 70.0]
    trailed = r.render_frame(pos, valid, trail=trail, trail_valid=np.ones((4, 11), bool))
    assert np.any(trailed != plain, axis=-1).sum() > 100


def test_render_possession_and_gif_round_trip(tmp_path):
    r = CourtRenderer(width_px=300)
    frames = r.render_possession(possession(), every=2)
    assert len(frames) == 4
    path = save_gif(frames, tmp_path / "play.gif", fps=4)
    with Image.open(path) as gif:
        assert gif.n_frames == 4 and gif.size == (r.size[0], r.size[1])
    png = save_png(frames[0], tmp_path / "frame.png")
    with Image.open(png) as img:
        np.testing.assert_array_equal(np.asarray(img.convert("RGB")), frames[0])
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_bad_frames_leave_nothing_behind(tmp_path):
    with pytest.raises(ValueError, match="uint8"):
        save_gif([np.zeros((4, 4, 3), np.float32)], tmp_path / "x.gif")
    assert list(tmp_path.iterdir()) == []


def test_save_mp4_names_the_missing_packages(tmp_path, monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_imageio(name, *args, **kwargs):
        if name.startswith("imageio"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_imageio)
    with pytest.raises(RuntimeError, match="imageio-ffmpeg"):
        save_mp4([np.zeros((4, 4, 3), np.uint8)], tmp_path / "x.mp4")


def test_play_diagram_and_shot_chart_write_pngs(tmp_path):
    p = possession()
    events = detect_events(p)
    assert {e["type"] for e in events} >= {"pass", "drive", "shot"}
    out = play_diagram(p, events, tmp_path / "play.png", width_px=640, height_px=480)
    assert out.stat().st_size > 1000
    with Image.open(out) as img:
        assert img.size == (640, 480)
    rng = np.random.default_rng(0)
    xy = np.column_stack([rng.uniform(60, 94, 40), rng.uniform(0, 50, 40)])
    chart = shot_chart(xy, rng.random(40) < 0.4, tmp_path / "shots.png", width_px=500, height_px=500)
    with Image.open(chart) as img:
        assert img.size == (500, 500)
    with pytest.raises(ValueError, match="outcomes"):
        shot_chart(xy, np.ones(3, bool), tmp_path / "bad.png")

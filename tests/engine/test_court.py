import numpy as np
import pytest

from engine import court


def test_flip_is_its_own_inverse_and_keeps_height():
    xyz = np.array([[10.0, 5.0, 8.5], [90.0, 45.0, 0.0]])
    assert np.allclose(court.flip(court.flip(xyz)), xyz)
    assert np.allclose(court.flip(xyz)[0], [84.0, 45.0, 8.5])


def test_to_canonical_only_flips_left_attacks():
    xyz = np.array([[[10.0, 20.0, 0.0]], [[10.0, 20.0, 0.0]]])
    out = court.to_canonical(xyz, np.array([[True], [False]]))
    assert np.allclose(out[0, 0], [10, 20, 0]) and np.allclose(out[1, 0], [84, 30, 0])


@pytest.mark.parametrize("xy,three", [
    ((88.75 - 23.8, 25.0), True),    # top of the arc, just beyond
    ((88.75 - 23.6, 25.0), False),   # just inside
    ((92.0, 25.0 + 22.1), True),     # right corner beyond 22 ft
    ((92.0, 25.0 + 21.9), False),
    ((92.0, 25.0 - 22.1), True),     # left corner
])
def test_three_point_line(xy, three):
    assert bool(court.is_three(np.array(xy), "right")) is three


def test_three_point_line_left_hoop_mirrors_right():
    pts = np.random.default_rng(0).uniform([0, 0], [94, 50], size=(500, 2))
    right = court.is_three(pts, "right")
    left = court.is_three(court.flip(pts), "left")
    assert np.array_equal(right, left)


def test_shot_zones():
    pts = np.array([[87.0, 25.0], [80.0, 25.0], [70.0, 25.0], [93.0, 48.0], [60.0, 25.0]])
    assert court.shot_zone(pts).tolist() == ["rim", "paint", "mid_range", "corner_three",
                                             "above_break_three"]


def test_off_court_distance():
    assert court.off_court_distance(np.array([[-3.0, 10.0], [50.0, 25.0], [97.0, 54.0]])).tolist() \
        == pytest.approx([3.0, 0.0, 5.0])

"""The colour-vision simulation and colour distance the lecture tests rely on (colour_vision)."""
import numpy as np
import pytest

from colour_vision import CONDITIONS, closest, confusable, delta_e, disordered, simulate


def test_the_simulation_applies_machados_published_matrices():
    """Machado et al. (2009), Table 1 at severity 1.0 (their supplement lists the same),
    applied to linear sRGB: a colour seen with protanopia is the matrix times its linear RGB."""
    published = {"protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                                [-0.003882, -0.048116, 1.051998]],
                 "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                                  [-0.011820, 0.042940, 0.968881]],
                 "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                                [0.004733, 0.691367, 0.303900]]}
    rgb = np.array([0.8, 0.6, 0.2])
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    for condition, matrix in published.items():
        seen = np.clip(np.array(matrix) @ linear, 0, 1)
        encoded = np.where(seen <= 0.0031308, 12.92 * seen, 1.055 * seen ** (1 / 2.4) - 0.055)
        np.testing.assert_allclose(simulate(rgb, condition), encoded, atol=1e-5, err_msg=condition)
    grey = simulate(rgb, "greyscale")
    assert np.ptp(grey) < 1e-12 and 0.6 < grey[0] < 0.7, grey


@pytest.mark.parametrize("lab1, lab2, expected", [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),      # Sharma, Wu & Dalal (2005), pair 1
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),                # pair 17
    ((50.0, 2.5, 0.0), (61.0, -5.0, 29.0), 22.8977),                 # pair 18
])
def test_the_distance_is_ciede2000(lab1, lab2, expected):
    import colour
    rgb1, rgb2 = (colour.XYZ_to_sRGB(colour.Lab_to_XYZ(np.array(lab))) for lab in (lab1, lab2))
    assert float(delta_e(rgb1, rgb2)) == pytest.approx(expected, abs=2e-3)


def test_red_and_green_merge_for_a_deuteranope_and_black_and_white_never_do():
    distance, condition = closest((0.8, 0.2, 0.2), (0.35, 0.55, 0.1))
    assert distance < 10 and condition in ("protanopia", "deuteranopia"), (distance, condition)
    assert closest((0, 0, 0), (1, 1, 1))[0] > 90
    assert set(CONDITIONS) == {"protanopia", "deuteranopia", "tritanopia", "greyscale"}


def test_a_figure_whose_bars_differ_by_colour_alone_is_caught_unless_they_stay_apart():
    """lecturekit.series on real figures: plain bars in vermillion and bluish green (3.3 apart
    in greyscale) are confusable, hatching one of them cures it, and plain blue and
    vermillion bars stay 8.2 apart in greyscale: still caught. Lines in the cycle's own styles
    differ by style, whatever their colours."""
    import matplotlib.pyplot as plt
    from test_lectures import load_kit
    kit = load_kit()

    def bars(*styles):
        fig, ax = plt.subplots()
        for k, (colour, hatch) in enumerate(styles):
            ax.bar([k], [1], color=colour, hatch=hatch)
        found = confusable(kit.series(fig))
        plt.close(fig)
        return found
    assert [c[1:] for c in bars(("C1", ""), ("C2", ""))] == [("#d55e00", "#009e73", 3.3, "greyscale")]
    assert bars(("C1", ""), ("C2", "//")) == []
    assert [c[3:] for c in bars(("C0", ""), ("C1", ""))] == [(8.2, "greyscale")]
    fig, ax = plt.subplots()
    for k in range(5):
        ax.plot([0, 1], [k, k + 1])
    assert confusable(kit.series(fig)) == [] and len(kit.series(fig)[0]) == 5
    plt.close(fig)


def test_a_colour_map_passes_only_if_its_lightness_keeps_the_values_order_for_every_reader():
    """lecturekit.maps on real figures: viridis and cividis (as an image, as filled contours at
    alpha 0.6 over white, as lecturekit's contour lines) keep their order of lightness under
    every simulated deficiency and in greyscale; RdBu (both ends dark) and jet do not, in any."""
    import matplotlib.pyplot as plt
    from test_lectures import load_kit
    kit = load_kit()
    grid = np.linspace(-1, 1, 40)
    X, Y = np.meshgrid(grid, grid)

    def found(draw):
        fig, ax = plt.subplots()
        draw(ax)
        result = disordered(kit.maps(fig))
        plt.close(fig)
        return result
    assert found(lambda ax: ax.imshow(X, cmap="viridis")) == []
    assert found(lambda ax: ax.contourf(X, Y, X + Y, levels=10, cmap="cividis", alpha=0.6)) == []
    assert found(lambda ax: ax.contour(X, Y, X * Y, levels=8, cmap=kit.CONTOUR_LINES)) == []
    assert found(lambda ax: ax.contour(X, Y, X * Y, levels=[0], colors="k")) == []       # one colour: no order
    for name in ("RdBu_r", "jet"):
        assert {c[3] for c in found(lambda ax: ax.pcolormesh(X, Y, X, cmap=name))} == set(CONDITIONS), name

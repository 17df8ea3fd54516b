"""How far apart two colours stay for a reader with a colour-vision deficiency.

Each colour is simulated as seen with protanopia, deuteranopia and tritanopia (Machado,
Oliveira & Fernandes 2009, "A physiologically-based model for simulation of color vision
deficiency", IEEE TVCG 15(6), at full severity, applied to linear sRGB) and in greyscale
(its relative luminance Y), then compared in CIEDE2000 (ΔE00, CIE Lab under D65). Both
come from colour-science (the test extra); Machado's tritanopia models the S cones' loss as a
shift, an approximation its authors and colour-science point out. Both are checked in tests/test_colour_vision.py against
the paper's published matrices and Sharma, Wu & Dalal (2005)'s CIEDE2000 test data.

MIN_DELTA_E = 10: the distance the accessibility audit of issue 16 asked two series told
apart by colour to keep. A ΔE00 of 1 to 2 is the just-noticeable difference between large
patches side by side; thin lines and small marks need several times more (Szafir 2018,
"Modeling color difference for visualization design", IEEE TVCG 24(1)).

A colour map shows a value by its colour, so no distance between two colours makes it
readable: its colours must keep the values' order. A map passes when its lightness (CIE
L*) rises, or falls, step by step along its values in every condition (disordered):
viridis and cividis do; a diverging map such as RdBu, whose ends are both dark, or a
rainbow such as jet does not, in any of them.
"""
import warnings

import numpy as np

CONDITIONS = ("protanopia", "deuteranopia", "tritanopia", "greyscale")
MACHADO = {"protanopia": "Protanomaly", "deuteranopia": "Deuteranomaly", "tritanopia": "Tritanomaly"}
MIN_DELTA_E = 10.0
LUMINANCE = np.array([0.2126, 0.7152, 0.0722])        # Y of linear sRGB (IEC 61966-2-1)


def simulate(rgb, condition):
    """sRGB colours (..., 3) in [0, 1] as seen under `condition` (one of CONDITIONS), in sRGB."""
    import colour
    linear = colour.cctf_decoding(np.asarray(rgb, dtype=float), function="sRGB")
    if condition == "greyscale":
        seen = np.repeat((linear @ LUMINANCE)[..., None], 3, axis=-1)
    else:
        with warnings.catch_warnings():    # that Machado's tritanopia is a model of a shifted S cone
            warnings.simplefilter("ignore", colour.utilities.ColourUsageWarning)
            matrix = colour.matrix_cvd_Machado2009(MACHADO[condition], 1.0)
        seen = linear @ matrix.T
    return colour.cctf_encoding(np.clip(seen, 0, 1), function="sRGB")


def delta_e(rgb1, rgb2):
    """CIEDE2000 distance of two sRGB colours (..., 3) in [0, 1]."""
    import colour
    lab1, lab2 = (colour.XYZ_to_Lab(colour.sRGB_to_XYZ(np.asarray(c, dtype=float))) for c in (rgb1, rgb2))
    return colour.delta_E(lab1, lab2, method="CIE 2000")


def closest(rgb1, rgb2):
    """(smallest ΔE00 over CONDITIONS, the condition it occurs in) for two sRGB colours."""
    distances = {condition: float(delta_e(simulate(rgb1, condition), simulate(rgb2, condition)))
                 for condition in CONDITIONS}
    condition = min(distances, key=distances.get)
    return distances[condition], condition


def confusable(series, threshold=MIN_DELTA_E):
    """Pairs of series told apart by colour alone that come closer than `threshold`.

    `series`: one figure's lecturekit.series() record, a list per axes of {"kind", "colour"
    ("#rrggbb"), "cue"}. Two series of one kind with one cue (line style and marker, marker,
    or hatch) differ by colour only. Returns [(axes, colour, colour, ΔE00, condition)].
    """
    from matplotlib.colors import to_rgb
    found = []
    for n, drawn in enumerate(series):
        for i, a in enumerate(drawn):
            for b in drawn[i + 1:]:
                if (a["kind"], a["cue"]) != (b["kind"], b["cue"]) or a["colour"] == b["colour"]:
                    continue
                distance, condition = closest(to_rgb(a["colour"]), to_rgb(b["colour"]))
                if distance < threshold:
                    found.append((n, a["colour"], b["colour"], round(distance, 1), condition))
    return found


def lightness(rgb, condition):
    """CIE L* (D65) of sRGB colours (..., 3) as seen under `condition`."""
    import colour
    return colour.XYZ_to_Lab(colour.sRGB_to_XYZ(simulate(rgb, condition)))[..., 0]


def disordered(maps):
    """Colour maps whose lightness does not follow their values' order for some reader.

    `maps`: one figure's lecturekit.maps() record, a list per axes of {"kind", "map",
    "colours" (in the order of the values)}. A map passes when, in every condition, L*
    strictly rises or strictly falls from each colour to the next (a colour repeated
    at once counts once; one colour, as in contour lines all in black, shows no order).
    Returns [(axes, kind, map, condition, (smallest step, largest step) in L*)].
    """
    from matplotlib.colors import to_rgb
    found = []
    for n, drawn in enumerate(maps):
        for m in drawn:
            colours = [c for k, c in enumerate(m["colours"]) if k == 0 or c != m["colours"][k - 1]]
            if len(set(colours)) < 2:
                continue
            rgb = np.array([to_rgb(c) for c in colours])
            for condition in CONDITIONS:
                steps = np.diff(lightness(rgb, condition))
                if not (np.all(steps > 0) or np.all(steps < 0)):
                    found.append((n, m["kind"], m["map"], condition, (round(float(steps.min()), 1), round(float(steps.max()), 1))))
    return found

"""Hidden tests: tile_filters(images, ncols) -> grid with NaN borders.

Compared with the reference: the NaN positions (borders, empty cells) first,
then the values.  Known mistakes (hinted): borders of 0 instead of NaN,
column-major order, rows computed with floor (the last, incomplete row lost),
no outer border.
"""
import numpy as np
import pytest

import _inside_cases as C
from autograder.checks import Hint, expect_close, expect_shape, fail

FUNC = "tile_filters"
title = C.titler(FUNC)
WHAT = ("the grid returned by tile_filters", "tile_filters가 반환한 격자")


def _check(student, ref, images, ncols):
    inputs = {"images": images, "ncols": ncols}
    n, h, w = images.shape
    expected = ref.tile_filters(images, ncols)
    rows = -(-n // ncols)
    hints = [Hint.shape(((n // ncols) * (h + 1) + 1, ncols * (w + 1) + 1), "The number of rows is ceil(N / ncols): "
                        "the last row may be incomplete.", "줄 수는 ceil(N / ncols)입니다. 마지막 줄은 다 차지 않을 수 있습니다.")
             ] * (n % ncols != 0) + [
             Hint.shape((rows * (h + 1) - 1, ncols * (w + 1) - 1), "Every tile has a 1-pixel border all around, the "
                        "outer edge included: shape (rows*(h+1)+1, ncols*(w+1)+1).",
                        "바깥 가장자리를 포함해 모든 타일 둘레에 1픽셀 테두리가 있습니다: 모양 (rows*(h+1)+1, ncols*(w+1)+1)."),
             Hint(lambda g: type(g) is np.ndarray and g.dtype.kind == "f" and not np.isnan(g).any(),
                  "The borders and empty cells must be NaN: start from np.full(shape, np.nan).",
                  "테두리와 빈 칸은 NaN이어야 합니다: np.full(shape, np.nan)에서 시작하세요.")]
    got = expect_shape(student(images, ncols), expected.shape, what=WHAT, inputs=inputs, hints=hints)
    if got.dtype.kind != "f" or not np.array_equal(np.isnan(got), np.isnan(expected)):
        fail("The NaN pixels (a 1-pixel border around every tile, and empty cells) are not where they should be.",
             "NaN 픽셀(모든 타일 둘레의 1픽셀 테두리와 빈 칸)의 위치가 틀렸습니다.", inputs=inputs, got=got,
             hints=hints)
    column_major = np.full_like(expected, np.nan)
    for i in range(n):
        c, r = divmod(i, rows)
        if c < ncols:
            column_major[1 + r * (h + 1):1 + r * (h + 1) + h, 1 + c * (w + 1):1 + c * (w + 1) + w] = images[i]
    hints.append(Hint.close_to(np.nan_to_num(column_major), "Fill the grid row by row: image i goes to row i // ncols, "
                               "column i % ncols.", "격자를 줄 단위로 채우세요: 이미지 i는 i // ncols 줄, i % ncols 열입니다."))
    expect_close(np.nan_to_num(got), np.nan_to_num(expected), what=WHAT, inputs=inputs, hints=hints)


@pytest.mark.parametrize("n, h, w, ncols", [
    pytest.param(3, 2, 2, 2, id="small", marks=title("three 2x2 images, 2 columns", "2x2 이미지 세 장, 열 2개")),
    pytest.param(5, 2, 3, 4, id="rect", marks=title("five 2x3 images, 4 columns", "2x3 이미지 다섯 장, 열 4개")),
    pytest.param(32, 3, 3, 8, id="full", marks=title("32 3x3 filters, 8 columns (full rows)",
                                                     "3x3 필터 32개, 열 8개 (꽉 찬 줄)")),
    pytest.param(4, 3, 2, 1, id="one_column", marks=title("one column", "열 하나")),
])
def test_values(student, ref, rng, n, h, w, ncols):
    _check(student, ref, rng.random((n, h, w)), ncols)

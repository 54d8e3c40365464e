"""The lecture's worked examples, recomputed with the reference solutions.

The small integer examples are copied from the lecture slides (and the
notebook's markdown).  One lecture table has a slip: the 5x5 example with
padding 1 and stride 1 prints 4 at row 2, column 4 (1-indexed); the correct
value is 5.  That map is therefore compared in full with ``torch`` rather than
with a copied table, plus the single corrected entry.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograder.engine.reference import load_reference

NOTEBOOK = Path(__file__).resolve().parents[2] / "source" / "cnn_step_by_step" / "cnn_step_by_step.ipynb"
ref = load_reference(NOTEBOOK)

KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=float)
IMAGE6 = np.array([[1, 0, 0, 0, 0, 1],
                   [0, 1, 0, 0, 1, 0],
                   [0, 0, 1, 1, 0, 0],
                   [1, 0, 0, 0, 1, 0],
                   [0, 1, 0, 0, 1, 0],
                   [0, 0, 1, 0, 1, 0]], dtype=float)
IMAGE5 = np.array([[1, 1, 1, 1, 1],
                   [2, 2, 2, 2, 2],
                   [0, 0, 0, 0, 1],
                   [1, 0, 1, 1, 0],
                   [2, 1, 2, 1, 2]], dtype=float)


def single_channel_conv(image, kernel, stride, pad):
    Z, _ = ref.conv_forward(image[None, :, :, None], kernel[:, :, None, None],
                            np.zeros((1, 1, 1, 1)), {"stride": stride, "pad": pad})
    assert Z.shape[0] == 1 and Z.shape[3] == 1
    return Z[0, :, :, 0]


def test_1d_convolution_via_conv_single_step():
    x = np.array([1, 3, 2, 3, 0, 4, 1, 2], dtype=float)
    w = np.array([1, 0, -1], dtype=float)
    no_bias = np.zeros((1, 1, 1))
    out = [ref.conv_single_step(x[i:i + 3].reshape(1, 3, 1), w.reshape(1, 3, 1), no_bias)
           for i in range(len(x) - 3 + 1)]
    np.testing.assert_array_equal(out, [-1, 0, 2, -1, -1, 2])


def test_6x6_binary_image_stride_1():
    np.testing.assert_array_equal(single_channel_conv(IMAGE6, KERNEL, stride=1, pad=0),
                                  [[3, 1, 1, 3], [1, 2, 3, 0], [1, 2, 2, 2], [3, 0, 3, 1]])


def test_5x5_stride_2_no_padding():
    np.testing.assert_array_equal(single_channel_conv(IMAGE5, KERNEL, stride=2, pad=0),
                                  [[4, 5], [4, 6]])


def test_5x5_padding_1_keeps_the_size():
    got = single_channel_conv(IMAGE5, KERNEL, stride=1, pad=1)
    expected = F.conv2d(torch.from_numpy(IMAGE5)[None, None], torch.from_numpy(KERNEL)[None, None],
                        padding=1)[0, 0].numpy()
    assert got.shape == (5, 5)
    np.testing.assert_array_equal(got, expected)
    # The lecture table prints 4 here (row 2, column 4, 1-indexed): a slip.
    # The window covers input rows 1-3 and columns 3-5: 1 + 1 + 2 + 0 + 1 = 5.
    assert got[1, 3] == 5


def test_output_shape_and_parameter_count_128x128x3():
    assert ref.conv_output_shape((128, 128, 3), 3, 8, 1, 2) == (64, 64, 8)
    assert ref.conv_param_count(3, 3, 8) == 224 == (3 * 3 * 3 + 1) * 8
    # and the layer really produces that shape
    Z, _ = ref.conv_forward(np.zeros((1, 128, 128, 3)), np.zeros((3, 3, 3, 8)),
                            np.zeros((1, 1, 1, 8)), {"pad": 1, "stride": 2})
    assert Z.shape == (1, 64, 64, 8)


def test_dense_versus_conv_parameter_count_on_mnist():
    dense_weights = 784 * 500
    assert dense_weights == 392_000
    conv = ref.conv_param_count(3, 1, 32)
    assert conv == 320
    # a conv layer's count does not depend on the image size
    assert ref.conv_output_shape((28, 28, 1), 3, 32, 1, 1) == (28, 28, 32)
    assert ref.conv_output_shape((280, 280, 1), 3, 32, 1, 1) == (280, 280, 32)


@pytest.mark.parametrize("n, f, p, s, expected", [
    (6, 3, 0, 1, 4),     # 6x6 example
    (5, 3, 0, 2, 2),     # 5x5 stride 2
    (5, 3, 1, 1, 5),     # 5x5 padding 1 ("same")
    (7, 3, 0, 2, 3),     # divides exactly
    (8, 3, 0, 2, 3),     # (8 - 3) / 2 = 2.5 -> floor
])
def test_output_size_formula_examples(n, f, p, s, expected):
    assert ref.conv_output_shape((n, n, 1), f, 1, p, s) == (expected, expected, 1)

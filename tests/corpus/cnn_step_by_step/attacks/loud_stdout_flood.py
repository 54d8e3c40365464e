# question: pool_forward
# why: floods stdout and stderr (Python and OS level) before returning a correct answer
import os
import sys
import numpy as np

def pool_forward(A_prev, hparameters, mode="max"):
    chunk = "x" * 1_000_000
    for _ in range(20):
        print(chunk)
        sys.stderr.write(chunk)
        os.write(1, chunk.encode())
    f, stride = hparameters["f"], hparameters["stride"]
    windows = np.lib.stride_tricks.sliding_window_view(A_prev, (f, f), axis=(1, 2))[:, ::stride, ::stride]
    reduce = np.max if mode == "max" else np.mean
    return reduce(windows, axis=(-2, -1)), (A_prev, hparameters)

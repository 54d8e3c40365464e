# question: conv_forward
# why: writes files outside its working directory, then returns a correct answer
import os
import numpy as np

def conv_forward(A_prev, W, b, hparameters):
    targets = ["results.json", "/tmp/cnn_grader_pwned.txt", os.path.expanduser("~/cnn_grader_pwned.txt"),
               "/work/main/results.json", "/work/main/grading.yml", "/work/main/source/cnn_step_by_step/pwned.py"]
    for target in targets + [os.environ.get("CNN_ATTACK_TARGET", "/nonexistent/x")]:
        try:
            with open(target, "a") as handle:
                handle.write('{"score": 100}')
        except OSError:
            pass
    stride, pad = hparameters["stride"], hparameters["pad"]
    f = W.shape[0]
    A = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(A, (f, f), axis=(1, 2))[:, ::stride, ::stride]
    Z = np.einsum("mhwcij,ijcn->mhwn", windows, W) + b.reshape(1, 1, 1, -1)
    return Z, (A_prev, W, b, hparameters)

# question: conv_backward
# why: leaves child processes behind (a plain child and a double-forked daemon), then answers correctly
import os
import subprocess
import numpy as np

def conv_backward(dZ, cache):
    try:
        subprocess.Popen(["sleep", "987"])
        if os.fork() == 0:
            if os.fork() == 0:
                os.setsid()
                os.execvp("sleep", ["sleep", "988"])
            os._exit(0)
    except OSError:
        pass
    A_prev, W, b, hparameters = cache
    stride, pad = hparameters["stride"], hparameters["pad"]
    f = W.shape[0]
    m, n_H, n_W, n_C = dZ.shape
    A_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dA_pad = np.zeros(A_pad.shape)
    dW = np.zeros(W.shape)
    for h in range(n_H):
        for w in range(n_W):
            rows, cols = slice(h * stride, h * stride + f), slice(w * stride, w * stride + f)
            dA_pad[:, rows, cols, :] += np.einsum("ijcn,mn->mijc", W, dZ[:, h, w, :])
            dW += np.einsum("mijc,mn->ijcn", A_pad[:, rows, cols, :], dZ[:, h, w, :])
    db = dZ.sum(axis=(0, 1, 2)).reshape(b.shape)
    dA_prev = dA_pad[:, pad:pad + A_prev.shape[1], pad:pad + A_prev.shape[2], :]
    return dA_prev, dW, db

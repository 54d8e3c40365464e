# question: zero_pad
# why: a hostile submission: returns an object that claims to equal anything, and leaves a child process behind
import subprocess
import numpy as np

class AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return True
    def __array_finalize__(self, obj):
        pass

def zero_pad(X, pad):
    try:
        subprocess.Popen(["sleep", "600"])
    except OSError:
        pass
    return np.zeros((1,)).view(AlwaysEqual)

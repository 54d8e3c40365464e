# question: conv_forward
# expect: zero
# why: correct result, but computed with PyTorch, which the numpy assignment forbids
# fails: forbidden_modules
# names: numpy only | numpy만 사용해야
import numpy as np
import torch
import torch.nn.functional as F

def conv_forward(A_prev, W, b, hparameters):
    x = torch.from_numpy(np.ascontiguousarray(A_prev.transpose(0, 3, 1, 2)))
    w = torch.from_numpy(np.ascontiguousarray(W.transpose(3, 2, 0, 1)))
    Z = F.conv2d(x, w, torch.from_numpy(b.reshape(-1)), stride=hparameters["stride"], padding=hparameters["pad"])
    return Z.numpy().transpose(0, 2, 3, 1), (A_prev, W, b, hparameters)

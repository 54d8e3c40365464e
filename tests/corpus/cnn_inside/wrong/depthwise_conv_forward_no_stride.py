# question: depthwise_conv_forward
# expect: partial
# why: windows move by 1 whatever the stride (right for stride 1 only)
# fails: test_values[floor], test_values[s2p0]
# names: vert_start = h * stride
def depthwise_conv_forward(A_prev, W, b, hparameters):
    stride, pad = hparameters["stride"], hparameters["pad"]
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f = W.shape[0]
    n_H = (n_H_prev + 2 * pad - f) // stride + 1
    n_W = (n_W_prev + 2 * pad - f) // stride + 1
    A_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    Z = np.zeros((m, n_H, n_W, n_C))
    for h in range(n_H):
        for w in range(n_W):
            Z[:, h, w, :] = np.sum(A_pad[:, h:h + f, w:w + f, :] * W, axis=(1, 2)) + b.reshape(n_C)
    return Z, (A_prev, W, b, hparameters)

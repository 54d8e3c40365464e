# question: depthwise_conv_forward
# expect: full
# why: vectorised with sliding_window_view and einsum
def depthwise_conv_forward(A_prev, W, b, hparameters):
    s, p = hparameters["stride"], hparameters["pad"]
    f = W.shape[0]
    A = np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(A, (f, f), axis=(1, 2))[:, ::s, ::s]
    Z = np.einsum("mhwcij,ijc->mhwc", windows, W) + b.reshape(1, 1, 1, -1)
    return Z, (A_prev, W, b, hparameters)

# question: pool_forward
# expect: full
# why: vectorised with sliding_window_view, reductions over the window axes
def pool_forward(A_prev, hparameters, mode="max"):
    f, s = hparameters["f"], hparameters["stride"]
    windows = np.lib.stride_tricks.sliding_window_view(A_prev, (f, f), axis=(1, 2))[:, ::s, ::s]
    if mode == "max":
        A = windows.max(axis=(-2, -1))
    elif mode == "average":
        A = windows.mean(axis=(-2, -1))
    else:
        raise ValueError(mode)
    return A, (A_prev, hparameters)

# question: conv_forward
# expect: partial
# why: pads A_prev but takes the windows from the unpadded A_prev (raises at the border when pad > 0)
# fails: test_cache, test_inputs_unchanged, test_lecture_examples, test_values[bigfilter], test_values[float32], test_values[float32_f4], test_values[s1p1], test_values[single]
# names: the input without padding | 패딩하지 않은 입력
def conv_forward(A_prev, W, b, hparameters):
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride = hparameters["stride"]
    pad = hparameters["pad"]
    n_H = (n_H_prev + 2 * pad - f) // stride + 1
    n_W = (n_W_prev + 2 * pad - f) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    for i in range(m):
        a_prev = A_prev[i]
        for h in range(n_H):
            for w in range(n_W):
                a_slice_prev = a_prev[h * stride:h * stride + f, w * stride:w * stride + f, :]
                for c in range(n_C):
                    Z[i, h, w, c] = conv_single_step(a_slice_prev, W[:, :, :, c], b[:, :, :, c])
    return Z, (A_prev, W, b, hparameters)

# question: conv_forward
# why: allocates memory without bound
def conv_forward(A_prev, W, b, hparameters):
    hoard = []
    while True:
        hoard.append(bytearray(256 * 1024 * 1024))

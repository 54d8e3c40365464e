# question: zero_pad
# why: dereferences a null pointer (segmentation fault)
import ctypes

def zero_pad(X, pad):
    return ctypes.string_at(0)

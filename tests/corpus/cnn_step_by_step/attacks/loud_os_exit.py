# question: conv_param_count
# why: kills its own process without cleanup
import os

def conv_param_count(f, n_C_prev, n_filters):
    os._exit(3)

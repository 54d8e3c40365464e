# question: conv_single_step
# why: loops forever and ignores SIGTERM and SIGALRM
import signal

def conv_single_step(a_slice_prev, W, b):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        pass

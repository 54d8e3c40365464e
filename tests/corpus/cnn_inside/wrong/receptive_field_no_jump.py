# question: receptive_field
# expect: partial
# why: adds kernel sizes, ignoring how strides spread later kernels
# fails: test_digit_blocks, test_random_stacks
# names: size += (k - 1) * jump
def receptive_field(layers):
    size, jump = 1, 1
    for kernel, stride in layers:
        size += kernel - 1
        jump *= stride
    return size, jump

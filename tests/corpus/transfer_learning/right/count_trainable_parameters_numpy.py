# question: count_trainable_parameters
# expect: full
# why: numpy product of the shapes, converted to int
def count_trainable_parameters(model):
    total = 0
    for name, param in model.named_parameters():
        if param.requires_grad:
            total += int(np.prod(param.shape))
    return total

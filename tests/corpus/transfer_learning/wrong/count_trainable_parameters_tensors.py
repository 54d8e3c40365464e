# question: count_trainable_parameters
# expect: partial
# why: counts tensors instead of scalar elements
def count_trainable_parameters(model):
    return sum(1 for p in model.parameters() if p.requires_grad)

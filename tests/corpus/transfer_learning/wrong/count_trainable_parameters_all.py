# question: count_trainable_parameters
# expect: partial
# why: counts frozen parameters too
def count_trainable_parameters(model):
    return sum(p.numel() for p in model.parameters())

# question: make_optimizer
# expect: full
# why: AdamW over filter(...) of the trainable parameters, inside a parameter group
def make_optimizer(model, lr):
    trainable = list(filter(lambda p: p.requires_grad, model.parameters()))
    return torch.optim.AdamW([{"params": trainable}], lr=lr)

# question: make_optimizer
# expect: partial
# why: ignores lr (hard-coded 0.001)
def make_optimizer(model, lr):
    return torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=0.001)

# question: make_optimizer
# expect: partial
# why: ignores lr (hard-coded 0.001)
# fails: test_learning_rate
def make_optimizer(model, lr):
    return torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=0.001)

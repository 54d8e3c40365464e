# question: make_optimizer
# expect: partial
# why: optimizer over all parameters, frozen ones included
def make_optimizer(model, lr):
    return torch.optim.Adam(model.parameters(), lr=lr)

# question: make_optimizer
# expect: partial
# why: optimizer over all parameters, frozen ones included
# fails: test_feature_extractor, test_fine_tuning
def make_optimizer(model, lr):
    return torch.optim.Adam(model.parameters(), lr=lr)

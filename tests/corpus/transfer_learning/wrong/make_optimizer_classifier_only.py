# question: make_optimizer
# expect: partial
# why: only the classifier's parameters: misses the unfrozen block when fine-tuning
# fails: test_all_trainable, test_fine_tuning
def make_optimizer(model, lr):
    return torch.optim.Adam(model.classifier.parameters(), lr=lr)

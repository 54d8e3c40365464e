# question: count_trainable_parameters
# expect: partial
# why: returns a tensor, not an int
# fails: test_returns_int
def count_trainable_parameters(model):
    return torch.tensor([p.numel() for p in model.parameters() if p.requires_grad]).sum()
